"""Gamma-Gamma model of spend per transaction (Fader & Hardie 2013; Colombo & Jiang 1999)."""

from __future__ import annotations

import warnings
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import digamma, gammaln

from crm_analysis.core.errors import CRMDataError
from crm_analysis.models.clv._inputs import (
    ArrayLike,
    _as_float,
    _check_frequency,
    _first_input,
    _row_groups,
    _same_length,
    _sum_groups,
    _validate_weights,
    _where,
    _wrap,
)
from crm_analysis.models.clv.base import (
    UndefinedValueWarning,
    _BaseModel,
    _dot,
    _fit_with_gradient,
    _trigamma,
)


def _gg_loglik(theta: np.ndarray, data: dict[str, Any], with_grad: bool = True) -> tuple[float, np.ndarray]:
    """Weighted Gamma-Gamma log-likelihood of mean spends and its log-parameter gradient.

    Per customer with x > 0 transactions of mean value m (Fader & Hardie 2013)::

        ll = lnG(px+q) - lnG(px) - lnG(q) + q ln v + (px-1) ln m + px ln x - (px+q) ln(xm+v)

    ``data`` is made by :meth:`GammaGammaModel._prepare`: the terms in x alone once per
    distinct x, the sums of w ln m and w x ln m once per fit, ln(xm+v) per distinct (x, m).
    """
    ll, grad, _ = _gg_terms(theta, data, 1 if with_grad else 0)
    return ll, grad


def _gg_loglik_hessian(theta: np.ndarray, data: dict[str, Any]) -> tuple[float, np.ndarray, np.ndarray]:
    """:func:`_gg_loglik` with the Hessian with respect to log-parameters as well."""
    return _gg_terms(theta, data, 2)


def _gg_terms(theta: np.ndarray, data: dict[str, Any], order: int) -> tuple[float, np.ndarray, np.ndarray]:
    """Log-likelihood and, up to ``order``, its log-parameter gradient and Hessian (else empty)."""
    p, q, v = phi = np.exp(theta)
    ux, ux_w, total = data["ux"], data["ux_w"], data["w_total"]
    xm, w, wx = data["xm"], data["w"], data["wx"]
    log_xmv = np.log(xm + v)
    wx_log, w_log = _dot(wx, log_xmv), _dot(w, log_xmv)
    px = p * ux
    per_x = gammaln(px + q) - gammaln(px) - gammaln(q) + px * data["log_ux"]
    ll = (_dot(ux_w, per_x) + total * q * np.log(v) + p * data["sum_wx_logm"] - data["sum_w_logm"]
          - p * wx_log - q * w_log)
    if order == 0:
        return float(ll), np.empty(0), np.empty(0)
    psi = digamma(px + q)
    inv_xmv = 1.0 / (xm + v)
    wx_inv, w_inv = _dot(wx, inv_xmv), _dot(w, inv_xmv)
    g_p = _dot(ux_w, ux * (psi - digamma(px) + data["log_ux"])) + data["sum_wx_logm"] - wx_log
    g_q = _dot(ux_w, psi - digamma(q)) + total * np.log(v) - w_log
    g_v = total * q / v - p * wx_inv - q * w_inv
    natural = np.array([g_p, g_q, g_v])
    if order == 1:
        return float(ll), natural * phi, np.empty(0)
    tri = _trigamma(px + q)
    inv2 = inv_xmv * inv_xmv
    h = np.empty((3, 3))
    h[0, 0] = _dot(ux_w, ux * ux * (tri - _trigamma(px)))
    h[0, 1] = h[1, 0] = _dot(ux_w, ux * tri)
    h[0, 2] = h[2, 0] = -wx_inv
    h[1, 1] = _dot(ux_w, tri - _trigamma(q))
    h[1, 2] = h[2, 1] = total / v - w_inv
    h[2, 2] = -total * q / v**2 + p * _dot(wx, inv2) + q * _dot(w, inv2)
    return float(ll), natural * phi, np.outer(phi, phi) * h + np.diag(natural * phi)


def _gg_start(data: dict[str, Any]) -> np.ndarray:
    """Method-of-moments log-parameters to start the Gamma-Gamma search from.

    Given nu the mean m of x transactions has E[m] = p/nu and Var = p/(x nu^2), so across
    customers E[m] = p v/(q-1) = mu and E[m^2 | x] = A + B/x with A = p^2 K, B = p K,
    K = v^2/((q-1)(q-2)): a weighted regression of m^2 on 1/x gives p = A/B, then
    A/mu^2 = (q-1)/(q-2) gives q and mu gives v. Where that fails (q <= 2: no variance,
    or one frequency only) the start is p = 1, q = 2 and v = mu (the right mean).
    It saves Newton two or three of its eight or so iterations.
    """
    w, inv_x, m = data["w"], 1.0 / data["x"], data["m"]
    total = data["w_total"]
    mu = _dot(w, m) / total
    fallback = np.log([1.0, 2.0, mu])
    z_mean, y = _dot(w, inv_x) / total, m * m
    y_mean = _dot(w, y) / total
    var_z = _dot(w, (inv_x - z_mean) ** 2)
    if var_z <= 0:
        return fallback
    slope = _dot(w, (inv_x - z_mean) * (y - y_mean)) / var_z
    intercept = y_mean - slope * z_mean
    ratio = intercept / mu**2
    if not (slope > 0 and intercept > 0 and ratio > 1):
        return fallback
    p = intercept / slope
    q = (2.0 * ratio - 1.0) / (ratio - 1.0)
    start = np.log([p, q, mu * (q - 1.0) / p])
    return np.clip(start, -8.0, 8.0) if np.isfinite(start).all() else fallback


