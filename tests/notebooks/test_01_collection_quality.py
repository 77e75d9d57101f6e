"""Chapter 1 in the session run on the teaching data, and on a transactions-only source: what it wrote."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crm_analysis.core import paths
from crm_analysis.data.privacy import find_raw_pii

NOTEBOOK = paths.NOTEBOOKS_DIR / "01_collection_quality.ipynb"
IMAGE_DATA = re.compile(r"data:image/[\w+.-]+;base64,[A-Za-z0-9+/=\s]+")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def teaching_run(report_run):
    """Chapter 1 of the session's run on the teaching data (tests/conftest.py)."""
    return report_run.out, report_run.notebook(NOTEBOOK.stem), report_run.seconds(NOTEBOOK.stem)


@pytest.fixture(scope="module")
def cdnow_run(tmp_path_factory, execute_notebook):
    out = tmp_path_factory.mktemp("ch01_cdnow")
    return out, execute_notebook(NOTEBOOK, out, data_source="cdnow_sample")


def _table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv")


def _markdown_outputs(notebook: nbformat.NotebookNode) -> str:
    return "\n".join(o["data"]["text/markdown"] for c in notebook.cells if c.cell_type == "code"
                     for o in c.get("outputs", []) if "text/markdown" in o.get("data", {}))


def test_row_accounting_and_quarantine(teaching_run):
    out, _, _ = teaching_run
    accounting = _table(out, "row_accounting")
    assert list(accounting.columns) == ["table", "rows_in", "rows_clean", "rows_quarantined"]
    assert (accounting["rows_in"] == accounting["rows_clean"] + accounting["rows_quarantined"]).all()
    quarantine = _table(out, "quarantine")
    assert list(quarantine.columns) == ["table", "source_row", "reason"]
    per_table = quarantine.groupby("table").size()
    expected = accounting.set_index("table")["rows_quarantined"]
    assert per_table.reindex(expected.index, fill_value=0).tolist() == expected.tolist()


def test_defect_detection_meets_the_acceptance_floor(teaching_run):
    out, _, _ = teaching_run
    detection = _table(out, "defect_detection")
    assert list(detection.columns) == ["check", "precision", "recall", "support"]
    assert {"missing_value", "invalid_phone", "invalid_email", "invalid_birth_date", "duplicate_customer",
            "stale_record", "city_region_mismatch", "orphan_transaction", "duplicate_order_line",
            "unflagged_negative_amount"} <= set(detection["check"])
    assert (detection["precision"] >= 0.9).all() and (detection["recall"] >= 0.9).all(), detection


def test_scorecard_channel_table_and_fix_list(teaching_run):
    out, _, _ = teaching_run
    scorecard = _table(out, "quality_scorecard")
    assert {"field", "tier", "weight", "completeness", "validity"} <= set(scorecard.columns)
    channels = _table(out, "channel_quality")
    assert {"acquisition_channel", "customers", "quality_score", "repeat_share",
            "revenue_per_customer"} <= set(channels.columns)
    assert len(channels) >= 5
    fixes = _table(out, "fix_list")
    assert {"table", "source_row", "record_id", "checks", "reasons"} <= set(fixes.columns)
    assert not fixes.duplicated(["table", "source_row"]).any()  # one row per record


def test_the_plots_are_shown(teaching_run):
    _, notebook, _ = teaching_run
    images = sum("image/png" in o.get("data", {}) for c in notebook.cells if c.cell_type == "code"
                 for o in c.get("outputs", []))
    assert images >= 3  # heatmap, quality by month, channel value


def test_rendered_report_shows_no_raw_phone_or_email(teaching_run, teaching_data):
    out, _, _ = teaching_run
    # The chapter's report page as the runner rendered it (code hidden); embedded images are pixels,
    # not text, so their base64 is left out of the search.
    html = IMAGE_DATA.sub("data:image;base64,", (out / f"{NOTEBOOK.stem}.html").read_text(encoding="utf-8"))
    customers = teaching_data.customers
    phones, emails = customers["phone"].dropna().tolist(), customers["email"].dropna().tolist()
    assert find_raw_pii(html, phones, emails) == []
    # Guard the guard: the report does show masked contacts, and the search would find raw ones.
    assert "****" in html
    assert find_raw_pii(html + phones[0] + " " + emails[0], phones, emails) == [phones[0], emails[0]]
    # Names are masked too (two-character names could occur in other text by chance, so test longer ones).
    leaked = [n for n in customers["name"].dropna().unique() if len(n) >= 3 and n in html]
    assert leaked == []


def test_transactions_only_source_runs_with_visible_notes(cdnow_run):
    out, notebook = cdnow_run
    notes = _markdown_outputs(notebook)
    assert "No customers table" in notes
    assert "cannot be checked because this source has no ground truth" in notes
    accounting = _table(out, "row_accounting")
    assert (accounting["rows_in"] == accounting["rows_clean"] + accounting["rows_quarantined"]).all()
    assert not (out / "tables" / "defect_detection.csv").exists()
