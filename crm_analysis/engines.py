"""The customer summary on other engines: DuckDB (out of core, one machine) and Apache Spark (a cluster).

The heavy step of every chapter is the reduction of transaction lines to one row per customer.
:func:`crm_analysis.features.rfm_summary` does it in memory with pandas and numpy. For files larger
than memory, :func:`rfm_summary_duckdb` runs the same definitions as SQL straight on Parquet or CSV
files, spilling to disk under a memory limit; for logs in a data lake, :func:`rfm_summary_spark` runs
them on a ``pyspark.sql.DataFrame``. All three give the same table (tests check it), so the notebooks
take the customer table from whichever engine computed it.

The definitions (see :func:`crm_analysis.features.rfm_summary`): completed lines only when a
``status`` column exists; lines on one calendar day are one purchase occasion; frequency = repeat
occasions; recency = last minus first occasion; T = end of period minus first occasion;
monetary_value = mean value of the repeat occasions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crm_analysis.features import TIME_UNITS

ENGINES = ("pandas", "duckdb", "spark")


def _period(as_of: Any, calibration_end: Any, time_unit: str) -> tuple[pd.Timestamp, pd.Timestamp, float]:
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit must be one of {', '.join(TIME_UNITS)}, not {time_unit!r}")
    end = pd.Timestamp(as_of).normalize()
    cal = end if calibration_end is None else pd.Timestamp(calibration_end).normalize()
    if cal > end:
        raise ValueError(f"calibration_end ({calibration_end}) is after as_of ({as_of})")
    return end, cal, TIME_UNITS[time_unit]


def _summary_sql(relation: str, *, has_status: bool, end: pd.Timestamp, cal: pd.Timestamp, unit: float,
                 holdout: bool) -> str:
    status = "AND status = 'completed'" if has_status else ""
    holdout_columns = (
        f""",
        CAST(COUNT(*) FILTER (WHERE d > DATE '{cal.date()}') AS BIGINT) AS frequency_holdout,
        COALESCE(AVG(a) FILTER (WHERE d > DATE '{cal.date()}'), 0.0) AS monetary_value_holdout,
        CAST({(end - cal).days / unit!r} AS DOUBLE) AS duration_holdout"""
        if holdout
        else ""
    )
    return f"""
    WITH occasions AS (
        SELECT CAST(customer_id AS VARCHAR) AS customer_id, CAST(order_date AS DATE) AS d, SUM(amount) AS a
        FROM {relation}
        WHERE CAST(order_date AS DATE) <= DATE '{end.date()}' {status}
        GROUP BY 1, 2
    ),
    per_customer AS (
        SELECT customer_id,
            MIN(d) AS first_d,
            MAX(d) FILTER (WHERE d <= DATE '{cal.date()}') AS last_d,
            COUNT(*) FILTER (WHERE d <= DATE '{cal.date()}') AS n_cal,
            SUM(a) FILTER (WHERE d <= DATE '{cal.date()}') AS value_cal,
            ARG_MIN(a, d) AS first_a{holdout_columns}
        FROM occasions
        GROUP BY customer_id
    )
    SELECT customer_id,
        CAST(n_cal - 1 AS BIGINT) AS frequency,
        DATE_DIFF('day', first_d, last_d) / CAST({unit!r} AS DOUBLE) AS recency,
        DATE_DIFF('day', first_d, DATE '{cal.date()}') / CAST({unit!r} AS DOUBLE) AS "T",
        CASE WHEN n_cal > 1 THEN (value_cal - first_a) / (n_cal - 1) ELSE 0.0 END AS monetary_value
        {", frequency_holdout, monetary_value_holdout, duration_holdout" if holdout else ""}
    FROM per_customer
    WHERE first_d <= DATE '{cal.date()}'
    ORDER BY customer_id
    """


def _duckdb_relation(source: str | Path | Sequence[str | Path] | pd.DataFrame) -> tuple[str, Any]:
    """SQL text for reading ``source`` and the object to register (for a DataFrame)."""
    if isinstance(source, pd.DataFrame):
        return "transactions_frame", source
    paths = [str(p) for p in ([source] if isinstance(source, (str, Path)) else source)]
    quoted = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    suffixes = {Path(p.split("*")[0]).suffix.lower() or Path(p).suffix.lower() for p in paths}
    reader = "read_parquet" if suffixes <= {".parquet", ".pq"} else "read_csv_auto"
    return f"{reader}([{quoted}])", None


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
    import duckdb

    end, cal, unit = _period(as_of, calibration_end, time_unit)
    relation, frame = _duckdb_relation(source)
    config: dict[str, Any] = {}
    if memory_limit:
        config["memory_limit"] = memory_limit
    if threads:
        config["threads"] = threads
    if temp_directory:
        config["temp_directory"] = str(temp_directory)
    with duckdb.connect(config=config) as connection:
        if frame is not None:
            connection.register(relation, frame)
        columns = [c[0] for c in connection.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall()]
        sql = _summary_sql(relation, has_status="status" in columns, end=end, cal=cal, unit=unit,
                           holdout=calibration_end is not None)
        result = connection.execute(sql).df()
    return _finish(result)


def _finish(result: pd.DataFrame) -> pd.DataFrame:
    result = result.astype({"customer_id": "string", "frequency": "int64"}).set_index("customer_id")
    if "frequency_holdout" in result:
        result["frequency_holdout"] = result["frequency_holdout"].astype("int64")
    return result.astype({c: "float64" for c in result.columns if "frequency" not in c}).sort_index()


def rfm_summary_spark(
    transactions: Any,
    *,
    as_of: Any,
    calibration_end: Any = None,
    time_unit: str = "D",
    to_pandas: bool = True,
) -> Any:
    """:func:`~crm_analysis.features.rfm_summary` computed by Apache Spark.

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``, optional ``status``).
    as_of, calibration_end, time_unit
        As in :func:`~crm_analysis.features.rfm_summary`.
    to_pandas : bool, default True
        Return a pandas DataFrame indexed by customer_id; False returns the Spark DataFrame
        (columns customer_id, frequency, recency, T, monetary_value), computed lazily on the cluster.

    Returns
    -------
    pandas.DataFrame or pyspark.sql.DataFrame

    Examples
    --------
    >>> from pyspark.sql import SparkSession  # doctest: +SKIP
    >>> spark = SparkSession.builder.master("local[2]").getOrCreate()  # doctest: +SKIP
    >>> rfm_summary_spark(spark.createDataFrame(tx), as_of="2024-01-15")  # doctest: +SKIP
    """
    end, cal, unit = _period(as_of, calibration_end, time_unit)
    session = transactions.sparkSession
    view = "crm_transactions"
    transactions.createOrReplaceTempView(view)
    sql = _summary_sql(view, has_status="status" in transactions.columns, end=end, cal=cal, unit=unit,
                       holdout=calibration_end is not None)
    # Spark SQL spells two DuckDB functions differently; the logic is the same statement.
    sql = sql.replace("ARG_MIN(", "MIN_BY(").replace("CAST(customer_id AS VARCHAR)", "CAST(customer_id AS STRING)")
    sql = sql.replace("DATE_DIFF('day', first_d, last_d)", "DATEDIFF(last_d, first_d)")
    sql = sql.replace(f"DATE_DIFF('day', first_d, DATE '{cal.date()}')", f"DATEDIFF(DATE '{cal.date()}', first_d)")
    sql = sql.replace('"T"', "`T`")  # a plain 7.0 would be DECIMAL in Spark; the CASTs keep DOUBLE
    result = session.sql(sql)
    return _finish(result.toPandas()) if to_pandas else result


def rfm_summary_with(engine: str, transactions: Any, **kwargs: Any) -> pd.DataFrame:
    """Dispatch :func:`rfm_summary` to an engine by name ("pandas", "duckdb" or "spark").

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    >>> rfm_summary_with("duckdb", tx, as_of="2024-01-02")["T"].tolist()
    [1.0]
    """
    if engine == "pandas":
        from crm_analysis.features import rfm_summary

        return rfm_summary(transactions, **kwargs)
    if engine == "duckdb":
        return rfm_summary_duckdb(transactions, **kwargs)
    if engine == "spark":
        return rfm_summary_spark(transactions, **kwargs)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
