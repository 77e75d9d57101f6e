"""The customer summary computed by the CRM's own database (``engine="sql"``): SQLite and PostgreSQL.

When the transaction lines live in a SQL database and are many, :func:`rfm_summary_sql` sends the
pandas engine's definitions (:func:`crm_analysis.features.summary.rfm_summary`, the line rule of
:mod:`crm_analysis.features.lines`) to the database as ``GROUP BY`` queries, so only one row per customer
crosses the wire. Dates become whole day numbers in SQL, so the same statement runs on SQLite (dates as ISO
text) and PostgreSQL (``date``, ``timestamp`` or ISO text). Tests check it against the pandas engine.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import sqlalchemy as sa

from crm_analysis.data.sql import make_engine, mask_url, read_mapping
from crm_analysis.features.lines import PURCHASE, RETURN, line_rule_sql
from crm_analysis.features.sql import _check_source, _finish, _null_check_sql
from crm_analysis.features.summary import _period

#: Databases whose SQL :func:`rfm_summary_sql` speaks.
SQL_DIALECTS = ("sqlite", "postgresql")


def _day(column: str, dialect: str) -> str:
    """Whole days since 1970-01-01 of a date, timestamp or ISO text column."""
    if dialect == "sqlite":
        return f"CAST(julianday(date({column})) - 2440587.5 AS INTEGER)"
    return f"(CAST({column} AS DATE) - DATE '1970-01-01')"


def _relation(table: str, mapping: Any) -> str:
    """The transactions as SQL: a table, or the mapping's table (renamed columns) or query."""
    spec = read_mapping(mapping).get("transactions") if mapping is not None else None
    if spec is None:
        return table
    if "query" in spec:
        return f"({spec['query']}) AS tx"
    renamed = ", ".join(f"{db} AS {canonical}" for canonical, db in spec["columns"].items()) or "*"
    return f"(SELECT {renamed} FROM {spec['table']}) AS tx"


def summary_sql(relation: str, columns: list[str], *, end: pd.Timestamp, cal: pd.Timestamp, unit: float,
                holdout: bool, dialect: str) -> str:
    """The summary statement for ``dialect`` (``"sqlite"`` or ``"postgresql"``).

    Examples
    --------
    >>> sql = summary_sql("transactions", ["customer_id", "order_date", "amount"], end=pd.Timestamp("2024-01-15"),
    ...                   cal=pd.Timestamp("2024-01-15"), unit=1.0, holdout=False, dialect="postgresql")
    >>> "GROUP BY customer_id, d" in sql and "DOUBLE PRECISION" in sql
    True
    """
    real = "DOUBLE PRECISION" if dialect == "postgresql" else "REAL"
    kind, money = (e.replace("AS DOUBLE)", f"AS {real})") for e in line_rule_sql(columns, "VARCHAR"))
    epoch = pd.Timestamp("1970-01-01")
    end_d, cal_d = (end - epoch).days, (cal - epoch).days
    holdout_columns = (
        f""",
        SUM(CASE WHEN d > {cal_d} THEN 1 ELSE 0 END) AS frequency_holdout,
        COALESCE(AVG(CASE WHEN d > {cal_d} THEN a END), 0.0) AS monetary_value_holdout,
        CAST({(end_d - cal_d) / unit!r} AS {real}) AS duration_holdout"""
        if holdout else ""
    )
    return f"""
    WITH kinds AS (
        SELECT CAST(customer_id AS VARCHAR(255)) AS customer_id, {_day("order_date", dialect)} AS d,
            {kind} AS kind, {money} AS money
        FROM {relation}
    ),
    occasions AS (
        SELECT customer_id, d, SUM(money) AS a
        FROM kinds
        WHERE kind IN ({PURCHASE}, {RETURN}) AND d <= {end_d}
        GROUP BY customer_id, d
        HAVING ROUND(CAST(SUM(money) AS NUMERIC), 6) > 0 OR COUNT(CASE WHEN kind = {RETURN} THEN 1 END) = 0
    ),
    firsts AS (
        SELECT customer_id, d, a, MIN(d) OVER (PARTITION BY customer_id) AS first_d FROM occasions
    ),
    per_customer AS (
        SELECT customer_id, MIN(d) AS first_d,
            MAX(CASE WHEN d <= {cal_d} THEN d END) AS last_d,
            SUM(CASE WHEN d <= {cal_d} THEN 1 ELSE 0 END) AS n_cal,
            SUM(CASE WHEN d <= {cal_d} THEN a END) AS value_cal,
            SUM(CASE WHEN d = first_d THEN a END) AS first_a{holdout_columns}
        FROM firsts
        GROUP BY customer_id
    )
    SELECT customer_id,
        n_cal - 1 AS frequency,
        (last_d - first_d) / CAST({unit!r} AS {real}) AS recency,
        ({cal_d} - first_d) / CAST({unit!r} AS {real}) AS "T",
        CASE WHEN n_cal > 1 THEN (value_cal - first_a) / (n_cal - 1) ELSE 0.0 END AS monetary_value
        {", frequency_holdout, monetary_value_holdout, duration_holdout" if holdout else ""}
    FROM per_customer
    WHERE first_d <= {cal_d}
    ORDER BY customer_id
    """


