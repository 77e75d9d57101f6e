"""Normalise loaded tables and quarantine the rows that cannot be used.

``clean(data)`` returns a new :class:`~crm_analysis.core.crmdata.CRMData` whose tables meet
``schema.contract(table, stage="clean")``. Every input row ends up either in its clean table (same
``source_row``) or in ``data.quarantine`` with a reason a person can read; field values that
cleaning blanks or changes in meaning are listed in ``data.issues``. :func:`row_accounting` checks
the bookkeeping.

Rules (deterministic, applied in this order):

1. Text is normalised everywhere (:func:`normalize_text`: NFKC, trimmed, inner whitespace
   collapsed). Formatting-only changes (spaces, case, phone punctuation) are not listed as issues.
2. Quarantine, per table: a missing required value (``customer_id``; ``order_date`` and
   ``amount`` of transactions; ``date`` and ``kind`` of interactions), quoting the unparseable value
   when loading recorded one; exact duplicate lines (every column equal, the order id included, so
   sources without order ids keep repeated purchases); a repeated ``customer_id`` in customers
   (later rows); rows of transactions / interactions / exit_survey whose customer is not in the
   customers table (orphans), when that table is present.
3. Field fixes on the kept rows (value set missing, with an issue): malformed phone or e-mail,
   birth date in the future (after ``as_of``), before 1900 or less than
   :data:`MIN_AGE_AT_SIGNUP` years before ``signup_date``, a category value that matches no
   allowed value or synonym, satisfaction outside 1–5. An unrecognised interaction ``kind`` becomes
   ``other``. A negative amount with status ``completed`` gets status ``returned``.
   Cancelled and returned lines stay: the status says what they are. A transaction ``status``
   outside the synonym list (``CATEGORY_SYNONYMS["status"]``: shipped, delivered, paid, 完成,
   已付款 … are completed; refund, 退货 … returned) is quarantined with the word, and so is a line
   whose quantity and amount have opposite signs (quantity −3, amount +30).

The normalisers of single values and columns are in :mod:`crm_analysis.data.cleaning.normalize`
(re-exported here).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import numpy as np
import pandas as pd

from crm_analysis.core import schema
from crm_analysis.core.arrow_text import isin
from crm_analysis.core.crmdata import CRMData, LoadReport
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.cleaning.normalize import (
    _EMAIL,
    CATEGORY_SYNONYMS,
    _map_unique,
    normalize_bool,
    normalize_category,
    normalize_date,
    normalize_email,
    normalize_phone,
    normalize_text,
    normalize_texts,
)
from crm_analysis.data.parsers import local_times
from crm_analysis.data.privacy import mask_value

ISSUE_COLUMNS = ["table", "source_row", "column", "problem", "action"]


QUARANTINE_COLUMNS = ["table", "source_row", "reason"]


EARLIEST_BIRTH_DATE = pd.Timestamp("1900-01-01")


MIN_AGE_AT_SIGNUP = 16  # years; a younger "customer" is a mistyped birth date


def _for_rows(value: pd.Series | str | Callable[[pd.Index], pd.Series], rows: pd.Index):
    """``value`` for ``rows``: a constant, a Series to pick from, or a callable building it."""
    if callable(value):
        value = value(rows)
    return value.reindex(rows) if isinstance(value, pd.Series) else value


class _Book:
    """Collects quarantine and issue rows for one table."""

    def __init__(self, table: str, frame: pd.DataFrame, load_issues: pd.DataFrame | None):
        self.table = table
        self.reasons = pd.Series(pd.NA, index=frame.index, dtype="string")
        self.issues: list[pd.DataFrame] = []
        self.load_problems: dict[str, pd.Series] = {}
        if load_issues is not None and len(load_issues):
            mine = load_issues[load_issues["table"] == self.table]
            for column, group in mine.groupby("column"):
                self.load_problems[str(column)] = group.drop_duplicates("source_row").set_index("source_row")["problem"]

    def reject(self, mask: pd.Series, reason: pd.Series | str | Callable[[pd.Index], pd.Series]) -> None:
        """Quarantine rows in ``mask`` that are still kept (the first reason stands).

        ``reason`` may be a callable taking the rows to reject, so reason texts are built for
        those rows only (building them for millions of kept rows is the slow part).
        """
        take = mask & self.reasons.isna()
        if take.any():
            self.reasons[take] = _for_rows(reason, take.index[take])

    @property
    def kept(self) -> pd.Series:
        return self.reasons.isna()

    def require(self, frame: pd.DataFrame, column: str) -> None:
        """Quarantine rows missing ``column``; quote the unparseable value the loader saw, if any."""
        missing = frame[column].isna() & self.kept
        if not missing.any():
            return
        reason = pd.Series(f"missing {column}", index=frame.index, dtype="string")
        seen = self.load_problems.get(column)
        if seen is not None:
            quoted = seen.reindex(frame.index)
            reason = reason.where(quoted.isna(), column + " " + quoted.astype("string"))
        self.reject(missing, reason)

    def issue(self, mask: pd.Series, column: str, problem: pd.Series | str | Callable[[pd.Index], pd.Series],
              action: str) -> None:
        mask = mask & self.kept
        if not mask.any():
            return
        problems = _for_rows(problem, mask.index[mask])
        self.issues.append(
            pd.DataFrame(
                {
                    "table": self.table,
                    "source_row": mask.index[mask].to_numpy(dtype="int64"),
                    "column": column,
                    "problem": np.asarray(problems, dtype=object) if not isinstance(problems, str) else problems,
                    "action": action,
                }
            )
        )

    def quarantine(self) -> pd.DataFrame:
        out = self.reasons.dropna()
        return pd.DataFrame({"table": self.table, "source_row": out.index.to_numpy(dtype="int64"), "reason": out})


def _quote(column: str, values: pd.Series) -> pd.Series:
    return values.astype("string").map(lambda v: repr(mask_value(column, v)), na_action="ignore").astype("string")


def _blank_invalid(
    frame: pd.DataFrame, book: _Book, column: str, normalised: pd.Series, what: str = "malformed"
) -> pd.DataFrame:
    """Replace ``column`` by ``normalised``; values that normalise to None are blanked with an issue."""
    if column not in frame:
        return frame
    bad = frame[column].notna() & normalised.isna()
    book.issue(bad, column, lambda rows: f"{column} " + _quote(column, frame[column][rows]) + f" {what}", "set missing")
    return frame.assign(**{column: normalised})


def _categories(frame: pd.DataFrame, book: _Book, columns: list[str]) -> pd.DataFrame:
    for column in columns:
        if column in frame:
            normalised = _map_unique(frame[column], lambda v, c=column: normalize_category(v, c))
            frame = _blank_invalid(frame, book, column, normalised, "is not a known category")
    return frame


def _texts(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    kinds = schema.column_kinds(table)
    cols = [c for c, k in kinds.items() if k == "string" and c in frame and c not in ("phone", "email")]
    return frame.assign(**{c: normalize_texts(frame[c]) for c in cols})


def _exact_duplicates(frame: pd.DataFrame, book: _Book) -> None:
    """Quarantine later copies of identical lines, naming the row of the first copy."""
    kept = frame[book.kept]
    if kept.empty:
        return
    positions, codes = _repeated_lines(kept)
    line = pd.Series(codes, index=kept.index[positions])
    dup = line.duplicated(keep="first")
    if not dup.any():
        return
    first = pd.Series(line.index, index=line.to_numpy()).groupby(level=0).first()

    def reason(rows: pd.Index) -> pd.Series:
        return "exact duplicate of row " + line[rows].map(first).astype("Int64").astype("string")

    book.reject(dup.reindex(frame.index, fill_value=False), reason)


def _repeated_lines(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Positions of lines that occur more than once, and one integer code per distinct line.

    Column by column (numbers and dates first: they are cheap), the codes so far are folded with
    the column's codes and lines already unique are dropped, so the costly string columns are
    only factorised for the few candidates left. Exact (no hashing), missing values equal.
    """
    cheap = [c for c in frame.columns if frame[c].dtype.kind in "biufmM"]
    positions = np.arange(len(frame))
    codes = np.zeros(len(frame), dtype=np.int64)
    for column in [*cheap, *(c for c in frame.columns if c not in cheap)]:
        column_codes, uniques = pd.factorize(frame[column].iloc[positions], use_na_sentinel=False)
        codes, _ = pd.factorize(codes * (len(uniques) + 1) + column_codes)
        repeated = np.bincount(codes)[codes] > 1
        positions, codes = positions[repeated], pd.factorize(codes[repeated])[0]
    return positions, codes


