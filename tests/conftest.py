"""Fixtures shared by the whole suite (tests mirror the package: tests/<subpackage>/test_<module>.py).

The expensive things are made once per test session and shared:

- ``teaching_data``: the teaching data set as loaded (not cleaned).
- ``report_run``: ``crm-analysis run`` on the teaching data into a temporary run folder: chapters
  1-4 executed once, in order, so the hand-off between them is exercised; the notebook tests,
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
    """Chapters 1-4 on the teaching data, executed once per session by the runner (as a scheduler would)."""
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
