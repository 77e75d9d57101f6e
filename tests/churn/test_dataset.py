"""Tests of crm_analysis.churn.dataset: features strictly before the cut-off (no leakage), labels after it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import churn
from crm_analysis.core.crmdata import CRMData

CUT = pd.Timestamp("2024-07-01")


def _post_cut_altered(data: CRMData, seed: int) -> CRMData:
    """Shuffle, change and add every record dated on or after the cut-off."""
    rng = np.random.default_rng(seed)
    tx = data.transactions.copy()
    after = tx["order_date"] >= CUT
    tx.loc[after, "amount"] = rng.permutation(tx.loc[after, "amount"].to_numpy()) * 3
    tx.loc[after, "customer_id"] = rng.permutation(tx.loc[after, "customer_id"].to_numpy())
    extra = tx.loc[after].head(50).assign(order_date=CUT + pd.Timedelta(days=3), amount=999.0)
    tx = pd.concat([tx, extra], ignore_index=True)
    it = pd.concat([data.interactions, pd.DataFrame({
        "customer_id": data.customers["customer_id"].head(40), "date": CUT, "kind": "complaint",
        "resolved": pd.array([False] * 40, dtype="boolean"), "topic": "price"})], ignore_index=True)
    return data.with_tables(transactions=tx, interactions=it)


@pytest.mark.parametrize("seed", [1, 2])
def test_features_do_not_use_data_after_the_cut_off(synthetic, seed):
    data = synthetic
    kwargs = {"window_days": 90, "price_rise_date": "2024-03-01"}
    original = churn.churn_dataset(data, CUT, **kwargs)
    altered = churn.churn_dataset(_post_cut_altered(data, seed), CUT, **kwargs)
    pd.testing.assert_frame_equal(original.features, altered.features.reindex(original.features.index))
    # the alteration did reach the labels, so the test could have caught a leak
    assert not original.labels.equals(altered.labels.reindex(original.labels.index))


def test_price_rise_features_only_when_the_rise_is_inside_the_data(synthetic):
    data = synthetic
    inside = churn.behaviour_features(data, CUT, price_rise_date="2024-03-01")
    outside = churn.behaviour_features(data, CUT, price_rise_date="2030-01-01")
    assert inside["orders_after_price_rise"].gt(0).any()
    assert "orders_after_price_rise" not in outside
    assert not churn.reason_codes(outside, price_rise_date="2030-01-01")["reason_1"].str.contains("price rise").any()


def test_features_do_change_when_pre_cut_off_data_changes(synthetic):
    data = synthetic
    tx = data.transactions.copy()
    tx.loc[tx["order_date"] < CUT, "amount"] *= 2
    a = churn.churn_dataset(data, CUT, window_days=90).features
    b = churn.churn_dataset(data.with_tables(transactions=tx), CUT, window_days=90).features
    assert not np.allclose(a["monetary"], b["monetary"].reindex(a.index))
