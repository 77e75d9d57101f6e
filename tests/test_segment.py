"""Tests of crm_analysis.segment: RFM scoring, ABC tiers, bases, the clustering estimator, movement."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import parametrize_with_checks

from crm_analysis import segment as S
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.paths import TEACHING_DIR

SEED = 20240601


def make_features(n: int = 400, seed: int = SEED) -> pd.DataFrame:
    """Three well separated behavioural groups with skewed spend, like real customers."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    frequency = np.where(group == 0, rng.poisson(15, n) + 5, np.where(group == 1, rng.poisson(3, n) + 1, 1))
    recency = np.where(group == 0, rng.integers(1, 30, n), np.where(group == 1, rng.integers(30, 200, n),
                                                                     rng.integers(300, 900, n)))
    aov = rng.lognormal(np.where(group == 0, 5.0, np.where(group == 1, 4.0, 3.5)), 0.3)
    index = pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id", dtype="string")
    return pd.DataFrame({
        "recency_days": recency, "n_orders": frequency, "monetary": frequency * aov,
        "avg_order_value": aov, "tenure_days": recency + rng.integers(0, 400, n),
        "region": rng.choice(["East", "North", "South"], n), "group": group,
    }, index=index)


# ------------------------------------------------------------------ RFM scores


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


def test_rfm_segments_follow_the_documented_grid():
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
    names = {name for row in S.RFM_SEGMENT_GRID.values() for name in row}
    assert names == set(S.RFM_SEGMENT_ORDER) == set(S.RFM_SEGMENT_ZH) == set(S.RFM_SEGMENT_ACTIONS)


def test_rfm_scores_name_the_missing_column():
    with pytest.raises(CRMDataError, match="monetary"):
        S.rfm_scores(pd.DataFrame({"recency_days": [1], "n_orders": [1]}))


# ------------------------------------------------------------------ ABC and concentration


def test_abc_tiers_use_cumulative_share_thresholds():
    monetary = pd.Series([500.0, 300.0, 100.0, 50.0, 30.0, 20.0], index=list("abcdef"))
    # shares before each customer: 0, .5, .8, .9, .95, .98
    assert S.abc_tiers(monetary).tolist() == ["A", "A", "B", "B", "C", "C"]
    assert S.abc_tiers(monetary, a=0.5, b=0.9).tolist() == ["A", "B", "B", "C", "C", "C"]


def test_abc_tiers_are_order_independent_and_handle_negative_values():
    monetary = pd.Series([10.0, -5.0, 80.0, 10.0, 0.0], index=list("vwxyz"))
    tiers = S.abc_tiers(monetary)
    assert tiers["x"] == "A" and tiers["w"] == "C" and tiers["z"] == "C"
    reversed_tiers = S.abc_tiers(monetary.iloc[::-1])
    assert reversed_tiers.sort_index().tolist() == tiers.sort_index().tolist()


@pytest.mark.parametrize(("a", "b"), [(0.9, 0.8), (0.0, 0.5), (0.8, 1.2)])
def test_abc_tiers_reject_bad_thresholds(a, b):
    with pytest.raises(ValueError, match="0 < a < b <= 1"):
        S.abc_tiers(pd.Series([1.0]), a=a, b=b)


def test_concentration_matches_hand_computed_values():
    equal = S.concentration(pd.Series([5.0] * 10))
    assert equal["gini"] == pytest.approx(0.0) and equal["top_share_of_revenue"] == pytest.approx(0.2)
    skewed = S.concentration(pd.Series([0.0] * 9 + [100.0]))
    assert skewed["gini"] == pytest.approx(0.9)
    assert skewed["top_share_of_revenue"] == pytest.approx(1.0)
    assert skewed["customer_share_for_80pct"] == pytest.approx(0.1)


def test_lorenz_curve_runs_from_zero_to_one_and_is_convex():
    curve = S.lorenz_curve(make_features()["monetary"])
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    assert curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(curve["revenue_share"], 2) >= -1e-12).all()


# ------------------------------------------------------------------ bases


def test_basis_summary_counts_customers_and_revenue():
    features = make_features()
    features["abc_tier"] = S.abc_tiers(features["monetary"])
    table = S.basis_summary(features, "geography")
    assert table["variable"].unique().tolist() == ["region"]
    assert table["customers"].sum() == len(features)
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    assert S.basis_summary(features, "demographics").empty
    assert S.available_bases(features)["value"] == ["abc_tier"]


def test_summarise_by_pools_rare_levels():
    features = make_features(60)
    features["city"] = [f"city{i}" for i in range(60)]
    table = S.summarise_by(features, "city", max_levels=5)
    assert len(table) == 6 and "(other)" in table.index
    assert table["customers"].sum() == 60


# ------------------------------------------------------------------ the estimator


