"""Tests of crm_analysis.quality.checks: run_checks as a whole, and re-checking timeliness alone."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from crm_analysis import quality
from crm_analysis.core import i18n
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError

AS_OF = pd.Timestamp("2026-01-01")
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_clean_records_raise_no_finding(customer, run):
    _, checks = run([customer(i) for i in range(5)])
    assert checks.findings.empty
    assert checks.duplicate_pairs.empty


def test_transactions_only_data_notes_what_cannot_be_checked(line, run):
    _, checks = run(None, [line(0)])
    assert any("No customers table" in note for note in checks.notes)
    assert not (checks.findings["table"] == "customers").any()


def test_transactions_without_amount_raise_a_clear_error(frame):
    data = CRMData(transactions=frame([{"customer_id": "C1", "order_date": pd.Timestamp("2025-01-01")}]),
                   source_files={"transactions": "orders.csv"})
    with pytest.raises(CRMDataError, match=r"orders\.csv.*amount"):
        quality.run_checks(data, as_of=AS_OF)


def test_recheck_staleness_equals_a_full_run_with_that_limit(frame, person):
    rows = [person(i, updated_at=AS_OF - pd.Timedelta(days=days), phone=phone)
            for i, (days, phone) in enumerate([(100, "13900000001"), (400, "123"), (800, "13900000003"),
                                              (1200, "13900000004")])]
    data = CRMData(customers=frame(rows))
    base = quality.run_checks(data, as_of=AS_OF)
    quick = quality.recheck_staleness(base, data.customers, 365)
    full = quality.run_checks(data, as_of=AS_OF, stale_after_days=365)

    def key(findings: pd.DataFrame) -> list:
        return sorted(findings.astype(str).itertuples(index=False, name=None))

    assert key(quick.findings) == key(full.findings)
    assert quick.params["stale_after_days"] == 365 and base.params["stale_after_days"] == 730
    assert list(quick.findings.dtypes) == list(base.findings.dtypes)
    assert quick.duplicate_candidates is base.duplicate_candidates  # nothing else was recomputed


def test_recheck_staleness_needs_an_as_of_date(frame, person):
    checks = quality.QualityChecks(pd.DataFrame(columns=quality.FINDING_COLUMNS),
                                   pd.DataFrame(columns=quality.PAIR_COLUMNS), pd.Series(dtype="string"))
    with pytest.raises(CRMDataError, match="as-of"):
        quality.recheck_staleness(checks, frame([person(1)]), 365)


def test_notes_are_in_the_report_language(run, line):
    try:
        i18n.use_language("zh")
        _, checks = run(None, [line(0)])
    finally:
        i18n.use_language("en")
    assert "没有客户表：无法检查孤立交易（未知客户的订单行）。" in checks.notes
    assert all(CJK.search(note) for note in checks.notes)
