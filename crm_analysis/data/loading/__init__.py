"""Read a data source into the canonical tables (the *loaded* stage).

``load(source)`` accepts

- ``"teaching"``: the embedded teaching data (``data/teaching/``, or the generator if absent);
- ``"cdnow"`` / ``"cdnow_sample"``: the CDNOW master file or its 1/10 sample;
- a folder of canonical files ``customers.*``, ``transactions.*``, ``interactions.*``,
  ``exit_survey.*`` (CSV, CSV.gz, Parquet or ``.xlsx``) with an optional ``truth/`` folder;
- an Excel workbook whose sheets are named after the tables;
- one file in a known real-world format, recognised from its columns (see :data:`KNOWN_FORMATS`).

The package: :mod:`~.aliases` (header aliases), :mod:`~.text` (reading files and encodings),
:mod:`~.columns` (typing columns, the issues log), :mod:`~.formats` (known formats and their
detection), :mod:`~.folders` (folders, workbooks, the teaching data); the value parsers are shared
with cleaning in :mod:`crm_analysis.data.parsers`.

Nothing is dropped silently: every data line becomes a row indexed by ``source_row`` (the line
number in the file, header = 1; the spreadsheet row for Excel). A value that cannot be parsed
becomes missing and is listed in ``data.issues`` (or raises with ``strict=True``); a column that is
*mostly* unparseable raises :class:`~crm_analysis.core.errors.CRMDataError`, because that means a wrong
format or a wrong column mapping rather than a few bad cells.

Column names are matched after normalising case, spaces, underscores and hyphens, through the alias
table :data:`ALIASES` (which includes common Chinese CRM headers such as 客户编号, 手机, 订单日期,
金额). Source columns the model does not name are kept as extra columns with snake_case names.

Examples
--------
>>> normalize_header(" Customer-ID ")
'customerid'
>>> snake_case("SeniorCitizen"), snake_case("Zip Code")
('senior_citizen', 'zip_code')
"""

from __future__ import annotations

from pathlib import Path

from crm_analysis.core import paths
from crm_analysis.core.crmdata import CRMData, LoadReport
from crm_analysis.data import sql
from crm_analysis.data.loading.aliases import ALIASES, TABLE_ALIASES, _table_of, normalize_header, snake_case
from crm_analysis.data.loading.columns import _Log, _result
from crm_analysis.data.loading.folders import _load_folder, _load_teaching, _load_workbook
from crm_analysis.data.loading.formats import CHURN_CATEGORY_MAP, KNOWN_FORMATS, _from_cdnow, _load_file, detect_format
from crm_analysis.data.loading.text import _read_excel, _read_file
from crm_analysis.data.parsers import (
    MISSING_TOKENS,
    decide_decimal_mark,
    parse_bools,
    parse_dates,
    parse_numbers,
    read_dates,
)


