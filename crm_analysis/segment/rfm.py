"""RFM scoring (RFM 评分): quintile scores, the named segment grid, the action for each segment.

R scores ``recency_days`` (fewer days is better), F ``n_orders`` (orders) and M ``monetary`` (net
spend). Segment names are English message keys; their Chinese names are "term" entries of the
catalogue (``i18n.tr("champions", "zh")``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.checks import require_columns
from crm_analysis.core.errors import TooLittleData

__all__ = [
    "FEATURES_HINT",
    "NO_NET_SPEND",
    "RFM_COLUMNS",
    "RFM_SEGMENT_ACTIONS",
    "RFM_SEGMENT_GRID",
    "RFM_SEGMENT_ORDER",
    "quintile_score",
    "rfm_scores",
]

#: The customer-feature columns every segmentation step needs.
RFM_COLUMNS = ("recency_days", "n_orders", "monetary")
#: How to get a table with them (said in the error when one is missing).
FEATURES_HINT = "build it with features.customer_features"

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


#: The group of customers whose net spend is ≤ 0 (everything bought was returned or cancelled): never ranked
#: in the grid, so a cancelled £77,183.60 order (Online Retail customer 12346) makes no "champion".
NO_NET_SPEND = "no net spend"

#: Segments from best to worst; used to say whether a customer moved up or slipped.
RFM_SEGMENT_ORDER = (
    "champions", "loyal", "potential loyalists", "new", "promising", "need attention",
    "about to sleep", "can't lose", "at risk", "hibernating", "lost", NO_NET_SPEND,
)


#: What a manager does with each RFM segment (course: key customers get personalised service).
#: Display labels: ``i18n.tr(action, "zh")`` gives the Chinese of each.
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
    NO_NET_SPEND: "check the returns and cancellations before any offer: no net revenue so far",
}


def quintile_score(values: pd.Series, *, higher_is_better: bool = True, n_bins: int = 5) -> pd.Series:
    """Score values 1..``n_bins`` by rank, tied customers together (the tie rule).

    Each group of equal values is placed at its mid-rank: ``score = 1 + floor(n_bins * m / n)``
    where ``m`` is the number of strictly worse values plus half of the other members of the group
    (``(ties - 1) / 2``). Then the best value always gets ``n_bins`` and the worst value 1 (a table
    where every value is equal is a tie at the best value: all ``n_bins``). So ties get the same
    score, a score never depends on row order, without ties the bins are exact quantiles, and a
    heavy tie at the top (70 of 100 customers bought on the last delivery day) gets the top score
    while a heavy tie at the bottom (most bought once) gets 1.

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
    [5, 2, 1]
    >>> quintile_score(pd.Series([7] * 7 + [1, 2, 3]), higher_is_better=True).tolist()
    [5, 5, 5, 5, 5, 5, 5, 1, 1, 2]
    """
    if n_bins < 2:
        raise ValueError(f"n_bins must be at least 2, got {n_bins}")
    if values.isna().any():
        raise ValueError("quintile_score: values have missing entries")
    oriented = values.astype("float64") if higher_is_better else -values.astype("float64")
    low = oriented.rank(method="min").to_numpy()
    high = oriented.rank(method="max").to_numpy()
    middle = (low - 1.0) + (high - low) / 2.0  # strictly worse values plus half the other tied ones
    score = 1 + np.floor(n_bins * middle / max(len(values), 1))
    o = oriented.to_numpy()
    if len(o):
        score[o == o.min()] = 1
        score[o == o.max()] = n_bins
    return pd.Series(np.clip(score, 1, n_bins).astype("int64"), index=values.index, name=values.name)


def rfm_scores(features: pd.DataFrame, *, n_bins: int = 5) -> pd.DataFrame:
    """RFM scores and named segments (RFM 评分与客户分群).

    R scores ``recency_days`` (lower is better), F ``n_orders`` and M ``monetary``
    with :func:`quintile_score`; ``fm_score = ceil((F + M) / 2)``; the segment is
    looked up in :data:`RFM_SEGMENT_GRID` by (R, FM). M is net spend (purchases minus returns, per
    :mod:`crm_analysis.features.lines`); customers whose net spend is ≤ 0 (to the cent: everything
    they bought was returned or cancelled) are the segment :data:`NO_NET_SPEND` of their own, not
    placed in the grid (they keep their scores).

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
        If ``features`` lacks one of :data:`RFM_COLUMNS`, or one of them is empty for some customers
        (the first five are named).
    crm_analysis.core.errors.TooLittleData
        If ``features`` has no row (no customer bought before the as-of date).

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90, 1], "n_orders": [5, 1, 0], "monetary": [50.0, 5.0, 0.0]})
    >>> rfm_scores(f)[["rfm_score", "rfm_segment"]].values.tolist()
    [['555', 'champions'], ['122', 'lost'], ['511', 'no net spend']]
    """
    require_columns(features, RFM_COLUMNS, "rfm_scores", hint=FEATURES_HINT, no_missing=True)
    if features.empty:
        raise TooLittleData("no customer has a purchase before the as-of date: RFM scores, ABC tiers and clusters "
                            "need at least 1 customer with a purchase (clusters more than 2)")
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
        segments = grid[out["r_score"] - 1, out["fm_score"] - 1]
        segments[(features["monetary"].astype("float64").round(2) <= 0).to_numpy()] = NO_NET_SPEND
        out["rfm_segment"] = pd.array(segments, dtype="string")
    return out
