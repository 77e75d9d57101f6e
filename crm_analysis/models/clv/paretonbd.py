"""Pareto/NBD (Schmittlein, Morrison & Colombo 1987; Fader & Hardie 2005 expressions)."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from crm_analysis.models.clv._inputs import (
    ArrayLike,
    _elapsed,
    _first_input,
    _validate_rfm,
    _wrap,
)
from crm_analysis.models.clv.base import _NumericalRFMModel


def _pareto_log_a0(
    params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray, age: np.ndarray
) -> np.ndarray:
    """log A0 of Fader & Hardie (2005, eqs. 19-20), computed stably.

    With m = max(alpha, beta), c = r+s+x+1 and b2 = s+1 (alpha >= beta) or r+x
    (alpha < beta), A0 = F(t_x) - F(T) where
    F(t) = 2F1(r+s+x, b2; c; |alpha-beta|/(m+t)) / (m+t)^(r+s+x).
    Euler's transformation 2F1(c-1, b2; c; z) = (1-z)^(1-b2) 2F1(1, c-b2; c; z)
    leaves a series bounded by 1/(1-z), so nothing overflows for large x; the
    difference is taken in logs (log F(t_x) >= log F(T)).
    """
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        big, small, b2 = alpha, beta, s + 1.0 + 0.0 * x
    else:
        big, small, b2 = beta, alpha, r + x
    c = rsx + 1.0

    def log_f(t: np.ndarray) -> np.ndarray:
        log_1mz = np.log(small + t) - np.log(big + t)
        z = (big - small) / (big + t)
        return (1.0 - b2) * log_1mz + np.log(hyp2f1(1.0, c - b2, c, z)) - rsx * np.log(big + t)

    l_tx, l_t = log_f(t_x), log_f(age)
    with np.errstate(divide="ignore"):
        return l_tx + np.log(-np.expm1(np.minimum(l_t - l_tx, 0.0)))


def _pareto_loglik(params: tuple[float, float, float, float], x: np.ndarray, t_x: np.ndarray,
                   age: np.ndarray) -> np.ndarray:
    """Per-customer Pareto/NBD log-likelihood (Fader & Hardie 2005, eq. 18)."""
    r, alpha, s, beta = params
    head = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    alive_term = -(r + x) * np.log(alpha + age) - s * np.log(beta + age)
    dead_term = np.log(s) - np.log(r + s + x) + _pareto_log_a0(params, x, t_x, age)
    return head + np.logaddexp(alive_term, dead_term)


class ParetoNBDModel(_NumericalRFMModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987).

    While alive a customer buys at Poisson rate lambda ~ gamma(r, alpha); lifetimes
    are exponential with rate mu ~ gamma(s, beta). The likelihood uses the
    numerically stable form of :func:`_pareto_log_a0`; the gradient is numerical.

    Parameters
    ----------
    maxiter : int
        Maximum L-BFGS-B iterations.
    tol : float
        Relative tolerance on the log-likelihood.

    Attributes
    ----------
    params_, standard_errors_ : pandas.Series
        ``r``, ``alpha``, ``s``, ``beta``.
    log_likelihood_ : float
    converged_ : bool
    n_customers_ : int

    Examples
    --------
    >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
    >>> round(m.probability_alive(2, 30.43, 38.86), 3)
    0.869
    """

    _param_names = ("r", "alpha", "s", "beta")
    _bound_meanings: ClassVar[dict[tuple[str, str], str]] = {
        ("s+beta", "inf"): "every customer has the same dropout rate s / beta; only that ratio is measured",
        ("s", "0"): "no measurable dropout in these data: almost no customer seems to leave",
        ("beta", "inf"): "no measurable dropout in these data: almost no customer seems to leave",
        ("r+alpha", "inf"): "every customer buys at the same rate r / alpha; only that ratio is measured",
        ("r", "0"): "purchase rates differ enormously between customers",
    }

    _per_customer = staticmethod(_pareto_loglik)
    _time_params = (False, True, False, True)
    _model_label = "Pareto/NBD"

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """P(alive | x, t_x, T) (Fader & Hardie 2005, eq. 36).

        Examples
        --------
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(m.probability_alive(0, 0, 38.86), 3)
        0.295
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        r, alpha, s, beta = params = self._p()
        log_odds_dead = (
            np.log(s) - np.log(r + s + x) + (r + x) * np.log(alpha + age) + s * np.log(beta + age)
            + _pareto_log_a0(params, x, t_x, age)
        )
        return _wrap(expit(-log_odds_dead), _first_input(frequency, recency, T))

    def expected_purchases(self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """E[purchases in (T, T + t] | x, t_x, T] (Fader & Hardie 2005, eq. 41).

        Examples
        --------
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(m.expected_purchases(39, 2, 30.43, 38.86), 3)
        1.455
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        r, alpha, s, beta = self._p()
        alive = np.asarray(self.probability_alive(x, t_x, age))
        rate = (r + x) / (alpha + age)
        expected = alive * rate * _pareto_lifetime_integral(s, beta + age, float(t))
        return _wrap(expected, _first_input(frequency, recency, T))

    def expected_purchases_new_customer(self, t: ArrayLike) -> ArrayLike:
        """Unconditional E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)].

        Examples
        --------
        >>> m = ParetoNBDModel.from_params(r=0.553, alpha=10.578, s=0.606, beta=11.669)
        >>> round(m.expected_purchases_new_customer(39), 4)
        1.213
        """
        r, alpha, s, beta = self._p()
        t_arr = _elapsed(t)
        return _wrap(r / alpha * _pareto_lifetime_integral(s, beta, t_arr), t)


def _pareto_lifetime_integral(s: float, beta_t: ArrayLike, t: ArrayLike) -> np.ndarray:
    """beta_t / (s-1) * [1 - (beta_t/(beta_t+t))^(s-1)]: expected time alive in the next t, times mu-mix.

    Written with expm1 so that s close to 1 has the right limit beta_t * log(1 + t/beta_t).
    """
    log_ratio = np.log1p(np.asarray(t) / np.asarray(beta_t))
    if abs(s - 1.0) < 1e-10:
        return np.asarray(beta_t) * log_ratio
    return np.asarray(beta_t) * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)
