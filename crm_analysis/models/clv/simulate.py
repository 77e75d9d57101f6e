"""Simulated customers from the BG/NBD and Gamma-Gamma processes (tests, teaching, exercises)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.models.clv._inputs import ArrayLike, _as_float


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
