"""The customer summary and features on Apache Spark, for logs in a data lake.

:func:`rfm_summary_spark` and :func:`customer_features_spark` run the statements of
:mod:`crm_analysis.features.sql` on a ``pyspark.sql.DataFrame`` (or a pandas one sent to the active
session) and give the pandas engine's tables. Needs the optional ``pyspark`` and Java 17+.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from crm_analysis.data.parsers import local_times, sql_time_zone
from crm_analysis.features.checks import _validate_transactions
from crm_analysis.features.sql import _check_source, _finish, _null_check_sql, _sql_features, _summary_sql
from crm_analysis.features.summary import _period

_SPARK_COLUMNS = ("customer_id", "order_date", "amount", "status", "order_id", "stock_code", "product_category",
                  "sales_channel")


def _spark_frame(transactions: Any, time_zone: str | None = None) -> Any:
    """A Spark DataFrame of the needed columns; a pandas DataFrame goes to the active (or a local) session.

    Dates follow the one time-zone rule (:func:`crm_analysis.data.parsers.local_times`): a pandas column's
    zoned times become local times of ``time_zone`` or of their own zone. A Spark DataFrame's TIMESTAMP
    values are instants without a zone: with ``time_zone`` the session time zone is set to it, so days are
    taken in it; else in the session's time zone (``spark.sql.session.timeZone``).
    """
    if not isinstance(transactions, pd.DataFrame):
        if time_zone:
            transactions.sparkSession.conf.set("spark.sql.session.timeZone", sql_time_zone(time_zone))
        return transactions
    # pyspark is optional (the [spark] extra, Java 17+): imported only when Spark is asked for.
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession() or SparkSession.builder.master("local[*]").getOrCreate()
    frame = transactions[[c for c in _SPARK_COLUMNS if c in transactions.columns]]
    # Spark takes plain Python objects: text as object with None for missing, amounts as float64.
    converted = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            converted[column] = local_times(series, time_zone=time_zone)[0]
        elif pd.api.types.is_numeric_dtype(series):
            converted[column] = series.astype("float64")
        else:
            converted[column] = series.astype(object).where(series.notna(), None)
    return session.createDataFrame(pd.DataFrame(converted))


def rfm_summary_spark(
    transactions: Any,
    *,
    as_of: Any,
    calibration_end: Any = None,
    time_unit: str = "D",
    to_pandas: bool = True,
    time_zone: str | None = None,
) -> Any:
    """:func:`~crm_analysis.features.rfm_summary` computed by Apache Spark.

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame or pandas.DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``, optional ``status``);
        a pandas DataFrame is sent to the active Spark session (a local one is started if none).
    as_of, calibration_end, time_unit
        As in :func:`~crm_analysis.features.rfm_summary`.
    to_pandas : bool, default True
        Return a pandas DataFrame indexed by customer_id; False returns the Spark DataFrame
        (columns customer_id, frequency, recency, T, monetary_value), computed lazily on the cluster.
    time_zone : str, optional
        Business time zone, as in :func:`~crm_analysis.features.rfm_summary` (see :func:`_spark_frame`).

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
    transactions = _spark_frame(transactions, time_zone)
    session = transactions.sparkSession
    view = "crm_transactions"
    transactions.createOrReplaceTempView(view)
    sql = _summary_sql(view, columns=list(transactions.columns), end=end, cal=cal, unit=unit,
                       holdout=calibration_end is not None)
    # Spark SQL spells two DuckDB functions differently; the logic is the same statement.
    sql = sql.replace("ARG_MIN(", "MIN_BY(").replace(" AS VARCHAR)", " AS STRING)")
    sql = sql.replace("DATE_DIFF('day', first_d, last_d)", "DATEDIFF(last_d, first_d)")
    sql = sql.replace(f"DATE_DIFF('day', first_d, DATE '{cal.date()}')", f"DATEDIFF(DATE '{cal.date()}', first_d)")
    sql = sql.replace('"T"', "`T`")  # a plain 7.0 would be DECIMAL in Spark; the CASTs keep DOUBLE
    result = session.sql(sql)
    return _finish(result.toPandas()) if to_pandas else result


def customer_features_spark(
    transactions: Any,
    *,
    as_of: Any,
    trend_period_days: int = 182,
    max_categories: int = 8,
) -> pd.DataFrame:
    """The transaction features of :func:`~crm_analysis.features.customer_features`, computed by Spark.

    The same SQL statements as :func:`customer_features_duckdb`, spelled for Spark SQL.

    Parameters
    ----------
    transactions : pyspark.sql.DataFrame or pandas.DataFrame
        Canonical transactions, as for :func:`customer_features_duckdb`; a pandas DataFrame is sent
        to the active Spark session (a local one is started if none).
    as_of, trend_period_days, max_categories
        As in :func:`customer_features_duckdb`.

    Returns
    -------
    pandas.DataFrame
        The table of :func:`customer_features_duckdb` (first/last purchase as ``datetime64[ns]``
        unless a pandas DataFrame with another resolution was given).

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a required column is missing or has missing values.

    Examples
    --------
    >>> customer_features_spark(spark.createDataFrame(tx), as_of="2024-04-01")  # doctest: +SKIP
    """
    as_of_ts = pd.Timestamp(as_of)
    date_dtype, amount_dtype = "datetime64[ns]", "float64"
    if isinstance(transactions, pd.DataFrame):
        _validate_transactions(transactions, {"customer": "customer_id", "date": "order_date", "amount": "amount"})
        date_dtype, amount_dtype = transactions["order_date"].dtype, transactions["amount"].dtype
        date_dtype = "datetime64[ns]" if getattr(date_dtype, "tz", None) else date_dtype  # zoned: local times
    frame = _spark_frame(transactions)
    session, columns = frame.sparkSession, list(frame.columns)
    view = "crm_feature_lines"
    frame.createOrReplaceTempView(view)
    if not isinstance(transactions, pd.DataFrame):
        nulls = (session.sql(_null_check_sql(view, "spark")).collect()[0]
                 if {"customer_id", "order_date", "amount"} <= set(columns) else (0,) * 4)
        _check_source("(Spark DataFrame)", columns, list(nulls))
    return _sql_features(
        lambda sql: session.sql(sql).toPandas(), view, columns, as_of=as_of_ts,
        trend_period_days=trend_period_days, max_categories=max_categories, dialect="spark",
        date_dtype=date_dtype, amount_dtype=amount_dtype,
    )
