"""The clustering estimator of chapter 2 (聚类): :class:`CustomerSegmenter`, choosing k, stability.

:class:`CustomerSegmenter` is a scikit-learn estimator (``fit`` returns ``self``, learned attributes
end in ``_``, pipelines and ``set_output`` work). Around it: :func:`select_k` scores candidate numbers
of clusters with four criteria, :func:`choose_k` votes among them, :func:`bootstrap_stability` refits
on resamples. Every fit runs on one thread (:func:`crm_analysis.core.threads.single_thread`): on a
small shared machine that is faster and the result is the same.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from crm_analysis.core import i18n
from crm_analysis.core.errors import TooLittleData
from crm_analysis.core.threads import single_thread

__all__ = ["CustomerSegmenter", "KChoice", "bootstrap_stability", "choose_k", "choose_k_widening", "select_k"]


def _signed_log(values: np.ndarray) -> np.ndarray:
    """log1p that keeps the sign: tames the long right tail of spend and counts, works for negatives."""
    return np.sign(values) * np.log1p(np.abs(values))

def _spherical_bic(Z: np.ndarray, labels: np.ndarray, centers: np.ndarray) -> float:
    """BIC of a hard-assigned spherical Gaussian mixture with a shared variance (X-means)."""
    n, d = Z.shape
    k = len(centers)
    sizes = np.bincount(labels, minlength=k).astype(float)
    sse = float(((Z - centers[labels]) ** 2).sum())
    variance = max(sse / max(n - k, 1) / d, 1e-12)
    occupied = sizes[sizes > 0]
    log_lik = float((occupied * np.log(occupied / n)).sum()) - n * d / 2 * np.log(2 * np.pi * variance) \
        - (n - k) * d / 2
    n_params = (k - 1) + k * d + 1
    return -2 * log_lik + n_params * np.log(n)

class CustomerSegmenter(ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClusterMixin, BaseEstimator):
    """Cluster customers on log-transformed, standardised features (聚类细分).

    Steps inside ``fit``: signed ``log1p`` of every feature (spend and counts are
    right-skewed, and without it a few big spenders decide the clusters), then
    standardisation to mean 0 and variance 1 (so days and money weigh alike), then
    k-means or a Gaussian mixture.

    Parameters
    ----------
    method : {"kmeans", "gmm"}, default "kmeans"
        Clustering algorithm.
    n_clusters : int, default 4
        Number of clusters.
    log_transform : bool, default True
        Apply the signed log before scaling.
    scale : bool, default True
        Standardise the (logged) features.
    n_init : int, default 10
        Restarts (k-means) or initialisations (Gaussian mixture); the best is kept.
    random_state : int or None, default None
        Seed for the algorithm.

    Attributes
    ----------
    labels_ : ndarray of int
        Cluster of each training row.
    cluster_centers_ : ndarray of shape (n_clusters, n_features)
        Centres (k-means) or means (mixture) in the transformed space.
    model_ : KMeans or GaussianMixture
        The fitted clustering model.
    scaler_ : StandardScaler or None
        The fitted scaler.
    n_features_in_ : int
        Number of features seen in ``fit``; ``feature_names_in_`` too when X is a DataFrame.

    Examples
    --------
    >>> X = np.r_[np.full((5, 2), 1.0), np.full((5, 2), 100.0)] + np.arange(10)[:, None] * 0.01
    >>> seg = CustomerSegmenter(n_clusters=2, random_state=0).fit(X)
    >>> len(set(seg.labels_[:5])), len(set(seg.labels_)), seg.transform(X).shape
    (1, 2, (10, 2))
    """

    def __init__(
        self,
        method: str = "kmeans",
        n_clusters: int = 4,
        *,
        log_transform: bool = True,
        scale: bool = True,
        n_init: int = 10,
        random_state: int | None = None,
    ) -> None:
        self.method = method
        self.n_clusters = n_clusters
        self.log_transform = log_transform
        self.scale = scale
        self.n_init = n_init
        self.random_state = random_state

    def fit(self, X: object, y: object = None) -> CustomerSegmenter:
        """Fit the transformation and the clustering model; returns ``self``.

        Raises
        ------
        ValueError
            If ``method`` is unknown or there are fewer rows than clusters.
        """
        if self.method not in ("kmeans", "gmm"):
            raise ValueError(f"method must be 'kmeans' or 'gmm', got {self.method!r}")
        X = validate_data(self, X, dtype=np.float64)
        Z = _signed_log(X) if self.log_transform else X
        self.scaler_ = StandardScaler().fit(Z) if self.scale else None
        if self.scaler_ is not None:
            Z = self.scaler_.transform(Z)
        if self.method == "kmeans":
            with single_thread():
                self.model_ = KMeans(self.n_clusters, n_init=self.n_init, random_state=self.random_state).fit(Z)
            self.cluster_centers_ = self.model_.cluster_centers_
            self.labels_ = self.model_.labels_.astype(np.int64)
        else:
            if Z.shape[0] < self.n_clusters:
                raise ValueError(f"n_samples={Z.shape[0]} should be >= n_clusters={self.n_clusters}")
            with single_thread():
                self.model_ = GaussianMixture(self.n_clusters, n_init=self.n_init, reg_covar=1e-4,
                                              random_state=self.random_state).fit(Z)
                self.labels_ = self.model_.predict(Z).astype(np.int64)
            self.cluster_centers_ = self.model_.means_
        self._n_features_out = self.n_clusters
        return self

    def preprocess(self, X: object) -> np.ndarray:
        """The log-transformed, scaled features the clusters live in (for PCA and snake plots)."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = _signed_log(X) if self.log_transform else X
        return self.scaler_.transform(Z) if self.scaler_ is not None else Z

    def predict(self, X: object) -> np.ndarray:
        """Cluster of each row."""
        Z = self.preprocess(X)
        with single_thread():
            return self.model_.predict(Z).astype(np.int64)

    def transform(self, X: object) -> np.ndarray:
        """Euclidean distance of each row to every cluster centre, in the transformed space."""
        Z = self.preprocess(X)
        return np.sqrt(((Z[:, None, :] - self.cluster_centers_[None, :, :]) ** 2).sum(axis=2))

    def bic(self, X: object) -> float:
        """Bayesian information criterion of a Gaussian mixture with ``n_clusters`` components.

        For ``method="gmm"`` this is the fitted model's BIC. For k-means it is the BIC of the
        mixture k-means implicitly assumes: spherical clusters with one shared variance and
        weights equal to the cluster shares (Pelleg & Moore's X-means), which costs nothing
        extra to compute. Lower is better in both cases (scikit-learn's sign convention).
        """
        Z = self.preprocess(X)
        with single_thread():
            if self.method == "gmm":
                return float(self.model_.bic(Z))
            return _spherical_bic(Z, self.model_.predict(Z), self.cluster_centers_)


