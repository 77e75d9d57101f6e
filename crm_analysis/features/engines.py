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

The same holds for the transaction part of the segmentation feature table
(:func:`crm_analysis.features.customer_features`): :func:`customer_features_duckdb` and
:func:`customer_features_spark` reduce the lines to one row per customer in one SQL statement
written once for both engines (:func:`_features_sql`); only the small per-customer-and-category
sums come back to pandas, where the pandas helpers pivot them into shares and main categories.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from crm_analysis.core.errors import CRMDataError
from crm_analysis.features.pandas_engine import TIME_UNITS, _category_shares, _top_by_spend, _validate_transactions

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


def _duckdb_connect(memory_limit: str | None, threads: int | None, temp_directory: str | Path | None) -> Any:
    """An in-memory DuckDB connection; a memory limit makes large inputs spill to ``temp_directory``."""
    import duckdb

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
    transactions : pyspark.sql.DataFrame or pandas.DataFrame
        Canonical transactions (``customer_id``, ``order_date``, ``amount``, optional ``status``);
        a pandas DataFrame is sent to the active Spark session (a local one is started if none).
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
    transactions = _spark_frame(transactions)
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
        from crm_analysis.features.pandas_engine import rfm_summary

        return rfm_summary(transactions, **kwargs)
    if engine == "duckdb":
        return rfm_summary_duckdb(transactions, **kwargs)
    if engine == "spark":
        return rfm_summary_spark(transactions, **kwargs)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")


# ---------------------------------------------------------------------------
# The transaction part of crm_analysis.features.customer_features on DuckDB and Spark.

# Columns of the feature table computed from the lines, in the pandas engine's order.
_BASE_COLUMNS = (
    "recency_days", "n_orders", "monetary", "gross_spend", "returns_value", "tenure_days", "avg_order_value",
    "mean_interpurchase_days", "return_rate", "spend_last_period", "spend_prev_period", "spend_trend",
    "first_purchase", "last_purchase",
)
_LEVEL_COLUMNS = {"product_category": "main_category", "sales_channel": "main_sales_channel"}
_TEXT = {"duckdb": "VARCHAR", "spark": "STRING"}
# A bare 0.0 is DECIMAL in Spark SQL; the cast keeps every branch DOUBLE on both engines.
_ZERO = "CAST(0 AS DOUBLE)"


def _days_between(start: str, end: str, dialect: str) -> str:
    """SQL for the whole days from ``start`` to ``end`` (both DATE), spelled for the dialect."""
    return f"DATEDIFF({end}, {start})" if dialect == "spark" else f"DATE_DIFF('day', {start}, {end})"


def _stamp(value: pd.Timestamp) -> str:
    return f"TIMESTAMP '{value.strftime('%Y-%m-%d %H:%M:%S.%f')}'"


def _lines_sql(relation: str, columns: Sequence[str], as_of: pd.Timestamp, dialect: str) -> str:
    """Purchase and return lines strictly before ``as_of``, with the order key of the pandas engine."""
    text = _TEXT[dialect]
    status = f"CAST(status AS {text})" if "status" in columns else "'completed'"
    day = f"CAST(CAST(order_date AS DATE) AS {text})"
    # As features._order_keys: order_id, or the purchase day where it is missing ("day:" keeps them apart).
    order_key = f"COALESCE(CAST(order_id AS {text}), CONCAT('day:', {day}))" if "order_id" in columns else day
    levels = "".join(f", CAST({c} AS {text}) AS {c}" for c in _LEVEL_COLUMNS if c in columns)
    return f"""
        SELECT CAST(customer_id AS {text}) AS customer_id, CAST(order_date AS TIMESTAMP) AS ts,
            CAST(order_date AS DATE) AS d, CAST(amount AS DOUBLE) AS amount,
            {status} = 'completed' AS is_purchase, {order_key} AS order_key{levels}
        FROM {relation}
        WHERE CAST(order_date AS TIMESTAMP) < {_stamp(as_of)} AND {status} IN ('completed', 'returned')"""


