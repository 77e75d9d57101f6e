"""Tests of crm_analysis.features.customer_features (the segmentation chapter's feature table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.features import age_band, customer_features

AS_OF = pd.Timestamp("2024-07-01")


def make_data() -> CRMData:
    """Two customers with known features, a cancelled order, a return and a future order."""
    tx = pd.DataFrame({
        "order_id": ["O1", "O1", "O2", "O3", "O4", "O5", "O6", "O7"],
        "customer_id": ["A", "A", "A", "A", "B", "B", "A", "B"],
        "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-03-01", "2024-03-10",
                                      "2023-06-01", "2023-06-05", "2024-06-01", "2024-08-01"]),
        "product_category": ["home", "beauty", "home", "home", "office", "office", "home", "office"],
        "amount": [60.0, 40.0, 50.0, -30.0, 500.0, 80.0, 90.0, 999.0],
        "sales_channel": ["online", "online", "store", "store", "phone", "phone", "store", "phone"],
        "status": ["completed", "completed", "completed", "returned", "completed", "cancelled",
                   "completed", "completed"],
    }, index=pd.RangeIndex(2, 10, name="source_row"))
    customers = pd.DataFrame({
        "customer_id": ["A", "B"], "customer_type": ["individual", "business"],
        "birth_date": pd.to_datetime(["1990-07-02", pd.NaT]), "region": ["East", "North"],
    })
    interactions = pd.DataFrame({
        "customer_id": ["A", "A", "B", "A"], "date": pd.to_datetime(["2024-02-01", "2024-03-11", "2024-01-01",
                                                                       "2024-09-01"]),
        "kind": ["complaint", "complaint", "inquiry", "complaint"], "satisfaction": [2.0, 4.0, np.nan, 1.0],
        "resolved": [True, False, pd.NA, False],
    })
    return CRMData(customers=customers, transactions=tx, interactions=interactions, source="test")


def test_rfm_and_value_features_by_hand():
    f = customer_features(make_data(), as_of=AS_OF)
    a, b = f.loc["A"], f.loc["B"]
    assert (a["recency_days"], a["n_orders"], a["tenure_days"]) == (30, 3, 182)
    assert a["gross_spend"] == pytest.approx(240.0) and a["returns_value"] == pytest.approx(30.0)
    assert a["monetary"] == pytest.approx(210.0) and a["avg_order_value"] == pytest.approx(80.0)
    assert a["return_rate"] == pytest.approx(30 / 240)
    assert a["mean_interpurchase_days"] == pytest.approx(152 / 2)
    # B: the cancelled order and the order after as_of do not count
    assert (b["n_orders"], b["monetary"], b["recency_days"]) == (1, 500.0, 396)
    assert np.isnan(b["mean_interpurchase_days"])


def test_only_events_before_as_of_count():
    f = customer_features(make_data(), as_of="2024-03-01")
    assert f.loc["A", "n_orders"] == 1 and f.loc["A", "returns_value"] == 0
    assert f.loc["A", "n_complaints"] == 1
    assert "2024-03-01" > str(f["last_purchase"].max().date())


def test_category_mix_channels_and_trend():
    f = customer_features(make_data(), as_of=AS_OF, trend_period_days=100)
    assert f.loc["A", ["share_home", "share_beauty"]].tolist() == pytest.approx([200 / 240, 40 / 240])
    assert f.loc["B", "share_office"] == 1.0 and f.loc["B", "share_home"] == 0.0
    assert f.loc["A", "main_category"] == "home" and f.loc["A", "main_sales_channel"] == "store"
    # A: last 100 days (from 2024-03-23) 90; the 100 days before 150 (the return is not a purchase)
    assert f.loc["A", "spend_last_period"] == 90 and f.loc["A", "spend_prev_period"] == 150
    assert f.loc["A", "spend_trend"] == pytest.approx((90 - 150) / 240)
    assert f.loc["B", "spend_trend"] == 0.0


def test_interactions_and_attributes_are_joined():
    f = customer_features(make_data(), as_of=AS_OF)
    assert f.loc["A", "n_complaints"] == 2 and f.loc["A", "unresolved_complaints"] == 1
    assert f.loc["A", "mean_satisfaction"] == pytest.approx(3.0)
    assert f.loc["B", "n_complaints"] == 0
    assert f.loc["A", "customer_type"] == "individual" and f.loc["B", "region"] == "North"
    assert f.loc["A", "age_band"] == "25-34" and pd.isna(f.loc["B", "age_band"])
    assert f.index.name == "customer_id" and f.index.is_monotonic_increasing


def test_transactions_only_source_has_no_attribute_columns():
    data = make_data()
    f = customer_features(CRMData(transactions=data.transactions.drop(columns=["product_category"])), as_of=AS_OF)
    assert not {"customer_type", "region", "n_complaints"} & set(f.columns)
    assert not [c for c in f.columns if c.startswith("share_")]
    assert len(f) == 2


def test_missing_column_is_a_clear_error():
    data = make_data()
    bad = CRMData(transactions=data.transactions.drop(columns=["amount"]))
    with pytest.raises(CRMDataError, match="amount"):
        customer_features(bad, as_of=AS_OF)
    with pytest.raises(CRMDataError, match="transactions table"):
        customer_features(CRMData(customers=data.customers), as_of=AS_OF)


def test_age_band_bounds():
    assert age_band(pd.Series([24.99, 25, 64.9, 65, 10])).tolist() == ["<25", "25-34", "55-64", "65+", pd.NA]


def test_categories_differing_only_in_case_share_one_column():
    tx = pd.DataFrame({
        "order_id": ["O1", "O2", "O3"],
        "customer_id": pd.array(["C1", "C1", "C1"], dtype="string"),
        "order_date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "amount": [30.0, 10.0, 60.0],
        "status": ["completed"] * 3,
        "product_category": pd.array(["Home", "home", "Toys"], dtype="string"),
    })
    out = customer_features(CRMData(transactions=tx), as_of="2024-04-01", include_attributes=False)
    shares = out.filter(like="share_")
    assert sorted(shares.columns) == ["share_home", "share_toys"]
    assert shares.loc["C1", "share_home"] == pytest.approx(0.4)
    assert shares.loc["C1"].sum() == pytest.approx(1.0)
