"""Every ending of `crm-analysis run` leaves a record: SIGTERM mid-chapter, concurrent runs on one
folder, a folder that cannot be written, and the data hash covering only the files read.

The runs are real `python -m crm_analysis.app.cli run` processes on the fixture chapters in
tests/fixtures/runner_slow/ (01 writes a table, 02 says it started and then waits, 03 prints).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from crm_analysis.app import cli
from crm_analysis.app.runfolder import work_folder
from crm_analysis.app.runner import LOCK_FILE, OutputFolderError, make_out_dir, release, run_report

SLOW = Path(__file__).parents[1] / "fixtures" / "runner_slow"
DATA = "customer_id,order_date,amount\nC1,2024-01-02,10.5\nC2,2024-01-03,4.0\n"


def _command(data: Path, out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "crm_analysis.app.cli", "run", "--data", str(data), "--out", str(out),
            "--notebooks-dir", str(SLOW), "-q", *extra]


def _wait_for(path: Path, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        assert process.poll() is None, f"the run ended early: {process.communicate()}"
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.2)


@pytest.fixture
def data_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text(DATA)
    return path


def test_sigterm_mid_chapter_leaves_run_json_and_index_naming_the_chapter(tmp_path: Path, data_file: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(_command(data_file, out), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for(work_folder(out) / "02_started", process)  # chapter 2 is running in its kernel
    # A half-written run is never seen as complete: the folder holds only the lock, the work goes on beside it.
    assert [p.name for p in out.iterdir()] == [LOCK_FILE]
    assert {"01_quick.ipynb", "01_quick.html", "tables"} <= {p.name for p in work_folder(out).iterdir()}
    assert not (work_folder(out) / "run.json").exists()
    process.send_signal(signal.SIGTERM)  # what cron's kill, systemd and Kubernetes send
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 143 and "Traceback" not in stderr
    assert "interrupted by SIGTERM" in stderr
    info = json.loads((out / "run.json").read_text())
    assert info["ok"] is False and info["ending"] == "interrupted" and info["interrupted"] == "SIGTERM"
    assert info["interrupted_chapter"] == "02_waits" and info["not_run"] == ["03_after"]
    statuses = {c["name"]: c["status"] for c in info["chapters"]}
    assert statuses == {"01_quick": "ok", "02_waits": "interrupted"}
    page = (out / "index.html").read_text()
    assert "run interrupted by SIGTERM during 02_waits" in page and "interrupted before 03_after" in page
    # The partial notebook is marked, and its page says so; the folder is released.
    partial = json.loads((out / "02_waits.ipynb").read_text())
    assert partial["metadata"]["crm_analysis"]["status"] == "interrupted"
    assert "Interrupted (SIGTERM)" in "".join(partial["cells"][0]["source"])
    assert "Interrupted (SIGTERM)" in (out / "02_waits.html").read_text()
    assert not (out / LOCK_FILE).exists() and not work_folder(out).exists()  # renamed: complete, with its record


def test_two_runs_on_one_folder_never_traceback_nor_damage_each_other(tmp_path: Path, data_file: Path) -> None:
    for trial in range(10):
        out = tmp_path / f"same{trial}"
        runs = [subprocess.Popen(_command(data_file, out, "--chapters", "01"), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        ended = [(run.wait(timeout=180), run.communicate()[1]) for run in runs]
        codes = sorted(code for code, _ in ended)
        assert all("Traceback" not in err for _, err in ended), ended
        assert codes == [0, cli.EXIT_ENVIRONMENT], ended  # one run gets the folder, the other stops at once
        loser = next(err for code, err in ended if code == cli.EXIT_ENVIRONMENT)
        assert f"output folder {out}" in loser
        info = json.loads((out / "run.json").read_text())  # the winner's run is complete and undamaged
        assert info["ok"] is True and [c["status"] for c in info["chapters"]] == ["ok"]
        assert (out / "tables" / "01_quick.csv").read_text() == "a\n1\n" and not (out / LOCK_FILE).exists()


def test_a_folder_locked_by_a_live_run_or_a_dead_one_is_refused_saying_which(tmp_path: Path) -> None:
    live = make_out_dir(tmp_path / "live")
    with pytest.raises(OutputFolderError, match=f"in use by another run \\(process {os.getpid()}"):
        make_out_dir(live)
    stale = tmp_path / "stale"
    stale.mkdir()
    (stale / LOCK_FILE).write_text(json.dumps({"pid": 2**22 + 12345, "started": "yesterday"}))
    with pytest.raises(OutputFolderError, match="no longer running \\(stale lock"):
        make_out_dir(stale)
    release(live)
    assert list(live.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_output_folder_is_an_environment_error_without_traceback(
        tmp_path: Path, data_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        code = cli.main(["run", "--data", str(data_file), "--out", str(parent / "run"), "--notebooks-dir",
                         str(SLOW), "--chapters", "01", "-q"])
    finally:
        parent.chmod(0o755)
    err = capsys.readouterr().err
    assert code == cli.EXIT_ENVIRONMENT and "Traceback" not in err and "cannot write the report" in err


def test_a_read_only_output_folder_simulated_for_root(tmp_path: Path, data_file: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "run"))

    monkeypatch.setattr("crm_analysis.app.runner.make_out_dir", refuse)
    code = cli.main(["run", "--data", str(data_file), "--out", str(tmp_path / "run"), "--notebooks-dir", str(SLOW),
                     "--chapters", "01", "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "Traceback" not in err
    assert f"cannot write the report ({tmp_path / 'run'}): Permission denied" in err


def test_disk_full_during_the_run_still_records_it(tmp_path: Path, data_file: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    def no_space(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("crm_analysis.app.runner._run_chapters", no_space)
    with pytest.raises(OSError, match="No space"):
        run_report(str(data_file), out_dir=tmp_path / "run", notebooks_dir=SLOW, progress=False)
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    assert info["ok"] is False and info["ending"] == "environment_error"
    assert "No space left on device" in info["environment_error"]
    assert "environment error" in (tmp_path / "run" / "index.html").read_text()


def test_data_hash_covers_the_files_read_not_an_output_folder_inside_the_data(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "transactions.csv").write_text(DATA)
    first = run_report(str(data), out_dir=data / "reports" / "r1", chapters=["01"], notebooks_dir=SLOW,
                       progress=False)
    second = run_report(str(data), out_dir=data / "reports" / "r2", chapters=["01"], notebooks_dir=SLOW,
                        progress=False)
    one, two = (json.loads(r.run_json.read_text()) for r in (first, second))
    assert one["data_sha256"] == two["data_sha256"] == hashlib.sha256(DATA.encode()).hexdigest()
    assert one["data_files"] == [str((data / "transactions.csv").resolve())]


def test_sigterm_while_the_data_is_prepared_stops_at_once(tmp_path: Path) -> None:
    """SIGTERM to the runner alone (systemd's KillMode=mixed) during load-and-clean, which runs in a
    helper process: the helper is stopped, not waited for, and the record says so."""
    slow_prepare = ("import sys, time\nfrom crm_analysis.app import cli, runner\n"
                    "def slow(*args, **kwargs):\n    time.sleep(120)\n"
                    "runner.prepare_data = slow\nsys.exit(cli.main(sys.argv[1:]))")
    out = tmp_path / "run"
    process = subprocess.Popen([sys.executable, "-c", slow_prepare, "run", "--data", "cdnow", "--out", str(out),
                                "--notebooks-dir", str(SLOW), "-q"], stderr=subprocess.PIPE, text=True)
    _wait_for(out / LOCK_FILE, process)
    time.sleep(3)  # the helper is loading
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)  # far less than the helper's 120 s
    assert process.returncode == 143 and "Traceback" not in stderr
    info = json.loads((out / "run.json").read_text())
    assert info["ending"] == "interrupted" and info["chapters"] == []
    assert info["not_run"] == ["01_quick", "02_waits", "03_after"]
