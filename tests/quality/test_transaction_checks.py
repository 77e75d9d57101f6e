"""Tests of crm_analysis.quality.transaction_checks: order-line checks, and the vectorised
duplicate-line search against pandas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.quality.transaction_checks import _duplicate_lines, _is_unique


def test_transaction_checks(customer, line, run, flagged):
    lines = [
        line(0),
        line(0),  # exact duplicate of the line above
        line(2, customer_id="C9999"),  # orphan
        line(3, amount=-20.0),  # negative amount booked as completed
        line(4, amount=-20.0, status="returned"),  # a proper return
        line(5, customer_id=None),
        line(6, order_date=pd.Timestamp("2026-05-01")),  # after as_of
        line(7, status="cancelled"),
    ]
    _, checks = run([customer(1)], lines)
    assert flagged(checks, "duplicate_order_line") == [3]
    detail = checks.findings.loc[checks.findings["check"] == "duplicate_order_line", "detail"].iloc[0]
    assert detail == "same as row 2"
    assert flagged(checks, "orphan_transaction") == [4]
    assert flagged(checks, "unflagged_negative_amount") == [5]
    assert flagged(checks, "missing_customer_id") == [7]
    assert flagged(checks, "invalid_order_date") == [8]
    assert flagged(checks, "cancelled_order") == [9]


def test_generated_row_keys_do_not_hide_duplicate_lines(line, run, flagged):
    lines = [line(1, order_id="R1"), line(1, order_id="R2"), line(3, order_id="R3")]
    _, checks = run(None, lines)
    assert flagged(checks, "duplicate_order_line") == [3]


def test_amount_outliers_use_a_log_scale_fence(line, run, flagged):
    lines = [line(i, amount=float(10 + i % 7)) for i in range(40)] + [line(40, amount=250_000.0)]
    _, checks = run(None, lines)
    assert flagged(checks, "amount_outlier") == [42]


def _random_lines(frame, seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return frame([{
        "order_id": f"O{int(o)}", "customer_id": f"C{int(c)}" if c else None,
        "order_date": pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(d)),
        "amount": float(a), "quantity": float(q), "status": ["completed", "returned"][int(s)],
    } for o, c, d, a, q, s in zip(rng.integers(0, 40, n), rng.integers(0, 4, n), rng.integers(0, 3, n),
                                 rng.integers(1, 4, n), rng.integers(1, 3, n), rng.integers(0, 2, n),
                                 strict=True)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_duplicate_lines_match_pandas_duplicated(seed, frame):
    tx = _random_lines(frame, seed)
    found = _duplicate_lines(tx, {"table": "transactions", "id_column": "order_id"})
    expected = tx.index[tx.duplicated(keep="first")].tolist()  # order_id is a real, shared key here
    assert found["source_row"].tolist() == expected and expected
    first = tx.reset_index().groupby(list(tx.columns), dropna=False)["source_row"].transform("first")
    wanted = ("same as row " + first.astype(str)).to_numpy()[tx.duplicated(keep="first").to_numpy()]
    assert found["detail"].tolist() == wanted.tolist()


def test_a_per_row_order_id_is_ignored_but_a_shared_one_is_not(frame):
    lines = [{"order_id": oid, "customer_id": "C1", "order_date": pd.Timestamp("2025-01-01"), "amount": 5.0}
             for oid in ("A", "B", "C")]
    per_row = _duplicate_lines(frame(lines), {"table": "transactions", "id_column": "order_id"})
    assert per_row["source_row"].tolist() == [3, 4]
    shared = frame([*lines, {**lines[0], "amount": 9.0}])  # order "A" has two lines: a real order key
    assert _duplicate_lines(shared, {"table": "transactions", "id_column": "order_id"}).empty


def test_uniqueness_probe_answers_like_is_unique():
    assert _is_unique(pd.Series(["a", "b", "c", "a"]), probe=2) is False  # repeat after the probe
    assert _is_unique(pd.Series(["a", "a", "c"]), probe=2) is False
    assert _is_unique(pd.Series(["a", "b", "c"]), probe=2) is True
