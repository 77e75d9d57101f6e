"""The maximum-likelihood skeleton shared by the CLV models: optimisers, standard errors, warnings, fit bookkeeping."""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import zeta

from crm_analysis.core.threads import single_thread
from crm_analysis.models.clv._inputs import ArrayLike, _compress, _validate_rfm, _validate_weights


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before reaching a maximum of the likelihood."""


class UndefinedValueWarning(UserWarning):
    """A prediction does not exist for some customers (e.g. an infinite mean) and is NaN."""


class NotFittedError(ValueError, AttributeError):
    """A model was used before ``fit`` (same bases as scikit-learn's ``NotFittedError``)."""


# --------------------------------------------------------------------------- fitting machinery


def _trigamma(x: ArrayLike) -> np.ndarray:
    """psi'(x) = zeta(2, x): the ufunc directly (``polygamma`` adds ~50 us of Python per call)."""
    return zeta(2.0, x)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS: multithreaded BLAS dot products stall on a busy machine."""
    return float(np.einsum("i,i->", a, b))


def _minimise(
    fun: Callable[[np.ndarray], Any],
    start: np.ndarray,
    *,
    jac: bool,
    maxiter: int,
    tol: float,
    model: str,
) -> tuple[optimize.OptimizeResult, bool]:
    """L-BFGS-B on log-parameters (objective = mean negative log-likelihood).

    Returns the result and whether it converged. L-BFGS-B sometimes stops with an
    "ABNORMAL" line search when it is already at the optimum to machine precision,
    so a stop with a small gradient away from the bounds also counts as converged.
    Otherwise a :class:`ConvergenceWarning` says what happened.
    """
    bound = 20.0
    with np.errstate(all="ignore"), single_thread("blas"):
        result = optimize.minimize(
            fun,
            start,
            jac=jac,
            method="L-BFGS-B",
            bounds=[(-bound, bound)] * len(start),
            options={"maxiter": maxiter, "ftol": tol, "gtol": 1e-8},
        )
        grad = result.jac if jac else optimize.approx_fprime(result.x, fun, 1e-7)
    interior = bool(np.all(np.abs(result.x) < bound - 1e-6))
    small_grad = bool(np.all(np.isfinite(grad)) and np.max(np.abs(grad)) < 1e-5)
    hit_limit = result.nit >= maxiter
    ok = np.isfinite(result.fun) and interior and (result.success or (small_grad and not hit_limit))
    if not ok:
        reason = result.message if not interior or not result.success else "parameters at a bound"
        if not interior:
            reason = f"{reason}; a parameter ran to the edge of the search space (the data may not identify it)"
        warnings.warn(
            f"{model}: the optimiser did not converge ({reason}, {result.nit} iterations); the parameters "
            "are unreliable. Try a larger maxiter or check the data.",
            ConvergenceWarning,
            stacklevel=3,
        )
    return result, bool(ok)


def _hessian_from_function(fun: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Central-difference Hessian from function values only."""
    k = len(theta)
    h = 1e-4
    eye = np.eye(k) * h
    hess = np.empty((k, k))
    for i in range(k):
        for j in range(i, k):
            value = (
                fun(theta + eye[i] + eye[j])
                - fun(theta + eye[i] - eye[j])
                - fun(theta - eye[i] + eye[j])
                + fun(theta - eye[i] - eye[j])
            ) / (4 * h * h)
            hess[i, j] = hess[j, i] = value
    return hess


_NEWTON_GTOL = 1e-9  # Newton's stop: gradient norm of the mean log-likelihood (log-parameters)
_NEWTON_MAXITER = 50  # it needs 5-11; more means trouble, which L-BFGS-B then reports
_NEWTON_BOX = 15.0  # Newton's answer is taken only for |log-parameters| below this


def _fit_with_gradient(
    loglik_hessian: Callable[..., tuple[float, np.ndarray, np.ndarray]],
    loglik: Callable[..., tuple[float, np.ndarray]],
    data: dict[str, Any],
    start: np.ndarray,
    *,
    maxiter: int,
    tol: float,
    model: str,
) -> tuple[np.ndarray, float, bool]:
    """Maximise a weighted log-likelihood over log-parameters; ``data["w_total"]`` is the total weight.

    First Newton's method with the analytic Hessian in a trust region (:func:`_newton`):
    5-11 iterations where L-BFGS-B, which has to learn the curvature, needs about 20, and
    still 10 from a start within 1% of the answer. If Newton does not converge cleanly
    (finite, and every |log-parameter| < 15 in the rescaled units), L-BFGS-B with the
    gradient only, from the same start, decides and warns (:func:`_minimise`) as before:
    degenerate data (e.g. a and b running off together) keep their warnings.

    Returns the log-parameters, the maximised log-likelihood and whether the optimiser
    converged. The Hessian for the standard errors and the diagnostics is computed by the caller
    (:func:`_negative_hessian`).
    """
    total = float(data["w_total"])
    found = _newton(loglik_hessian, data, total, start, min(maxiter, _NEWTON_MAXITER))
    if found is not None:
        return found[0], found[1], True

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = loglik(theta, data)
        return -ll / total, -grad / total

    result, ok = _minimise(objective, start, jac=True, maxiter=maxiter, tol=tol, model=model)
    return result.x, -float(result.fun) * total, ok


def _newton(
    loglik_hessian: Callable[..., tuple[float, np.ndarray, np.ndarray]],
    data: dict[str, Any],
    total: float,
    start: np.ndarray,
    maxiter: int,
) -> tuple[np.ndarray, float] | None:
    """Trust-region Newton on the mean negative log-likelihood; None unless it converged cleanly.

    Each iteration takes the step that minimises the quadratic model within the trust radius
    (exactly, from the eigen-decomposition of the 3x3 or 4x4 Hessian, so indefinite Hessians
    far from the optimum are handled), then grows or shrinks the radius by how well the model
    predicted the change. A few lines instead of scipy's ``trust-ncg``, whose per-iteration
    overhead was a quarter of a CDNOW fit.
    """

    def evaluate(theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        ll, grad, hess = loglik_hessian(theta, data)
        return -ll / total, -grad / total, -hess / total

    theta = np.asarray(start, dtype=np.float64)
    radius = 1.0
    with np.errstate(all="ignore"), single_thread("blas"):
        f, g, h = evaluate(theta)
        for _ in range(maxiter):
            if not (np.isfinite(f) and np.isfinite(g).all() and np.isfinite(h).all()):
                return None
            if np.sqrt(g @ g) < _NEWTON_GTOL:
                # Far out (a parameter e^15 times its scale) the likelihood is flat: the data do not
                # identify that parameter, and L-BFGS-B's box says so in its warning.
                return (theta, -f * total) if np.all(np.abs(theta) < _NEWTON_BOX) else None
            step = _trust_region_step(g, h, radius)
            f_new, g_new, h_new = evaluate(theta + step)
            predicted = -(g @ step + 0.5 * step @ h @ step)
            length = float(np.sqrt(step @ step))
            if predicted <= 1e-14 * max(abs(f), 1.0):
                # at the limit of float precision the change in f says nothing: trust the gradient
                accept = bool(np.isfinite(f_new) and g_new @ g_new < g @ g)
                rho = 1.0 if accept else 0.0
            else:
                rho = (f - f_new) / predicted if np.isfinite(f_new) else -1.0
                accept = rho > 0.1
            if rho < 0.25:
                radius = 0.25 * length
            elif rho > 0.75 and length > 0.99 * radius:
                radius = min(2.0 * radius, 10.0)
            if accept:
                theta, f, g, h = theta + step, f_new, g_new, h_new
                if np.any(np.abs(theta) >= 20.0):  # a parameter runs away: let L-BFGS-B report it
                    return None
            elif radius < 1e-10:
                return None
    return None


def _trust_region_step(g: np.ndarray, h: np.ndarray, radius: float) -> np.ndarray:
    """argmin of g's + s'hs/2 over |s| <= radius (Moré-Sorensen with an eigen-decomposition).

    The step is -(h + mu I)^-1 g with the smallest mu >= 0 that makes h + mu I positive
    definite and the step fit in the radius; mu is found by bisection on four numbers.
    """
    eigenvalues, vectors = np.linalg.eigh(h)
    coef = vectors.T @ g
    lam, c2 = eigenvalues.tolist(), (coef * coef).tolist()

    def length2(mu: float) -> float:
        return sum(ci / (li + mu) ** 2 for ci, li in zip(c2, lam, strict=True))

    low = max(0.0, -lam[0])
    if low == 0.0 and lam[0] > 0.0 and length2(0.0) <= radius * radius:
        mu = 0.0  # the Newton step itself
    else:
        # |step(mu)| falls from infinity at mu = low to <= radius at mu = high.
        high = low + float(np.sqrt(sum(c2))) / radius + 1e-12
        low += 1e-12 * max(1.0, abs(low))
        for _ in range(60):
            mid = 0.5 * (low + high)
            if length2(mid) > radius * radius:
                low = mid
            else:
                high = mid
        mu = high
    return -(vectors @ (coef / (eigenvalues + mu)))


def _negative_hessian(
    loglik_hessian: Callable[..., tuple[float, np.ndarray, np.ndarray]], data: dict[str, Any], theta: np.ndarray
) -> np.ndarray:
    """Hessian of the negative log-likelihood at log-parameters ``theta`` (analytic)."""
    with np.errstate(all="ignore"), single_thread("blas"):
        return -loglik_hessian(theta, data)[2]


def _negative_hessian_numeric(loglik: Callable[[np.ndarray], float], theta: np.ndarray) -> np.ndarray:
    """Hessian of the negative log-likelihood at ``theta`` from central differences."""
    with np.errstate(all="ignore"), single_thread("blas"):
        return _hessian_from_function(lambda th: -loglik(th), theta)


def _errors_from_hessian(hess_log: np.ndarray, theta: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Standard errors of the natural parameters from a Hessian of -LL already computed."""
    with np.errstate(all="ignore"):
        return _standard_errors(hess_log, np.exp(theta)) * unit


# --------------------------------------------------------------------------- fit diagnostics

_LOG_EDGE = 9.0  # |log-parameter| beyond this in the fit's order-one units: running to 0 or infinity (e^9 ~ 8,100)
_LOG_SE_LIMIT = 2.5  # log-scale standard error above this: the 95% interval spans more than a factor e^9.8 ~ 18,000
_FLAT = 1e-9  # smallest / largest eigenvalue of the information below this: the likelihood is flat in a direction


def _diagnose(
    names: tuple[str, ...], theta: np.ndarray, hess_log: np.ndarray, meanings: dict[tuple[str, str], str]
) -> tuple[pd.DataFrame, list[str]]:
    """Per-parameter identification checks of a maximum-likelihood fit on log-parameters.

    ``theta`` are the fitted log-parameters in the fit's internal units (time or money rescaled so
    the parameters are of order one) and ``hess_log`` the Hessian of the *negative* total
    log-likelihood there. A parameter is flagged when its log-parameter is beyond +-9 (it ran
    towards 0 or infinity), when its log-scale standard error is not finite or above 2.5 (the
    likelihood hardly changes when it is multiplied or divided by e^5), or when the Hessian is
    not finite, singular or not positive definite (a flat direction). Returns the table
    (``parameter``, ``log_value``, ``log_standard_error``, ``direction`` ("0", "inf", "flat" or ""),
    ``identified``) and the problems in words (empty when the fit is interior and identified).
    """
    k = len(names)
    problems: list[str] = []
    log_se = np.full(k, np.nan)
    flat_vector = np.zeros(k)
    if not np.isfinite(hess_log).all():
        problems.append("the Hessian of the log-likelihood is not finite")
    else:
        eigenvalues, vectors = np.linalg.eigh((hess_log + hess_log.T) / 2.0)
        top = max(float(np.max(np.abs(eigenvalues))), 1e-300)
        if eigenvalues[0] <= _FLAT * top:
            flat_vector = np.abs(vectors[:, 0])
            problems.append("the likelihood is flat in some direction (the Hessian is singular or not positive "
                            "definite)")
        else:
            log_se = np.sqrt(np.diag(vectors @ np.diag(1.0 / eigenvalues) @ vectors.T))
    direction = np.full(k, "", dtype=object)
    for i in range(k):
        unsure = (not np.isfinite(log_se[i])) or log_se[i] > _LOG_SE_LIMIT
        if flat_vector.any():
            unsure = bool(flat_vector[i] > 0.3)
        if theta[i] > _LOG_EDGE or (unsure and theta[i] > 2.0):
            direction[i] = "inf"
        elif theta[i] < -_LOG_EDGE or (unsure and theta[i] < -2.0):
            direction[i] = "0"
        elif unsure:
            direction[i] = "flat"
    table = pd.DataFrame({"parameter": list(names), "log_value": theta, "log_standard_error": log_se,
                          "direction": direction, "identified": direction == ""})
    named = _name_bounds(names, direction, meanings)
    return table, named or problems


def _name_bounds(names: tuple[str, ...], direction: np.ndarray, meanings: dict[tuple[str, str], str]) -> list[str]:
    """Each flagged parameter (or pair named together in ``meanings``) in words, e.g. "s → 0 (...)"."""
    arrow = {"0": "→ 0", "inf": "→ ∞", "flat": "not identified"}
    flagged = {n: d for n, d in zip(names, direction, strict=True) if d}
    out = []
    for key, text in meanings.items():  # joint meanings first, e.g. ("a+b", "inf")
        parts, where = key[0].split("+"), key[1]
        if len(parts) > 1 and all(flagged.get(p) == where for p in parts):
            out.append(f"{', '.join(parts)} {arrow[where]} ({text})")
            for part in parts:
                flagged.pop(part)
    by_text: dict[str, list[str]] = {}  # parameters that mean the same thing are named together
    for name, where in flagged.items():
        by_text.setdefault(meanings.get((name, where), "the data do not pin it down"), []).append(
            f"{name} {arrow[where]}")
    out += [f"{', '.join(names_)} ({text})" for text, names_ in by_text.items()]
    return out


def _status(optimiser_ok: bool, problems: list[str], message: str = "") -> str:
    """One line: "ok", "boundary: ...", "not identified: ..." or "not converged: ..."."""
    if not optimiser_ok:
        return "not converged: " + "; ".join([message or "the optimiser stopped early", *problems])
    if not problems:
        return "ok"
    kind = "boundary" if any("→" in p for p in problems) else "not identified"
    return f"{kind}: " + "; ".join(problems)


def _standard_errors(hess_log: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Standard errors of the natural parameters from the Hessian of -LL in log-parameters.

    At the maximum the inverse Hessian in natural parameters is J^-1 H^-1 J^-1 with
    J = diag(1 / params), i.e. the delta method; NaN when the Hessian is singular.
    """
    try:
        cov = np.linalg.inv(hess_log)
    except np.linalg.LinAlgError:
        return np.full(len(params), np.nan)
    var = np.diag(cov)
    return np.where(var > 0, params * np.sqrt(np.abs(var)), np.nan)


def log_scale_interval(value: ArrayLike, standard_error: ArrayLike, z: float = 1.96) -> tuple[Any, Any]:
    """Interval of a positive parameter from the Wald interval of its logarithm (delta method).

    ``log(value) +- z se / value`` taken back to the parameter: always positive, asymmetric.

    Parameters
    ----------
    value, standard_error : array-like
        Estimates (> 0) and their standard errors, in the same units.
    z : float, default 1.96
        Normal quantile (1.96: 95%).

    Returns
    -------
    tuple
        ``(lower, upper)`` of the type of ``value``; NaN where the standard error is not finite.

    Examples
    --------
    >>> low, high = log_scale_interval(np.array([362.0]), np.array([623.0]))
    >>> bool(low[0] > 0), round(float(high[0]))
    (True, 10560)
    """
    with np.errstate(all="ignore"):
        factor = np.exp(z * standard_error / value)
    return value / factor, value * factor


def _total_loglik(theta: np.ndarray, per_customer: Callable[..., np.ndarray], x: np.ndarray, t_x: np.ndarray,
                  age: np.ndarray, w: np.ndarray) -> float:
    """Weighted log-likelihood at log-parameters ``theta`` of a per-customer log-likelihood."""
    return _dot(w, per_customer(tuple(np.exp(theta)), x, t_x, age))


class _BaseModel:
    """Shared fit bookkeeping: parameters, summary, lazy standard errors and the not-fitted check."""

    _param_names: tuple[str, ...] = ()
    # What a parameter running to a bound means, in words a manager understands: (name, "0" or "inf").
    # A key "a+b" names two parameters that run off together.
    _bound_meanings: ClassVar[dict[tuple[str, str], str]] = {}
    # A zero-argument callable that computes the standard errors on first use (a
    # functools.partial of module-level functions, so fitted models still pickle).
    _pending_errors: Callable[[], np.ndarray] | None = None

    def __init__(self, maxiter: int = 1000, tol: float = 1e-12) -> None:
        self.maxiter = maxiter
        self.tol = tol

    @classmethod
    def from_params(cls, **params: float) -> Any:
        """A model with given (e.g. published) parameters, ready for prediction.

        Raises
        ------
        ValueError
            If a parameter is missing or not positive.
        """
        missing = [p for p in cls._param_names if p not in params]
        if missing or any(params[p] <= 0 for p in cls._param_names):
            raise ValueError(f"{cls.__name__} needs positive parameters {', '.join(cls._param_names)}")
        model = cls()
        model.params_ = pd.Series({p: float(params[p]) for p in cls._param_names}, name="value")
        model.standard_errors_ = pd.Series(np.nan, index=model.params_.index, name="standard_error")
        model.converged_ = True
        model.optimizer_converged_ = True
        model.status_ = "given parameters (not fitted)"
        model.diagnostics_ = pd.DataFrame()
        model.log_likelihood_ = np.nan
        model.n_customers_ = 0
        return model

    @property
    def standard_errors_(self) -> pd.Series:
        """Standard errors of the parameters (inverse observed information, delta method).

        Computed on first access, not in ``fit``: the Hessian costs as much as a third of a
        fit and most fits are only used for prediction.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        """
        self._check_fitted()
        if self._pending_errors is not None:
            errors = self._pending_errors()
            self._standard_errors = pd.Series(errors, index=list(self._param_names), name="standard_error")
            self._pending_errors = None
        return self._standard_errors

    @standard_errors_.setter
    def standard_errors_(self, value: pd.Series) -> None:
        self._standard_errors = value
        self._pending_errors = None

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit(...) first")

    def _p(self) -> tuple[float, ...]:
        self._check_fitted()
        return tuple(float(self.params_[p]) for p in self._param_names)

    def _store(
        self, params: np.ndarray, errors: Callable[[], np.ndarray], loglik: float, n: float, ok: bool,
        *, theta: np.ndarray | None = None, hess_log: np.ndarray | None = None, stacklevel: int = 3,
    ) -> None:
        """Keep the fit; with ``theta`` and ``hess_log`` (of -LL) also diagnose it (:func:`_diagnose`).

        ``converged_`` is then true only when the optimiser stopped normally *and* every
        parameter is interior and identified; ``status_`` says what is wrong in words and a
        :class:`ConvergenceWarning` repeats it.
        """
        names = list(self._param_names)
        self.params_ = pd.Series(params, index=names, name="value")
        self._pending_errors = errors
        self.log_likelihood_ = float(loglik)
        self.n_customers_ = round(n)
        self.optimizer_converged_ = bool(ok)
        problems: list[str] = []
        self.diagnostics_ = pd.DataFrame()
        if theta is not None and hess_log is not None:
            self.diagnostics_, problems = _diagnose(self._param_names, theta, hess_log, self._bound_meanings)
        self.status_ = _status(bool(ok), problems)
        self.converged_ = bool(ok) and not problems
        if ok and problems:
            warnings.warn(f"{type(self).__name__}: {self.status_}", ConvergenceWarning, stacklevel=stacklevel)

    def _store_newton_fit(
        self, loglik_hessian: Callable[..., tuple[float, np.ndarray, np.ndarray]], data: dict[str, Any],
        theta: np.ndarray, loglik: float, ok: bool, unit: np.ndarray,
    ) -> None:
        """Keep a fit of :func:`_fit_with_gradient`: analytic Hessian, lazy standard errors, diagnostics.

        ``unit`` converts the parameters from the fit's rescaled units back; ``loglik`` is already
        converted back.
        """
        hess = _negative_hessian(loglik_hessian, data, theta)
        errors = functools.partial(_errors_from_hessian, hess, theta, unit)
        self._store(np.exp(theta) * unit, errors, loglik, data["w_total"], ok, theta=theta, hess_log=hess,
                    stacklevel=4)

    def _fit_numerically(
        self, per_customer: Callable[..., np.ndarray], frequency: ArrayLike, recency: ArrayLike, T: ArrayLike,
        weights: ArrayLike | None, *, time_params: tuple[bool, ...], model: str,
    ) -> None:
        """Maximum likelihood with a numerical gradient (L-BFGS-B) and Hessian, on distinct rows.

        ``per_customer(params, x, t_x, T)`` is the per-customer log-likelihood (a module-level
        function, so the fitted model pickles); ``time_params`` marks the parameters in units of
        time (rescaled so that the longest T is 10 during the fit).
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        w = _validate_weights(weights, len(x))
        scale = 10.0 / max(float(age.max()), 1e-12)
        data, w = _compress({"x": x, "t_x": t_x * scale, "T": age * scale}, w)
        total = float(w.sum())
        loglik = functools.partial(_total_loglik, per_customer=per_customer, x=data["x"], t_x=data["t_x"],
                                   age=data["T"], w=w)

        def objective(theta: np.ndarray) -> float:
            ll = loglik(theta)
            return -ll / total if np.isfinite(ll) else 1e10

        result, ok = _minimise(objective, np.zeros(len(time_params)), jac=False, maxiter=self.maxiter, tol=self.tol,
                               model=model)
        unit = np.where(np.array(time_params), 1.0 / scale, 1.0)
        hess = _negative_hessian_numeric(loglik, result.x)
        errors = functools.partial(_errors_from_hessian, hess, result.x, unit)
        params = np.exp(result.x) * unit
        ll = _dot(w, per_customer(tuple(params), data["x"], data["t_x"] / scale, data["T"] / scale))
        self._store(params, errors, ll, total, ok, theta=result.x, hess_log=hess)

    def summary(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% intervals on the log scale.

        Every parameter is positive, so the interval is the Wald interval of log(parameter)
        taken back: ``value * exp(+-1.96 se / value)`` (se / value is the delta-method standard
        error of the log), which stays positive. NaN where the standard error is not finite.

        Returns
        -------
        pandas.DataFrame
            Columns ``parameter``, ``value``, ``standard_error``, ``lower_95``, ``upper_95``.

        Raises
        ------
        NotFittedError
            If the model is not fitted.
        """
        self._check_fitted()
        frame = pd.DataFrame(
            {
                "parameter": list(self._param_names),
                "value": self.params_.to_numpy(),
                "standard_error": self.standard_errors_.to_numpy(),
            }
        )
        frame["lower_95"], frame["upper_95"] = log_scale_interval(frame["value"], frame["standard_error"])
        return frame

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(not fitted)"
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({values})"


class _NumericalRFMModel(_BaseModel):
    """A model of (frequency, recency, T) fitted with a numerical gradient (:meth:`_fit_numerically`).

    A subclass names its per-customer log-likelihood ``_per_customer`` (a module-level function,
    wrapped in ``staticmethod``), the parameters in units of time ``_time_params`` and its name in
    warnings ``_model_label``.
    """

    _per_customer: ClassVar[Callable[..., np.ndarray]]
    _time_params: ClassVar[tuple[bool, ...]] = ()
    _model_label: ClassVar[str] = ""

    def fit(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None) -> Self:
        """Fit by maximum likelihood (see :meth:`BetaGeoModel.fit` for the arguments).

        Returns
        -------
        Self
            ``self``, fitted.

        Raises
        ------
        crm_analysis.core.errors.CRMDataError
            If the inputs are invalid.
        """
        self._fit_numerically(type(self)._per_customer, frequency, recency, T, weights,
                              time_params=self._time_params, model=self._model_label)
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Per-customer log-likelihood under the fitted parameters."""
        x, t_x, age = _validate_rfm(frequency, recency, T)
        return type(self)._per_customer(self._p(), x, t_x, age)
