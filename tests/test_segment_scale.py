"""Scale behaviour of crm_analysis.segment: the seeded silhouette sample, one-thread clustering.

Issue 7 asks for clustering on 1,000,000 customers with sampling only where a method is quadratic.
These tests pin what that means: only the silhouette depends on the sample; the other criteria and
the clusters use every customer; running on one thread changes no result.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score
from threadpoolctl import threadpool_info

from crm_analysis import segment as S

SEED = 20231101


def blobs(n: int = 3000, seed: int = SEED) -> pd.DataFrame:
    """Three skewed groups of customers (positive values, like spend and counts)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    centre = np.array([[5.0, 50.0, 400.0], [40.0, 5.0, 60.0], [300.0, 1.0, 15.0]])[group]
    return pd.DataFrame(centre * rng.lognormal(0, 0.25, (n, 3)), columns=["recency_days", "n_orders", "monetary"])


def test_only_the_silhouette_depends_on_the_sample():
    X = blobs()
    small = S.select_k(X, [2, 3, 4], random_state=0, silhouette_sample=400, n_init=2)
    full = S.select_k(X, [2, 3, 4], random_state=0, silhouette_sample=len(X), n_init=2)
    for column in ("davies_bouldin", "calinski_harabasz", "bic"):
        np.testing.assert_allclose(small[column], full[column], rtol=1e-12)
    assert not np.allclose(small["silhouette"], full["silhouette"], atol=0, rtol=1e-12)
    # a seeded sample of 400 estimates the silhouette of all 3,000 customers closely ...
    np.testing.assert_allclose(small["silhouette"], full["silhouette"], atol=0.04)
    # ... and picks the same k
    assert S.choose_k(small) == S.choose_k(full) == 3


def test_silhouette_sample_is_seeded():
    X = blobs(1500)
    first = S.select_k(X, [3], random_state=5, silhouette_sample=300, n_init=1)
    again = S.select_k(X, [3], random_state=5, silhouette_sample=300, n_init=1)
    other = S.select_k(X, [3], random_state=6, silhouette_sample=300, n_init=1)
    assert first.equals(again)
    assert first.loc[3, "silhouette"] != other.loc[3, "silhouette"]


def test_full_silhouette_when_customers_fit_in_the_sample():
    X = blobs(600)
    scores = S.select_k(X, [3], random_state=0, silhouette_sample=10_000, n_init=1)
    seg = S.CustomerSegmenter(n_clusters=3, n_init=1, random_state=0).fit(X)
    exact = silhouette_score(seg.preprocess(X), seg.labels_)
    assert scores.loc[3, "silhouette"] == pytest.approx(exact, abs=1e-12)


def _openmp_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"]


def test_clustering_runs_on_one_thread_and_restores_the_limit(monkeypatch):
    seen: list[list[int]] = []

    class RecordingKMeans(KMeans):
        def fit(self, X, y=None, sample_weight=None):
            seen.append(_openmp_threads())
            return super().fit(X, y, sample_weight)

    monkeypatch.setattr(S, "KMeans", RecordingKMeans)
    before = _openmp_threads()
    X = blobs(300)
    S.CustomerSegmenter(n_clusters=3, n_init=1, random_state=0).fit(X)
    S.raw_rfm_kmeans(X, 3, random_state=0)
    assert len(seen) == 2
    assert all(threads == [1] * len(threads) for threads in seen)
    assert _openmp_threads() == before


def test_one_thread_gives_the_same_clusters_as_plain_kmeans():
    X = blobs(2000)
    seg = S.CustomerSegmenter(n_clusters=4, n_init=3, random_state=7).fit(X)
    plain = KMeans(4, n_init=3, random_state=7).fit(seg.preprocess(X))
    assert seg.labels_.tolist() == plain.labels_.tolist()
    np.testing.assert_allclose(seg.cluster_centers_, plain.cluster_centers_, rtol=1e-9, atol=1e-12)
