"""Classroom use: every chapter has goals and graded exercises, and student editions run without solutions."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from crm_analysis.app import cli
from crm_analysis.app.teaching import ANSWER_TAG, SOLUTION_TAG
from crm_analysis.core import handoff, paths

CHAPTERS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))


def _tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_chapters_open_with_goals_and_close_with_exercises(path):
    notebook = nbformat.read(path, as_version=4)
    opening = "\n".join(c.source for c in notebook.cells[:3] if c.cell_type == "markdown")
    assert "学习目标" in opening or "Learning goals" in opening
    markdown = "\n".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "管理建议" in markdown and "练习" in markdown
    assert sum(SOLUTION_TAG in _tags(c) for c in notebook.cells) >= 3


@pytest.fixture(scope="module")
def student_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("class")
    assert cli.main(["student-notebooks", str(out)]) == 0
    return out


@pytest.mark.parametrize("name", [p.name for p in CHAPTERS])
def test_student_editions_have_no_solutions_and_run(student_dir, name, tmp_path, report_run, execute_notebook):
    student = nbformat.read(student_dir / name, as_version=4)
    teacher = nbformat.read(paths.NOTEBOOKS_DIR / name, as_version=4)
    assert not [c for c in student.cells if SOLUTION_TAG in _tags(c)]
    answers = [c for c in student.cells if ANSWER_TAG in _tags(c)]
    assert answers and all(not c.outputs for c in answers)
    # Every exercise prompt (markdown) of the teacher's edition is still there.
    prompts = {c.source for c in teacher.cells if c.cell_type == "markdown"}
    assert prompts <= {c.source for c in student.cells if c.cell_type == "markdown"}
    # The data the session's run loaded and cleaned once (tests/conftest.py) is used here too; without
    # show_pii the run sets its hand-off aside in the hidden sibling folder.
    shutil.copytree(handoff.private_dir(report_run.out) / "handoff" / "data", tmp_path / "handoff" / "data")
    executed = execute_notebook(student_dir / name, tmp_path, cwd=student_dir)
    assert not [o for c in executed.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]


def test_running_the_command_again_resets_the_class_folder(student_dir):
    target = student_dir / CHAPTERS[0].name
    target.write_text("scribbled over", encoding="utf-8")
    assert cli.main(["student-notebooks", str(student_dir)]) == 0
    assert nbformat.read(target, as_version=4).cells
