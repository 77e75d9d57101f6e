"""The customer log (客户日志): contacts over time, contacts per customer by tier, and gaps in the log."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns

LOG_COLUMNS = ("customer_id", "date", "kind")


def contacts_over_time(interactions: pd.DataFrame, *, by: str = "kind", freq: str = "M") -> pd.DataFrame:
    """Contacts per period by a column of the log (kind of contact, or channel when the log has one).

    Parameters
    ----------
    interactions : DataFrame
        The customer log with ``date`` and the column ``by``.
    by : str, default "kind"
        Column to split by ("kind", "channel", "topic").
    freq : str, default "M"
        Period ("M" months, "Q" quarters, "W" weeks).

    Returns
    -------
    DataFrame
        One row per period (index ``period``, a string such as ``"2024-05"``), one column per value of ``by``,
        counts of contacts; missing values of ``by`` count as "(unknown)".

    Raises
    ------
    CRMDataError
        If ``date`` or ``by`` is missing.

    Examples
    --------
    >>> log = pd.DataFrame({"date": pd.to_datetime(["2024-01-05", "2024-01-20", "2024-02-01"]),
    ...                     "kind": ["visit", "complaint", "visit"]})
    >>> contacts_over_time(log).to_dict("index")
    {'2024-01': {'complaint': 1, 'visit': 1}, '2024-02': {'complaint': 0, 'visit': 1}}
    """
    require_columns(interactions, ["date", by], "table interactions")
    period = interactions["date"].dt.to_period(freq).astype("string").rename("period")
    group = interactions[by].astype("string").fillna("(unknown)")
    table = pd.crosstab(period, group).rename_axis(columns=by)
    return table.astype("int64")


def contacts_per_customer(interactions: pd.DataFrame, tiers: pd.Series) -> pd.DataFrame:
    """Contacts per customer by value tier: how much attention each tier gets.

    Parameters
    ----------
    interactions : DataFrame
        The customer log with ``customer_id`` and ``kind``.
    tiers : Series
        Value tier ("A", "B", "C") indexed by customer_id: the customers counted.

    Returns
    -------
    DataFrame
        Index ``tier``; columns ``customers``, ``contacts``, ``contacts_per_customer``,
        ``share_ever_contacted`` (0-1), then contacts per customer by kind (``per_customer_<kind>``).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "kind": ["visit", "complaint", "visit"]})
    >>> out = contacts_per_customer(log, pd.Series({"C1": "A", "C2": "B", "C3": "B"}))
    >>> out[["customers", "contacts", "share_ever_contacted"]].values.tolist()
    [[1.0, 2.0, 1.0], [2.0, 1.0, 0.5]]
    """
    require_columns(interactions, ["customer_id", "kind"], "table interactions")
    tiers = tiers.astype("string").rename("tier")
    log = interactions[interactions["customer_id"].isin(tiers.index)]
    per_customer = log.groupby("customer_id").size().reindex(tiers.index, fill_value=0)
    frame = pd.DataFrame({"tier": tiers, "contacts": per_customer})
    out = frame.groupby("tier").agg(customers=("contacts", "size"), contacts=("contacts", "sum"),
                                    share_ever_contacted=("contacts", lambda s: float((s > 0).mean())))
    out["contacts_per_customer"] = out["contacts"] / out["customers"]
    by_kind = pd.crosstab(log["customer_id"].map(tiers), log["kind"].astype("string"))
    by_kind = by_kind.reindex(out.index, fill_value=0).div(out["customers"], axis=0).add_prefix("per_customer_")
    out = out[["customers", "contacts", "contacts_per_customer", "share_ever_contacted"]].join(by_kind)
    out.columns.name = None
    return out


def log_gaps(interactions: pd.DataFrame, transactions: pd.DataFrame | None = None,
             customers: pd.DataFrame | None = None) -> pd.DataFrame:
    """Gaps in the customer log (客户日志的规范管理): buyers never contacted, contacts with no known customer.

    Parameters
    ----------
    interactions : DataFrame
        The customer log with ``customer_id``.
    transactions, customers : DataFrame, optional
        The known customers are those of either table; without both, only contacts with no customer
        key are counted.

    Returns
    -------
    DataFrame
        Columns ``gap`` (what is missing), ``rows`` (count), ``of`` (the count it is a share of) and
        ``share`` (0-1).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["C1", None, "C9"]})
    >>> tx = pd.DataFrame({"customer_id": ["C1", "C2"]})
    >>> log_gaps(log, tx)[["rows", "of"]].values.tolist()
    [[1, 2], [1, 3], [1, 3]]
    """
    require_columns(interactions, ["customer_id"], "table interactions")
    ids = interactions["customer_id"].astype("string")
    known: set[str] = set()
    for table in (transactions, customers):
        if table is not None and "customer_id" in table:
            known |= set(table["customer_id"].dropna().astype(str))
    rows = []
    if transactions is not None and "customer_id" in transactions:
        buyers = set(transactions["customer_id"].dropna().astype(str))
        rows.append((i18n.N_("buyers never contacted"), len(buyers - set(ids.dropna())), len(buyers)))
    rows.append((i18n.N_("contacts without a customer key"), int(ids.isna().sum()), len(ids)))
    if known:
        unknown = ids.notna() & ~ids.isin(known).fillna(False).astype(bool)
        rows.append((i18n.N_("contacts with an unknown customer"), int(unknown.sum()), len(ids)))
    out = pd.DataFrame(rows, columns=["gap", "rows", "of"])
    out["share"] = out["rows"] / out["of"].where(out["of"] > 0)
    return out
