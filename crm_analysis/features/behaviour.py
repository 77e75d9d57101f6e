"""Behaviour features of each customer strictly before a cut-off (chapter 3's model and reason inputs).

Purchases, returns, spend trend, category shares, contacts and complaints, read only from events
dated before the cut-off (one cut-off for everyone, or one per customer), so that a churn label
built after it cannot leak into the inputs.

Column names follow the package's one-name-per-meaning rule: ``n_orders`` counts orders,
``n_purchase_days`` distinct purchase days (``frequency`` is kept for the BG/NBD sense).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from crm_analysis.core.arrow_text import isin
from crm_analysis.core.checks import require_columns
from crm_analysis.core.crmdata import CRMData
from crm_analysis.features.categories import _category_shares
from crm_analysis.features.lines import PURCHASE, RETURN, kind_codes

__all__ = ["behaviour_features", "customer_attributes", "transaction_lines"]


def _day(value: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _flag(series: pd.Series) -> np.ndarray:
    """A nullable boolean-ish column as a plain numpy bool array (missing counts as False)."""
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def transaction_lines(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase and return lines with the columns the churn analysis relies on.

    Lines are read with the one rule of :mod:`crm_analysis.features.lines`: purchases and returns
    are kept (a return's amount is negative, Online Retail's cancellation invoices included);
    cancelled-before-payment, zero-price and adjustment lines are dropped.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (customer_id, order_date, amount; optionally status, order_id,
        quantity, product_category).

    Returns
    -------
    pandas.DataFrame
        customer_id, order_date (day), amount, is_return, order_key (the order id, else customer
        and day), quantity, product_category ("unknown" when missing, "all" without the column).

    Raises
    ------
    CRMDataError
        If a required column is missing.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A"], "amount": [5.0, -5.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-03"])})
    >>> transaction_lines(tx)["is_return"].tolist()
    [False, True]
    """
    tx = require_columns(transactions, ["customer_id", "order_date", "amount"], "table transactions")
    bad = tx["order_date"].isna() | tx["amount"].isna() | tx["customer_id"].isna()
    kind, money = kind_codes(tx)
    keep = ~bad.to_numpy() & ((kind == PURCHASE) | (kind == RETURN))
    tx = tx.loc[keep]
    amount = money[keep]
    # Text columns stay Arrow-backed (``.array``): a round trip through numpy objects costs more
    # than everything else here on millions of lines.
    out = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].astype(str).array,
            "order_date": pd.to_datetime(tx["order_date"]).dt.normalize().to_numpy(),
            "amount": amount,
            "is_return": kind[keep] == RETURN,
        }
    )
    out["order_key"] = tx["order_id"].astype(str).array if "order_id" in tx else (
        out["customer_id"] + "|" + out["order_date"].dt.strftime("%Y-%m-%d")
    )
    out["quantity"] = tx["quantity"].astype(float).to_numpy() if "quantity" in tx else np.nan
    out["product_category"] = (
        tx["product_category"].astype("string").fillna("unknown").array
        if "product_category" in tx else "all"
    )
    return out


def _map_dates(keys: pd.Series, dates: pd.Series) -> pd.Series:
    """``keys.map(dates)`` for a date Series, also when ``dates`` is empty (no customer lost, one
    buyer...): pandas cannot map through an empty datetime Series, the result is then all NaT."""
    if dates.empty:
        return pd.Series(pd.NaT, index=keys.index, dtype="datetime64[ns]")
    return pd.to_datetime(keys.map(dates))


def _cutoff_per_row(customer_ids: pd.Series, as_of: pd.Timestamp | pd.Series) -> np.ndarray:
    if isinstance(as_of, pd.Series):
        return _map_dates(customer_ids, as_of).to_numpy()
    return np.full(len(customer_ids), np.datetime64(_day(as_of), "ns"))


