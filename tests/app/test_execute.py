"""crm_analysis.app.execute: what a chapter declares, and running it in a kernel."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import nbformat

from crm_analysis.app.execute import (
    _LoggedKernelManager,
    declared_parameters,
    execute_chapter,
    kernel_environment,
    reader_notebook,
)
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


def _execute(tmp_path: Path, code: str) -> ChapterResult:
    """Run a one-cell chapter holding ``code`` and return its result."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)],
                                  metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                           "language": "python"}})
    nbformat.write(nb, tmp_path / "01_x.ipynb")
    chapter = ChapterResult("01_x", tmp_path / "01_x.ipynb", tmp_path / "out" / "01_x.ipynb")
    chapter.notebook.parent.mkdir()
    with kernel_environment():
        execute_chapter(chapter, {}, tmp_path, progress=False)
    return chapter


def test_a_kernel_killed_like_the_oom_killer_is_a_failed_chapter_saying_so(tmp_path: Path) -> None:
    chapter = _execute(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    assert chapter.status == "failed" and "kernel died" in chapter.error


def test_errors_and_tracebacks_are_masked_and_the_reader_sees_no_traceback(tmp_path: Path) -> None:
    chapter = _execute(tmp_path, "raise ValueError('row 3: 13812345678,wei@example.com')")
    assert chapter.status == "failed" and chapter.error == "ValueError: row 3: 138****5678,w***@example.com"
    assert "13812345678" not in chapter.traceback and "138****5678" in chapter.traceback
    page = reader_notebook(nbformat.read(str(chapter.notebook), as_version=4))
    outputs = [o for c in page.cells if c.cell_type == "code" for o in c.outputs]
    assert [o.output_type for o in outputs] == ["display_data"]
    text = outputs[0]["data"]["text/markdown"]
    assert "This chapter stopped here" in text and "138****5678" in text and "Traceback" not in text
    assert "13812345678" in nbformat.read(str(chapter.notebook), as_version=4).cells[-1].outputs[0]["evalue"]


def test_too_little_data_is_a_skipped_chapter_with_a_note(tmp_path: Path) -> None:
    chapter = _execute(tmp_path, "from crm_analysis.core.errors import TooLittleData\n"
                                  "raise TooLittleData('1 customer: clusters need at least 3 customers')")
    assert chapter.status == "skipped" and "at least 3 customers" in chapter.error
    page = reader_notebook(nbformat.read(str(chapter.notebook), as_version=4))
    text = next(o for c in page.cells if c.cell_type == "code" for o in c.outputs)["data"]["text/markdown"]
    assert "the rest of this chapter is not computed" in text and "at least 3 customers" in text


def test_every_chapter_declares_the_report_parameters() -> None:
    """``--teacher`` and ``-p lang zh`` reach every chapter: each declares ``audience`` and ``lang``."""
    chapters = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
    assert len(chapters) >= 5
    missing = {c.name: {"audience", "lang"} - declared_parameters(c) for c in chapters}
    assert {name: names for name, names in missing.items() if names} == {}


def test_kernel_talks_over_private_ipc_sockets(tmp_path) -> None:
    """No TCP port (so no 'running over TCP without encryption' warning); a socket folder per kernel, removed."""
    async def run() -> tuple[str, str, bool, bool]:
        manager = _LoggedKernelManager(kernel_name="python3")
        manager.log_path = tmp_path / "kernels.log"
        await manager.start_kernel()
        client = manager.client()
        client.start_channels()
        try:
            await client.wait_for_ready(timeout=120)
            reply = await client.execute_interactive("print(6 * 7)", timeout=60)
        finally:
            client.stop_channels()
            await manager.shutdown_kernel()
        socket_dir = Path(manager.ip).parent
        return manager.transport, reply["content"]["status"], socket_dir.name.startswith("crm-kernel-"), \
            socket_dir.exists()

    assert asyncio.run(run()) == ("ipc", "ok", True, False)
    assert "without encryption" not in (tmp_path / "kernels.log").read_text(encoding="utf-8", errors="replace")
