"""Tests of crm_analysis.churn.lost: every lost customer with a reason and the revenue lost; segments."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import churn
from crm_analysis.core.crmdata import CRMData
from crm_analysis.features.abc import abc_tiers


def test_annualised_spend_scales_short_tenure():
    f = pd.DataFrame({"spend_last_year": [100.0, 100.0, 100.0, 100.0], "tenure_days": [500.0, 182.5, 10.0, 10.0],
                      "n_purchase_days": [9.0, 3.0, 2.0, 1.0]})
    expected = [100.0, 200.0, 100 * 365 / 90, 100.0]  # short tenure is floored at the window; one-off counts once
    assert churn.annualised_spend(f, window_days=90).tolist() == pytest.approx(expected)


def test_explain_lost_and_scores_table(synthetic):
    data = synthetic
    lost = churn.explain_lost(data, "2025-01-01", window_days=90, seed=0)
    # the complainers stopped around day 500 (mid-2024) and are all lost by 2025
    assert lost.table.index.is_unique and len(lost.table) >= 60
    assert (lost.table["lost_revenue"] > 0).all()
    assert (lost.table["rule_reason"] == "service").mean() > 0.8
    active = churn.active_customer_features(data, "2025-01-01", window_days=90)
    both = active.index[:3]  # pretend three active customers answered the exit survey
    lost.table = pd.concat([lost.table, pd.DataFrame({"reason_category": "price", "source": "stated"}, index=both)])
    scores = churn.churn_scores_table(pd.Series(0.5, index=active.index), churn.reason_codes(active), lost,
                                      churn.reason_codes(lost.features))
    assert scores["customer_id"].is_unique and len(scores) == len(set(active.index) | set(lost.table.index))
    assert (scores.loc[scores["customer_id"].isin(both), "status"] == "lost").all()
    reasons = churn.churn_reasons_table(lost)
    assert list(reasons.columns) == ["reason_category", "customers", "lost_revenue", "source"]
    assert reasons["customers"].sum() == len(lost.table)


def test_inferred_reasons_match_truth_on_teaching_data(teaching):
    data = teaching.clean
    window = churn.choose_inactivity_window(data.transactions)
    lost = churn.explain_lost(data, teaching.as_of, window_days=window.days, price_rise_date="2024-07-01", seed=42)
    accuracy = churn.reason_accuracy(lost.table, data.truth.customers)
    assert accuracy["customers"].iloc[0] > 500
    assert accuracy["accuracy"].iloc[0] >= 0.7
    assert accuracy["accuracy"].iloc[0] > accuracy["accuracy"].iloc[-1]


def test_lost_customers_include_survey_leavers_and_say_why():
    tx = pd.DataFrame({"customer_id": ["A", "B", "C"], "amount": [50.0, 10.0, 20.0],
                       "order_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-15"])})
    survey = pd.DataFrame({"customer_id": ["B"], "reason_category": ["price"], "reason_text": ["太贵"]})
    data = CRMData(transactions=tx, exit_survey=survey)
    by_inactivity = churn.lost_customers(tx, "2024-07-01", window_days=90)
    assert by_inactivity["lost"].to_dict() == {"A": True, "B": False, "C": False}
    lost = churn.explain_lost(data, "2024-07-01", window_days=90)
    # B said they left before their window passed: lost too, but not by inactivity
    assert lost.table["lost_by"].to_dict() == {"A": "inactivity", "B": "exit survey"}


def test_segments_come_from_chapter_2_else_the_shared_abc_tiers():
    tx = pd.DataFrame({"customer_id": ["A", "B", "C", "D", "D"], "amount": [80.0, 15.0, 5.0, 0.0, -2.0],
                       "order_date": pd.to_datetime(["2024-01-01"] * 4 + ["2024-01-02"])})
    data = CRMData(transactions=tx)
    tiers, source = churn.customer_segments(data, "2024-02-01")
    assert source.startswith("ABC")
    spend = tx.groupby("customer_id")["amount"].sum()
    pd.testing.assert_series_equal(tiers.sort_index(), abc_tiers(spend).sort_index(), check_names=False)
    assert tiers["D"] == "C"  # a net returner is never A or B
    clusters = pd.DataFrame({"cluster_name": ["loyal", "new"], "cluster": [0, 1]},
                            index=pd.Index(["A", "B"], name="customer_id"))
    from_chapter_2, source = churn.customer_segments(data, "2024-02-01", clusters=clusters)
    assert source == "chapter 2 clusters" and from_chapter_2.to_dict() == {"A": "loyal", "B": "new"}
