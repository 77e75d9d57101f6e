"""Tests of crm_analysis.segment.rfm: quintile scores, RFM scores and the named segment grid."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import segment as S
from crm_analysis.core import i18n
from crm_analysis.core.errors import CRMDataError

SEED = 20240601


def test_quintile_scores_are_exact_quintiles_without_ties():
    values = pd.Series(np.random.default_rng(SEED).permutation(100).astype(float))
    scores = S.quintile_score(values)
    assert scores.value_counts().sort_index().tolist() == [20] * 5
    # the best 20 values get 5, the worst 20 get 1
    assert (scores[values >= 80] == 5).all() and (scores[values < 20] == 1).all()


def test_quintile_scores_give_ties_the_same_score_regardless_of_order():
    values = pd.Series([1, 1, 1, 1, 1, 1, 2, 3, 4, 5])
    scores = S.quintile_score(values)
    assert scores[values == 1].nunique() == 1 and scores.iloc[0] == 1
    shuffled = values.sample(frac=1, random_state=SEED)
    assert S.quintile_score(shuffled).sort_index().tolist() == scores.tolist()


def test_recency_scores_reward_recent_customers():
    scores = S.quintile_score(pd.Series([1, 10, 100, 1000, 5]), higher_is_better=False)
    assert scores.tolist() == [5, 3, 2, 1, 4]


def test_quintile_score_rejects_missing_values():
    with pytest.raises(ValueError, match="missing"):
        S.quintile_score(pd.Series([1.0, np.nan]))


def test_rfm_segments_follow_the_documented_grid(make_features):
    features = make_features()
    scores = S.rfm_scores(features)
    assert scores["rfm_score"].str.fullmatch(r"[1-5]{3}").all()
    expected = [S.RFM_SEGMENT_GRID[r][fm - 1] for r, fm in zip(scores["r_score"], scores["fm_score"], strict=True)]
    assert scores["rfm_segment"].tolist() == expected
    assert set(scores["rfm_segment"]) <= set(S.RFM_SEGMENT_ORDER)
    # the most recent, most frequent, highest spenders are champions
    best = features.index[(scores["r_score"] == 5) & (scores["f_score"] == 5) & (scores["m_score"] == 5)]
    assert len(best) > 0 and (scores.loc[best, "rfm_segment"] == "champions").all()


def test_every_grid_cell_has_a_known_segment_with_chinese_name_and_action():
    names = {name for row in S.RFM_SEGMENT_GRID.values() for name in row} | {S.NO_NET_SPEND}
    assert names == set(S.RFM_SEGMENT_ORDER) == set(S.RFM_SEGMENT_ACTIONS)
    # the Chinese names and actions come from the catalogue: every one is there, and no two names share one
    chinese = {name: i18n.tr(name, "zh") for name in names}
    assert all(zh != name for name, zh in chinese.items())
    assert len(set(chinese.values())) == len(names)
    assert all(i18n.tr(action, "zh") != action for action in S.RFM_SEGMENT_ACTIONS.values())


def test_rfm_scores_name_the_missing_column():
    with pytest.raises(CRMDataError, match="monetary"):
        S.rfm_scores(pd.DataFrame({"recency_days": [1], "n_orders": [1]}))


def test_rfm_scores_name_the_customers_with_missing_values():
    features = pd.DataFrame({"recency_days": [1, 2], "n_orders": [1, None], "monetary": [5.0, 6.0]},
                            index=pd.Index(["C1", "C2"], name="customer_id"))
    with pytest.raises(CRMDataError, match=r"'n_orders'.*C2"):
        S.rfm_scores(features)


# ----------------------------------------------------------------------------- the tie rule (issue 14)
def test_heavy_tie_at_the_best_recency_gets_the_top_score():
    # A weekly-delivery shop: 70 of 100 customers ordered on the last delivery day.
    recency = pd.Series([0] * 70 + [7] * 20 + [14] * 10)
    score = S.quintile_score(recency, higher_is_better=False)
    assert set(score[:70]) == {5}
    assert set(score[70:90]) == {1} and set(score[90:]) == {1}  # mid-rank 19.5 of 100: the bottom fifth


def test_identical_customers_are_not_lost():
    f = pd.DataFrame({"recency_days": [3] * 5, "n_orders": [2] * 5, "monetary": [40.0] * 5})
    scores = S.rfm_scores(f)
    assert scores["rfm_score"].nunique() == 1 and scores["rfm_segment"].iloc[0] == "champions"


def test_heavy_tie_at_the_bottom_gets_one_and_the_rest_spread():
    n_orders = pd.Series([1] * 60 + [2] * 20 + [3] * 10 + [4] * 5 + [9] * 5)
    score = S.quintile_score(n_orders)
    assert set(score[:60]) == {1} and set(score[95:]) == {5}
    assert score.is_monotonic_increasing


def test_heavy_tie_in_the_middle_gets_one_score_at_its_mid_rank():
    values = pd.Series(list(range(10)) + [50] * 80 + list(range(100, 110)))
    score = S.quintile_score(values)
    assert set(score[10:90]) == {3}  # mid-rank 49.5 of 100
    assert score.iloc[0] == 1 and score.iloc[-1] == 5


def test_tie_scores_do_not_depend_on_row_order():
    rng = np.random.default_rng(14)
    values = pd.Series(rng.choice([0, 0, 0, 1, 2, 5, 5], 200))
    shuffled = values.sample(frac=1.0, random_state=3)
    pd.testing.assert_series_equal(S.quintile_score(values), S.quintile_score(shuffled).sort_index())


@pytest.mark.parametrize("net", [0.0, -0.004, -25.0])
def test_customers_with_net_spend_at_or_below_zero_are_a_group_of_their_own(net):
    # Online Retail's 12346: one order of £77,183.60 cancelled the same day, net 0.00, no order left; and a
    # customer who returned more than they kept (net < 0), and one who bought very recently and often.
    features = pd.DataFrame({"recency_days": [1, 1, 2, 3, 40, 90, 326], "n_orders": [1, 9, 8, 6, 3, 1, 0],
                             "monetary": [net, 900.0, 700.0, 500.0, 90.0, 10.0, 0.0]},
                            index=["X", "A", "B", "C", "D", "E", "12346"])
    scores = S.rfm_scores(features)
    assert scores.loc[["X", "12346"], "rfm_segment"].tolist() == [S.NO_NET_SPEND] * 2
    assert S.NO_NET_SPEND not in scores.drop(["X", "12346"])["rfm_segment"].tolist()
    assert scores.loc["A", "rfm_segment"] == "champions"
    summary = S.rfm_segment_summary(features, scores)
    assert summary.index[-1] == S.NO_NET_SPEND and summary.loc[S.NO_NET_SPEND, "customers"] == 2
    tiers = S.abc_tiers(features["monetary"])
    assert tiers.loc[["X", "12346"]].tolist() == ["C", "C"]
