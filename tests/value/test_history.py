"""Tests of crm_analysis.value.history: historical value and its concentration."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.core.errors import CRMDataError


def test_historical_value_nets_returns_ignores_cancelled_and_future_lines(make_tx) -> None:
    tx = make_tx([
        ("O1", "A", "2024-01-01", 100.0, "completed"),
        ("O1", "A", "2024-01-01", 20.0, "completed"),  # second line of the same order
        ("O2", "A", "2024-01-05", 50.0, "completed"),
        ("R1", "A", "2024-01-09", -20.0, "returned"),
        ("O3", "A", "2024-01-10", 999.0, "cancelled"),
        ("O4", "B", "2024-01-03", 30.0, "completed"),
        ("O5", "B", "2024-02-01", 70.0, "completed"),  # on as_of: excluded
        ("O6", "C", "2024-01-04", 40.0, "cancelled"),  # never bought
    ])
    out = value.historical_value(tx, as_of="2024-02-01")
    assert list(out.index) == ["A", "B"]
    assert out.loc["A", "revenue"] == pytest.approx(150.0)
    assert out.loc["A", "gross_revenue"] == pytest.approx(170.0)
    assert out.loc["A", "n_orders"] == 2
    assert out.loc["A", "returns"] == 1 and out.loc["A", "returned_value"] == pytest.approx(20.0)
    assert out.loc["A", "average_order_value"] == pytest.approx(85.0)
    assert out.loc["B", "revenue"] == pytest.approx(30.0)
    assert out.loc["A", "tenure_days"] == 31 and out.loc["B", "recency_days"] == 29


def test_historical_value_without_status_treats_negative_amounts_as_returns(make_tx) -> None:
    tx = make_tx([("O1", "A", "2024-01-01", 100.0, None), ("O2", "A", "2024-01-02", -40.0, None)])
    out = value.historical_value(tx.drop(columns=["status", "order_id"]), as_of="2024-01-10")
    assert out.loc["A", "revenue"] == pytest.approx(60.0)
    assert out.loc["A", "n_orders"] == 1 and out.loc["A", "returns"] == 1


def test_historical_value_names_the_missing_column(make_tx) -> None:
    tx = make_tx([("O1", "A", "2024-01-01", 1.0, "completed")]).drop(columns=["amount"])
    with pytest.raises(CRMDataError, match="'amount'"):
        value.historical_value(tx, as_of="2024-02-01")


def test_concentration_summary_matches_hand_computed_figures() -> None:
    revenue = pd.Series([50.0, 30.0, 10.0, 6.0, 4.0], index=list("vwxyz"))
    out = value.concentration_summary(revenue)["value"]
    assert out["top_20pct_value_share"] == pytest.approx(0.5)
    assert out["tier_A_customers"] == 2 and out["tier_A_value_share"] == pytest.approx(0.8)
    assert out["tier_C_customers"] == 1
    assert 0 < out["gini"] < 1