def _orphans(frame: pd.DataFrame, book: _Book, customer_ids: pd.Series | None, what: str) -> None:
    if customer_ids is None:
        return
    orphan = pd.Series(~isin(frame["customer_id"], customer_ids), index=frame.index) & frame["customer_id"].notna()

    def reason(rows: pd.Index) -> pd.Series:
        return "customer_id " + frame["customer_id"][rows] + f" not in the customers table (orphan {what})"

    book.reject(orphan.astype(bool), reason)


def _child_table(frame: pd.DataFrame, book: _Book, table: str, customer_ids: pd.Series | None,
                 what: str) -> pd.DataFrame:
    """The rules shared by the tables keyed by customer: texts, required columns, exact duplicates, orphans.

    ``what`` names one row of ``table`` in the orphan reason, e.g. "transaction".
    """
    frame = _texts(frame, table)
    for column in schema.required_columns(table):
        book.require(frame, column)
    _exact_duplicates(frame, book)
    _orphans(frame, book, customer_ids, what)
    return frame


# --------------------------------------------------------------------------- per-table rules
def _clean_customers(frame: pd.DataFrame, book: _Book, as_of: pd.Timestamp) -> pd.DataFrame:
    frame = _texts(frame, "customers")
    book.require(frame, "customer_id")
    ids = frame["customer_id"].where(book.kept)
    repeated = ids.duplicated(keep="first") & ids.notna()
    first = pd.Series(ids.index, index=ids.to_numpy()).loc[lambda s: s.index.notna()].groupby(level=0).first()
    book.reject(
        repeated,
        lambda rows: "duplicate customer_id " + ids[rows] + " (first at row "
        + ids[rows].map(first).astype("Int64").astype("string") + ")",
    )
    phones = _map_unique(frame["phone"], normalize_phone, unchanged=r"^1[3-9][0-9]{9}$")
    frame = _blank_invalid(frame, book, "phone", phones)
    emails = _map_unique(frame["email"], normalize_email, unchanged="^" + _EMAIL.pattern + "$")
    frame = _blank_invalid(frame, book, "email", emails)
    birth = frame["birth_date"]
    future, ancient = birth > as_of, birth < EARLIEST_BIRTH_DATE

    def shown(rows: pd.Index) -> pd.Series:
        return "birth_date " + birth[rows].dt.strftime("%Y-%m-%d")

    book.issue(future, "birth_date", lambda rows: shown(rows) + f" is after {as_of:%Y-%m-%d}", "set missing")
    book.issue(ancient, "birth_date", lambda rows: shown(rows) + " is before 1900", "set missing")
    young = (birth > frame["signup_date"] - pd.DateOffset(years=MIN_AGE_AT_SIGNUP)).fillna(False) & ~future
    book.issue(young, "birth_date",
               lambda rows: shown(rows) + f" is less than {MIN_AGE_AT_SIGNUP} years before signup_date", "set missing")
    frame = frame.assign(birth_date=birth.mask(future | ancient | young))
    return _categories(frame, book, ["gender", "customer_type", "acquisition_channel"])


