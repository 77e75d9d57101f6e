"""Tests of crm_analysis.models.clustering: the estimator, choosing k, the seeded silhouette sample.

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
from sklearn.utils.estimator_checks import parametrize_with_checks

from crm_analysis.models.clustering import CustomerSegmenter, choose_k, choose_k_widening, select_k

SEED = 20231101


def blobs(n: int = 3000, seed: int = SEED) -> pd.DataFrame:
    """Three skewed groups of customers (positive values, like spend and counts)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    centre = np.array([[5.0, 50.0, 400.0], [40.0, 5.0, 60.0], [300.0, 1.0, 15.0]])[group]
    return pd.DataFrame(centre * rng.lognormal(0, 0.25, (n, 3)), columns=["recency_days", "n_orders", "monetary"])


@parametrize_with_checks([CustomerSegmenter(n_clusters=3), CustomerSegmenter("gmm", 3, n_init=1)])
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_segmenter_rejects_unknown_method():
    with pytest.raises(ValueError, match="method"):
        CustomerSegmenter("dbscan").fit(np.ones((5, 2)))


def test_choose_k_breaks_ties_towards_fewer_clusters():
    scores = pd.DataFrame({"silhouette": [0.6, 0.5], "davies_bouldin": [0.6, 0.5],
                           "calinski_harabasz": [10, 20], "bic": [2, 1]}, index=[2, 3])
    assert choose_k(scores) == 3
    scores["bic"] = [1, 2]
    assert choose_k(scores) == 2


def test_only_the_silhouette_depends_on_the_sample():
    X = blobs()
    small = select_k(X, [2, 3, 4], random_state=0, silhouette_sample=400, n_init=2)
    full = select_k(X, [2, 3, 4], random_state=0, silhouette_sample=len(X), n_init=2)
    for column in ("davies_bouldin", "calinski_harabasz", "bic"):
        np.testing.assert_allclose(small[column], full[column], rtol=1e-12)
    assert not np.allclose(small["silhouette"], full["silhouette"], atol=0, rtol=1e-12)
    # a seeded sample of 400 estimates the silhouette of all 3,000 customers closely ...
    np.testing.assert_allclose(small["silhouette"], full["silhouette"], atol=0.04)
    # ... and picks the same k
    assert choose_k(small) == choose_k(full) == 3


def test_silhouette_sample_is_seeded():
    X = blobs(1500)
    first = select_k(X, [3], random_state=5, silhouette_sample=300, n_init=1)
    again = select_k(X, [3], random_state=5, silhouette_sample=300, n_init=1)
    other = select_k(X, [3], random_state=6, silhouette_sample=300, n_init=1)
    assert first.equals(again)
    assert first.loc[3, "silhouette"] != other.loc[3, "silhouette"]


def test_full_silhouette_when_customers_fit_in_the_sample():
    X = blobs(600)
    scores = select_k(X, [3], random_state=0, silhouette_sample=10_000, n_init=1)
    seg = CustomerSegmenter(n_clusters=3, n_init=1, random_state=0).fit(X)
    exact = silhouette_score(seg.preprocess(X), seg.labels_)
    assert scores.loc[3, "silhouette"] == pytest.approx(exact, abs=1e-12)


def test_one_thread_gives_the_same_clusters_as_plain_kmeans():
    X = blobs(2000)
    seg = CustomerSegmenter(n_clusters=4, n_init=3, random_state=7).fit(X)
    plain = KMeans(4, n_init=3, random_state=7).fit(seg.preprocess(X))
    assert seg.labels_.tolist() == plain.labels_.tolist()
    np.testing.assert_allclose(seg.cluster_centers_, plain.cluster_centers_, rtol=1e-9, atol=1e-12)


def test_bic_prefers_the_true_number_of_groups():
    X = blobs(1500)
    bic = {k: CustomerSegmenter(n_clusters=k, n_init=2, random_state=0).fit(X).bic(X) for k in (2, 3)}
    assert bic[3] < bic[2]



def _blobs(n: int) -> np.ndarray:
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 20], [20, 5]])[:n]
    rng = np.random.default_rng(5)
    return np.concatenate([rng.normal(c, 1.0, (60, 2)) for c in centers])


def test_k_at_the_top_of_the_range_is_widened() -> None:
    choice = choose_k_widening(_blobs(6), range(2, 4), widen_to=9, n_init=2)
    assert choice.k == 6 and not choice.at_edge
    assert choice.asked == (2, 3) and sorted(choice.scores.index) == [2, 3, 4, 5, 6, 7]
    assert "widened" in choice.note and "k = 6" in choice.note


def test_k_at_the_bottom_of_the_range_is_widened_down() -> None:
    choice = choose_k_widening(_blobs(3), range(4, 6), widen_to=5, n_init=2)
    assert choice.k == 3 and not choice.at_edge and min(choice.scores.index) == 2


def test_k_still_at_the_edge_says_widen_further() -> None:
    choice = choose_k_widening(_blobs(6), range(2, 4), widen_to=4, n_init=2)
    assert choice.k == 4 and choice.at_edge
    assert "widen the range further" in choice.note and "limit of 4" in choice.note


def test_interior_k_needs_no_note() -> None:
    choice = choose_k_widening(_blobs(3), range(2, 7), n_init=2)
    assert choice.k == 3 and choice.note is None and sorted(choice.scores.index) == [2, 3, 4, 5, 6]
