"""The customer summary computed by the CRM's own database (``engine="sql"``): SQLite and PostgreSQL.

When the transaction lines live in a SQL database and are many, :func:`rfm_summary_sql` sends the
pandas engine's definitions (:func:`crm_analysis.features.summary.rfm_summary`, the line rule of
:mod:`crm_analysis.features.lines`) to the database as ``GROUP BY`` queries, so only one row per customer
crosses the wire. Dates become whole day numbers in SQL, so the same statement runs on SQLite (dates as ISO
text) and PostgreSQL (``date``, ``timestamp`` or ISO text). Tests check it against the pandas engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pandas as pd
import sqlalchemy as sa

from crm_analysis.data.sql import make_engine, mask_url, read_mapping
from crm_analysis.features.lines import ADJUSTMENT, IGNORED, PURCHASE, RETURN, line_rule_sql
from crm_analysis.features.sql import _LEVEL_COLUMNS, _check_source, _finish, _null_check_sql, _sql_features
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
    with _checked_source(url, table, mapping) as (connection, relation, columns, dialect):
        sql = summary_sql(relation, columns, end=end, cal=cal, unit=unit, holdout=calibration_end is not None,
                          dialect=dialect)
        result = pd.read_sql_query(sa.text(sql), connection)
    return _finish(result)


@contextmanager
def _checked_source(url: str | sa.Engine, table: str, mapping: Any) -> Iterator[tuple[sa.Connection, str, list[str],
                                                                                      str]]:
    """A connection, the transactions relation, its columns and the dialect, after checking the required columns
    and their missing values (:class:`CRMDataError` naming the masked URL and the table)."""
    engine = url if isinstance(url, sa.Engine) else make_engine(url)
    dialect = engine.dialect.name
    if dialect not in SQL_DIALECTS:
        raise ValueError(f"engine='sql' speaks {', '.join(SQL_DIALECTS)}, not {dialect}")
    relation = _relation(table, mapping)
    try:
        with engine.connect() as connection:
            columns = list(connection.execute(sa.text(f"SELECT * FROM {relation} LIMIT 0")).keys())
            nulls = (connection.execute(sa.text(_null_check_sql(relation, "duckdb").replace("VARCHAR", "TEXT")))
                     .fetchone() if {"customer_id", "order_date", "amount"} <= set(columns) else (0,) * 4)
            _check_source(f"{mask_url(engine.url)} {relation}", columns, nulls)
            yield connection, relation, columns, dialect
    finally:
        if not isinstance(url, sa.Engine):
            engine.dispose()


def _micros(column: str, dialect: str) -> str:
    """Microseconds since 1970-01-01 00:00 of a date, timestamp or ISO text column (an integer)."""
    if dialect == "sqlite":  # julianday is exact to about 50 microseconds: SQLite keeps milliseconds
        return f"CAST(ROUND((julianday({column}) - 2440587.5) * 86400000.0) AS INTEGER) * 1000"
    return f"CAST(ROUND(EXTRACT(EPOCH FROM CAST({column} AS TIMESTAMP)) * 1000000) AS BIGINT)"


def _lines_cte(relation: str, columns: list[str], as_of: pd.Timestamp, dialect: str) -> str:
    """CTEs ending in ``lines``: the purchase, return and adjustment lines before ``as_of`` (the rule of
    :mod:`crm_analysis.features.lines`) with instant ``t`` (microseconds), day ``d``, ``kind``, ``money``,
    ``order_key`` (order id, or ``day:YYYY-MM-DD`` where it is missing) and ``counted`` (1 when the line is a
    purchase on a purchase occasion: its day is not returned the same day)."""
    real = _REAL[dialect]
    kind, money = (e.replace("AS DOUBLE)", f"AS {real})") for e in line_rule_sql(columns, "TEXT"))
    day_text = "date(order_date)" if dialect == "sqlite" else "TO_CHAR(CAST(order_date AS DATE), 'YYYY-MM-DD')"
    order_key = f"COALESCE(CAST(order_id AS TEXT), 'day:' || {day_text})" if "order_id" in columns \
        else f"'day:' || {day_text}"
    levels = "".join(f", CAST({c} AS TEXT) AS {c}" for c in _LEVEL_COLUMNS if c in columns)
    as_of_us = (as_of - pd.Timestamp("1970-01-01")) // pd.Timedelta(microseconds=1)
    return f"""
    kinds AS (
        SELECT CAST(customer_id AS TEXT) AS customer_id, {_micros("order_date", dialect)} AS t,
            {_day("order_date", dialect)} AS d, CAST(amount AS {real}) AS amount, {kind} AS kind, {money} AS money,
            {order_key} AS order_key{levels}
        FROM {relation}
    ),
    used AS (SELECT * FROM kinds WHERE t < {as_of_us} AND kind <> {IGNORED}),
    days AS (
        SELECT customer_id, d, CASE WHEN ROUND(CAST(SUM(money) AS NUMERIC), 6) > 0
            OR COUNT(CASE WHEN kind = {RETURN} THEN 1 END) = 0 THEN 1 ELSE 0 END AS day_counted
        FROM used WHERE kind IN ({PURCHASE}, {RETURN})
        GROUP BY customer_id, d
    ),
    lines AS (
        SELECT u.*, CASE WHEN u.kind = {PURCHASE} AND days.day_counted = 1 THEN 1 ELSE 0 END AS counted
        FROM used u LEFT JOIN days ON u.customer_id = days.customer_id AND u.d = days.d
    )"""


_REAL = {"sqlite": "REAL", "postgresql": "DOUBLE PRECISION"}


def features_sql(relation: str, columns: list[str], *, as_of: pd.Timestamp, trend_period_days: int,
                 dialect: str) -> str:
    """The per-customer statement of :func:`customer_features_sql` for ``dialect`` (``"sqlite"``, ``"postgresql"``).

    Examples
    --------
    >>> sql = features_sql("transactions", ["customer_id", "order_date", "amount"], as_of=pd.Timestamp("2024-06-01"),
    ...                    trend_period_days=182, dialect="postgresql")
    >>> "GROUP BY customer_id" in sql and "COUNT(DISTINCT CASE WHEN counted = 1 THEN order_key END)" in sql
    True
    """
    real, zero = _REAL[dialect], f"CAST(0 AS {_REAL[dialect]})"
    as_of_d = (as_of.normalize() - pd.Timestamp("1970-01-01")).days
    period_us = pd.Timedelta(days=trend_period_days) // pd.Timedelta(microseconds=1)
    as_of_us = (as_of - pd.Timestamp("1970-01-01")) // pd.Timedelta(microseconds=1)
    last_start, prev_start = as_of_us - period_us, as_of_us - 2 * period_us
    return f"""
    WITH {_lines_cte(relation, columns, as_of, dialect)},
    per_customer AS (
        SELECT customer_id,
            MIN(CASE WHEN kind = {PURCHASE} THEN t END) AS first_t,
            MAX(CASE WHEN kind = {PURCHASE} THEN t END) AS last_t,
            MIN(CASE WHEN kind = {PURCHASE} THEN d END) AS first_d,
            MAX(CASE WHEN kind = {PURCHASE} THEN d END) AS last_d,
            COUNT(DISTINCT CASE WHEN counted = 1 THEN order_key END) AS n_orders,
            COUNT(DISTINCT CASE WHEN counted = 1 THEN d END) AS n_days,
            SUM(CASE WHEN kind = {PURCHASE} THEN amount ELSE {zero} END) AS gross,
            SUM(CASE WHEN kind = {RETURN} THEN -money ELSE {zero} END) AS returns_value,
            SUM(CASE WHEN kind = {ADJUSTMENT} THEN money ELSE {zero} END) AS adjustments,
            SUM(CASE WHEN kind = {PURCHASE} AND t >= {last_start} THEN amount ELSE {zero} END) AS spend_last,
            SUM(CASE WHEN kind = {PURCHASE} AND t >= {prev_start} AND t < {last_start} THEN amount ELSE {zero} END)
                AS spend_prev
        FROM lines
        GROUP BY customer_id
        HAVING COUNT(CASE WHEN kind = {PURCHASE} THEN 1 END) > 0
    )
    SELECT customer_id,
        {as_of_d} - last_d AS recency_days,
        n_orders,
        gross - returns_value + adjustments AS monetary,
        gross AS gross_spend,
        returns_value,
        adjustments,
        {as_of_d} - first_d AS tenure_days,
        CASE WHEN n_orders > 0 THEN gross / n_orders END AS avg_order_value,
        CASE WHEN n_days > 1 THEN CAST(last_d - first_d AS {real}) / (n_days - 1) END AS mean_interpurchase_days,
        CASE WHEN gross > 0 THEN returns_value / gross END AS return_rate,
        spend_last AS spend_last_period,
        spend_prev AS spend_prev_period,
        CASE WHEN spend_last + spend_prev <> 0 THEN (spend_last - spend_prev) / (spend_last + spend_prev)
            ELSE {zero} END AS spend_trend,
        first_t AS first_purchase,
        last_t AS last_purchase
    FROM per_customer
    ORDER BY customer_id"""


def _exact_sum(expression: str, dialect: str) -> str:
    """A sum without rounding error (so the main level is chosen as pandas' compensated sums choose it):
    NUMERIC in PostgreSQL, whole micro-units in SQLite."""
    if dialect == "sqlite":
        return f"SUM(CAST(ROUND(({expression}) * 1000000) AS INTEGER)) / 1000000.0"
    return f"CAST(SUM(CAST({expression} AS NUMERIC)) AS DOUBLE PRECISION)"


def level_sql(relation: str, columns: list[str], level: str, *, as_of: pd.Timestamp, dialect: str) -> str:
    """Purchase spend (all and positive lines) per customer and level of ``level`` (one row per pair).

    Examples
    --------
    >>> "GROUP BY customer_id, sales_channel" in level_sql("tx", ["customer_id", "order_date", "amount",
    ...     "sales_channel"], "sales_channel", as_of=pd.Timestamp("2024-06-01"), dialect="sqlite")
    True
    """
    return f"""
    WITH {_lines_cte(relation, columns, as_of, dialect)}
    SELECT customer_id, {level}, {_exact_sum("amount", dialect)} AS spend,
        {_exact_sum("CASE WHEN amount > 0 THEN amount END", dialect)} AS positive_spend
    FROM lines
    WHERE kind = {PURCHASE}
    GROUP BY customer_id, {level}"""


def customer_features_sql(
    url: str | sa.Engine,
    *,
    as_of: Any,
    trend_period_days: int = 182,
    max_categories: int = 8,
    table: str = "transactions",
    mapping: Any = None,
) -> pd.DataFrame:
    """The transaction features of :func:`~crm_analysis.features.customer_features` computed inside SQLite or
    PostgreSQL: ``GROUP BY`` queries send one row per customer (and per customer and category) over the wire.

    The definitions are the pandas engine's (:mod:`crm_analysis.features.customer`, the line rule of
    :mod:`crm_analysis.features.lines`: returns, cancellations, adjustment and zero-price lines, a missing
    status); tests check the values against it on both databases. Instants are kept to the millisecond
    (SQLite) or microsecond (PostgreSQL); category and channel spend are summed exactly (NUMERIC, or whole
    micro-units in SQLite), so the main level is the pandas engine's.

    Parameters
    ----------
    url : str or sqlalchemy.Engine
        The database holding the (clean) transaction lines.
    as_of : date-like
        Analysis date; only lines before it count.
    trend_period_days, max_categories
        As in :func:`~crm_analysis.features.customer_features`.
    table, mapping
        As in :func:`rfm_summary_sql`; the table may also carry ``unit_price``, ``product_category`` and
        ``sales_channel``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted, string): ``recency_days``, ``n_orders``, ``monetary``, ...,
        ``first_purchase``, ``last_purchase`` (datetime64), with categories ``share_<category>`` and
        ``main_category``, with channels ``main_sales_channel``.

    Raises
    ------
    ValueError, crm_analysis.core.errors.CRMDataError
        As :func:`rfm_summary_sql`: another database; a required column missing or with missing values.

    Examples
    --------
    >>> import sqlite3, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "features.db")
    >>> with sqlite3.connect(path) as db:
    ...     _ = db.execute("CREATE TABLE transactions (customer_id TEXT, order_id TEXT, order_date TEXT, "
    ...                    "amount REAL, status TEXT)")
    ...     _ = db.executemany("INSERT INTO transactions VALUES (?, ?, ?, ?, ?)", [
    ...         ("A", "1", "2024-01-01", 100.0, "completed"), ("A", "2", "2024-03-01", 50.0, "completed"),
    ...         ("A", "2", "2024-03-05", -20.0, "returned"), ("B", "3", "2024-02-01", 10.0, "completed")])
    >>> f = customer_features_sql(f"sqlite:///{path}", as_of="2024-04-01")
    >>> f[["recency_days", "n_orders", "monetary", "avg_order_value", "return_rate"]]
                 recency_days  n_orders  monetary  avg_order_value  return_rate
    customer_id
    A                      31         2     130.0             75.0     0.133333
    B                      60         1      10.0             10.0     0.000000
    """
    as_of_ts = pd.Timestamp(as_of)

    with _checked_source(url, table, mapping) as (connection, relation, columns, dialect):
        def run(sql: str) -> pd.DataFrame:
            frame = pd.read_sql_query(sa.text(sql), connection)
            for column in ("first_purchase", "last_purchase"):
                if column in frame:
                    frame[column] = pd.to_datetime(frame[column].astype("int64"), unit="us")
            return frame

        return _sql_features(
            run, relation, columns, as_of=as_of_ts, trend_period_days=trend_period_days,
            max_categories=max_categories, dialect=dialect, date_dtype="datetime64[ns]", amount_dtype="float64",
            statements=(features_sql(relation, columns, as_of=as_of_ts, trend_period_days=trend_period_days,
                                     dialect=dialect),
                        lambda level: level_sql(relation, columns, level, as_of=as_of_ts, dialect=dialect)))


__all__ = ["SQL_DIALECTS", "customer_features_sql", "features_sql", "level_sql", "rfm_summary_sql", "summary_sql"]
