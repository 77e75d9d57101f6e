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

Before the chapters, the data source is loaded and cleaned once and kept in the run folder
(:func:`crm_analysis.core.handoff.save_data`); each chapter's ``report.prepare`` reads it from
there. A chapter that fails does not stop the others. A run never overwrites an earlier
run's folder, and never shows a half-written one: it claims the folder and writes into a hidden
sibling that is renamed to it once ``run.json`` and ``index.html`` are written, at every ending
(:mod:`crm_analysis.app.runfolder`).

The work is split by concern: this module orchestrates; :mod:`crm_analysis.app.execute` runs a
notebook in a kernel; :mod:`crm_analysis.app.html` writes the pages; :mod:`crm_analysis.app.runjson`
keeps the run record.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import date, datetime
from pathlib import Path
from typing import Any

import nbformat
from tqdm.auto import tqdm

from crm_analysis.app.execute import declared_parameters, execute_chapter, kernel_environment, reader_notebook
from crm_analysis.app.html import chapter_html, export_html, index_html
from crm_analysis.app.runfolder import LOCK_FILE, OutputFolderError, make_out_dir, publish, release, work_folder
from crm_analysis.app.runjson import (
    RUN_JSON_FORMAT,
    ChapterResult,
    RunResult,
    hash_data,
    hash_files,
    package_versions,
    write_atomic,
    write_run_json,
)
from crm_analysis.core import handoff, i18n, paths
from crm_analysis.data import privacy
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load
from crm_analysis.data.sql import is_sql_url, mask_url, rows_sha256

CHAPTER_GLOB = "[0-9][0-9]_*.ipynb"
BUILTIN_SOURCES: dict[str, Path] = {"teaching": paths.TEACHING_DIR, "cdnow": paths.CDNOW_DIR}
# Set by run_report itself; a -p for them would silently disagree with --data/--as-of/--out.
RESERVED_PARAMETERS = ("data_source", "as_of", "output_dir")


