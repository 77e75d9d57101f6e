"""Tests of crm_analysis.features.behaviour: the transaction lines and the behaviour features of chapter 3."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis.core.crmdata import CRMData
from crm_analysis.features import behaviour_features
from crm_analysis.features.behaviour import transaction_lines


def test_prepared_transactions_keep_text_as_strings():
    tx = pd.DataFrame({
        "customer_id": pd.array(["C2", "C1", None, "C1"], dtype="string"),
        "order_id": pd.array(["O1", "O2", "O3", "O4"], dtype="string"),
        "order_date": pd.to_datetime(["2024-01-02 10:00", "2024-01-03 00:00", "2024-01-04 00:00", "2024-01-05 00:00"]),
        "amount": pd.array([10.0, -4.0, 3.0, 7.0], dtype="Float64"),
        "product_category": pd.array(["x", None, "y", "y"], dtype="string"),
        "status": pd.array(["completed", "returned", "completed", "cancelled"], dtype="string"),
    }, index=pd.Index([2, 3, 4, 5], name="source_row"))
    out = transaction_lines(tx)
    assert out["customer_id"].tolist() == ["C2", "C1"]  # missing id and the cancelled line dropped
    assert out["order_key"].tolist() == ["O1", "O2"]
    assert out["product_category"].tolist() == ["x", "unknown"]
    assert out["is_return"].tolist() == [False, True]
    assert out["order_date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]
    assert pd.api.types.is_string_dtype(out["customer_id"]) and out["customer_id"].dtype != object
    assert isinstance(out.index, pd.RangeIndex)


def test_orders_are_counted_by_order_id_and_missing_ids_are_not_orders():
    tx = pd.DataFrame({
        "customer_id": pd.array(["A", "A", "A", "B"], dtype="string"),
        "order_id": pd.array(["O1", "O1", "O2", None], dtype="string"),
        "order_date": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-02-01", "2024-01-10"]),
        "amount": [10.0, 5.0, 7.0, 3.0],
    })
    features = behaviour_features(CRMData(transactions=tx), "2024-03-01")
    assert features.loc["A", "n_orders"] == 2.0
    assert features.loc["A", "avg_order_value"] == pytest.approx(11.0)
    assert features.loc["B", "n_orders"] == 0.0


def test_average_order_value_is_unknown_not_infinite_without_order_ids():
    tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "order_id": [None, None, "O1"],
                       "amount": [10.0, 30.0, 5.0],
                       "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"])})
    f = behaviour_features(CRMData(transactions=tx), "2024-06-01")
    assert pd.isna(f.loc["A", "avg_order_value"]) and f.loc["A", "n_purchase_days"] == 2
    assert f.loc["B", "avg_order_value"] == 5.0
