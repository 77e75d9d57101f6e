"""Clustering customers (聚类): the matrix to cluster, profiles and names, the raw-RFM baseline, truth.

The estimator itself, the choice of k and the stability check are in
:mod:`crm_analysis.models.clustering`; this module turns customer features into its input and its
labels into a description a manager can read.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score

from crm_analysis.core.checks import require_columns
from crm_analysis.core.threads import single_thread
from crm_analysis.segment.rfm import FEATURES_HINT, RFM_COLUMNS

__all__ = [
    "CLUSTER_FEATURES",
    "cluster_matrix",
    "cluster_profiles",
    "name_clusters",
    "raw_rfm_kmeans",
    "truth_agreement",
]

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
    require_columns(features, columns, "cluster_matrix", hint=FEATURES_HINT)
    matrix = features[list(columns)].astype("float64")
    if "mean_interpurchase_days" in matrix.columns and "tenure_days" in features.columns:
        gap = matrix["mean_interpurchase_days"].fillna(features["tenure_days"].astype("float64"))
        matrix = matrix.assign(mean_interpurchase_days=gap)
    return matrix.fillna(matrix.median())


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
    require_columns(features, RFM_COLUMNS, "cluster_profiles", hint=FEATURES_HINT, no_missing=True)
    labels = pd.Series(np.asarray(labels), index=features.index, name="cluster")
    grouped = features.groupby(labels)
    spend = features["monetary"].clip(lower=0)  # a customer with net spend <= 0 adds 0, so shares sum to 1
    total = spend.sum()
    out = pd.DataFrame({"customers": grouped.size()})
    out["customer_share"] = out["customers"] / out["customers"].sum()
    out["revenue_share"] = spend.groupby(labels).sum() / (total if total else np.nan)
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
    - habit, the first rule that holds: at least half business customers → "business accounts";
      median orders (``n_orders``) ≥ 2× overall and > 1 → "loyal regulars"; median orders 1 →
      "one-off buyers"; median order value ≤ 0.6× overall with orders at or above the overall
      median → "bargain hunters"; else "occasional buyers".

    Names that come out the same get the cluster number appended.

    Parameters
    ----------
    profiles : pandas.DataFrame
        :func:`cluster_profiles` of the clusters.
    features : pandas.DataFrame
        The customer features clustered (for the overall medians).

    Returns
    -------
    pandas.Series
        ``cluster_name`` (string) indexed by ``cluster``.

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
        orders = ratio(row["median_n_orders"], overall["n_orders"])
        aov = ratio(row.get("median_avg_order_value", np.nan), aov_overall)
        if row.get("share_business", 0) >= 0.5:
            habit = "business accounts"
        elif orders >= 2 and row["median_n_orders"] > 1:
            habit = "loyal regulars"
        elif row["median_n_orders"] <= 1:
            habit = "one-off buyers"
        elif aov <= 0.6 and orders >= 1:
            habit = "bargain hunters"
        else:
            habit = "occasional buyers"
        names[cluster] = f"{activity} {value} {habit}"
    series = pd.Series(names, name="cluster_name", dtype="string")
    duplicated = series.duplicated(keep=False)
    series[duplicated] = series[duplicated] + " #" + series.index[duplicated].astype(str)
    series.index.name = "cluster"
    return series


def raw_rfm_kmeans(features: pd.DataFrame, n_clusters: int, *, random_state: int = 0) -> pd.Series:
    """Baseline: k-means on raw, unscaled ``recency_days``, ``n_orders`` and ``monetary``.

    Without scaling the column with the largest spread (usually money) decides
    everything, which is the mistake :class:`CustomerSegmenter` avoids.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features with the RFM columns.
    n_clusters : int
        Number of clusters (the chosen k, for a fair comparison).
    random_state : int, default 0
        Seed of k-means.

    Returns
    -------
    pandas.Series
        ``cluster`` of each customer, same index as ``features``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 2, 300], "n_orders": [9, 7, 1], "monetary": [5.0, 3.0, 2.0]})
    >>> raw_rfm_kmeans(f, 2).nunique()
    2
    """
    require_columns(features, RFM_COLUMNS, "raw_rfm_kmeans", hint=FEATURES_HINT, no_missing=True)
    model = KMeans(n_clusters, n_init=10, random_state=random_state)
    with single_thread():
        labels = model.fit_predict(features[list(RFM_COLUMNS)].to_numpy(dtype=np.float64))
    return pd.Series(labels, index=features.index, name="cluster")


def truth_agreement(labels: pd.Series, truth_segments: pd.Series) -> float:
    """Adjusted Rand index between clusters and known segments, over the customers in both.

    Parameters
    ----------
    labels : pandas.Series
        Cluster of each customer.
    truth_segments : pandas.Series
        Known segment of each customer (the teaching data's ground truth).

    Returns
    -------
    float
        Between -1 and 1 (1: the same partition; about 0: no better than chance); NaN when no
        customer is in both.

    Examples
    --------
    >>> truth_agreement(pd.Series([0, 0, 1], index=list("abc")), pd.Series(["x", "x", "y"], index=list("abc")))
    1.0
    """
    common = labels.index.intersection(truth_segments.index)
    if len(common) == 0:
        return float("nan")
    return float(adjusted_rand_score(truth_segments.loc[common].astype(str), labels.loc[common]))
