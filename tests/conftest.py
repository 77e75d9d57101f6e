"""Fixtures shared by the whole suite (tests mirror the package: tests/<subpackage>/test_<module>.py).

The expensive things are made once per test session and shared:

- ``teaching_data``: the teaching data set as loaded (not cleaned).
- ``report_run``: ``crm-analysis run`` on the teaching data into a temporary run folder: chapters
  1-5 executed once, in order, so the hand-off between them is exercised; the notebook tests,
  the report tests and the student-edition tests all read this one run.
- ``execute_notebook``: run any notebook with papermill, as the runner does (for the runs on
  other sources that single chapters check, and for the student editions).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill
import pytest

from crm_analysis.app import cli
from crm_analysis.app.execute import KERNEL_NAME, kernel_environment
from crm_analysis.core import paths
from crm_analysis.core.crmdata import CRMData
from crm_analysis.data.loading import load


def _require_teaching_data() -> None:
    if not (paths.TEACHING_DIR / "transactions.csv").is_file():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")


@pytest.fixture(scope="session")
def teaching_data() -> CRMData:
    """The teaching data as loaded, once per session (do not modify it: copy first)."""
    _require_teaching_data()
    return load("teaching")


@dataclass(frozen=True)
class ReportRun:
    """One ``crm-analysis run`` of every chapter on the teaching data."""

    out: Path
    exit_code: int

    @property
    def record(self) -> dict[str, Any]:
        """``run.json``."""
        return json.loads((self.out / "run.json").read_text(encoding="utf-8"))

    def notebook(self, stem: str) -> nbformat.NotebookNode:
        """The executed chapter notebook ``stem`` (e.g. ``"03_churn_reasons"``)."""
        return nbformat.read(self.out / f"{stem}.ipynb", as_version=4)

    def seconds(self, stem: str) -> float:
        """The chapter's execution time in this run."""
        return next(c["seconds"] for c in self.record["chapters"] if c["name"] == stem)

    def table(self, name: str, **read_csv: Any) -> pd.DataFrame:
        """A table the chapters wrote (``tables/<name>.csv``)."""
        return pd.read_csv(self.out / "tables" / f"{name}.csv", **read_csv)


@pytest.fixture(scope="session")
def report_run(tmp_path_factory: pytest.TempPathFactory) -> ReportRun:
    """Chapters 1-5 on the teaching data, executed once per session by the runner (as a scheduler would)."""
    _require_teaching_data()
    out = tmp_path_factory.mktemp("reports") / "run"
    return ReportRun(out=out, exit_code=cli.main(["run", "--out", str(out), "--quiet"]))


@pytest.fixture(scope="session")
def execute_notebook() -> Callable[..., nbformat.NotebookNode]:
    """``execute_notebook(notebook, out_dir, cwd=notebooks folder, **parameters)``: run it with papermill
    into ``out_dir`` (also its ``output_dir``), with the kernel importing this checkout, as the runner does."""

    def run(notebook: Path, out_dir: Path, *, cwd: Path = paths.NOTEBOOKS_DIR,
            **parameters: Any) -> nbformat.NotebookNode:
        out_dir.mkdir(parents=True, exist_ok=True)
        target = out_dir / Path(notebook).name
        with kernel_environment():
            papermill.execute_notebook(str(notebook), str(target), cwd=str(cwd), kernel_name=KERNEL_NAME,
                                       parameters={"output_dir": str(out_dir), **parameters}, progress_bar=False)
        return nbformat.read(target, as_version=4)

    return run


# --------------------------------------------------------------------------- a throwaway PostgreSQL server
def _postgres_bin() -> Path | None:
    """The folder of initdb / pg_ctl: on PATH, else Debian's /usr/lib/postgresql/<version>/bin."""
    import glob
    import shutil

    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(versions[-1]).parent if versions else None


@pytest.fixture(scope="session")
def postgresql_url(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """``postgresql+psycopg://crm:<password>@/crm_test?host=<socket dir>``: a server started with initdb/pg_ctl
    in a temporary folder for the session (as the postgres user when the tests run as root), stopped after.
    Skipped with the reason where no PostgreSQL binaries are installed (``.ci/run`` installs them)."""
    import os
    import subprocess

    pytest.importorskip("psycopg", reason="psycopg 3 is not installed")
    bindir = _postgres_bin()
    if bindir is None:
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl): apt-get install postgresql")
    import shutil
    import tempfile

    root = Path(tempfile.mkdtemp(prefix="crm-pg-"))  # outside pytest's 0700 folders: the postgres user reads it
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # postgres refuses to run as root
        as_user = ["runuser", "-u", "postgres", "--"]
        subprocess.run(["chown", "-R", "postgres", str(root)], check=True)
    def run(*cmd: str) -> None:
        done = subprocess.run([*as_user, *cmd], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{' '.join(cmd[:1])} failed: {done.stderr or done.stdout}")
    run(str(bindir / "initdb"), "-D", str(data), "-U", "crm", "-A", "trust", "--no-sync")
    port = str(55432 + os.getpid() % 1000)
    options = f"-k {sock} -p {port} -c listen_addresses='' -c fsync=off"
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(root / "log"), "start")
    try:
        import psycopg

        with psycopg.connect(host=str(sock), port=port, user="crm", dbname="postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE crm_test")
        yield f"postgresql+psycopg://crm:Tr0ub4dor-s3cret@/crm_test?host={sock}&port={port}"
    finally:
        run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
