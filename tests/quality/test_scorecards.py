"""Tests of crm_analysis.quality.scorecards: per field, record, channel and month."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from crm_analysis import quality
from crm_analysis.core.errors import CRMDataError
from crm_analysis.quality.scorecards import _value_per_customer


def test_field_scorecard_weights_and_rates(small_world):
    data, checks = small_world
    card = quality.field_scorecard(data, checks).query("table == 'customers'").set_index("field")
    assert card.loc["phone", "weight"] > card.loc["gender", "weight"]
    assert card.loc["email", "completeness"] == pytest.approx(0.75)
    assert card.loc["phone", "validity"] == pytest.approx(0.75)
    assert card.loc["industry", "records"] == 0  # nobody is a business
    assert not card.loc["industry", "collected"] and card.loc["phone", "collected"]
    assert set(quality.FIELD_WEIGHTS["tier"]) == {"key", "important", "nice_to_have"}


def test_record_scores_weight_completeness_by_importance(small_world):
    data, checks = small_world
    scores = quality.record_scores(data.customers, checks).set_index("customer_id")
    weights = quality.FIELD_WEIGHTS.set_index("field")["weight"]
    applicable = weights.drop("industry").sum()
    assert scores.loc["C0003", "completeness"] == pytest.approx(1 - weights["email"] / applicable)
    assert scores.loc["C0003", "validity"] == 0.0
    assert scores.loc["C0001", "quality_score"] == 1.0


def test_source_quality_measures_value_per_channel(small_world):
    data, checks = small_world
    table = quality.source_quality(data, data, checks)
    assert table.loc["referral", "revenue_per_customer"] == pytest.approx(90.0)
    assert table.loc["referral", "repeat_share"] == pytest.approx(0.5)
    assert table.loc["purchased_list", "repeat_share"] == 0.0  # two lines on one day is one visit
    assert table.loc["purchased_list", "buyer_share"] == pytest.approx(0.5)
    assert table.loc["referral", "quality_score"] > table.loc["purchased_list", "quality_score"]
    assert table.index[0] == "referral"


def test_source_quality_needs_customers(line, run):
    data, checks = run(None, [line(0)])
    with pytest.raises(CRMDataError, match="no customers table"):
        quality.source_quality(data, data, checks)


def test_field_channel_matrix_and_heatmap(small_world):
    data, checks = small_world
    matrix = quality.field_channel_matrix(data.customers, checks)
    assert matrix.loc["phone", "purchased_list"] == pytest.approx(0.5)
    assert matrix.loc["phone", "referral"] == 1.0
    assert isinstance(quality.plot_field_channel_heatmap(matrix), Figure)


def test_quality_by_month_and_plot(small_world):
    data, checks = small_world
    by_month = quality.quality_by_month(data, checks)
    assert by_month["records"].sum() == 4
    assert isinstance(quality.plot_quality_by_month(by_month), Figure)


def test_value_per_customer_matches_a_plain_groupby():
    rng = np.random.default_rng(5)
    n = 300
    tx = pd.DataFrame({
        "customer_id": pd.array([f"C{i}" if i else None for i in rng.integers(0, 12, n)], dtype="string"),
        "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 6 * 86400, n), "s"),
        "amount": pd.array(np.where(rng.random(n) < 0.1, np.nan, rng.normal(20, 5, n)), dtype="Float64"),
    })
    tx.loc[3, "order_date"] = pd.NaT
    got = _value_per_customer(tx).sort_index()
    t = tx.dropna(subset=["customer_id"]).assign(day=lambda f: f["order_date"].dt.normalize())
    days = t.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    revenue = t.groupby("customer_id")["amount"].sum()
    assert got.index.tolist() == sorted(days.index)
    assert got["n_order_days"].tolist() == days.sort_index().tolist()
    np.testing.assert_allclose(got["revenue"].to_numpy(), revenue.sort_index().to_numpy(dtype=float))


def test_channel_quality_reflects_the_worst_channels_on_teaching_data(teaching):
    data, checks = teaching
    by_channel = quality.channel_scorecard(quality.record_scores(data.customers, checks))
    # The generator injects defects 3x as often on purchased lists as in store visits.
    assert by_channel.loc["purchased_list", "quality_score"] < by_channel.loc["store_visit", "quality_score"]
