"""The buy-till-you-die customer summary (pandas engine): :func:`rfm_summary`.

Frequency, recency, age ``T`` and mean repeat spend per customer, named as lifetimes and
pymc-marketing name them; the models of :mod:`crm_analysis.models.clv` are fitted on it. The DuckDB
and Spark engines compute the same table from the same definitions (:mod:`crm_analysis.features.sql`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.data.parsers import local_times
from crm_analysis.features.checks import _day_number, _validate_transactions
from crm_analysis.features.keys import _customer_codes, _fixed_width_keys, _runs
from crm_analysis.features.lines import IGNORED, kind_codes, occasion_lines

# Length of one time unit in days. A month is a twelfth of the Julian year.
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12, "Y": 365.25}


def _occasions(customer: np.ndarray, day: np.ndarray, amount: np.ndarray) -> tuple[np.ndarray, ...]:
    """Collapse lines to purchase occasions (customer, day), sorted by customer then day.

    Returns customer codes, day numbers and summed amounts of the occasions, and the index of
    one line of each occasion. ``customer`` may be any non-negative integer key of the customer.
    """
    d0 = day.min()
    span = np.int64(day.max() - d0 + 1)
    # In place: every temporary of ten million lines costs page faults (a third of the time).
    key = customer.astype(np.int64)
    key *= span
    key += day
    key -= d0
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
    return occ_key // span, occ_key % span + d0, occ_amount, order[starts]


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
    time_zone: str | None = None,
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
    first purchase falls after it are absent. Which lines are purchases and returns is the
    one rule of :mod:`crm_analysis.features.lines`: an occasion is worth its purchases net of
    the same day's returns, and a day whose purchases were all returned that day is no occasion.

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
    time_zone : str, optional
        Business time zone for a tz-aware date column (days are taken from its local times);
        default: the column's own zone (:func:`crm_analysis.data.parsers.local_times`).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (sorted), columns ``frequency`` (int64), ``recency``,
        ``T``, ``monetary_value`` (float64) and, with ``calibration_end``, the
        holdout columns.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
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

    day = local_times(transactions[date_col], time_zone=time_zone)[0].to_numpy().astype("datetime64[D]").view(np.int64)
    # The one line rule (crm_analysis.features.lines): purchase and return lines on purchase occasions,
    # each occasion worth its purchases net of the same day's returns.
    rule = transactions if amount_col == "amount" else transactions.rename(columns={amount_col: "amount"})
    kind, money = kind_codes(rule)
    kind = np.where(day <= end_day, kind, IGNORED)
    ids = transactions[customer_col]
    keep = occasion_lines(pd.factorize(ids.array)[0], day, kind, money)
    rows = np.flatnonzero(keep)
    day = day[keep]
    amount = money[keep]
    compact = _fixed_width_keys(ids) if len(rows) else None
    if compact is not None and compact[1] * (int(day.max()) - int(day.min()) + 1) < 2**62:
        # Ids of one width: one sort by (customer, day) both factorises the ids and finds the occasions.
        cust, occ_day, occ_amount, occ_line = _occasions(compact[0][rows], day, amount)
        new_customer = _runs(cust)
        index = pd.Index(ids.array.take(rows[occ_line[new_customer]]), name=customer_col).astype("string")
        cust = np.cumsum(new_customer) - 1
    else:
        codes, index = _customer_codes(ids, rows)
        cust, occ_day, occ_amount, _ = _occasions(codes, day, amount) if len(rows) else (codes, day, amount, None)
    return _summarise(cust, occ_day, occ_amount, index.rename(customer_col), cal_day, end_day, unit,
                      calibration_end)


def _summarise(
    cust: np.ndarray,
    occ_day: np.ndarray,
    occ_amount: np.ndarray,
    ids: pd.Index,
    cal_day: int,
    end_day: int,
    unit: float,
    calibration_end: object | None,
) -> pd.DataFrame:
    """The summary table from the purchase occasions (sorted by customer code 0..n-1, then day)."""
    columns = ["frequency", "recency", "T", "monetary_value"]
    if calibration_end is not None:
        columns += ["frequency_holdout", "monetary_value_holdout", "duration_holdout"]
    if len(cust) == 0:
        empty = pd.DataFrame({c: pd.Series(dtype="int64" if "frequency" in c else "float64") for c in columns})
        empty.index = pd.Index([], dtype="string", name=ids.name)
        return empty
    n = len(ids)
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
    result = pd.DataFrame(data, index=ids)
    # Customers whose first purchase is after the calibration end are not in the calibration sample.
    # The ids are sorted already (see _customer_codes).
    return result.loc[first_day <= cal_day]


def _period(as_of: Any, calibration_end: Any, time_unit: str) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}, not {time_unit!r}")
    end = pd.Timestamp(as_of).normalize()
    cal = end if calibration_end is None else pd.Timestamp(calibration_end).normalize()
    if cal > end:
        raise ValueError(f"calibration_end ({calibration_end}) is after as_of ({as_of})")
    return end, cal, TIME_UNITS[time_unit]