def select_k(
    X: pd.DataFrame | np.ndarray,
    k_values: Iterable[int] = range(2, 7),
    *,
    method: str = "kmeans",
    random_state: int = 0,
    silhouette_sample: int = 4000,
    n_init: int = 4,
) -> pd.DataFrame:
    """Compare numbers of clusters with four criteria (how many segments? 分几类).

    Silhouette (higher is better) costs O(n²), so it is computed on a random sample
    of ``silhouette_sample`` customers (seeded) when there are more; Davies–Bouldin
    (lower), Calinski–Harabasz (higher) and BIC (lower) use every customer. That is the
    only sampling: every k is fitted on all customers (1,000,000 customers, k = 2..6:
    under a minute of CPU on one core, see ``benchmarks/bench_models.py``), and a sample of
    4,000 puts the silhouette within about ±0.01 of its value on all customers.

    Parameters
    ----------
    X : DataFrame or array
        Raw features (:func:`crm_analysis.segment.cluster_matrix`); the segmenter transforms them.
    k_values : iterable of int
        Candidate numbers of clusters (each at least 2). The default stops at 6: a
        marketing team can act on a handful of segments, and on behavioural data with
        many tied values (one-off buyers, zero returns) the criteria keep improving as
        tiny clusters split off, so an open-ended range would always pick its largest k.
    method : {"kmeans", "gmm"}
        Algorithm of :class:`CustomerSegmenter`.
    random_state : int
        Seed for the algorithm and the silhouette sample.
    silhouette_sample : int
        Largest number of customers used for the silhouette.
    n_init : int
        Restarts per k.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``k``: ``silhouette``, ``davies_bouldin``, ``calinski_harabasz``, ``bic``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.1, (30, 2)), rng.normal(3, 0.1, (30, 2))]
    >>> select_k(X, [2, 3], n_init=2)["silhouette"].idxmax()
    2
    """
    rows = []
    for k in k_values:
        seg = CustomerSegmenter(method, k, n_init=n_init, random_state=random_state).fit(X)
        Z = seg.preprocess(X)
        labels = seg.labels_
        size = min(len(Z), silhouette_sample)
        rows.append({
            "k": k,
            "silhouette": silhouette_score(Z, labels, sample_size=size, random_state=random_state),
            "davies_bouldin": davies_bouldin_score(Z, labels),
            "calinski_harabasz": calinski_harabasz_score(Z, labels),
            "bic": seg.bic(X),
        })
    return pd.DataFrame(rows).set_index("k")


