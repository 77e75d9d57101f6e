"""The customer summary and features on DuckDB: out of core, on one machine.

For files larger than memory, :func:`rfm_summary_duckdb` and :func:`customer_features_duckdb` run the
pandas engine's definitions as SQL straight on Parquet or CSV files (or a DataFrame), spilling to disk
under a memory limit. Both give the pandas engine's tables (tests check it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq

from crm_analysis.data.parsers import choose_zone, local_times, sql_time_zone
from crm_analysis.features.checks import _validate_transactions
from crm_analysis.features.sql import _check_source, _finish, _null_check_sql, _sql_features, _summary_sql
from crm_analysis.features.summary import _period


def _duckdb_relation(source: str | Path | Sequence[str | Path] | pd.DataFrame) -> tuple[str, Any]:
    """SQL text for reading ``source`` and the object to register (for a DataFrame)."""
    if isinstance(source, pd.DataFrame):
        return "transactions_frame", source
    paths = [str(p) for p in ([source] if isinstance(source, (str, Path)) else source)]
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    suffixes = {Path(p.split("*")[0]).suffix.lower() or Path(p).suffix.lower() for p in paths}
    reader = "read_parquet" if suffixes <= {".parquet", ".pq"} else "read_csv_auto"
    return f"{reader}([{quoted}])", None


def _business_time(connection: Any, relation: str, frame: pd.DataFrame | None, time_zone: str | None) -> Any:
    """The one time-zone rule (:func:`crm_analysis.data.parsers.choose_zone`) before days are taken.

    A DataFrame's tz-aware ``order_date`` becomes local times (:func:`~crm_analysis.data.parsers.local_times`);
    for files read by DuckDB with zoned times (``TIMESTAMP WITH TIME ZONE``), the session time zone is
    set to ``time_zone`` or the data's own zone: the Parquet column's zone, or the UTC offsets written
    in a CSV's text. Returns the frame to register (``None`` for files).
    """
    if frame is not None:
        if "order_date" in frame and pd.api.types.is_datetime64_any_dtype(frame["order_date"]):
            frame = frame.assign(order_date=local_times(frame["order_date"], time_zone=time_zone)[0])
        return frame
    kinds = dict(connection.execute(f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM {relation})")
                 .fetchall())
    if kinds.get("order_date") != "TIMESTAMP WITH TIME ZONE":
        return None
    if relation.startswith("read_parquet(") and not time_zone:
        files = [r[0] for r in connection.execute(f"SELECT DISTINCT filename FROM {relation[:-1]}, filename=true)")
                 .fetchall()]
        zones = pd.Series([str(pq.read_schema(f).field("order_date").type.tz or "UTC") for f in files]).value_counts()
    elif not time_zone:
        text = f"{relation[:-1]}, all_varchar=true)"
        zones = dict(connection.execute(
            rf"SELECT regexp_extract(trim(order_date), '(Z|[+-]\d{{2}}:?\d{{2}})$', 1) AS z, COUNT(*) FROM "
            f"(SELECT order_date, row_number() OVER () AS n FROM {text}) WHERE z <> '' GROUP BY z ORDER BY MIN(n)"
        ).fetchall())  # in order of first appearance: a tie goes to the first seen, as in the loader
    zone = choose_zone(zones if not time_zone else {}, time_zone)[0]
    connection.execute(f"SET TimeZone = '{sql_time_zone(zone)}'")
    return None


def _duckdb_connect(memory_limit: str | None, threads: int | None, temp_directory: str | Path | None) -> Any:
    """An in-memory DuckDB connection; a memory limit makes large inputs spill to ``temp_directory``."""
    config: dict[str, Any] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    return duckdb.connect(config=config)


def rfm_summary_duckdb(
    source: str | Path | Sequence[str | Path] | pd.DataFrame,
    *,
    as_of: Any,
    calibration_end: Any = None,
    time_unit: str = "D",
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | Path | None = None,
    time_zone: str | None = None,
) -> pd.DataFrame:
    """:func:`~crm_analysis.features.rfm_summary` computed by DuckDB, straight from files.

    Parameters
    ----------
    source : path, list of paths, glob, or pandas.DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``, optional ``status``)
        as Parquet or CSV files (a glob such as ``"tx/*.parquet"`` reads a folder of parts).
    as_of, calibration_end, time_unit
        As in :func:`~crm_analysis.features.rfm_summary`.
    memory_limit : str, optional
        DuckDB memory limit such as ``"500MB"``; beyond it DuckDB spills to ``temp_directory``,
        so inputs larger than memory work.
    threads : int, optional
        Worker threads (default: all cores).
    temp_directory : path, optional
        Where DuckDB spills.
    time_zone : str, optional
        Business time zone for zoned times, as in :func:`~crm_analysis.features.rfm_summary`; default:
        the data's own zone (a Parquet column's zone, or the offsets written in a CSV).

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), the same columns as the pandas engine.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-08", "2024-01-05"]),
    ...                    "amount": [10.0, 20.0, 7.0]})
    >>> rfm_summary_duckdb(tx, as_of="2024-01-15")
                 frequency  recency     T  monetary_value
    customer_id
    A                    1      7.0  14.0            20.0
    B                    0      0.0  10.0             0.0
    """
    end, cal, unit = _period(as_of, calibration_end, time_unit)
    relation, frame = _duckdb_relation(source)
    with _duckdb_connect(memory_limit, threads, temp_directory) as connection:
        frame = _business_time(connection, relation, frame, time_zone)
        if frame is not None:
            connection.register(relation, frame)
        columns = [c[0] for c in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        sql = _summary_sql(relation, columns=columns, end=end, cal=cal, unit=unit,
                           holdout=calibration_end is not None)
        result = connection.execute(sql).df()
    return _finish(result)


def customer_features_duckdb(
    source: str | Path | Sequence[str | Path] | pd.DataFrame,
    *,
    as_of: Any,
    trend_period_days: int = 182,
    max_categories: int = 8,
    memory_limit: str | None = None,
    threads: int | None = None,
    temp_directory: str | Path | None = None,
) -> pd.DataFrame:
    """The transaction features of :func:`~crm_analysis.features.customer_features`, computed by DuckDB.

    The lines are reduced to one row per customer in SQL, straight from a DataFrame or from Parquet
    or CSV files, so inputs larger than memory work under ``memory_limit``. Only the per-customer
    result and the spend per customer and category/channel come back to pandas.

    Parameters
    ----------
    source : path, list of paths, glob, or pandas.DataFrame
        Canonical transactions: ``customer_id``, ``order_date``, ``amount``; optional ``status``,
        ``order_id``, ``product_category``, ``sales_channel`` (used as the pandas engine uses them).
    as_of : date-like
        Analysis date; only lines strictly before it count.
    trend_period_days : int, default 182
        Length of each of the two periods compared by ``spend_trend``.
    max_categories : int, default 8
        Largest number of ``share_<category>`` columns; smaller categories are pooled as ``other``.
    memory_limit : str, optional
        DuckDB memory limit such as ``"500MB"``; beyond it DuckDB spills to ``temp_directory``.
    threads : int, optional
        Worker threads (default: all cores).
    temp_directory : path, optional
        Where DuckDB spills.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (sorted), the columns and values of the pandas engine without the
        interaction and customer-card columns: ``recency_days`` ... ``last_purchase``, then
        ``share_<category>``, ``main_category`` and ``main_sales_channel`` where the data has them.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a required column is missing or has missing values.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A", "B"], "order_id": ["1", "2", "2", "3"],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-03-05", "2024-02-01"]),
    ...                    "amount": [100.0, 50.0, -20.0, 10.0],
    ...                    "status": ["completed", "completed", "returned", "completed"]})
    >>> f = customer_features_duckdb(tx, as_of="2024-04-01")
    >>> f[["recency_days", "n_orders", "monetary", "avg_order_value", "return_rate"]]
                 recency_days  n_orders  monetary  avg_order_value  return_rate
    customer_id
    A                      31          2     130.0             75.0     0.133333
    B                      60          1      10.0             10.0     0.000000
    """
    as_of_ts = pd.Timestamp(as_of)
    relation, frame = _duckdb_relation(source)
    if frame is not None:
        _validate_transactions(frame, {"customer": "customer_id", "date": "order_date", "amount": "amount"})
    with _duckdb_connect(memory_limit, threads, temp_directory) as connection:
        frame = _business_time(connection, relation, frame, None)
        if frame is not None:
            connection.register(relation, frame)
        columns = [c[0] for c in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        if frame is None:
            nulls = (connection.execute(_null_check_sql(relation, "duckdb")).fetchone()
                     if "customer_id" in columns and "order_date" in columns and "amount" in columns else (0,) * 4)
            _check_source(str(source), columns, nulls)
        return _sql_features(
            lambda sql: connection.execute(sql).df(), relation, columns, as_of=as_of_ts,
            trend_period_days=trend_period_days, max_categories=max_categories, dialect="duckdb",
            date_dtype=frame["order_date"].dtype if frame is not None else "datetime64[ns]",
            amount_dtype=frame["amount"].dtype if frame is not None else "float64",
        )
