"""Run the chapter notebooks as one report (``crm-analysis run``).

The chapters are the notebooks ``notebooks/NN_name.ipynb``; each has a cell tagged
``parameters`` whose defaults point at the teaching data. :func:`run_report`
executes the selected chapters in order with papermill, injecting the data source,
the as-of date and the output folder, and writes a new folder per run::

    reports/20250301-093000/
        01_collection_quality.ipynb   executed notebook (kept even if it failed)
        01_collection_quality.html    the chapter as a report (code hidden by default)
        index.html                    links the chapters, with a status line each
        tables/                       CSV tables written by the chapters
        run.json                      for schedulers: source + hash, as-of, versions, statuses

A chapter that fails does not stop the others. A run never overwrites an earlier
run's folder.
"""

from __future__ import annotations

import ast
import hashlib
import html
import json
import logging
import os
import platform
import sys
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from crm_analysis.core import paths

CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
KERNEL_NAME = "python3"
BUILTIN_SOURCES: dict[str, Path] = {"teaching": paths.TEACHING_DIR, "cdnow": paths.CDNOW_DIR}
# Set by run_report itself; a -p for them would silently disagree with --data/--as-of/--out.
RESERVED_PARAMETERS = ("data_source", "as_of", "output_dir")
VERSION_PACKAGES = (
    "crm-analysis",
    "pandas",
    "numpy",
    "scipy",
    "scikit-learn",
    "statsmodels",
    "pandera",
    "matplotlib",
    "seaborn",
    "pyarrow",
    "duckdb",
    "papermill",
    "nbconvert",
    "nbclient",
    "ipykernel",
)
RUN_JSON_FORMAT = 1


class RunError(ValueError):
    """A run cannot start: unknown chapter, bad parameter, occupied output folder."""


@dataclass
class ChapterResult:
    """What happened to one chapter of a run.

    Attributes
    ----------
    name : str
        Notebook stem, e.g. ``01_collection_quality``.
    source : pathlib.Path
        The chapter notebook that was executed.
    notebook : pathlib.Path
        The executed notebook in the run folder.
    html : pathlib.Path or None
        The chapter's HTML report (None if it could not be written).
    status : str
        ``"ok"`` or ``"failed"``.
    seconds : float
        Wall time of the execution.
    error : str or None
        ``"ExceptionName: message"`` for a failed chapter.
    """

    name: str
    source: Path
    notebook: Path
    html: Path | None = None
    status: str = "ok"
    seconds: float = 0.0
    error: str | None = None

    @property
    def number(self) -> str:
        """The two-digit chapter number."""
        return self.name[:2]

    def to_json(self, out_dir: Path) -> dict[str, Any]:
        """The chapter's entry in ``run.json`` (paths relative to the run folder)."""
        return {
            "name": self.name,
            "notebook": _relative(self.notebook, out_dir),
            "html": _relative(self.html, out_dir) if self.html else None,
            "source": str(self.source),
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "error": self.error,
        }


@dataclass
class RunResult:
    """The outcome of :func:`run_report`.

    Attributes
    ----------
    out_dir : pathlib.Path
        The run folder.
    chapters : list of ChapterResult
        One entry per executed chapter, in order.
    ok : bool
        True if every chapter succeeded.
    run_json : pathlib.Path
        The ``run.json`` written for schedulers.
    index_html : pathlib.Path
        The report's ``index.html``.
    """

    out_dir: Path
    chapters: list[ChapterResult] = field(default_factory=list)
    ok: bool = True
    run_json: Path = Path()
    index_html: Path = Path()

    @property
    def failed(self) -> list[ChapterResult]:
        """The chapters that failed."""
        return [c for c in self.chapters if c.status != "ok"]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def parse_value(text: str) -> Any:
    """Parse a ``-p NAME VALUE`` value the way papermill's command line does.

    ``True``/``False``/``None`` (exactly so spelled) become those constants, then an
    int is tried, then a float; anything else stays a string.

    Parameters
    ----------
    text : str
        The value as typed.

    Returns
    -------
    bool, None, int, float or str

    Examples
    --------
    >>> [parse_value(v) for v in ["True", "None", "42", "0.5", "1e3", "true", "2024-01-31"]]
    [True, None, 42, 0.5, 1000.0, 'true', '2024-01-31']
    """
    constants = {"True": True, "False": False, "None": None}
    if text in constants:
        return constants[text]
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def discover_chapters(notebooks_dir: str | Path = paths.NOTEBOOKS_DIR) -> list[Path]:
    """Find the chapter notebooks ``NN_name.ipynb`` in a folder, in chapter order.

    Parameters
    ----------
    notebooks_dir : str or pathlib.Path
        The folder to search (not recursive).

    Returns
    -------
    list of pathlib.Path
        Sorted by file name; may be empty.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     for name in ["02_b.ipynb", "01_a.ipynb", "notes.ipynb", "1_x.ipynb"]:
    ...         _ = (Path(tmp) / name).write_text("{}")
    ...     [p.name for p in discover_chapters(tmp)]
    ['01_a.ipynb', '02_b.ipynb']
    """
    return sorted(Path(notebooks_dir).glob(CHAPTER_GLOB), key=lambda p: p.name)