class RunError(ValueError):
    """A run cannot start: unknown chapter, bad parameter, unknown data source."""


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by a signal (SIGTERM from cron, systemd or Kubernetes; SIGHUP).

    Attributes
    ----------
    signum : int
        The signal number; the command exits with ``128 + signum`` (143 for SIGTERM).
    """

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


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
    if is_sql_url(text):  # a database: read by the loader (the password never in the URL passed here)
        return mask_url(text), None
    if text in BUILTIN_SOURCES:
        folder = BUILTIN_SOURCES[text]
        return text, folder if folder.exists() else None
    path = Path(text).expanduser()
    if not path.exists():
        names = ", ".join(BUILTIN_SOURCES)
        raise RunError(f"data source {text!r} is neither a built-in name ({names}) nor an existing file or folder")
    path = path.resolve()
    return str(path), path

def _used_as_of(work: Path) -> str | None:
    """The analysis date the chapters stated (``summary.json``), when the run was not given one."""
    try:
        return json.loads((work / "summary.json").read_text(encoding="utf-8")).get("as_of")
    except (OSError, ValueError):
        return None


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
    results_db: str | None = None,
    results_prefix: str = "crm_",
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
        A status line per chapter on stderr; when stderr is a terminal also a progress bar over
        chapters and papermill's per-cell bar (a log file gets no carriage-return bars).
    reports_dir : str or pathlib.Path
        Parent of the default run folder.
    results_db, results_prefix : str, optional
        ``--write-back``: the database (URL without password) and table prefix the run's results go to;
        passed, with the run id (the run folder's name) as ``results_run``, to the chapters that declare
        them (chapter 2 reads the previous run's segments from it).

    Returns
    -------
    RunResult
        ``ok`` is False if any chapter failed; the other chapters still ran.

    Raises
    ------
    RunError
        Before anything runs: unknown chapter, no chapters, unknown data source, bad
        as-of date, a reserved or invalid parameter name.
    OutputFolderError
        Before anything runs: the output folder is occupied (another run, an earlier one, a file).

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
    work = work_folder(out)  # the chapters write here; renamed to ``out`` when the record is written
    params = {"data_source": source_value, "as_of": as_of_value, "output_dir": str(work), **user_params}
    if results_db is not None:  # --write-back: earlier runs are read from the database by the chapters declaring it
        declared = set().union(*(declared_parameters(nb) for nb in selected))
        params.update({k: v for k, v in {"results_db": results_db, "results_prefix": results_prefix,
                                         "results_run": out.name}.items() if k in declared})
    show_pii = params.get("show_pii") is True

    started, clock = _now(), time.perf_counter()
    result = RunResult(out_dir=work)
    data_record: dict[str, Any] = {}
    ending: dict[str, Any] = {"interrupted": None, "environment_error": None}
    try:
        with _signals_interrupt():
            try:
                (work / "tables").mkdir()
                data_record.update(_prepare_data_apart(source_value, work, show_pii))
                with _show_pii_for_kernels(show_pii):
                    _run_chapters(result, selected, params, notebooks_dir, show_code=show_code, progress=progress)
            except KeyboardInterrupt as exc:
                ending["interrupted"] = signal.Signals(getattr(exc, "signum", signal.SIGINT)).name
                raise
            except OSError as exc:  # read-only folder, disk full: the run.json below says so if it can
                ending["environment_error"] = privacy.mask_text(f"{type(exc).__name__}: {exc}", show_pii=show_pii)
                raise
    finally:  # every ending: a scheduler finds run.json and index.html saying what happened
        result.ok = (bool(result.chapters) and not result.failed and len(result.chapters) == len(selected)
                     and not any(ending.values()))
        done = {c.name for c in result.chapters}
        info = {
            "format": RUN_JSON_FORMAT,
            "data_source": source_value,
            "data_sha256": _data_hash(source_path, data_record, [out, work]),
            "data_files": data_record.get("files"),
            "data_prepared": data_record,
            "as_of": as_of_value,
            "parameters": {**params, "output_dir": str(out)},
            "show_code": show_code,
            "notebooks_dir": str(notebooks_dir),
            "versions": package_versions(),
            "pid": os.getpid(),
            "started": started,
            "finished": _now(),
            "seconds": round(time.perf_counter() - clock, 3),
            "ok": result.ok,
            "ending": _ending_name(result, ending),
            "interrupted": ending["interrupted"],
            "interrupted_chapter": next((c.name for c in result.chapters if c.status == "interrupted"), None),
            "environment_error": ending["environment_error"],
            "failed": [c.name for c in result.failed],
            "not_run": [p.stem for p in selected if p.stem not in done],
        }
        _write_outputs(result, info, out, show_pii)
    return result


def _ending_name(result: RunResult, ending: Mapping[str, Any]) -> str:
    """One word for how the run ended: ok, failed, interrupted or environment_error."""
    if ending["interrupted"]:
        return "interrupted"
    if ending["environment_error"]:
        return "environment_error"
    return "ok" if result.chapters and not result.failed else "failed"


@contextlib.contextmanager
def _show_pii_for_kernels(show_pii: bool) -> Iterator[None]:
    """The run's ``show_pii`` in :data:`privacy.SHOW_PII_ENV` for the chapters' kernels (which inherit the
    environment), so that what they save follows the run's parameter; the old value is put back after."""
    old = os.environ.get(privacy.SHOW_PII_ENV)
    os.environ[privacy.SHOW_PII_ENV] = "1" if show_pii else "0"
    try:
        yield
    finally:
        if old is None:
            os.environ.pop(privacy.SHOW_PII_ENV, None)
        else:
            os.environ[privacy.SHOW_PII_ENV] = old


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into :class:`RunInterrupted` (as Ctrl-C is a KeyboardInterrupt) while
    the run goes, so that the interrupted chapter is recorded; a second signal while the run writes
    its record is ignored. Only in the main thread (signal handlers cannot be set elsewhere)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    wanted = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
    old = {sig: signal.getsignal(sig) for sig in wanted}
    parent = os.getpid()

    def interrupt(signum: int, _frame: Any) -> None:
        if os.getpid() != parent:  # a forked helper (the data step) just stops
            os._exit(128 + signum)
        for sig in wanted:  # once: the record below must get written
            signal.signal(sig, signal.SIG_IGN)
        raise RunInterrupted(signum)

    for sig in wanted:
        signal.signal(sig, interrupt)
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def _data_hash(source_path: Path | None, record: Mapping[str, Any], out: list[Path]) -> str | None:
    """SHA-256 of exactly the files the load read (its load report); if the load failed, of the
    source's files without the run folder. None when there is nothing to hash or it cannot be read."""
    try:
        if (rows := rows_sha256(record.get("load_report"))) is not None:  # a database: the rows read (data.sql)
            return rows
        if record.get("files"):
            return hash_files(record["files"])
        return hash_data(source_path, exclude=out) if source_path else None
    except OSError:
        return None


