"""The customer feature table, pandas engine: one row of features per customer (客户特征).

:func:`crm_analysis.features.customer_features` takes the transaction part from here (or from the
DuckDB/Spark engines) and joins the interaction and customer-card features with
:func:`_join_customer_tables`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.crmdata import CRMData
from crm_analysis.data.parsers import local_times
from crm_analysis.features.categories import _group_sums, _share_frame, _top_level
from crm_analysis.features.checks import _day_number
from crm_analysis.features.keys import _factorize_sorted, _fixed_width_keys, _level_codes, _runs, _sort_codes
from crm_analysis.features.lines import ADJUSTMENT, IGNORED, PURCHASE, RETURN, kind_codes, occasion_lines

_AGE_BINS = (0, 25, 35, 45, 55, 65, 200)


_AGE_LABELS = ("<25", "25-34", "35-44", "45-54", "55-64", "65+")


# Customer-card attributes copied onto the feature table when the source has them.
_ATTRIBUTES = ("customer_type", "gender", "region", "city", "acquisition_channel", "industry")


def age_band(age: pd.Series) -> pd.Series:
    """Age bands used in the demographic summaries (<25, 25-34, ..., 65+).

    Ages outside 15–100 are treated as unknown (they are data errors, not customers).

    Parameters
    ----------
    age : pandas.Series
        Ages in years.

    Returns
    -------
    pandas.Series
        The band of each age (``string`` dtype, missing where the age is unknown).

    Examples
    --------
    >>> age_band(pd.Series([19, 30.5, 70, 130])).tolist()
    ['<25', '25-34', '65+', <NA>]
    """
    valid = age.astype("float64").where(age.between(15, 100))
    bands = pd.cut(valid, bins=list(_AGE_BINS), labels=list(_AGE_LABELS), right=False)
    return bands.astype("string")


def _distinct_per_group(code: np.ndarray, n: int, key: np.ndarray, n_keys: int) -> np.ndarray:
    """Number of distinct ``key`` values (in ``0..n_keys-1``) per code."""
    pair = np.sort(code.astype(np.int64) * np.int64(n_keys) + key)
    return np.bincount(pair[_runs(pair)] // n_keys, minlength=n)


def _instants(dates: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """int64 instants (in the column's unit; UTC when time-zone aware) and local day numbers."""
    aware = getattr(dates.dtype, "tz", None) is not None
    local = dates.dt.tz_localize(None) if aware else dates
    instant = (dates.dt.tz_convert(None) if aware else dates).to_numpy()
    day = local.to_numpy().astype("datetime64[D]").astype(np.int64)
    return instant.view(np.int64), day


def _as_dates(instant: np.ndarray, like: pd.Series, index: pd.Index) -> pd.Series:
    """int64 instants back to the dtype of the date column ``like``."""
    unit = like.dtype.unit if hasattr(like.dtype, "unit") else np.datetime_data(like.dtype)[0]
    values = pd.Series(instant.view(f"datetime64[{unit}]"), index=index)
    tz = getattr(like.dtype, "tz", None)
    return values if tz is None else values.dt.tz_localize("UTC").dt.tz_convert(tz)


class _Lines:
    """Lines before ``as_of`` by kind (:mod:`crm_analysis.features.lines`), with integer customer codes.

    Attributes
    ----------
    ids : pandas.Index
        Customers with at least one purchase line, sorted (``string`` dtype, named customer_id).
    rows, code, amount : numpy.ndarray
        Positions in the table of the purchase lines, their customer codes (``ids[code]``) and amounts.
    counted : numpy.ndarray
        Per purchase line: True when its day is a purchase occasion (not returned the same day).
    return_rows, return_code, return_money : numpy.ndarray
        The same for the return lines of those customers (money negative).
    adjust_code, adjust_money : numpy.ndarray
        Customer codes and money of their adjustment lines.
    """

    def __init__(self, tx: pd.DataFrame, as_of: pd.Timestamp) -> None:
        before = (tx["order_date"] < as_of).to_numpy(dtype=bool)
        kind, money = kind_codes(tx)
        kind = np.where(before, kind, IGNORED)
        codes, uniques = _factorize_sorted(tx["customer_id"])
        day = _instants(tx["order_date"])[1]
        counted = occasion_lines(codes, day, kind, money) & (kind == PURCHASE)
        # Lines stay in table order: pandas sums groups with compensated (Kahan) sums unless the
        # group ids are sorted, so keeping the order gives exactly a plain group-by's sums.
        self.rows = np.flatnonzero(kind == PURCHASE)
        self.counted = counted[self.rows]
        present = np.bincount(codes[self.rows], minlength=len(uniques)) > 0
        renumber = np.where(present, np.cumsum(present) - 1, -1)
        self.ids = uniques[present].rename("customer_id")
        self.code = renumber[codes[self.rows]]
        # Returns and adjustments of customers without a purchase are not in the table.
        return_rows = np.flatnonzero(kind == RETURN)
        return_code = renumber[codes[return_rows]]
        self.return_rows, self.return_code = return_rows[return_code >= 0], return_code[return_code >= 0]
        self.return_money = money[self.return_rows]
        adjust_rows = np.flatnonzero(kind == ADJUSTMENT)
        adjust_code = renumber[codes[adjust_rows]]
        self.adjust_code, self.adjust_money = adjust_code[adjust_code >= 0], money[adjust_rows][adjust_code >= 0]
        self.amount = tx["amount"].to_numpy(dtype=np.float64)[self.rows]

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.ids)

    def levels(self, values: pd.Series) -> tuple[np.ndarray, pd.Index]:
        """Level codes of a text column on the purchase lines (sorted order, -1 where missing)."""
        codes, levels = _level_codes(values)
        return codes[self.rows], levels


