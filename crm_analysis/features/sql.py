"""SQL shared by the DuckDB and Spark engines, and the assembly of their results.

The statements implement the pandas engine's definitions (:func:`crm_analysis.features.summary.rfm_summary`,
:mod:`crm_analysis.features.customer`) once, spelled for both dialects; only the small per-customer-and-level
sums come back to pandas, where :mod:`crm_analysis.features.categories` pivots them into shares and main levels.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from crm_analysis.core.errors import CRMDataError
from crm_analysis.features.categories import _category_shares, _top_by_spend
from crm_analysis.features.lines import ADJUSTMENT, IGNORED, PURCHASE, RETURN, line_rule_sql


def _summary_sql(relation: str, *, columns: Sequence[str], end: pd.Timestamp, cal: pd.Timestamp, unit: float,
                 holdout: bool) -> str:
    kind, money = line_rule_sql(list(columns), "VARCHAR")
    holdout_columns = (
        f""",
        CAST(COUNT(*) FILTER (WHERE d > DATE '{cal.date()}') AS BIGINT) AS frequency_holdout,
        COALESCE(AVG(a) FILTER (WHERE d > DATE '{cal.date()}'), 0.0) AS monetary_value_holdout,
        CAST({(end - cal).days / unit!r} AS DOUBLE) AS duration_holdout"""
        if holdout
        else ""
    )
    return f"""
    WITH kinds AS (
        SELECT CAST(customer_id AS VARCHAR) AS customer_id, CAST(order_date AS DATE) AS d,
            {kind} AS kind, {money} AS money
        FROM {relation}
        WHERE CAST(order_date AS DATE) <= DATE '{end.date()}'
    ),
    occasions AS (
        SELECT customer_id, d, SUM(money) AS a
        FROM kinds
        WHERE kind IN ({PURCHASE}, {RETURN})
        GROUP BY 1, 2
        HAVING ROUND(SUM(money), 6) > 0 OR COUNT(CASE WHEN kind = {RETURN} THEN 1 END) = 0
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


def _finish(result: pd.DataFrame) -> pd.DataFrame:
    result = result.astype({"customer_id": "string", "frequency": "int64"}).set_index("customer_id")
    if "frequency_holdout" in result:
        result["frequency_holdout"] = result["frequency_holdout"].astype("int64")
    return result.astype({c: "float64" for c in result.columns if "frequency" not in c}).sort_index()


# Columns of the feature table computed from the lines, in the pandas engine's order.
_BASE_COLUMNS = (
    "recency_days", "n_orders", "monetary", "gross_spend", "returns_value", "adjustments", "tenure_days",
    "avg_order_value",
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
    """Purchase, return and adjustment lines strictly before ``as_of`` (the rule of
    :mod:`crm_analysis.features.lines`), with the order key of the pandas engine and ``counted`` (the
    line's day is a purchase occasion: its purchases net of same-day returns are > 0)."""
    text = _TEXT[dialect]
    kind, money = line_rule_sql(list(columns), text)
    day = f"CAST(CAST(order_date AS DATE) AS {text})"
    # As crm_analysis.features.customer._order_codes: order_id, or the purchase day where it is missing
    # ("day:" keeps them apart).
    order_key = f"COALESCE(CAST(order_id AS {text}), CONCAT('day:', {day}))" if "order_id" in columns else day
    levels = "".join(f", CAST({c} AS {text}) AS {c}" for c in _LEVEL_COLUMNS if c in columns)
    level_names = "".join(f", k.{c}" for c in _LEVEL_COLUMNS if c in columns)
    return f"""
        WITH kinds AS (
            SELECT CAST(customer_id AS {text}) AS customer_id, CAST(order_date AS TIMESTAMP) AS ts,
                CAST(order_date AS DATE) AS d, CAST(amount AS DOUBLE) AS amount,
                {kind} AS kind, {money} AS money, {order_key} AS order_key{levels}
            FROM {relation}
            WHERE CAST(order_date AS TIMESTAMP) < {_stamp(as_of)}
        ),
        days AS (
            SELECT customer_id, d, ROUND(SUM(money), 6) > 0
                OR (COUNT(CASE WHEN kind = {RETURN} THEN 1 END) = 0) AS day_counted
            FROM kinds WHERE kind IN ({PURCHASE}, {RETURN})
            GROUP BY customer_id, d
        )
        SELECT k.customer_id, k.ts, k.d, k.amount, k.kind = {PURCHASE} AS is_purchase, k.kind, k.money,
            k.kind = {PURCHASE} AND COALESCE(days.day_counted, FALSE) AS counted,
            k.order_key{level_names}
        FROM kinds k LEFT JOIN days ON k.customer_id = days.customer_id AND k.d = days.d
        WHERE k.kind <> {IGNORED}"""


def _features_sql(relation: str, columns: Sequence[str], *, as_of: pd.Timestamp, trend_period_days: int,
                  dialect: str) -> str:
    """One statement for the per-customer features of :func:`crm_analysis.features.customer._base_features`."""
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
            COUNT(DISTINCT CASE WHEN counted THEN order_key END) AS n_orders,
            COUNT(DISTINCT CASE WHEN counted THEN d END) AS n_days,
            SUM(CASE WHEN is_purchase THEN amount ELSE {_ZERO} END) AS gross,
            SUM(CASE WHEN kind = {RETURN} THEN -money ELSE {_ZERO} END) AS returns_value,
            SUM(CASE WHEN kind = {ADJUSTMENT} THEN money ELSE {_ZERO} END) AS adjustments,
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
        gross - returns_value + adjustments AS monetary,
        gross AS gross_spend,
        returns_value,
        adjustments,
        CAST({days("CAST(first_purchase AS DATE)", as_of_day, dialect)} AS BIGINT) AS tenure_days,
        CASE WHEN n_orders > 0 THEN gross / n_orders END AS avg_order_value,
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


def _sql_features(run: Any, relation: str, columns: Sequence[str], *, as_of: pd.Timestamp,
                          trend_period_days: int, max_categories: int, dialect: str, date_dtype: Any,
                          amount_dtype: Any, statements: tuple[str, Callable[[str], str]] | None = None
                          ) -> pd.DataFrame:
    """Run the statements with ``run(sql) -> pandas.DataFrame`` and assemble the pandas engine's table.

    ``statements``: the per-customer statement and ``level -> statement`` of another dialect (SQLite and
    PostgreSQL, :mod:`crm_analysis.features.sql_engine`); by default those of DuckDB or Spark."""
    if statements is None:
        statements = (_features_sql(relation, columns, as_of=as_of, trend_period_days=trend_period_days,
                                    dialect=dialect),
                      lambda level: _level_sql(relation, columns, level, as_of=as_of, dialect=dialect))
    base = run(statements[0])
    base = base.astype({"customer_id": "string"}).set_index("customer_id")
    base = base.astype({c: "int64" for c in ("recency_days", "n_orders", "tenure_days")})
    floats = [c for c in _BASE_COLUMNS if c not in ("recency_days", "n_orders", "tenure_days") and "purchase" not in c]
    base = base.astype({c: "float64" for c in floats} | {"first_purchase": date_dtype, "last_purchase": date_dtype})
    parts = [base[list(_BASE_COLUMNS)]]
    for level, name in _LEVEL_COLUMNS.items():
        if level not in columns:
            continue
        spend = run(statements[1](level))
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
