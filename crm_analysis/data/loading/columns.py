"""Typing the columns of a loaded table, and the log of the values that could not be parsed.

A value that cannot be parsed becomes missing and is listed in ``data.issues`` (or raises with
``strict=True``); a column that is *mostly* unparseable (:data:`MOSTLY_BAD_SHARE`) raises, because
that means a wrong format or a wrong column mapping rather than a few bad cells. Personal data in
messages is masked by :func:`crm_analysis.data.privacy.mask_value`.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from crm_analysis.core import schema
from crm_analysis.core.arrow_text import as_arrow
from crm_analysis.core.crmdata import CRMData, FileReport, LoadReport
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.loading.aliases import ALIASES, _rename, normalize_header
from crm_analysis.data.parsers import (
    as_text,
    decide_decimal_mark,
    is_blank,
    parse_bools,
    parse_dates,
    parse_numbers,
    read_dates,
)
from crm_analysis.data.privacy import mask_value

#: Characters that are invisible in a spreadsheet and never part of an id: zero-width space and
#: joiners, direction marks and embeddings, word joiner, BOM, NUL and other C0 controls.
INVISIBLE = r"[\u0000-\u001f\u007f\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]"

#: Columns of events and record dates: a value after the day of loading or before
#: :data:`EARLIEST_EVENT` is a typo (2099-12-31), set missing with the reason, so it can neither
#: pass as data nor move the default as-of date.
EVENT_DATES = frozenset({"order_date", "date", "signup_date", "updated_at"})
EARLIEST_EVENT = pd.Timestamp("1900-01-01")

# A column is "mostly unparseable" (a mapping or format error, not dirty cells) above this share.
MOSTLY_BAD_SHARE = 0.5


def _examples(column: str, rows: pd.Index, values: Iterable[object], limit: int = 3) -> str:
    pairs = list(zip(rows, values, strict=False))[:limit]
    return ", ".join(f"row {r}: {mask_value(column, v)!r}" for r, v in pairs)


@dataclass
class _Log:
    """Collects what loading found: value-level problems (``issues``), lines rejected while reading
    (``quarantine``) and how each file was read (the :class:`LoadReport`).

    ``dayfirst`` and ``decimal`` are the caller's settings (None: decide from the data); ``current``
    is the report entry of the file being read.
    """

    strict: bool
    dayfirst: bool | None = None
    dayfirst_how: str = "given"
    decimal: str | None = None
    encoding: str | None = None
    time_zone: str | None = None
    date_format: str | None = None
    parts: list[pd.DataFrame] = field(default_factory=list)
    rejected: list[pd.DataFrame] = field(default_factory=list)
    report: LoadReport = field(default_factory=LoadReport)
    current: FileReport | None = None
    blank_rows: pd.Index | None = None

    def reject(self, table: str, rows: pd.Index, reason: str) -> None:
        """Quarantine whole lines at load time (they do not become rows of ``table``)."""
        if len(rows):
            self.rejected.append(pd.DataFrame(
                {"table": table, "source_row": np.asarray(rows, dtype="int64"), "reason": reason}
            ))
            if self.current is not None:
                self.current.rows_quarantined += len(rows)

    def quarantine(self) -> pd.DataFrame | None:
        """The lines rejected while reading (table, source_row, reason), or None if none were."""
        if not self.rejected:
            return None
        return pd.concat(self.rejected, ignore_index=True).astype({"table": "string", "reason": "string"})

    def setting(self, name: str, value: object, how: str) -> None:
        """Record how the current file was read."""
        if self.current is not None:
            self.current.set(name, value, how)

    def add(self, table: str, file: str, column: str, rows: pd.Index, values: pd.Series, what: str) -> None:
        if len(rows) == 0:
            return
        if self.strict:
            raise CRMDataError(
                f"{file}: column {column!r} has {len(rows):,} value(s) that are not {what} "
                f"({_examples(column, rows, values)}); strict=True rejects any unparseable value"
            )
        shown = [mask_value(column, v) for v in values]
        self.parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "source_row": np.asarray(rows, dtype="int64"),
                    "column": column,
                    "problem": [f"{s!r} is not {what}" for s in shown],
                    "action": "set missing",
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        columns = ["table", "source_row", "column", "problem", "action"]
        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "source_row" else "string") for c in columns}
            )
        out = pd.concat(self.parts, ignore_index=True)
        return out.astype({c: "string" for c in columns if c != "source_row"})


def _result(log: _Log, **tables_and_facts: object) -> CRMData:
    """The loaded data with what loading found; with ``strict=True`` a guessed setting raises."""
    if log.strict:
        log.report.refuse_guesses()
    return CRMData(**tables_and_facts, issues=log.frame(), quarantine=log.quarantine(), load_report=log.report)


_PARSERS: dict[str, tuple[Callable[[pd.Series], pd.Series], str]] = {
    "date": (parse_dates, "a date"),
    "float": (parse_numbers, "a number"),
    "int": (parse_numbers, "a number"),
    "bool": (parse_bools, "yes/no"),
}


def _typed(
    values: pd.Series, kind: str, *, table: str, column: str, file: str, source: str, log: _Log
) -> pd.Series:
    """Convert one column to its canonical dtype, logging unparseable cells."""
    blank = is_blank(values)
    if kind in ("string", "category"):
        text = as_text(values)
        text[blank] = pd.NA
        if column in ("customer_id", "order_id", "interaction_id"):
            # Invisible characters (zero-width space, direction marks, BOM, NUL) are not part of a key.
            text = text.str.replace(INVISIBLE, "", regex=True).str.strip()
            text[text.eq("").fillna(False)] = pd.NA
            # Only values with a dot can be spreadsheet numbers ("1001.0"); the regex runs on those.
            dotted = pc.fill_null(pc.match_substring(as_arrow(text), "."), False).to_numpy(zero_copy_only=False)
            if dotted.any():
                text[dotted] = text[dotted].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        return text
    parser, what = _PARSERS[kind]
    if kind == "date":
        out, decisions = read_dates(values, dayfirst=log.dayfirst, time_zone=log.time_zone,
                                    date_format=log.date_format)
        for name, (value, how) in decisions.items():
            how = log.dayfirst_how if name == "date order" and how == "given" else how
            log.setting(f"{name} ({column})", value, how)
    elif kind in ("float", "int") and not pd.api.types.is_numeric_dtype(values.dtype):
        sep = log.current.settings.get("separator", ("", ""))[0] if log.current else None
        mark, how = (log.decimal, "given") if log.decimal else decide_decimal_mark(values.where(~blank), sep=sep)
        if (values.where(~blank).astype("string").str.contains(r"[.,]").fillna(False)).any():
            log.setting(f"decimal mark ({column})", mark, how)
        out = parse_numbers(values, decimal=mark)
    else:
        out = parser(values)
    out = out.where(~blank)
    bad = out.isna() & ~blank
    n_bad, n_filled = int(bad.sum()), int((~blank).sum())
    if n_bad and n_bad > MOSTLY_BAD_SHARE * n_filled:
        raise CRMDataError(
            f"{file}: column {column!r} (from {source!r}) of {table}: {n_bad:,} of {n_filled:,} values "
            f"are not {what} ({_examples(column, values.index[bad], values[bad])}). Wrong format or wrong column "
            "mapping? Rename the column or fix its values."
        )
    if kind == "date":
        serial = bad & values.astype("string").str.fullmatch(r"\s*\d{5}(\.\d+)?\s*").fillna(False)
        log.add(table, file, column, values.index[serial], values[serial],
                "a date (an Excel serial date? format the column as a date in Excel)")
        bad = bad & ~serial
    log.add(table, file, column, values.index[bad], values[bad], what)
    if kind == "date" and column in EVENT_DATES:
        late, early = out > pd.Timestamp(date.today()) + pd.Timedelta(days=1), out < EARLIEST_EVENT
        for far, why in ((late, "after the day of loading"), (early, f"before {EARLIEST_EVENT:%Y}")):
            log.add(table, file, column, values.index[far], values[far], f"a plausible date (it is {why})")
        out = out.where(~(late | early))
    if kind == "int":
        out = out.round().astype("Int64")
    return out


def _finish(
    frame: pd.DataFrame,
    table: str,
    file: str,
    log: _Log,
    *,
    sources: dict[str, str] | None = None,
    extra_kinds: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Type the canonical columns, add absent ones, snake_case extras, validate the loaded contract."""
    sources = sources or {}
    if log.current is not None and not log.current.table:  # the first table made from a file holds its lines
        log.current.table = table
    if log.blank_rows is not None:  # ... and takes its blank lines
        log.reject(table, log.blank_rows, "blank line (only empty or missing-value cells)")
        log.blank_rows = None
    kinds = schema.column_kinds(table)
    missing = [c for c in schema.required_columns(table) if c not in frame.columns]
    if missing:
        seen = [str(c) for c in sources.values()] or [str(c) for c in frame.columns]
        hints = "; ".join(
            f"{m}: closest columns {difflib.get_close_matches(m, seen, n=3, cutoff=0.3) or 'none'}"
            for m in missing
        )
        raise CRMDataError(
            f"{file}: {table} needs column(s) {', '.join(missing)} but none of the columns {seen} matches "
            f"({hints}). Rename the column or add an alias."
        )

    def typed(column: str, kind: str) -> pd.Series:
        source = sources.get(column, column)
        return _typed(frame[column], kind, table=table, column=column, file=file, source=source, log=log)

    out = {}
    for column, kind in kinds.items():
        if column in frame.columns:
            out[column] = typed(column, kind)
        else:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype=schema.PANDERA_DTYPES[kind])
    if table == "transactions" and "order_id" not in frame.columns:
        out["order_id"] = pd.Series("L" + frame.index.astype(str), index=frame.index, dtype="string")
    if table == "interactions" and "interaction_id" not in frame.columns:
        out["interaction_id"] = pd.Series("L" + frame.index.astype(str), index=frame.index, dtype="string")
    for column in frame.columns:
        if column in kinds:
            continue
        out[column] = typed(column, (extra_kinds or {}).get(column, "string"))
    result = pd.DataFrame(out, index=frame.index)
    result.index = result.index.astype("int64").rename("source_row")
    if table == "transactions" and log.current is not None and log.current.table == table:
        _note_missing_status(result["status"], "status" in frame.columns, log.current)
    return schema.contract(table, stage="loaded").validate(result)


