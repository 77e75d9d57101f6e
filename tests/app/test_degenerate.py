"""Every chapter on degenerate, hostile and personal-data inputs (issue 17).

The data sets are built by tests/app/degenerate_data.py: header-only transactions, one customer with ten
orders, one customer with one order, every order on one day, many identical lines (one buyer after
de-duplication), customer ids and text cells that a spreadsheet would run as formulas, and mobile
numbers used as customer keys with e-mails and ID numbers in free text. Each chapter must end "ok" or
"skipped" (TooLittleData: a note saying what is not computed and from what size it works), never
"failed"; no CSV cell may start a formula; no raw phone, e-mail or ID number may appear in any file of
the run folder (executed notebooks, Parquet tables and run.json included), nor on stdout or stderr; with
``-p show_pii True`` the tables keep the raw values and the pseudonym mapping is written.

One run per data set, shared by the tests that read it (module-scoped); the runs that only check what
one chapter writes run only that chapter.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).parent))
import degenerate_data as dd

from crm_analysis.app import cli, report
from crm_analysis.core import handoff, paths
from crm_analysis.data.privacy import PSEUDONYM_KEY_ENV, find_raw_pii, mask_text

pytestmark = pytest.mark.slow
FORMULA = ("=", "+", "-", "@", "\t", "\r")
DEGENERATE = ["header_only", "one_customer_ten_orders", "one_customer_one_order", "every_order_on_one_day",
              "identical_lines"]
SECRETS = dd.EMAILS + dd.ID_NUMBERS


class Run:
    """One ``crm-analysis run`` on a fixture data set: exit code, stdout + stderr, folder, run.json.

    A process of its own (what cron sees: everything written to file descriptors 1 and 2, the data
    step's helper process included), unless ``in_process`` (for a test that patches the runner)."""

    def __init__(self, folder: Path, builder: str, *extra: str, in_process: bool = False) -> None:
        data = dd.BUILDERS[builder](folder / "data")
        self.out = folder / "run"
        args = ["run", "--data", str(data), "--out", str(self.out), "--notebooks-dir", str(paths.NOTEBOOKS_DIR),
                "-q", "-p", "replicate_paper", "False", *extra]
        if in_process:
            stdout, stderr = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                self.code = cli.main(args)
            self.stdout, self.stderr = stdout.getvalue(), stderr.getvalue()
        else:
            done = subprocess.run([sys.executable, "-m", "crm_analysis.app.cli", *args], capture_output=True,
                                  text=True, env={**os.environ, PSEUDONYM_KEY_ENV: "test-key"}, timeout=1200)
            self.code, self.stdout, self.stderr = done.returncode, done.stdout, done.stderr
        self.info = json.loads((self.out / "run.json").read_text())


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Runs made on first use and shared by every test of this module (the pseudonym key fixed)."""
    class Runs(dict):
        def __missing__(self, builder: str) -> Run:
            self[builder] = Run(tmp_path_factory.mktemp(builder), builder)
            return self[builder]

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(PSEUDONYM_KEY_ENV, "test-key")  # the same key in this process (save_table below)
        yield Runs()


def _file_text(path: Path) -> str:
    """A file's text for a leak search; a Parquet table as CSV with its index (values, not bytes)."""
    if path.suffix == ".parquet":
        return pd.read_parquet(path).reset_index().to_csv(index=False)
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.parametrize("builder", DEGENERATE)
def test_every_chapter_degrades_on_degenerate_data(builder: str, runs: dict[str, Run]) -> None:
    run = runs[builder]
    statuses = {c["name"]: (c["status"], c["error"]) for c in run.info["chapters"]}
    assert len(statuses) == 5 and all(status in ("ok", "skipped") for status, _ in statuses.values()), statuses
    assert run.code == 0 and run.info["ok"] is True and "Traceback" not in run.stderr
    for chapter in run.info["chapters"]:
        if chapter["status"] == "skipped":  # the note says why and from what size it works
            assert re.search(r"at least \d+", chapter["error"]), chapter
            page = (run.out / chapter["html"]).read_text(encoding="utf-8")
            assert "the rest of this chapter is not computed" in page and "Traceback" not in page


def test_no_csv_cell_can_run_as_a_formula(runs: dict[str, Run]) -> None:
    run = runs["formula_injection"]
    assert run.code == 0, run.info["chapters"]
    tables = sorted((run.out / "tables").glob("*.csv"))
    assert {"segments.csv", "customer_value.csv"} <= {p.name for p in tables}
    for path in tables:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        cells = [*frame.columns, *frame.to_numpy().ravel()]
        numbers = pd.to_numeric(pd.Series(cells, dtype=object), errors="coerce").notna()
        bad = [c for c, number in zip(cells, numbers, strict=True) if not number and str(c).startswith(FORMULA)]
        assert not bad, (path.name, bad[:5])
    segments = pd.read_csv(run.out / "tables" / "segments.csv", dtype=str)
    assert "'" + dd.INJECTIONS[0] in set(segments["customer_id"])  # kept, as text


def test_no_raw_phone_email_or_id_number_in_any_file_of_the_run_nor_its_output(runs: dict[str, Run]) -> None:
    run = runs["phone_keys"]
    assert run.code == 0, run.info["chapters"]
    files = [p for p in run.out.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".ipynb", ".html", ".csv", ".json", ".log"} <= kinds, kinds  # executed notebooks, kernels.log, ...
    leaks = {p.relative_to(run.out).as_posix(): found for p in files
             if (found := find_raw_pii(_file_text(p), dd.PHONES, SECRETS))}
    assert not leaks
    assert not find_raw_pii(run.stdout + run.stderr, dd.PHONES, SECRETS)
    segments = pd.read_csv(run.out / "tables" / "segments.csv", dtype=str)
    assert segments["customer_id"].str.fullmatch(r"c_[0-9a-f]{8}").all()  # stable pseudonyms, joinable
    value = pd.read_csv(run.out / "tables" / "customer_value.csv", dtype=str)
    assert set(value["customer_id"]) <= set(segments["customer_id"])
    assert not (run.out / "private").exists()  # the mapping only with show_pii


def test_the_hand_off_is_set_aside_for_the_data_owner_outside_the_run_folder(runs: dict[str, Run]) -> None:
    run = runs["phone_keys"]
    private = handoff.private_dir(run.out)
    assert not (run.out / "handoff").exists() and stat.S_IMODE(private.stat().st_mode) == 0o700
    source = json.loads((private / "handoff" / "segments.json").read_text())["source"]  # the loaded data's name
    kept = handoff.fetch("segments", run.out, source=source)
    assert kept.available and set(kept.frame.index) == set(dd.PHONES)  # raw keys: e.g. for --write-back
    assert handoff.load_data(run.out, run.info["data_source"], loaded=False) is not None


def test_show_pii_keeps_raw_values_in_the_tables_and_writes_the_pseudonym_mapping(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "test-key")
    run = Run(tmp_path, "phone_keys", "--chapters", "02", "-p", "show_pii", "True")
    assert run.code == 0, run.info["chapters"]
    segments = pd.read_csv(run.out / "tables" / "segments.csv", dtype=str)
    assert set(segments["customer_id"]) == set(dd.PHONES)
    mapping = pd.read_csv(run.out / "private" / "pseudonyms.csv", dtype=str)
    assert sorted(mapping["customer_id"]) == sorted(dd.PHONES)
    assert mapping["pseudonym"].str.fullmatch(r"c_[0-9a-f]{8}").all() and mapping["pseudonym"].is_unique
    # the same pseudonyms as a masked run's tables (same key): the owner can join them back
    masked = report.save_table(segments[["customer_id"]], "masked", tmp_path, show_pii=False)
    assert set(pd.read_csv(masked, dtype=str)["customer_id"]) == set(mapping["pseudonym"])
    assert (run.out / "handoff").is_dir() and not handoff.private_dir(run.out).exists()


def test_a_load_error_quoting_raw_rows_is_masked_in_run_json_index_and_stderr(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_load(source, *args, **kwargs):
        raise ValueError(f"{source}, line 7: cannot read '13900001234,li@example.com,110105199003071234'")

    monkeypatch.setattr("crm_analysis.app.runner.load", failing_load)
    monkeypatch.setenv(PSEUDONYM_KEY_ENV, "test-key")
    run = Run(tmp_path, "one_customer_one_order", "--chapters", "01", in_process=True)  # the runner's load fails
    phones, emails = ["13900001234"], ["li@example.com", "110105199003071234"]
    assert "139****1234" in run.info["data_prepared"]["error"]
    for path in (p for p in run.out.rglob("*") if p.is_file()):
        assert not find_raw_pii(_file_text(path), phones, emails), path.name
    assert not find_raw_pii(run.stdout + run.stderr, phones, emails)


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
