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

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from crm_analysis.core import schema
from crm_analysis.core.arrow_text import as_arrow
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.loading.aliases import _rename
from crm_analysis.data.parsers import as_text, is_blank, parse_bools, parse_dates, parse_numbers
from crm_analysis.data.privacy import mask_value

# A column is "mostly unparseable" (a mapping or format error, not dirty cells) above this share.
MOSTLY_BAD_SHARE = 0.5


def _examples(column: str, rows: pd.Index, values: Iterable[object], limit: int = 3) -> str:
    pairs = list(zip(rows, values, strict=False))[:limit]
    return ", ".join(f"row {r}: {mask_value(column, v)!r}" for r, v in pairs)


@dataclass
class _Log:
    """Collects value-level problems found while loading (the ``issues`` table)."""

    strict: bool
    parts: list[pd.DataFrame] = field(default_factory=list)

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
            # Only values with a dot can be spreadsheet numbers ("1001.0"); the regex runs on those.
            dotted = pc.fill_null(pc.match_substring(as_arrow(text), "."), False).to_numpy(zero_copy_only=False)
            if dotted.any():
                text[dotted] = text[dotted].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        return text
    parser, what = _PARSERS[kind]
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
    log.add(table, file, column, values.index[bad], values[bad], what)
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
    return schema.contract(table, stage="loaded").validate(result)


def _canonical_table(frame: pd.DataFrame, table: str, file: str, log: _Log) -> pd.DataFrame:
    renamed, sources = _rename(frame, table)
    return _finish(renamed, table, file, log, sources=sources)
