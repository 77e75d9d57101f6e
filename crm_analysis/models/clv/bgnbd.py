"""BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way")."""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import linalg
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1

from crm_analysis.models.clv._inputs import (
    ArrayLike,
    _compress,
    _elapsed,
    _first_input,
    _row_groups,
    _sum_groups,
    _validate_rfm,
    _validate_weights,
    _wrap,
)
from crm_analysis.models.clv.base import (
    _BaseModel,
    _dot,
    _fit_with_gradient,
    _trigamma,
)


def _bgnbd_loglik(
    theta: np.ndarray, data: dict[str, Any], with_grad: bool = True
) -> tuple[float, np.ndarray]:
    """Weighted BG/NBD log-likelihood and its gradient with respect to log-parameters.

    Per customer (Fader, Hardie & Lee 2005, eq. 6, in logs)::

        ll = lnG(r+x) - lnG(r) + r ln(alpha) + lnB(a, b+x) - lnB(a, b) - (r+x) ln(alpha+T)
             + [x>0] log1p(exp(D)),   D = ln a - ln(b+x-1) + (r+x) (ln(alpha+T) - ln(alpha+t_x))

    ``data`` is made by :func:`_prepare_counts`: terms that depend on x only are evaluated
    once per distinct x, customers without repeat purchases once per distinct T, and the
    rest once per distinct (x, t_x, T) row of the repeat buyers, with the logarithms taken
    once per distinct time and frequency (float64 logarithms and exponentials are the cost
    of an evaluation: numpy vectorises them only on AVX-512 machines).
    """
    ll, grad, _ = _bgnbd_terms(theta, data, 1 if with_grad else 0)
    return ll, grad


def _bgnbd_loglik_hessian(theta: np.ndarray, data: dict[str, Any]) -> tuple[float, np.ndarray, np.ndarray]:
    """:func:`_bgnbd_loglik` with the Hessian with respect to log-parameters as well."""
    return _bgnbd_terms(theta, data, 2)


