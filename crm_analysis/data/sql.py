"""Reading the canonical tables from a CRM's SQL database (客户资料库), and the results tables written back.

``load("sqlite:///crm.db")`` or ``load("postgresql+psycopg://analyst@db/crm", mapping="crm_mapping.toml")``
reads the tables through SQLAlchemy 2. Tables named like the canonical ones (``customers``,
``transactions``, ``interactions``, ``exit_survey``, and ``truth_customers`` / ``truth_defects`` for
generated data) are read directly; a mapping file names the table, view or query that gives each
canonical table, and which column is which::

    # crm_mapping.toml
    customers = "members"                          # a table or view, columns by their names
    [transactions]
    query = "SELECT o.id AS order_id, o.member_no AS customer_id, o.paid_on AS order_date, o.total AS amount
             FROM orders o"
    [interactions]
    table = "service_log"
    columns = { customer_id = "member_no", date = "logged_on", kind = "contact_type" }  # canonical = database

The rows then go through the file loaders' typing, contracts, issues log, quarantine and load report,
so everything ``load`` promises for files holds. Rows are numbered like the lines of a file with a
header (the first row is 2): by an integer ``source_row`` column when the result has one (what
``crm-analysis generate --format sqlite`` writes, so rows match the teaching files line by line; a mapping
can name a key or line column of your own as ``source_row``), else
in the order of the table's primary key (or the database's order for a query without ``ORDER BY``).

Credentials come from the URL, the environment (:data:`PASSWORD_ENV`, or ``PGPASSWORD``) or ``~/.pgpass``
(libpq reads both); every URL this package shows goes through :func:`mask_url`. ``crm-analysis run`` moves a
password out of the URL into :data:`PASSWORD_ENV` and a mapping file into :data:`MAPPING_ENV` before the
chapters start, so neither the notebooks' parameters nor ``run.json`` carry them.
"""

from __future__ import annotations

import hashlib
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from crm_analysis.core import schema
from crm_analysis.core.crmdata import CRMData, Truth
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.loading.columns import _canonical_table, _Log, _result
from crm_analysis.data.loading.folders import _typed_truth
from crm_analysis.data.loading.text import _drop_blank

#: URL schemes read as SQL databases (SQLAlchemy dialect names, with or without ``+driver``).
SQL_SCHEMES = ("sqlite", "postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle")

#: Tables of the truth of generated data, by :class:`~crm_analysis.core.crmdata.Truth` field.
TRUTH_SQL_TABLES = {"customers": "truth_customers", "defects": "truth_defects"}

#: Environment variable holding the database password when the URL has none.
PASSWORD_ENV = "CRM_ANALYSIS_DB_PASSWORD"
#: Environment variable naming the mapping file when ``load`` is given none (set by ``crm-analysis run``).
MAPPING_ENV = "CRM_ANALYSIS_DB_MAPPING"

#: Load report setting holding the SHA-256 of the rows read from one table, view or query.
ROWS_SHA256 = "rows_sha256"

_QUERY_START = ("select", "with", "(")


def is_sql_url(source: object) -> bool:
    """True if ``source`` is a database URL (``sqlite:///crm.db``, ``postgresql+psycopg://...``).

    Examples
    --------
    >>> is_sql_url("sqlite:///crm.db"), is_sql_url("postgresql+psycopg://u@h/db"), is_sql_url("data/teaching")
    (True, True, False)
    """
    if not isinstance(source, str) or "://" not in source:
        return False
    return source.split("://", 1)[0].split("+", 1)[0].lower() in SQL_SCHEMES


def mask_url(url: str | sa.URL) -> str:
    """The URL with its password replaced by ``***`` (every URL shown in a report, log or error).

    Examples
    --------
    >>> mask_url("postgresql+psycopg://ana:s3cret@db.example/crm")
    'postgresql+psycopg://ana:***@db.example/crm'
    >>> mask_url("sqlite:///crm.db")
    'sqlite:///crm.db'
    """
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        text = str(url)
        scheme, _, rest = text.partition("://")
        user, at, host = rest.rpartition("@")
        return f"{scheme}://{user.split(':')[0]}:***@{host}" if at and ":" in user else text