def _note_missing_status(status: pd.Series, has_column: bool, entry: FileReport) -> None:
    """Record in the load report that purchases and returns are inferred from the sign (issue 14)."""
    missing = int(status.isna().sum())
    if missing:
        why = "no status column" if not has_column else "blank status cells"
        entry.set("status", f"missing on {missing:,} of {len(status):,} lines ({why}): purchases and returns "
                  "inferred from the sign", "inferred")


def _rival_columns(columns: list[str], table: str, sources: dict[str, str], file: str, log: _Log) -> None:
    """Two source columns that can both be one canonical column (``Phone`` and ``手机``).

    The closer name (earlier in :data:`~crm_analysis.data.loading.aliases.ALIASES`) is used and the other
    is listed in the load report as not used for it; two equally close names raise, naming both.
    """
    for canonical, aliases in ALIASES[table].items():
        ranked = [normalize_header(canonical), *[normalize_header(a) for a in aliases]]
        used = sources.get(canonical)
        if used is None:
            continue
        for other in columns:
            if other == used or normalize_header(other) not in ranked:
                continue
            if ranked.index(normalize_header(other)) == ranked.index(normalize_header(used)):
                raise CRMDataError(f"{file}: columns {used!r} and {other!r} could both be {canonical}; which one "
                                   "is meant cannot be decided: rename or remove one")
            if log.current is not None:
                log.current.not_used.append((f"column {other!r} as {canonical}", f"{used!r} is the closer name for "
                                             f"{canonical}; {other!r} is kept as an extra column"))


def _canonical_table(frame: pd.DataFrame, table: str, file: str, log: _Log) -> pd.DataFrame:
    renamed, sources = _rename(frame, table)
    _rival_columns([str(c) for c in frame.columns], table, sources, file, log)
    return _finish(renamed, table, file, log, sources=sources)
