"""Chapter 1 on the real files in ../shared/data (read only by these tests, never at run time).

Skipped when the shared data folder is absent (e.g. on a fresh clone).
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from crm_analysis import quality
from crm_analysis.app.report import prepare
from crm_analysis.data.cleaning import row_accounting

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared" / "data"
ONLINE_RETAIL = SHARED / "uci-online-retail" / "online_retail.csv.gz"
TELCO_SAMPLE = SHARED / "samples" / "telco_churn_sample.csv"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED.exists(), reason=f"real data folder {SHARED} is absent"),
]


@pytest.fixture(scope="module")
def online_retail():
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"{ONLINE_RETAIL} is absent")
    chapter = prepare(str(ONLINE_RETAIL))
    return chapter, quality.run_checks(chapter.loaded, as_of=chapter.as_of)


def test_online_retail_rows_are_all_accounted_for(online_retail):
    chapter, _ = online_retail
    accounting = row_accounting(chapter.clean)
    assert accounting["rows_in"].sum() == 541_909
    assert accounting["rows_clean"].sum() + accounting["rows_quarantined"].sum() == 541_909


def test_online_retail_known_quirks_are_found(online_retail):
    chapter, checks = online_retail
    summary = quality.check_summary(chapter.loaded, checks).set_index("check")["records_flagged"]
    # Figures documented for the UCI original (SOURCE.md and the literature).
    assert summary["missing_customer_id"] == 135_080
    assert summary["cancelled_order"] == 9_288
    assert summary["duplicate_order_line"] == 5_268
    assert any("No customers table" in note for note in checks.notes)


def test_online_retail_fix_list_is_one_row_per_line(online_retail):
    chapter, checks = online_retail
    fixes = quality.fix_list(chapter.loaded, checks)
    assert not fixes.duplicated(["table", "source_row"]).any()
    assert len(fixes) >= 135_080  # at least every line without a customer id
    assert "cancelled_order" not in set(fixes["checks"])


def test_telco_fields_it_does_not_collect_are_a_note_not_a_fix():
    if not TELCO_SAMPLE.exists():
        pytest.skip(f"{TELCO_SAMPLE} is absent")
    chapter = prepare(str(TELCO_SAMPLE))
    checks = quality.run_checks(chapter.loaded, as_of=chapter.as_of)
    assert any("does not collect" in note and "phone" in note for note in checks.notes)
    missing = checks.findings[checks.findings["check"] == "missing_value"]
    assert "phone" not in set(missing["column"])


def test_chapter_notebook_completes_on_full_online_retail(tmp_path):
    papermill = pytest.importorskip("papermill")
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"{ONLINE_RETAIL} is absent")
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    try:
        papermill.execute_notebook(
            str(ROOT / "notebooks" / "01_collection_quality.ipynb"), str(tmp_path / "out.ipynb"),
            cwd=str(ROOT / "notebooks"), kernel_name="python3", progress_bar=False,
            parameters={"output_dir": str(tmp_path), "data_source": str(ONLINE_RETAIL)},
        )
    finally:
        os.environ["PYTHONPATH"] = env_path
    accounting = pd.read_csv(tmp_path / "tables" / "row_accounting.csv")
    assert accounting["rows_in"].sum() == 541_909
    assert (accounting["rows_clean"] + accounting["rows_quarantined"]).sum() == 541_909
