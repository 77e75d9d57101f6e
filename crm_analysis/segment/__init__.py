"""Customer segmentation (客户细分): RFM scores, ABC tiers, the four bases, clustering, movement.

Every function works on a *customer feature table*: one row per customer, indexed
by ``customer_id``, with at least ``recency_days``, ``n_orders`` and ``monetary``
(see :func:`crm_analysis.features.customer_features`). Nothing here reads files.

The pieces, in the order a chapter uses them:

- RFM (最近购买时间 R, 购买频率 F, 消费金额 M): :func:`rfm_scores` gives quintile
  scores 1–5 and a named segment from :data:`RFM_SEGMENT_GRID`; :func:`plot_rfm_heatmap`.
- ABC / 80-20 (ABC 分类, 二八定律): :func:`abc_tiers`, :func:`concentration`
  (Gini, top-20 % share), :func:`lorenz_curve`, :func:`plot_pareto`.
- The course's four bases (细分依据: 地理, 人口, 行为, 价值): :func:`available_bases`,
  :func:`basis_summary`.
- Clustering (聚类): :class:`CustomerSegmenter` (a scikit-learn estimator),
  :func:`select_k`, :func:`choose_k`, :func:`bootstrap_stability`,
  :func:`cluster_profiles`, :func:`name_clusters`, :func:`plot_clusters_pca`,
  :func:`plot_snake`.
- Movement (客户迁移): :func:`segment_snapshot`, :func:`migration_matrix`,
  :func:`movement_summary`, :func:`plot_migration`.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"recency_days": [5, 40, 300, 10, 200],
...                   "n_orders": [12, 3, 1, 6, 1],
...                   "monetary": [900.0, 120.0, 15.0, 400.0, 30.0]},
...                  index=pd.Index(list("ABCDE"), name="customer_id"))
>>> rfm_scores(f)[["rfm_score", "rfm_segment"]]
            rfm_score          rfm_segment
customer_id
A                 555            champions
B                 333       need attention
C                 111                 lost
D                 444                loyal
E                 212          hibernating
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, ClusterMixin, TransformerMixin
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from sklearn.mixture import GaussianMixture
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted, validate_data

from crm_analysis.core.errors import CRMDataError
from crm_analysis.features.abc import abc_tiers, concentration, lorenz_curve, plot_pareto

RFM_COLUMNS = ("recency_days", "n_orders", "monetary")

# --------------------------------------------------------------------------- RFM

#: Named RFM segments by R score (rows, 5 = bought most recently) and FM score
#: (columns 1..5, the rounded-up mean of the F and M scores). The layout is the
#: widely used R-versus-F grid (Putler / Ometria style) with "lost" split from
#: "hibernating" in the lowest recency row.
RFM_SEGMENT_GRID: dict[int, tuple[str, str, str, str, str]] = {
    5: ("new", "potential loyalists", "potential loyalists", "champions", "champions"),
    4: ("promising", "potential loyalists", "potential loyalists", "loyal", "loyal"),
    3: ("about to sleep", "about to sleep", "need attention", "loyal", "loyal"),
    2: ("hibernating", "hibernating", "at risk", "at risk", "can't lose"),
    1: ("lost", "lost", "at risk", "at risk", "can't lose"),
}

#: Segments from best to worst; used to say whether a customer moved up or slipped.
RFM_SEGMENT_ORDER = (
    "champions", "loyal", "potential loyalists", "new", "promising", "need attention",
    "about to sleep", "can't lose", "at risk", "hibernating", "lost",
)

#: Chinese names of the RFM segments (for bilingual tables).
RFM_SEGMENT_ZH = {
    "champions": "重要价值客户", "loyal": "忠诚客户", "potential loyalists": "潜力客户",
    "new": "新客户", "promising": "有希望的客户", "need attention": "需要关注",
    "about to sleep": "即将沉睡", "can't lose": "不能失去的客户", "at risk": "流失风险客户",
    "hibernating": "沉睡客户", "lost": "已流失客户",
}

#: What a manager does with each RFM segment (course: key customers get personalised service).
RFM_SEGMENT_ACTIONS = {
    "champions": "personal account care, early access, ask for referrals",
    "loyal": "loyalty rewards and cross-selling",
    "potential loyalists": "membership offer, recommend a second category",
    "new": "welcome series and a good first service experience",
    "promising": "a reason to come back soon (small incentive)",
    "need attention": "personalised reminder of what they liked",
    "about to sleep": "reactivation offer before they lapse",
    "can't lose": "personal call from the account manager: win them back",
    "at risk": "find out why they stopped (survey, call) and a targeted offer",
    "hibernating": "low-cost reactivation campaign only",
    "lost": "do not spend much; include in occasional broad campaigns",
}


def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a clear error if ``frame`` lacks ``columns`` or has missing values in them."""
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CRMDataError(
            f"{what}: feature table lacks column(s) {', '.join(map(repr, missing))} "
            f"(present: {', '.join(map(str, frame.columns))}); build it with features.customer_features"
        )
    for column in columns:
        isna = frame[column].isna().to_numpy()
        if isna.any():
            rows = ", ".join(map(str, frame.index[np.flatnonzero(isna)[:5]]))
            raise CRMDataError(f"{what}: column {column!r} has missing values, e.g. customers {rows}")


