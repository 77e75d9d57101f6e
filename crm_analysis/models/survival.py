"""Survival analysis (生存分析) with statsmodels: Kaplan–Meier curves and Cox hazard ratios.

lifelines, the usual library, pins pandas < 3, which this project cannot use; statsmodels'
``SurvfuncRight`` and ``PHReg`` give the same estimates.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from statsmodels.duration.hazard_regression import PHReg
from statsmodels.duration.survfunc import SurvfuncRight

__all__ = ["cox_hazard_ratios", "distinct_columns", "kaplan_meier"]


def kaplan_meier(frame: pd.DataFrame, by: str | None = None, *, min_group: int = 20) -> pd.DataFrame:
    """Kaplan–Meier retention curves (statsmodels ``SurvfuncRight``), one per group.

    Groups smaller than ``min_group`` customers, or without any event, are left out (their curves
    are noise).

    Parameters
    ----------
    frame : pandas.DataFrame
        ``duration`` (float) and ``event`` (bool) per customer, plus ``by``.
    by : str, optional
        Grouping column; missing values form the group "unknown".
    min_group : int, default 20

    Returns
    -------
    pandas.DataFrame
        group, time, retention, se, customers.

    Examples
    --------
    >>> f = pd.DataFrame({"duration": [1.0, 2.0, 3.0, 4.0], "event": [True, False, True, True]})
    >>> kaplan_meier(f, min_group=1)["retention"].round(3).tolist()
    [0.75, 0.375, 0.0]
    """
    groups = frame.groupby(frame[by].astype("string").fillna("unknown")) if by else [("all", frame)]
    parts = []
    for name, g in groups:
        if len(g) < min_group or not g["event"].any():
            continue
        sf = SurvfuncRight(g["duration"].to_numpy(dtype=float), g["event"].to_numpy(dtype=float))
        parts.append(pd.DataFrame({"group": name, "time": sf.surv_times, "retention": sf.surv_prob,
                                   "se": sf.surv_prob_se, "customers": len(g)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["group", "time", "retention", "se", "customers"])


def distinct_columns(values: np.ndarray) -> np.ndarray:
    """Mask keeping the first of each group of identical columns of a 2-D float array.

    ``DataFrame.T.duplicated()`` does the same but builds a one-million-column frame and loops over
    it; ``np.unique`` over the (few) columns sorts them as whole vectors instead. Missing values
    (NaN) match each other.

    Examples
    --------
    >>> distinct_columns(np.array([[1.0, 1.0, 2.0], [np.nan, np.nan, 3.0]])).tolist()
    [True, False, True]
    """
    keep = np.zeros(values.shape[1], dtype=bool)
    if values.shape[1]:
        # NaN never equals itself; a sentinel lets two identical columns with gaps match
        filled = np.where(np.isnan(values), np.inf, values)
        _, first = np.unique(np.ascontiguousarray(filled.T), axis=0, return_index=True)
        keep[first] = True
    return keep


def cox_hazard_ratios(frame: pd.DataFrame, covariates: Sequence[str], *, min_level: int = 20) -> pd.DataFrame:
    """Cox proportional-hazards model (statsmodels ``PHReg``): hazard ratios with 95% intervals.

    Text covariates are one-hot encoded against their most common level (the reference); levels
    with fewer than ``min_level`` customers are pooled into "other". Numeric covariates enter as
    they are (a ratio per unit). Constant covariates and copies of another one are dropped.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``duration``, ``event`` and the covariates.
    covariates : sequence of str
    min_level : int, default 20

    Returns
    -------
    pandas.DataFrame
        covariate, hazard_ratio, ci_lower, ci_upper, p_value; no rows when no covariate varies
        (every level pooled into "other", or constant).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(["a", "b"], 200)
    >>> t = rng.exponential(np.where(g == "a", 10, 5))
    >>> f = pd.DataFrame({"duration": t, "event": True, "grp": g})
    >>> hr = cox_hazard_ratios(f, ["grp"]).iloc[0]
    >>> hr["covariate"], bool(1.5 < hr["hazard_ratio"] < 2.7)
    ('grp=b (vs a)', True)
    >>> len(cox_hazard_ratios(f, ["grp"], min_level=500))
    0
    """
    parts = []
    for col in covariates:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parts.append(values.astype(float).rename(col))
            continue
        values = values.astype("string").fillna("unknown")
        counts = values.value_counts()
        values = values.where(values.isin(counts[counts >= min_level].index), "other")
        reference = values.value_counts().index[0]
        dummies = pd.get_dummies(values, dtype=float).drop(columns=reference)
        dummies.columns = [f"{col}={c} (vs {reference})" for c in dummies.columns]
        parts.append(dummies)
    X = pd.concat(parts, axis=1)
    X = X.loc[:, X.std() > 0]
    X = X.loc[:, distinct_columns(X.to_numpy())]  # e.g. segment = contract type: identical columns are singular
    if X.shape[1] == 0:  # nothing varies (e.g. every level pooled into "other" on a few customers)
        return pd.DataFrame({"covariate": pd.Series(dtype="string"), "hazard_ratio": pd.Series(dtype=float),
                             "ci_lower": pd.Series(dtype=float), "ci_upper": pd.Series(dtype=float),
                             "p_value": pd.Series(dtype=float)})
    ok = X.notna().all(axis=1).to_numpy()
    result = PHReg(frame["duration"].to_numpy(dtype=float)[ok], X.to_numpy()[ok],
                   status=frame["event"].to_numpy(dtype=float)[ok], ties="efron").fit()
    ci = np.exp(np.asarray(result.conf_int()))
    return pd.DataFrame({"covariate": X.columns, "hazard_ratio": np.exp(result.params),
                         "ci_lower": ci[:, 0], "ci_upper": ci[:, 1], "p_value": result.pvalues})
