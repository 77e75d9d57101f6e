"""Chapter 5 on the teaching data recovers the generator's truth (issue 19): service times exactly, complaint
topics better than a majority baseline by the stated margin, the service-recovery effect's sign and size."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import crm_analysis
from crm_analysis import care
from crm_analysis.app.report import resolve_as_of
from crm_analysis.core import paths
from crm_analysis.features import customer_features


@pytest.fixture(scope="module")
def teaching():
    raw = crm_analysis.load(paths.TEACHING_DIR)
    data = crm_analysis.clean(raw)
    as_of = data.transactions["order_date"].max() + pd.Timedelta(days=1)
    times = care.service_times(data.interactions)
    return data, raw.truth.interactions, times, as_of


def test_first_response_and_resolution_hours_equal_the_truth(teaching):
    _data, truth, times, _ = teaching
    theirs = truth.set_index("interaction_id").reindex(times["interaction_id"])
    assert len(times) == len(truth) == 7315  # every inquiry and complaint survives cleaning
    assert np.allclose(times["response_hours"], theirs["response_hours"], atol=1e-9, rtol=0)
    assert np.allclose(times["resolution_hours"], theirs["resolution_hours"], atol=1e-9, rtol=0, equal_nan=True)
    checks = care.check_against_truth(truth, times=times).set_index("check")
    assert checks["holds"].all() and len(checks) == 4
    assert checks.loc["median first response (hours)", "chapter"] == pytest.approx(20.55)
    assert checks.loc["resolution within 72 h (share)", "truth"] == pytest.approx(0.6795, abs=1e-4)


def test_topics_found_in_the_texts_beat_the_majority_baseline_by_the_stated_margin(teaching):
    data, truth, _, _ = teaching
    complaints = care.complaints_of(data.interactions).set_index("interaction_id")
    found = care.find_topics(complaints["text"], n_topics=10, seed=42)
    checks = care.check_against_truth(truth, found_topics=found.labels).set_index("check")
    row = checks.loc["topic accuracy against the true topics"]
    assert row["holds"] and row["chapter"] - row["truth"] >= care.TOPIC_MARGIN == 0.20
    assert row["truth"] == pytest.approx(0.2106, abs=1e-3)  # majority baseline: the commonest true topic


def test_recovery_effect_has_the_true_sign_and_the_true_size_inside_its_interval(teaching):
    data, truth, times, as_of = teaching
    spend = customer_features(data, as_of=as_of, include_attributes=False)
    tiers = care.customer_tiers(spend["monetary"])
    followed = care.recovery_frame(times, data.transactions, tiers.frame["tier"], spend["first_purchase"], as_of)
    recovery = care.recovery_effect(followed, seed=42)
    checks = care.check_against_truth(truth, followed=followed, recovery=recovery).set_index("check")
    never = checks.loc["recovery: not resolved vs resolved in time (kept within 180 days)"]
    assert never["truth"] == pytest.approx(-0.431, abs=0.005) and never["chapter"] < 0
    assert never["holds"]
    late = checks.loc["recovery: resolved late vs resolved in time (kept within 180 days)"]
    assert late["truth"] == 0.0 and late["holds"]
    # Another window than the truth's: no recovery check is claimed.
    assert care.check_against_truth(truth, followed=followed, recovery=recovery, follow_days=90).empty


def test_a_wrong_figure_fails_its_check(teaching):
    _, truth, times, _ = teaching
    slower = times.assign(response_hours=times["response_hours"] + 1 / 60)  # one minute off
    checks = care.check_against_truth(truth, times=slower).set_index("check")
    assert not checks.loc["median first response (hours)", "holds"]
    assert checks.loc["median resolution (hours)", "holds"]
    shuffled = pd.Series(np.random.default_rng(0).permutation(["x", "y"] * 900)[:1785],
                         index=truth["interaction_id"][truth["true_topic"].notna()].to_numpy())
    assert not care.check_against_truth(truth, found_topics=shuffled)["holds"].iloc[0]


def _plan(data, as_of, plan_days=None, drop=None):
    spend = customer_features(data, as_of=as_of, include_attributes=False)
    tiers = care.customer_tiers(spend["monetary"]).frame["tier"]
    in_plan = spend.index[spend["recency_days"] <= 365]
    log = data.interactions if drop is None else data.interactions.drop(drop)
    return care.plan_adherence(log, tiers.reindex(in_plan).dropna(), as_of, plan_days=plan_days,
                               since=spend["first_purchase"])


def test_visit_plan_adherence_per_tier_equals_the_truth(teaching):
    data, truth, _, _ = teaching
    plan = crm_analysis.load(paths.TEACHING_DIR).truth.care_plan
    as_of = resolve_as_of(data)  # the chapter's default analysis date
    assert plan["as_of"].iloc[0] == as_of == pd.Timestamp("2026-01-01")
    assert int(plan["in_plan"].sum()) == 3076 and plan["on_time_p"].gt(0).all()
    adherence = _plan(data, as_of)
    checks = care.check_against_truth(truth, adherence=adherence, plan=plan, as_of=as_of).set_index("check")
    assert len(checks) == 3 and checks["holds"].all()
    shares = checks["chapter"].round(4).to_dict()
    assert shares == {"visit plan: tier A on time (share)": 0.7252, "visit plan: tier B on time (share)": 0.639,
                      "visit plan: tier C on time (share)": 0.4372}
    assert (checks["chapter"] == checks["truth"]).all()  # exactly, not to a rounding
    # Alone, the chapter's tiers and customers in the plan are the generator's own: its per-tier adherence.
    ours = plan[plan["in_plan"].astype(bool)].set_index("customer_id")
    assert set(ours.index) == set(adherence.index.astype(str))
    assert (ours["plan_tier"].reindex(adherence.index.astype(str)).to_numpy() == adherence["tier"].to_numpy()).all()
    gap = (as_of - ours["last_planned_contact"]).dt.days.astype("float64")  # NaN: never contacted, not on time
    days = ours["plan_tier"].map({"A": 30, "B": 90, "C": 365}).astype("float64")
    own = pd.Series((gap <= days).to_numpy(dtype=bool), index=ours.index).groupby(ours["plan_tier"]).mean()
    assert np.allclose(own.loc[list("ABC")].to_numpy(), checks["truth"].to_numpy(), rtol=0, atol=1e-12)
    # The plan was followed imperfectly, A best; each share is below the tier's known on-time chance for those who
    # stayed (customers who left in the last year are in the plan but no longer visited).
    known = plan.groupby("plan_tier")["on_time_p"].first()
    chapter = [checks.loc[f"visit plan: tier {tier} on time (share)", "chapter"] for tier in "ABC"]
    assert chapter == sorted(chapter, reverse=True) and all(c < known[t] for c, t in zip(chapter, "ABC", strict=True))
    # Other plan days: the truth follows them.
    tighter = care.check_against_truth(truth, adherence=_plan(data, as_of, {"A": 30, "B": 60, "C": 365}),
                                       plan=plan, as_of=as_of)
    assert tighter["holds"].all() and tighter["chapter"].iloc[1] < shares["visit plan: tier B on time (share)"]


def test_a_lost_visit_or_another_date_fails_or_skips_the_plan_check(teaching):
    data, truth, _, _ = teaching
    as_of = resolve_as_of(data)
    plan = crm_analysis.load(paths.TEACHING_DIR).truth.care_plan
    log, full = data.interactions, _plan(data, as_of)
    five = full.index[(full["tier"] == "A") & full["on_time"]][:5]  # their visits and care calls lost
    recent = log[log["customer_id"].astype("string").isin(five) & log["kind"].isin(["visit", "care_call"])].index
    checks = care.check_against_truth(truth, adherence=_plan(data, as_of, drop=recent), plan=plan, as_of=as_of)
    assert not checks.set_index("check").loc["visit plan: tier A on time (share)", "holds"]
    later = as_of + pd.Timedelta(days=7)  # the truth is as of its own date: no claim for another one
    assert care.check_against_truth(truth, adherence=_plan(data, later), plan=plan, as_of=later).empty