def prepare_data(data_source: str, out_dir: str | Path, show_pii: bool = False) -> dict[str, Any]:
    """Load and clean the data source once for the whole run and keep it in the run folder.

    The chapters then read the kept tables (``report.prepare(..., run_dir=output_dir)``) instead of
    loading and cleaning again each. A source that cannot be loaded here is not an error of the
    run: each chapter then tries itself and reports its own error.

    Parameters
    ----------
    data_source : str
        The value injected into the chapters (a built-in name or an absolute path).
    out_dir : str or pathlib.Path
        The run folder.
    show_pii : bool, default False
        The run shows personal data: then the mapping customer key → pseudonym of phone-, e-mail- or
        ID-shaped keys (:func:`crm_analysis.data.privacy.pseudonym_map`) is written to
        ``private/pseudonyms.csv`` in the run folder (never without it).

    Returns
    -------
    dict
        For ``run.json``: ``kept`` (bool), ``seconds``, ``load_report`` (how each file was read,
        :meth:`crm_analysis.core.crmdata.LoadReport.to_dict`), ``files`` (the files read, which the
        run's data hash covers) and ``error`` when the source could not be loaded or kept (personal
        data masked: a load error may quote a raw row).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     record = prepare_data("cdnow_sample", tmp)
    ...     record["kept"], handoff.load_data(tmp, "cdnow_sample")[1].source == load("cdnow_sample").source
    (True, True)
    """
    start = time.perf_counter()
    record: dict[str, Any] = {"kept": False, "seconds": 0.0, "error": None}
    try:
        loaded = load(data_source)
        record["load_report"] = loaded.load_report.to_dict()
        record["files"] = sorted({f["file"] for f in record["load_report"]["files"]}
                                 | set(loaded.source_files.values()))
        cleaned = clean(loaded)
        record["load_report"] = cleaned.load_report.to_dict()  # with rows clean and quarantined per file
        record["kept"] = handoff.save_data(out_dir, data_source, loaded, cleaned) is not None
        if show_pii and cleaned.customers is not None:
            mapping = privacy.pseudonym_map(cleaned.customers["customer_id"])
            if not mapping.empty:
                (Path(out_dir) / "private").mkdir(mode=0o700, exist_ok=True)
                mapping.to_csv(Path(out_dir) / "private" / "pseudonyms.csv", index=False)
        if not record["kept"]:
            record["error"] = "the loaded tables do not round-trip through Parquet exactly; each chapter loads them"
    except Exception as exc:  # the chapters load the source themselves and record the error each
        record["error"] = privacy.mask_text(f"{type(exc).__name__}: {exc}", show_pii=show_pii)  # may quote raw rows
    record["seconds"] = round(time.perf_counter() - start, 3)
    return record


