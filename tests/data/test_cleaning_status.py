"""Cleaning of transaction status words and signs (issue 14): synonyms mapped, the unknown quarantined."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.core.crmdata import CRMData
from crm_analysis.data.cleaning import clean, row_accounting


def _lines(status: list, amount: list, quantity: list | None = None) -> CRMData:
    n = len(status)
    tx = pd.DataFrame({"order_id": [str(i) for i in range(n)], "customer_id": ["a"] * n,
                       "order_date": pd.date_range("2024-01-01", periods=n, freq="D"),
                       "amount": amount, "status": pd.array(status, dtype="string")})
    if quantity is not None:
        tx["quantity"] = quantity
    return CRMData(transactions=tx)


@pytest.mark.parametrize(("word", "meaning"), [
    ("shipped", "completed"), ("Delivered", "completed"), ("paid", "completed"), ("完成", "completed"),
    ("已付款", "completed"), ("refund", "returned"), ("退货", "returned"), ("canceled", "cancelled")])
def test_status_synonyms_are_mapped(word: str, meaning: str) -> None:
    out = clean(_lines([word], [12.5]))
    assert out.transactions["status"].tolist() == [meaning]
    assert out.quarantine.empty


def test_unknown_status_is_quarantined_with_the_word_never_dropped_silently() -> None:
    data = _lines(["completed", "on hold", "pending", None, "shipped"], [10.0, 20.0, 30.0, 40.0, 50.0])
    out = clean(data)
    assert out.transactions["amount"].tolist() == [10.0, 40.0, 50.0]   # the blank status is kept
    assert out.quarantine["reason"].tolist() == ["status 'on hold' is not a known status",
                                                 "status 'pending' is not a known status"]
    assert out.quarantine["source_row"].tolist() == [1, 2]
    accounting = row_accounting(out).set_index("table")
    assert accounting.loc["transactions", ["rows_in", "rows_clean", "rows_quarantined"]].tolist() == [5, 3, 2]


@pytest.mark.parametrize(("quantity", "amount", "kept"), [
    (-3.0, 30.0, False), (3.0, -30.0, False), (-3.0, -30.0, True), (3.0, 30.0, True),
    (0.0, 30.0, True), (np.nan, -30.0, True)])
def test_quantity_and_amount_of_opposite_signs_are_quarantined(quantity: float, amount: float, kept: bool) -> None:
    out = clean(_lines(["completed"], [amount], [quantity]))
    assert len(out.transactions) == int(kept)
    if not kept:
        assert out.quarantine["reason"].iloc[0].endswith("have opposite signs")
        assert "quantity" in out.quarantine["reason"].iloc[0]
