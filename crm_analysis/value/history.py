"""Historical value (历史价值) per customer and its concentration (Pareto / ABC, Gini)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.checks import require_columns
from crm_analysis.features.abc import abc_tiers, concentration
from crm_analysis.features.lines import ADJUSTMENT, IGNORED, PURCHASE, RETURN, kind_codes, occasion_lines
from crm_analysis.value.periods import _TX_REQUIRED


def historical_value(transactions: pd.DataFrame, *, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """Historical value per customer (历史价值): net spend, gross sales, returns, orders before ``as_of``.

    Lines are read with the one rule of :mod:`crm_analysis.features.lines`: purchases add to gross
    sales, returns (status ``returned``, negative lines, Online Retail's cancellation invoices)
    subtract, adjustments (fees, postage) add to net spend without being orders, zero-price and
    cancelled-before-payment lines are ignored. Orders are distinct order ids (else purchase days)
    on purchase occasions: a day whose purchases were returned the same day is no order.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions: ``customer_id``, ``order_date``, ``amount``; optional
        ``status``, ``order_id``, ``stock_code``.
    as_of : date-like
        Analysis date; only lines strictly before it count.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id``, every customer with a counted line (also those with only
        returns, whose net is negative): ``revenue`` (net spend = gross − returns + adjustments),
        ``gross_revenue``, ``n_orders``, ``average_order_value`` (gross per order), ``returns``
        (return lines), ``returned_value``, ``adjustments``, ``return_rate`` (returns / n_orders),
        ``first_purchase``, ``last_purchase``, ``tenure_days``, ``recency_days`` (nullable integers:
        missing for a customer without a purchase line), ``net_group`` (``"positive"`` or
        ``"zero or negative"``: the latter are not ranked as top customers).

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a required column is missing.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A", "B", "C", "C"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-03", "2024-01-04",
    ...                                   "2024-01-04"]),
    ...     "amount": [100.0, 50.0, -20.0, 30.0, 80.0, -80.0],
    ...     "status": ["completed", "completed", "returned", "completed", "completed", "cancelled"]})
    >>> historical_value(tx, as_of="2024-01-11")[["revenue", "n_orders", "returns", "tenure_days", "net_group"]]
                 revenue  n_orders  returns  tenure_days          net_group
    customer_id
    A              130.0         2        1           10           positive
    B               30.0         1        0            8           positive
    C                0.0         0        1            7  zero or negative
    """
    require_columns(transactions, _TX_REQUIRED, "transactions")
    as_of = pd.Timestamp(as_of).normalize()
    tx = transactions.loc[transactions["order_date"] < as_of]
    kind, money = kind_codes(tx)
    customer = tx["customer_id"].astype("string")
    day = tx["order_date"].dt.normalize()
    counted = occasion_lines(pd.factorize(customer.array)[0], day.to_numpy().astype("datetime64[D]").view("int64"),
                             kind, money) & (kind == PURCHASE)
    purchase, returned = kind == PURCHASE, kind == RETURN
    has_order_id = "order_id" in tx.columns and tx["order_id"].notna().any()
    order_key = tx["order_id"].astype("string").fillna(day.astype("string")) if has_order_id else day
    parts = pd.DataFrame(
        {
            "customer_id": customer,
            "sale": np.where(purchase, money, 0.0),
            "refund": np.where(returned, -money, 0.0),
            "adjust": np.where(kind == ADJUSTMENT, money, 0.0),
            "is_return": returned.astype("int64"),
            "purchase_day": day.where(purchase),
            "order_key": order_key.where(counted),
        }
    ).loc[kind != IGNORED]
    grouped = parts.groupby("customer_id", sort=True)
    out = grouped.agg(
        gross_revenue=("sale", "sum"),
        returned_value=("refund", "sum"),
        adjustments=("adjust", "sum"),
        returns=("is_return", "sum"),
        n_orders=("order_key", "nunique"),
        first_purchase=("purchase_day", "min"),
        last_purchase=("purchase_day", "max"),
    )
    out["revenue"] = out["gross_revenue"] - out["returned_value"] + out["adjustments"]
    out["average_order_value"] = (out["gross_revenue"] / out["n_orders"]).where(out["n_orders"] > 0)
    out["return_rate"] = (out["returns"] / out["n_orders"]).where(out["n_orders"] > 0)
    out["tenure_days"] = (as_of - out["first_purchase"]).dt.days.astype("Int64")
    out["recency_days"] = (as_of - out["last_purchase"]).dt.days.astype("Int64")
    out["n_orders"] = out["n_orders"].astype("int64")
    out["returns"] = out["returns"].astype("int64")
    out["net_group"] = pd.array(np.where(out["revenue"].round(2) > 0, "positive", "zero or negative"),
                                dtype="string")
    columns = ["revenue", "gross_revenue", "n_orders", "average_order_value", "returns", "returned_value",
               "adjustments", "return_rate", "first_purchase", "last_purchase", "tenure_days", "recency_days",
               "net_group"]
    return out[columns]


def net_groups(history: pd.DataFrame) -> pd.DataFrame:
    """Customers with net spend > 0 and those with net spend ≤ 0, side by side (净消费分组).

    Customers whose returns and cancellations cancel everything they bought (Online Retail's 12346:
    one order of £77,183.60 cancelled the same day) are a group of their own: they are never ranked as
    top customers nor put in value tier A.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`historical_value` output (``net_group``, ``revenue``, ``gross_revenue``,
        ``returned_value``, ``n_orders``).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``net_group`` (``positive``, then ``zero or negative``; a group without customers is
        a row of zeros): ``customers``, ``gross_revenue``, ``returned_value``, ``revenue`` (net, currency
        units) and ``n_orders``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a column is missing.

    Examples
    --------
    >>> h = pd.DataFrame({"net_group": ["positive", "zero or negative"], "revenue": [130.0, 0.0],
    ...                   "gross_revenue": [150.0, 80.0], "returned_value": [20.0, 80.0], "n_orders": [2, 0]})
    >>> net_groups(h)["customers"].tolist(), net_groups(h)["gross_revenue"].tolist()
    ([1, 1], [150.0, 80.0])
    """
    columns = ["gross_revenue", "returned_value", "revenue", "n_orders"]
    require_columns(history, ("net_group", *columns), "historical value")
    table = history.groupby(history["net_group"].astype("string"))[columns].sum()
    table.insert(0, "customers", history["net_group"].astype("string").value_counts())
    table = table.reindex(["positive", "zero or negative"]).fillna(0)
    table["customers"] = table["customers"].astype("int64")
    table["n_orders"] = table["n_orders"].astype("int64")
    table.index.name = "net_group"
    return table


def concentration_summary(values: pd.Series, *, a_share: float = 0.80, b_share: float = 0.95) -> pd.DataFrame:
    """Headline concentration figures, reusing chapter 2's Pareto / ABC (:mod:`crm_analysis.segment`).

    Parameters
    ----------
    values : pandas.Series
        Value per customer (net revenue; negative counts as 0).
    a_share, b_share : float
        ABC thresholds on the cumulative share of value.

    Returns
    -------
    pandas.DataFrame
        One column ``value`` indexed by figure: ``customers``, ``revenue``, ``gini``,
        ``top_20pct_value_share``, ``customer_share_for_80pct`` and, per ABC class,
        ``tier_X_customers`` and ``tier_X_value_share``.

    Examples
    --------
    >>> s = concentration_summary(pd.Series([80.0, 15.0, 5.0, 0.0], index=list("wxyz")))
    >>> float(s.loc["top_20pct_value_share", "value"]), float(s.loc["tier_A_customers", "value"])
    (0.8, 1.0)
    """
    stats = concentration(values).rename({"top_share_of_revenue": "top_20pct_value_share"})
    tiers = abc_tiers(values, a=a_share, b=b_share)
    clipped = values.astype("float64").fillna(0.0).clip(lower=0.0)
    total = clipped.sum()
    rows = stats.to_dict()
    for tier in "ABC":
        members = (tiers == tier).to_numpy()
        rows[f"tier_{tier}_customers"] = float(members.sum())
        rows[f"tier_{tier}_value_share"] = float(clipped[members].sum() / total) if total > 0 else 0.0
    return pd.DataFrame({"value": pd.Series(rows, dtype="float64")})