def select_chapters(available: Sequence[Path], chapters: Iterable[str] | None) -> list[Path]:
    """Pick chapters by number (``"01"``, ``"1"``) or by full name, in chapter order.

    Parameters
    ----------
    available : sequence of pathlib.Path
        The chapter notebooks, as from :func:`discover_chapters`.
    chapters : iterable of str or None
        The wanted chapters; None selects all of them.

    Returns
    -------
    list of pathlib.Path

    Raises
    ------
    RunError
        If there are no chapters, or a wanted chapter is not among them (the message
        lists the available ones).

    Examples
    --------
    >>> nbs = [Path("01_quality.ipynb"), Path("02_segments.ipynb"), Path("03_churn.ipynb")]
    >>> [p.stem for p in select_chapters(nbs, ["3", "01"])]
    ['01_quality', '03_churn']
    >>> select_chapters(nbs, ["07"])
    Traceback (most recent call last):
    ...
    crm_analysis.app.runner.RunError: unknown chapter '07'; available: 01_quality, 02_segments, 03_churn
    """
    available = list(available)
    if not available:
        raise RunError(f"no chapter notebooks (files named {CHAPTER_GLOB}) found")
    if chapters is None:
        return available
    listing = ", ".join(p.stem for p in available)
    wanted: set[Path] = set()
    for raw in chapters:
        key = raw.strip().removesuffix(".ipynb")
        key = key.zfill(2) if key.isdigit() else key
        match = [p for p in available if p.stem == key or (key.isdigit() and p.stem[:2] == key)]
        if not match:
            raise RunError(f"unknown chapter {raw.strip()!r}; available: {listing}")
        wanted.update(match)
    return [p for p in available if p in wanted]


def resolve_data_source(data_source: str | Path) -> tuple[str, Path | None]:
    """Turn a data source into the value injected into the notebooks, and its local path.

    The built-in names (``"teaching"``, ``"cdnow"``) stay names, since a notebook's
    working directory differs from the caller's; an existing file or folder becomes an
    absolute path.

    Parameters
    ----------
    data_source : str or pathlib.Path
        A built-in name, a folder or a file.

    Returns
    -------
    tuple of (str, pathlib.Path or None)
        The value to inject, and the path whose content identifies the data (None for
        a built-in whose folder is missing).

    Raises
    ------
    RunError
        If it is neither a built-in name nor an existing path.

    Examples
    --------
    >>> resolve_data_source("cdnow")[0]
    'cdnow'
    >>> resolve_data_source("no/such/file.csv")
    Traceback (most recent call last):
    ...
    crm_analysis.app.runner.RunError: data source 'no/such/file.csv' is neither a built-in ...
    """
    text = str(data_source)
    if text in BUILTIN_SOURCES:
        folder = BUILTIN_SOURCES[text]
        return text, folder if folder.exists() else None
    path = Path(text).expanduser()
    if not path.exists():
        names = ", ".join(BUILTIN_SOURCES)
        raise RunError(f"data source {text!r} is neither a built-in name ({names}) nor an existing file or folder")
    path = path.resolve()
    return str(path), path


def _data_files(path: Path) -> list[Path]:
    """A folder's files in sorted order, skipping hidden ones (.DS_Store, .ipynb_checkpoints)."""
    if path.is_file():
        return [path]
    files = (p for p in path.rglob("*") if p.is_file())
    visible = (p for p in files if not any(part.startswith(".") for part in p.relative_to(path).parts))
    return sorted(visible, key=lambda p: p.relative_to(path).as_posix())