def quintile_score(values: pd.Series, *, higher_is_better: bool = True, n_bins: int = 5) -> pd.Series:
    """Score values 1..``n_bins`` by the share of customers with a strictly worse value.

    ``score = 1 + floor(n_bins * (number of strictly worse values) / n)``. Ties get the
    same score (a customer's score never depends on row order), and without ties the
    bins are exact quantiles. When many customers share the worst value (e.g. most
    bought once), they all get 1 and the upper scores are spread over the rest; when
    many share the best value, the top score may be lower than ``n_bins``.

    Parameters
    ----------
    values : pandas.Series
        Numeric values without missing entries.
    higher_is_better : bool, default True
        False for recency (fewer days since the last purchase is better).
    n_bins : int, default 5
        Number of score levels.

    Returns
    -------
    pandas.Series
        Integer scores, same index.

    Raises
    ------
    ValueError
        If ``values`` has missing entries or ``n_bins`` < 2.

    Examples
    --------
    >>> quintile_score(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quintile_score(pd.Series([1, 1, 1, 1, 5])).tolist()
    [1, 1, 1, 1, 5]
    >>> quintile_score(pd.Series([3, 30, 300]), higher_is_better=False).tolist()
    [4, 2, 1]
    """
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    if values.isna().any():
        raise ValueError("quintile_score: values have missing entries")
    oriented = values.astype("float64") if higher_is_better else -values.astype("float64")
    worse = oriented.rank(method="min").to_numpy() - 1.0  # count of strictly smaller values
    score = 1 + np.floor(n_bins * worse / max(len(values), 1))
    return pd.Series(np.clip(score, 1, n_bins).astype("int64"), index=values.index, name=values.name)


def rfm_scores(features: pd.DataFrame, *, n_bins: int = 5) -> pd.DataFrame:
    """RFM scores and named segments (RFM 评分与客户分群).

    R scores ``recency_days`` (lower is better), F ``n_orders`` and M ``monetary``
    with :func:`quintile_score`; ``fm_score = ceil((F + M) / 2)``; the segment is
    looked up in :data:`RFM_SEGMENT_GRID` by (R, FM).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``recency_days``, ``n_orders``, ``monetary``.
    n_bins : int, default 5
        Score levels; the segment grid needs 5.

    Returns
    -------
    pandas.DataFrame
        Same index; ``r_score``, ``f_score``, ``m_score``, ``fm_score`` (int),
        ``rfm_score`` (string such as ``"545"``), ``rfm_segment``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a needed column is missing or has missing values.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> rfm_scores(f)[["rfm_score", "rfm_segment"]].values.tolist()
    [['333', 'need attention'], ['111', 'lost']]
    """
    _require(features, RFM_COLUMNS, "rfm_scores")
    out = pd.DataFrame(index=features.index)
    out["r_score"] = quintile_score(features["recency_days"], higher_is_better=False, n_bins=n_bins)
    out["f_score"] = quintile_score(features["n_orders"], n_bins=n_bins)
    out["m_score"] = quintile_score(features["monetary"], n_bins=n_bins)
    out["fm_score"] = np.ceil((out["f_score"] + out["m_score"]) / 2).astype("int64")
    out["rfm_score"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    ).astype("string")
    grid = np.array([RFM_SEGMENT_GRID[r] for r in range(1, 6)], dtype=object)
    if n_bins == 5:
        out["rfm_segment"] = pd.array(grid[out["r_score"] - 1, out["fm_score"] - 1], dtype="string")
    return out


