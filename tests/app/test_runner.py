"""Tests for crm_analysis.app.runner (and `crm-analysis run`) on tiny fixture notebooks.

tests/fixtures/runner/ holds three chapters: 01_ok writes a table, 02_fails raises on
purpose, 03_ok writes another table. A few kernels start here, so the full report run
is shared by the tests through a module-scoped fixture.
"""

from __future__ import annotations

import contextlib
import hashlib
import html
import io
import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import nbformat
import pytest

from crm_analysis.app import cli
from crm_analysis.app.runner import (
    LOCK_FILE,
    OutputFolderError,
    RunError,
    discover_chapters,
    make_out_dir,
    parse_value,
    run_report,
    select_chapters,
)
from crm_analysis.core import handoff

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runner"
CODE_LINE = "tables.mkdir(parents=True, exist_ok=True)"  # a code line of 01_ok.ipynb
DATA_BYTES = b"customer_id,order_date,amount\nC1,2024-01-02,10.5\n"


@dataclass
class Run:
    code: int
    stderr: str
    out: Path
    data_file: Path
    run_json: dict


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One `crm-analysis run` of all three fixture chapters, from a folder holding the data file."""
    home = tmp_path_factory.mktemp("full_run")
    (home / "mydata.csv").write_bytes(DATA_BYTES)
    argv = [
        "run", "--data", "mydata.csv", "--as-of", "2024-01-31", "--out", "report",
        "--notebooks-dir", str(FIXTURES), "-q",
        "-p", "greeting", "bonjour", "-p", "seed", "7", "-p", "extra_flag", "False",
    ]  # fmt: skip
    stderr = io.StringIO()
    old_cwd = Path.cwd()
    os.chdir(home)  # so that "mydata.csv" and "report" are relative paths
    try:
        with contextlib.redirect_stderr(stderr):
            code = cli.main(argv)
    finally:
        os.chdir(old_cwd)
    out = home / "report"
    return Run(code, stderr.getvalue(), out, home / "mydata.csv", json.loads((out / "run.json").read_text()))


def _page_text(path: Path) -> str:
    """An HTML page's text without tags (highlighted code is split into many spans)."""
    return html.unescape(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")))


def _chapter(run: Run, name: str) -> dict:
    return next(c for c in run.run_json["chapters"] if c["name"] == name)


def test_failed_chapter_gives_nonzero_exit_and_is_named_on_stderr(full_run: Run) -> None:
    assert full_run.code == 1
    assert "02_fails" in full_run.stderr
    assert "ValueError: planned failure for the runner test" in full_run.stderr
    assert "01_ok failed" not in full_run.stderr and "03_ok failed" not in full_run.stderr


def test_run_json_records_statuses_errors_and_seconds(full_run: Run) -> None:
    info = full_run.run_json
    assert [c["name"] for c in info["chapters"]] == ["01_ok", "02_fails", "03_ok"]
    assert [c["status"] for c in info["chapters"]] == ["ok", "failed", "ok"]
    assert _chapter(full_run, "02_fails")["error"] == "ValueError: planned failure for the runner test"
    assert _chapter(full_run, "01_ok")["error"] is None
    assert all(c["seconds"] > 0 for c in info["chapters"])
    assert info["ok"] is False and info["failed"] == ["02_fails"]
    assert info["seconds"] >= sum(c["seconds"] for c in info["chapters"]) * 0.99
    assert datetime.fromisoformat(info["started"]) <= datetime.fromisoformat(info["finished"])


def test_run_json_records_source_hash_as_of_parameters_and_versions(full_run: Run) -> None:
    info = full_run.run_json
    assert info["data_source"] == str(full_run.data_file.resolve())  # relative path made absolute
    assert info["data_sha256"] == hashlib.sha256(DATA_BYTES).hexdigest()
    assert info["as_of"] == "2024-01-31"
    params = info["parameters"]
    assert params["greeting"] == "bonjour" and params["seed"] == 7 and params["extra_flag"] is False
    assert params["output_dir"] == str(full_run.out.resolve())
    import pandas as pd
    import papermill

    assert info["versions"]["pandas"] == pd.__version__
    assert info["versions"]["papermill"] == papermill.__version__
    assert info["versions"]["python"].count(".") == 2
    # The data file was loaded and cleaned once, before the chapters, and kept in the run folder.
    assert info["data_prepared"]["kept"] is True and info["data_prepared"]["error"] is None
    kept = handoff.load_data(full_run.out, str(full_run.data_file.resolve()), loaded=False)
    assert kept is not None and kept[1].transactions["customer_id"].tolist() == ["C1"]


def test_undeclared_parameter_is_warned_about(full_run: Run) -> None:
    assert "warning: parameter 'extra_flag' is not declared" in full_run.stderr
    assert "'greeting' is not declared" not in full_run.stderr


def test_every_chapter_ran_despite_the_failure_and_wrote_its_files(full_run: Run) -> None:
    for name in ("01_ok", "02_fails", "03_ok"):
        assert (full_run.out / f"{name}.ipynb").is_file()
        assert (full_run.out / f"{name}.html").is_file()
    assert (full_run.out / "tables" / "03_after_failure.csv").read_text() == "chapter,ran\n03,yes\n"
    failed = nbformat.read(full_run.out / "02_fails.ipynb", as_version=4)
    errors = [
        o for c in failed.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"
    ]
    assert errors and errors[0].ename == "ValueError"


def test_parameters_are_injected_and_notebook_runs_in_its_folder(full_run: Run) -> None:
    executed = nbformat.read(full_run.out / "01_ok.ipynb", as_version=4)
    injected = [c for c in executed.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    source = injected[0].source
    assert 'greeting = "bonjour"' in source and "seed = 7" in source and "extra_flag = False" in source
    assert 'as_of = "2024-01-31"' in source
    table = (full_run.out / "tables" / "01_greeting.csv").read_text().splitlines()
    assert table[1].split(",") == ["bonjour", "7", str(full_run.data_file.resolve()), str(FIXTURES.resolve())]
    outputs = "".join(o.get("text", "") for c in executed.cells for o in c.get("outputs", []))
    assert "GREETING=bonjour SEED=7 AS_OF='2024-01-31'" in outputs


def test_html_hides_code_by_default(full_run: Run) -> None:
    page = _page_text(full_run.out / "01_ok.html")
    assert "GREETING=bonjour" in page  # the output is there
    assert CODE_LINE not in page  # the code is not
    assert "planned failure for the runner test" in (full_run.out / "02_fails.html").read_text(encoding="utf-8")


def test_index_links_each_chapter_with_its_status(full_run: Run) -> None:
    index = (full_run.out / "index.html").read_text(encoding="utf-8")
    for name in ("01_ok", "02_fails", "03_ok"):
        assert f'<a href="{name}.html">{name}</a>' in index
    assert "failed: ValueError: planned failure for the runner test" in index
    assert index.count("<td>ok</td>") == 2
    assert "2024-01-31" in index and str(full_run.data_file.resolve()) in index
    assert 'href="tables/01_greeting.csv"' in index


def test_show_code_chapter_selection_and_progress_lines(tmp_path: Path) -> None:
    out = tmp_path / "with_code"
    argv = ["run", "--data", "cdnow", "--chapters", "1", "--show-code", "--out", str(out),
            "--notebooks-dir", str(FIXTURES)]  # fmt: skip
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        assert cli.main(argv) == 0
    assert re.search(r"01_ok: ok in \d+\.\d s", stderr.getvalue())  # the per-chapter status line
    assert CODE_LINE in _page_text(out / "01_ok.html")
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["01_ok.ipynb"]
    info = json.loads((out / "run.json").read_text())
    assert info["ok"] is True and [c["name"] for c in info["chapters"]] == ["01_ok"]
    assert info["data_source"] == "cdnow" and len(info["data_sha256"]) == 64


def test_interrupted_run_still_writes_run_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def execute_then_ctrl_c(chapter, *args) -> None:  # stands in for papermill; Ctrl-C in chapter 2
        calls.append(chapter.name)
        if len(calls) == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr("crm_analysis.app.runner.execute_chapter", execute_then_ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        run_report("cdnow", out_dir=tmp_path / "r", notebooks_dir=FIXTURES, progress=False)
    info = json.loads((tmp_path / "r" / "run.json").read_text())
    assert info["ok"] is False and info["ending"] == "interrupted" and info["interrupted"] == "SIGINT"
    assert [(c["name"], c["status"]) for c in info["chapters"]] == [("01_ok", "ok"), ("02_fails", "interrupted")]
    assert info["interrupted_chapter"] == "02_fails" and info["not_run"] == ["03_ok"]
    page = (tmp_path / "r" / "index.html").read_text()
    assert "run interrupted by SIGINT during 02_fails" in page and "interrupted before 03_ok" in page
    assert not (tmp_path / "r" / LOCK_FILE).exists()  # the record is complete: the folder is released


def test_second_run_never_overwrites_the_first(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    first = run_report("cdnow", chapters=["03"], notebooks_dir=FIXTURES, progress=False, reports_dir=reports)
    before = {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()}
    second = run_report("cdnow", chapters=["03"], notebooks_dir=FIXTURES, progress=False, reports_dir=reports)
    assert second.ok and first.ok
    assert second.out_dir != first.out_dir and second.out_dir.parent == first.out_dir.parent == reports
    assert {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()} == before
    # An explicit folder that is already in use is refused, and left as it was.
    with pytest.raises(OutputFolderError, match="not empty"):
        run_report("cdnow", out_dir=first.out_dir, notebooks_dir=FIXTURES, progress=False)
    assert {p: p.read_bytes() for p in first.out_dir.rglob("*") if p.is_file()} == before


def test_default_folder_names_get_a_suffix_within_the_same_second(tmp_path: Path) -> None:
    at = datetime(2025, 3, 1, 9, 30, 5)
    names = [make_out_dir(reports_dir=tmp_path, now=at).name for _ in range(3)]
    assert names == ["20250301-093005", "20250301-093005-2", "20250301-093005-3"]
    assert make_out_dir(tmp_path / "empty_ok").is_dir()  # a new (or empty) explicit folder is fine


def test_unknown_chapter_lists_the_available_ones_and_creates_nothing(tmp_path: Path) -> None:
    stderr = io.StringIO()
    argv = ["run", "--chapters", "01,07", "--out", str(tmp_path / "r"), "--notebooks-dir", str(FIXTURES)]
    with contextlib.redirect_stderr(stderr):
        assert cli.main(argv) == 2
    assert "unknown chapter '07'; available: 01_ok, 02_fails, 03_ok" in stderr.getvalue()
    assert not (tmp_path / "r").exists()


def test_select_chapters_by_number_or_name() -> None:
    available = discover_chapters(FIXTURES)
    assert [p.stem for p in available] == ["01_ok", "02_fails", "03_ok"]
    assert [p.stem for p in select_chapters(available, ["03", "02_fails"])] == ["02_fails", "03_ok"]
    assert select_chapters(available, None) == available
    with pytest.raises(RunError, match="available: 01_ok, 02_fails, 03_ok"):
        select_chapters(available, ["ok"])


@pytest.mark.parametrize(
    ("text", "value"),
    [("True", True), ("False", False), ("None", None), ("7", 7), ("-3", -3), ("0.25", 0.25),
     ("1e-3", 0.001), ("true", "true"), ("zh", "zh"), ("2024-01-31", "2024-01-31"), ("", "")],
)  # fmt: skip
def test_parse_value_follows_papermill(text: str, value: object) -> None:
    parsed = parse_value(text)
    assert parsed == value and type(parsed) is type(value)


def test_cli_parameter_values_are_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict = {}

    def fake_run_report(**kwargs: object) -> None:  # stands in for the kernels: only parsing is tested
        seen.update(kwargs)
        raise RunError("stop here")

    monkeypatch.setattr("crm_analysis.app.cli.run_report", fake_run_report)
    argv = ["run", "-p", "seed", "3", "-p", "show_pii", "True", "-p", "lang", "zh", "-p", "ratio", "0.5"]
    with contextlib.redirect_stderr(io.StringIO()):
        assert cli.main(argv) == 2
    assert seen["parameters"] == {"seed": 3, "show_pii": True, "lang": "zh", "ratio": 0.5}


def test_bad_inputs_are_refused_before_anything_runs(tmp_path: Path) -> None:
    kwargs = {"notebooks_dir": FIXTURES, "out_dir": tmp_path / "r", "progress": False}
    with pytest.raises(RunError, match="use --out"):
        run_report("cdnow", parameters={"output_dir": "x"}, **kwargs)
    with pytest.raises(RunError, match="not a valid Python name"):
        run_report("cdnow", parameters={"bad-name": 1}, **kwargs)
    with pytest.raises(RunError, match="not an ISO date"):
        run_report("cdnow", as_of="31/01/2024", **kwargs)
    with pytest.raises(RunError, match="neither a built-in name"):
        run_report(str(tmp_path / "missing.csv"), **kwargs)
    assert not (tmp_path / "r").exists()


def test_undeclared_parameter_warns(tmp_path: Path) -> None:
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x").write_text("earlier run")
    with (pytest.warns(UserWarning, match="'colour' is not declared"),
          pytest.raises(OutputFolderError, match="not empty")):
        run_report("cdnow", parameters={"colour": "red", "seed": 1}, out_dir=tmp_path / "busy", notebooks_dir=FIXTURES)


def test_fixture_notebooks_are_committed_without_outputs() -> None:
    for path in FIXTURES.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


def test_personal_data_is_masked_in_the_executed_notebook_traceback_kept(tmp_path: Path) -> None:
    from crm_analysis.app.runner import _mask_executed

    cell = nbformat.v4.new_code_cell("x")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="call 13812345678\n"),
                    nbformat.v4.new_output("execute_result", data={"text/html": "<td>li@example.com</td>"}),
                    nbformat.v4.new_output("error", ename="ValueError", evalue="row 110105199003071234",
                                           traceback=["File x.py, line 3", "ValueError: row 110105199003071234"])]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell, nbformat.v4.new_markdown_cell("13900001111")]), str(path))
    _mask_executed(path)
    nb = nbformat.read(str(path), as_version=4)
    stream, html, error = nb.cells[0].outputs
    assert stream.text == "call 138****5678\n" and html.data["text/html"] == "<td>l***@example.com</td>"
    assert error.evalue == "row ****************34" and error.traceback[0] == "File x.py, line 3"
    assert nb.cells[1].source == "139****1111"
