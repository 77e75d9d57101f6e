"""Degenerate, hostile and personal-data inputs for the whole run (issue 17), written by code (no data
files committed). Each builder writes a canonical folder (transactions.csv, sometimes customers.csv)
and returns it; :data:`BUILDERS` names them all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HEADER = "customer_id,order_date,amount\n"
#: Cells a spreadsheet would run as formulas (OWASP's list of first characters).
INJECTIONS = ['=HYPERLINK("http://example.invalid","click")', "+1+2", "-3+4", "@SUM(1+1)", "\t=1+1", "\r=1+1"]
#: Mainland mobile numbers used as the customer key (手机号作会员号), and e-mails / ID numbers in text.
PHONES = [f"139{n:08d}" for n in range(10_000_001, 10_000_041)]
EMAILS = [f"buyer{n}@example.com" for n in range(40)]
ID_NUMBERS = [f"11010519900307{n:03d}{'X' if n % 2 else '1'}" for n in range(40)]


def _write(folder: Path, transactions: str | pd.DataFrame, customers: pd.DataFrame | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(transactions, str):
        (folder / "transactions.csv").write_text(transactions, encoding="utf-8")
    else:
        transactions.to_csv(folder / "transactions.csv", index=False)
    if customers is not None:
        customers.to_csv(folder / "customers.csv", index=False)
    return folder


def _orders(customers: list[str], n_per: int, *, seed: int = 17, one_day: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for customer in customers:
        days = np.zeros(n_per, dtype=int) if one_day else np.sort(rng.integers(0, 700, n_per))
        for day in days:
            rows.append((customer, (pd.Timestamp("2023-01-02") + pd.Timedelta(days=int(day))).date().isoformat(),
                         round(float(rng.gamma(2.0, 30.0)) + 1.0, 2)))
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def header_only(folder: Path) -> Path:
    """Transactions with a header and no line."""
    return _write(folder, HEADER)


def one_customer_ten_orders(folder: Path) -> Path:
    return _write(folder, _orders(["C1"], 10))


def one_customer_one_order(folder: Path) -> Path:
    return _write(folder, _orders(["C1"], 1))


def every_order_on_one_day(folder: Path) -> Path:
    """200 customers, 1 to 3 orders each, all on 2023-01-02."""
    return _write(folder, pd.concat([_orders([f"C{i}" for i in range(k, 200, 3)], k + 1, one_day=True, seed=k)
                                     for k in range(3)], ignore_index=True))


def identical_lines(folder: Path, n: int = 50_000) -> Path:
    """The same line ``n`` times: one buyer with one order left after de-duplication (the issue's
    million lines, smaller so the test stays quick; the shape is the same)."""
    return _write(folder, HEADER + "C1,2024-03-01,19.90\n" * n)


def formula_injection(folder: Path) -> Path:
    """Customer ids and names that a spreadsheet would run as formulas, among ordinary customers."""
    ids = INJECTIONS + [f"C{i}" for i in range(60)]
    customers = pd.DataFrame({"customer_id": ids, "name": ["=1+1" if i % 2 else "@cmd" for i in range(len(ids))],
                              "city": ["-Shanghai", "+Beijing", "=cmd|' /C calc'!A0"] * (len(ids) // 3)
                              + ["Hangzhou"] * (len(ids) % 3)})
    return _write(folder, _orders(ids, 4, seed=3), customers)


def phone_keys(folder: Path) -> Path:
    """Mobile numbers as customer keys, e-mails and resident ID numbers in free-text columns."""
    customers = pd.DataFrame({"customer_id": PHONES, "city": ["Shanghai"] * len(PHONES),
                              "industry": [f"contact {e} / ID {i}" for e, i in zip(EMAILS, ID_NUMBERS, strict=True)]})
    return _write(folder, _orders(PHONES, 5, seed=5), customers)


BUILDERS: dict[str, Callable[[Path], Path]] = {
    "header_only": header_only,
    "one_customer_ten_orders": one_customer_ten_orders,
    "one_customer_one_order": one_customer_one_order,
    "every_order_on_one_day": every_order_on_one_day,
    "identical_lines": identical_lines,
    "formula_injection": formula_injection,
    "phone_keys": phone_keys,
}
