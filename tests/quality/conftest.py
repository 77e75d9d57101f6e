"""Builders shared by the chapter-1 tests: tiny hand-built tables and the teaching data with its checks."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from crm_analysis import quality
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.paths import TEACHING_DIR
from crm_analysis.data import synth
from crm_analysis.data.loading import load

AS_OF = pd.Timestamp("2026-01-01")
_RNG = np.random.default_rng(2024)
_PHONES = [f"1{d}" for d in _RNG.integers(3 * 10**9, 10**10 - 1, 200)]  # far apart, unlike 139...01 / 139...02
_MAILS = ["".join(_RNG.choice(list("abcdefghijklmnopqrstuvwxyz"), 8)) + "@example.com" for _ in range(200)]


def _frame(rows: list[dict], first_row: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame), name="source_row")
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    return frame


def _customer(i: int, **overrides) -> dict:
    """A complete, valid customer record; tests override what they need."""
    row = {
        "customer_id": f"C{i:04d}", "name": f"王{chr(0x4E00 + 37 * i)}{chr(0x4E00 + 53 * i)}",
        "gender": "female", "birth_date": pd.Timestamp("1985-01-01") + pd.Timedelta(days=97 * i),
        "phone": f"138{i:08d}", "email": f"user{i}@example.com", "city": "上海", "region": "East",
        "customer_type": "individual", "industry": None, "acquisition_channel": "web_form",
        "signup_date": pd.Timestamp("2024-01-01"), "updated_at": pd.Timestamp("2025-06-01"),
        "marketing_consent": True,
    }
    row.update(overrides)
    return row


def _person(i: int, **overrides) -> dict:
    """A customer with a far-apart phone and e-mail, for the blocking and threshold tests."""
    row = {"customer_id": f"C{i:04d}", "name": f"王{chr(0x4E00 + 37 * i)}{chr(0x4E00 + 53 * i)}",
           "phone": _PHONES[i], "email": _MAILS[i],
           "birth_date": pd.Timestamp("1970-01-01") + pd.Timedelta(days=101 * i),
           "signup_date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)}
    row.update(overrides)
    return row


def _line(i: int, **overrides) -> dict:
    row = {"order_id": f"O{i:04d}", "customer_id": "C0001", "order_date": pd.Timestamp("2025-03-01"),
           "amount": 20.0 + i, "quantity": 1.0, "status": "completed"}
    row.update(overrides)
    return row


def _checks(customers: list[dict] | None = None, transactions: list[dict] | None = None, **kw):
    data = CRMData(customers=_frame(customers) if customers else None,
                   transactions=_frame(transactions) if transactions else None)
    return data, quality.run_checks(data, as_of=AS_OF, **kw)


def _flagged(checks: quality.QualityChecks, check: str) -> list[int]:
    return sorted(checks.findings.loc[checks.findings["check"] == check, "source_row"].tolist())


@pytest.fixture(scope="session")
def frame() -> Callable[..., pd.DataFrame]:
    """Rows -> a table indexed by source_row (from 2, as in a file with a header), text as strings."""
    return _frame


@pytest.fixture(scope="session")
def customer() -> Callable[..., dict]:
    return _customer


@pytest.fixture(scope="session")
def person() -> Callable[..., dict]:
    return _person


@pytest.fixture(scope="session")
def line() -> Callable[..., dict]:
    """A valid order line; tests override what they need."""
    return _line


@pytest.fixture(scope="session")
def run() -> Callable[..., tuple[CRMData, quality.QualityChecks]]:
    """(customers rows, transactions rows, **run_checks options) -> (data, checks) at AS_OF."""
    return _checks


@pytest.fixture(scope="session")
def flagged() -> Callable[[quality.QualityChecks, str], list[int]]:
    """The source rows one check flagged, sorted."""
    return _flagged


@pytest.fixture
def small_world() -> tuple[CRMData, quality.QualityChecks]:
    """Two channels: referral (clean, buys) and purchased_list (a bad phone, a missing e-mail)."""
    customers = [
        _customer(1, acquisition_channel="referral"),
        _customer(2, acquisition_channel="referral"),
        _customer(3, acquisition_channel="purchased_list", phone="123", email=None),
        _customer(4, acquisition_channel="purchased_list"),
    ]
    lines = [
        _line(1, customer_id="C0001", amount=100.0, order_date=pd.Timestamp("2025-01-01")),
        _line(2, customer_id="C0001", amount=50.0, order_date=pd.Timestamp("2025-02-01")),
        _line(3, customer_id="C0002", amount=30.0, order_date=pd.Timestamp("2025-02-01")),
        _line(4, customer_id="C0003", amount=10.0, order_date=pd.Timestamp("2025-02-01")),
        _line(5, customer_id="C0003", amount=10.0, order_date=pd.Timestamp("2025-02-01")),  # same day
    ]
    return _checks(customers, lines)


@pytest.fixture(scope="session")
def teaching() -> tuple[CRMData, quality.QualityChecks]:
    """The committed teaching data when present, otherwise the same generator in memory, with its checks."""
    data = load("teaching") if TEACHING_DIR.exists() else synth.generate(3000, seed=11)
    return data, quality.run_checks(data, as_of=pd.Timestamp("2026-01-01"))