def hash_data(path: str | Path) -> str:
    """SHA-256 of a data file's bytes, or of a folder's files in sorted order.

    For a folder each file's relative path is hashed before its bytes, so renaming a
    file changes the hash. Hidden files are skipped.

    Parameters
    ----------
    path : str or pathlib.Path
        A file or a folder.

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     f = Path(tmp) / "t.csv"
    ...     _ = f.write_bytes(b"a,b\\n1,2\\n")
    ...     hash_data(f) == hashlib.sha256(b"a,b\\n1,2\\n").hexdigest()
    True
    """
    root = Path(path)
    digest = hashlib.sha256()
    for file in _data_files(root):
        if root.is_dir():
            digest.update(file.relative_to(root).as_posix().encode("utf-8") + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def package_versions() -> dict[str, str | None]:
    """Versions of Python and of the packages a report depends on (None if not installed).

    Returns
    -------
    dict of str to str or None

    Examples
    --------
    >>> import pandas as pd
    >>> versions = package_versions()
    >>> versions["pandas"] == pd.__version__, versions["python"] == platform.python_version()
    (True, True)
    """
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    if versions["crm-analysis"] is None:  # running from a checkout that is not pip-installed
        from crm_analysis import __version__

        versions["crm-analysis"] = __version__
    return versions


def make_out_dir(
    out_dir: str | Path | None = None,
    *,
    reports_dir: str | Path = paths.REPORTS_DIR,
    now: datetime | None = None,
) -> Path:
    """Create the run folder, never reusing an earlier run's folder.

    Parameters
    ----------
    out_dir : str or pathlib.Path, optional
        The wanted folder; it may exist only if it is empty. Relative paths are taken
        from the current directory.
    reports_dir : str or pathlib.Path
        Where the default ``<YYYYmmdd-HHMMSS>`` folder goes when ``out_dir`` is None;
        if that name is taken, ``-2``, ``-3``, ... is appended.
    now : datetime, optional
        The time used for the default name (for tests); default now.

    Returns
    -------
    pathlib.Path
        The created (empty) folder, absolute.

    Raises
    ------
    RunError
        If ``out_dir`` exists and is not empty, or is a file.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     at = datetime(2025, 3, 1, 9, 30, 0)
    ...     [make_out_dir(reports_dir=tmp, now=at).name for _ in range(3)]
    ['20250301-093000', '20250301-093000-2', '20250301-093000-3']
    """
    if out_dir is not None:
        target = Path(out_dir).expanduser().resolve()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise RunError(
                f"output folder {target} already exists and is not empty; "
                "choose a new folder (a run never overwrites an earlier one)"
            )
        target.mkdir(parents=True, exist_ok=True)
        return target
    base = Path(reports_dir).expanduser().resolve()
    base.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        candidate = base / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            candidate.mkdir()  # atomic: two runs started in the same second get different folders
        except FileExistsError:
            continue
        return candidate
    raise RunError(f"could not find a free folder name for {stamp} in {base}")


def _check_as_of(as_of: str | date | None) -> str | None:
    """Return the as-of date as ISO text (a date, or a date and time); None stays None."""
    if as_of is None:
        return None
    text = as_of.isoformat() if isinstance(as_of, date) else str(as_of).strip()
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise RunError(f"as-of date {as_of!r} is not an ISO date like 2024-01-31") from None
    return text


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
    import nbformat
    import papermill

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


def _check_parameters(parameters: Mapping[str, Any] | None, notebooks: Sequence[Path]) -> dict[str, Any]:
    """Validate user parameters; warn for names that no selected notebook declares."""
    params = dict(parameters or {})
    for name in params:
        if not name.isidentifier():
            raise RunError(f"parameter name {name!r} is not a valid Python name")
        if name in RESERVED_PARAMETERS:
            option = {"data_source": "--data", "as_of": "--as-of", "output_dir": "--out"}[name]
            raise RunError(f"parameter {name!r} is set by the runner; use {option} instead of -p")
    if params:
        declared = set().union(*(declared_parameters(nb) for nb in notebooks))
        for name in sorted(set(params) - declared):
            chapters = ", ".join(p.stem for p in notebooks)
            warnings.warn(
                f"parameter {name!r} is not declared by any selected chapter ({chapters}); "
                "it is injected but probably unused",
                UserWarning,
                stacklevel=3,
            )
    return params


class _DropUnknownParameterLog(logging.Filter):
    """Papermill logs every injected name its pattern misses (also ``as_of: str | None``) as
    unknown, once per chapter; the runner warns once, correctly, instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Passed unknown parameter")


@contextmanager
def _kernel_environment() -> Iterator[None]:
    """Let the kernels import this checkout's crm_analysis even when it is not pip-installed,
    and quieten papermill's misleading unknown-parameter log."""
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


def _execute(chapter: ChapterResult, params: dict[str, Any], cwd: Path, progress: bool) -> None:
    """Execute one chapter with papermill; record status, seconds and error on ``chapter``."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

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


def export_html(notebook: str | Path, target: str | Path, *, show_code: bool = False) -> Path:
    """Render an executed notebook as an HTML report with nbconvert.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The executed ``.ipynb``.
    target : str or pathlib.Path
        The ``.html`` file to write.
    show_code : bool, default False
        Keep the code cells and prompts (hidden by default: readers see results only).

    Returns
    -------
    pathlib.Path
        ``target``.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("secret_code = 1")])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     nbformat.write(nb, Path(tmp) / "a.ipynb")
    ...     page = export_html(Path(tmp) / "a.ipynb", Path(tmp) / "a.html").read_text()
    ...     "secret_code" in page
    False
    """
    import nbformat
    from nbconvert import HTMLExporter

    hide = not show_code
    exporter = HTMLExporter(exclude_input=hide, exclude_input_prompt=hide, exclude_output_prompt=hide)
    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(notebook).stem}})
    target = Path(target)
    target.write_text(body, encoding="utf-8")
    return target


def _index_html(result: RunResult, info: Mapping[str, Any]) -> str:
    esc = html.escape
    rows = []
    for c in result.chapters:
        status = "ok" if c.status == "ok" else f"failed: {c.error}"
        title = f'<a href="{esc(c.html.name)}">{esc(c.name)}</a>' if c.html else esc(c.name)
        nb_link = f'<a href="{esc(c.notebook.name)}">notebook</a>' if c.notebook.exists() else ""
        css = "ok" if c.status == "ok" else "failed"
        rows.append(
            f'<tr class="{css}"><td>{title}</td><td>{esc(status)}</td><td>{c.seconds:.1f} s</td><td>{nb_link}</td></tr>'
        )
    tables_dir = result.out_dir / "tables"
    tables = sorted(p for p in tables_dir.rglob("*") if p.is_file()) if tables_dir.is_dir() else []
    table_items = "".join(
        f'<li><a href="{esc(_relative(p, result.out_dir))}">{esc(_relative(p, tables_dir))}</a></li>' for p in tables
    )
    as_of = info["as_of"] or "not set (the day after the last transaction)"
    overall = "all chapters ok" if result.ok else f"{len(result.failed)} chapter(s) failed"
    if info.get("not_run"):
        overall += f"; interrupted before {', '.join(info['not_run'])}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CRM analysis report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 60em; }}
table {{ border-collapse: collapse; }} td, th {{ padding: .3em .8em; border-bottom: 1px solid #ddd; }}
tr.failed td {{ color: #a40000; }}
</style></head><body>
<h1>CRM analysis report</h1>
<p>Data source: <code>{esc(str(info["data_source"]))}</code>
(SHA-256 <code>{esc(str(info["data_sha256"]))}</code>)<br>
As-of date: {esc(str(as_of))}<br>
Started {esc(info["started"])}, finished {esc(info["finished"])} ({info["seconds"]:.1f} s): {esc(overall)}</p>
<table><tr><th>Chapter</th><th>Status</th><th>Time</th><th></th></tr>
{chr(10).join(rows)}
</table>
<h2>Tables</h2>
<ul>{table_items or "<li>none written</li>"}</ul>
<p><a href="run.json">run.json</a></p>
</body></html>
"""


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def run_report(
    data_source: str | Path = "teaching",
    as_of: str | date | None = None,
    out_dir: str | Path | None = None,
    chapters: Iterable[str] | None = None,
    parameters: Mapping[str, Any] | None = None,
    show_code: bool = False,
    notebooks_dir: str | Path = paths.NOTEBOOKS_DIR,
    progress: bool = True,
    *,
    reports_dir: str | Path = paths.REPORTS_DIR,
) -> RunResult:
    """Execute the chapter notebooks and write a report folder.

    Parameters
    ----------
    data_source : str or pathlib.Path, default "teaching"
        ``"teaching"``, ``"cdnow"``, a folder or a file; a relative path is made absolute.
    as_of : str or datetime.date, optional
        Analysis date (ISO); None lets each chapter use the day after the last transaction.
    out_dir : str or pathlib.Path, optional
        The run folder; must not exist or be empty. Default ``reports_dir/<YYYYmmdd-HHMMSS>``.
    chapters : iterable of str, optional
        Chapter numbers or names (``["01", "03"]``); default all.
    parameters : mapping, optional
        Further notebook parameters (``seed``, ``show_pii``, ``lang``, ...); a name that no
        selected chapter declares gives a warning.
    show_code : bool, default False
        Keep code cells in the HTML reports.
    notebooks_dir : str or pathlib.Path
        Where the chapter notebooks are; also their working directory during execution.
    progress : bool, default True
        Show a progress bar over chapters, a status line per chapter and papermill's
        per-cell progress bar (on stderr).
    reports_dir : str or pathlib.Path
        Parent of the default run folder.

    Returns
    -------
    RunResult
        ``ok`` is False if any chapter failed; the other chapters still ran.

    Raises
    ------
    RunError
        Before anything runs: unknown chapter, no chapters, unknown data source, bad
        as-of date, a reserved or invalid parameter name, or an occupied output folder.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     run_report(notebooks_dir=tmp, out_dir=Path(tmp) / "out")
    Traceback (most recent call last):
    ...
    crm_analysis.app.runner.RunError: no chapter notebooks (files named [0-9][0-9]_*.ipynb) in ...
    """
    notebooks_dir = Path(notebooks_dir).resolve()
    # Validate everything before creating the run folder, so a typo leaves nothing behind.
    available = discover_chapters(notebooks_dir)
    if not available:
        raise RunError(f"no chapter notebooks (files named {CHAPTER_GLOB}) in {notebooks_dir}")
    selected = select_chapters(available, chapters)
    source_value, source_path = resolve_data_source(data_source)
    as_of_value = _check_as_of(as_of)
    user_params = _check_parameters(parameters, selected)
    out = make_out_dir(out_dir, reports_dir=reports_dir)
    (out / "tables").mkdir()
    params = {"data_source": source_value, "as_of": as_of_value, "output_dir": str(out), **user_params}

    started, clock = _now(), time.perf_counter()
    result = RunResult(out_dir=out)
    try:
        _run_chapters(result, selected, params, notebooks_dir, show_code=show_code, progress=progress)
    finally:  # also on Ctrl-C: a scheduler still finds run.json for the chapters that ran
        result.ok = bool(result.chapters) and not result.failed and len(result.chapters) == len(selected)
        info = {
            "format": RUN_JSON_FORMAT,
            "data_source": source_value,
            "data_sha256": hash_data(source_path) if source_path else None,
            "as_of": as_of_value,
            "parameters": params,
            "show_code": show_code,
            "notebooks_dir": str(notebooks_dir),
            "versions": package_versions(),
            "started": started,
            "finished": _now(),
            "seconds": round(time.perf_counter() - clock, 3),
            "ok": result.ok,
            "failed": [c.name for c in result.failed],
            "not_run": [p.stem for p in selected[len(result.chapters) :]],
        }
        _write_outputs(result, info)
    return result


