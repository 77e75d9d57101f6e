"""Satisfaction (满意度): the trend, and what goes with low scores."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core.checks import require_columns


def satisfaction_by(interactions: pd.DataFrame, by: str = "month", *, low_at: float = 2.0) -> pd.DataFrame:
    """Mean satisfaction score (1-5) and the share of low scores, by month or by a column of the log.

    Parameters
    ----------
    interactions : DataFrame
        ``date``, ``satisfaction`` (1 worst to 5 best) and the column ``by``.
    by : str, default "month"
        "month", or a column such as "topic", "kind", "channel".
    low_at : float, default 2.0
        A score at or below this counts as low.

    Returns
    -------
    DataFrame
        Index ``by``; ``rated`` (contacts with a score), ``mean_score``, ``low_share`` (0-1); by month in
        time order, otherwise by ``low_share``, highest first.

    Examples
    --------
    >>> log = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-02-01"]),
    ...                     "satisfaction": [5.0, 1.0, 4.0], "topic": ["a", "b", "a"]})
    >>> satisfaction_by(log, "topic")[["rated", "low_share"]].to_dict("index")
    {'b': {'rated': 1, 'low_share': 1.0}, 'a': {'rated': 2, 'low_share': 0.0}}
    """
    require_columns(interactions, ["satisfaction"] + (["date"] if by == "month" else [by]), "table interactions")
    rated = interactions[interactions["satisfaction"].notna()]
    if by == "month":
        key = rated["date"].dt.to_period("M").astype("string").rename("month")
    else:
        key = rated[by].astype("string").fillna("(unknown)")
    score = rated["satisfaction"].astype("float64")
    out = pd.DataFrame({"rated": score.groupby(key).size(), "mean_score": score.groupby(key).mean(),
                        "low_share": score.le(low_at).astype("float64").groupby(key).mean()})
    out = out.rename_axis(by)
    return out.sort_index() if by == "month" else out.sort_values("low_share", ascending=False, kind="stable")
