"""Data shared by the chapter-3 tests: small synthetic shop data with a churn signal, and the teaching data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.app.report import prepare
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.paths import TEACHING_DIR


def build_synthetic(seed: int = 0, n: int = 300) -> CRMData:
    """Customers buying every 15 days over 2023-2024; half get an unresolved complaint at a random date
    and stop buying ten days later (a behavioural churn signal a model can learn)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:04d}" for i in range(n)])
    complainer = rng.random(n) < 0.5
    complaint_day = np.where(complainer, rng.integers(200, 760, n), 10_000)
    rows = []
    for day in range(0, 730, 15):  # loop over time rounds, not customers
        buy = (rng.random(n) < 0.5) & (day <= complaint_day + 10)
        date = pd.Timestamp("2023-01-01") + pd.Timedelta(days=day)
        rows.append(pd.DataFrame({
            "order_id": [f"O{day:03d}{i:04d}" for i in np.flatnonzero(buy)],
            "customer_id": ids[buy], "order_date": date,
            "amount": np.round(rng.gamma(2, 20, buy.sum()), 2),
            "quantity": 1.0, "product_category": rng.choice(["a", "b"], buy.sum()),
            "status": "completed",
        }))
    tx = pd.concat(rows, ignore_index=True)
    returned = tx.sample(frac=0.03, random_state=seed).assign(amount=lambda d: -d["amount"], status="returned")
    tx = pd.concat([tx, returned], ignore_index=True)
    tx["status"] = tx["status"].astype("string")
    interactions = pd.DataFrame({
        "customer_id": ids[complainer],
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(complaint_day[complainer], unit="D"),
        "kind": "complaint", "resolved": pd.array([False] * complainer.sum(), dtype="boolean"), "topic": "delivery",
    })
    customers = pd.DataFrame({"customer_id": ids, "acquisition_channel": rng.choice(["web_form", "phone"], n),
                              "customer_type": "individual"})
    return CRMData(customers=customers, transactions=tx, interactions=interactions)


@pytest.fixture(scope="module")
def synthetic() -> CRMData:
    """The synthetic data of :func:`build_synthetic` (seed 0, 300 customers), once per module (copy before changing)."""
    return build_synthetic()


@pytest.fixture(scope="session")
def teaching():
    """The cleaned teaching data (``report.prepare("teaching")``)."""
    if not (TEACHING_DIR / "transactions.csv").exists():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")
    return prepare("teaching")
