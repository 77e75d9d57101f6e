"""Writing a run's results back into the CRM database (``crm-analysis run --write-back``).

Two tables, created if missing, under a table prefix (default ``crm_``) and optional schema:

- ``<prefix>runs``: run id, as-of date, data hash, parameters (JSON), status, error, started, finished;
- ``<prefix>customer_results``: run id, customer id, RFM scores and segment, ABC tier, cluster, churn
  probability, churn reason, P(alive), CLV, value tier, service level (columns a run did not produce
  stay NULL).

One transaction per run: the run's earlier rows (same run id) are replaced, so re-running is idempotent,
and other runs are kept, so the database holds each customer's history. A failed run writes its
``runs`` row with the failure and no results. No personal data is written: only ids and scores.
PostgreSQL rows go through ``COPY`` (psycopg 3), other databases through ``executemany`` batches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pandas as pd
import sqlalchemy as sa

from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.sql import make_engine, mask_url

#: Result columns and their SQL types, in table order (after run_id and customer_id).
RESULT_COLUMNS: dict[str, Any] = {
    "r_score": sa.Integer, "f_score": sa.Integer, "m_score": sa.Integer, "rfm_segment": sa.String(64),
    "abc_tier": sa.String(8), "cluster": sa.Integer, "churn_probability": sa.Float, "churn_reason": sa.String(64),
    "churn_reason_source": sa.String(16), "p_alive": sa.Float, "clv": sa.Float, "value_tier": sa.String(32),
    "service_level": sa.String(32),
}

#: Columns that would carry personal data; refused in the results.
PERSONAL = ("name", "phone", "email", "id_number", "birth_date", "address")


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


def _rows(results: pd.DataFrame, run_id: str) -> list[tuple[Any, ...]]:
    leaked = [c for c in results.columns if c in PERSONAL]
    if leaked:
        raise CRMDataError(f"write-back refuses personal data: column(s) {', '.join(leaked)} (only ids and scores)")
    frame = results.reindex(columns=list(RESULT_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    ids = results.index.astype("string")
    return [(run_id, str(c), *values) for c, values in zip(ids, frame.itertuples(index=False, name=None),
                                                           strict=True)]


def _copy_rows(connection: sa.Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` through psycopg 3 (the fast path for a million rows)."""
    raw = connection.connection.driver_connection
    name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def write_back(
    url: str,
    *,
    run_id: str,
    status: str,
    results: pd.DataFrame | None = None,
    as_of: Any = None,
    data_sha256: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    started: Any = None,
    finished: Any = None,
    error: str | None = None,
    prefix: str = "crm_",
    schema: str | None = None,
    batch_size: int = 50_000,
) -> int:
    """Write one run's row and its customer results in one transaction; returns the result rows written.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the database (the password is never shown: :func:`~crm_analysis.data.sql.mask_url`).
    run_id : str
        The run's id; its earlier rows are replaced (idempotent).
    status : {"ok", "failed"}
        A failed run writes its ``runs`` row (with ``error``) and no results.
    results : pandas.DataFrame, optional
        Indexed by customer id, with any of :data:`RESULT_COLUMNS` (others NULL). Personal-data
        columns (:data:`PERSONAL`) raise.
    as_of, data_sha256, parameters, started, finished, error
        What ``run.json`` records of the run.
    prefix, schema : str
        Table prefix and database schema (PostgreSQL; created if missing).
    batch_size : int
        Rows per ``executemany`` batch (databases other than PostgreSQL).

    Returns
    -------
    int
        Result rows written (0 for a failed run).

    Raises
    ------
    CRMDataError
        Unknown status, personal data in ``results``, or a database error (URL masked).

    Examples
    --------
    >>> import tempfile, os
    >>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> res = pd.DataFrame({"rfm_segment": ["champions"], "clv": [120.5]}, index=pd.Index(["C1"], name="customer_id"))
    >>> write_back(url, run_id="r1", status="ok", results=res, as_of="2025-12-31")
    1
    >>> write_back(url, run_id="r1", status="ok", results=res)  # the same run again: replaced, not doubled
    1
    >>> read_results(url)[["run_id", "customer_id", "rfm_segment", "clv"]].values.tolist()
    [['r1', 'C1', 'champions', 120.5]]
    """
    if status not in ("ok", "failed"):
        raise CRMDataError(f"write-back status must be 'ok' or 'failed', not {status!r}")
    rows = _rows(results, run_id) if status == "ok" and results is not None else []
    runs, table = result_tables(prefix, schema)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if schema and engine.dialect.name == "postgresql":
                connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            runs.metadata.create_all(connection)
            connection.execute(table.delete().where(table.c.run_id == run_id))
            connection.execute(runs.delete().where(runs.c.run_id == run_id))
            connection.execute(runs.insert().values(
                run_id=run_id, as_of=pd.Timestamp(as_of).date() if as_of is not None else None,
                data_sha256=data_sha256, parameters=json.dumps(dict(parameters or {}), default=str, sort_keys=True),
                status=status, error=error, started=pd.Timestamp(started).to_pydatetime() if started else None,
                finished=pd.Timestamp(finished).to_pydatetime() if finished else None))
            if rows and engine.dialect.name == "postgresql":
                _copy_rows(connection, table, rows)
            else:
                names = [c.name for c in table.columns]
                for start in range(0, len(rows), batch_size):
                    connection.execute(table.insert(), [dict(zip(names, r, strict=True))
                                                        for r in rows[start:start + batch_size]])
    except (sa.exc.SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as failure:  # COPY raises the driver's
        reason = str(getattr(failure, "orig", None) or failure).splitlines()[0]
        raise CRMDataError(f"{mask_url(url)}: write-back of run {run_id!r} failed, nothing written ({reason})") \
            from None
    finally:
        engine.dispose()
    return len(rows)


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
        As in :func:`write_back`.
    status : str
        Only runs with this status.

    Returns
    -------
    pandas.DataFrame
        ``run_id``, ``as_of``, ``finished``, ``customer_id`` and :data:`RESULT_COLUMNS`.
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
            return pd.read_sql_query(query, connection)
    finally:
        engine.dispose()


__all__ = ["PERSONAL", "RESULT_COLUMNS", "read_results", "result_tables", "write_back"]