def _features_sql(relation: str, columns: Sequence[str], *, as_of: pd.Timestamp, trend_period_days: int,
                  dialect: str) -> str:
    """One statement for the per-customer features of :func:`crm_analysis.features._base_features`."""
    period = pd.Timedelta(days=trend_period_days)
    last_start, prev_start = _stamp(as_of - period), _stamp(as_of - 2 * period)
    as_of_day = f"DATE '{as_of.date()}'"
    days = _days_between
    return f"""
    WITH lines AS ({_lines_sql(relation, columns, as_of, dialect)}
    ),
    per_customer AS (
        SELECT customer_id,
            MIN(CASE WHEN is_purchase THEN ts END) AS first_purchase,
            MAX(CASE WHEN is_purchase THEN ts END) AS last_purchase,
            COUNT(DISTINCT CASE WHEN is_purchase THEN order_key END) AS n_orders,
            COUNT(DISTINCT CASE WHEN is_purchase THEN d END) AS n_days,
            SUM(CASE WHEN is_purchase THEN amount ELSE {_ZERO} END) AS gross,
            SUM(CASE WHEN is_purchase THEN {_ZERO} ELSE GREATEST(-amount, {_ZERO}) END) AS returns_value,
            SUM(CASE WHEN is_purchase AND ts >= {last_start} THEN amount ELSE {_ZERO} END) AS spend_last,
            SUM(CASE WHEN is_purchase AND ts >= {prev_start} AND ts < {last_start} THEN amount ELSE {_ZERO} END)
                AS spend_prev
        FROM lines
        GROUP BY customer_id
        HAVING COUNT(CASE WHEN is_purchase THEN 1 END) > 0
    )
    SELECT customer_id,
        CAST({days("CAST(last_purchase AS DATE)", as_of_day, dialect)} AS BIGINT) AS recency_days,
        CAST(n_orders AS BIGINT) AS n_orders,
        gross - returns_value AS monetary,
        gross AS gross_spend,
        returns_value,
        CAST({days("CAST(first_purchase AS DATE)", as_of_day, dialect)} AS BIGINT) AS tenure_days,
        gross / n_orders AS avg_order_value,
        CASE WHEN n_days > 1 THEN CAST({days("CAST(first_purchase AS DATE)", "CAST(last_purchase AS DATE)", dialect)}
            AS DOUBLE) / (n_days - 1) END AS mean_interpurchase_days,
        CASE WHEN gross > 0 THEN returns_value / gross END AS return_rate,
        spend_last AS spend_last_period,
        spend_prev AS spend_prev_period,
        CASE WHEN spend_last + spend_prev <> 0 THEN (spend_last - spend_prev) / (spend_last + spend_prev)
            ELSE {_ZERO} END AS spend_trend,
        first_purchase,
        last_purchase
    FROM per_customer"""


def _level_sql(relation: str, columns: Sequence[str], level: str, *, as_of: pd.Timestamp, dialect: str) -> str:
    """Purchase spend (all and positive lines) per customer and level of ``level``: small, one row per pair."""
    # The main level is the one with the most spend, so sums like 38.19 + 35.12 + 56.55 against
    # 27.66 + 75.65 + 26.55 must round as pandas' compensated sums do: DuckDB's FSUM does (Spark has none).
    total = "FSUM" if dialect == "duckdb" else "SUM"
    return f"""
    WITH lines AS ({_lines_sql(relation, columns, as_of, dialect)}
    )
    SELECT customer_id, {level}, {total}(amount) AS spend,
        {total}(CASE WHEN amount > 0 THEN amount END) AS positive_spend
    FROM lines
    WHERE is_purchase
    GROUP BY customer_id, {level}"""


def _null_check_sql(relation: str, dialect: str) -> str:
    """Missing customer ids, dates and amounts, and one customer with a missing date or amount."""
    return f"""SELECT COUNT(*) - COUNT(customer_id), COUNT(*) - COUNT(order_date), COUNT(*) - COUNT(amount),
        MIN(CASE WHEN order_date IS NULL OR amount IS NULL THEN CAST(customer_id AS {_TEXT[dialect]}) END)
        FROM {relation}"""


def _check_source(name: str, columns: Sequence[str], nulls: Sequence[Any]) -> None:
    """Raise :class:`CRMDataError` for missing required columns or missing values (file and Spark input)."""
    required = ("customer_id", "order_date", "amount")
    missing = [c for c in required if c not in columns]
    if missing:
        raise CRMDataError(f"transactions {name}: missing required column(s) {', '.join(map(repr, missing))} "
                           f"(columns present: {', '.join(columns)})")
    for column, count in zip(required, nulls[:3], strict=True):
        if count:
            example = f", e.g. for customer {nulls[3]!r}" if nulls[3] is not None else ""
            raise CRMDataError(f"transactions {name}: column {column!r} has {int(count):,} missing value(s)"
                               f"{example}; clean the data first")


