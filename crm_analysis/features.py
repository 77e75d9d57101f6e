"""Customer features computed from the canonical tables.

For now this module holds :func:`rfm_summary`, the per-customer summary that the
buy-till-you-die models of :mod:`crm_analysis.clv` are fitted on (frequency,
recency, age ``T`` and mean repeat spend, named as lifetimes and pymc-marketing
name them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.crmdata import CRMData
from crm_analysis.errors import CRMDataError

# Length of one time unit in days. A month is a twelfth of the Julian year.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}

_COMPLETED = "completed"


def _day_number(value: object, name: str) -> int:
    """Whole days since 1970-01-01 of a date-like scalar (the time of day is dropped)."""
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a date, got {value!r}") from exc
    if pd.isna(stamp):
        raise ValueError(f"{name} must be a date, got {value!r}")
    return int(np.datetime64(stamp.to_datetime64(), "D").astype(np.int64))


def _examples(mask: np.ndarray, index: pd.Index, limit: int = 5) -> str:
    """A few row labels where ``mask`` holds, for error messages."""
    rows = index[np.flatnonzero(mask)[:limit]]
    return ", ".join(str(r) for r in rows)


def _validate_transactions(frame: pd.DataFrame, cols: dict[str, str]) -> None:
    """Check that the needed columns exist, have usable types and no missing values."""
    missing = [c for c in cols.values() if c not in frame.columns]
    if missing:
        raise CRMDataError(
            f"transactions: missing required column(s) {', '.join(map(repr, missing))} "
            f"(columns present: {', '.join(map(str, frame.columns))})"
        )
    date_col, amount_col = cols["date"], cols["amount"]
    if not pd.api.types.is_datetime64_any_dtype(frame[date_col]):
        raise CRMDataError(
            f"transactions: column {date_col!r} must hold dates (datetime64), not {frame[date_col].dtype}; "
            f"convert it with pandas.to_datetime first (first values: {list(frame[date_col].head(3))})"
        )
    if not pd.api.types.is_numeric_dtype(frame[amount_col]):
        raise CRMDataError(
            f"transactions: column {amount_col!r} must be numeric, not {frame[amount_col].dtype}"
        )
    for col in cols.values():
        isna = frame[col].isna().to_numpy()
        if isna.any():
            raise CRMDataError(
                f"transactions: column {col!r} has {int(isna.sum()):,} missing value(s), "
                f"e.g. rows {_examples(isna, frame.index)}; clean the data first"
            )


def _occasions(customer: np.ndarray, day: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, ...]:
    """Collapse lines to purchase occasions (customer, day), sorted by customer then day.

    Returns customer codes, day numbers and summed amounts of the occasions.
    """
    d0 = day.min()
    span = np.int64(day.max() - d0 + 1)
    key = customer.astype(np.int64) * span + (day - d0)
    # One sort of an int64 key is much faster than a multi-column groupby; the order of
    # equal keys does not matter because their amounts are summed.
    order = np.argsort(key)
    key = key[order]
    start = np.empty(len(key), dtype=bool)
    start[0] = True
    np.not_equal(key[1:], key[:-1], out=start[1:])
    starts = np.flatnonzero(start)
    occ_amount = np.add.reduceat(amount[order], starts)
    occ_key = key[starts]
    return occ_key // span, occ_key % span + d0, occ_amount


def _per_customer(code: np.ndarray, n: int, values: np.ndarray) -> np.ndarray:
    """Sum ``values`` by customer code."""
    return np.bincount(code, weights=values, minlength=n)


def rfm_summary(
    transactions: pd.DataFrame,
    *,
    as_of: object,
    calibration_end: object | None = None,
    time_unit: str = "D",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Buy-till-you-die summary per customer: frequency, recency, T and monetary value.

    Lines are first collapsed to *purchase occasions*: all lines of a customer on
    one calendar day are one occasion, their amounts summed. Then, over the
    observation period that ends at ``calibration_end`` if given, else ``as_of``
    (both inclusive, whole days):

    - ``frequency``: number of repeat occasions (occasions - 1);
    - ``recency``: time from the first to the last occasion (0 if no repeat);
    - ``T``: time from the first occasion to the end of the period (the customer's age);
    - ``monetary_value``: mean value of the repeat occasions (0 when ``frequency`` is 0),
      the first purchase excluded as in Fader & Hardie's Gamma-Gamma model.

    Only lines dated on or before the end of the period count, and customers whose
    first purchase falls after it are absent. When the table has a ``status`` column
    only ``"completed"`` lines are purchases (returned, cancelled and missing
    statuses are ignored).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (customer, date and amount columns; optional ``status``).
    as_of : date-like
        Last day of the data (end of the holdout period when ``calibration_end`` is given).
    calibration_end : date-like, optional
        Last day of the calibration period. When given, the result also has the
        holdout columns of lifetimes' ``calibration_and_holdout_data``:
        ``frequency_holdout`` (occasions in ``(calibration_end, as_of]``),
        ``monetary_value_holdout`` (their mean value, 0 if none) and
        ``duration_holdout`` (length of the holdout period).
    time_unit : {"D", "W", "M", "Y"}
        Unit of ``recency``, ``T`` and ``duration_holdout``: days, weeks (days / 7),
        months (days / 30.4375) or years (days / 365.25). Dates are whole days, so
        with "D" the values are integers.
    customer_col, date_col, amount_col : str
        Column names, canonical by default.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), columns ``frequency`` (int64), ``recency``,
        ``T``, ``monetary_value`` (float64) and, with ``calibration_end``, the
        holdout columns.

    Raises
    ------
    crm_analysis.errors.CRMDataError
        If a column is missing, has the wrong type or missing values.
    ValueError
        If ``time_unit`` is unknown, a date is invalid or ``calibration_end`` is after ``as_of``.

    Examples
    --------
    >>> import pandas as pd
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A", "B"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-01", "2024-01-08", "2024-01-05"]),
    ...                    "amount": [10.0, 5.0, 20.0, 7.0]})
    >>> rfm_summary(tx, as_of="2024-01-15", time_unit="W")
                 frequency  recency         T  monetary_value
    customer_id
    A                    1      1.0  2.000000            20.0
    B                    0      0.0  1.428571             0.0
    """
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}, not {time_unit!r}")
    unit = TIME_UNITS[time_unit]
    end_day = _day_number(as_of, "as_of")
    cal_day = end_day if calibration_end is None else _day_number(calibration_end, "calibration_end")
    if cal_day > end_day:
        raise ValueError(f"calibration_end ({calibration_end}) is after as_of ({as_of})")
    cols = {"customer": customer_col, "date": date_col, "amount": amount_col}
    _validate_transactions(transactions, cols)

    day = transactions[date_col].to_numpy().astype("datetime64[D]").astype(np.int64)
    keep = day <= end_day
    if "status" in transactions.columns:
        keep &= (transactions["status"] == _COMPLETED).fillna(False).to_numpy(dtype=bool)
    # Factorise the extension array itself (Arrow strings are hashed without making Python objects).
    codes, uniques = pd.factorize(transactions[customer_col].array[keep])
    day = day[keep]
    amount = transactions[amount_col].to_numpy(dtype=np.float64, na_value=np.nan)[keep]
    return _summarise(codes, uniques, day, amount, cal_day, end_day, unit, customer_col, calibration_end)


