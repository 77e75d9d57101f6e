"""The chapters agree (issue 14): one teaching-data run states the same customers, lost, active and revenue
wherever it shows them — chapter 2's features, RFM segments and concentration, chapter 3's lost list, churn
scores and summary sentence, chapter 4's historical value and concentration, and the index's key figures.

Chapter 3 once said 2,892 lost customers in one place and 2,984 in another: the second count added the
exit-survey respondents without saying so. Both now come from ``churn.customer_status``, and the sentence
that states them says how many said they left before their window had passed.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

import crm_analysis
from crm_analysis import churn, segment, value
from crm_analysis.app import index, report
from crm_analysis.features import customer_features

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    data = crm_analysis.clean(crm_analysis.load("teaching"))
    tx = data.transactions
    as_of = tx["order_date"].max().normalize() + pd.Timedelta(days=1)
    features = customer_features(data, as_of=as_of)
    window = churn.choose_inactivity_window(tx, percentile=0.9)
    lost = churn.explain_lost(data, as_of, window_days=window.days, price_rise_date="2024-07-01", seed=42)
    # The churn scores as chapter 3 builds them: the active customers (not silent) scored, the lost ones at 1.0.
    silent = churn.lost_customers(tx, as_of, window_days=window.days)
    active = silent.index[~silent["lost"].to_numpy(dtype=bool)]
    empty_codes = pd.DataFrame({f"reason_{i}": pd.NA for i in (1, 2, 3)}, index=active)
    scores = churn.churn_scores_table(pd.Series(0.5, index=active), empty_codes, lost,
                                      empty_codes.reindex(lost.table.index))
    out = tmp_path_factory.mktemp("run")
    rfm = segment.rfm_scores(features)
    tiers = segment.abc_tiers(features["monetary"])
    segments = segment.segments_table(features, rfm, tiers, pd.Series(0, index=features.index),
                                      pd.Series({0: "all"}))
    report.save_table(segments, "segments", out)
    report.save_table(scores, "churn_scores", out)
    return {"features": features, "rfm": rfm, "lost": lost, "scores": scores, "out": out,
            "history": value.historical_value(tx, as_of=as_of), "counts": churn.status_counts(lost.status)}


def _figure(out, chapter: str, label: str):
    return next(f["value"] for f in index.key_figures(out, chapter) if f["label"] == label)


def test_customers_are_the_same_in_every_chapter(run):
    n = len(run["features"])
    assert n > 4_000
    assert run["counts"]["customers"] == len(run["history"]) == n
    assert int(segment.rfm_segment_summary(run["features"], run["rfm"])["customers"].sum()) == n
    assert len(run["scores"]) == n and _figure(run["out"], "02", "customers") == n


def test_lost_and_active_are_counted_once(run):
    counts = run["counts"]
    assert counts["lost"] == len(run["lost"].table) == int((run["scores"]["status"] == "lost").sum())
    assert counts["active"] == int((run["scores"]["status"] == "active").sum())
    assert counts["lost"] + counts["active"] == counts["customers"]
    assert counts["lost"] == counts["lost_by_inactivity"] + counts["lost_by_survey"]
    assert counts["lost_by_survey"] > 0          # the teaching data has respondents who left early
    assert _figure(run["out"], "03", "lost customers") == counts["lost"]


def test_the_sentences_state_the_same_counts_and_explain_the_difference(run):
    counts = run["counts"]
    for sentence in (churn.status_sentence(counts, lang="en"),
                     churn.manager_summary(run["lost"], None, None, lang="en")[0]):
        numbers = [int(x.replace(",", "")) for x in re.findall(r"\d[\d,]*", sentence)]
        assert numbers == [counts["lost"], counts["customers"], counts["lost_by_inactivity"],
                           counts["lost_by_survey"], counts["active"]]
        assert "exit survey" in sentence


def test_revenue_is_the_same_net_spend_everywhere(run):
    net = run["features"]["monetary"].sum()
    assert run["history"]["revenue"].sum() == pytest.approx(net, abs=0.005)
    assert segment.rfm_segment_summary(run["features"], run["rfm"])["revenue"].sum() == pytest.approx(net, abs=0.005)
    assert segment.concentration(run["features"]["monetary"])["revenue"] == pytest.approx(net, abs=0.005)
    chapter_4 = value.concentration_summary(run["history"]["revenue"])
    assert chapter_4.loc["revenue", "value"] == pytest.approx(net, abs=0.005)


def test_net_revenue_counts_customers_whose_returns_exceed_their_purchases():
    # Concentration states the net total (the one every chapter reports), not the sum of positive values.
    stats = segment.concentration(pd.Series([100.0, 50.0, -30.0]))
    assert stats["revenue"] == pytest.approx(120.0)
    assert stats["top_share_of_revenue"] == pytest.approx(100.0 / 150.0)
