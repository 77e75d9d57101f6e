"""Executing one chapter notebook with papermill in a kernel that imports this checkout.

:func:`declared_parameters` reads what a chapter accepts; :func:`kernel_environment` sets up the
kernels' import path; :func:`execute_chapter` runs a chapter and records its status, time and error.
"""

from __future__ import annotations

import ast
import contextlib
import copy
import logging
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from papermill.exceptions import PapermillExecutionError
from traitlets import default

from crm_analysis.app.runjson import ChapterResult
from crm_analysis.core import i18n, paths
from crm_analysis.core.errors import TooLittleData
from crm_analysis.data import privacy

KERNEL_NAME = "python3"
#: The kernels' own stderr, in the run folder (kept out of the terminal and the cron log).
KERNEL_LOG = "kernels.log"


def declared_parameters(notebook: str | Path) -> set[str]:
    """Names a notebook declares in its ``parameters`` cell.

    Combines papermill's own inspection with a parse of the cell by :mod:`ast`,
    because papermill's pattern misses annotations such as ``as_of: str | None = None``.

    Parameters
    ----------
    notebook : str or pathlib.Path
        An ``.ipynb`` file.

    Returns
    -------
    set of str

    Examples
    --------
    >>> import nbformat, tempfile
    >>> cell = nbformat.v4.new_code_cell("seed: int = 42\\nas_of: str | None = None\\nlang = 'en'")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     nbformat.write(nbformat.v4.new_notebook(cells=[cell]), Path(tmp) / "n.ipynb")
    ...     sorted(declared_parameters(Path(tmp) / "n.ipynb"))
    ['as_of', 'lang', 'seed']
    """
    try:
        names = set(papermill.inspect_notebook(str(notebook)))
    except ValueError:  # no kernelspec in the metadata: the runner names the kernel itself
        names = set()
    nb = nbformat.read(str(notebook), as_version=4)
    for cell in nb.cells:
        if cell.cell_type != "code" or "parameters" not in cell.metadata.get("tags", []):
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:  # e.g. IPython magics; papermill's answer stands
            continue
        for node in tree.body:
            targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names

