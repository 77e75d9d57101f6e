"""Customer lifetime value: discounted expected spend over a horizon."""

from __future__ import annotations

import numpy as np

from crm_analysis.models.clv._inputs import ArrayLike, _first_input, _wrap
from crm_analysis.models.clv.bgnbd import BetaGeoModel
from crm_analysis.models.clv.gammagamma import GammaGammaModel
from crm_analysis.models.clv.paretonbd import ParetoNBDModel


def customer_lifetime_value(
    transaction_model: BetaGeoModel | ParetoNBDModel,
    gamma_gamma: GammaGammaModel,
    frequency: ArrayLike,
    recency: ArrayLike,
    T: ArrayLike,
    monetary_value: ArrayLike,
    *,
    horizon: float = 12,
    discount_rate: float = 0.01,
    time_unit: float = 4.348125,
) -> ArrayLike:
    """Discounted expected value of each customer's purchases over the next ``horizon`` periods.

    ``CLV = sum_{k=1..horizon} [E[X(k)] - E[X(k-1)]] * E[order value] / (1 + d)^k``, where
    E[X(k)] is the conditional expected number of purchases in the next k periods
    (one period = ``time_unit`` time units of the data), E[order value] comes from
    the Gamma-Gamma model and d is the discount rate per period. Purchases in a
    period are discounted to its end, as lifetimes' ``customer_lifetime_value`` does.

    Parameters
    ----------
    transaction_model : BetaGeoModel or ParetoNBDModel
        Fitted model of the number of purchases.
    gamma_gamma : GammaGammaModel
        Fitted spend model.
    frequency, recency, T, monetary_value : array-like
        Customer summaries in the time unit the models were fitted in.
    horizon : float
        Number of discounting periods (default 12).
    discount_rate : float
        Discount rate per period (default 0.01, i.e. 1% a month with monthly periods).
    time_unit : float
        Length of one period in the data's time unit. The default 4.348125 is a month
        (30.4375 days) when the data are in weeks; use 30.4375 for data in days.

    Returns
    -------
    float, numpy.ndarray or pandas.Series
        CLV per customer, in the currency of ``monetary_value``; NaN where the spend
        model's expected order value does not exist (Gamma-Gamma q <= 1 and frequency 0,
        see :meth:`GammaGammaModel.expected_order_value`).

    Raises
    ------
    ValueError
        If ``horizon`` or ``time_unit`` is not positive, or ``discount_rate`` <= -1.

    Examples
    --------
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> gg = GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)
    >>> round(customer_lifetime_value(bg, gg, 2, 30.43, 38.86, 22.35, horizon=12, discount_rate=0.01), 2)
    36.31
    """
    if horizon <= 0 or time_unit <= 0 or discount_rate <= -1:
        raise ValueError("horizon and time_unit must be positive and discount_rate > -1")
    value = np.asarray(gamma_gamma.expected_order_value(frequency, monetary_value), dtype=float)
    steps = np.arange(1, int(np.ceil(horizon)) + 1, dtype=float)
    ends = np.minimum(steps, horizon)
    total = np.zeros(np.broadcast(np.atleast_1d(value)).shape)
    previous = 0.0
    for k, end in zip(steps, ends, strict=True):  # one vectorised pass per period, not per customer
        cumulative = np.asarray(transaction_model.expected_purchases(end * time_unit, frequency, recency, T))
        total = total + (cumulative - previous) * value / (1.0 + discount_rate) ** k
        previous = cumulative
    return _wrap(np.atleast_1d(total), _first_input(frequency, recency, T, monetary_value))