def _summarise(
    codes: np.ndarray,
    uniques: np.ndarray,
    day: np.ndarray,
    amount: np.ndarray,
    cal_day: int,
    end_day: int,
    unit: float,
    index_name: str,
    calibration_end: object | None,
) -> pd.DataFrame:
    """Aggregate purchase lines (already filtered to the period) into the summary table."""
    columns = ["frequency", "recency", "T", "monetary_value"]
    if calibration_end is not None:
        columns += ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    if len(codes) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype="int64" if "frequency" in c else "float64") for c in columns})
        empty.index = pd.Index([], dtype="string", name=index_name)
        return empty
    n = len(uniques)
    cust, occ_day, occ_amount = _occasions(codes, day, amount)
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    first_day = occ_day[starts]
    in_cal = occ_day <= cal_day
    n_cal = np.bincount(cust, weights=in_cal, minlength=n).astype(np.int64)
    # Occasions are sorted by day within customer, so the max of the masked days is the last one.
    last_day = np.maximum.reduceat(np.where(in_cal, occ_day, np.iinfo(np.int64).min), starts)
    repeat_value = _per_customer(cust, n, np.where(in_cal, occ_amount, 0.0)) - occ_amount[starts]
    frequency = n_cal - 1
    with np.errstate(invalid="ignore", divide="ignore"):
        monetary = np.where(frequency > 0, repeat_value / np.maximum(frequency, 1), 0.0)
    data = {
        "frequency": frequency,
        "recency": (last_day - first_day) / unit,
        "T": (cal_day - first_day) / unit,
        "monetary_value": monetary,
    }
    if calibration_end is not None:
        n_hold = np.bincount(cust, weights=~in_cal, minlength=n).astype(np.int64)
        hold_value = _per_customer(cust, n, np.where(in_cal, 0.0, occ_amount))
        data["frequency_holdout"] = n_hold
        data["monetary_value_holdout"] = np.where(n_hold > 0, hold_value / np.maximum(n_hold, 1), 0.0)
        data["duration_holdout"] = np.full(n, (end_day - cal_day) / unit)
    index = pd.Index(uniques, dtype="string", name=index_name)
    result = pd.DataFrame(data, index=index)
    # Customers whose first purchase is after the calibration end are not in the calibration sample.
    return result.loc[first_day <= cal_day].sort_index()


