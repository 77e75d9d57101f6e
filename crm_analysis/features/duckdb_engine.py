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
