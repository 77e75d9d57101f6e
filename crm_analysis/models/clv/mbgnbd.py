"""MBG/NBD (Batislam, Denizel & Filiztekin 2007; Hoppe & Wagner 2007): BG/NBD with dropout at time 0 too."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import betaln, expit, gammaln

from crm_analysis.models.clv._inputs import (
    ArrayLike,
    _elapsed,
    _first_input,
    _validate_rfm,
    _wrap,
)
from crm_analysis.models.clv.base import _NumericalRFMModel
from crm_analysis.models.clv.bgnbd import BG_MEANINGS, _bg_expected_purchases, _bgnbd_alive_purchases


def _mbg_log_odds_dead(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                       age: np.ndarray) -> np.ndarray:
    """log P(dropped out by T | data) - log P(alive at T | data) = ln(a / (b + x)) + (r+x) ln((alpha+T)/(alpha+t_x))."""
    r, alpha, a, b = params
    return np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))


def _mbg_loglik(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                age: np.ndarray) -> np.ndarray:
    """Per-customer MBG/NBD log-likelihood (Batislam et al. 2007, eq. 4), for every x including 0."""
    r, alpha, a, b = params
    alive = (gammaln(r + x) - gammaln(r) + r * np.log(alpha) - (r + x) * np.log(alpha + age)
             + betaln(a, b + x + 1.0) - betaln(a, b))
    return alive + np.logaddexp(0.0, _mbg_log_odds_dead(params, x, t_x, age))


class ModifiedBetaGeoModel(_NumericalRFMModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007; Hoppe & Wagner 2007).

    As BG/NBD (purchases at Poisson rate lambda ~ gamma(r, alpha), dropout with probability
    p ~ beta(a, b) after a purchase), except that a customer may also drop out right after the
    *first* purchase: one-time buyers are no longer certainly alive, and P(alive) falls with
    the time since the last purchase for everyone. Fitted by L-BFGS-B on log-parameters
    (numerical gradient), standard errors and diagnostics from a numerical Hessian.

    Parameters
    ----------
    maxiter : int
        Maximum L-BFGS-B iterations.
    tol : float
        Relative tolerance on the log-likelihood.

    Attributes
    ----------
    params_, standard_errors_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b`` (alpha in the time unit of the data).
    log_likelihood_ : float
    converged_ : bool
        Optimiser stopped normally and every parameter is interior and identified.
    status_ : str
    n_customers_ : int

    Examples
    --------
    >>> m = ModifiedBetaGeoModel.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
    >>> round(m.probability_alive(0, 0, 38.86), 3)
    0.39
    """

    _param_names = ("r", "alpha", "a", "b")
    _bound_meanings: ClassVar[dict[tuple[str, str], str]] = BG_MEANINGS

    _per_customer = staticmethod(_mbg_loglik)
    _time_params = (False, True, False, False)
    _model_label = "MBG/NBD"

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """P(alive | x, t_x, T) = 1 / (1 + a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x)).

        Examples
        --------
        >>> m = ModifiedBetaGeoModel.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> round(m.probability_alive(2, 30.43, 38.86), 3)
        0.706
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        return _wrap(expit(-_mbg_log_odds_dead(self._p(), x, t_x, age)), _first_input(frequency, recency, T))

    def expected_purchases(self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """E[purchases in (T, T + t] | x, t_x, T]: P(alive) times the BG/NBD expectation with b + x + 1.

        Alive at T after x + 1 purchases (the first included), the customer's dropout
        probability is beta(a, b + x + 1); from then on the process is BG/NBD's.

        Examples
        --------
        >>> m = ModifiedBetaGeoModel.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> round(m.expected_purchases(39, 2, 30.43, 38.86), 3)
        1.263
        """
        return _bg_expected_purchases(self, t, frequency, recency, T, 1.0)

    def expected_purchases_new_customer(self, t: ArrayLike) -> ArrayLike:
        """Unconditional E[X(t)]: survive the first purchase (b / (a + b)), then BG/NBD with b + 1.

        Raises
        ------
        ValueError
            If a time is negative.

        Examples
        --------
        >>> m = ModifiedBetaGeoModel.from_params(r=0.525, alpha=6.183, a=0.891, b=1.614)
        >>> round(m.expected_purchases_new_customer(39), 3)
        1.183
        """
        r, alpha, a, b = self._p()
        t_arr = _elapsed(t)
        return _wrap(b / (a + b) * _bgnbd_alive_purchases(t_arr, alpha, a, b + 1.0, r), t)