def make_engine(url: str | sa.URL) -> sa.Engine:
    """A SQLAlchemy engine for ``url``; PostgreSQL through psycopg 3 when no driver is named.

    Raises
    ------
    CRMDataError
        If the URL cannot be parsed (the message shows it masked).

    Examples
    --------
    >>> make_engine("postgresql://u@h/db").dialect.driver
    'psycopg'
    """
    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError as error:
        raise CRMDataError(f"{mask_url(url)}: not a database URL ({type(error).__name__})") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.password is None and parsed.username and os.environ.get(PASSWORD_ENV):  # SQLite has no user
        parsed = parsed.set(password=os.environ[PASSWORD_ENV])
    return sa.create_engine(parsed)


def split_password(url: str) -> tuple[str, str | None]:
    """The URL without its password, and the password (to pass through :data:`PASSWORD_ENV`).

    Examples
    --------
    >>> split_password("postgresql+psycopg://ana:s3cret@db/crm")
    ('postgresql+psycopg://ana@db/crm', 's3cret')
    """
    parsed = sa.make_url(url)
    if parsed.password is None:
        return url, None
    bare = sa.URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database,
                         parsed.query)
    return bare.render_as_string(hide_password=False), parsed.password


def read_mapping(mapping: str | Path | Mapping[str, Any] | None) -> dict[str, dict[str, Any]]:
    """The mapping file as ``{canonical table: {"table" | "query": str, "columns": {canonical: db}}}``.

    Parameters
    ----------
    mapping : path to a TOML file, dict, or None
        Per canonical table: a string (a table or view name, or a query starting with ``SELECT`` /
        ``WITH``) or a table with ``table`` or ``query`` and optional ``columns`` (canonical name =
        database column).

    Raises
    ------
    CRMDataError
        For an unknown canonical table, an entry with neither or both of ``table`` and ``query``,
        or a file that is not TOML (naming the file and line).

    Examples
    --------
    >>> read_mapping({"customers": "members", "transactions": "SELECT * FROM orders"})["transactions"]
    {'query': 'SELECT * FROM orders', 'columns': {}}
    """
    if mapping is None:
        return {}
    where = "mapping"
    if not isinstance(mapping, Mapping):
        where = str(mapping)
        try:
            mapping = tomllib.loads(Path(mapping).read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as error:
            raise CRMDataError(f"{where}: not a valid TOML mapping file ({error})") from None
    known = (*schema.TABLE_NAMES, *TRUTH_SQL_TABLES.values())
    out: dict[str, dict[str, Any]] = {}
    for table, entry in mapping.items():
        if table not in known:
            raise CRMDataError(f"{where}: {table!r} is not a canonical table (known: {', '.join(known)})")
        if isinstance(entry, str):
            key = "query" if entry.strip().lower().startswith(_QUERY_START) else "table"
            entry = {key: entry}
        given = [k for k in ("table", "query") if k in entry]
        if len(given) != 1:
            raise CRMDataError(f"{where}: [{table}] needs exactly one of 'table' or 'query' (found {given or 'none'})")
        unknown = sorted(set(entry) - {"table", "query", "columns"})
        if unknown:
            raise CRMDataError(f"{where}: [{table}] has unknown key(s) {unknown}; use table, query and columns")
        out[table] = {given[0]: entry[given[0]], "columns": dict(entry.get("columns", {}))}
    return out


def _plain_values(frame: pd.DataFrame) -> pd.DataFrame:
    """Driver objects as the file readers give them: ``Decimal`` -> float, ``date`` -> datetime64."""
    out = {}
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object:
            sample = values.dropna()
            first = sample.iloc[0] if len(sample) else None
            if first is not None and type(first).__name__ == "Decimal":
                values = pd.to_numeric(values.astype("Float64"))
            elif first is not None and type(first).__name__ in ("date", "datetime"):
                values = pd.to_datetime(values)
        out[column] = values
    return pd.DataFrame(out, index=frame.index)


def _read_relation(connection: sa.Connection, spec: dict[str, Any], where: str, *,
                   numbered: bool = True) -> pd.DataFrame:
    """Rows of one table or query, numbered like the lines of a file with a header (``numbered``: a
    ``source_row`` column gives the numbers; the truth's ``source_row`` is data)."""
    try:
        if "query" in spec:
            statement: Any = sa.text(spec["query"])
        else:
            schema_name, _, table_name = spec["table"].rpartition(".")
            table = sa.Table(table_name, sa.MetaData(), schema=schema_name or None, autoload_with=connection)
            by_row = [table.c.source_row] if numbered and "source_row" in table.c else []
            statement = sa.select(table).order_by(*([c for c in table.primary_key.columns] or by_row))
        frame = pd.read_sql_query(statement, connection, coerce_float=False)
    except sa.exc.NoSuchTableError:
        raise CRMDataError(f"{where}: the database has no table or view {spec['table']!r}") from None
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as error:
        cause = error.__cause__ if isinstance(error, pd.errors.DatabaseError) else error
        reason = str(getattr(cause, "orig", None) or cause or error).splitlines()[0]
        raise CRMDataError(f"{where}: the database refused the read: {reason}") from None
    renames = {db: canonical for canonical, db in spec["columns"].items()}
    absent = [db for db in renames if db not in frame.columns]
    if absent:
        raise CRMDataError(f"{where}: the mapping names column(s) {', '.join(map(repr, absent))} that the result "
                           f"lacks (columns: {', '.join(map(str, frame.columns))})")
    frame = _plain_values(frame.rename(columns=renames))
    if numbered and "source_row" in frame.columns and pd.api.types.is_integer_dtype(frame["source_row"].dtype) \
            and frame["source_row"].is_unique:
        frame = frame.set_index("source_row")
    else:
        frame.index = pd.Index(np.arange(2, len(frame) + 2), name="source_row")
    frame.index = frame.index.astype("int64").rename("source_row")
    return frame


def _rows_sha256(frame: pd.DataFrame) -> str:
    """SHA-256 of the rows read: the column names, then each row's 64-bit hash (row number and values,
    :func:`pandas.util.hash_pandas_object`), in row order."""
    digest = hashlib.sha256("\t".join(map(str, frame.columns)).encode("utf-8") + b"\n")
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()


def rows_sha256(load_report: Mapping[str, Any] | None) -> str | None:
    """The data hash of a database source: SHA-256 over each table's hash of the rows read.

    ``load_sql`` records, per table, view or query it read, the SHA-256 of the column names and of
    every row's values (:func:`pandas.util.hash_pandas_object` of the rows as read, before typing and
    cleaning, in the order of the row numbers) as the load report setting :data:`ROWS_SHA256`. The
    source's hash combines them, sorted by canonical table name, so the same rows give the same hash
    whatever URL or table names hold them (values as the database returns them: a number kept as text hashes
    differently), and a changed, added or removed row changes it (what ``run.json``'s ``data_sha256`` holds
    for ``--data <url>``; for files it is the files' bytes).

    Parameters
    ----------
    load_report : mapping or None
        :meth:`crm_analysis.core.crmdata.LoadReport.to_dict` of a database load.

    Returns
    -------
    str or None
        64 hex digits; None when the report has no table hashes (not a database source).

    Examples
    --------
    >>> import sqlite3, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> with sqlite3.connect(path) as db:
    ...     _ = db.execute("CREATE TABLE transactions (customer_id TEXT, order_date TEXT, amount REAL)")
    ...     _ = db.execute("INSERT INTO transactions VALUES ('A', '2024-01-01', 10.0)")
    >>> first = rows_sha256(load_sql(f"sqlite:///{path}").load_report.to_dict())
    >>> first == rows_sha256(load_sql(f"sqlite:///{path}").load_report.to_dict()), len(first)
    (True, 64)
    >>> with sqlite3.connect(path) as db:
    ...     _ = db.execute("UPDATE transactions SET amount = 10.5")
    >>> rows_sha256(load_sql(f"sqlite:///{path}").load_report.to_dict()) == first
    False
    >>> rows_sha256({"files": [{"file": "a.csv", "settings": {}}]}) is None
    True
    """
    tables = []
    for entry in (load_report or {}).get("files", []):
        digest = entry.get("settings", {}).get(ROWS_SHA256)
        if digest is not None:
            tables.append(f"{str(entry['file']).rpartition('(')[2].rstrip(')')} {digest['value']}")
    if not tables:
        return None
    return hashlib.sha256("\n".join(sorted(tables)).encode("utf-8")).hexdigest()


def _specs(connection: sa.Connection, mapping: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What to read for each canonical (and truth) table: the mapping, else a table of that name."""
    present = set(sa.inspect(connection).get_table_names()) | set(sa.inspect(connection).get_view_names())
    specs = {}
    for table in (*schema.TABLE_NAMES, *TRUTH_SQL_TABLES.values()):
        if table in mapping:
            specs[table] = mapping[table]
        elif table in present:
            specs[table] = {"table": table, "columns": {}}
    return specs


def load_sql(
    url: str,
    *,
    mapping: str | Path | Mapping[str, Any] | None = None,
    strict: bool = False,
    dayfirst: bool | None = None,
    decimal: str | None = None,
) -> CRMData:
    """Read the canonical tables from a SQL database (what ``load(url)`` does for a database URL).

    Parameters
    ----------
    url : str
        SQLAlchemy 2 URL: ``sqlite:///path/crm.db``, ``postgresql+psycopg://user@host/db`` (MySQL,
        SQL Server and Oracle URLs work with their drivers installed). A password may be in the URL,
        in ``PGPASSWORD`` or in ``~/.pgpass``; it is never shown (:func:`mask_url`).
    mapping : path, dict or None
        Which table, view or query gives each canonical table, and which column is which
        (:func:`read_mapping`); without it, tables named like the canonical ones are read.
    strict, dayfirst, decimal
        As in :func:`crm_analysis.data.loading.load` (text columns are parsed as file values are).

    Returns
    -------
    CRMData
        As :func:`crm_analysis.data.loading.load` returns for files; ``source`` is the masked URL,
        ``source_files`` names each table or query, the load report has one entry per table read.

    Raises
    ------
    CRMDataError
        A database that cannot be reached, a table the database refuses, a mapping column the result
        lacks, a missing required column or a mostly unparseable column: the message names the
        (masked) URL, the table and column and, for values, example rows.

    Examples
    --------
    >>> import sqlite3, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> with sqlite3.connect(path) as db:
    ...     _ = db.execute("CREATE TABLE orders (id TEXT, member TEXT, paid_on TEXT, total REAL)")
    ...     _ = db.execute("INSERT INTO orders VALUES ('O1', 'M7', '2024-03-18', 59.9)")
    >>> data = load_sql(f"sqlite:///{path}", mapping={"transactions": {"table": "orders", "columns": {
    ...     "order_id": "id", "customer_id": "member", "order_date": "paid_on", "amount": "total"}}})
    >>> data.transactions[["order_id", "customer_id", "amount"]].values.tolist()
    [['O1', 'M7', 59.9]]
    >>> data.load_report.files[0].file.endswith("table orders (transactions)")
    True
    """
    shown = mask_url(url)
    specs_given = read_mapping(mapping if mapping is not None else os.environ.get(MAPPING_ENV) or None)
    log = _Log(strict=strict, dayfirst=dayfirst, decimal=decimal)
    engine = make_engine(url)
    tables, files, truth = {}, {}, {}
    try:
        with engine.connect() as connection:
            specs = _specs(connection, specs_given)
            for table, spec in specs.items():
                what = f"table {spec['table']}" if "table" in spec else "query"
                where = f"{shown} {what} ({table})"
                log.current = log.report.file(where)
                log.setting("source", what, "given" if table in specs_given else "detected")
                frame = _read_relation(connection, spec, where, numbered=table not in TRUTH_SQL_TABLES.values())
                log.setting(ROWS_SHA256, _rows_sha256(frame), "detected")
                if table in TRUTH_SQL_TABLES.values():
                    truth[table] = _typed_truth(frame.reset_index(drop=True), table.removeprefix("truth_"))
                    continue
                tables[table] = _canonical_table(_drop_blank(frame, log), table, where, log)
                files[table] = where
    except sa.exc.OperationalError as error:
        secret = sa.make_url(url).password or os.environ.get(PASSWORD_ENV) or "\0"
        reason = str(error.orig or error).splitlines()[0].replace(str(secret), "***")
        raise CRMDataError(f"{shown}: cannot read the database ({reason})") from None
    finally:
        engine.dispose()
    if "customers" not in tables and "transactions" not in tables:
        raise CRMDataError(f"{shown}: no customers or transactions table (tables seen: {sorted(specs)}); name them "
                           "like the canonical tables or give a mapping file (--mapping crm_mapping.toml)")
    from_truth = None
    if set(truth) == set(TRUTH_SQL_TABLES.values()):
        from_truth = Truth(customers=truth["truth_customers"], defects=truth["truth_defects"])
    return _result(log, **tables, truth=from_truth, source=f"database {shown}", source_files=files)


# ----------------------------------------------------------------- results written back (crm-analysis run --write-back)
#: Result columns and their SQL types, in table order (after run_id and customer_id).
RESULT_COLUMNS: dict[str, Any] = {
    "r_score": sa.Integer, "f_score": sa.Integer, "m_score": sa.Integer, "rfm_segment": sa.String(64),
    "abc_tier": sa.String(8), "cluster": sa.Integer, "churn_probability": sa.Float, "churn_reason": sa.String(64),
    "churn_reason_source": sa.String(16), "p_alive": sa.Float, "clv": sa.Float, "value_tier": sa.String(32),
    "service_level": sa.String(32),
}

def result_tables(prefix: str = "crm_", schema: str | None = None) -> tuple[sa.Table, sa.Table]:
    """The ``runs`` and ``customer_results`` tables (SQLAlchemy Core) under ``prefix`` and ``schema``.

    Examples
    --------
    >>> runs, results = result_tables("shop_")
    >>> runs.name, results.name, results.c.clv.type.python_type.__name__
    ('shop_runs', 'shop_customer_results', 'float')
    """
    metadata = sa.MetaData(schema=schema)
    runs = sa.Table(
        f"{prefix}runs", metadata,
        sa.Column("run_id", sa.String(64), primary_key=True), sa.Column("as_of", sa.Date),
        sa.Column("data_sha256", sa.String(64)), sa.Column("parameters", sa.Text),
        sa.Column("status", sa.String(16), nullable=False), sa.Column("error", sa.Text),
        sa.Column("started", sa.DateTime), sa.Column("finished", sa.DateTime),
    )
    results = sa.Table(
        f"{prefix}customer_results", metadata,
        sa.Column("run_id", sa.String(64), sa.ForeignKey(runs.c.run_id), primary_key=True),
        sa.Column("customer_id", sa.String(64), primary_key=True),
        *(sa.Column(name, kind) for name, kind in RESULT_COLUMNS.items()),
    )
    return runs, results


def read_results(url: str, *, run_id: str | None = None, prefix: str = "crm_", schema: str | None = None,
                 status: str = "ok") -> pd.DataFrame:
    """The customer results in the database, joined to their run (``as_of``, ``finished``), oldest run first.

    Parameters
    ----------
    url : str
        The database.
    run_id : str, optional
        Only this run.
    prefix, schema : str
        As in :func:`crm_analysis.app.writeback.write_back`.
    status : str
        Only runs with this status.

    Returns
    -------
    pandas.DataFrame
        ``run_id``, ``as_of``, ``finished``, ``customer_id`` and :data:`RESULT_COLUMNS` (no rows when
        nothing was written back yet).
    """
    runs, table = result_tables(prefix, schema)
    query = (sa.select(table.c.run_id, runs.c.as_of, runs.c.finished, *[c for c in table.columns if c.name != "run_id"])
             .join(runs, runs.c.run_id == table.c.run_id).where(runs.c.status == status)
             .order_by(runs.c.finished, runs.c.run_id, table.c.customer_id))
    if run_id is not None:
        query = query.where(table.c.run_id == run_id)
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table(table.name, schema=schema):  # nothing written back yet
                return pd.DataFrame(columns=["run_id", "as_of", "finished", "customer_id", *RESULT_COLUMNS])
            return pd.read_sql_query(query, connection)
    finally:
        engine.dispose()


def password_of(url: str) -> str | None:
    """The password in ``url`` or ``PGPASSWORD`` (for tests and maskers: never shown).

    Examples
    --------
    >>> password_of("postgresql://u:pw@h/db")
    'pw'
    """
    return sa.make_url(url).password or os.environ.get("PGPASSWORD")


__all__ = [
    "MAPPING_ENV",
    "PASSWORD_ENV",
    "RESULT_COLUMNS",
    "ROWS_SHA256",
    "SQL_SCHEMES",
    "TRUTH_SQL_TABLES",
    "is_sql_url",
    "load_sql",
    "make_engine",
    "mask_url",
    "password_of",
    "read_mapping",
    "read_results",
    "result_tables",
    "rows_sha256",
    "split_password",
]