def _order_codes(tx: pd.DataFrame, rows: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, int]:
    """Order identity of the purchase lines: ``order_id`` where present, otherwise the purchase day.

    Returns codes in ``0..k-1`` and ``k``. A missing order id stands for the key ``"day:YYYY-MM-DD"``,
    so it is the same order as a line whose order id is literally that text.
    """
    d0 = int(day.min()) if len(day) else 0
    if "order_id" not in tx.columns:
        return day - d0, int(day.max()) - d0 + 1 if len(day) else 1
    order_id = tx["order_id"]
    if not isinstance(order_id.dtype, pd.StringDtype):
        order_id = order_id.astype("string")
    compact = _fixed_width_keys(order_id)  # only when no order id is missing
    if compact is not None:
        codes, _, first = _sort_codes(compact[0][rows])
        return codes, max(int(first.sum()), 1)
    codes, uniques = pd.factorize(order_id.array)
    codes = codes[rows]
    missing = codes < 0
    if not missing.any():
        return codes, max(len(uniques), 1)
    days, inverse = np.unique(day[missing], return_inverse=True)
    keys = "day:" + pd.Index(days.astype("datetime64[D]")).strftime("%Y-%m-%d")
    found = pd.Index(uniques).get_indexer(keys)
    codes[missing] = np.where(found >= 0, found, len(uniques) + np.arange(len(days)))[inverse]
    return codes, len(uniques) + len(days)


def _base_features(tx: pd.DataFrame, lines: _Lines, as_of: pd.Timestamp, trend_period_days: int) -> pd.DataFrame:
    """Recency, frequency, monetary, tenure, order value, gaps, returns and spend trend."""
    n, code, rows, amount = lines.n, lines.code, lines.rows, lines.amount
    dates = tx["order_date"]
    instant, day = (a[rows] for a in _instants(dates))
    period = pd.Timedelta(days=trend_period_days)
    in_last = (dates >= as_of - period).to_numpy(dtype=bool)[rows]
    in_prev = (dates >= as_of - 2 * period).to_numpy(dtype=bool)[rows] & ~in_last
    sums = _group_sums(code, n, {"gross": amount, "last": np.where(in_last, amount, 0.0),
                                 "prev": np.where(in_prev, amount, 0.0)})
    returns_value = _group_sums(lines.return_code, n, {"r": -lines.return_money})["r"].to_numpy()
    adjustments = _group_sums(lines.adjust_code, n, {"a": lines.adjust_money})["a"].to_numpy()
    first, last = np.full(n, np.iinfo(np.int64).max), np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first, code, instant)
    np.maximum.at(last, code, instant)
    first_purchase, last_purchase = _as_dates(first, dates, lines.ids), _as_dates(last, dates, lines.ids)
    first_day, last_day = _instants(first_purchase)[1], _instants(last_purchase)[1]
    as_of_day = _day_number(as_of, "as_of")
    d0 = int(day.min()) if len(day) else 0
    # Orders and purchase days count only purchase occasions (a day not returned the same day).
    ok = lines.counted
    purchase_days = _distinct_per_group(code[ok], n, day[ok] - d0, int(day.max()) - d0 + 1 if len(day) else 1)
    order_codes, n_order_codes = _order_codes(tx, rows, day)
    orders = _distinct_per_group(code[ok], n, order_codes[ok], n_order_codes)
    gross = sums["gross"].to_numpy()
    net = gross - returns_value + adjustments
    with np.errstate(invalid="ignore", divide="ignore"):
        gaps = np.where(purchase_days > 1, (last_day - first_day) / (purchase_days - 1), np.nan)
        return_rate = np.where(gross > 0, returns_value / gross, np.nan)
        order_value = np.where(orders > 0, gross / orders, np.nan)
    out = pd.DataFrame({
        "recency_days": as_of_day - last_day,
        "n_orders": orders.astype(np.int64),
        "monetary": net,
        "gross_spend": gross,
        "returns_value": returns_value,
        "adjustments": adjustments,
        "tenure_days": as_of_day - first_day,
        "avg_order_value": order_value,
        "mean_interpurchase_days": gaps,
        "return_rate": return_rate,
        "spend_last_period": sums["last"].to_numpy(),
        "spend_prev_period": sums["prev"].to_numpy(),
    }, index=lines.ids)
    both = out["spend_last_period"] + out["spend_prev_period"]
    diff = out["spend_last_period"] - out["spend_prev_period"]
    out["spend_trend"] = (diff / both.where(both != 0)).fillna(0.0)
    out["first_purchase"] = first_purchase
    out["last_purchase"] = last_purchase
    return out


