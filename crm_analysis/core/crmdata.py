"""`CRMData`: the canonical tables of one data source, carried through the chapters, and its `LoadReport`."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from typing import Any

import pandas as pd

from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.schema import TABLE_NAMES

#: How a reading setting was decided: stated by the caller, read unambiguously from the data,
#: chosen by a documented default because the data could not decide it, or (a value the export left
#: out, such as a missing status) inferred from other values by a documented rule.
HOW = ("given", "detected", "guessed", "inferred")


@dataclass
class FileReport:
    """How one file (or sheet) was read.

    Attributes
    ----------
    file : str
        The file, or ``"<file> [sheet <name>]"``.
    settings : dict
        Setting name (``encoding``, ``separator``, ``decimal mark (amount)``, ``date order
        (order_date)``, ``time zone (order_date)``, ``status``) -> ``(value, how)`` with ``how`` one of
        :data:`HOW`.
    table : str
        The canonical table the file's lines became (``""`` before a table was made from it).
    lines_read : int
        Physical data lines (or spreadsheet rows) below the header, blank ones included.
    rows_clean : int or None
        Rows of ``table`` kept by cleaning (None before :func:`crm_analysis.clean`).
    rows_quarantined : int
        Lines rejected while reading (blank-only lines, ...); after cleaning, every quarantined line of
        the file (reading and cleaning), listed in ``CRMData.quarantine``: then
        ``lines_read == rows_clean + rows_quarantined``.
    not_used : list of (str, str)
        Columns (``"column 'x'"``) not read, with the reason.
    notes : list of str
        Anything else the reader did that a user should know.
    """

    file: str
    settings: dict[str, tuple[str, str]] = field(default_factory=dict)
    lines_read: int = 0
    rows_quarantined: int = 0
    table: str = ""
    rows_clean: int | None = None
    not_used: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def set(self, name: str, value: object, how: str) -> None:
        """Record one setting; ``how`` is ``given``, ``detected``, ``guessed`` or ``inferred``."""
        if how not in HOW:
            raise ValueError(f"how must be one of {HOW}, not {how!r}")
        self.settings[name] = (str(value), how)


@dataclass
class LoadReport:
    """What the loader decided for each file, and what it did not use.

    Attributes
    ----------
    files : list of FileReport
        One entry per file or sheet read.
    not_used : list of (str, str)
        Files or sheets of the source not read, with the reason.

    Examples
    --------
    >>> report = LoadReport([FileReport("t.csv", lines_read=3)])
    >>> report.files[0].set("date order (order_date)", "day first", "guessed")
    >>> report.guesses()
    [('t.csv', 'date order (order_date)', 'day first')]
    >>> report.frame()[["setting", "value", "how"]].values.tolist()
    [['date order (order_date)', 'day first', 'guessed']]
    """

    files: list[FileReport] = field(default_factory=list)
    not_used: list[tuple[str, str]] = field(default_factory=list)

    def file(self, name: str) -> FileReport:
        """The entry of ``name``, created (in reading order) the first time it is asked for."""
        for entry in self.files:
            if entry.file == name:
                return entry
        self.files.append(FileReport(name))
        return self.files[-1]

    def guesses(self) -> list[tuple[str, str, str]]:
        """``(file, setting, value)`` of every setting chosen by a default rather than the data."""
        return [(f.file, k, v) for f in self.files for k, (v, how) in f.settings.items() if how == "guessed"]

    def refuse_guesses(self) -> None:
        """Raise :class:`CRMDataError` listing every guess (what ``load(..., strict=True)`` does)."""
        guesses = self.guesses()
        if guesses:
            listed = "; ".join(f"{file}: {setting} guessed as {value!r}" for file, setting, value in guesses)
            raise CRMDataError(
                f"strict=True refuses to guess: {listed}. State the setting (e.g. dayfirst=, decimal=, "
                "encoding=) or fix the file."
            )

    def frame(self) -> pd.DataFrame:
        """One row per file setting: file, setting, value, how."""
        rows = [(f.file, k, v, how) for f in self.files for k, (v, how) in f.settings.items()]
        return pd.DataFrame(rows, columns=["file", "setting", "value", "how"], dtype="string")

    def files_frame(self) -> pd.DataFrame:
        """One row per file: file, table, lines_read, rows_clean, rows_quarantined, notes; then one row per
        file, sheet or column not used, with the reason in ``notes``.

        After cleaning, ``lines_read == rows_clean + rows_quarantined`` on every file read (before
        cleaning ``rows_clean`` is missing and ``rows_quarantined`` counts the lines rejected while reading).

        Examples
        --------
        >>> entry = FileReport("t.csv", lines_read=8, rows_quarantined=5, table="transactions", rows_clean=3)
        >>> LoadReport([entry], not_used=[("notes.txt", "not a table")]).files_frame().values.tolist()
        [['t.csv', 'transactions', 8, 3, 5, ''], ['notes.txt', '', 0, <NA>, 0, 'not used: not a table']]
        """
        rows = [(f.file, f.table, f.lines_read, f.rows_clean, f.rows_quarantined, "; ".join(f.notes))
                for f in self.files]
        rows += [(what, "", 0, None, 0, f"not used: {why}") for what, why in self.not_used]
        rows += [(f"{f.file}: {what}", f.table, 0, None, 0, f"not used: {why}") for f in self.files
                 for what, why in f.not_used]
        columns = ["file", "table", "lines_read", "rows_clean", "rows_quarantined", "notes"]
        return pd.DataFrame(rows, columns=columns).astype(
            {"file": "string", "table": "string", "rows_clean": "Int64", "notes": "string"}
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready copy (for ``run.json`` and the hand-off between chapters)."""
        return {
            "files": [
                {
                    "file": f.file,
                    "settings": {k: {"value": v, "how": how} for k, (v, how) in f.settings.items()},
                    "table": f.table,
                    "lines_read": f.lines_read,
                    "rows_clean": f.rows_clean,
                    "rows_quarantined": f.rows_quarantined,
                    "not_used": [list(x) for x in f.not_used],
                    "notes": list(f.notes),
                }
                for f in self.files
            ],
            "not_used": [list(x) for x in self.not_used],
        }

    @classmethod
    def from_dict(cls, record: dict[str, Any] | None) -> LoadReport:
        """The inverse of :meth:`to_dict` (an empty report for ``None``)."""
        record = record or {}
        files = [
            FileReport(
                f["file"],
                settings={k: (s["value"], s["how"]) for k, s in f["settings"].items()},
                lines_read=f["lines_read"],
                rows_quarantined=f["rows_quarantined"],
                table=f.get("table", ""),
                rows_clean=f.get("rows_clean"),
                not_used=[tuple(x) for x in f["not_used"]],
                notes=list(f["notes"]),
            )
            for f in record.get("files", [])
        ]
        return cls(files=files, not_used=[tuple(x) for x in record.get("not_used", [])])