def plot_rfm_heatmap(scores: pd.DataFrame, features: pd.DataFrame | None = None) -> Figure:
    """Heatmap of customers over the R × FM grid, labelled with the segment names.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`rfm_scores`.
    features : pandas.DataFrame, optional
        If given (with ``monetary``), cells are coloured by mean spend instead of count.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> plot_rfm_heatmap(rfm_scores(f)).axes[0].get_xlabel()
    'FM score (frequency & monetary)'
    """
    counts = pd.crosstab(scores["r_score"], scores["fm_score"]).reindex(
        index=range(5, 0, -1), columns=range(1, 6), fill_value=0
    )
    colour, label = counts.to_numpy(dtype=float), "customers"
    if features is not None:
        mean_m = features["monetary"].groupby([scores["r_score"], scores["fm_score"]]).mean().unstack()
        colour = mean_m.reindex(index=range(5, 0, -1), columns=range(1, 6)).to_numpy(dtype=float)
        label = "mean monetary"
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    image = ax.imshow(colour, cmap="YlGnBu", aspect="auto")
    for i, r in enumerate(range(5, 0, -1)):
        for j in range(5):
            ax.text(j, i, f"{RFM_SEGMENT_GRID[r][j]}\n{counts.iat[i, j]:,}", ha="center", va="center",
                    fontsize=7.5, color="black")
    ax.set_xticks(range(5), [str(c) for c in range(1, 6)])
    ax.set_yticks(range(5), [str(r) for r in range(5, 0, -1)])
    ax.set_xlabel("FM score (frequency & monetary)")
    ax.set_ylabel("R score (recency, 5 = most recent)")
    ax.set_title("RFM segments: customers per cell")
    fig.colorbar(image, ax=ax, label=label)
    fig.tight_layout()
    return fig


def rfm_segment_summary(features: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and medians per named RFM segment, with the Chinese name and the action.

    Segments are listed best first (:data:`RFM_SEGMENT_ORDER`).

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> rfm_segment_summary(f, rfm_scores(f))[["segment_zh", "customers"]]
                   segment_zh  customers
    rfm_segment
    need attention       需要关注          1
    lost                已流失客户          1
    """
    table = summarise_by(features.assign(rfm_segment=scores["rfm_segment"]), "rfm_segment", max_levels=20)
    table = table.reindex([s for s in RFM_SEGMENT_ORDER if s in table.index])
    table.insert(0, "segment_zh", [RFM_SEGMENT_ZH[s] for s in table.index])
    table["action"] = [RFM_SEGMENT_ACTIONS[s] for s in table.index]
    return table


# --------------------------------------------------------------------------- ABC / 80-20


# --------------------------------------------------------------------------- the four bases

#: The course's four bases of segmentation and the feature columns that carry them.
BASES: dict[str, tuple[str, ...]] = {
    "geography": ("region", "city"),
    "demographics": ("age_band", "gender", "customer_type"),
    "behaviour": ("rfm_segment", "main_sales_channel", "main_category", "acquisition_channel"),
    "value": ("abc_tier",),
}


def available_bases(features: pd.DataFrame) -> dict[str, list[str]]:
    """For each basis, the columns of ``features`` that carry it and have at least one value.

    Examples
    --------
    >>> available_bases(pd.DataFrame({"region": ["East"], "abc_tier": ["A"]}))
    {'geography': ['region'], 'demographics': [], 'behaviour': [], 'value': ['abc_tier']}
    """
    return {basis: [c for c in cols if c in features.columns and features[c].notna().any()]
            for basis, cols in BASES.items()}


def summarise_by(features: pd.DataFrame, column: str, *, max_levels: int = 12) -> pd.DataFrame:
    """Customers, revenue and median RFM per level of one column.

    Levels beyond the ``max_levels`` largest by revenue are pooled as ``"(other)"``;
    missing values appear as ``"(unknown)"``.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["E", "E", "W"], "recency_days": [1, 3, 5],
    ...                   "n_orders": [1, 2, 3], "monetary": [10.0, 30.0, 60.0]})
    >>> summarise_by(f, "region")[["customers", "revenue_share"]]
           customers  revenue_share
    region
    W              1            0.6
    E              2            0.4
    """
    _require(features, RFM_COLUMNS, "summarise_by")
    level = features[column].astype("string").fillna("(unknown)")
    revenue = features["monetary"].groupby(level).sum().sort_values(ascending=False)
    if len(revenue) > max_levels:
        keep = set(revenue.index[:max_levels])
        level = level.where(level.isin(keep), "(other)")
    grouped = features.groupby(level.rename(column), sort=False)
    table = pd.DataFrame({
        "customers": grouped.size(),
        "revenue": grouped["monetary"].sum(),
        "median_recency_days": grouped["recency_days"].median(),
        "median_n_orders": grouped["n_orders"].median(),
        "median_monetary": grouped["monetary"].median(),
    })
    table.insert(1, "customer_share", table["customers"] / table["customers"].sum())
    total = table["revenue"].sum()
    table.insert(3, "revenue_share", table["revenue"] / total if total else np.nan)
    return table.sort_values("revenue", ascending=False)


def basis_summary(features: pd.DataFrame, basis: str) -> pd.DataFrame:
    """One long table for a basis: :func:`summarise_by` for each of its available columns.

    Returns an empty frame when the data has none of the basis' columns.

    Raises
    ------
    KeyError
        If ``basis`` is not one of :data:`BASES`.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["E", "W"], "city": ["a", "b"], "recency_days": [1, 5],
    ...                   "n_orders": [1, 3], "monetary": [10.0, 60.0]})
    >>> basis_summary(f, "geography")[["variable", "level", "customers"]].values.tolist()
    [['region', 'W', 1], ['region', 'E', 1], ['city', 'b', 1], ['city', 'a', 1]]
    """
    if basis not in BASES:
        raise KeyError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
    parts = []
    for column in available_bases(features)[basis]:
        table = summarise_by(features, column).reset_index().rename(columns={column: "level"})
        table.insert(0, "variable", column)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["variable", "level", "customers"])
    return pd.concat(parts, ignore_index=True)


# --------------------------------------------------------------------------- clustering

#: Feature columns used for clustering when present (behavioural and value features).
CLUSTER_FEATURES = (
    "recency_days", "n_orders", "monetary", "avg_order_value", "tenure_days", "return_rate",
    "mean_interpurchase_days",
)


def cluster_matrix(features: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """The numeric matrix to cluster on: the chosen columns, float, without missing values.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features.
    columns : sequence of str, optional
        Defaults to those of :data:`CLUSTER_FEATURES` and the category shares (``share_*``:
        what a customer buys separates segments that spend alike) that are present and not
        constant.

    Returns
    -------
    pandas.DataFrame
        float64 columns. A missing ``mean_interpurchase_days`` (one purchase day only) is
        filled with ``tenure_days`` when available: the customer has gone at least that long
        without a repeat. Other missing values get the column median (a return rate is
        undefined for a customer who spent nothing, for example).

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a requested column is missing.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 5], "n_orders": [2, 1], "monetary": [9.0, 1.0],
    ...                   "return_rate": [0.0, 0.0]})
    >>> list(cluster_matrix(f).columns)
    ['recency_days', 'n_orders', 'monetary']
    """
    if columns is None:
        shares = [c for c in features.columns if str(c).startswith("share_")]
        # One category (e.g. CDNOW sells only music) carries no mix information.
        candidates = [*CLUSTER_FEATURES, *(shares if len(shares) > 1 else [])]
        columns = [c for c in candidates if c in features.columns and features[c].nunique(dropna=True) > 1]
    missing = [c for c in columns if c not in features.columns]
    if missing:
        raise CRMDataError(f"cluster_matrix: feature table lacks column(s) {', '.join(map(repr, missing))}")
    matrix = features[list(columns)].astype("float64")
    if "mean_interpurchase_days" in matrix.columns and "tenure_days" in features.columns:
        gap = matrix["mean_interpurchase_days"].fillna(features["tenure_days"].astype("float64"))
        matrix = matrix.assign(mean_interpurchase_days=gap)
    return matrix.fillna(matrix.median())


def _signed_log(values: np.ndarray) -> np.ndarray:
    """log1p that keeps the sign: tames the long right tail of spend and counts, works for negatives."""
    return np.sign(values) * np.log1p(np.abs(values))


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Run scikit-learn's OpenMP / BLAS code on one thread.

    On a small shared machine, OpenMP threads that wait for a busy core spin: k-means on 100,000
    customers took 6.3 s wall (3.3 s CPU) with two threads and 1.3 s (0.7 s CPU) with one. The
    result does not depend on the number of threads.
    """
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    with threadpool_limits(limits=1):
        yield


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
            with _one_thread():
                self.model_ = KMeans(self.n_clusters, n_init=self.n_init, random_state=self.random_state).fit(Z)
            self.cluster_centers_ = self.model_.cluster_centers_
            self.labels_ = self.model_.labels_.astype(np.int64)
        else:
            if Z.shape[0] < self.n_clusters:
                raise ValueError(f"n_samples={Z.shape[0]} should be >= n_clusters={self.n_clusters}")
            with _one_thread():
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
        with _one_thread():
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
        with _one_thread():
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
        Raw features (:func:`cluster_matrix`); the segmenter transforms them.
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


