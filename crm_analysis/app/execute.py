"""Executing one chapter notebook with papermill in a kernel that imports this checkout.

:func:`declared_parameters` reads what a chapter accepts; :func:`kernel_environment` sets up the
kernels' import path; :func:`execute_chapter` runs a chapter and records its status, time and error.
"""

from __future__ import annotations

import ast
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError

from crm_analysis.app.runjson import ChapterResult
from crm_analysis.core import paths

KERNEL_NAME = "python3"


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
    try:
        papermill.execute_notebook(
            str(chapter.source),
            str(chapter.notebook),
            parameters=params,
            kernel_name=KERNEL_NAME,
            language="python",
            cwd=str(cwd),
            progress_bar=progress,
        )
    except PapermillExecutionError as exc:
        chapter.status, chapter.error = "failed", f"{exc.ename}: {exc.evalue}"
    except Exception as exc:  # kernel died, invalid notebook...: the other chapters still run
        chapter.status, chapter.error = "failed", f"{type(exc).__name__}: {exc}"
    chapter.seconds = time.perf_counter() - start


__all__ = ["KERNEL_NAME", "declared_parameters", "execute_chapter", "kernel_environment"]
