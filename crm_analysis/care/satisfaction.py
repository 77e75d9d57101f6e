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


def loyalty_funnel(
    interactions: pd.DataFrame,
    n_orders: pd.Series,
    value: pd.Series,
    *,
    satisfied_at: float = 4.0,
    recommender_score: float = 5.0,
) -> pd.DataFrame:
    """Satisfaction -> loyalty -> recommendation funnel (满意 -> 忠诚 -> 推荐) and value along it.

    Stages, each a subset of the one before:

    1. *customers*: every customer with a purchase (the index of ``n_orders``);
    2. *rated*: gave at least one satisfaction score in the interactions;
    3. *satisfied*: mean score >= ``satisfied_at``;
    4. *repeat buyer* (loyal): satisfied and at least 2 orders;
    5. *recommender*: a repeat buyer who gave the top score ``recommender_score`` at least
       once. The data model has no "referred by" link, so who actually brought in the
       referral-channel customers is unknown; a top score from a loyal customer is the
       usual proxy for a promoter (as in the Net Promoter Score, where only the top marks
       count as promoters).

    Parameters
    ----------
    interactions : pandas.DataFrame
        ``customer_id`` and ``satisfaction`` (1–5; missing allowed).
    n_orders : pandas.Series
        Orders per customer (index customer_id), e.g. ``n_orders`` of
        :func:`crm_analysis.features.customer_features`.
    value : pandas.Series
        A value per customer (same index; chapter 4's CLV when it ran, else net spend), averaged per stage.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``customers``, ``conversion`` (share of the previous stage), ``mean_value``.

    Raises
    ------
    CRMDataError
        When ``interactions`` lacks ``customer_id`` or ``satisfaction``.

    Examples
    --------
    >>> inter = pd.DataFrame({"customer_id": ["a", "b", "c"], "satisfaction": [5.0, 4.0, 2.0]})
    >>> orders = pd.Series([3, 1, 2], index=["a", "b", "c"])
    >>> loyalty_funnel(inter, orders, pd.Series([200.0, 20.0, 10.0], index=["a", "b", "c"]))["customers"].tolist()
    [3, 3, 2, 1, 1]
    """
    require_columns(interactions, ("customer_id", "satisfaction"), "table interactions")
    index = pd.Index(n_orders.index.astype("string"), name="customer_id")
    orders = pd.Series(n_orders.to_numpy(dtype="float64"), index=index)
    worth = pd.Series(value.to_numpy(dtype="float64"), index=pd.Index(value.index.astype("string"))).reindex(index)
    scores = pd.DataFrame({"customer_id": interactions["customer_id"].astype("string"),
                           "s": interactions["satisfaction"].astype("float64")}).dropna()
    per = scores.groupby("customer_id")["s"].agg(["mean", "max"]).reindex(index)
    rated = per["mean"].notna()
    satisfied = rated & (per["mean"] >= satisfied_at)
    repeat = satisfied & (orders >= 2)
    recommender = repeat & (per["max"] >= recommender_score)
    stages = [("customers", pd.Series(True, index=index)), ("rated", rated), ("satisfied", satisfied),
              ("repeat buyer", repeat), ("recommender", recommender)]
    rows, previous = [], None
    for name, mask in stages:
        members = worth[mask.to_numpy(dtype=bool)]
        rows.append({"stage": name, "customers": len(members),
                     "conversion": len(members) / previous if previous else float("nan"),
                     "mean_value": members.mean() if len(members) else float("nan")})
        previous = len(members)
    return pd.DataFrame(rows)