def load(
    source: str | Path,
    *,
    strict: bool = False,
    dayfirst: bool | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    time_zone: str | None = None,
    date_format: str | None = None,
    mapping: str | Path | None = None,
) -> CRMData:
    """Read a data source into canonical tables, validated against the *loaded* contracts.

    Parameters
    ----------
    source : str or pathlib.Path
        ``"teaching"``, ``"cdnow"``, ``"cdnow_sample"``, a folder of canonical files, an Excel
        workbook with sheets named after the tables, or one file in a known format
        (:data:`KNOWN_FORMATS`, recognised from its columns).
    strict : bool, default False
        For scheduled runs that must never guess: any unparseable value in a typed column raises,
        and so does any setting the load report marks *guessed* (e.g. the day/month order of a
        column whose dates are all ambiguous). Otherwise an unparseable value becomes missing and
        is listed in ``data.issues`` (table, source_row, column, problem, action).
    dayfirst : bool, optional
        Day/month order of ``01-12-2010``-style dates; default: decided per column from the
        values, else day first (:data:`~crm_analysis.data.parsers.DEFAULT_DAYFIRST`), *guessed*.
    decimal : str, optional
        ``"."`` or ``","``; default: decided per column from all its values and the separator
        (:func:`~crm_analysis.data.parsers.decide_decimal_mark`).
    encoding : str, optional
        Text encoding of CSV files; default: detected (BOM, UTF-8, else charset-normalizer among
        Chinese, Japanese, Korean and European code pages; low confidence raises).
    time_zone : str, optional
        The business time zone (``"Asia/Shanghai"``, ``"+08:00"``): times with a UTC offset and
        tz-aware columns (CSV, Excel, Parquet alike) are converted to it before days are taken;
        default: the data's own local time (:func:`~crm_analysis.data.parsers.read_dates`).
    date_format : str, optional
        One :func:`~datetime.datetime.strptime` format for every text date of the source (e.g.
        ``"%d/%m/%Y %H:%M"``); values that do not follow it are unparseable. Overrides ``dayfirst``.
    mapping : path, optional
        For a database URL (``sqlite:///crm.db``, ``postgresql+psycopg://user@host/db``): the TOML file
        saying which table, view or query gives each canonical table (:func:`crm_analysis.data.sql.load_sql`).

    Returns
    -------
    CRMData
        Tables indexed by ``source_row``; ``issues`` lists the values set missing (personal data
        masked); ``quarantine`` the lines that are no record (blank-only lines); ``rows_in`` counts
        every data line; ``load_report`` says how each file was read (encoding, separator, decimal
        mark, date order: given, detected or guessed) and what was not used, and why.

    Raises
    ------
    CRMDataError
        Unknown format, missing required column, a mostly unparseable column, or (``strict``) any
        unparseable value. Messages name the file, the column and example rows.
    FileNotFoundError
        If ``source`` is neither a named source nor an existing path.

    Examples
    --------
    >>> data = load("cdnow_sample")
    >>> len(data.transactions), data.transactions["customer_id"].nunique()
    (6919, 2357)
    >>> row = data.transactions.loc[1]  # first line of the headerless file
    >>> row["customer_id"], float(row["quantity"]), float(row["amount"])
    ('1', 2.0, 29.33)
    >>> data.load_report.frame()[["setting", "value", "how"]].values.tolist()[:2]
    [['encoding', 'utf-8', 'detected'], ['separator', 'whitespace', 'detected']]
    """
    if decimal not in (None, ".", ","):
        raise ValueError(f"decimal must be '.' or ',', not {decimal!r}")
    if sql.is_sql_url(source):
        return sql.load_sql(str(source), mapping=mapping, strict=strict, dayfirst=dayfirst, decimal=decimal)
    log = _Log(strict=strict, dayfirst=dayfirst, decimal=decimal, encoding=encoding, time_zone=time_zone,
               date_format=date_format)
    if isinstance(source, str) and source == "teaching":
        return _load_teaching(log)
    if isinstance(source, str) and source in ("cdnow", "cdnow_sample"):
        path = paths.CDNOW_DIR / ("CDNOW_master.txt" if source == "cdnow" else "CDNOW_sample.txt")
        frame = _read_file(path, log)
        tables = _from_cdnow(frame, str(path), log, sample=source == "cdnow_sample")
        return _result(log, **tables, source=KNOWN_FORMATS[source].split(" (")[0],
                       source_files={"transactions": str(path)})
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"{source!s}: no such file or folder; named sources are 'teaching', 'cdnow', 'cdnow_sample'"
        )
    if path.is_dir():
        return _load_folder(path, log)
    if path.name.lower().endswith((".xlsx", ".xlsm")):
        sheets = _read_excel(path)
        if any(_table_of(s) for s in sheets):
            return _load_workbook(path, sheets, log)
    return _load_file(path, log)


__all__ = [
    "ALIASES",
    "CHURN_CATEGORY_MAP",
    "KNOWN_FORMATS",
    "MISSING_TOKENS",
    "TABLE_ALIASES",
    "LoadReport",
    "decide_decimal_mark",
    "detect_format",
    "load",
    "normalize_header",
    "parse_bools",
    "parse_dates",
    "parse_numbers",
    "read_dates",
    "snake_case",
]
