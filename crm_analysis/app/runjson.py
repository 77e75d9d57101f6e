"""The run record: what happened to each chapter and ``run.json``, which schedulers read.

``run.json`` holds the data source and its SHA-256, the as-of date, the parameters, package
versions and, per chapter, status, seconds and error (see :func:`write_run_json`).
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from crm_analysis import __version__

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
RUN_JSON_FORMAT = 2

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
        ``"ok"``, ``"failed"``, ``"interrupted"`` (stopped by SIGINT or SIGTERM while running) or
        ``"skipped"`` (stopped early by :class:`~crm_analysis.core.errors.TooLittleData`: the data is
        too small for the rest of the chapter; ``error`` holds the note; not a failure).
    seconds : float
        Wall time of the execution.
    error : str or None
        ``"ExceptionName: message"`` for a failed chapter, personal data masked.
    traceback : str or None
        The failed cell's traceback (masked, without colour codes), for ``run.json``; the reader's
        page shows a short message instead.
    """

    name: str
    source: Path
    notebook: Path
    html: Path | None = None
    status: str = "ok"
    seconds: float = 0.0
    error: str | None = None
    traceback: str | None = None

    @property
    def number(self) -> str:
        """The two-digit chapter number."""
        return self.name[:2]

    def to_json(self, out_dir: Path) -> dict[str, Any]:
        """The chapter's entry in ``run.json`` (paths relative to the run folder)."""
        return {
            "name": self.name,
            "notebook": relative(self.notebook, out_dir),
            "html": relative(self.html, out_dir) if self.html else None,
            "source": str(self.source),
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "error": self.error,
            "traceback": self.traceback,
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
        """The chapters that failed or were interrupted (a chapter skipped for too little data is not failed)."""
        return [c for c in self.chapters if c.status not in ("ok", "skipped")]


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` in POSIX form, or ``path`` itself when it lies elsewhere.

    Examples
    --------
    >>> relative(Path("/run/tables/a.csv"), Path("/run")), relative(Path("/x/b.csv"), Path("/run"))
    ('tables/a.csv', '/x/b.csv')
    """
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)

def _data_files(path: Path) -> list[Path]:
    """A folder's files in sorted order, skipping hidden ones (.DS_Store, .ipynb_checkpoints)."""
    if path.is_file():
        return [path]
    files = (p for p in path.rglob("*") if p.is_file())
    visible = (p for p in files if not any(part.startswith(".") for part in p.relative_to(path).parts))
    return sorted(visible, key=lambda p: p.relative_to(path).as_posix())


def hash_files(files: Iterable[str | Path]) -> str:
    """SHA-256 over exactly the given files: each file's name, then its bytes, in sorted path order
    (a single file: its bytes only, so the hash equals ``sha256sum FILE``).

    The run's data hash: the files the load report lists as read, so that nothing else in the
    source folder (an earlier run's output kept there, notes, hidden files) changes it.

    Parameters
    ----------
    files : iterable of str or pathlib.Path
        The files read.

    Returns
    -------
    str
        64 hex digits.

    Raises
    ------
    OSError
        If a file cannot be read.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     a, b = Path(tmp) / "a.csv", Path(tmp) / "b.csv"
    ...     _ = a.write_text("1"), b.write_text("2")
    ...     hash_files([b, a]) == hash_files([a, b]) != hash_files([a])
    True
    """
    digest = hashlib.sha256()
    chosen = sorted({Path(f).resolve() for f in files})
    for file in chosen:
        if len(chosen) > 1:  # one file: its plain SHA-256, as sha256sum prints it
            digest.update(file.name.encode("utf-8") + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda h=handle: h.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def hash_data(path: str | Path, *, exclude: Iterable[str | Path] = ()) -> str:
    """SHA-256 of a data file's bytes, or of a folder's files in sorted order.

    For a folder each file's relative path is hashed before its bytes, so renaming a
    file changes the hash. Hidden files are skipped.

    Parameters
    ----------
    path : str or pathlib.Path
        A file or a folder.
    exclude : iterable of str or pathlib.Path, optional
        Folders inside ``path`` whose files are left out (the run's own output folder).

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
    skip = [Path(p).resolve() for p in exclude]
    for file in _data_files(root):
        if any(file.resolve().is_relative_to(folder) for folder in skip):
            continue
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
        versions["crm-analysis"] = __version__
    return versions

def write_run_json(result: RunResult, info: dict[str, Any]) -> Path:
    """Write ``run.json`` into the run folder: ``info`` plus one entry per chapter.

    Parameters
    ----------
    result : RunResult
        The run; its ``run_json`` is set to the file written.
    info : dict
        Run-wide facts (source, hash, as-of, parameters, versions, times, status).

    Returns
    -------
    pathlib.Path

    Examples
    --------
    >>> import tempfile
    >>> result = RunResult(out_dir=Path(tempfile.mkdtemp()))
    >>> json.loads(write_run_json(result, {"ok": True}).read_text())
    {'ok': True, 'chapters': []}
    """
    out = result.out_dir
    info["chapters"] = [c.to_json(out) for c in result.chapters]
    result.run_json = out / "run.json"
    write_atomic(result.run_json, json.dumps(info, indent=2, ensure_ascii=False, default=str) + "\n")
    return result.run_json


def write_atomic(path: Path, text: str) -> Path:
    """Write a text file under a temporary name and rename it: a reader sees the old file or the new one.

    Examples
    --------
    >>> import tempfile
    >>> write_atomic(Path(tempfile.mkdtemp()) / "a.txt", "done").read_text()
    'done'
    """
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


__all__ = ["RUN_JSON_FORMAT", "VERSION_PACKAGES", "ChapterResult", "RunResult", "hash_data", "hash_files",
           "package_versions", "write_atomic", "write_run_json"]
