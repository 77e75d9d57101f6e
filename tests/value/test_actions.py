"""Tests of crm_analysis.value.actions: tiers, service levels, value at risk, loyalty funnel, segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.core import handoff


def test_value_tiers_service_levels_and_action_matrix() -> None:
    clv = pd.Series(np.arange(100, 0, -1, dtype="float64"), index=[f"c{i}" for i in range(100)])
    tiers = value.value_tiers(clv, shares=(0.1, 0.4))
    assert tiers.value_counts().to_dict() == {"C": 60, "B": 30, "A": 10}
    assert tiers.iloc[0] == "A" and tiers.iloc[-1] == "C"
    risk = pd.Series(np.tile([0.1, 0.9], 50), index=clv.index)
    levels = value.service_levels(tiers, risk, risk_threshold=0.5)
    assert set(levels) == set(value.CONTACT_PLAN["service_level"])
    assert levels.iloc[0] == "one_to_one" and levels.iloc[1] == "win_back"
    assert levels.iloc[98] == "responsive_silver" and levels.iloc[99] == "let_go"
    frame = pd.DataFrame({"value_tier": tiers, "churn_risk": risk, "clv": clv})
    matrix = value.action_matrix(frame)
    assert matrix["customers"].sum() == 100
    assert matrix["clv"].sum() == pytest.approx(clv.sum())
    plan = value.contact_plan(levels)
    assert plan["customers"].sum() == 100
    assert plan.set_index("service_level").loc["let_go", "contacts_needed_per_year"] == 0


def test_value_at_risk_is_clv_times_risk() -> None:
    frame = pd.DataFrame({"seg": ["x", "y", "x", None], "clv": [100.0, 40.0, 10.0, 5.0],
                          "churn_risk": [0.2, 0.5, 1.0, 1.0]})
    out = value.value_at_risk(frame, "seg")
    assert out["value_at_risk"].sum() == pytest.approx((frame["clv"] * frame["churn_risk"]).sum())
    assert out.iloc[0]["seg"] == "x" and out.iloc[0]["value_at_risk"] == pytest.approx(30.0)
    assert out["share_of_value_at_risk"].sum() == pytest.approx(1.0)
    assert out["customers"].sum() == 4  # missing segment kept as its own group


def test_segment_labels_prefers_chapter_2_segments(tmp_path) -> None:
    ids = pd.Index(["a", "b"], dtype="string", name="customer_id")
    segments = pd.DataFrame({"rfm_segment": ["champions", "lost"], "abc_tier": ["A", "C"], "cluster": [pd.NA, pd.NA],
                             "cluster_name": [pd.NA, pd.NA]}, index=pd.Index(["a", "b"], name="customer_id"))
    handoff.publish(segments, "segments", tmp_path, source="test")
    labels, source = value.segment_labels(ids, segments=handoff.fetch("segments", tmp_path, source="test").frame)
    assert labels.tolist() == ["champions", "lost"] and source == "chapter 2 rfm_segment"
    named = segments.assign(cluster=[0, 1], cluster_name=["loyal", "lapsed"])
    labels, source = value.segment_labels(ids, segments=named)
    assert labels.tolist() == ["loyal", "lapsed"] and source == "chapter 2 cluster_name"
    missing = handoff.fetch("segments", tmp_path / "missing", source="test")
    none, nothing = value.segment_labels(ids, segments=missing.frame)
    assert nothing == "" and none.isna().all()


def test_teaching_value_at_risk_concentrates_where_value_is(teaching: dict) -> None:
    history = value.historical_value(teaching["data"].transactions, as_of=value.observation_end("2100-01-01"))
    table = value.customer_value_table(history, teaching["prediction"])
    truth = teaching["data"].truth.customers.set_index("customer_id")["segment"]
    by_segment = value.value_at_risk(table.join(truth.rename("segment")), "segment").set_index("segment")
    # Loyal high-value and business customers hold more predicted value than one-off buyers.
    assert by_segment.loc["one_off", "clv"] < min(by_segment.loc["loyal_high_value", "clv"],
                                                  by_segment.loc["business", "clv"])