def _bgnbd_terms(theta: np.ndarray, data: dict[str, Any], order: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood and, up to ``order``, its log-parameter gradient and Hessian (else empty)."""
    r, alpha, a, b = phi = np.exp(theta)
    ux, ux_w, total = data["ux"], data["ux_w"], data["w_total"]
    age0, w0 = data["T0"], data["w0"]
    x, t_x, age, w = data["x"], data["t_x"], data["T"], data["w"]
    ln_alpha = np.log(alpha)
    ln_a0 = np.log(alpha + age0)
    ln_times = np.log(alpha + data["times"])
    ln_at = ln_times[data["T_idx"]]
    gap = ln_at - ln_times[data["t_x_idx"]]
    s = r + x
    d = np.log(a) - np.log(b + data["ux1"] - 1.0)[data["x_idx"]] + s * gap
    # softplus(d) and sigmoid(d) from one exponential, without overflow for large |d|
    e = np.exp(-np.abs(d))
    softplus = np.maximum(d, 0.0) + np.log1p(e)
    per_x = gammaln(r + ux) - gammaln(r) + betaln(a, b + ux) - betaln(a, b)
    ll = (_dot(ux_w, per_x) + total * r * ln_alpha - r * _dot(w0, ln_a0)
          - _dot(w, s * ln_at) + _dot(w, softplus))
    if order == 0:
        return float(ll), np.empty(0), np.empty(0)
    sigma = np.where(d >= 0.0, 1.0, e) / (1.0 + e)  # P(dropped out after the last purchase | data)
    ws = w * sigma
    inv_at, inv_ax, inv_a0 = 1.0 / (alpha + age), 1.0 / (alpha + t_x), 1.0 / (alpha + age0)
    inv_bx = 1.0 / (b + x - 1.0)
    ab = digamma(a + b) - digamma(a + b + ux)
    ws_total = float(ws.sum())
    g_r = (_dot(ux_w, digamma(r + ux) - digamma(r)) + total * ln_alpha - _dot(w0, ln_a0)
           - _dot(w, ln_at) + _dot(ws, gap))
    # alive at T: -(r+x)/(alpha+T); dropped out at t_x: -(r+x)/(alpha+t_x)
    g_alpha = total * r / alpha - r * _dot(w0, inv_a0) - _dot(w - ws, s * inv_at) - _dot(ws, s * inv_ax)
    g_a = _dot(ux_w, ab) + ws_total / a
    g_b = _dot(ux_w, digamma(b + ux) - digamma(b) + ab) - _dot(ws, inv_bx)
    natural = np.array([g_r, g_alpha, g_a, g_b])
    if order == 1:
        return float(ll), natural * phi, np.empty(0)
    # Hessian in natural parameters: the softplus adds sigma (1 - sigma) grad(D) grad(D)' + sigma hess(D).
    # The row sums are taken as three small matrix products rather than twenty dot products.
    u = ws * np.where(d >= 0.0, e, 1.0) / (1.0 + e)
    delta = inv_at - inv_ax
    d_alpha = s * delta
    grad_d = np.stack((gap, d_alpha, inv_bx, np.ones_like(gap)))  # last row: plain sums of u
    uu = (grad_d * u) @ grad_d.T
    by_ws = np.stack((delta, s * (inv_ax * inv_ax - inv_at * inv_at), inv_bx * inv_bx)) @ ws
    by_w = np.stack((inv_at, s * inv_at * inv_at)) @ w
    tri_ab = _trigamma(a + b) - _trigamma(a + b + ux)
    h = np.empty((4, 4))
    h[0, 0] = _dot(ux_w, _trigamma(r + ux) - _trigamma(r)) + uu[0, 0]
    h[0, 1] = total / alpha - _dot(w0, inv_a0) - by_w[0] + uu[0, 1] + by_ws[0]
    h[0, 2] = uu[0, 3] / a
    h[0, 3] = -uu[0, 2]
    h[1, 1] = -total * r / alpha**2 + r * _dot(w0, inv_a0 * inv_a0) + by_w[1] + uu[1, 1] + by_ws[1]
    h[1, 2] = uu[1, 3] / a
    h[1, 3] = -uu[1, 2]
    h[2, 2] = _dot(ux_w, tri_ab) + (uu[3, 3] - ws_total) / a**2
    h[2, 3] = _dot(ux_w, tri_ab) - uu[2, 3] / a
    h[3, 3] = _dot(ux_w, _trigamma(b + ux) - _trigamma(b) + tri_ab) + uu[2, 2] + by_ws[2]
    h = np.triu(h) + np.triu(h, 1).T
    # chain rule to log-parameters: d2/dtheta_i dtheta_j = phi_i phi_j H_ij + [i = j] phi_i g_i
    return float(ll), natural * phi, np.outer(phi, phi) * h + np.diag(natural * phi)


def _prepare_counts(columns: dict[str, np.ndarray], weights: np.ndarray, scale: float = 1.0) -> dict[str, Any]:
    """The BG/NBD likelihood's data: distinct rows with summed weights, times multiplied by ``scale``.

    ``columns`` holds ``x``, ``t_x`` and ``T``. Customers without repeat purchases
    contribute through T only, so they are grouped by T (``T0``, ``w0``); repeat buyers by
    (x, t_x, T) (``x``, ``t_x``, ``T``, ``w``). ``times`` are the distinct values of their
    t_x and T (``t_x_idx``, ``T_idx`` point into it) and ``ux1`` their distinct frequencies
    (``x_idx``): summaries in days or weeks have few. ``ux``/``ux_w`` are the distinct
    frequencies of all rows and their weights, ``w_total`` and ``wx_total`` the sums of w and w x.
    """
    x, w = columns["x"], weights
    repeat = x > 0
    zeros, w0 = _compress({"T": columns["T"][~repeat]}, w[~repeat])
    # Repeat buyers: t_x and T coded on one grid of times, so that the likelihood takes each
    # logarithm once per distinct time; the same codes then find the distinct rows.
    t_x, age, n = columns["t_x"][repeat], columns["T"][repeat], int(repeat.sum())
    time_codes, times = pd.factorize(np.concatenate((t_x, age)))
    x_codes, ux1 = pd.factorize(x[repeat])
    key, first = _row_groups([(x_codes, len(ux1)), (time_codes[:n], len(times)), (time_codes[n:], len(times))])
    rows, w1 = _sum_groups(key, first, w[repeat])
    data: dict[str, Any] = {"x": ux1[x_codes[rows]], "t_x": t_x[rows] * scale, "T": age[rows] * scale}
    data["x_idx"], data["ux1"] = x_codes[rows], np.asarray(ux1, dtype=np.float64)
    data["t_x_idx"], data["T_idx"] = time_codes[:n][rows], time_codes[n:][rows]
    data["times"] = np.asarray(times, dtype=np.float64) * scale
    data["w"], data["T0"], data["w0"] = w1, zeros["T"] * scale, w0
    ux1_w = np.bincount(data["x_idx"], weights=w1, minlength=len(ux1))
    ux, ux_w = data["ux1"], ux1_w
    if len(w0):  # x = 0 is one more distinct frequency
        ux, ux_w = np.concatenate(([0.0], ux)), np.concatenate(([w0.sum()], ux_w))
    data["ux"], data["ux_w"] = ux, ux_w
    data["w_total"] = float(ux_w.sum())
    data["wx_total"] = _dot(ux_w, ux)
    return data


# What a BG/NBD parameter running to a bound means (see ``_BaseModel._bound_meanings``).
BG_MEANINGS: dict[tuple[str, str], str] = {
    ("a+b", "inf"): "every customer has the same dropout probability a / (a + b); only that ratio is measured",
    ("a", "0"): "no measurable dropout in these data: almost no customer seems to leave after a purchase",
    ("b", "inf"): "no measurable dropout in these data: almost no customer seems to leave after a purchase",
    ("a", "inf"): "dropout is the same for everyone",
    ("b", "0"): "almost every customer leaves after a purchase",
    ("r+alpha", "inf"): "every customer buys at the same rate r / alpha; only that ratio is measured",
    ("r", "0"): "purchase rates differ enormously between customers",
    ("alpha", "0"): "purchase rates differ enormously between customers",
}


class BetaGeoModel(_BaseModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While alive a customer buys at Poisson rate lambda ~ gamma(r, alpha); after any
    purchase they drop out with probability p ~ beta(a, b).

    Parameters
    ----------
    maxiter : int
        Maximum iterations (Newton stops at 50 at most; the L-BFGS-B fallback at ``maxiter``).
    tol : float
        Relative tolerance on the log-likelihood for the L-BFGS-B fallback (its ``ftol``);
        Newton stops when the gradient of the mean log-likelihood is below 1e-9.

    Attributes
    ----------
    params_ : pandas.Series
        ``r``, ``alpha``, ``a``, ``b`` (alpha in the time unit of the data).
    standard_errors_ : pandas.Series
        From the inverse Hessian of the log-likelihood (computed on first access).
    log_likelihood_ : float
        Maximised log-likelihood (sum over customers).
    converged_ : bool
        Whether the optimiser stopped normally *and* every parameter is interior and identified.
    status_ : str
        "ok", or what is wrong in words, e.g. "boundary: a → 0 (no measurable dropout ...)".
    diagnostics_ : pandas.DataFrame
        Per parameter: log value, log-scale standard error, direction ("0", "inf", "flat"), identified.
    n_customers_ : int
        Customers (total weight) fitted on.

    Examples
    --------
    >>> from crm_analysis.models.clv import simulate_bgnbd
    >>> data = simulate_bgnbd(38.0, r=0.25, alpha=4.0, a=0.8, b=2.5, n_customers=5000, seed=1)
    >>> model = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    >>> model.converged_, round(float(model.params_["r"]), 1)
    (True, 0.2)
    """

    _param_names = ("r", "alpha", "a", "b")
    _bound_meanings: ClassVar[dict[tuple[str, str], str]] = BG_MEANINGS

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
    ) -> BetaGeoModel:
        """Fit by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            Repeat purchases, time of the last purchase and age of each customer
            (or of each distinct row, with ``weights``).
        weights : array-like, optional
            Number of customers each row stands for.

        Returns
        -------
        BetaGeoModel
            ``self``, fitted.

        Raises
        ------
        crm_analysis.core.errors.CRMDataError
            If the inputs are invalid (negative, recency > T, fractional frequency, ...).
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        w = _validate_weights(weights, len(x))
        # Rescale time so that alpha is of order one; alpha and the log-likelihood (a density
        # in t_x: lambda^x) are converted back below.
        scale = 10.0 / max(float(age.max()), 1e-12)
        data = _prepare_counts({"x": x, "t_x": t_x, "T": age}, w, scale)
        # Start from r = alpha = a = b = 1 (log 0): on CDNOW and simulated data, typical or
        # data-driven starts saved Newton at most one of its five to seven iterations.
        theta, loglik, ok = _fit_with_gradient(_bgnbd_loglik_hessian, _bgnbd_loglik, data, np.zeros(4),
                                               maxiter=self.maxiter, tol=self.tol, model="BG/NBD")
        # alpha' = alpha * scale and t' = t * scale: each purchase's density gains a factor 1/scale.
        loglik += np.log(scale) * data["wx_total"]
        self._store_newton_fit(_bgnbd_loglik_hessian, data, theta, loglik, ok, np.array([1.0, 1.0 / scale, 1.0, 1.0]))
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Per-customer log-likelihood under the fitted parameters.

        Examples
        --------
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> m.log_likelihood([0], [0], [38.86]).round(4)
        array([-0.5547])
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        r, alpha, a, b = self._p()
        ln_at, rep = np.log(alpha + age), x > 0
        b_x1 = np.where(rep, b + x - 1.0, 1.0)
        d = np.log(a) - np.log(b_x1) + (r + x) * (ln_at - np.log(alpha + t_x))
        return (
            gammaln(r + x) - gammaln(r) + r * np.log(alpha) + betaln(a, b + x) - betaln(a, b)
            - (r + x) * ln_at + np.where(rep, np.logaddexp(0.0, d), 0.0)
        )

    def probability_alive(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """P(alive | x, t_x, T) (Fader, Hardie & Lee 2005, eq. 13).

        Customers without a repeat purchase are alive with probability 1 under BG/NBD.

        Examples
        --------
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(m.probability_alive(2, 30.43, 38.86), 4)
        0.7266
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        r, alpha, a, b = self._p()
        b_x1 = np.where(x > 0, b + x - 1.0, 1.0)
        d = np.log(a) - np.log(b_x1) + (r + x) * (np.log(alpha + age) - np.log(alpha + t_x))
        return _wrap(np.where(x > 0, expit(-d), 1.0), _first_input(frequency, recency, T))

    def expected_purchases(self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """E[purchases in (T, T + t] | x, t_x, T] (Fader, Hardie & Lee 2005, eq. 10).

        Evaluated as P(alive) times the expectation for a customer alive at T, which is
        finite for every a > 0 (including a = 1 and a, b in the millions): see
        :func:`_bgnbd_alive_purchases`.

        Examples
        --------
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(m.expected_purchases(39, 2, 30.43, 38.86), 3)
        1.226
        """
        return _bg_expected_purchases(self, t, frequency, recency, T, 0.0)

    def expected_purchases_new_customer(self, t: ArrayLike) -> ArrayLike:
        """Unconditional E[X(t)]: repeat purchases of a new customer by time t (FHL 2005, eq. 9).

        Finite for every a > 0, including a = 1 where eq. 9 is 0/0 (see
        :func:`_bgnbd_alive_purchases`).

        Raises
        ------
        ValueError
            If a time is negative.

        Examples
        --------
        >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> round(m.expected_purchases_new_customer(39), 4)
        1.1967
        """
        r, alpha, a, b = self._p()
        t_arr = _elapsed(t)
        # A new customer is alive at time 0 with x = 0, so eq. 9 is eq. 10 with T = 0.
        return _wrap(_bgnbd_alive_purchases(t_arr, alpha, a, b, r), t)


# BG/NBD expectations for a customer alive now, E over p ~ beta(a, b + x) of
# g(p) = (1 - (base / (base + p t))^s) / p  (expected purchases in the next t when the
# dropout probability is p; base = alpha + T, s = r + x). The closed form is a 2F1 that
# scipy evaluates accurately for small a but that overflows to NaN once a or b reach the
# thousands (a fit where the dropout probability hardly varies lets a, b run off to 1e5+),
# and it is 0/0 at a = 1 although g is bounded (g(0) = s t / base).
_QUADRATURE_FROM_A = 10.0  # from here on Gauss quadrature over the beta is accurate to ~1e-10
_NEAR_ONE = 1e-3  # |a - 1| below this: interpolate in a (the closed form loses digits to 0/0)
_GAUSS_NODES = 48


def _bg_expected_purchases(
    model: _BaseModel, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, b_shift: float
) -> ArrayLike:
    """E[purchases in (T, T + t] | x, t_x, T] of a BG/NBD-type ``model`` with parameters (r, alpha, a, b).

    P(alive) (the model's ``probability_alive``) times :func:`_bgnbd_alive_purchases` with the
    dropout probability beta(a, b + x + ``b_shift``): 0 for BG/NBD, 1 for MBG/NBD (whose
    customers have also survived their first purchase).
    """
    x, t_x, age = _validate_rfm(frequency, recency, T)
    r, alpha, a, b = model._p()
    alive = np.asarray(model.probability_alive(x, t_x, age))  # type: ignore[attr-defined]
    expected = _bgnbd_alive_purchases(float(t), alpha + age, a, b + x + b_shift, r + x) * alive
    return _wrap(expected, _first_input(frequency, recency, T))


def _bgnbd_alive_purchases(t: ArrayLike, base: ArrayLike, a: float, b_x: ArrayLike, s: ArrayLike) -> np.ndarray:
    """E_p[(1 - (base / (base + p t))^s) / p] for p ~ beta(a, b_x), vectorised.

    For a < 10 the closed form (FHL 2005 eq. 10 after Euler's transformation) is used,
    interpolated through a = 1; elsewhere, and wherever the closed form is not finite,
    Gauss quadrature with respect to the beta distribution (:func:`_beta_gauss`), which
    needs no special function and tends to the fixed-p limit as a, b grow.
    """
    t, base, b_x, s = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (t, base, b_x, s)))
    out = np.full(t.shape, np.nan)
    if a < _QUADRATURE_FROM_A:
        with np.errstate(all="ignore"):
            if abs(a - 1.0) < _NEAR_ONE:
                out = _through_one(a, t, base, b_x, s)
            else:
                out = _bgnbd_closed_form(a, t, base, b_x, s)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = _bgnbd_quadrature(a, t[bad], base[bad], b_x[bad], s[bad])
    return out


