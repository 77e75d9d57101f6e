"""Input validation and row grouping shared by the CLV models."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.core.errors import CRMDataError

ArrayLike = Any  # scalars, sequences, numpy arrays or pandas Series


def _as_float(values: ArrayLike, name: str) -> np.ndarray:
    """1-d float64 array of ``values``, rejecting missing and infinite values."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1:
        raise CRMDataError(f"{name} must be one-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise CRMDataError(f"{name} has missing or infinite values, e.g. at positions {_where(bad)}")
    return arr


def _where(mask: np.ndarray, limit: int = 5) -> str:
    """A few positions where ``mask`` holds, for error messages."""
    return ", ".join(str(i) for i in np.flatnonzero(mask)[:limit])


def _same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise CRMDataError(f"inputs must have the same length, got {lengths}")


def _check_frequency(frequency: np.ndarray) -> None:
    if (frequency < 0).any():
        raise CRMDataError(f"frequency must be >= 0, e.g. positions {_where(frequency < 0)}")
    fractional = frequency != np.round(frequency)
    if fractional.any():
        raise CRMDataError(
            f"frequency must be whole numbers of repeat purchases, e.g. positions {_where(fractional)}"
        )


def _validate_rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float arrays (frequency, recency, T)."""
    x = _as_float(frequency, "frequency")
    t_x = _as_float(recency, "recency")
    age = _as_float(T, "T")
    x, t_x, age = np.broadcast_arrays(x, t_x, age) if 1 in {len(x), len(t_x), len(age)} else (x, t_x, age)
    _same_length(frequency=x, recency=t_x, T=age)
    _check_frequency(x)
    if (t_x < 0).any():
        raise CRMDataError(f"recency must be >= 0, e.g. positions {_where(t_x < 0)}")
    # A little slack: recency and T are often rounded independently (e.g. to 2 decimals).
    late = t_x > age + 1e-9 * np.maximum(1.0, age)
    if late.any():
        raise CRMDataError(f"recency must be <= T (time since first purchase), e.g. positions {_where(late)}")
    lonely = (x == 0) & (t_x != 0)
    if lonely.any():
        raise CRMDataError(f"customers with frequency 0 must have recency 0, e.g. positions {_where(lonely)}")
    return x, t_x, age


def _validate_weights(weights: ArrayLike | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _as_float(weights, "weights")
    _same_length(weights=w, data=np.empty(n))
    if (w < 0).any() or w.sum() <= 0:
        raise CRMDataError("weights must be >= 0 with a positive total")
    return w


def _row_groups(codes: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row from per-column codes, and the first row of each group.

    ``codes`` holds, per column, the codes of :func:`pandas.factorize` and how many distinct
    values there are. Hash-based, no sorting and no DataFrame: a groupby's fixed cost is
    several times a whole fit on small data. Groups are numbered in order of first appearance.
    """
    key, span = codes[0]
    for column, n in codes[1:]:
        if span * n >= 2**62:  # Python ints: renumber before the combined code could overflow
            key, uniques = pd.factorize(key)
            span = len(uniques)
        key, span = key * n + column, span * n
    if len(codes) > 1:
        key = pd.factorize(key)[0]
    # A row is its group's first exactly where the running maximum of the codes goes up.
    running = np.maximum.accumulate(key) if len(key) else key
    first = np.flatnonzero(np.concatenate(([True], running[1:] > running[:-1]))) if len(key) else key
    return key, first


def _sum_groups(key: np.ndarray, first: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row and summed weight of each group with a positive total weight."""
    totals = np.bincount(key, weights=weights, minlength=len(first))
    keep = totals > 0
    return first[keep], totals[keep]


def _compress(columns: dict[str, np.ndarray], weights: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` with summed weights, zero-weight rows dropped."""
    codes = []
    for values in columns.values():
        column, uniques = pd.factorize(values)
        codes.append((column, len(uniques)))
    rows, totals = _sum_groups(*_row_groups(codes), weights)
    return {c: v[rows] for c, v in columns.items()}, totals


def _elapsed(t: ArrayLike) -> np.ndarray:
    """Forecast times as a 1-d float array; ValueError if one is negative."""
    t_arr = np.atleast_1d(np.asarray(t, dtype=np.float64))
    if (t_arr < 0).any():
        raise ValueError("t must be >= 0")
    return t_arr


def _wrap(result: np.ndarray, like: ArrayLike) -> ArrayLike:
    """Return a float for scalar input, a Series for Series input, else an array."""
    if isinstance(like, pd.Series):
        return pd.Series(result, index=like.index)
    if np.ndim(like) == 0:
        return float(result[0])
    return result


def _first_input(*inputs: ArrayLike) -> ArrayLike:
    """The input whose shape the output follows (the first Series or array, else a scalar)."""
    for value in inputs:
        if isinstance(value, pd.Series) or np.ndim(value) > 0:
            return value
    return inputs[0]