def behaviour_features(
    data: CRMData,
    as_of: str | pd.Timestamp | pd.Series,
    *,
    trend_days: int = 182,
    recent_days: int = 90,
    price_rise_date: str | None = None,
    customers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per-customer behaviour strictly before ``as_of`` (the inputs of churn models and reason codes).

    Parameters
    ----------
    data : CRMData
        Cleaned data with a transactions table (interactions and customers are used when present).
    as_of : str, Timestamp or Series
        The cut-off. A Series indexed by customer_id gives each customer their own cut-off (used
        for lost customers, whose behaviour is read up to the moment they were declared lost).
    trend_days : int, default 182
        Length of the "last period" compared with the one before it (spend trend).
    recent_days : int, default 90
        Window for "recent" complaints and returns.
    price_rise_date : str, optional
        Date of a known price rise; adds counts of orders before / after it (only when the date
        falls inside the transactions' date range).
    customers : iterable of str, optional
        Restrict to these customer ids.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: first_purchase, last_purchase, n_purchase_days (distinct purchase
        days), n_orders (distinct orders), gross_spend, monetary, recency_days, tenure_days, spend
        trend, returns, category shares, contacts and complaints, customer attributes. Only events
        dated strictly before the cut-off are used.

    Raises
    ------
    CRMDataError
        If the transactions table is missing or lacks a required column.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A"], "amount": [10.0, 30.0, 99.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-09-01"])})
    >>> f = behaviour_features(CRMData(transactions=tx), "2024-06-01")
    >>> f.loc["A", ["n_purchase_days", "monetary", "recency_days"]].tolist()
    [2.0, 40.0, 92.0]
    """
    tx = transaction_lines(require_columns(data.transactions, ["customer_id"], "table transactions"))
    if customers is not None:
        tx = tx.loc[isin(tx["customer_id"], customers)]
    cut = _cutoff_per_row(tx["customer_id"], as_of)
    tx = tx.loc[tx["order_date"].to_numpy() < cut].assign(cut=cut[tx["order_date"].to_numpy() < cut])
    # orders are only counted: numeric codes, made once, keep the five counts below cheap
    # (a missing order id stays missing and is not counted)
    codes = pd.factorize(tx["order_key"])[0]
    tx = tx.assign(order_key=np.where(codes >= 0, codes, np.nan))
    age = (tx["cut"] - tx["order_date"]).dt.days
    buys = tx.loc[~tx["is_return"]]
    b_age = age.loc[buys.index]
    g = buys.groupby("customer_id")
    f = pd.DataFrame({
        "first_purchase": g["order_date"].min(),
        "last_purchase": g["order_date"].max(),
        "cut_off": g["cut"].first(),
        "n_purchase_days": g["order_date"].nunique().astype(float),
        "n_orders": g["order_key"].nunique().astype(float),
        "gross_spend": g["amount"].sum(),
    })
    f["monetary"] = tx.groupby("customer_id")["amount"].sum().reindex(f.index).fillna(0.0)
    f["recency_days"] = (f["cut_off"] - f["last_purchase"]).dt.days.astype(float)
    f["tenure_days"] = (f["cut_off"] - f["first_purchase"]).dt.days.astype(float)
    # Unknown, not infinite, when none of the customer's lines has an order id.
    f["avg_order_value"] = (f["gross_spend"] / f["n_orders"]).where(f["n_orders"] > 0)
    span = (f["last_purchase"] - f["first_purchase"]).dt.days.astype(float)
    f["mean_gap_days"] = (span / (f["n_purchase_days"] - 1)).where(f["n_purchase_days"] > 1)
    f["overdue_ratio"] = f["recency_days"] / f["mean_gap_days"]
    units = buys["quantity"].where(buys["quantity"] > 0)
    f["avg_unit_price"] = f["gross_spend"] / units.groupby(buys["customer_id"]).sum().reindex(f.index)
    recent = buys.loc[b_age < trend_days].groupby("customer_id")["amount"].sum()
    previous = buys.loc[(b_age >= trend_days) & (b_age < 2 * trend_days)].groupby("customer_id")["amount"].sum()
    f["spend_last_period"] = recent.reindex(f.index).fillna(0.0)
    f["spend_previous_period"] = previous.reindex(f.index).fillna(0.0)
    f["spend_change"] = ((f["spend_last_period"] - f["spend_previous_period"])
                         / f["spend_previous_period"]).where(f["spend_previous_period"] > 0)
    f["spend_last_year"] = buys.loc[b_age < 365].groupby("customer_id")["amount"].sum().reindex(f.index).fillna(0.0)
    rets = tx.loc[tx["is_return"]]
    r_age = age.loc[rets.index]
    f["returns"] = rets.groupby("customer_id")["order_key"].nunique().reindex(f.index).fillna(0.0)
    f["returns_recent"] = (rets.loc[r_age < recent_days].groupby("customer_id")["order_key"].nunique()
                           .reindex(f.index).fillna(0.0))
    f["return_rate"] = (f["returns"] / f["n_orders"]).clip(upper=1.0)
    # what happened around the last order is what most often precedes leaving
    since_last = rets["order_date"] >= _map_dates(rets["customer_id"], f["last_purchase"])
    f["returns_since_last_purchase"] = (rets.loc[since_last].groupby("customer_id")["order_key"].nunique()
                                        .reindex(f.index).fillna(0.0))
    rise = _day(price_rise_date) if price_rise_date is not None else None
    # a price rise outside the data's dates (a default carried to another source) says nothing
    if rise is not None and tx["order_date"].min() < rise <= tx["order_date"].max():
        after = buys.loc[buys["order_date"] >= rise].groupby("customer_id")["order_key"].nunique()
        f["orders_after_price_rise"] = after.reindex(f.index).fillna(0.0)
        f["orders_before_price_rise"] = f["n_orders"] - f["orders_after_price_rise"]
        f["last_purchase_after_price_rise"] = (f["last_purchase"] >= rise).astype(float)
    f = f.join(_spend_shares(buys), how="left")
    f = f.join(_interaction_features(data, as_of, recent_days, f["last_purchase"]), how="left")
    f = f.join(customer_attributes(data.customers, f.index), how="left")
    return f.drop(columns=["cut_off"])


def _spend_shares(buys: pd.DataFrame, max_categories: int = 8) -> pd.DataFrame:
    """The feature layer's category shares; none when there is a single category (nothing to compare)."""
    if buys["product_category"].nunique() <= 1:
        return pd.DataFrame(index=pd.Index(buys["customer_id"].unique(), name="customer_id"))
    return _category_shares(buys[["customer_id", "product_category", "amount"]], max_categories)