def _run_chapters(
    result: RunResult,
    selected: Sequence[Path],
    params: dict[str, Any],
    notebooks_dir: Path,
    *,
    show_code: bool,
    progress: bool,
) -> None:
    """Execute the chapters in order, appending to ``result.chapters``; failures do not stop the loop."""
    from tqdm.auto import tqdm

    bar = tqdm(selected, desc="chapters", unit="chapter", disable=not progress, file=sys.stderr)
    with _kernel_environment():
        for source in bar:
            chapter = ChapterResult(name=source.stem, source=source, notebook=result.out_dir / source.name)
            bar.set_postfix_str(chapter.name)
            _execute(chapter, params, notebooks_dir, progress)
            chapter.html = _html_or_none(chapter, show_code)
            result.chapters.append(chapter)
            if progress:
                status = "ok" if chapter.status == "ok" else f"FAILED ({chapter.error})"
                tqdm.write(f"{chapter.name}: {status} in {chapter.seconds:.1f} s", file=sys.stderr)


def _write_outputs(result: RunResult, info: dict[str, Any]) -> None:
    """Write index.html and run.json into the run folder."""
    out = result.out_dir
    result.index_html = out / "index.html"
    result.index_html.write_text(_index_html(result, info), encoding="utf-8")
    info["chapters"] = [c.to_json(out) for c in result.chapters]
    result.run_json = out / "run.json"
    result.run_json.write_text(json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")


def _html_or_none(chapter: ChapterResult, show_code: bool) -> Path | None:
    """Write the chapter's HTML (also for a failed chapter); None if there is no notebook."""
    if not chapter.notebook.exists():
        return None
    try:
        return export_html(chapter.notebook, chapter.notebook.with_suffix(".html"), show_code=show_code)
    except Exception as exc:  # a broken report page must not lose the run's other results
        note = f"HTML export failed: {type(exc).__name__}: {exc}"
        chapter.error = f"{chapter.error}; {note}" if chapter.error else note
        return None


__all__ = [
    "BUILTIN_SOURCES",
    "ChapterResult",
    "RunError",
    "RunResult",
    "declared_parameters",
    "discover_chapters",
    "export_html",
    "hash_data",
    "make_out_dir",
    "package_versions",
    "parse_value",
    "resolve_data_source",
    "run_report",
    "select_chapters",
]