def _prepare_data_apart(data_source: str, out_dir: Path, show_pii: bool = False) -> dict[str, Any]:
    """:func:`prepare_data` in a child process: the runner does not keep the tables' memory (gigabytes
    at a million customers) while the chapters' kernels run."""
    start = time.perf_counter()
    try:
        # fork (Linux) starts at once with the modules already imported; spawn elsewhere
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context(method))
        try:
            return pool.submit(prepare_data, data_source, str(out_dir), show_pii).result()
        except KeyboardInterrupt:  # SIGINT/SIGTERM to the runner alone: stop the helper, do not wait for it
            for child in multiprocessing.active_children():
                child.terminate()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    except BrokenProcessPool as exc:  # e.g. killed for lack of memory: the chapters still try alone
        return {"kept": False, "seconds": round(time.perf_counter() - start, 3),
                "error": f"loading and cleaning stopped: {exc}"}


def _run_chapters(
    result: RunResult,
    selected: Sequence[Path],
    params: dict[str, Any],
    notebooks_dir: Path,
    *,
    show_code: bool,
    progress: bool,
) -> None:
    """Execute the chapters in order, appending to ``result.chapters``; failures do not stop the loop.

    A SIGINT or SIGTERM during a chapter records it as ``"interrupted"``, marks its partial
    executed notebook as such, writes its page, and stops the run (the exception is re-raised)."""
    bars = progress and sys.stderr.isatty()  # a log file gets one line per chapter, no carriage-return bars
    bar = tqdm(selected, desc="chapters", unit="chapter", disable=not bars, file=sys.stderr)
    show_pii = params.get("show_pii") is True
    with kernel_environment():
        for source in bar:
            chapter = ChapterResult(name=source.stem, source=source, notebook=result.out_dir / source.name)
            bar.set_postfix_str(chapter.name)
            try:
                execute_chapter(chapter, params, notebooks_dir, bars)
            except KeyboardInterrupt as exc:
                how = signal.Signals(getattr(exc, "signum", signal.SIGINT)).name
                chapter.status, chapter.error = "interrupted", f"interrupted by {how} while running"
                _mark_interrupted(chapter.notebook, how)
                result.chapters.append(chapter)
                chapter.html = _chapter_page(chapter, show_code, show_pii, params.get("lang"))
                raise
            chapter.html = _chapter_page(chapter, show_code, show_pii, params.get("lang"))
            result.chapters.append(chapter)
            if progress:
                status = {"ok": "ok", "skipped": f"stopped early ({chapter.error})"}.get(
                    chapter.status, f"FAILED ({chapter.error})")
                tqdm.write(f"{chapter.name}: {status} in {chapter.seconds:.1f} s", file=sys.stderr)