def plot_k_selection(scores: pd.DataFrame, chosen_k: int | None = None) -> Figure:
    """The four criteria against k, the chosen k marked.

    Examples
    --------
    >>> s = pd.DataFrame({"silhouette": [0.5, 0.6], "davies_bouldin": [0.9, 0.7],
    ...                   "calinski_harabasz": [100, 150], "bic": [900, 800]}, index=[2, 3])
    >>> len(plot_k_selection(s, 3).axes)
    4
    """
    titles = {"silhouette": "Silhouette (higher is better)",
              "davies_bouldin": "Davies–Bouldin (lower is better)",
              "calinski_harabasz": "Calinski–Harabasz (higher is better)",
              "bic": "BIC of a Gaussian mixture (lower is better)"}
    fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    for ax, (column, title) in zip(axes.ravel(), titles.items(), strict=True):
        ax.plot(scores.index, scores[column], marker="o")
        if chosen_k is not None:
            ax.axvline(chosen_k, color="tab:red", ls="--", lw=1)
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("number of clusters k")
    fig.suptitle("Choosing the number of clusters" + (f" (chosen k = {chosen_k})" if chosen_k else ""))
    fig.tight_layout()
    return fig


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


def cluster_profiles(features: pd.DataFrame, labels: pd.Series) -> pd.DataFrame:
    """Profile of each cluster: size, revenue share, medians, demographics and channels.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features (RFM columns required; others used when present).
    labels : pandas.Series
        Cluster per customer, same index as ``features``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``cluster``: ``customers``, ``customer_share``, ``revenue_share``,
        ``median_recency_days``, ``median_n_orders``, ``median_monetary`` and, when the
        columns exist, ``median_avg_order_value``, ``mean_return_rate``,
        ``mean_complaints``, ``mean_satisfaction``, ``median_age``, ``share_business``,
        ``top_region``, ``top_acquisition_channel``, ``top_sales_channel``, ``top_category``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 2, 300], "n_orders": [9, 7, 1],
    ...                   "monetary": [500.0, 300.0, 20.0]})
    >>> cluster_profiles(f, pd.Series([0, 0, 1]))[["customers", "revenue_share"]].round(3)
             customers  revenue_share
    cluster
    0                2          0.976
    1                1          0.024
    """
    _require(features, RFM_COLUMNS, "cluster_profiles")
    labels = pd.Series(np.asarray(labels), index=features.index, name="cluster")
    grouped = features.groupby(labels)
    total = features["monetary"].clip(lower=0).sum()
    out = pd.DataFrame({"customers": grouped.size()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_share"] = grouped["monetary"].sum().clip(lower=0) / (total if total else np.nan)
    for column in RFM_COLUMNS:
        out[f"median_{column}"] = grouped[column].median()
    optional = {"avg_order_value": "median", "return_rate": "mean", "n_complaints": "mean",
                "mean_satisfaction": "mean", "age": "median"}
    for column, how in optional.items():
        if column in features.columns and features[column].notna().any():
            name = {"n_complaints": "mean_complaints", "mean_satisfaction": "mean_satisfaction"}.get(
                column, f"{how}_{column}")
            out[name] = grouped[column].agg(how).astype("float64")
    if "customer_type" in features.columns and features["customer_type"].notna().any():
        out["share_business"] = (features["customer_type"] == "business").astype("float64").groupby(labels).mean()
    for column, name in (("region", "top_region"), ("acquisition_channel", "top_acquisition_channel"),
                         ("main_sales_channel", "top_sales_channel"), ("main_category", "top_category")):
        if column in features.columns and features[column].notna().any():
            out[name] = features[column].astype("string").groupby(labels).agg(_mode)
    out.index.name = "cluster"
    return out


def _mode(values: pd.Series) -> object:
    """Most common non-missing value (alphabetically first on ties), or NA."""
    counts = values.dropna().value_counts()
    if counts.empty:
        return pd.NA
    return sorted(counts.index[counts == counts.max()])[0]


def name_clusters(profiles: pd.DataFrame, features: pd.DataFrame) -> pd.Series:
    """A plain-language name per cluster from its medians relative to all customers.

    Three words are combined, each from a documented rule (ratios are cluster median
    over the median of all customers):

    - activity: median recency ≤ 1× overall → "active"; ≤ 2.5× → "cooling"; else "lapsed";
    - value: median spend ≥ 2× overall → "high-value"; ≤ 0.5× → "low-value"; else "mid-value";
    - habit: median frequency ≥ 2× overall (and > 1) → "loyal regulars"; median frequency
      1 → "one-off buyers"; at least half business customers → "business accounts" (this
      overrides the other habits); median order value ≤ 0.6× overall with frequency at or above the
      overall median → "bargain hunters"; else "occasional buyers".

    Names that come out the same get the cluster number appended.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 2, 3, 300, 400, 500], "n_orders": [9, 8, 7, 1, 1, 1],
    ...                   "monetary": [900.0, 800.0, 700.0, 20.0, 10.0, 15.0]})
    >>> labels = pd.Series([0, 0, 0, 1, 1, 1])
    >>> name_clusters(cluster_profiles(f, labels), f).tolist()
    ['active high-value loyal regulars', 'lapsed low-value one-off buyers']
    """
    overall = features[list(RFM_COLUMNS)].median()
    aov_overall = features["avg_order_value"].median() if "avg_order_value" in features.columns else np.nan

    def ratio(value: float, base: float) -> float:
        return value / base if base else (np.inf if value > 0 else 1.0)

    names = {}
    for cluster, row in profiles.iterrows():  # one row per cluster: a handful, not per customer
        rec = ratio(row["median_recency_days"], overall["recency_days"])
        activity = "active" if rec <= 1 else "cooling" if rec <= 2.5 else "lapsed"
        mon = ratio(row["median_monetary"], overall["monetary"])
        value = "high-value" if mon >= 2 else "low-value" if mon <= 0.5 else "mid-value"
        freq = ratio(row["median_n_orders"], overall["n_orders"])
        aov = ratio(row.get("median_avg_order_value", np.nan), aov_overall)
        if row.get("share_business", 0) >= 0.5:
            habit = "business accounts"
        elif freq >= 2 and row["median_n_orders"] > 1:
            habit = "loyal regulars"
        elif row["median_n_orders"] <= 1:
            habit = "one-off buyers"
        elif aov <= 0.6 and freq >= 1:
            habit = "bargain hunters"
        else:
            habit = "occasional buyers"
        names[cluster] = f"{activity} {value} {habit}"
    series = pd.Series(names, name="cluster_name", dtype="string")
    duplicated = series.duplicated(keep=False)
    series[duplicated] = series[duplicated] + " #" + series.index[duplicated].astype(str)
    series.index.name = "cluster"
    return series


def plot_clusters_pca(
    Z: np.ndarray, labels: Sequence[int], names: pd.Series | None = None, *,
    max_points: int = 4000, random_state: int = 0,
) -> Figure:
    """Customers in the first two principal components of the clustering space.

    At most ``max_points`` customers are drawn (a seeded sample) so the picture stays readable.

    Examples
    --------
    >>> Z = np.random.default_rng(0).normal(size=(20, 3))
    >>> plot_clusters_pca(Z, [0] * 10 + [1] * 10).axes[0].get_xlabel()[:3]
    'PC1'
    """
    labels = np.asarray(labels)
    pca = PCA(n_components=2, random_state=random_state).fit(Z)
    points = pca.transform(Z)
    rng = np.random.default_rng(random_state)
    shown = rng.choice(len(Z), size=min(len(Z), max_points), replace=False)
    fig, ax = plt.subplots(figsize=(7.5, 5.5))
    for cluster in np.unique(labels):
        mask = labels[shown] == cluster
        label = f"{cluster}: {names[cluster]}" if names is not None else str(cluster)
        ax.scatter(points[shown][mask, 0], points[shown][mask, 1], s=8, alpha=0.5, label=label)
    var = pca.explained_variance_ratio_
    ax.set(xlabel=f"PC1 ({var[0]:.0%} of variance)", ylabel=f"PC2 ({var[1]:.0%} of variance)",
           title="Clusters in two dimensions (PCA)")
    ax.legend(fontsize=8, markerscale=2)
    fig.tight_layout()
    return fig


def plot_snake(Z: pd.DataFrame, labels: Sequence[int], names: pd.Series | None = None) -> Figure:
    """Snake plot: mean of each standardised feature per cluster, one line per cluster.

    Examples
    --------
    >>> Z = pd.DataFrame({"recency_days": [1.0, -1.0], "n_orders": [-1.0, 1.0]})
    >>> len(plot_snake(Z, [0, 1]).axes[0].get_legend().get_texts())
    2
    """
    means = Z.groupby(np.asarray(labels)).mean()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for cluster, row in means.iterrows():
        label = f"{cluster}: {names[cluster]}" if names is not None else str(cluster)
        ax.plot(range(len(row)), row.to_numpy(), marker="o", label=label)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xticks(range(len(means.columns)), list(means.columns), rotation=20)
    ax.set(ylabel="mean of standardised (log) value", title="Snake plot: how the clusters differ")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def raw_rfm_kmeans(features: pd.DataFrame, n_clusters: int, *, random_state: int = 0) -> pd.Series:
    """Baseline: k-means on raw, unscaled recency, frequency and monetary.

    Without scaling the column with the largest spread (usually money) decides
    everything, which is the mistake :class:`CustomerSegmenter` avoids.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 2, 300], "n_orders": [9, 7, 1], "monetary": [5.0, 3.0, 2.0]})
    >>> raw_rfm_kmeans(f, 2).nunique()
    2
    """
    _require(features, RFM_COLUMNS, "raw_rfm_kmeans")
    model = KMeans(n_clusters, n_init=10, random_state=random_state)
    with _one_thread():
        labels = model.fit_predict(features[list(RFM_COLUMNS)].to_numpy(dtype=np.float64))
    return pd.Series(labels, index=features.index, name="cluster")


def truth_agreement(labels: pd.Series, truth_segments: pd.Series) -> float:
    """Adjusted Rand index between clusters and known segments, over the customers in both.

    Examples
    --------
    >>> truth_agreement(pd.Series([0, 0, 1], index=list("abc")), pd.Series(["x", "x", "y"], index=list("abc")))
    1.0
    """
    common = labels.index.intersection(truth_segments.index)
    if len(common) == 0:
        return float("nan")
    return float(adjusted_rand_score(truth_segments.loc[common].astype(str), labels.loc[common]))


def segments_table(
    features: pd.DataFrame, scores: pd.DataFrame, tiers: pd.Series, labels: pd.Series, names: pd.Series
) -> pd.DataFrame:
    """The per-customer output table (``tables/segments.csv``).

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]},
    ...                  index=pd.Index(["A", "B"], name="customer_id"))
    >>> t = segments_table(f, rfm_scores(f), abc_tiers(f["monetary"]), pd.Series([0, 1], index=f.index),
    ...                    pd.Series(["big", "small"]))
    >>> list(t.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['customer_id', 'recency_days', 'n_orders', 'monetary', 'rfm_score', 'rfm_segment',
     'abc_tier', 'cluster', 'cluster_name']
    """
    table = features[list(RFM_COLUMNS)].copy()
    table["rfm_score"] = scores["rfm_score"]
    table["rfm_segment"] = scores["rfm_segment"]
    table["abc_tier"] = tiers
    table["cluster"] = labels.astype("int64")
    table["cluster_name"] = labels.map(names).astype("string")
    table.index.name = "customer_id"
    return table.reset_index()


def manager_summary(
    features: pd.DataFrame, scores: pd.DataFrame, tiers: pd.Series, profiles: pd.DataFrame, names: pd.Series,
    *, lang: str | None = None,
) -> list[str]:
    """Plain-language sentences for managers, generated from the results.

    Parameters
    ----------
    features, scores, tiers, profiles, names
        Customer features, RFM scores, ABC tiers, cluster profiles and cluster names.
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 2, 300], "n_orders": [9, 7, 1],
    ...                   "monetary": [500.0, 300.0, 20.0]})
    >>> labels = pd.Series([0, 0, 1])
    >>> p = cluster_profiles(f, labels)
    >>> manager_summary(f, rfm_scores(f), abc_tiers(f["monetary"]), p, name_clusters(p, f))[0][:28]
    'The top 20% of customers (1)'
    >>> manager_summary(f, rfm_scores(f), abc_tiers(f["monetary"]), p, name_clusters(p, f), lang="zh")[0][:14]
    '前 20% 的客户（1 位）'
    """
    from crm_analysis.core import i18n

    zh = i18n.resolve_language(lang) == "zh"
    stats = concentration(features["monetary"])
    n_top = int(np.ceil(0.2 * len(features)))
    a_count = int((tiers == "A").sum())
    top_share, gini, a_share = stats["top_share_of_revenue"], stats["gini"], a_count / len(features)
    segment_counts = scores["rfm_segment"].value_counts()
    sentences = [
        f"前 20% 的客户（{n_top:,} 位）带来 {top_share:.0%} 的收入（基尼系数 {gini:.2f}）；{a_count:,} 位 A 类客户"
        f"（{a_share:.0%}）是值得提供个性化服务的关键客户。" if zh else
        f"The top 20% of customers ({n_top:,}) bring {top_share:.0%} of revenue "
        f"(Gini {gini:.2f}); the {a_count:,} A customers ({a_share:.0%}) "
        "are the key customers (关键客户) who deserve personalised service.",
    ]
    for segment in ("champions", "can't lose", "at risk"):
        if segment_counts.get(segment, 0):
            n, action = segment_counts[segment], RFM_SEGMENT_ACTIONS[segment]
            sentences.append(
                f"有 {n:,} 位“{RFM_SEGMENT_ZH[segment]}”（{segment}）：{i18n.tr(action, 'zh')}。" if zh else
                f"{n:,} customers are '{segment}' ({RFM_SEGMENT_ZH[segment]}): {action}."
            )
    best = profiles["revenue_share"].idxmax()
    customer_share, revenue_share = profiles.loc[best, "customer_share"], profiles.loc[best, "revenue_share"]
    sentences.append(
        f"聚类“{i18n.tr(str(names[best]), 'zh')}”占 {customer_share:.0%} 的客户和 {revenue_share:.0%} 的收入："
        "应首先保护。" if zh else
        f"The cluster '{names[best]}' holds {customer_share:.0%} of customers "
        f"and {revenue_share:.0%} of revenue: protect it first."
    )
    lapsed = [c for c in profiles.index if str(names[c]).startswith("lapsed")]
    if lapsed:
        share = profiles.loc[lapsed, "customer_share"].sum()
        sentences.append(
            f"{share:.0%} 的客户属于已沉睡的聚类；除非他们曾是高价值客户，否则只做低成本的唤醒，不多投入。" if zh else
            f"{share:.0%} of customers are in lapsed clusters; spend little on them beyond low-cost "
            "reactivation, unless they were high-value."
        )
    return sentences


# --------------------------------------------------------------------------- movement

NOT_YET = "(not yet a customer)"


def segment_snapshot(features: pd.DataFrame, *, a: float = 0.80, b: float = 0.95) -> pd.DataFrame:
    """RFM segment and ABC tier of every customer in one feature table (one date).

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> segment_snapshot(f).columns.tolist()
    ['rfm_segment', 'abc_tier']
    """
    return pd.DataFrame({"rfm_segment": rfm_scores(features)["rfm_segment"],
                         "abc_tier": abc_tiers(features["monetary"], a=a, b=b)})


def migration_matrix(before: pd.Series, after: pd.Series, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Cross-table of customers by state at the first date (rows) and the second (columns).

    Customers present only at the second date are in the row ``"(not yet a customer)"``.

    Examples
    --------
    >>> before = pd.Series(["A", "B"], index=["x", "y"])
    >>> after = pd.Series(["A", "A", "C"], index=["x", "y", "z"])
    >>> migration_matrix(before, after, order=["A", "B", "C"]).loc["B"].tolist()
    [1, 0]
    """
    joined = pd.DataFrame({"before": before.astype("string"), "after": after.astype("string")})
    joined = joined[joined["after"].notna()]
    joined["before"] = joined["before"].fillna(NOT_YET)
    matrix = pd.crosstab(joined["before"], joined["after"])
    if order is not None:
        rows = [o for o in order if o in matrix.index] + ([NOT_YET] if NOT_YET in matrix.index else [])
        matrix = matrix.reindex(index=rows, columns=[o for o in order if o in matrix.columns], fill_value=0)
    return matrix


def movement_summary(before: pd.Series, after: pd.Series, order: Sequence[str]) -> pd.Series:
    """Counts of customers who moved up, stayed, slipped (by ``order``, best first) or are new.

    Examples
    --------
    >>> movement_summary(pd.Series(["A", "B", "A"], index=list("xyz")),
    ...                  pd.Series(["B", "A", "A", "C"], index=list("xyzw")), ["A", "B", "C"]).to_dict()
    {'moved up': 1, 'stayed': 1, 'slipped': 1, 'new': 1}
    """
    rank = {name: i for i, name in enumerate(order)}
    joined = pd.DataFrame({"before": before.map(rank), "after": after.map(rank)}).dropna(subset=["after"])
    known = joined.dropna(subset=["before"])
    return pd.Series({
        "moved up": int((known["after"] < known["before"]).sum()),
        "stayed": int((known["after"] == known["before"]).sum()),
        "slipped": int((known["after"] > known["before"]).sum()),
        "new": int(joined["before"].isna().sum()),
    })


def plot_migration(matrix: pd.DataFrame, *, title: str = "Movement between segments") -> Figure:
    """Heatmap of a migration matrix: row shares as colour, customer counts as text.

    Examples
    --------
    >>> m = pd.DataFrame([[3, 1], [0, 2]], index=["A", "B"], columns=["A", "B"])
    >>> plot_migration(m).axes[0].get_ylabel()
    'before (first date)'
    """
    shares = matrix.div(matrix.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    fig, ax = plt.subplots(figsize=(1.0 + 0.85 * matrix.shape[1] + 2, 1.0 + 0.5 * matrix.shape[0] + 1))
    image = ax.imshow(shares.to_numpy(), cmap="Blues", vmin=0, vmax=1, aspect="auto")
    for i in range(matrix.shape[0]):
        for j in range(matrix.shape[1]):
            ax.text(j, i, f"{matrix.iat[i, j]:,}", ha="center", va="center", fontsize=7,
                    color="white" if shares.iat[i, j] > 0.6 else "black")
    ax.set_xticks(range(matrix.shape[1]), list(matrix.columns), rotation=40, ha="right")
    ax.set_yticks(range(matrix.shape[0]), list(matrix.index))
    ax.set(xlabel="after (second date)", ylabel="before (first date)", title=title)
    fig.colorbar(image, ax=ax, label="share of the row")
    fig.tight_layout()
    return fig


__all__ = [
    "BASES",
    "CLUSTER_FEATURES",
    "RFM_COLUMNS",
    "RFM_SEGMENT_ACTIONS",
    "RFM_SEGMENT_GRID",
    "RFM_SEGMENT_ORDER",
    "RFM_SEGMENT_ZH",
    "CustomerSegmenter",
    "abc_tiers",
    "available_bases",
    "basis_summary",
    "bootstrap_stability",
    "choose_k",
    "cluster_matrix",
    "cluster_profiles",
    "concentration",
    "lorenz_curve",
    "manager_summary",
    "migration_matrix",
    "movement_summary",
    "name_clusters",
    "plot_clusters_pca",
    "plot_k_selection",
    "plot_migration",
    "plot_pareto",
    "plot_rfm_heatmap",
    "plot_snake",
    "quintile_score",
    "raw_rfm_kmeans",
    "rfm_scores",
    "rfm_segment_summary",
    "segment_snapshot",
    "segments_table",
    "summarise_by",
    "truth_agreement",
]
