"""Customer feature tables shared by the tests of crm_analysis.segment."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

SEED = 20240601


def _make_features(n: int = 400, seed: int = SEED) -> pd.DataFrame:
    """Three well separated behavioural groups with skewed spend, like real customers."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    n_orders = np.where(group == 0, rng.poisson(15, n) + 5, np.where(group == 1, rng.poisson(3, n) + 1, 1))
    recency = np.where(group == 0, rng.integers(1, 30, n), np.where(group == 1, rng.integers(30, 200, n),
                                                                     rng.integers(300, 900, n)))
    aov = rng.lognormal(np.where(group == 0, 5.0, np.where(group == 1, 4.0, 3.5)), 0.3)
    index = pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id", dtype="string")
    return pd.DataFrame({
        "recency_days": recency, "n_orders": n_orders, "monetary": n_orders * aov,
        "avg_order_value": aov, "tenure_days": recency + rng.integers(0, 400, n),
        "region": rng.choice(["East", "North", "South"], n), "group": group,
    }, index=index)


@pytest.fixture
def make_features() -> Callable[..., pd.DataFrame]:
    """``make_features(n=400, seed=SEED)``: a customer feature table with a known ``group`` per customer."""
    return _make_features
