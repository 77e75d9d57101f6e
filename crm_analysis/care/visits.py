"""The visit plan (客户访问计划): which tier each customer is in, whether the plan was kept, who is overdue."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns
from crm_analysis.data.privacy import mask_pii
from crm_analysis.features.abc import abc_tiers

#: Days allowed between planned contacts per value tier (A every 30 days, B every 90, C every 365).
DEFAULT_PLAN_DAYS: dict[str, int] = {"A": 30, "B": 90, "C": 365}
#: The kinds of contact that count as a planned visit or care call.
PLAN_KINDS: tuple[str, ...] = ("visit", "care_call")


@dataclass
class Tiers:
    """Value tier and value of each customer, and where they come from.

    Attributes
    ----------
    frame : DataFrame
        Indexed by customer_id: ``tier`` ("A"/"B"/"C"), ``value`` (chapter 4's CLV or the revenue so far)
        and ``value_at_risk`` (CLV x (1 - P(alive)) with chapter 4's figures, else the value).
    note : str
        One sentence for the report naming the source.
    from_chapter_4 : bool
    """

    frame: pd.DataFrame
    note: str
    from_chapter_4: bool


def customer_tiers(monetary: pd.Series, *, customer_value: pd.DataFrame | None = None,
                   why_not: str = "") -> Tiers:
    """Value tiers: chapter 4's (its hand-off ``customer_value``) when given, else ABC tiers on net spend.

    Parameters
    ----------
    monetary : Series
        Net spend per customer before the analysis date (index customer_id), e.g. the ``monetary`` column of
        :func:`crm_analysis.features.customer_features`: the customers in the plan.
    customer_value : DataFrame, optional
        Chapter 4's hand-off frame (index customer_id; ``value_tier``, ``clv``, ``p_alive``).
    why_not : str
        Why chapter 4's tiers are unavailable (``Fetched.note``), for the note.

    Returns
    -------
    Tiers
        Chapter 4's tiers for the customers it rated (the others are tier C with value 0); without them,
        ABC tiers on net spend (80 % / 95 %, :func:`crm_analysis.features.abc.abc_tiers`); the note says which.

    Examples
    --------
    >>> spend = pd.Series({"C1": 80.0, "C2": 15.0, "C3": 5.0})
    >>> customer_tiers(spend).frame["tier"].tolist()
    ['A', 'B', 'C']
    """
    index = pd.Index(monetary.index.astype("string"), name="customer_id")
    if customer_value is not None and {"value_tier", "clv"} <= set(customer_value.columns):
        theirs = customer_value.copy()
        theirs.index = theirs.index.astype("string")
        theirs = theirs.reindex(index)
        alive = theirs["p_alive"].astype("float64").fillna(1.0) if "p_alive" in theirs else 0.0
        frame = pd.DataFrame({"tier": theirs["value_tier"].astype("string").fillna("C"),
                              "value": theirs["clv"].astype("float64").fillna(0.0)}, index=index)
        frame["value_at_risk"] = frame["value"] * (1 - alive)
        return Tiers(frame, i18n._("Value tiers and values are chapter 4's "
                                   "(CLV; value at risk = CLV x (1 - P(alive)))."), True)
    spend = pd.Series(monetary.astype("float64").to_numpy(), index=index)
    frame = pd.DataFrame({"tier": abc_tiers(spend), "value": spend, "value_at_risk": spend})
    reason = f"{why_not}: " if why_not else ""
    return Tiers(frame, reason + i18n._("value tiers are ABC tiers on revenue so far (A = 80 % of revenue, B = "
                                         "the next 15 %), and the value at risk is that revenue."), False)


def plan_adherence(interactions: pd.DataFrame, tiers: pd.Series, as_of: pd.Timestamp, *,
                   plan_days: dict[str, int] | None = None, kinds: tuple[str, ...] = PLAN_KINDS,
                   since: pd.Series | None = None) -> pd.DataFrame:
    """Per customer: the last planned contact before ``as_of`` and whether the tier's plan was kept.

    A customer is **on time** when a planned contact (kinds ``kinds``) happened within the tier's
    allowed days before ``as_of``. Customers who became customers less than the allowed days ago
    (``since``) and were never contacted are not yet due.

    Parameters
    ----------
    interactions : DataFrame
        ``customer_id``, ``date``, ``kind``.
    tiers : Series
        Tier per customer (index customer_id): the customers in the plan.
    as_of : Timestamp
        Analysis date; contacts on or after it are ignored.
    plan_days : dict of str to int, optional
        Allowed days between contacts per tier; default :data:`DEFAULT_PLAN_DAYS`.
    kinds : tuple of str
        Kinds of contact that count.
    since : Series, optional
        First purchase date per customer (index customer_id).

    Returns
    -------
    DataFrame
        Index customer_id; ``tier``, ``plan_days``, ``last_contact`` (date or NaT), ``days_since`` (days,
        float; NaN when never contacted), ``on_time`` (bool), ``overdue_days`` (0 when on time or not yet due).

    Raises
    ------
    ValueError
        If a tier has no entry in ``plan_days``.

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["C1", "C2"], "kind": ["visit", "care_call"],
    ...                     "date": pd.to_datetime(["2024-06-20", "2024-01-01"])})
    >>> out = plan_adherence(log, pd.Series({"C1": "A", "C2": "B", "C3": "C"}), pd.Timestamp("2024-07-01"))
    >>> out["on_time"].tolist(), out["overdue_days"].tolist()
    ([True, False, False], [0.0, 92.0, 0.0])
    """
    require_columns(interactions, ["customer_id", "date", "kind"], "table interactions")
    plan = dict(DEFAULT_PLAN_DAYS if plan_days is None else plan_days)
    missing = sorted(set(tiers.dropna().astype(str)) - set(plan))
    if missing:
        raise ValueError(f"plan_days has no entry for tier(s) {', '.join(missing)} (given: {', '.join(plan)})")
    log = interactions[interactions["kind"].astype("string").isin(list(kinds)).fillna(False).astype(bool)
                       & (interactions["date"] < as_of)]
    last = log.groupby("customer_id")["date"].max()
    last.index = last.index.astype("string")
    out = pd.DataFrame({"tier": tiers.astype("string")})
    out.index = out.index.astype("string").rename("customer_id")
    out["plan_days"] = out["tier"].map(plan).astype("float64")
    out["last_contact"] = last.reindex(out.index)
    out["days_since"] = (as_of - out["last_contact"]).dt.days.astype("float64")
    out["on_time"] = (out["days_since"] <= out["plan_days"]).fillna(False).astype(bool)
    # Never contacted: overdue since the first purchase plus one plan period (unknown start: not counted).
    start = out["last_contact"]
    if since is not None:
        first = since.copy()
        first.index = first.index.astype("string")
        start = start.fillna(first.reindex(out.index))
    waited = (as_of - start).dt.days.astype("float64")
    out["overdue_days"] = (waited - out["plan_days"]).clip(lower=0).fillna(0.0).where(~out["on_time"], 0.0)
    return out


def adherence_by_tier(adherence: pd.DataFrame) -> pd.DataFrame:
    """Share of each tier contacted on time (访问计划执行率).

    Parameters
    ----------
    adherence : DataFrame
        :func:`plan_adherence` output.

    Returns
    -------
    DataFrame
        Index ``tier``; ``plan_days``, ``customers``, ``on_time``, ``on_time_share`` (0-1), ``overdue``
        (customers past their due date), ``median_days_since`` (days).

    Examples
    --------
    >>> adh = pd.DataFrame({"tier": ["A", "A"], "plan_days": [30.0, 30.0], "on_time": [True, False],
    ...                     "overdue_days": [0.0, 5.0], "days_since": [3.0, 35.0]})
    >>> row = adherence_by_tier(adh).loc["A"]
    >>> int(row["customers"]), float(row["on_time_share"]), int(row["overdue"])
    (2, 0.5, 1)
    """
    out = adherence.groupby("tier").agg(plan_days=("plan_days", "first"), customers=("on_time", "size"),
                                        on_time=("on_time", "sum"),
                                        overdue=("overdue_days", lambda s: int((s > 0).sum())),
                                        median_days_since=("days_since", "median"))
    out["on_time_share"] = out["on_time"] / out["customers"]
    return out[["plan_days", "customers", "on_time", "on_time_share", "overdue", "median_days_since"]]


def overdue_list(adherence: pd.DataFrame, tiers: pd.DataFrame, customers: pd.DataFrame | None = None, *,
                 n: int = 50, show_pii: bool = False) -> pd.DataFrame:
    """Customers overdue for a visit or care call, largest value at risk first; personal data masked.

    Parameters
    ----------
    adherence : DataFrame
        :func:`plan_adherence` output.
    tiers : DataFrame
        ``Tiers.frame`` (``value``, ``value_at_risk``).
    customers : DataFrame, optional
        The customers table: ``name`` and ``phone`` are added, masked unless ``show_pii``
        (:func:`crm_analysis.data.privacy.mask_pii`).
    n : int, default 50
        Rows returned.
    show_pii : bool, default False

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``tier``, ``last_contact``, ``overdue_days``, ``value``, ``value_at_risk``
        (and ``name``, ``phone`` when known).

    Examples
    --------
    >>> adh = pd.DataFrame({"tier": ["A", "B"], "last_contact": pd.to_datetime(["2024-01-01", None]),
    ...                     "overdue_days": [10.0, 40.0]}, index=pd.Index(["C1", "C2"], name="customer_id"))
    >>> val = pd.DataFrame({"value": [500.0, 90.0], "value_at_risk": [500.0, 90.0]}, index=["C1", "C2"])
    >>> cust = pd.DataFrame({"customer_id": ["C1"], "name": ["Wang Fang"], "phone": ["13812345678"]})
    >>> overdue_list(adh, val, cust)[["customer_id", "phone"]].values.tolist()
    [['C1', '138****5678'], ['C2', <NA>]]
    """
    due = adherence[adherence["overdue_days"] > 0].join(tiers[["value", "value_at_risk"]])
    due = due.sort_values(["value_at_risk", "overdue_days"], ascending=False).head(n).reset_index()
    out = due[["customer_id", "tier", "last_contact", "overdue_days", "value", "value_at_risk"]]
    return with_contact_details(out, customers, show_pii=show_pii)


def with_contact_details(frame: pd.DataFrame, customers: pd.DataFrame | None, *,
                         show_pii: bool = False) -> pd.DataFrame:
    """``frame`` with the customers' ``name`` and ``phone`` added (by ``customer_id``), masked unless ``show_pii``.

    Examples
    --------
    >>> cust = pd.DataFrame({"customer_id": ["C1"], "name": ["Wang Fang"], "phone": ["13812345678"]})
    >>> with_contact_details(pd.DataFrame({"customer_id": ["C1"]}), cust)["phone"].tolist()
    ['138****5678']
    """
    if customers is None or "customer_id" not in customers:
        return frame
    cols = [c for c in ("name", "phone") if c in customers]
    if not cols:
        return frame
    people = customers.drop_duplicates("customer_id").set_index("customer_id")[cols]
    people.index = people.index.astype("string")
    return mask_pii(frame.join(people, on="customer_id"), show_pii=show_pii)