__all__ = ["TIME_UNITS", "rfm_summary"]


# ---------------------------------------------------------------------------
# Customer feature table (chapter 2, segmentation). Everything below is added
# by the segmentation chapter; rfm_summary above is the CLV chapter's.

_AGE_BINS = (0, 25, 35, 45, 55, 65, 200)
_AGE_LABELS = ("<25", "25-34", "35-44", "45-54", "55-64", "65+")
# Customer-card attributes copied onto the feature table when the source has them.
_ATTRIBUTES = ("customer_type", "gender", "region", "city", "acquisition_channel", "industry")


def age_band(age: pd.Series) -> pd.Series:
    """Age bands used in the demographic summaries (<25, 25-34, ..., 65+).

    Ages outside 15–100 are treated as unknown (they are data errors, not customers).

    Examples
    --------
    >>> age_band(pd.Series([19, 30.5, 70, 130])).tolist()
    ['<25', '25-34', '65+', <NA>]
    """
    valid = age.astype("float64").where(age.between(15, 100))
    bands = pd.cut(valid, bins=list(_AGE_BINS), labels=list(_AGE_LABELS), right=False)
    return bands.astype("string")


def _order_keys(purchases: pd.DataFrame) -> pd.Series:
    """Order identity: ``order_id`` where present, otherwise the customer's purchase day."""
    day_key = purchases["order_date"].dt.strftime("%Y-%m-%d")
    if "order_id" not in purchases.columns:
        return day_key
    return purchases["order_id"].astype("string").fillna("day:" + day_key)


def _top_by_spend(purchases: pd.DataFrame, column: str) -> pd.Series:
    """Per customer, the level of ``column`` with the most spend (first alphabetically on ties)."""
    spend = purchases.groupby(["customer_id", column], observed=True)["amount"].sum().reset_index()
    spend = spend.sort_values(["customer_id", "amount", column], ascending=[True, False, True])
    return spend.drop_duplicates("customer_id").set_index("customer_id")[column].astype("string")


def _category_shares(purchases: pd.DataFrame, max_categories: int) -> pd.DataFrame:
    """Share of each customer's spend per product category (the largest categories, rest pooled)."""
    positive = purchases.loc[purchases["amount"] > 0]
    category = positive["product_category"].astype("string").fillna("unknown")
    top = positive["amount"].groupby(category).sum().nlargest(max_categories).index
    category = category.where(category.isin(top), "other")
    spend = positive["amount"].groupby([positive["customer_id"], category]).sum().unstack(fill_value=0.0)
    shares = spend.div(spend.sum(axis=1), axis=0)
    shares.columns = [f"share_{str(c).strip().lower().replace(' ', '_')}" for c in shares.columns]
    return shares