def _clean_transactions(frame: pd.DataFrame, book: _Book, customer_ids: pd.Series | None) -> pd.DataFrame:
    frame = _child_table(frame, book, "transactions", customer_ids, "transaction")
    # A status word outside the synonym list (CATEGORY_SYNONYMS["status"]) could be a pending or held
    # order: the line is quarantined with the word, never read as a purchase or dropped unseen.
    status = _map_unique(frame["status"], lambda v: normalize_category(v, "status"))
    book.reject(frame["status"].notna() & status.isna(),
                lambda rows: "status " + _quote("status", frame["status"][rows]) + " is not a known status")
    frame = frame.assign(status=status)
    if "quantity" in frame:
        opposite = (np.sign(frame["quantity"]) * np.sign(frame["amount"]) < 0).fillna(False)
        book.reject(opposite, lambda rows: "quantity " + frame["quantity"][rows].astype("string")
                    + " and amount " + frame["amount"][rows].astype("string") + " have opposite signs")
    negative = (frame["amount"] < 0).fillna(False) & (frame["status"] == "completed").fillna(False)
    book.issue(negative, "status", "negative amount with status completed", "status set to returned")
    return frame.assign(status=frame["status"].mask(negative & book.kept, "returned"))


def _clean_interactions(frame: pd.DataFrame, book: _Book, customer_ids: pd.Series | None) -> pd.DataFrame:
    frame = _child_table(frame, book, "interactions", customer_ids, "interaction")
    kind = _map_unique(frame["kind"], lambda v: normalize_category(v, "kind"))
    unknown = frame["kind"].notna() & kind.isna()
    book.issue(unknown, "kind", lambda rows: "kind " + _quote("kind", frame["kind"][rows]) + " is not a known kind",
               "set to other")
    frame = frame.assign(kind=kind.mask(unknown, "other"))
    score = frame["satisfaction"]
    outside = ((score < 1) | (score > 5)).fillna(False)
    book.issue(outside, "satisfaction", lambda rows: "satisfaction " + score[rows].astype("string") + " outside 1-5",
               "set missing")
    return frame.assign(satisfaction=score.mask(outside))


