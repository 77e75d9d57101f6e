"""What to do (客户分级服务): value tiers x churn risk -> service levels, contact plan, value at risk, funnel."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns

# Value tiers by predicted CLV rank (the course's customer pyramid, 客户金字塔): the share of
# customers at the top of each tier. A = key accounts, B = major, C = ordinary customers.
DEFAULT_TIER_SHARES: tuple[float, float] = (0.10, 0.40)


#: Display names of the value tiers (message keys; ``i18n.tr(TIER_NAMES["A"], "zh")`` is "A 关键客户").
TIER_NAMES = {"A": i18n.N_("A key"), "B": i18n.N_("B major"), "C": i18n.N_("C ordinary")}


# Action matrix: (value tier, high churn risk?) -> service level.
SERVICE_MATRIX: dict[tuple[str, bool], str] = {
    ("A", False): "one_to_one",
    ("A", True): "win_back",
    ("B", False): "proactive_gold",
    ("B", True): "win_back",
    ("C", False): "responsive_silver",
    ("C", True): "let_go",
}


# The visit plan by customer grade (客户分级拜访计划): how often each service level is contacted.
# service_level_zh is the catalogue's Chinese name of the level (a column of the plan in both languages).
CONTACT_PLAN = pd.DataFrame(
    [
        ("one_to_one", "dedicated account manager", 12,
         "monthly visit or call, quarterly business review, tailored offers"),
        ("proactive_gold", "key-account team", 4,
         "quarterly proactive call, early access to new products"),
        ("responsive_silver", "service centre", 1,
         "answer promptly when they call; yearly care call and newsletters"),
        ("win_back", "account manager + service lead", 3,
         "call within two weeks, find the reason, make a tailored offer, follow up twice"),
        ("let_go", "none (automated only)", 0,
         "no personal contact; keep in low-cost automated mailings"),
    ],
    columns=["service_level", "owner", "contacts_per_year", "what"],
)
CONTACT_PLAN.insert(1, "service_level_zh", [i18n.tr(level, "zh") for level in CONTACT_PLAN["service_level"]])


def value_tiers(clv: pd.Series, *, shares: tuple[float, float] = DEFAULT_TIER_SHARES,
                net_spend: pd.Series | None = None) -> pd.Series:
    """Value tier by CLV rank: A = top ``shares[0]`` of customers, B = up to ``shares[1]``, C = the rest.

    Parameters
    ----------
    clv : pandas.Series
        Predicted value per customer (currency units).
    shares : tuple of float
        Shares of customers that close tiers A and B, ``0 < A < B <= 1``.
    net_spend : pandas.Series, optional
        Net spend so far per customer (same index; purchases minus returns,
        :func:`crm_analysis.value.historical_value`). Customers whose net spend is ≤ 0 to the cent
        (everything bought was returned or cancelled) are not ranked: they are C, and the shares
        count the other customers only.

    Returns
    -------
    pandas.Series
        ``"A"``, ``"B"`` or ``"C"`` (string dtype), named ``value_tier``.

    Raises
    ------
    ValueError
        If the shares are not ``0 < A < B <= 1``.

    Examples
    --------
    >>> value_tiers(pd.Series(range(10), dtype="float64")).value_counts().sort_index().tolist()
    [1, 3, 6]
    >>> value_tiers(pd.Series([900.0, 5.0, 1.0]), shares=(0.5, 1.0), net_spend=pd.Series([0.0, 50.0, 9.0])).tolist()
    ['C', 'A', 'B']
    """
    a, b = shares
    if not 0 < a < b <= 1:
        raise ValueError(f"tier shares must satisfy 0 < A < B <= 1, got {shares}")
    ranked = np.ones(len(clv), dtype=bool) if net_spend is None else \
        (net_spend.reindex(clv.index).astype("float64").round(2) > 0).to_numpy()
    top_share = clv[ranked].rank(ascending=False, method="first") / max(int(ranked.sum()), 1)
    tier = np.full(len(clv), "C", dtype=object)
    tier[ranked] = np.select([top_share <= a + 1e-12, top_share <= b + 1e-12], ["A", "B"], "C")
    return pd.Series(tier, index=clv.index, name="value_tier", dtype="string")


def service_levels(value_tier: pd.Series, risk: pd.Series, *, risk_threshold: float = 0.5) -> pd.Series:
    """Service level from value tier × churn risk (the action matrix, :data:`SERVICE_MATRIX`).

    Examples
    --------
    >>> tiers = pd.Series(["A", "A", "B", "C", "C"])
    >>> service_levels(tiers, pd.Series([0.1, 0.9, 0.2, 0.3, 0.8])).tolist()
    ['one_to_one', 'win_back', 'proactive_gold', 'responsive_silver', 'let_go']
    """
    high = (risk.astype("float64") >= risk_threshold).to_numpy()
    tiers = value_tier.astype("string").to_numpy()
    result = np.full(len(tiers), "", dtype=object)
    for (tier, is_high), level in SERVICE_MATRIX.items():
        result[(tiers == tier) & (high == is_high)] = level
    return pd.Series(result, index=value_tier.index, name="service_level", dtype="string")


def action_matrix(frame: pd.DataFrame, *, risk_threshold: float = 0.5) -> pd.DataFrame:
    """Customers, total CLV and service level for each value tier × risk cell.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``value_tier``, ``churn_risk``, ``clv`` per customer.

    Returns
    -------
    pandas.DataFrame
        ``value_tier``, ``risk`` ("low"/"high"), ``service_level``, ``customers``, ``clv``.

    Examples
    --------
    >>> f = pd.DataFrame({"value_tier": ["A", "A", "C"], "churn_risk": [0.1, 0.2, 0.9], "clv": [50.0, 30.0, 1.0]})
    >>> action_matrix(f)[["value_tier", "service_level", "customers"]]
      value_tier service_level  customers
    0          A    one_to_one          2
    1          C        let_go          1
    """
    require_columns(frame, ("value_tier", "churn_risk", "clv"), "customer value")
    risk = np.where(frame["churn_risk"] >= risk_threshold, "high", "low")
    grouped = frame.assign(risk=risk).groupby(["value_tier", "risk"], observed=True).agg(
        customers=("clv", "size"), clv=("clv", "sum")).reset_index()
    grouped["service_level"] = [SERVICE_MATRIX[(t, r == "high")] for t, r in
                                zip(grouped["value_tier"], grouped["risk"], strict=True)]
    return grouped[["value_tier", "risk", "service_level", "customers", "clv"]]


def contact_plan(service_level: pd.Series | None = None) -> pd.DataFrame:
    """The recommended contact plan per service level, with customers and contacts per year.

    Examples
    --------
    >>> contact_plan(pd.Series(["one_to_one", "let_go", "one_to_one"]))[["service_level", "customers"]].iloc[0]
    service_level    one_to_one
    customers                 2
    Name: 0, dtype: object
    """
    plan = CONTACT_PLAN.copy()
    if service_level is not None:
        counts = service_level.value_counts()
        plan["customers"] = plan["service_level"].map(counts).fillna(0).astype("int64")
        plan["contacts_needed_per_year"] = plan["customers"] * plan["contacts_per_year"]
    return plan


def segment_labels(
    customer_ids: pd.Index, *, segments: pd.DataFrame | None = None, customers: pd.DataFrame | None = None
) -> tuple[pd.Series, str]:
    """The segment of each customer for value-at-risk tables, from the best source available.

    In order: chapter 2's segments (``cluster_name``, else ``rfm_segment``), as
    ``crm_analysis.core.handoff.fetch("segments", ...)`` returns them; the customers table's
    ``customer_type``; otherwise none (the caller then groups by value tier).

    Parameters
    ----------
    customer_ids : pandas.Index
        The customers to label.
    segments : pandas.DataFrame, optional
        Chapter 2's hand-off frame, indexed by customer_id (``Fetched.frame``; None when unavailable).
    customers : pandas.DataFrame, optional
        The customers table (``customer_id``, ``customer_type``).

    Returns
    -------
    (pandas.Series, str)
        Labels indexed like ``customer_ids`` and the name of their source ("" when none).

    Examples
    --------
    >>> ids = pd.Index(["a", "b"], name="customer_id")
    >>> cards = pd.DataFrame({"customer_id": ["a"], "customer_type": ["business"]})
    >>> labels, source = segment_labels(ids, customers=cards)
    >>> labels.tolist(), source
    (['business', <NA>], 'customer_type')
    >>> seg = pd.DataFrame({"rfm_segment": ["champions"], "cluster_name": [pd.NA]}, index=pd.Index(["b"]))
    >>> segment_labels(ids, segments=seg, customers=cards)[1]
    'chapter 2 rfm_segment'
    """
    if segments is not None:
        segments = segments[~segments.index.duplicated()]
        for column in ("cluster_name", "rfm_segment"):
            if column in segments.columns and segments[column].notna().any():
                labels = segments[column].astype("string")
                labels.index = labels.index.astype("string")
                return labels.reindex(customer_ids).rename("segment"), f"chapter 2 {column}"
    if customers is not None and {"customer_id", "customer_type"} <= set(customers.columns) \
            and customers["customer_type"].notna().any():
        cards = customers.drop_duplicates("customer_id")
        labels = cards.set_index(cards["customer_id"].astype("string"))["customer_type"]
        return labels.astype("string").reindex(customer_ids).rename("segment"), "customer_type"
    return pd.Series(pd.NA, index=customer_ids, dtype="string", name="segment"), ""


def value_at_risk(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Value at risk (CLV × churn risk) by a grouping column, largest first.

    Examples
    --------
    >>> f = pd.DataFrame({"seg": ["x", "x", "y"], "clv": [100.0, 50.0, 10.0], "churn_risk": [0.5, 0.2, 1.0]})
    >>> value_at_risk(f, "seg")[["seg", "value_at_risk"]].to_dict("list")
    {'seg': ['x', 'y'], 'value_at_risk': [60.0, 10.0]}
    """
    require_columns(frame, (by, "clv", "churn_risk"), "customer value")
    work = frame.assign(value_at_risk=frame["clv"] * frame["churn_risk"])
    out = work.groupby(by, observed=True, dropna=False).agg(
        customers=("clv", "size"), clv=("clv", "sum"), value_at_risk=("value_at_risk", "sum"),
        mean_churn_risk=("churn_risk", "mean")).reset_index()
    total = out["value_at_risk"].sum()
    out["share_of_value_at_risk"] = out["value_at_risk"] / total if total > 0 else 0.0
    return out.sort_values("value_at_risk", ascending=False, kind="stable").reset_index(drop=True)