def _interaction_features(interactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Contacts, complaints, unresolved complaints and mean satisfaction before ``as_of``."""
    inter = interactions.loc[interactions["date"] < as_of]
    complaint = inter["kind"].eq("complaint").fillna(False)
    out = pd.DataFrame({
        "n_interactions": inter.groupby("customer_id").size(),
        "n_complaints": complaint.groupby(inter["customer_id"]).sum(),
    })
    if "resolved" in inter.columns:
        unresolved = complaint & inter["resolved"].eq(False).fillna(False)
        out["unresolved_complaints"] = unresolved.groupby(inter["customer_id"]).sum()
    if "satisfaction" in inter.columns:
        out["mean_satisfaction"] = inter["satisfaction"].astype("float64").groupby(inter["customer_id"]).mean()
    return out


def _attributes(customers: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Customer-card attributes (one row per customer id; the last record wins) and age at ``as_of``."""
    cards = customers.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    out = cards[[c for c in _ATTRIBUTES if c in cards.columns]].copy()
    if "birth_date" in cards.columns:
        out["age"] = (as_of - cards["birth_date"]).dt.days / 365.25
        out["age_band"] = age_band(out["age"])
    if "signup_date" in cards.columns:
        out["signup_date"] = cards["signup_date"]
    return out


def customer_features(
    data: CRMData,
    *,
    as_of: object,
    trend_period_days: int = 182,
    max_categories: int = 8,
    include_attributes: bool = True,
    engine: str = "pandas",
) -> pd.DataFrame:
    """One row of features per customer, from events strictly before ``as_of`` (客户特征).

    Purchases are lines with status ``completed`` (all lines when there is no status);
    returns are lines with status ``returned`` (their amounts are negative); cancelled
    lines are ignored. An order is an ``order_id`` (or, without one, a purchase day).

    Columns
        ``recency_days`` (days from the last purchase day to ``as_of``), ``frequency``
        (orders), ``monetary`` (net spend: purchases minus returns), ``gross_spend``,
        ``returns_value``, ``tenure_days`` (days since the first purchase),
        ``avg_order_value`` (gross spend per order), ``mean_interpurchase_days`` (mean gap
        between purchase days; missing for one purchase day), ``return_rate`` (returns over
        gross spend), ``spend_last_period`` / ``spend_prev_period`` (spend in the last
        ``trend_period_days`` before ``as_of`` and the period before that), ``spend_trend``
        (``(last - prev) / (last + prev)``, from -1 = stopped to +1 = new, 0 when both are 0),
        ``first_purchase``, ``last_purchase``; with product categories ``share_<category>``
        (share of spend) and ``main_category``; with sales channels ``main_sales_channel``;
        with interactions ``n_interactions``, ``n_complaints``, ``unresolved_complaints``,
        ``mean_satisfaction``; with a customers table (``include_attributes``)
        ``customer_type``, ``gender``, ``region``, ``city``, ``acquisition_channel``,
        ``industry``, ``age``, ``age_band``, ``signup_date`` where present.

    Parameters
    ----------
    data : CRMData
        Cleaned tables; needs ``transactions``.
    as_of : date-like
        Analysis date; only events before it count.
    trend_period_days : int, default 182
        Length of each of the two periods compared by ``spend_trend``.
    max_categories : int, default 8
        Largest number of category share columns; smaller categories are pooled as ``other``.
    include_attributes : bool, default True
        Join the customer-card attributes.
    engine : {"pandas", "duckdb", "spark"}, default "pandas"
        Who reduces the transaction lines to customers: pandas in memory, DuckDB (out of core,
        see :func:`crm_analysis.engines.customer_features_duckdb`) or Spark
        (:func:`crm_analysis.engines.customer_features_spark`). The values are the same; the
        small interaction and customer tables are always joined in pandas.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), customers with at least one purchase before ``as_of``.

    Raises
    ------
    crm_analysis.errors.CRMDataError
        If there is no transactions table or a needed column is missing or incomplete.
    ValueError
        If ``engine`` is not one of the three.

    Examples
    --------
    >>> from crm_analysis.crmdata import CRMData
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A", "B"], "order_id": ["1", "2", "2", "3"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-03-05", "2024-02-01"]),
    ...                    "amount": [100.0, 50.0, -20.0, 10.0],
    ...                    "status": ["completed", "completed", "returned", "completed"]})
    >>> f = customer_features(CRMData(transactions=tx), as_of="2024-04-01")
    >>> f[["recency_days", "frequency", "monetary", "avg_order_value", "return_rate"]]
                 recency_days  frequency  monetary  avg_order_value  return_rate
    customer_id
    A                      31          2     130.0             75.0     0.133333
    B                      60          1      10.0             10.0     0.000000
    """
    tx = data.transactions
    if tx is None:
        raise CRMDataError(
            f"customer_features needs a transactions table; source {data.source!r} has only "
            f"{', '.join(data.present())}"
        )
    _validate_transactions(tx, {"customer": "customer_id", "date": "order_date", "amount": "amount"})
    as_of_ts = pd.Timestamp(as_of)
    if engine != "pandas":
        # The transaction lines are the big table: another engine reduces them to customers.
        from crm_analysis.engines import customer_features_with

        base = customer_features_with(engine, tx, as_of=as_of_ts, trend_period_days=trend_period_days,
                                      max_categories=max_categories)
        parts = [base]
    else:
        tx = tx.loc[tx["order_date"] < as_of_ts]
        status = tx["status"] if "status" in tx.columns else pd.Series("completed", index=tx.index)
        purchases = tx.loc[status.eq("completed").fillna(False)]
        returned = tx.loc[status.eq("returned").fillna(False)]
        base = _base_features(purchases, returned, as_of_ts, trend_period_days)
        parts = [base]
        if "product_category" in purchases.columns and purchases["product_category"].notna().any():
            parts.append(_category_shares(purchases, max_categories))
            parts.append(_top_by_spend(purchases.dropna(subset=["product_category"]), "product_category")
                         .rename("main_category"))
        if "sales_channel" in purchases.columns and purchases["sales_channel"].notna().any():
            parts.append(_top_by_spend(purchases.dropna(subset=["sales_channel"]), "sales_channel")
                         .rename("main_sales_channel"))
    interactions = data.interactions
    if interactions is not None and {"customer_id", "date", "kind"} <= set(interactions.columns):
        inter = _interaction_features(interactions, as_of_ts).reindex(base.index)
        counts = [c for c in ("n_interactions", "n_complaints", "unresolved_complaints") if c in inter]
        inter[counts] = inter[counts].fillna(0).astype("int64")
        parts.append(inter)
    customers = data.customers
    if include_attributes and customers is not None and "customer_id" in customers.columns:
        parts.append(_attributes(customers, as_of_ts))
    features = pd.concat([p.reindex(base.index) for p in parts], axis=1)
    share_cols = [c for c in features.columns if c.startswith("share_")]
    features[share_cols] = features[share_cols].fillna(0.0)
    features.index = features.index.astype("string")
    features.index.name = "customer_id"
    return features.sort_index()


def _base_features(
    purchases: pd.DataFrame, returned: pd.DataFrame, as_of: pd.Timestamp, trend_period_days: int
) -> pd.DataFrame:
    """Recency, frequency, monetary, tenure, order value, gaps, returns and spend trend."""
    by_customer = purchases.groupby("customer_id")
    day = purchases["order_date"].dt.normalize()
    first, last = by_customer["order_date"].min(), by_customer["order_date"].max()
    gross = by_customer["amount"].sum()
    orders = _order_keys(purchases).groupby(purchases["customer_id"]).nunique()
    purchase_days = day.groupby(purchases["customer_id"]).nunique()
    returns_value = (-returned["amount"]).clip(lower=0).groupby(returned["customer_id"]).sum()
    returns_value = returns_value.reindex(gross.index, fill_value=0.0)
    as_of_day = as_of.normalize()
    period = pd.Timedelta(days=trend_period_days)
    last_window = purchases["order_date"] >= as_of - period
    prev_window = (purchases["order_date"] >= as_of - 2 * period) & ~last_window
    spend_last = purchases["amount"].where(last_window, 0.0).groupby(purchases["customer_id"]).sum()
    spend_prev = purchases["amount"].where(prev_window, 0.0).groupby(purchases["customer_id"]).sum()
    span_days = (last.dt.normalize() - first.dt.normalize()).dt.days
    out = pd.DataFrame({
        "recency_days": (as_of_day - last.dt.normalize()).dt.days.astype("int64"),
        "frequency": orders.astype("int64"),
        "monetary": (gross - returns_value).astype("float64"),
        "gross_spend": gross.astype("float64"),
        "returns_value": returns_value.astype("float64"),
        "tenure_days": (as_of_day - first.dt.normalize()).dt.days.astype("int64"),
        "avg_order_value": (gross / orders).astype("float64"),
        "mean_interpurchase_days": (span_days / (purchase_days - 1)).where(purchase_days > 1),
        "return_rate": (returns_value / gross.where(gross > 0)).astype("float64"),
        "spend_last_period": spend_last.astype("float64"),
        "spend_prev_period": spend_prev.astype("float64"),
        "first_purchase": first,
        "last_purchase": last,
    })
    both = out["spend_last_period"] + out["spend_prev_period"]
    diff = out["spend_last_period"] - out["spend_prev_period"]
    out.insert(11, "spend_trend", (diff / both.where(both != 0)).fillna(0.0))
    return out


__all__ += ["age_band", "customer_features"]
