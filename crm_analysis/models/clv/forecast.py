"""Cohort tracking forecast: expected cumulative repeat purchases (Fader, Hardie & Lee 2005, fig. 2)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.models.clv._inputs import ArrayLike, _as_float
from crm_analysis.models.clv.bgnbd import BetaGeoModel
from crm_analysis.models.clv.paretonbd import ParetoNBDModel


def cumulative_repeat_forecast(
    model: BetaGeoModel | ParetoNBDModel,
    first_purchase_times: ArrayLike,
    horizon: float,
    step: float = 1,
) -> pd.Series:
    """Cohort tracking forecast: expected cumulative repeat purchases of all customers.

    At time k (since the start of the cohort's acquisition window) it is
    ``sum_i E[X(k - t0_i)]`` over customers with first purchase at t0_i <= k, using the
    unconditional expectation, as in Fader, Hardie & Lee (2005, figure 2). Customers
    sharing a first-purchase time are evaluated once.

    Parameters
    ----------
    model : BetaGeoModel or ParetoNBDModel
        Fitted model (time unit of ``first_purchase_times``).
    first_purchase_times : array-like
        Time of each customer's first purchase, from the start of the window.
    horizon : float
        Last time of the forecast.
    step : float
        Spacing of the forecast times.

    Returns
    -------
    pandas.Series
        Expected cumulative repeat purchases indexed by time ``step, 2 step, ..., horizon``.

    Raises
    ------
    ValueError
        If ``step`` or ``horizon`` is not positive or a time is negative.

    Examples
    --------
    >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> cumulative_repeat_forecast(m, [0, 0, 1], horizon=2).round(3).tolist()
    [0.107, 0.26]
    """
    if step <= 0 or horizon <= 0:
        raise ValueError("step and horizon must be positive")
    t0 = _as_float(first_purchase_times, "first_purchase_times")
    if (t0 < 0).any():
        raise ValueError("first_purchase_times must be >= 0")
    times = np.arange(step, horizon + step / 2, step, dtype=float)
    starts, counts = np.unique(t0, return_counts=True)
    elapsed = np.maximum(times[:, None] - starts[None, :], 0.0)
    expected = np.asarray(model.expected_purchases_new_customer(elapsed.ravel()), dtype=float)
    forecast = expected.reshape(elapsed.shape) @ counts
    return pd.Series(forecast, index=pd.Index(times, name="time"), name="expected_repeat_purchases")