def _transaction_features(run: Any, relation: str, columns: Sequence[str], *, as_of: pd.Timestamp,
                          trend_period_days: int, max_categories: int, dialect: str, date_dtype: Any,
                          amount_dtype: Any) -> pd.DataFrame:
    """Run the statements with ``run(sql) -> pandas.DataFrame`` and assemble the pandas engine's table."""
    base = run(_features_sql(relation, columns, as_of=as_of, trend_period_days=trend_period_days, dialect=dialect))
    base = base.astype({"customer_id": "string"}).set_index("customer_id")
    base = base.astype({c: "int64" for c in ("recency_days", "n_orders", "tenure_days")})
    floats = [c for c in _BASE_COLUMNS if c not in ("recency_days", "n_orders", "tenure_days") and "purchase" not in c]
    base = base.astype({c: "float64" for c in floats} | {"first_purchase": date_dtype, "last_purchase": date_dtype})
    parts = [base[list(_BASE_COLUMNS)]]
    for level, name in _LEVEL_COLUMNS.items():
        if level not in columns:
            continue
        spend = run(_level_sql(relation, columns, level, as_of=as_of, dialect=dialect))
        spend = spend.astype({"customer_id": "string", level: "string", "spend": "float64",
                              "positive_spend": "float64"})
        if not spend[level].notna().any():
            continue
        if pd.api.types.is_float_dtype(amount_dtype):
            # The pandas engine sums the user's amount dtype (Float64 after cleaning); keep it.
            spend = spend.astype({"spend": amount_dtype, "positive_spend": amount_dtype})
        if level == "product_category":
            # Summing the pre-summed (customer, category) spend again gives the pandas engine's sums.
            parts.append(_category_shares(spend.rename(columns={"positive_spend": "amount"}), max_categories))
        known = spend.dropna(subset=[level]).rename(columns={"spend": "amount"})
        parts.append(_top_by_spend(known, level).rename(name))
    features = pd.concat([p.reindex(base.index) for p in parts], axis=1)
    share_cols = [c for c in features.columns if c.startswith("share_")]
    features[share_cols] = features[share_cols].fillna(0.0)
    features.index = features.index.astype("string")
    features.index.name = "customer_id"
    return features.sort_index()


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
        return _transaction_features(
            lambda sql: connection.execute(sql).df(), relation, columns, as_of=as_of_ts,
            trend_period_days=trend_period_days, max_categories=max_categories, dialect="duckdb",
            date_dtype=frame["order_date"].dtype if frame is not None else "datetime64[ns]",
            amount_dtype=frame["amount"].dtype if frame is not None else "float64",
        )


_SPARK_COLUMNS = ("customer_id", "order_date", "amount", "status", "order_id", "product_category", "sales_channel")


def _spark_frame(transactions: Any) -> Any:
    """A Spark DataFrame of the needed columns; a pandas DataFrame goes to the active (or a local) session."""
    if not isinstance(transactions, pd.DataFrame):
        return transactions
    from pyspark.sql import SparkSession

    session = SparkSession.getActiveSession() or SparkSession.builder.master("local[*]").getOrCreate()
    frame = transactions[[c for c in _SPARK_COLUMNS if c in transactions.columns]]
    # Spark takes plain Python objects: text as object with None for missing, amounts as float64.
    converted = {}
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            converted[column] = series.astype("datetime64[ns]")
        elif pd.api.types.is_numeric_dtype(series):
            converted[column] = series.astype("float64")
        else:
            converted[column] = series.astype(object).where(series.notna(), None)
    return session.createDataFrame(pd.DataFrame(converted))


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
    frame = _spark_frame(transactions)
    session, columns = frame.sparkSession, list(frame.columns)
    view = "crm_feature_lines"
    frame.createOrReplaceTempView(view)
    if not isinstance(transactions, pd.DataFrame):
        nulls = (session.sql(_null_check_sql(view, "spark")).collect()[0]
                 if {"customer_id", "order_date", "amount"} <= set(columns) else (0,) * 4)
        _check_source("(Spark DataFrame)", columns, list(nulls))
    return _transaction_features(
        lambda sql: session.sql(sql).toPandas(), view, columns, as_of=as_of_ts,
        trend_period_days=trend_period_days, max_categories=max_categories, dialect="spark",
        date_dtype=date_dtype, amount_dtype=amount_dtype,
    )


def customer_features_with(engine: str, transactions: Any, **kwargs: Any) -> pd.DataFrame:
    """Dispatch the transaction features to an engine by name ("duckdb" or "spark").

    The pandas engine is :func:`crm_analysis.features.customer_features` itself, which calls this
    function when given ``engine="duckdb"`` or ``engine="spark"``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    >>> customer_features_with("duckdb", tx, as_of="2024-01-03")["recency_days"].tolist()
    [2]
    """
    if engine == "duckdb":
        return customer_features_duckdb(transactions, **kwargs)
    if engine == "spark":
        return customer_features_spark(transactions, **kwargs)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