def _mark_interrupted(notebook: Path, how: str) -> None:
    """Put a first cell into a partial executed notebook saying it was interrupted (and by what)."""
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception:  # never written, or cut off mid-write: nothing to mark
        return
    text = i18n._("**Interrupted ({signal}) at {time}**: this chapter did not finish; its results are "
                  "incomplete. Run the report again.").format(signal=how, time=_now())
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(text, metadata={"tags": ["crm-analysis-interrupted"]}))
    nb.metadata.setdefault("crm_analysis", {})["status"] = "interrupted"
    tmp = notebook.with_name(f".{notebook.name}.tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(notebook)


def _mask_executed(notebook: Path) -> None:
    """Mask personal data (:func:`privacy.mask_text`) in an executed notebook's markdown and text outputs,
    tracebacks included (kept, masked): the notebook lies in the shared run folder. Images are left."""
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception:  # never written, or cut off mid-write: nothing to mask
        return
    texts = ("text/plain", "text/html", "text/markdown", "text/latex")
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = privacy.mask_text(cell.source)
        for output in cell.get("outputs", []):
            fields = {"stream": ["text"], "error": ["evalue"]}.get(output.output_type, [])
            for name in fields:
                output[name] = privacy.mask_text(output[name])
            if output.output_type == "error":
                output.traceback = [privacy.mask_text(line) for line in output.traceback]
            for mime in (m for m in texts if m in output.get("data", {})):
                output.data[mime] = privacy.mask_text(output.data[mime])
    tmp = notebook.with_name(f".{notebook.name}.tmp")
    nbformat.write(nb, str(tmp))
    tmp.replace(notebook)


def _chapter_page(chapter: ChapterResult, show_code: bool, show_pii: bool, lang: Any) -> Path | None:
    """The chapter's HTML for readers: :func:`reader_notebook` (a short message in place of a
    traceback, personal data masked) rendered next to the executed notebook, which keeps everything
    (personal data masked there too, unless ``show_pii``)."""
    if not chapter.notebook.exists():
        return None
    if not show_pii:
        _mask_executed(chapter.notebook)
    reader = chapter.notebook.parent / ".reader" / chapter.notebook.name
    before = i18n.language()
    try:
        i18n.set_language(lang if lang in i18n.LANGUAGES else "en")
        reader.parent.mkdir(exist_ok=True)
        nbformat.write(reader_notebook(nbformat.read(str(chapter.notebook), as_version=4), show_pii=show_pii),
                       str(reader))
        page = ChapterResult(chapter.name, chapter.source, reader, status=chapter.status, error=chapter.error)
        html_path = chapter_html(page, show_code)
        chapter.error = page.error
        if html_path is None:
            return None
        return html_path.replace(chapter.notebook.with_suffix(".html"))
    except Exception as exc:  # a broken page must not lose the run's other results
        note = f"HTML export failed: {type(exc).__name__}: {exc}"
        chapter.error = f"{chapter.error}; {note}" if chapter.error else note
        return None
    finally:
        i18n.set_language(before)
        reader.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            reader.parent.rmdir()


def _write_outputs(result: RunResult, info: dict[str, Any], out: Path, show_pii: bool) -> None:
    """Write index.html and run.json into the work folder, set the hand-off aside (unless the run shows
    personal data), and rename the work folder to the run folder ``out`` (:func:`publish`); the paths
    in ``result`` then point into ``out``. If the folder cannot be written (read-only, disk full), say
    so on stderr; the exception that ended the run is not hidden."""
    work = result.out_dir
    try:
        result.index_html = write_atomic(work / "index.html", index_html(result, info))
        info["as_of"] = info["as_of"] or _used_as_of(work)  # the date the chapters used, not only a given one
        write_run_json(result, info)
        if not show_pii:  # raw keys and the raw input: kept for the data owner, outside the shared folder
            handoff.set_aside(work, out)
        publish(out)
    except OSError as exc:
        print(f"crm-analysis: could not write the run record into {out}: {exc}", file=sys.stderr)
        info["environment_error"] = info.get("environment_error") or f"{type(exc).__name__}: {exc}"
        raise
    finally:
        with contextlib.suppress(OSError):
            release(out)
    def moved(path: Path) -> Path:
        return out / path.relative_to(work)

    for chapter in result.chapters:
        chapter.notebook, chapter.html = moved(chapter.notebook), moved(chapter.html) if chapter.html else None
    result.out_dir, result.run_json, result.index_html = out, moved(result.run_json), moved(result.index_html)


__all__ = [
    "BUILTIN_SOURCES",
    "LOCK_FILE",
    "RESERVED_PARAMETERS",
    "ChapterResult",
    "OutputFolderError",
    "RunError",
    "RunInterrupted",
    "RunResult",
    "declared_parameters",
    "discover_chapters",
    "export_html",
    "hash_data",
    "make_out_dir",
    "package_versions",
    "parse_value",
    "prepare_data",
    "release",
    "resolve_data_source",
    "run_report",
    "select_chapters",
]