def _transaction_features(tx: pd.DataFrame, as_of: pd.Timestamp, trend_period_days: int,
                          max_categories: int) -> pd.DataFrame:
    """The features computed from the transaction lines (pandas engine), indexed by sorted customer id."""
    if getattr(tx["order_date"].dtype, "tz", None) is not None:  # zoned times: the one rule of data.parsers
        local, zone = local_times(tx["order_date"])
        tx = tx.assign(order_date=local)
        if zone is not None and as_of.tzinfo is not None:  # a zoned as-of date: the same local wall clock
            as_of = local_times(pd.Series([as_of]), time_zone=zone[0])[0].iloc[0]
    lines = _Lines(tx, as_of)
    features = _base_features(tx, lines, as_of, trend_period_days)
    if "product_category" in tx.columns:
        level, levels = lines.levels(tx["product_category"])
        if (level >= 0).any():
            shares = _share_frame(lines.code, level, levels, lines.amount, max_categories, tx["amount"].dtype)
            shares = shares.reindex(pd.RangeIndex(lines.n)).fillna(0.0).set_axis(lines.ids)
            features = pd.concat([features, shares], axis=1)
            features["main_category"] = _top_level(lines.code, lines.n, level, levels, lines.amount)
    if "sales_channel" in tx.columns:
        level, levels = lines.levels(tx["sales_channel"])
        if (level >= 0).any():
            features["main_sales_channel"] = _top_level(lines.code, lines.n, level, levels, lines.amount)
    return features


def _interaction_features(interactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Contacts, complaints, unresolved complaints and mean satisfaction before ``as_of``."""
    inter = interactions.loc[interactions["date"] < as_of]
    complaint = inter["kind"].eq("complaint").fillna(False)
    columns = {"n_complaints": complaint}
    if "resolved" in inter.columns:
        columns["unresolved_complaints"] = complaint & inter["resolved"].eq(False).fillna(False)
    if "satisfaction" in inter.columns:
        columns["mean_satisfaction"] = inter["satisfaction"].astype("float64")
    # One group-by (one factorisation of the customer ids) for every aggregate.
    grouped = pd.DataFrame(columns).groupby(inter["customer_id"])
    out = grouped[[c for c in columns if c != "mean_satisfaction"]].sum()
    out.insert(0, "n_interactions", grouped.size())
    if "mean_satisfaction" in columns:
        out["mean_satisfaction"] = grouped["mean_satisfaction"].mean()
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


def _join_customer_tables(base: pd.DataFrame, data: CRMData, as_of: pd.Timestamp,
                          include_attributes: bool) -> pd.DataFrame:
    """The transaction features ``base`` joined with the interaction and customer-card features.

    Whichever engine computed ``base``, the small interaction and customer tables are joined here.
    """
    parts = [base]
    interactions = data.interactions
    if interactions is not None and {"customer_id", "date", "kind"} <= set(interactions.columns):
        inter = _interaction_features(interactions, as_of).reindex(base.index)
        counts = [c for c in ("n_interactions", "n_complaints", "unresolved_complaints") if c in inter]
        inter[counts] = inter[counts].fillna(0).astype("int64")
        parts.append(inter)
    customers = data.customers
    if include_attributes and customers is not None and "customer_id" in customers.columns:
        parts.append(_attributes(customers, as_of).reindex(base.index))
    features = pd.concat(parts, axis=1) if len(parts) > 1 else base
    share_cols = [c for c in features.columns if c.startswith("share_")]
    features[share_cols] = features[share_cols].fillna(0.0)
    features.index = features.index.astype("string")
    features.index.name = "customer_id"
    return features if features.index.is_monotonic_increasing else features.sort_index()
