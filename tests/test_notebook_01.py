"""Execute chapter 1 with papermill (teaching data and a transactions-only source) and check what it wrote."""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pandas as pd
import pytest

papermill = pytest.importorskip("papermill")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK = NOTEBOOKS / "01_collection_quality.ipynb"

pytestmark = pytest.mark.slow


def _execute(out_dir: Path, **parameters) -> tuple[nbformat.NotebookNode, float]:
    # The kernel must import this checkout even when the package is not installed.
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    try:
        start = time.perf_counter()
        papermill.execute_notebook(
            str(NOTEBOOK), str(out_dir / "01_collection_quality.ipynb"), cwd=str(NOTEBOOKS),
            parameters={"output_dir": str(out_dir), **parameters}, kernel_name="python3", progress_bar=False,
        )
        seconds = time.perf_counter() - start
    finally:
        os.environ["PYTHONPATH"] = env_path
    return nbformat.read(out_dir / "01_collection_quality.ipynb", as_version=4), seconds


@pytest.fixture(scope="module")
def teaching_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ch01_teaching")
    notebook, seconds = _execute(out)
    return out, notebook, seconds


@pytest.fixture(scope="module")
def cdnow_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ch01_cdnow")
    notebook, _ = _execute(out, data_source="cdnow_sample")
    return out, notebook


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


def test_rendered_report_shows_no_raw_phone_or_email(teaching_run):
    from nbconvert import HTMLExporter

    from crm_analysis.data.loading import load
    from crm_analysis.data.privacy import find_raw_pii

    _, notebook, _ = teaching_run
    html, _ = HTMLExporter(exclude_input=True).from_notebook_node(notebook)
    customers = load("teaching").customers
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