class GammaGammaModel(_BaseModel):
    """Gamma-Gamma model of the value of a customer's transactions (Fader & Hardie 2013).

    Each transaction value is gamma(p, nu) with nu ~ gamma(q, v) across customers,
    so the mean of x transactions has a closed-form likelihood. The model assumes
    spend is independent of purchase frequency: see :meth:`independence_check`.
    Money is rescaled internally so the parameters are of order one.

    Parameters
    ----------
    maxiter : int
        Maximum iterations (see :class:`BetaGeoModel`).
    tol : float
        Relative tolerance on the log-likelihood for the L-BFGS-B fallback.

    Attributes
    ----------
    params_, standard_errors_ : pandas.Series
        ``p``, ``q``, ``v`` (v in the currency of the data).
    log_likelihood_ : float
    converged_ : bool
    n_customers_ : int
        Customers with frequency > 0 fitted on.

    Examples
    --------
    >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)
    >>> round(m.expected_order_value(2, 22.35), 2)
    24.66
    """

    _param_names = ("p", "q", "v")
    _bound_meanings: ClassVar[dict[tuple[str, str], str]] = {
        ("q+v", "inf"): "every customer has the same mean spend per order p v / (q - 1)",
        ("p", "inf"): "each customer's orders are always of the same value",
        ("q", "0"): "mean spend per order differs enormously between customers (no finite average)",
        ("p", "0"): "a customer's orders vary enormously in value",
    }

    def fit(
        self, frequency: ArrayLike, monetary_value: ArrayLike, weights: ArrayLike | None = None
    ) -> GammaGammaModel:
        """Fit on the customers with at least one repeat purchase.

        Rows with ``frequency == 0`` are dropped (their mean repeat spend is undefined).

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x.
        monetary_value : array-like
            Mean value of the repeat purchases (must be > 0 where x > 0).
        weights : array-like, optional
            Number of customers each row stands for.

        Returns
        -------
        GammaGammaModel
            ``self``, fitted.

        Raises
        ------
        crm_analysis.core.errors.CRMDataError
            On invalid input, or fewer than two customers with repeat purchases.
        """
        x, m = self._validate(frequency, monetary_value)
        w = _validate_weights(weights, len(x))
        keep = x > 0
        bad = keep & (m <= 0)
        if bad.any():
            raise CRMDataError(
                "monetary_value must be > 0 for customers with repeat purchases, e.g. positions "
                f"{_where(bad)} (values {m[bad][:5].tolist()})"
            )
        x, m, w = x[keep], m[keep], w[keep]
        if len(x) < 2:
            raise CRMDataError("GammaGammaModel needs at least two customers with frequency > 0")
        # Rescale money so that v is of order one; v and the log-likelihood (a density in m)
        # are converted back below.
        scale = 1.0 / np.average(m, weights=w)
        data = self._prepare(x, m * scale, w)
        theta, loglik, ok = _fit_with_gradient(_gg_loglik_hessian, _gg_loglik, data, _gg_start(data),
                                               maxiter=self.maxiter, tol=self.tol, model="Gamma-Gamma")
        # m' = m * scale and v' = v * scale: each customer's density gains a factor scale.
        loglik += np.log(scale) * data["w_total"]
        self._store_newton_fit(_gg_loglik_hessian, data, theta, loglik, ok, np.array([1.0, 1.0, 1.0 / scale]))
        return self

    @staticmethod
    def _validate(frequency: ArrayLike, monetary_value: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        x = _as_float(frequency, "frequency")
        m = _as_float(monetary_value, "monetary_value")
        if len(m) == 1 and len(x) > 1:
            m = np.broadcast_to(m, x.shape)
        elif len(x) == 1 and len(m) > 1:
            x = np.broadcast_to(x, m.shape)
        _same_length(frequency=x, monetary_value=m)
        _check_frequency(x)
        return x, m

    @staticmethod
    def _prepare(x: np.ndarray, m: np.ndarray, w: np.ndarray) -> dict[str, Any]:
        """The likelihood's data: distinct (x, m) rows with summed weights, per-x terms, constant sums."""
        x_codes, ux = pd.factorize(x)
        m_codes, um = pd.factorize(m)
        if len(um) == len(m):  # all spends distinct (continuous): nothing to group
            key = first = np.arange(len(m))
        else:
            key, first = _row_groups([(x_codes, len(ux)), (m_codes, len(um))])
        rows, w = _sum_groups(key, first, w)
        x_idx, ux = x_codes[rows], np.asarray(ux, dtype=np.float64)
        data: dict[str, Any] = {"x": x[rows], "m": m[rows], "w": w}
        data["xm"] = data["x"] * data["m"]
        data["wx"] = w * data["x"]
        data["ux"], data["ux_w"], data["log_ux"] = ux, np.bincount(x_idx, weights=w, minlength=len(ux)), np.log(ux)
        log_m = np.log(data["m"])
        data["sum_wx_logm"] = _dot(data["wx"], log_m)
        data["sum_w_logm"] = _dot(w, log_m)
        data["w_total"] = float(w.sum())
        return data

    def expected_order_value(self, frequency: ArrayLike, monetary_value: ArrayLike) -> ArrayLike:
        """E[value of a transaction | x, mean m] = p (v + x m) / (p x + q - 1).

        A weighted mean of the population mean p v / (q - 1) and the customer's own
        mean m; for x = 0 it is the population mean. Given the data the customer's
        nu is gamma(p x + q, v + x m), and E[p / nu] exists only when p x + q > 1. With
        heavy-tailed spend (fitted q <= 1) the population mean is infinite, so
        customers with frequency 0 (and any with p x + q <= 1) get NaN, with one
        :class:`UndefinedValueWarning` saying how many; the others get their value.

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x.
        monetary_value : array-like
            Mean value of the repeat purchases (ignored where x = 0).

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            Expected value per transaction, NaN where it does not exist.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        crm_analysis.core.errors.CRMDataError
            On invalid input.

        Examples
        --------
        >>> m = GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44)
        >>> round(m.expected_order_value(0, 0), 2)
        35.22
        """
        x, m = self._validate(frequency, monetary_value)
        p, q, v = self._p()
        denominator = p * x + q - 1.0
        defined = denominator > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(defined, p * (v + x * m) / np.where(defined, denominator, 1.0), np.nan)
        if not defined.all():
            warnings.warn(
                f"Gamma-Gamma: q = {q:.3g} <= 1, so spend per order is so heavy-tailed that the population "
                f"mean p v / (q - 1) does not exist; the expected order value is NaN for "
                f"{int((~defined).sum()):,} customer(s) with p x + q <= 1 (all those with frequency 0). "
                "Give them another figure, e.g. the median repeat spend.",
                UndefinedValueWarning,
                stacklevel=2,
            )
        return _wrap(value, _first_input(frequency, monetary_value))

    @staticmethod
    def independence_check(frequency: ArrayLike, monetary_value: ArrayLike) -> dict[str, Any]:
        """Test the model's assumption that spend per transaction is independent of frequency.

        Uses the customers with frequency > 0. With many customers any correlation
        is "significant", so the verdict looks at its size: |r| < 0.3 is treated as
        weak enough for the Gamma-Gamma model (Fader & Hardie report r = 0.11 on CDNOW).

        Returns
        -------
        dict
            ``n``, ``pearson_r``, ``pearson_p``, ``spearman_rho``, ``spearman_p``,
            ``independent`` (bool) and ``verdict`` (plain words).

        Raises
        ------
        crm_analysis.core.errors.CRMDataError
            If fewer than three customers have repeat purchases.

        Examples
        --------
        >>> out = GammaGammaModel.independence_check([1, 2, 3, 4, 5], [10.0, 12.0, 9.0, 11.0, 10.5])
        >>> out["n"], out["independent"]
        (5, True)
        """
        x, m = GammaGammaModel._validate(frequency, monetary_value)
        keep = x > 0
        x, m = x[keep], m[keep]
        if len(x) < 3:
            raise CRMDataError("independence_check needs at least three customers with frequency > 0")
        pearson = stats.pearsonr(x, m)
        spearman = stats.spearmanr(x, m)
        strongest = max(abs(pearson.statistic), abs(spearman.statistic))
        independent = bool(strongest < 0.3)
        if independent:
            verdict = (
                f"Frequency and spend per transaction are only weakly correlated (Pearson r = "
                f"{pearson.statistic:.2f}, Spearman rho = {spearman.statistic:.2f}, n = {len(x):,}): "
                "the Gamma-Gamma independence assumption looks acceptable."
            )
        else:
            verdict = (
                f"Frequency and spend per transaction are correlated (Pearson r = {pearson.statistic:.2f}, "
                f"Spearman rho = {spearman.statistic:.2f}, n = {len(x):,}): the Gamma-Gamma model assumes "
                "independence, so its value forecasts are questionable for these data."
            )
        return {
            "n": len(x),
            "pearson_r": float(pearson.statistic),
            "pearson_p": float(pearson.pvalue),
            "spearman_rho": float(spearman.statistic),
            "spearman_p": float(spearman.pvalue),
            "independent": independent,
            "verdict": verdict,
        }