class _DropUnknownParameterLog(logging.Filter):
    """Papermill logs every injected name its pattern misses (also ``as_of: str | None``) as
    unknown, once per chapter; the runner warns once, correctly, instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Passed unknown parameter")

@contextmanager
def kernel_environment() -> Iterator[None]:
    """Let the kernels import this checkout's crm_analysis even when it is not pip-installed,
    and quieten papermill's misleading unknown-parameter log.

    Examples
    --------
    >>> with kernel_environment():
    ...     str(paths.PROJECT_ROOT) in os.environ["PYTHONPATH"].split(os.pathsep)
    True
    """
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(paths.PROJECT_ROOT), *([old] if old else [])])
    log_filter = _DropUnknownParameterLog()
    logging.getLogger("papermill").addFilter(log_filter)
    try:
        yield
    finally:
        logging.getLogger("papermill").removeFilter(log_filter)
        if old is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = old


class _LoggedKernelManager(AsyncKernelManager):
    """A kernel whose own stderr (start-up warnings, a dying kernel's messages) goes to a log file in
    the run folder instead of the terminal or the cron log; the cells' output is in the notebook.

    It talks to the runner over local Unix sockets (ZeroMQ's IPC transport), not TCP: no port is opened
    and the kernel's "running over TCP without encryption" warning does not arise. The sockets live in a
    folder of their own per kernel, readable by this user only (jupyter_client's default, a relative
    ``kernel-ipc``, would be shared by every run started in the same folder), removed with the kernel."""

    log_path: Path | None = None

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc"

    @default("ip")
    def _ipc_path_default(self) -> str:
        return str(Path(tempfile.mkdtemp(prefix="crm-kernel-")) / "ipc")

    def cleanup_ipc_files(self) -> None:
        super().cleanup_ipc_files()
        if self.transport == "ipc" and Path(self.ip).parent.name.startswith("crm-kernel-"):
            shutil.rmtree(Path(self.ip).parent, ignore_errors=True)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        if self.log_path is not None and "stderr" not in kw:
            with contextlib.suppress(OSError), open(self.log_path, "ab") as log:
                kw["stderr"] = log  # the kernel inherits the descriptor; ours closes after the launch
                return await super()._async_launch_kernel(kernel_cmd, **kw)
        return await super()._async_launch_kernel(kernel_cmd, **kw)


def execute_chapter(chapter: ChapterResult, params: dict[str, Any], cwd: Path, progress: bool) -> None:
    """Execute one chapter with papermill; record status, seconds and error on ``chapter``.

    Parameters
    ----------
    chapter : ChapterResult
        Its ``source`` is executed into its ``notebook``; ``status``, ``seconds`` and ``error`` are set.
    params : dict
        The parameters injected.
    cwd : pathlib.Path
        The kernel's working directory (the notebooks' folder).
    progress : bool
        Show papermill's per-cell progress bar.

    Notes
    -----
    A failure is recorded, never raised: the error (and the failed cell's traceback) with personal
    data masked unless ``params["show_pii"]`` is True. A SIGINT or SIGTERM (``KeyboardInterrupt``)
    is not caught: the runner records the chapter as interrupted.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     chapter = ChapterResult("01_x", Path(tmp) / "missing.ipynb", Path(tmp) / "out.ipynb")
    ...     execute_chapter(chapter, {}, Path(tmp), progress=False)
    ...     chapter.status
    'failed'
    """
    start = time.perf_counter()
    show_pii = params.get("show_pii") is True
    log = chapter.notebook.parent / KERNEL_LOG
    manager = type("ChapterKernelManager", (_LoggedKernelManager,), {"log_path": log})
    try:
        papermill.execute_notebook(
            str(chapter.source),
            str(chapter.notebook),
            parameters=params,
            kernel_name=KERNEL_NAME,
            language="python",
            cwd=str(cwd),
            progress_bar=progress,
            kernel_manager_class=manager,
        )
    except PapermillExecutionError as exc:
        # TooLittleData: valid data too small for the rest of the chapter; a note, not a failure.
        chapter.status = "skipped" if exc.ename == TooLittleData.__name__ else "failed"
        chapter.error = privacy.mask_text(f"{exc.ename}: {exc.evalue}", show_pii=show_pii)
        chapter.traceback = privacy.mask_text(_ANSI.sub("", "\n".join(exc.traceback or [])), show_pii=show_pii)
    except DeadKernelError as exc:  # e.g. killed by the kernel's out-of-memory killer
        chapter.status = "failed"
        chapter.error = f"DeadKernelError: the chapter's kernel died (killed, often for lack of memory): {exc}"
    except Exception as exc:  # invalid notebook, unwritable folder...: the other chapters still run
        chapter.status = "failed"
        chapter.error = privacy.mask_text(f"{type(exc).__name__}: {exc}", show_pii=show_pii)
    chapter.seconds = time.perf_counter() - start


def reader_notebook(nb: nbformat.NotebookNode, *, show_pii: bool = False) -> nbformat.NotebookNode:
    """The executed notebook as the reader's page shows it: no tracebacks, no personal data.

    A :class:`~crm_analysis.core.errors.TooLittleData` error becomes a note saying what is not
    computed and from what size it works. Any other error output becomes a short message saying
    what failed and what to do (the traceback
    stays in the executed notebook and in ``run.json``); papermill's banner cells pointing at the
    failing cell go; every text output is passed through
    :func:`crm_analysis.data.privacy.mask_text` unless ``show_pii``. Images are left as they are.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        An executed notebook (not changed).
    show_pii : bool, default False
        Leave personal data in the text outputs.

    Returns
    -------
    nbformat.NotebookNode
        A changed copy.

    Examples
    --------
    >>> cell = nbformat.v4.new_code_cell("1/0")
    >>> cell.outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="division by zero",
    ...                                        traceback=["File /home/me/x.py, line 1", "1/0"])]
    >>> page = reader_notebook(nbformat.v4.new_notebook(cells=[cell]))
    >>> text = page.cells[0].outputs[0]["data"]["text/markdown"]
    >>> "ZeroDivisionError: division by zero" in text, "/home/me" in text
    (True, False)
    """
    page = copy.deepcopy(nb)
    page.cells = [c for c in page.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    for cell in page.cells:
        if cell.cell_type == "markdown":
            cell.source = privacy.mask_text(cell.source, show_pii=show_pii)
            continue
        if cell.cell_type != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if output.output_type == "error" and output.ename == TooLittleData.__name__:
                output = nbformat.v4.new_output("display_data", data={"text/markdown": "> **" + i18n._(
                    "Note: the rest of this chapter is not computed.") + "** " + privacy.mask_text(
                    output.evalue, show_pii=show_pii)})
            elif output.output_type == "error":
                output = nbformat.v4.new_output("display_data", data={"text/markdown": _failure_message(
                    privacy.mask_text(f"{output.ename}: {output.evalue}", show_pii=show_pii))})
            elif output.output_type == "stream":
                output.text = privacy.mask_text(output.text, show_pii=show_pii)
            elif "data" in output:
                for mime in ("text/plain", "text/html", "text/markdown", "text/latex"):
                    if mime in output.data:
                        output.data[mime] = privacy.mask_text(output.data[mime], show_pii=show_pii)
            outputs.append(output)
        cell.outputs = outputs
    return page


def _failure_message(error: str) -> str:
    first_line = error.strip().splitlines()[0] if error.strip() else error
    what = first_line if len(first_line) <= 300 else first_line[:297] + "..."
    return "> **" + i18n._("This chapter stopped here.") + "** " + i18n._(
        "The step failed with: {error}. The sections after it were not computed. What to do: check the "
        "data source and the parameters named at the top; the full error is in the executed notebook "
        "and in run.json, which the person running the report can read."
    ).format(error=what)


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


__all__ = ["KERNEL_LOG", "KERNEL_NAME", "declared_parameters", "execute_chapter", "kernel_environment",
           "reader_notebook"]