def _interaction_features(data: CRMData, as_of: str | pd.Timestamp | pd.Series, recent_days: int,
                          last_purchase: pd.Series) -> pd.DataFrame:
    index = last_purchase.index
    it = data.interactions
    if it is None or not {"customer_id", "date", "kind"}.issubset(it.columns):
        return pd.DataFrame(index=index)
    it = it.loc[it["customer_id"].notna() & it["date"].notna()]
    ids = it["customer_id"].astype(str)
    cut = _cutoff_per_row(ids, as_of)
    dates = pd.to_datetime(it["date"]).dt.normalize().to_numpy()
    keep = dates < cut
    frame = pd.DataFrame({
        "customer_id": ids.to_numpy()[keep],
        "age": (cut[keep] - dates[keep]).astype("timedelta64[D]").astype(float),
        "complaint": it["kind"].astype("string").eq("complaint").fillna(False).to_numpy(dtype=bool)[keep],
        "resolved": _flag(it["resolved"])[keep] if "resolved" in it else np.ones(keep.sum(), bool),
        "satisfaction": (it["satisfaction"].astype(float).to_numpy()[keep]
                         if "satisfaction" in it else np.nan),
    })
    topic = (it["topic"].astype("string").str.lower() if "topic" in it
             else pd.Series(pd.NA, index=it.index, dtype="string"))
    # contacts about price (inquiries, feedback) reveal price sensitivity
    frame["price_topic"] = topic.str.contains("price|价", regex=True).fillna(False).to_numpy(dtype=bool)[keep]
    frame["unresolved"] = frame["complaint"] & ~frame["resolved"]
    frame["unresolved_recent"] = frame["unresolved"] & (frame["age"] < recent_days)
    last = _map_dates(frame["customer_id"], last_purchase).to_numpy()
    frame["after_last"] = frame["unresolved"] & (dates[keep] >= last - np.timedelta64(30, "D"))
    g = frame.groupby("customer_id")
    out = pd.DataFrame({
        "contacts": g.size().astype(float),
        "complaints": g["complaint"].sum().astype(float),
        "unresolved_complaints": g["unresolved"].sum().astype(float),
        "unresolved_complaints_recent": g["unresolved_recent"].sum().astype(float),
        "unresolved_around_last_purchase": g["after_last"].sum().astype(float),
        "price_contacts": g["price_topic"].sum().astype(float),
        "mean_satisfaction": g["satisfaction"].mean(),
        "min_satisfaction": g["satisfaction"].min(),
    }).reindex(index)
    counts = ["contacts", "complaints", "unresolved_complaints", "unresolved_complaints_recent", "price_contacts",
              "unresolved_around_last_purchase"]
    out[counts] = out[counts].fillna(0.0)
    return out


def customer_attributes(customers: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    """Customer type, acquisition channel and region of the customers in ``index`` (those present).

    Parameters
    ----------
    customers : pandas.DataFrame or None
        Canonical customers; None gives an empty frame.
    index : pandas.Index
        Customer ids to return, in order.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``index``; the first record of a customer id wins.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B"], "region": ["north", "south"]})
    >>> customer_attributes(c, pd.Index(["B", "X"]))["region"].tolist()
    ['south', nan]
    """
    if customers is None or "customer_id" not in customers:
        return pd.DataFrame(index=index)
    cols = [c for c in ("customer_type", "acquisition_channel", "region") if c in customers]
    attrs = customers.loc[customers["customer_id"].notna()].drop_duplicates("customer_id")
    attrs = attrs.set_index(attrs["customer_id"].astype(str))[cols]
    return attrs.reindex(index)
