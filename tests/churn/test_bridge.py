"""Tests of crm_analysis.churn.bridge: each case of the revenue bridge and its exact identity."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analysis import churn


def _c(amount: float) -> int:
    """An amount in whole cents."""
    return int(np.rint(amount * 100))


def _bridge_parts(row: pd.Series) -> int:
    """start + components in integer cents."""
    return _c(row["start"]) + sum(_c(row[c]) for c in churn.BRIDGE_COMPONENTS)


def test_bridge_classifies_each_case():
    tx = pd.DataFrame({
        "customer_id": ["new", "back", "back", "up", "up", "down", "down", "gone"],
        "order_date": pd.to_datetime(["2024-02-10", "2023-06-01", "2024-02-11", "2024-01-02", "2024-02-02",
                                      "2024-01-03", "2024-02-03", "2024-01-04"]),
        "amount": [5.0, 1.0, 7.0, 10.0, 16.0, 10.0, 4.0, 9.0],
    })
    b = churn.revenue_bridge(tx, ("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01")).iloc[0]
    assert b.to_dict() == {"start": 29.0, "new": 5.0, "reactivated": 7.0, "expansion": 6.0,
                           "contraction": -6.0, "lost": -9.0, "end": 32.0}
    with pytest.raises(ValueError, match="overlap"):
        churn.revenue_bridge(tx, ("2024-01-01", "2024-02-15"), ("2024-02-01", "2024-03-01"))


transactions_strategy = st.lists(
    st.tuples(st.integers(0, 15), st.integers(0, 119), st.integers(-50_000, 500_000), st.sampled_from("xyz")),
    min_size=1, max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(rows=transactions_strategy, split=st.integers(20, 80))
def test_bridge_identity_holds_exactly(rows, split):
    customer, day, cents, category = zip(*rows, strict=True)
    tx = pd.DataFrame({
        "customer_id": [f"C{c}" for c in customer],
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
        "amount": np.array(cents) / 100, "product_category": list(category),
    })
    start, middle, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-01") + pd.Timedelta(days=split), \
        pd.Timestamp("2024-05-01")
    total = churn.revenue_bridge(tx, (start, middle), (middle, end)).iloc[0]
    assert _bridge_parts(total) == _c(total["end"])
    expected_end = int(np.array(cents)[(np.array(day) >= split)].sum())
    assert _c(total["end"]) == expected_end
    for split_by in ({"by": "product_category"}, {"groups": pd.Series({"C1": "g1", "C2": "g2"})}):
        parts = churn.revenue_bridge(tx, (start, middle), (middle, end), **split_by)
        assert all(_bridge_parts(r) == _c(r["end"]) for _, r in parts.iterrows())
        assert _c(parts["end"].sum()) == expected_end
    table = churn.bridge_table(churn.revenue_bridge(tx, (start, middle), (middle, end)))
    assert table["component"].tolist() == ["start", *churn.BRIDGE_COMPONENTS, "end"]
