"""Chapter 2's tables: customers and revenue per level of a column, per RFM segment, per customer.

Examples
--------
>>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
>>> summarise_by(f.assign(tier=["A", "C"]), "tier")["revenue_share"].round(2).tolist()
[0.91, 0.09]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.checks import require_columns
from crm_analysis.core.i18n import tr
from crm_analysis.segment.rfm import FEATURES_HINT, RFM_COLUMNS, RFM_SEGMENT_ACTIONS, RFM_SEGMENT_ORDER

__all__ = ["rfm_segment_summary", "segments_table", "summarise_by"]


def summarise_by(features: pd.DataFrame, column: str, *, max_levels: int = 12) -> pd.DataFrame:
    """Customers, revenue and median RFM per level of one column.

    Levels beyond the ``max_levels`` largest by revenue are pooled as ``"(other)"``;
    missing values appear as ``"(unknown)"``.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features with ``recency_days``, ``n_orders``, ``monetary`` and ``column``.
    column : str
        The column whose levels are rows (region, ABC tier, RFM segment ...).
    max_levels : int, default 12
        Most levels shown on their own.

    Returns
    -------
    pandas.DataFrame
        Indexed by the level, largest revenue first: ``customers``, ``customer_share``, ``revenue``,
        ``revenue_share``, ``median_recency_days``, ``median_n_orders``, ``median_monetary``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If ``features`` lacks ``recency_days``, ``n_orders`` or ``monetary``, or one is empty for a customer.

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
    require_columns(features, RFM_COLUMNS, "summarise_by", hint=FEATURES_HINT, no_missing=True)
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


def rfm_segment_summary(features: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Customers, revenue and medians per named RFM segment, with the Chinese name and the action.

    Segments are listed best first (:data:`RFM_SEGMENT_ORDER`).

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features (the RFM columns).
    scores : pandas.DataFrame
        :func:`crm_analysis.segment.rfm_scores` of the same customers.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`summarise_by` between ``segment_zh`` (the catalogue's Chinese name,
        whatever the report language: the table is bilingual) and ``action``.

    Examples
    --------
    >>> from crm_analysis.segment.rfm import rfm_scores
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> rfm_segment_summary(f, rfm_scores(f))[["segment_zh", "customers"]]
                segment_zh  customers
    rfm_segment
    champions       冠军客户          1
    lost             已流失客户          1
    """
    table = summarise_by(features.assign(rfm_segment=scores["rfm_segment"]), "rfm_segment", max_levels=20)
    table = table.reindex([s for s in RFM_SEGMENT_ORDER if s in table.index])
    table.insert(0, "segment_zh", [tr(s, "zh") for s in table.index])
    table["action"] = [RFM_SEGMENT_ACTIONS[s] for s in table.index]
    return table


def segments_table(
    features: pd.DataFrame, scores: pd.DataFrame, tiers: pd.Series, labels: pd.Series, names: pd.Series
) -> pd.DataFrame:
    """The per-customer output table (``tables/segments.csv``).

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features indexed by customer id.
    scores : pandas.DataFrame
        RFM scores (``rfm_score``, ``rfm_segment``).
    tiers : pandas.Series
        ABC tier of each customer.
    labels : pandas.Series
        Cluster of each customer.
    names : pandas.Series
        Name of each cluster.

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, the RFM columns, ``rfm_score``, ``rfm_segment``,
        ``abc_tier``, ``cluster`` and ``cluster_name``.

    Examples
    --------
    >>> from crm_analysis.features.abc import abc_tiers
    >>> from crm_analysis.segment.rfm import rfm_scores
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