def choose_k(scores: pd.DataFrame) -> int:
    """Pick k by a vote of the criteria: the best mean rank, ties to the smaller k.

    Each criterion ranks the candidates (silhouette and Calinski–Harabasz: higher is
    better; Davies–Bouldin and BIC: lower is better) and the k with the lowest mean
    rank wins. The criteria often disagree (BIC and Calinski–Harabasz tend to prefer
    more clusters, the silhouette fewer); the vote keeps any one from deciding alone.

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`select_k` output: indexed by k, with the four criteria as columns.

    Returns
    -------
    int
        The chosen number of clusters.

    Examples
    --------
    >>> s = pd.DataFrame({"silhouette": [0.5, 0.6, 0.4], "davies_bouldin": [0.9, 0.7, 1.0],
    ...                   "calinski_harabasz": [100, 150, 140], "bic": [900, 800, 820]},
    ...                  index=pd.Index([2, 3, 4], name="k"))
    >>> choose_k(s)
    3
    """
    ranks = pd.DataFrame({
        "silhouette": scores["silhouette"].rank(ascending=False),
        "davies_bouldin": scores["davies_bouldin"].rank(ascending=True),
        "calinski_harabasz": scores["calinski_harabasz"].rank(ascending=False),
        "bic": scores["bic"].rank(ascending=True),
    })
    mean_rank = ranks.mean(axis=1)
    return int(mean_rank[mean_rank == mean_rank.min()].index.min())

@dataclass
class KChoice:
    """The number of clusters chosen, and whether the search range had to be (or should be) widened.

    Attributes
    ----------
    k : int
        The chosen number of clusters.
    scores : pandas.DataFrame
        :func:`select_k` output over every k tried (the widened range included).
    asked : tuple of int
        The range asked for, (smallest, largest).
    at_edge : bool
        The chosen k is still the largest (or smallest above 2) k tried: the range should be widened.
    note : str or None
        What was widened, or that the range should be, in the report language; None when k is interior.
    """

    k: int
    scores: pd.DataFrame
    asked: tuple[int, int]
    at_edge: bool
    note: str | None


