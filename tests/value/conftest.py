"""Shared fixtures of the chapter-4 tests: a simulated summary and its models, the CDNOW replication, teaching data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.app.report import resolve_as_of
from crm_analysis.core import paths
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load
from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma

SEED = 20240601


def _tx(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "amount", "status"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame = frame.astype({"order_id": "string", "customer_id": "string", "status": "string",
                          "amount": "Float64"})
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="source_row")
    return frame


@pytest.fixture
def make_tx():
    """Builds canonical transactions from (order_id, customer_id, order_date, amount, status) rows."""
    return _tx


@pytest.fixture(scope="session")
def simulated_summary() -> pd.DataFrame:
    """3,000 customers simulated from known BG/NBD and Gamma-Gamma parameters (weeks)."""
    rng = np.random.default_rng(SEED)
    ages = rng.uniform(10, 60, size=3000)
    summary = simulate_bgnbd(ages, r=0.5, alpha=6.0, a=0.8, b=2.5, seed=SEED)
    summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6.0, q=4.0, v=15.0, seed=SEED)
    summary.index = pd.Index([f"C{i:05d}" for i in range(len(summary))], name="customer_id")
    return summary


@pytest.fixture(scope="session")
def simulated_models(simulated_summary: pd.DataFrame) -> value.ValueModels:
    return value.fit_value_models(simulated_summary, pareto=False)


@pytest.fixture(scope="session")
def cdnow_paper() -> dict:
    return value.paper_replication()


@pytest.fixture(scope="session")
def teaching() -> dict:
    if not (paths.TEACHING_DIR / "transactions.csv").is_file():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")
    data = clean(load("teaching"))
    as_of = resolve_as_of(data)
    summary = value.summary_table(data.transactions, as_of=as_of)
    models = value.fit_value_models(summary)
    prediction = value.predict_value(summary, models, alive_model="pareto_nbd")
    return {"data": data, "summary": summary, "prediction": prediction}
