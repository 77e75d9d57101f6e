"""Time conventions of the chapter: observation end, calibration end, holdout length, required columns.

``as_of`` is the analysis date as :func:`crm_analysis.app.report.resolve_as_of` gives it (by default
the day *after* the last transaction), so the observation period ends the day before
(:func:`observation_end`); a calibration period ends on ``calibration_end`` (inclusive) and the
holdout runs from the next day to the observation end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.errors import CRMDataError

_TX_REQUIRED = ("customer_id", "order_date", "amount")


_SUMMARY_REQUIRED = ("frequency", "recency", "T", "monetary_value")


_HOLDOUT_REQUIRED = (*_SUMMARY_REQUIRED, "frequency_holdout", "monetary_value_holdout", "duration_holdout")


def observation_end(as_of: str | pd.Timestamp) -> pd.Timestamp:
    """Last day of the observation period: the day before the analysis date ``as_of``.

    Examples
    --------
    >>> observation_end("1998-07-01")
    Timestamp('1998-06-30 00:00:00')
    """
    return pd.Timestamp(as_of).normalize() - pd.Timedelta(days=1)


def default_calibration_end(as_of: str | pd.Timestamp, holdout_weeks: int) -> pd.Timestamp:
    """Calibration end that leaves exactly ``holdout_weeks`` weeks of holdout before ``as_of``.

    Examples
    --------
    >>> default_calibration_end("1998-07-01", 39)  # CDNOW: the paper's 1997-09-30
    Timestamp('1997-09-30 00:00:00')
    """
    if holdout_weeks <= 0:
        raise ValueError(f"holdout_weeks must be positive, got {holdout_weeks}")
    return observation_end(as_of) - pd.Timedelta(weeks=holdout_weeks)


def _holdout_length(summary: pd.DataFrame) -> float:
    """The (common) length of the holdout period of a calibration/holdout summary."""
    duration = summary["duration_holdout"].to_numpy(dtype="float64")
    if len(duration) == 0 or not np.allclose(duration, duration[0]):
        raise CRMDataError("calibration/holdout summary: duration_holdout must be the same for every customer")
    return float(duration[0])
