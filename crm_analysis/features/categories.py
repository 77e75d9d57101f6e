"""Spend per customer and level (product category, sales channel): shares and the main level.

Used by the pandas engine on the lines and by the SQL engines on spend already summed per
customer and level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.features.keys import _customer_codes, _level_codes, _runs


def _group_sums(code: np.ndarray, n: int, columns: dict[str, np.ndarray]) -> pd.DataFrame:
    """Compensated sums of each column by code, rows 0..n-1 (0 for a code without lines).

    The codes are given to pandas as a categorical, so the group-by does not hash them again.
    """
    groups = pd.Categorical.from_codes(code, categories=pd.RangeIndex(n))
    return pd.DataFrame(columns).groupby(groups, observed=False).sum()


def _top_level(code: np.ndarray, n: int, level: np.ndarray, levels: pd.Index, amount: np.ndarray) -> pd.Index:
    """Per customer code 0..n-1, the level with the most spend; the first in sorted order on ties.

    Missing where all of a customer's lines miss the level.
    """
    known = level >= 0
    n_levels = max(len(levels), 1)
    pair = code[known].astype(np.int64) * n_levels + level[known]
    exists = np.bincount(pair, minlength=n * n_levels) > 0
    spend = _group_sums(pair, n * n_levels, {"a": amount[known]})["a"].to_numpy()
    key = np.flatnonzero(exists)  # sorted by customer, then level
    value = spend[key]
    customer = key // n_levels
    starts = np.flatnonzero(_runs(customer))
    best = np.repeat(np.maximum.reduceat(value, starts), np.diff(np.append(starts, len(key)))) if len(key) else value
    top = np.flatnonzero(value == best)
    top = top[_runs(customer[top])]  # the first (smallest) level among a customer's maxima
    main = np.full(n, -1)
    main[customer[top]] = key[top] % n_levels
    return levels.take(main, allow_fill=True, fill_value=pd.NA)


def _share_frame(code: np.ndarray, level: np.ndarray, levels: pd.Index, amount: np.ndarray, max_categories: int,
                 dtype: object) -> pd.DataFrame:
    """Share of each customer's positive spend per category, indexed by the codes that have any.

    Missing categories count as ``unknown``; categories outside the ``max_categories`` largest
    (by positive spend) are pooled as ``other``.
    """
    positive = amount > 0
    code, level, amount = code[positive], level[positive], amount[positive]
    labels = pd.Index([*levels.tolist(), "unknown"], dtype="string")
    label_of, names = pd.factorize(labels.array, sort=True)  # "unknown" may also be a real category
    label = label_of[np.where(level >= 0, level, len(levels))]
    exists = np.bincount(label, minlength=len(names)) > 0
    present = np.flatnonzero(exists)  # only the categories with positive spend
    totals = pd.Series(_group_sums(label, len(names), {"a": amount})["a"].to_numpy()[present],
                       index=pd.Index(names).astype("string")[present])
    top = totals.nlargest(max_categories).index
    column, columns = pd.factorize(totals.index.where(totals.index.isin(top), "other").array, sort=True)
    column_of = np.full(len(names), -1)
    column_of[present] = column
    k, n = len(columns), int(code.max()) + 1 if len(code) else 0
    spend = _group_sums(code.astype(np.int64) * k + column_of[label], n * k, {"a": amount})["a"].to_numpy()
    rows = np.flatnonzero(np.bincount(code, minlength=n) > 0)
    matrix = spend.reshape(n, k)[rows]
    # Built like pandas' unstack (one block, the same memory order), so the row sums round alike.
    frame = pd.DataFrame(matrix, index=rows, copy=False).astype(dtype)
    shares = frame.div(frame.sum(axis=1), axis=0)
    names = [f"share_{str(c).strip().lower().replace(' ', '_')}" for c in columns]
    if len(set(names)) == len(names):
        return shares.set_axis(names, axis=1)
    # "Home" and "home" name the same column: their shares add up.
    merged: dict[str, pd.Series] = {}
    for name, position in zip(names, range(len(names)), strict=True):
        part = shares.iloc[:, position]
        merged[name] = merged[name] + part if name in merged else part
    return pd.DataFrame(merged)


def _top_by_spend(purchases: pd.DataFrame, column: str) -> pd.Series:
    """Per customer, the level of ``column`` with the most spend (first alphabetically on ties).

    Customers whose lines all miss the level are absent. :mod:`crm_analysis.features.sql` calls it on
    spend already summed per customer and level.
    """
    code, ids = _customer_codes(purchases["customer_id"], np.arange(len(purchases)))
    level, levels = _level_codes(purchases[column])
    main = _top_level(code, len(ids), level, levels, purchases["amount"].to_numpy(dtype=np.float64))
    return pd.Series(main, index=ids.rename("customer_id"), name=column).dropna()


def _category_shares(purchases: pd.DataFrame, max_categories: int) -> pd.DataFrame:
    """Share of each customer's spend per product category (the largest categories, rest pooled).

    :mod:`crm_analysis.features.sql` calls it on spend already summed per customer and category.
    """
    code, ids = _customer_codes(purchases["customer_id"], np.arange(len(purchases)))
    level, levels = _level_codes(purchases["product_category"])
    amount = purchases["amount"]
    shares = _share_frame(code, level, levels, amount.to_numpy(dtype=np.float64, na_value=np.nan),
                          max_categories, amount.dtype)
    shares.index = ids[shares.index].rename("customer_id")
    return shares
