"""Buy-till-you-die customer-lifetime-value models, fitted by maximum likelihood.

- :class:`BetaGeoModel`: BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers
  the easy way"), purchases while alive ~ Poisson, dropout after each purchase with
  probability p; gamma(r, alpha) and beta(a, b) heterogeneity.
- :class:`ParetoNBDModel`: Pareto/NBD (Schmittlein, Morrison & Colombo 1987), with the
  expressions of Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
  related expressions"; exponential lifetimes with gamma(s, beta) heterogeneity.
- :class:`GammaGammaModel`: spend per transaction (Fader & Hardie 2013, "The
  Gamma-Gamma model of monetary value"; Colombo & Jiang 1999).
- :func:`customer_lifetime_value` and :func:`cumulative_repeat_forecast`.

The inputs are the columns of :func:`crm_analysis.features.rfm_summary`:
``frequency`` (repeat purchases x), ``recency`` (t_x) and ``T``, all in one time unit.

Implementation notes: log-likelihoods are vectorised; BG/NBD and Gamma-Gamma have
analytic gradients and Hessians and are fitted by trust-region Newton (L-BFGS-B, the
Pareto/NBD's optimiser, takes over where Newton does not converge cleanly); parameters
are optimised on the log scale, on the distinct (frequency, recency, T) rows
(Gamma-Gamma: distinct (frequency, spend) rows) weighted by their counts, with time
(money) rescaled so that the parameters are of order one. BLAS is held to one thread
while the optimisers run (its worker threads only spin on 3- or 4-parameter problems).
Standard errors come from the inverse of the Hessian of the log-likelihood (observed
information), computed when ``standard_errors_`` or ``summary()`` is first used, not in
``fit``.

Examples
--------
>>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> round(float(model.expected_purchases(39, 2, 30.43, 38.86)), 3)
1.226
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from scipy import linalg, optimize, stats
from scipy.special import betaln, digamma, expit, gammaln, hyp2f1, zeta

from crm_analysis.core.errors import CRMDataError

ArrayLike = Any  # scalars, sequences, numpy arrays or pandas Series


class ConvergenceWarning(UserWarning):
    """The optimiser stopped before reaching a maximum of the likelihood."""


class UndefinedValueWarning(UserWarning):
    """A prediction does not exist for some customers (e.g. an infinite mean) and is NaN."""


class NotFittedError(ValueError, AttributeError):
    """A model was used before ``fit`` (same bases as scikit-learn's ``NotFittedError``)."""


# --------------------------------------------------------------------------- inputs


def _as_float(values: ArrayLike, name: str) -> np.ndarray:
    """1-d float64 array of ``values``, rejecting missing and infinite values."""
    arr = np.atleast_1d(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1:
        raise CRMDataError(f"{name} must be one-dimensional, got shape {arr.shape}")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise CRMDataError(f"{name} has missing or infinite values, e.g. at positions {_where(bad)}")
    return arr


def _where(mask: np.ndarray, limit: int = 5) -> str:
    """A few positions where ``mask`` holds, for error messages."""
    return ", ".join(str(i) for i in np.flatnonzero(mask)[:limit])


def _same_length(**arrays: np.ndarray) -> None:
    lengths = {name: len(a) for name, a in arrays.items()}
    if len(set(lengths.values())) > 1:
        raise CRMDataError(f"inputs must have the same length, got {lengths}")


def _check_frequency(frequency: np.ndarray) -> None:
    if (frequency < 0).any():
        raise CRMDataError(f"frequency must be >= 0, e.g. positions {_where(frequency < 0)}")
    fractional = frequency != np.round(frequency)
    if fractional.any():
        raise CRMDataError(
            f"frequency must be whole numbers of repeat purchases, e.g. positions {_where(fractional)}"
        )


def _validate_rfm(
    frequency: ArrayLike, recency: ArrayLike, T: ArrayLike
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated float arrays (frequency, recency, T)."""
    x = _as_float(frequency, "frequency")
    t_x = _as_float(recency, "recency")
    age = _as_float(T, "T")
    x, t_x, age = np.broadcast_arrays(x, t_x, age) if 1 in {len(x), len(t_x), len(age)} else (x, t_x, age)
    _same_length(frequency=x, recency=t_x, T=age)
    _check_frequency(x)
    if (t_x < 0).any():
        raise CRMDataError(f"recency must be >= 0, e.g. positions {_where(t_x < 0)}")
    # A little slack: recency and T are often rounded independently (e.g. to 2 decimals).
    late = t_x > age + 1e-9 * np.maximum(1.0, age)
    if late.any():
        raise CRMDataError(f"recency must be <= T (time since first purchase), e.g. positions {_where(late)}")
    lonely = (x == 0) & (t_x != 0)
    if lonely.any():
        raise CRMDataError(f"customers with frequency 0 must have recency 0, e.g. positions {_where(lonely)}")
    return x, t_x, age


def _validate_weights(weights: ArrayLike | None, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = _as_float(weights, "weights")
    _same_length(weights=w, data=np.empty(n))
    if (w < 0).any() or w.sum() <= 0:
        raise CRMDataError("weights must be >= 0 with a positive total")
    return w


def _row_groups(codes: list[tuple[np.ndarray, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Group number of each row from per-column codes, and the first row of each group.

    ``codes`` holds, per column, the codes of :func:`pandas.factorize` and how many distinct
    values there are. Hash-based, no sorting and no DataFrame: a groupby's fixed cost is
    several times a whole fit on small data. Groups are numbered in order of first appearance.
    """
    key, span = codes[0]
    for column, n in codes[1:]:
        if span * n >= 2**62:  # Python ints: renumber before the combined code could overflow
            key, uniques = pd.factorize(key)
            span = len(uniques)
        key, span = key * n + column, span * n
    if len(codes) > 1:
        key = pd.factorize(key)[0]
    # A row is its group's first exactly where the running maximum of the codes goes up.
    running = np.maximum.accumulate(key) if len(key) else key
    first = np.flatnonzero(np.concatenate(([True], running[1:] > running[:-1]))) if len(key) else key
    return key, first


def _sum_groups(key: np.ndarray, first: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First row and summed weight of each group with a positive total weight."""
    totals = np.bincount(key, weights=weights, minlength=len(first))
    keep = totals > 0
    return first[keep], totals[keep]


def _compress(columns: dict[str, np.ndarray], weights: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Distinct rows of ``columns`` with summed weights, zero-weight rows dropped."""
    codes = []
    for values in columns.values():
        column, uniques = pd.factorize(values)
        codes.append((column, len(uniques)))
    rows, totals = _sum_groups(*_row_groups(codes), weights)
    return {c: v[rows] for c, v in columns.items()}, totals


def _wrap(result: np.ndarray, like: ArrayLike) -> ArrayLike:
    """Return a float for scalar input, a Series for Series input, else an array."""
    if isinstance(like, pd.Series):
        return pd.Series(result, index=like.index)
    if np.ndim(like) == 0:
        return float(result[0])
    return result


def _first_input(*inputs: ArrayLike) -> ArrayLike:
    """The input whose shape the output follows (the first Series or array, else a scalar)."""
    for value in inputs:
        if isinstance(value, pd.Series) or np.ndim(value) > 0:
            return value
    return inputs[0]


# --------------------------------------------------------------------------- fitting machinery


def _trigamma(x: ArrayLike) -> np.ndarray:
    """psi'(x) = zeta(2, x): the ufunc directly (``polygamma`` adds ~50 us of Python per call)."""
    return zeta(2.0, x)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product without BLAS: multithreaded BLAS dot products stall on a busy machine."""
    return float(np.einsum("i,i->", a, b))


@functools.lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl's controller of the loaded BLAS libraries, or None without threadpoolctl.

    Built once: finding the libraries costs milliseconds, limiting them then costs microseconds.
    """
    try:
        from threadpoolctl import ThreadpoolController  # a dependency of scikit-learn
    except ImportError:  # pragma: no cover - scikit-learn (a dependency) brings it
        return None
    return ThreadpoolController()


def _single_threaded_blas() -> contextlib.AbstractContextManager[Any]:
    """Limit BLAS to one thread while an optimiser runs.

    L-BFGS-B works on vectors of 3-4 parameters, yet scipy's OpenBLAS wakes its worker
    threads in every iteration; they then spin, which on CDNOW doubled the CPU time of a
    fit and made it many times slower on a busy machine. One thread loses nothing here:
    the only BLAS work is 4x4 algebra and (Hessians) products of 4 x n by n x 4 matrices.
    """
    controller = _blas_controller()
    if controller is None:  # pragma: no cover
        return contextlib.nullcontext()
    return controller.limit(limits=1, user_api="blas")


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
    with np.errstate(all="ignore"), _single_threaded_blas():
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
    with np.errstate(all="ignore"), _single_threaded_blas():
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
    with np.errstate(all="ignore"), _single_threaded_blas():
        hess = -loglik_hessian(theta, data)[2]
        return _standard_errors(hess, np.exp(theta)) * unit


def _function_standard_errors(
    loglik: Callable[[np.ndarray], float], theta: np.ndarray, unit: np.ndarray
) -> np.ndarray:
    """As :func:`_hessian_standard_errors`, from a Hessian of finite differences of ``loglik``."""
    with np.errstate(all="ignore"), _single_threaded_blas():
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


# --------------------------------------------------------------------------- BG/NBD


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
        Whether the optimiser reported convergence.
    n_customers_ : int
        Customers (total weight) fitted on.

    Examples
    --------
    >>> data = simulate_bgnbd(38.0, r=0.25, alpha=4.0, a=0.8, b=2.5, n_customers=5000, seed=1)
    >>> model = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    >>> model.converged_, round(float(model.params_["r"]), 1)
    (True, 0.2)
    """

    _param_names = ("r", "alpha", "a", "b")

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
        unit = np.array([1.0, 1.0 / scale, 1.0, 1.0])
        errors = functools.partial(_hessian_standard_errors, _bgnbd_loglik_hessian, data, theta, unit)
        # alpha' = alpha * scale and t' = t * scale: each purchase's density gains a factor 1/scale.
        loglik += np.log(scale) * data["wx_total"]
        self._store(np.exp(theta) * unit, errors, loglik, data["w_total"], ok)
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
        x, t_x, age = _validate_rfm(frequency, recency, T)
        r, alpha, a, b = self._p()
        alive = np.asarray(self.probability_alive(x, t_x, age))
        expected = _bgnbd_alive_purchases(float(t), alpha + age, a, b + x, r + x) * alive
        return _wrap(expected, _first_input(frequency, recency, T))

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
        t_arr = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if (t_arr < 0).any():
            raise ValueError("t must be >= 0")
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


# --------------------------------------------------------------------------- Pareto/NBD


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


def _pareto_total_loglik(theta: np.ndarray, x: np.ndarray, t_x: np.ndarray, age: np.ndarray,
                         w: np.ndarray) -> float:
    """Weighted Pareto/NBD log-likelihood at log-parameters ``theta``."""
    return _dot(w, _pareto_loglik(tuple(np.exp(theta)), x, t_x, age))


class ParetoNBDModel(_BaseModel):
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

    def fit(
        self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike, weights: ArrayLike | None = None
    ) -> ParetoNBDModel:
        """Fit by maximum likelihood (see :meth:`BetaGeoModel.fit` for the arguments).

        Returns
        -------
        ParetoNBDModel
            ``self``, fitted.

        Raises
        ------
        crm_analysis.core.errors.CRMDataError
            If the inputs are invalid.
        """
        x, t_x, age = _validate_rfm(frequency, recency, T)
        w = _validate_weights(weights, len(x))
        scale = 10.0 / max(age.max(), 1e-12)
        data, w = _compress({"x": x, "t_x": t_x * scale, "T": age * scale}, w)
        total = w.sum()
        loglik = functools.partial(_pareto_total_loglik, x=data["x"], t_x=data["t_x"], age=data["T"], w=w)

        def objective(theta: np.ndarray) -> float:
            ll = loglik(theta)
            return -ll / total if np.isfinite(ll) else 1e10

        result, ok = _minimise(objective, np.zeros(4), jac=False, maxiter=self.maxiter, tol=self.tol,
                               model="Pareto/NBD")
        unit = np.array([1.0, 1.0 / scale, 1.0, 1.0 / scale])
        errors = functools.partial(_function_standard_errors, loglik, result.x, unit)
        params = np.exp(result.x) * unit
        ll = _dot(w, _pareto_loglik(tuple(params), data["x"], data["t_x"] / scale, data["T"] / scale))
        self._store(params, errors, ll, total, ok)
        return self

    def log_likelihood(self, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> np.ndarray:
        """Per-customer log-likelihood under the fitted parameters."""
        x, t_x, age = _validate_rfm(frequency, recency, T)
        return _pareto_loglik(self._p(), x, t_x, age)

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
        t_arr = np.atleast_1d(np.asarray(t, dtype=np.float64))
        if (t_arr < 0).any():
            raise ValueError("t must be >= 0")
        return _wrap(r / alpha * _pareto_lifetime_integral(s, beta, t_arr), t)


def _pareto_lifetime_integral(s: float, beta_t: ArrayLike, t: ArrayLike) -> np.ndarray:
    """beta_t / (s-1) * [1 - (beta_t/(beta_t+t))^(s-1)]: expected time alive in the next t, times mu-mix.

    Written with expm1 so that s close to 1 has the right limit beta_t * log(1 + t/beta_t).
    """
    log_ratio = np.log1p(np.asarray(t) / np.asarray(beta_t))
    if abs(s - 1.0) < 1e-10:
        return np.asarray(beta_t) * log_ratio
    return np.asarray(beta_t) * -np.expm1(-(s - 1.0) * log_ratio) / (s - 1.0)


# --------------------------------------------------------------------------- Gamma-Gamma


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
        unit = np.array([1.0, 1.0, 1.0 / scale])
        errors = functools.partial(_hessian_standard_errors, _gg_loglik_hessian, data, theta, unit)
        # m' = m * scale and v' = v * scale: each customer's density gains a factor scale.
        loglik += np.log(scale) * data["w_total"]
        self._store(np.exp(theta) * unit, errors, loglik, data["w_total"], ok)
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


# --------------------------------------------------------------------------- simulation


def simulate_bgnbd(
    T: ArrayLike,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    n_customers: int | None = None,
    seed: int | None = None,
) -> pd.DataFrame:
    """Simulate (frequency, recency, T) from the BG/NBD model, vectorised.

    Each customer has a purchase rate lambda ~ gamma(r, scale 1/alpha) and dropout
    probability p ~ beta(a, b). The number of repeat purchases before dropout is
    K ~ geometric(p) >= 1 and the number of Poisson arrivals in (0, T] is
    N ~ Poisson(lambda T), so x = min(K, N); given N, arrival times are uniform order
    statistics, so the x-th one is T * beta(x, N - x + 1).

    Parameters
    ----------
    T : float or array-like
        Age of each customer (a scalar is repeated ``n_customers`` times).
    r, alpha, a, b : float
        BG/NBD parameters.
    n_customers : int, optional
        Needed when ``T`` is a scalar.
    seed : int, optional
        Seed of ``numpy.random.default_rng``.

    Returns
    -------
    pandas.DataFrame
        Columns ``frequency`` (int64), ``recency``, ``T``.

    Raises
    ------
    ValueError
        If ``T`` is a scalar and ``n_customers`` is not given.

    Examples
    --------
    >>> simulate_bgnbd(10.0, r=1, alpha=1, a=1, b=3, n_customers=3, seed=0).shape
    (3, 3)
    """
    if np.ndim(T) == 0:
        if n_customers is None:
            raise ValueError("give n_customers when T is a scalar")
        age = np.full(n_customers, float(T))
    else:
        age = np.asarray(T, dtype=np.float64)
    rng = np.random.default_rng(seed)
    n = len(age)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    k = rng.geometric(np.clip(p, 1e-12, 1.0))
    arrivals = rng.poisson(lam * age)
    x = np.minimum(k, arrivals)
    # x-th of N uniform order statistics on (0, T]; beta(x, N-x+1) needs x >= 1.
    frac = rng.beta(np.maximum(x, 1), arrivals - x + 1)
    recency = np.where(x > 0, age * frac, 0.0)
    return pd.DataFrame({"frequency": x.astype(np.int64), "recency": recency, "T": age})


def simulate_gamma_gamma(
    frequency: ArrayLike, *, p: float, q: float, v: float, seed: int | None = None
) -> np.ndarray:
    """Simulate each customer's mean repeat-transaction value under the Gamma-Gamma model.

    nu ~ gamma(q, scale 1/v) per customer; the mean of x values gamma(p, scale 1/nu)
    is gamma(p x, scale 1/(nu x)). Customers with x = 0 get 0.

    Examples
    --------
    >>> simulate_gamma_gamma([0, 2], p=6, q=4, v=15, seed=0)[0]
    np.float64(0.0)
    """
    x = _as_float(frequency, "frequency")
    rng = np.random.default_rng(seed)
    nu = rng.gamma(q, 1.0 / v, len(x))
    shape = np.maximum(p * x, 1e-12)
    mean = rng.gamma(shape, 1.0 / (nu * np.maximum(x, 1)))
    return np.where(x > 0, mean, 0.0)


# --------------------------------------------------------------------------- value and forecasts


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


__all__ = [
    "BetaGeoModel",
    "ConvergenceWarning",
    "GammaGammaModel",
    "NotFittedError",
    "ParetoNBDModel",
    "UndefinedValueWarning",
    "cumulative_repeat_forecast",
    "customer_lifetime_value",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