def _bgnbd_closed_form(a: float, t: np.ndarray, base: np.ndarray, b_x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(a+B-1)/(a-1) [1 - (1-z)^(a-1) 2F1(a+B-1-s, a-1; a+B-1; z)], z = t/(base+t), B = b + x.

    Euler's transformation of FHL eq. 10; its parameters do not grow with x.
    """
    z = t / (base + t)
    c = a + b_x - 1.0
    ratio = np.exp((a - 1.0) * np.log1p(-z))
    return c / (a - 1.0) * (1.0 - ratio * hyp2f1(c - s, a - 1.0, c, z))


def _through_one(a: float, t: np.ndarray, base: np.ndarray, b_x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The closed form near a = 1, where it is 0/0: cubic interpolation in a.

    The expectation is analytic in a, so the cubic through a = 1 +- h, 1 +- 2h (h = 2e-3,
    each losing only ~3 digits to cancellation) is accurate to ~1e-11 for |a - 1| < h/2.
    """
    h = 2.0 * _NEAR_ONE
    nodes = np.array([-2.0, -1.0, 1.0, 2.0]) * h
    values = [_bgnbd_closed_form(1.0 + d, t, base, b_x, s) for d in nodes]
    eps = a - 1.0
    out = np.zeros(t.shape)
    for j, (node, value) in enumerate(zip(nodes, values, strict=True)):
        others = np.delete(nodes, j)
        out = out + value * np.prod((eps - others) / (node - others))
    return out


@functools.lru_cache(maxsize=1024)
def _beta_gauss(a: float, b: float, n: int = _GAUSS_NODES) -> tuple[np.ndarray, np.ndarray]:
    """Nodes and weights of the n-point Gauss rule for E[f(p)], p ~ beta(a, b).

    Golub-Welsch on the Jacobi recurrence with exponents (b - 1, a - 1) on [-1, 1];
    the weights are normalised to sum to one, so no beta function is evaluated and
    nothing overflows for a, b in the millions (scipy's ``roots_jacobi`` overflows there).
    """
    al, be = b - 1.0, a - 1.0
    k = np.arange(n, dtype=np.float64)
    two_k = 2.0 * k + al + be
    with np.errstate(divide="ignore", invalid="ignore"):
        diag = np.where(k == 0, (be - al) / (al + be + 2.0), (be - al) * (be + al) / (two_k * (two_k + 2.0)))
    k1 = k[1:]
    two_k1 = 2.0 * k1 + al + be
    off = np.sqrt(4.0 * k1 * (k1 + al) * (k1 + be) * (k1 + al + be) / (two_k1**2 * (two_k1 + 1.0) * (two_k1 - 1.0)))
    roots, vectors = linalg.eigh_tridiagonal(diag, off)
    weights = vectors[0] ** 2
    return (1.0 + roots) / 2.0, weights / weights.sum()


def _bgnbd_quadrature(a: float, t: np.ndarray, base: np.ndarray, b_x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E_p[g(p)] by Gauss quadrature over p ~ beta(a, b_x), one rule per distinct b_x."""
    out = np.empty(t.shape)
    rate = t / base
    for value in np.unique(b_x):  # one rule per distinct frequency, not per customer
        rows = b_x == value
        p, w = _beta_gauss(float(a), float(value))
        # g(p) = -expm1(-s log1p(p t / base)) / p: no cancellation for small p t / base.
        g = -np.expm1(-s[rows, None] * np.log1p(rate[rows, None] * p[None, :])) / p[None, :]
        out[rows] = g @ w
    return out