def choose_k_widening(
    X: pd.DataFrame | np.ndarray,
    k_values: Iterable[int] = range(2, 7),
    *,
    widen_to: int = 10,
    lang: str | None = None,
    **select_options: object,
) -> KChoice:
    """:func:`select_k` and :func:`choose_k`, widening the range when the vote lands on its edge.

    A k chosen at the top of the range may only mean the range stopped too early, so the next k
    is added and the vote repeated, up to ``widen_to``; a k chosen at the bottom (above 2) adds
    the k below it, down to 2. When the choice is still at the edge of the widened range the
    note says the range should be widened further (or that the criteria keep improving as tiny
    clusters split off, a sign of no clear cluster structure).

    Parameters
    ----------
    X : DataFrame or array
        Raw features, as for :func:`select_k`.
    k_values : iterable of int
        The range asked for.
    widen_to : int, default 10
        Largest k tried when widening (stated in the note).
    lang : {"en", "zh"}, optional
        Language of the note.
    **select_options
        Passed to :func:`select_k` (``method``, ``random_state``, ``n_init``, ...).

    Returns
    -------
    KChoice

    Raises
    ------
    crm_analysis.core.errors.TooLittleData
        If ``X`` has no more rows than the smallest k asked for (k values of ``n`` rows or more
        are left out: the silhouette needs ``k <= n - 1``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.concatenate([rng.normal(c, 0.05, (20, 2)) for c in range(5)])  # five clear clusters
    >>> choice = choose_k_widening(X, range(2, 4), widen_to=8, n_init=2)
    >>> choice.k, choice.at_edge, sorted(choice.scores.index)[-1] >= 5
    (5, False, True)
    """
    wanted = sorted(set(int(k) for k in k_values))
    # The silhouette needs 2 <= k <= n - 1: with few customers the range is cut to what they allow.
    asked = [k for k in wanted if k <= len(X) - 1]
    widen_to = min(widen_to, len(X) - 1)
    if not asked:
        raise TooLittleData(f"{len(X)} customer(s): clustering into k = {wanted[0]} or more groups needs at least "
                            f"{wanted[0] + 1} customers; the clusters and everything built on them are skipped")
    scores = select_k(X, asked, **select_options)  # type: ignore[arg-type]
    k = choose_k(scores)
    while True:
        tried = sorted(scores.index)
        if k == tried[-1] and k < widen_to:
            extra = [k + 1]
        elif k == tried[0] and k > 2:
            extra = [k - 1]
        else:
            break
        scores = pd.concat([scores, select_k(X, extra, **select_options)]).sort_index()  # type: ignore[arg-type]
        k = choose_k(scores)
    tried = sorted(scores.index)
    at_edge = bool(k == tried[-1] or (k == tried[0] and k > 2))
    note = None
    if at_edge:
        note = i18n.gettext("The chosen number of clusters, k = {k}, is at the edge of the range tried ({low}-{high}, "
                            "widened from {a}-{b} up to the limit of {limit}): widen the range further, or read it as "
                            "a sign that these data have no clear cluster structure (the criteria keep improving as "
                            "small clusters split off).", lang).format(
                                k=k, low=tried[0], high=tried[-1], a=asked[0], b=asked[-1], limit=widen_to)
    elif tried != asked:
        note = i18n.gettext("k = {first} was at the edge of the range asked for ({a}-{b}), so the range was widened "
                            "to {low}-{high} (at most {limit}); the criteria now choose k = {k}.", lang).format(
                                first=choose_k(scores.loc[asked]), a=asked[0], b=asked[-1], low=tried[0],
                                high=tried[-1], limit=widen_to, k=k)
    return KChoice(k=k, scores=scores, asked=(asked[0], asked[-1]), at_edge=at_edge, note=note)


def bootstrap_stability(
    X: pd.DataFrame | np.ndarray,
    n_clusters: int,
    *,
    method: str = "kmeans",
    n_boot: int = 20,
    random_state: int = 0,
    n_init: int = 4,
) -> pd.DataFrame:
    """Stability of the clusters under resampling (adjusted Rand index, ARI).

    The segmenter is fitted on all customers (the reference); then ``n_boot`` times on
    a bootstrap resample (customers drawn with replacement), and each resample model
    labels *all* customers. The ARI between those labels and the reference says how
    much the clusters depend on which customers happened to be in the data
    (1 = identical partition; about 0.8 or more is usually called stable).

    Parameters
    ----------
    X : DataFrame or array
        Raw features, as for :func:`select_k`.
    n_clusters : int
        The chosen k.
    method : {"kmeans", "gmm"}
        Algorithm of :class:`CustomerSegmenter`.
    n_boot : int, default 20
        Number of resamples.
    random_state : int, default 0
        Seed of the reference fit and of the resamples (replicate ``r`` fits with seed ``random_state + r``).
    n_init : int, default 4
        Restarts per fit.

    Returns
    -------
    pandas.DataFrame
        One row per resample: ``replicate``, ``ari``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = np.r_[rng.normal(0, 0.1, (30, 2)), rng.normal(3, 0.1, (30, 2))]
    >>> float(bootstrap_stability(X, 2, n_boot=3)["ari"].min())
    1.0
    """
    X = np.asarray(X, dtype=np.float64)
    reference = CustomerSegmenter(method, n_clusters, n_init=n_init, random_state=random_state).fit(X).labels_
    rng = np.random.default_rng(random_state)
    rows = []
    for b in range(n_boot):
        sample = rng.integers(0, len(X), len(X))
        model = CustomerSegmenter(method, n_clusters, n_init=n_init, random_state=random_state + b + 1)
        labels = model.fit(X[sample]).predict(X)
        rows.append({"replicate": b + 1, "ari": adjusted_rand_score(reference, labels)})
    return pd.DataFrame(rows)
