"""The maximum-likelihood skeleton shared by the CLV models: optimisers, standard errors, warnings, fit bookkeeping."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import zeta

from crm_analysis.core.threads import single_thread
from crm_analysis.models.clv._inputs import ArrayLike


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
    converged. Standard errors are not computed here (see :func:`_hessian_standard_errors`):
    most fits never ask for them.
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


def _hessian_standard_errors(
    loglik_hessian: Callable[..., tuple[float, np.ndarray, np.ndarray]],
    data: dict[str, Any],
    theta: np.ndarray,
    unit: np.ndarray,
) -> np.ndarray:
    """Standard errors of the natural parameters from the analytic Hessian.

    ``theta`` are the fitted log-parameters in the fit's internal units and ``unit`` the
    factors that take the natural parameters back to the data's units (time or money).
    """
    with np.errstate(all="ignore"), single_thread("blas"):
        hess = -loglik_hessian(theta, data)[2]
        return _standard_errors(hess, np.exp(theta)) * unit


def _function_standard_errors(
    loglik: Callable[[np.ndarray], float], theta: np.ndarray, unit: np.ndarray
) -> np.ndarray:
    """As :func:`_hessian_standard_errors`, from a Hessian of finite differences of ``loglik``."""
    with np.errstate(all="ignore"), single_thread("blas"):
        hess = _hessian_from_function(lambda th: -loglik(th), theta)
        return _standard_errors(hess, np.exp(theta)) * unit


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


class _BaseModel:
    """Shared fit bookkeeping: parameters, summary, lazy standard errors and the not-fitted check."""

    _param_names: tuple[str, ...] = ()
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
        self, params: np.ndarray, errors: Callable[[], np.ndarray], loglik: float, n: float, ok: bool
    ) -> None:
        names = list(self._param_names)
        self.params_ = pd.Series(params, index=names, name="value")
        self._pending_errors = errors
        self.log_likelihood_ = float(loglik)
        self.n_customers_ = round(n)
        self.converged_ = bool(ok)

    def summary(self) -> pd.DataFrame:
        """Parameters with standard errors and 95% Wald intervals.

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
        frame["lower_95"] = frame["value"] - 1.96 * frame["standard_error"]
        frame["upper_95"] = frame["value"] + 1.96 * frame["standard_error"]
        return frame

    def __repr__(self) -> str:
        if not hasattr(self, "params_"):
            return f"{type(self).__name__}(not fitted)"
        values = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return f"{type(self).__name__}({values})"
