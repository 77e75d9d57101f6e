"""Tests of crm_analysis.segment.clusters: the clustering matrix, profiles, names, baseline, truth."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_info

from crm_analysis import segment as S
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.paths import TEACHING_DIR
from crm_analysis.models import clustering
from crm_analysis.segment import clusters


def test_cluster_matrix_fills_gaps_and_names_missing_columns(make_features):
    features = make_features(50)
    features["mean_interpurchase_days"] = features["tenure_days"].where(features["n_orders"] > 1) / 2
    X = S.cluster_matrix(features)
    assert X.notna().all().all() and (X.dtypes == "float64").all()
    one_day = features["n_orders"] == 1
    assert (X.loc[one_day, "mean_interpurchase_days"] == features.loc[one_day, "tenure_days"]).all()
    with pytest.raises(CRMDataError, match="return_rate"):
        S.cluster_matrix(features, ["recency_days", "return_rate"])


def test_segmenter_recovers_groups_and_supports_pipeline_and_pandas_output(make_features):
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


def test_scaling_and_log_beat_raw_kmeans_on_skewed_features(make_features):
    features = make_features()
    X = S.cluster_matrix(features, list(S.RFM_COLUMNS))
    scaled = S.CustomerSegmenter(n_clusters=3, random_state=0).fit(X)
    raw = S.raw_rfm_kmeans(features, 3, random_state=0)
    truth = features["group"]
    assert S.truth_agreement(pd.Series(scaled.labels_, index=X.index), truth) > S.truth_agreement(raw, truth) + 0.2


def test_select_k_finds_the_number_of_groups_and_choose_k_votes(make_features):
    X = S.cluster_matrix(make_features(), ["recency_days", "n_orders", "avg_order_value"])
    scores = S.select_k(X, range(2, 6), random_state=0, silhouette_sample=200)
    assert list(scores.columns) == ["silhouette", "davies_bouldin", "calinski_harabasz", "bic"]
    assert S.choose_k(scores) == 3
    assert scores["bic"].idxmin() >= 3  # fewer clusters than groups fit the data clearly worse


def test_bootstrap_stability_is_high_for_clear_groups_and_reproducible(make_features):
    X = S.cluster_matrix(make_features(), ["recency_days", "n_orders", "avg_order_value"])
    first = S.bootstrap_stability(X, 3, n_boot=5, random_state=1)
    again = S.bootstrap_stability(X, 3, n_boot=5, random_state=1)
    assert len(first) == 5 and first["ari"].min() > 0.9
    assert first["ari"].tolist() == again["ari"].tolist()


def test_profiles_and_names_describe_the_clusters(make_features):
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


def _openmp_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"]


def test_clustering_runs_on_one_thread_and_restores_the_limit(monkeypatch, make_features):
    seen: list[list[int]] = []

    class RecordingKMeans(KMeans):
        def fit(self, X, y=None, sample_weight=None):
            seen.append(_openmp_threads())
            return super().fit(X, y, sample_weight)

    # the estimator (models.clustering) and the raw baseline (segment.clusters) each fit a KMeans
    monkeypatch.setattr(clustering, "KMeans", RecordingKMeans)
    monkeypatch.setattr(clusters, "KMeans", RecordingKMeans)
    before = _openmp_threads()
    features = make_features(300)
    S.CustomerSegmenter(n_clusters=3, n_init=1, random_state=0).fit(features[list(S.RFM_COLUMNS)])
    S.raw_rfm_kmeans(features, 3, random_state=0)
    assert len(seen) == 2
    assert all(threads == [1] * len(threads) for threads in seen)
    assert _openmp_threads() == before


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