def _clean_exit_survey(frame: pd.DataFrame, book: _Book, customer_ids: pd.Series | None) -> pd.DataFrame:
    frame = _child_table(frame, book, "exit_survey", customer_ids, "exit survey answer")
    return _categories(frame, book, ["reason_category"])


def _default_as_of(data: CRMData) -> pd.Timestamp:
    """The latest date in the data, capped at today (so the result does not depend on the run date)."""
    latest = []
    for table, columns in {
        "transactions": ["order_date"],
        "interactions": ["date"],
        "exit_survey": ["date"],
        "customers": ["signup_date", "updated_at"],
    }.items():
        frame = getattr(data, table)
        if frame is not None:
            latest += [frame[c].max() for c in columns if c in frame]
    today = pd.Timestamp(date.today())
    found = [d for d in latest if not pd.isna(d)]
    return min(max(found), today) if found else today


def _local_dates(data: CRMData, time_zone: str | None) -> CRMData:
    """Zoned date columns (tables built in code) as local times of the business time zone.

    The one time-zone rule of the loader (:func:`crm_analysis.data.parsers.local_times`): ``time_zone``
    if given, else the column's own zone; the choice is recorded in the load report.
    """
    report, tables = None, {}
    for table, frame in data.tables().items():
        zoned = [c for c in frame.columns if getattr(frame[c].dtype, "tz", None) is not None]
        if not zoned:
            continue
        report = report or LoadReport.from_dict(data.load_report.to_dict())
        entry = report.file(data.source_files.get(table, f"{table} (a table passed in code)"))
        local = {}
        for column in zoned:
            local[column], (zone, how) = local_times(frame[column], time_zone=time_zone)
            entry.set(f"time zone ({column})", zone, how)
        tables[table] = frame.assign(**local)
    return data if report is None else data.with_tables(**tables, load_report=report)


