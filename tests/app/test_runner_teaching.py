"""The main job end to end: `crm-analysis run` on the teaching data, as a scheduler would run it."""

from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest

from crm_analysis.core import handoff, paths
from crm_analysis.data.privacy import find_raw_pii

IMAGE_DATA = re.compile(r"data:image/[\w+.-]+;base64,[A-Za-z0-9+/=\s]+")
CHAPTERS = sorted(p.stem for p in paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture(scope="module")
def run_dir(report_run):
    """The session's `crm-analysis run --out DIR --quiet` on the teaching data (tests/conftest.py)."""
    assert report_run.exit_code == 0, report_run.record["failed"]
    return report_run.out


def test_every_chapter_ran_and_is_recorded(run_dir):
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert [c["name"] for c in record["chapters"]] == CHAPTERS
    assert all(c["status"] == "ok" for c in record["chapters"]), record["chapters"]
    assert record["data_sha256"] and record["versions"]["pandas"]
    index = (run_dir / "index.html").read_text(encoding="utf-8")
    for name in CHAPTERS:
        assert f"{name}.html" in index
        assert (run_dir / f"{name}.html").stat().st_size > 10_000


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapters_show_their_plots_and_no_errors(run_dir, name):
    notebook = nbformat.read(run_dir / f"{name}.ipynb", as_version=4)
    outputs = [o for c in notebook.cells if c.cell_type == "code" for o in c.outputs]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3, f"{name} shows {len(images)} figures"
    assert not [o for o in outputs if o.output_type == "error"]
    # A figure that fell back to its text form means the display hook is missing.
    assert not [o for o in outputs if re.match(r"<Figure size", o.get("data", {}).get("text/plain", ""))
                and "image/png" not in o.get("data", {})]


def test_reports_show_no_raw_phone_or_email(run_dir, teaching_data):
    customers = teaching_data.customers
    phones = customers["phone"].dropna()
    emails = customers["email"].dropna()
    # Guard the guard: a phone or e-mail put into a page is found even next to an image.
    leak = f'<img src="data:image/png;base64,iVBORw0KGgo="/>{phones.iloc[0]} {emails.iloc[0]}'
    assert find_raw_pii(IMAGE_DATA.sub("data:image;base64,", leak), phones, emails) == [phones.iloc[0], emails.iloc[0]]
    for page in sorted(run_dir.glob("*.html")):
        # Embedded images are pixels, not text a reader can copy: skip their base64 (most of the page).
        text = IMAGE_DATA.sub("data:image;base64,", page.read_text(encoding="utf-8"))
        assert find_raw_pii(text, phones, emails) == [], page.name
    for table in sorted((run_dir / "tables").glob("*.csv")):
        assert find_raw_pii(table.read_text(encoding="utf-8"), phones, emails) == [], table.name


def test_the_chapters_hand_tables_to_each_other(run_dir):
    tables = run_dir / "tables"
    accounting = pd.read_csv(tables / "row_accounting.csv")
    assert (accounting["rows_in"] == accounting["rows_clean"] + accounting["rows_quarantined"]).all()
    segments = pd.read_csv(tables / "segments.csv")
    scores = pd.read_csv(tables / "churn_scores.csv")
    value = pd.read_csv(tables / "customer_value.csv")
    assert set(scores["customer_id"]) <= set(segments["customer_id"]) | set(value["customer_id"])
    assert value["clv"].notna().all() and (value["clv"] >= 0).all()


def test_the_data_is_loaded_and_cleaned_once_and_every_chapter_says_so(run_dir):
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert record["data_prepared"]["kept"] is True and record["data_prepared"]["error"] is None
    assert handoff.load_data(run_dir, "teaching", loaded=False) is not None
    for name in CHAPTERS:
        notebook = nbformat.read(run_dir / f"{name}.ipynb", as_version=4)
        shown = "\n".join(o.get("data", {}).get("text/markdown", "") for c in notebook.cells
                          if c.cell_type == "code" for o in c.outputs)
        assert "Data loaded and cleaned once for this run" in shown, name
        assert "This chapter ran alone" not in shown, name


def test_run_json_records_the_as_of_the_chapters_used_when_none_was_given(run_dir):
    record = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert record["parameters"]["as_of"] is None  # not given on the command line
    assert record["as_of"] == summary["as_of"] == "2026-01-01"  # the day after the teaching data's last event
