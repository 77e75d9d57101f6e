"""Input checks of the feature layer: required transaction columns and their types, dates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.errors import CRMDataError


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