@dataclass
class Truth:
    """Ground truth that only generated (teaching) data has.

    Attributes
    ----------
    customers : pandas.DataFrame
        customer_id, segment, is_churned, churn_date, churn_reason.
    defects : pandas.DataFrame
        table, record_id, source_row, defect, column, detail.
    interactions : pandas.DataFrame or None
        Inquiries and complaints: interaction_id, response_hours, resolution_hours, true_topic,
        kept_effect_180d (``truth/interactions.csv``; None for data generated before it existed).
    care_plan : pandas.DataFrame or None
        One row per customer: customer_id, plan_tier, in_plan, on_time_p, last_planned_contact, as_of
        (``truth/care_plan.csv``; None for data generated before it existed).
    """

    customers: pd.DataFrame
    defects: pd.DataFrame
    interactions: pd.DataFrame | None = None
    care_plan: pd.DataFrame | None = None


@dataclass
class CRMData:
    """The canonical tables of one source.

    Tables a source does not have are ``None``. ``quarantine`` lists every rejected row (table,
    source_row, reason): after loading, the lines the loader could not use as records (blank-only
    lines); after :func:`crm_analysis.clean`, those and the rows cleaning rejected. ``issues``
    lists every field value that loading or cleaning changed or blanked.

    Attributes
    ----------
    customers, transactions, interactions, exit_survey : pandas.DataFrame or None
        Canonical tables, indexed by ``source_row``.
    truth : Truth or None
        Ground truth for generated data; ``None`` for real data.
    source : str
        Human-readable description of where the data came from.
    source_files : dict
        Table name to the file it was read from (for error messages and reports).
    quarantine : pandas.DataFrame or None
        Rows rejected by the loader or by cleaning, with a readable reason (None when nothing was
        rejected while loading a source that does not count lines, e.g. tables built in code).
    issues : pandas.DataFrame or None
        Field-level fixes made by cleaning (None before cleaning).
    rows_in : dict
        Data lines read per table (physical lines of the files, blank ones included), before cleaning.
    load_report : LoadReport
        How each file was read: encoding, separator, decimal mark, date order, time zone (each
        given, detected or guessed), what was not used and why (:class:`LoadReport`).

    Examples
    --------
    >>> import pandas as pd
    >>> data = CRMData(transactions=pd.DataFrame({"customer_id": ["C1"]}))
    >>> data.present()
    ['transactions']
    """

    customers: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    exit_survey: pd.DataFrame | None = None
    truth: Truth | None = None
    source: str = ""
    source_files: dict[str, str] = field(default_factory=dict)
    quarantine: pd.DataFrame | None = None
    issues: pd.DataFrame | None = None
    rows_in: dict[str, int] = field(default_factory=dict)
    load_report: LoadReport = field(default_factory=LoadReport)

    def __post_init__(self) -> None:
        if self.customers is None and self.transactions is None and self.interactions is None:
            raise ValueError("CRMData needs at least a customers, a transactions or an interactions table")
        if not self.rows_in:
            rejected = self.quarantine["table"].value_counts() if self.quarantine is not None else {}
            self.rows_in = {name: len(t) + int(rejected.get(name, 0)) for name, t in self.tables().items()}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by canonical name."""
        return {name: getattr(self, name) for name in TABLE_NAMES if getattr(self, name) is not None}

    def present(self) -> list[str]:
        """Names of the tables present, in canonical order."""
        return list(self.tables())

    def with_tables(self, **tables: pd.DataFrame | None) -> CRMData:
        """A copy with some tables (or other attributes) replaced."""
        return replace(self, **tables)

    def __repr__(self) -> str:
        parts = [f"{name}={len(t):,} rows" for name, t in self.tables().items()]
        extra = " +truth" if self.truth is not None else ""
        cleaned = f", quarantined={len(self.quarantine):,}" if self.quarantine is not None else ""
        return f"CRMData({self.source!r}: {', '.join(parts)}{extra}{cleaned})"


__all__ = ["HOW", "CRMData", "FileReport", "LoadReport", "Truth", "fields"]