def _restore_dtypes(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    wanted = {f.name: schema.PANDERA_DTYPES[f.kind] for f in schema.fields(table)}
    return frame.astype({c: d for c, d in wanted.items() if c in frame and str(frame[c].dtype) != d})


def clean(data: CRMData, *, as_of: object = None, time_zone: str | None = None) -> CRMData:
    """Normalise values and quarantine unusable rows (rules in the module docstring).

    Parameters
    ----------
    data : CRMData
        Loaded data (:func:`crm_analysis.load`).
    as_of : date-like, optional
        Reference date for "birth date in the future"; default: the latest date in the data,
        capped at today.
    time_zone : str, optional
        Business time zone for tz-aware date columns of tables built in code (the loader's rule,
        :func:`crm_analysis.data.parsers.local_times`); default: each column's own zone. Recorded
        in ``load_report``.

    Returns
    -------
    CRMData
        Clean tables (same ``source_row`` index) meeting the clean contracts, ``quarantine``
        (table, source_row, reason), ``issues`` (the loader's plus cleaning's), ``rows_in`` kept.

    Raises
    ------
    CRMDataError
        If the row accounting does not balance (a bug, never expected).

    Examples
    --------
    >>> import pandas as pd
    >>> from crm_analysis.core import schema
    >>> tx = schema.empty_table("transactions").reindex(pd.Index([2, 3, 4], name="source_row"))
    >>> tx = tx.assign(customer_id=pd.array(["C1", None, "C1"], dtype="string"),
    ...                order_date=pd.to_datetime(["2024-01-02"] * 3),
    ...                amount=pd.array([5.0, 5.0, -2.0], dtype="Float64"),
    ...                status=pd.array(["completed"] * 3, dtype="string"))
    >>> out = clean(CRMData(transactions=tx))
    >>> out.quarantine["reason"].tolist(), out.transactions["status"].tolist()
    (['missing customer_id'], ['completed', 'returned'])
    """
    data = _local_dates(data, time_zone)
    as_of = _default_as_of(data) if as_of is None else pd.Timestamp(as_of)
    books: dict[str, _Book] = {}
    tables: dict[str, pd.DataFrame] = {}
    for table, frame in data.tables().items():
        book = books[table] = _Book(table, frame, data.issues)
        if table == "customers":
            tables[table] = _clean_customers(frame, book, as_of)
    customer_ids = None
    if "customers" in tables:
        customer_ids = tables["customers"]["customer_id"][books["customers"].kept].dropna()
    cleaners = {
        "transactions": _clean_transactions,
        "interactions": _clean_interactions,
        "exit_survey": _clean_exit_survey,
    }
    for table, cleaner in cleaners.items():
        if table in books:
            tables[table] = cleaner(data.tables()[table], books[table], customer_ids)
    clean_tables = {}
    for table, frame in tables.items():
        kept = _restore_dtypes(frame[books[table].kept], table)
        clean_tables[table] = schema.contract(table, stage="clean").validate(kept)
    quarantine = _frame([data.quarantine, *[b.quarantine() for b in books.values()]], QUARANTINE_COLUMNS)
    issues = _frame([data.issues, *[p for b in books.values() for p in b.issues]], ISSUE_COLUMNS)
    result = data.with_tables(**clean_tables, quarantine=quarantine, issues=issues, rows_in=dict(data.rows_in),
                              load_report=_per_file(data.load_report, clean_tables, quarantine))
    row_accounting(result)
    return result


def _per_file(report: LoadReport, tables: dict[str, pd.DataFrame], quarantine: pd.DataFrame) -> LoadReport:
    """A copy of the load report with rows clean and rows quarantined per file (its lines' table)."""
    report = LoadReport.from_dict(report.to_dict())
    rejected = quarantine["table"].value_counts()
    for entry in report.files:
        if entry.table in tables:
            entry.rows_clean = len(tables[entry.table])
            entry.rows_quarantined = int(rejected.get(entry.table, 0))
    return report


def _frame(parts: list[pd.DataFrame], columns: list[str]) -> pd.DataFrame:
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "source_row" else "string") for c in columns})
    out = pd.concat([p[columns] for p in parts], ignore_index=True)
    return out.astype({c: "int64" if c == "source_row" else "string" for c in columns})


def row_accounting(data: CRMData) -> pd.DataFrame:
    """Rows read, kept and quarantined per table; raises if they do not add up.

    Parameters
    ----------
    data : CRMData
        Cleaned data (loaded data has an empty quarantine and balances trivially).

    Returns
    -------
    pandas.DataFrame
        Columns table, rows_in, rows_clean, rows_quarantined.

    Raises
    ------
    CRMDataError
        If rows_in != rows_clean + rows_quarantined for a table, or a row is both kept and quarantined.

    Examples
    --------
    >>> import pandas as pd
    >>> row_accounting(CRMData(transactions=pd.DataFrame({"customer_id": ["C1"]})))["rows_clean"].tolist()
    [1]
    """
    quarantine = data.quarantine if data.quarantine is not None else pd.DataFrame(columns=QUARANTINE_COLUMNS)
    records = []
    tables = data.tables()
    for table in dict.fromkeys([*data.rows_in, *tables]):
        frame = tables.get(table)
        rejected = quarantine.loc[quarantine["table"] == table, "source_row"]
        kept = 0 if frame is None else len(frame)
        both = 0 if frame is None else int(frame.index.isin(rejected).sum())
        records.append((table, data.rows_in.get(table, kept), kept, len(rejected), both))
    out = pd.DataFrame(records, columns=["table", "rows_in", "rows_clean", "rows_quarantined", "both"])
    wrong = out[(out["rows_in"] != out["rows_clean"] + out["rows_quarantined"]) | (out["both"] > 0)]
    if len(wrong):
        raise CRMDataError(f"row accounting does not balance ({data.source}):\n{wrong.to_string(index=False)}")
    return out.drop(columns="both")


__all__ = [
    "CATEGORY_SYNONYMS",
    "clean",
    "normalize_bool",
    "normalize_category",
    "normalize_date",
    "normalize_email",
    "normalize_phone",
    "normalize_text",
    "normalize_texts",
    "row_accounting",
]
