"""The ``crm-analysis`` command line.

Subcommands::

    crm-analysis run        execute the chapter notebooks into a report folder
    crm-analysis generate   write a synthetic data set of any size
    crm-analysis student-notebooks OUT   write the chapters without exercise solutions

Each subcommand is a ``_add_<name>(subparsers)`` function that declares its options
and sets ``func`` to the function doing the work; :func:`main` dispatches (see ``_SUBCOMMANDS``).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from crm_analysis import __version__
from crm_analysis.app import screenshots, writeback
from crm_analysis.app.runner import OutputFolderError, RunError, parse_value, run_report
from crm_analysis.app.teaching import write_student_notebooks
from crm_analysis.core import paths
from crm_analysis.data import privacy, synth

PROG = "crm-analysis"
#: Exit codes of ``crm-analysis`` (the README's "Scheduled runs" has the same table).
EXIT_OK = 0  # every chapter ran and succeeded
EXIT_FAILED = 1  # the run finished; at least one chapter failed (run.json's "failed" names them)
EXIT_USAGE = 2  # bad option, unknown chapter or data source, bad date or parameter: nothing ran
EXIT_ENVIRONMENT = 3  # output folder in use, not empty, read-only, or the disk full
EXIT_SIGINT = 130  # interrupted by Ctrl-C (128 + SIGINT)
EXIT_SIGTERM = 143  # stopped by SIGTERM from cron, systemd or Kubernetes (128 + SIGTERM)
EXIT_CODES = {
    EXIT_OK: "ok",
    EXIT_FAILED: "a chapter failed",
    EXIT_USAGE: "usage error, nothing ran",
    EXIT_ENVIRONMENT: "environment error (output folder in use or not writable, disk full)",
    EXIT_SIGINT: "interrupted (SIGINT)",
    EXIT_SIGTERM: "interrupted (SIGTERM)",
}


class CommandError(Exception):
    """A command cannot run as asked; the message is printed and the exit code is 2."""


def parse_chapters(spec: str) -> list[str]:
    """Split a ``--chapters`` value: ``"01,03"`` or ``"1 3"`` into ``["01", "03"]``-like items.

    Parameters
    ----------
    spec : str
        Comma- or space-separated chapter numbers or names.

    Returns
    -------
    list of str

    Raises
    ------
    argparse.ArgumentTypeError
        If no chapter is named.

    Examples
    --------
    >>> parse_chapters("01, 3")
    ['01', '3']
    """
    items = [part for part in spec.replace(",", " ").split() if part]
    if not items:
        raise argparse.ArgumentTypeError("name at least one chapter, e.g. --chapters 01,03")
    return items


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value}")
    return value


# --------------------------------------------------------------------------- run
def _add_run(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "run",
        help="execute the chapter notebooks into a report folder",
        description="Execute the chapter notebooks (notebooks/NN_*.ipynb) with papermill and write "
        "executed notebooks, HTML reports, index.html, tables/ and run.json into a new folder.",
    )
    p.add_argument(
        "--data", default="teaching", metavar="SOURCE",
        help='"teaching" (default), "cdnow", a folder, a file, or a database URL (sqlite:///crm.db, '
        'postgresql+psycopg://user@host/db)',
    )
    p.add_argument(
        "--as-of", default=None, metavar="DATE", help="analysis date, ISO (default: the day after the last transaction)"
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help=f"report folder, new or empty (default: {paths.REPORTS_DIR}/<YYYYmmdd-HHMMSS>)",
    )
    p.add_argument(
        "--chapters",
        type=parse_chapters,
        default=None,
        metavar="LIST",
        help="chapters to run by number, e.g. 01,03 (default: all)",
    )
    p.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="notebook parameter; VALUE is read like papermill's -p "
        "(True/False/None, int, float, else text); repeatable",
    )
    p.add_argument("--show-code", action="store_true", help="keep the code cells in the HTML reports")
    p.add_argument("--teacher", action="store_true",
                   help="pages for a teacher: with the exercises, their solutions and the package versions "
                   "(the same as -p audience teacher; default: the manager's pages)")
    p.add_argument(
        "--notebooks-dir",
        default=str(paths.NOTEBOOKS_DIR),
        metavar="DIR",
        help="where the chapter notebooks are (default: %(default)s)",
    )
    p.add_argument("--screenshots", action="store_true",
                   help="also save a full-page PNG of every page under screenshots/ in the run folder "
                   "(needs playwright and the system chromium)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="print only the final status (without it: one line per chapter, and progress bars "
                   "when stderr is a terminal)")
    p.add_argument("--mapping", default=None, metavar="TOML",
                   help="for a database URL: which table, view or query gives each canonical table")
    p.add_argument("--write-back", action="store_true",
                   help="for a database URL: write the run and its customer results into crm_runs and "
                   "crm_customer_results (one transaction)")
    p.add_argument("--write-back-prefix", default="crm_", metavar="PREFIX", help="table prefix for --write-back")
    p.set_defaults(func=_cmd_run)


def _cmd_run(args: argparse.Namespace, err: TextIO) -> int:
    params = {name: parse_value(value) for name, value in args.parameter}
    if args.teacher:
        if params.get("audience", "teacher") != "teacher":
            raise CommandError(f"--teacher contradicts -p audience {params['audience']}")
        params["audience"] = "teacher"
    if args.write_back and not writeback.is_sql_url(args.data):
        raise CommandError("--write-back needs --data to be a database URL")
    # A password in the URL and the mapping file reach the chapters through the environment, never as
    # parameters; they are taken out again afterwards, so that a later load in this process cannot pick them up.
    saved = {name: os.environ.get(name) for name in (writeback.PASSWORD_ENV, writeback.MAPPING_ENV)}
    try:
        return _run_and_write_back(args, err, params, writeback.database_source(args.data, args.mapping))
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _run_and_write_back(args: argparse.Namespace, err: TextIO, params: dict[str, Any], data: str) -> int:
    show_pii = params.get("show_pii") is True
    try:
        result = run_report(
            data_source=data,
            as_of=args.as_of,
            out_dir=args.out,
            chapters=args.chapters,
            parameters=params,
            show_code=args.show_code,
            notebooks_dir=args.notebooks_dir,
            progress=not args.quiet,
            results_db=data if args.write_back else None,
            results_prefix=args.write_back_prefix,
        )
    except OutputFolderError as exc:
        print(f"{PROG}: error: {exc}", file=err)
        return EXIT_ENVIRONMENT
    except RunError as exc:
        raise CommandError(str(exc)) from exc
    except OSError as exc:  # read-only folder, disk full: one line, no traceback
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"{PROG}: error: cannot write the report{where}: {exc.strerror or exc}", file=err)
        return EXIT_ENVIRONMENT
    except KeyboardInterrupt as exc:
        signum = getattr(exc, "signum", signal.SIGINT)
        print(f"{PROG}: interrupted by {signal.Signals(signum).name}; run.json and index.html say how far it got",
              file=err)
        return 128 + signum
    if args.screenshots:
        try:
            screenshots.save_screenshots(result.out_dir)
        except RuntimeError as exc:  # no browser here: the report stands, without its pictures
            print(f"{PROG}: warning: no screenshots: {exc}", file=err)
    print(f"report: {result.index_html}", file=err)
    if args.write_back:
        try:
            rows = writeback.write_back_run(data, result.run_json, prefix=args.write_back_prefix)
            print(f"write-back: {rows:,} customer result(s) of run {result.out_dir.name} into "
                  f"{writeback.mask_url(data)}", file=err)
        except writeback.CRMDataError as exc:
            print(f"{PROG}: write-back failed: {exc}", file=err)
            return EXIT_FAILED
    if result.ok:
        return EXIT_OK
    for chapter in result.failed:
        print(f"{PROG}: chapter {chapter.name} failed: {privacy.mask_text(chapter.error, show_pii=show_pii)}",
              file=err)
    names = ", ".join(c.name for c in result.failed)
    print(
        f"{PROG}: {len(result.failed)} of {len(result.chapters)} chapters failed ({names}); see {result.run_json}",
        file=err,
    )
    return EXIT_FAILED


# ---------------------------------------------------------------------- generate
def _add_generate(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "generate",
        help="write a synthetic CRM data set",
        description="Generate synthetic customers, transactions, interactions and exit surveys "
        "(the teaching data's generator) at any size, written in chunks.",
    )
    p.add_argument("--customers", type=_positive_int, default=5000, metavar="N",
                   help="number of customers (default: 5000, the teaching data)")
    p.add_argument("--out", required=True, metavar="DIR",
                   help="output folder (new or empty unless --force); the database file for --format sqlite")
    p.add_argument("--format", choices=("parquet", "csv", "sqlite"), default="parquet",
                   help="file format (default: parquet); sqlite: one database with the canonical tables")
    p.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (default: the generator's)")
    p.add_argument(
        "--chunk-size",
        type=_positive_int,
        default=None,
        metavar="K",
        help="customers generated per chunk (default: the generator's)",
    )
    p.add_argument("--force", action="store_true", help="write into a non-empty folder")
    p.set_defaults(func=_cmd_generate)


def _cmd_generate(args: argparse.Namespace, err: TextIO) -> int:
    out = Path(args.out).expanduser()
    if args.format == "sqlite" and out.exists() and not args.force:
        raise CommandError(f"database {out} exists; use --force to replace it")
    if args.format != "sqlite" and out.exists() and (not out.is_dir() or any(out.iterdir())) and not args.force:
        raise CommandError(f"output folder {out} exists and is not empty; use --force to write into it anyway")
    kwargs: dict[str, Any] = {
        "n_customers": args.customers,
        "seed": synth.DEFAULT_SEED if args.seed is None else args.seed,
        "fmt": args.format,
        "progress": True,
    }
    if args.chunk_size is not None:
        kwargs["chunk_size"] = args.chunk_size
    synth.generate_to_dir(out, **kwargs)
    print(f"wrote {args.customers} customers ({args.format}) to {out.resolve()}", file=err)
    return EXIT_OK


def _add_student_notebooks(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "student-notebooks",
        help="write student editions of the chapters (solutions removed)",
        description="Write every chapter notebook into OUT with the cells tagged 'solution' replaced by an "
        "empty answer cell. Running it again resets the class folder.",
    )
    p.add_argument("out", metavar="OUT", help="folder for the student notebooks")
    p.add_argument("--notebooks-dir", default=str(paths.NOTEBOOKS_DIR), metavar="DIR",
                   help="where the teacher's notebooks are (default: the project's notebooks/)")
    p.set_defaults(func=_cmd_student_notebooks)


def _cmd_student_notebooks(args: argparse.Namespace, err: TextIO) -> int:
    try:
        written = write_student_notebooks(Path(args.out).expanduser(), args.notebooks_dir)
    except FileNotFoundError as exc:
        raise CommandError(str(exc)) from exc
    for path in written:
        print(f"wrote {path}", file=err)
    return EXIT_OK


_SUBCOMMANDS: tuple[Callable[[Any], None], ...] = (_add_run, _add_generate, _add_student_notebooks)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand.

    Returns
    -------
    argparse.ArgumentParser

    Examples
    --------
    >>> args = build_parser().parse_args(["run", "--chapters", "01,03", "-p", "seed", "7", "--teacher"])
    >>> args.chapters, args.parameter, args.teacher
    (['01', '03'], [['seed', '7']], True)
    """
    parser = argparse.ArgumentParser(prog=PROG, description="Customer-relationship analytics workbook.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _SUBCOMMANDS:
        add(subparsers)
    return parser


def _show_warning(message: Any, category: type[Warning], *_: Any, **__: Any) -> None:
    print(f"{PROG}: warning: {message}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        One of :data:`EXIT_CODES`: 0 on success, 1 if a chapter failed, 2 for a usage error (bad
        option, unknown chapter), 3 for an environment error (output folder in use, not empty or
        not writable, disk full), 130 / 143 when interrupted by SIGINT / SIGTERM;
        ``--help`` and ``--version`` return 0.

    Examples
    --------
    >>> main(["run", "--chapters", "01", "--notebooks-dir", "no/such/folder"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors; return the code instead
        return int(exc.code or 0)
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning  # one readable line instead of file:line: UserWarning
        try:
            return args.func(args, sys.stderr)
        except CommandError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE


if __name__ == "__main__":  # python -m crm_analysis.app.cli, when the console script is not installed
    sys.exit(main())
