"""The run folder: claimed atomically, written under a temporary name, renamed when complete.

A run claims its folder ``DIR`` by creating ``DIR/.crm-analysis.lock`` (create-or-fail, holding its
process id) and writes everything into the hidden sibling ``.DIR.partial`` (:func:`work_folder`).
While the run goes, ``DIR`` holds only the lock, so nobody mistakes a half-written run for a complete
one; at the end (every ending: ok, failed, interrupted, environment error) the run writes ``run.json``
and ``index.html`` into the work folder, removes the lock and renames the work folder to ``DIR``
(:func:`publish`), one atomic step. A run killed outright (SIGKILL) leaves ``DIR`` with a lock whose
process is gone and the ``.partial`` sibling: both are recognised as an unfinished run.
"""

from __future__ import annotations

import contextlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import Any

from crm_analysis.core import paths

#: The lock file of a run folder while its run is going: the process id, host and start time (JSON).
LOCK_FILE = ".crm-analysis.lock"
#: The suffix of the hidden sibling a run writes into before it is renamed (``.DIR.partial``).
PARTIAL_SUFFIX = ".partial"


class OutputFolderError(ValueError):
    """The output folder cannot be claimed: in use by another run, holds an earlier run, or is a file."""


def _now() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def work_folder(folder: str | Path) -> Path:
    """The hidden sibling ``.NAME.partial`` where the run of ``folder`` writes until it is complete.

    Examples
    --------
    >>> work_folder("/srv/reports/20250301-093000").as_posix()
    '/srv/reports/.20250301-093000.partial'
    """
    folder = Path(folder)
    return folder.parent / f".{folder.name}{PARTIAL_SUFFIX}"


def _lock_owner(folder: Path) -> dict[str, Any] | None:
    """The lock record of a run folder, or None when it has no lock file."""
    lock = folder / LOCK_FILE
    try:
        text = lock.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError:
        return {}
    try:
        return json.loads(text) or {}
    except ValueError:  # written a moment ago and not complete yet, or damaged
        return {}


def _process_alive(pid: Any) -> bool:
    try:
        os.kill(int(pid), 0)
    except (TypeError, ValueError, ProcessLookupError):
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _refuse_occupied(target: Path) -> OutputFolderError:
    """The error for a folder another run holds or held, saying which and what to do."""
    owner = _lock_owner(target)
    if owner is not None:
        pid = owner.get("pid")
        if pid is None or _process_alive(pid):
            return OutputFolderError(
                f"output folder {target} is in use by another run (process {pid or 'starting'}, started "
                f"{owner.get('started', 'just now')}); choose another --out or wait for it to finish"
            )
        return OutputFolderError(
            f"output folder {target} holds an unfinished run: its process {pid} is no longer running (stale lock "
            f"{LOCK_FILE}); delete the folder (and its .partial sibling) or choose another --out"
        )
    return OutputFolderError(
        f"output folder {target} already exists and is not empty; "
        "choose a new folder (a run never overwrites an earlier one)"
    )


def _claim(folder: Path) -> Path:
    """Create the lock file of ``folder`` atomically (create-or-fail) with this process's id."""
    try:
        fd = os.open(folder / LOCK_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise _refuse_occupied(folder) from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"pid": os.getpid(), "host": os.uname().nodename if hasattr(os, "uname") else None,
                   "started": _now()}, handle)
    others = [p.name for p in folder.iterdir() if p.name != LOCK_FILE]
    if others:  # a run finished in there between our look and our claim
        (folder / LOCK_FILE).unlink(missing_ok=True)
        raise _refuse_occupied(folder)
    try:
        work_folder(folder).mkdir()
    except FileExistsError:  # left by a run killed outright (SIGKILL, power cut)
        (folder / LOCK_FILE).unlink(missing_ok=True)
        raise OutputFolderError(f"an unfinished run's work folder {work_folder(folder)} exists; delete it (and "
                                f"{folder} if it holds only {LOCK_FILE}) or choose another --out") from None
    return folder


def release(folder: str | Path) -> None:
    """Remove the run folder's lock file if this process holds it (the run is complete).

    Examples
    --------
    >>> import tempfile
    >>> folder = make_out_dir(Path(tempfile.mkdtemp()) / "run")
    >>> (folder / LOCK_FILE).exists(), release(folder), (folder / LOCK_FILE).exists()
    (True, None, False)
    """
    owner = _lock_owner(Path(folder))
    if owner is not None and owner.get("pid") == os.getpid():
        (Path(folder) / LOCK_FILE).unlink(missing_ok=True)
        with contextlib.suppress(OSError):  # the work folder, if nothing was written into it
            work_folder(folder).rmdir()


def publish(folder: str | Path) -> Path:
    """Make a complete run visible: remove the lock of ``folder`` and rename its work folder to it.

    The rename is one atomic step (POSIX ``rename`` over the empty, claimed folder): a reader sees
    either the lock alone or the whole run.

    Parameters
    ----------
    folder : str or pathlib.Path
        The claimed run folder (from :func:`make_out_dir`).

    Returns
    -------
    pathlib.Path
        ``folder``, now holding the run.

    Raises
    ------
    OSError
        If the rename fails (the work folder is then left as it is, with the run's record).

    Examples
    --------
    >>> import tempfile
    >>> folder = make_out_dir(Path(tempfile.mkdtemp()) / "run")
    >>> _ = (work_folder(folder) / "run.json").write_text("{}")
    >>> [p.name for p in publish(folder).iterdir()], work_folder(folder).exists()
    (['run.json'], False)
    """
    folder = Path(folder)
    (folder / LOCK_FILE).unlink(missing_ok=True)
    os.replace(work_folder(folder), folder)
    return folder


def make_out_dir(
    out_dir: str | Path | None = None,
    *,
    reports_dir: str | Path = paths.REPORTS_DIR,
    now: datetime | None = None,
) -> Path:
    """Claim the run folder atomically, never reusing an earlier or a concurrent run's folder.

    The folder is created (or found empty) and claimed by creating its lock file
    (:data:`LOCK_FILE`, holding this process's id) with create-or-fail semantics, so of two runs
    started at the same moment with the same folder exactly one gets it; the other gets an
    :class:`OutputFolderError` at once. The lock is removed (:func:`release`) when the run has
    written ``run.json``; a lock whose process is gone marks an unfinished run.

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
        The claimed folder, absolute, holding only the lock file; its work folder
        (:func:`work_folder`) is created empty.

    Raises
    ------
    OutputFolderError
        If ``out_dir`` is a file, is not empty, or is claimed by another run (the message says
        which, with the other run's process id).
    OSError
        If the folder cannot be created or written (read-only, disk full).

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
        if target.exists() and not target.is_dir():
            raise OutputFolderError(f"output folder {target} is a file; choose a folder")
        if target.exists() and any(target.iterdir()):
            raise _refuse_occupied(target)
        target.mkdir(parents=True, exist_ok=True)
        return _claim(target)
    base = Path(reports_dir).expanduser().resolve()
    base.mkdir(parents=True, exist_ok=True)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    for n in range(1, 10_000):
        candidate = base / (stamp if n == 1 else f"{stamp}-{n}")
        try:
            candidate.mkdir()  # atomic: two runs started in the same second get different folders
        except FileExistsError:
            continue
        return _claim(candidate)
    raise OutputFolderError(f"could not find a free folder name for {stamp} in {base}")


__all__ = ["LOCK_FILE", "PARTIAL_SUFFIX", "OutputFolderError", "make_out_dir", "publish", "release", "work_folder"]
