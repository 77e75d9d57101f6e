"""Checks against the real data files kept next to the project (``../shared/data``); skipped elsewhere.

The project never reads these files at run time; this module only confirms that the loaders read
the formats users bring exactly as published (row counts from each file's SOURCE.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crm_analysis.data.cleaning import clean, row_accounting
from crm_analysis.data.loading import detect_format, load

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
pytestmark = pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"real data folder {SHARED} not present (only on the development machine)"
)


def test_cdnow_master():
    data = load(SHARED / "cdnow" / "CDNOW_master.txt")
    assert len(data.transactions) == 69_659
    assert data.transactions["customer_id"].nunique() == 23_570
    assert data.issues.empty


@pytest.mark.slow
def test_online_retail_full_file_every_line_accounted_for():
    path = SHARED / "uci-online-retail" / "online_retail.csv.gz"
    assert detect_format(path) == "online_retail"
    data = load(path)
    tx = data.transactions
    assert len(tx) == 541_909 and tx.index[0] == 2 and tx.index[-1] == 541_910
    assert tx["customer_id"].isna().sum() == 135_080
    assert (tx["status"] == "cancelled").sum() == 9_288
    assert tx["quantity"].sum() == 5_176_450
    cleaned = clean(data)
    accounting = row_accounting(cleaned).set_index("table").loc["transactions"]
    assert accounting["rows_in"] == 541_909
    assert accounting["rows_clean"] + accounting["rows_quarantined"] == 541_909
    reasons = cleaned.quarantine["reason"]
    assert (reasons == "missing customer_id").sum() == 135_080
    assert reasons.str.startswith("exact duplicate of row").sum() == 5_225


def test_online_retail_xlsx_sample():
    data = load(SHARED / "samples" / "online_retail_sample.xlsx")
    assert len(data.transactions) == 2_000
    assert data.transactions["customer_id"].str.endswith(".0").sum() == 0
    assert row_accounting(clean(data))["rows_in"].tolist() == [2_000]


@pytest.mark.parametrize(
    ("name", "fmt", "survey"),
    [
        ("telco_churn_sample.csv", "telco", False),
        ("telco_churn_extended_sample.xlsx", "telco_extended", True),
        ("telco_churn_status_sample.csv", "telco_status", True),
    ],
)
def test_telco_samples(name, fmt, survey):
    path = SHARED / "samples" / name
    assert detect_format(path) == fmt
    data = load(path)
    assert len(data.customers) == 300
    assert (data.exit_survey is not None) == survey
    if survey:
        assert len(data.exit_survey) == int(data.customers["churned"].sum())
    cleaned = clean(data)
    assert row_accounting(cleaned)["rows_clean"].iloc[0] == 300


_TEXT = [("encoding", "utf-8", "detected"), ("separator", ",", "detected")]


@pytest.mark.parametrize(
    ("name", "counts", "settings"),
    [
        ("cdnow/CDNOW_master.txt", (69_659, 69_659, 0),
         [("encoding", "utf-8", "detected"), ("separator", "whitespace", "detected"),
          ("decimal mark (amount)", ".", "detected")]),
        ("cdnow/CDNOW_sample.txt", (6_919, 6_919, 0),
         [("encoding", "utf-8", "detected"), ("separator", "whitespace", "detected"),
          ("decimal mark (amount)", ".", "detected")]),
        ("samples/online_retail_sample.xlsx", (2_000, 1_431, 569), []),  # typed cells: nothing to decide
        ("samples/telco_churn_sample.csv", (300, 300, 0),
         [*_TEXT, ("decimal mark (monthly_charges)", ".", "detected"),
          ("decimal mark (total_charges)", ".", "detected")]),
        ("samples/telco_churn_extended_sample.xlsx", (300, 300, 0), []),
        ("samples/telco_churn_status_sample.csv", (300, 300, 0), _TEXT),
        ("cfpb-consumer-complaints-sample/complaints_sample.csv", (6_623, 6_623, 0), _TEXT),
    ],
)
def test_load_report_of_each_real_file_and_strict_loads_it(name, counts, settings):
    """The load report as checked by hand: no guess (strict=True loads it), every line of the file accounted for."""
    cleaned = clean(load(SHARED / name, strict=True))
    report = cleaned.load_report
    assert report.guesses() == []
    assert [tuple(r) for r in report.frame()[["setting", "value", "how"]].values.tolist()] == settings
    (entry,) = report.files
    assert (entry.lines_read, entry.rows_clean, entry.rows_quarantined) == counts
    assert entry.lines_read == entry.rows_clean + entry.rows_quarantined


@pytest.mark.slow
def test_online_retail_load_report_per_file_and_strict():
    cleaned = clean(load(SHARED / "uci-online-retail" / "online_retail.csv.gz", strict=True))
    (entry,) = cleaned.load_report.files
    assert (entry.table, entry.lines_read, entry.rows_clean, entry.rows_quarantined) == (
        "transactions", 541_909, 401_604, 140_305)
    assert [tuple(r) for r in cleaned.load_report.frame()[["setting", "value", "how"]].values.tolist()] == [
        *_TEXT, ("decimal mark (unit_price)", ".", "detected")]


def test_columns_not_used_are_listed_with_the_reason():
    report = load(SHARED / "cfpb-consumer-complaints-sample" / "complaints_sample.csv").load_report
    assert report.files[0].not_used == [
        ("column 'ZIP code'", "a consumer's postal code: personal data no chapter uses")]
    assert "not used: a consumer's postal code" in report.files_frame()["notes"].iloc[-1]