def rfm_summary_sql(
    url: str | sa.Engine,
    *,
    as_of: Any,
    calibration_end: Any = None,
    time_unit: str = "D",
    table: str = "transactions",
    mapping: Any = None,
) -> pd.DataFrame:
    """:func:`~crm_analysis.features.rfm_summary` computed inside a SQLite or PostgreSQL database.

    Parameters
    ----------
    url : str or sqlalchemy.Engine
        The database holding the (clean) transaction lines.
    as_of, calibration_end, time_unit
        As in :func:`~crm_analysis.features.rfm_summary`.
    table : str, default "transactions"
        Table or view of canonical transactions (``customer_id``, ``order_date``, ``amount``; optional
        ``status``, ``order_id``, ``stock_code``).
    mapping : path or dict, optional
        A mapping file (:func:`crm_analysis.data.sql.read_mapping`) whose ``transactions`` entry names the
        table and columns, or a query.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted): the pandas engine's columns and values.

    Raises
    ------
    ValueError
        For a database other than SQLite or PostgreSQL.
    crm_analysis.core.errors.CRMDataError
        If a required column is missing or has missing values (naming the database and table).

    Examples
    --------
    >>> import sqlite3, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> with sqlite3.connect(path) as db:
    ...     _ = db.execute("CREATE TABLE transactions (customer_id TEXT, order_date TEXT, amount REAL)")
    ...     _ = db.executemany("INSERT INTO transactions VALUES (?, ?, ?)", [("A", "2024-01-01", 10.0),
    ...                        ("A", "2024-01-08", 20.0), ("B", "2024-01-05", 7.0)])
    >>> rfm_summary_sql(f"sqlite:///{path}", as_of="2024-01-15")
                 frequency  recency     T  monetary_value
    customer_id
    A                    1      7.0  14.0            20.0
    B                    0      0.0  10.0             0.0
    """
    end, cal, unit = _period(as_of, calibration_end, time_unit)
    engine = url if isinstance(url, sa.Engine) else make_engine(url)
    dialect = engine.dialect.name
    if dialect not in SQL_DIALECTS:
        raise ValueError(f"engine='sql' speaks {', '.join(SQL_DIALECTS)}, not {dialect}")
    relation = _relation(table, mapping)
    try:
        with engine.connect() as connection:
            columns = list(connection.execute(sa.text(f"SELECT * FROM {relation} LIMIT 0")).keys())
            nulls = (connection.execute(sa.text(_null_check_sql(relation, "duckdb").replace("VARCHAR", "VARCHAR(255)")))
                     .fetchone() if {"customer_id", "order_date", "amount"} <= set(columns) else (0,) * 4)
            _check_source(f"{mask_url(engine.url)} {relation}", columns, nulls)
            sql = summary_sql(relation, columns, end=end, cal=cal, unit=unit, holdout=calibration_end is not None,
                              dialect=dialect)
            result = pd.read_sql_query(sa.text(sql), connection)
    finally:
        if not isinstance(url, sa.Engine):
            engine.dispose()
    return _finish(result)


__all__ = ["SQL_DIALECTS", "rfm_summary_sql", "summary_sql"]
