"""crm_analysis.app.execute: what a chapter declares, and running it in a kernel."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat

from crm_analysis.app.execute import declared_parameters, execute_chapter, kernel_environment
from crm_analysis.app.runjson import ChapterResult
from crm_analysis.core import paths

FIXTURES = Path(__file__).parents[1] / "fixtures" / "runner"


def test_declared_parameters_reads_union_annotations() -> None:
    # papermill's own inspection misses `as_of: str | None = None`; the runner must not.
    assert declared_parameters(FIXTURES / "01_ok.ipynb") == {"data_source", "as_of", "seed", "output_dir", "greeting"}


def test_kernel_environment_puts_the_checkout_first_and_restores_the_path(monkeypatch) -> None:
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    with kernel_environment():
        assert os.environ["PYTHONPATH"].split(os.pathsep) == [str(paths.PROJECT_ROOT), "/elsewhere"]
    assert os.environ["PYTHONPATH"] == "/elsewhere"
    monkeypatch.delenv("PYTHONPATH")
    with kernel_environment():
        assert os.environ["PYTHONPATH"] == str(paths.PROJECT_ROOT)
    assert "PYTHONPATH" not in os.environ


def test_a_chapter_that_raises_is_recorded_with_its_error(tmp_path: Path) -> None:
    chapter = ChapterResult("02_fails", FIXTURES / "02_fails.ipynb", tmp_path / "02_fails.ipynb")
    with kernel_environment():
        execute_chapter(chapter, {"output_dir": str(tmp_path)}, FIXTURES, progress=False)
    assert chapter.status == "failed" and chapter.seconds > 0
    assert chapter.error == "ValueError: planned failure for the runner test"
    outputs = [o for c in nbformat.read(chapter.notebook, as_version=4).cells for o in c.get("outputs", [])]
    assert any(o.output_type == "error" for o in outputs)  # the executed notebook keeps the error