@parametrize_with_checks([S.CustomerSegmenter(n_clusters=3), S.CustomerSegmenter("gmm", 3, n_init=1)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_segmenter_recovers_groups_and_supports_pipeline_and_pandas_output():
    features = make_features()
    X = S.cluster_matrix(features, ["recency_days", "n_orders", "monetary", "avg_order_value"])
    for method in ("kmeans", "gmm"):
        seg = S.CustomerSegmenter(method, 3, random_state=0).fit(X)
        assert S.truth_agreement(pd.Series(seg.labels_, index=X.index), features["group"]) > 0.9
        assert seg.predict(X).tolist() == seg.labels_.tolist()
    pipe = make_pipeline(FunctionTransformer(lambda frame: frame), S.CustomerSegmenter(n_clusters=3, random_state=0))
    pipe.set_output(transform="pandas")
    distances = pipe.fit_transform(X)
    assert list(distances.columns) == ["customersegmenter0", "customersegmenter1", "customersegmenter2"]
    assert distances.index.equals(X.index)
    assert (distances.to_numpy().argmin(axis=1) == pipe[-1].labels_).all()


def test_scaling_and_log_beat_raw_kmeans_on_skewed_features():
    features = make_features()
    X = S.cluster_matrix(features, list(S.RFM_COLUMNS))
    scaled = S.CustomerSegmenter(n_clusters=3, random_state=0).fit(X)
    raw = S.raw_rfm_kmeans(features, 3, random_state=0)
    truth = features["group"]
    assert S.truth_agreement(pd.Series(scaled.labels_, index=X.index), truth) > S.truth_agreement(raw, truth) + 0.2


def test_segmenter_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        S.CustomerSegmenter("dbscan").fit(np.ones((5, 2)))


def test_select_k_finds_the_number_of_groups_and_choose_k_votes():
    X = S.cluster_matrix(make_features(), ["recency_days", "n_orders", "avg_order_value"])
    scores = S.select_k(X, range(2, 6), random_state=0, silhouette_sample=200)
    assert list(scores.columns) == ["silhouette", "davies_bouldin", "calinski_harabasz", "bic"]
    assert S.choose_k(scores) == 3
    assert scores["bic"].idxmin() >= 3  # fewer clusters than groups fit the data clearly worse


def test_choose_k_breaks_ties_towards_fewer_clusters():
    scores = pd.DataFrame({"silhouette": [0.6, 0.5], "davies_bouldin": [0.6, 0.5],
                           "calinski_harabasz": [10, 20], "bic": [2, 1]}, index=[2, 3])
    assert S.choose_k(scores) == 3
    scores["bic"] = [1, 2]
    assert S.choose_k(scores) == 2


def test_bootstrap_stability_is_high_for_clear_groups_and_reproducible():
    X = S.cluster_matrix(make_features(), ["recency_days", "n_orders", "avg_order_value"])
    first = S.bootstrap_stability(X, 3, n_boot=5, random_state=1)
    again = S.bootstrap_stability(X, 3, n_boot=5, random_state=1)
    assert len(first) == 5 and first["ari"].min() > 0.9
    assert first["ari"].tolist() == again["ari"].tolist()


def test_profiles_and_names_describe_the_clusters():
    features = make_features()
    labels = pd.Series(features["group"].to_numpy(), index=features.index)
    profiles = S.cluster_profiles(features, labels)
    assert profiles["customers"].sum() == len(features)
    assert profiles["revenue_share"].sum() == pytest.approx(1.0)
    assert profiles.loc[0, "revenue_share"] > 0.6  # the frequent big spenders
    assert profiles["top_region"].notna().all()
    names = S.name_clusters(profiles, features)
    assert names[0] == "active high-value loyal regulars"
    assert names[2].startswith("lapsed") and names[2].endswith("one-off buyers")
    assert names.is_unique


def test_segments_table_has_the_published_columns():
    features = make_features(50)
    labels = pd.Series(features["group"].to_numpy(), index=features.index)
    names = pd.Series({0: "a", 1: "b", 2: "c"})
    table = S.segments_table(features, S.rfm_scores(features), S.abc_tiers(features["monetary"]), labels, names)
    assert list(table.columns) == ["customer_id", "recency_days", "n_orders", "monetary", "rfm_score",
                                   "rfm_segment", "abc_tier", "cluster", "cluster_name"]
    assert table["cluster_name"].tolist() == labels.map(names).tolist()


# ------------------------------------------------------------------ movement


def test_migration_matrix_and_movement_summary():
    before = pd.Series(["A", "B", "C", "A"], index=["w", "x", "y", "z"])
    after = pd.Series(["A", "A", "C", "B", "C"], index=["w", "x", "y", "z", "new"])
    matrix = S.migration_matrix(before, after, order=["A", "B", "C"])
    assert matrix.loc["B", "A"] == 1 and matrix.loc[S.NOT_YET, "C"] == 1
    assert int(matrix.to_numpy().sum()) == 5
    assert list(matrix.columns) == ["A", "B", "C"]
    summary = S.movement_summary(before, after, ["A", "B", "C"])
    assert summary.to_dict() == {"moved up": 1, "stayed": 2, "slipped": 1, "new": 1}


def test_plots_return_figures():
    features = make_features(120)
    scores = S.rfm_scores(features)
    assert S.plot_rfm_heatmap(scores, features).axes
    assert S.plot_pareto(features["monetary"]).axes
    m = S.migration_matrix(scores["rfm_segment"], scores["rfm_segment"], order=S.RFM_SEGMENT_ORDER)
    assert S.plot_migration(m).axes


# ------------------------------------------------------------------ ground truth on the teaching data


@pytest.mark.skipif(not (TEACHING_DIR / "transactions.csv").exists(), reason="data/teaching/ not generated yet")
def test_clusters_recover_the_true_segments_on_teaching_data():
    import crm_analysis
    from crm_analysis.app.report import resolve_as_of
    from crm_analysis.features import customer_features

    data = crm_analysis.clean(crm_analysis.load("teaching"))
    features = customer_features(data, as_of=resolve_as_of(data))
    X = S.cluster_matrix(features)
    k = S.choose_k(S.select_k(X, range(2, 7), random_state=42))
    seg = S.CustomerSegmenter("kmeans", k, random_state=42).fit(X)
    truth = data.truth.customers.set_index("customer_id")["segment"]
    ari = S.truth_agreement(pd.Series(seg.labels_, index=X.index), truth)
    baseline = S.truth_agreement(S.raw_rfm_kmeans(features, k, random_state=42), truth)
    assert ari >= 0.5
    assert ari > baseline + 0.15
