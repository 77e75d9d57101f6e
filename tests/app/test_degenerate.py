"""Every chapter on degenerate, hostile and personal-data inputs (issue 17).

The data sets are built by tests/app/degenerate_data.py: header-only transactions, one customer with ten
orders, one customer with one order, every order on one day, many identical lines (one buyer after
de-duplication), customer ids and text cells that a spreadsheet would run as formulas, and mobile
numbers used as customer keys with e-mails and ID numbers in free text. Each chapter must end "ok" or
"skipped" (TooLittleData: a note saying what is not computed and from what size it works), never
"failed"; no CSV cell may start a formula; no raw phone, e-mail or ID number may appear in any file of
the run (the executed notebooks and handoff/ excepted: they are the data owner's working copies),
nor on stderr.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import degenerate_data as dd

from crm_analysis.app import cli, report
from crm_analysis.core import paths
from crm_analysis.data.privacy import PSEUDONYM_KEY_ENV, find_raw_pii, mask_text

pytestmark = pytest.mark.slow
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _run(builder: str, tmp: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str, Path, dict]:
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "test-key")
    data = dd.BUILDERS[builder](tmp / "data")
    out = tmp / "run"
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        code = cli.main(["run", "--data", str(data), "--out", str(out), "--notebooks-dir", str(paths.NOTEBOOKS_DIR),
                         "-q", "-p", "replicate_paper", "False"])
    return code, stderr.getvalue(), out, json.loads((out / "run.json").read_text())


def _shared_files(out: Path) -> list[Path]:
    """Everything a reader or a scheduler opens: pages, tables, run.json, summaries (not the executed
    notebooks or the hand-off, the data owner's working copies)."""
    return [p for p in out.rglob("*") if p.is_file() and p.suffix in (".html", ".csv", ".json", ".log", ".md")
            and "handoff" not in p.parts]


@pytest.mark.parametrize("builder", ["header_only", "one_customer_ten_orders", "one_customer_one_order",
                                     "every_order_on_one_day", "identical_lines"])
def test_every_chapter_degrades_on_degenerate_data(builder: str, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, stderr, out, info = _run(builder, tmp_path, monkeypatch)
    statuses = {c["name"]: (c["status"], c["error"]) for c in info["chapters"]}
    assert all(status in ("ok", "skipped") for status, _ in statuses.values()), statuses
    assert code == 0 and info["ok"] is True and "Traceback" not in stderr
    for chapter in info["chapters"]:
        if chapter["status"] == "skipped":  # the note says why and from what size it works
            assert re.search(r"at least \d+", chapter["error"]), chapter
            page = (out / chapter["html"]).read_text(encoding="utf-8")
            assert "the rest of this chapter is not computed" in page and "Traceback" not in page


def test_no_csv_cell_can_run_as_a_formula(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, out, info = _run("formula_injection", tmp_path, monkeypatch)
    assert code == 0, info["chapters"]
    tables = sorted((out / "tables").glob("*.csv"))
    assert {"segments.csv", "customer_value.csv"} <= {p.name for p in tables}
    for path in tables:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = [*frame.columns, *frame.to_numpy().ravel()]
        numbers = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").notna()
        bad = [c for c, number in zip(cells, numbers, strict=True) if not number and str(c).startswith(FORMULA)]
        assert not bad, (path.name, bad[:5])
    segments = pd.read_csv(out / "tables" / "segments.csv", dtype=str)
    assert "'" + dd.INJECTIONS[0] in set(segments["customer_id"])  # kept, as text


def test_no_raw_phone_email_or_id_number_in_any_shared_output(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    code, stderr, out, info = _run("phone_keys", tmp_path, monkeypatch)
    assert code == 0, info["chapters"]
    leaks = {p.relative_to(out).as_posix(): found for p in _shared_files(out)
             if (found := find_raw_pii(p.read_text(encoding="utf-8", errors="replace"), dd.PHONES,
                                       dd.EMAILS + dd.ID_NUMBERS))}
    assert not leaks
    assert not find_raw_pii(stderr, dd.PHONES, dd.EMAILS + dd.ID_NUMBERS)
    segments = pd.read_csv(out / "tables" / "segments.csv", dtype=str)
    assert segments["customer_id"].str.fullmatch(r"c_[0-9a-f]{8}").all()  # stable pseudonyms, joinable
    value = pd.read_csv(out / "tables" / "customer_value.csv", dtype=str)
    assert set(value["customer_id"]) <= set(segments["customer_id"])


def test_a_load_error_quoting_raw_rows_is_masked_in_run_json_index_and_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_load(source, *args, **kwargs):
        raise ValueError(f"{source}, line 7: cannot read '13900001234,li@example.com,110105199003071234'")

    monkeypatch.setattr("crm_analysis.app.runner.load", failing_load)
    _, stderr, out, info = _run("one_customer_one_order", tmp_path, monkeypatch)
    phones, emails = ["13900001234"], ["li@example.com", "110105199003071234"]
    assert "139****1234" in info["data_prepared"]["error"]
    for text in ((out / "run.json").read_text(), (out / "index.html").read_text(), stderr):
        assert not find_raw_pii(text, phones, emails)


def test_save_table_masks_and_defuses_without_a_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "test-key")
    frame = pd.DataFrame({"customer_id": ["13812345678", "=1+1"], "note": ["mail wei@example.com", "@SUM(A1)"],
                          "amount": [-5.0, 2.0]})
    written = pd.read_csv(report.save_table(frame, "t", tmp_path), dtype=str)
    # a key column holding a phone number is pseudonymised as a whole (every key, so joins still work)
    assert written["customer_id"].str.fullmatch(r"c_[0-9a-f]{8}").all()
    assert written["note"].tolist() == ["mail w***@example.com", "'@SUM(A1)"]
    assert written["amount"].tolist() == ["-5.0", "2.0"]  # numbers stay numbers
    raw = pd.read_csv(report.save_table(frame, "raw", tmp_path, show_pii=True), dtype=str)
    assert raw["customer_id"][0] == "13812345678" and raw["customer_id"][1] == "'=1+1"  # formulas always defused
    assert mask_text("13812345678") == "138****5678"
