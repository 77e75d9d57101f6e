"""The customer summary gives the same table on every engine: pandas, DuckDB (out of core), Spark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from crm_analysis.engines import rfm_summary_duckdb, rfm_summary_with
from crm_analysis.features import rfm_summary


def _transactions(n_lines: int = 20_000, n_customers: int = 2_000, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2023-01-01")
    days = rng.integers(0, 730, n_lines)
    seconds = rng.integers(0, 86_400, n_lines)
    return pd.DataFrame(
        {
            "order_id": [f"O{i}" for i in range(n_lines)],
            "customer_id": pd.array([f"C{c:05d}" for c in rng.integers(0, n_customers, n_lines)], dtype="string"),
            "order_date": (start + days.astype("timedelta64[D]") + seconds.astype("timedelta64[s]")).astype(
                "datetime64[ns]"
            ),
            "amount": np.round(rng.gamma(2.0, 30.0, n_lines), 2),
            "status": pd.array(rng.choice(["completed"] * 8 + ["returned", "cancelled"], n_lines), dtype="string"),
        }
    )


CASES = [
    {"as_of": "2024-12-31", "time_unit": "D"},
    {"as_of": "2024-12-31", "calibration_end": "2024-06-30", "time_unit": "W"},
    {"as_of": "2024-03-01", "time_unit": "M"},  # later lines must be ignored
]


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return _transactions()


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c.values())))
def test_duckdb_equals_pandas_on_a_frame(transactions, case):
    pdt.assert_frame_equal(rfm_summary_duckdb(transactions, **case), rfm_summary(transactions, **case),
                           check_exact=False, rtol=1e-9)


def test_duckdb_reads_parquet_parts_under_a_small_memory_limit(transactions, tmp_path):
    # Two part files, read with a glob, as a folder of a data lake would be.
    for part, chunk in enumerate(np.array_split(np.arange(len(transactions)), 2)):
        transactions.iloc[chunk].to_parquet(tmp_path / f"part-{part}.parquet")
    case = CASES[1]
    got = rfm_summary_duckdb(str(tmp_path / "*.parquet"), memory_limit="64MB", threads=1,
                             temp_directory=tmp_path / "spill", **case)
    pdt.assert_frame_equal(got, rfm_summary(transactions, **case), check_exact=False, rtol=1e-9)


def test_duckdb_reads_csv(transactions, tmp_path):
    path = tmp_path / "transactions.csv"
    transactions.to_csv(path, index=False)
    got = rfm_summary_duckdb(path, **CASES[0])
    pdt.assert_frame_equal(got, rfm_summary(transactions, **CASES[0]), check_exact=False, rtol=1e-9)


def test_without_status_every_line_is_a_purchase(transactions):
    no_status = transactions.drop(columns="status")
    got = rfm_summary_duckdb(no_status, **CASES[0])
    assert got["frequency"].sum() > rfm_summary(transactions, **CASES[0])["frequency"].sum()
    pdt.assert_frame_equal(got, rfm_summary(no_status, **CASES[0]), check_exact=False, rtol=1e-9)


def test_unknown_engine_is_named():
    with pytest.raises(ValueError, match="polars"):
        rfm_summary_with("polars", pd.DataFrame(), as_of="2024-01-01")


@pytest.fixture(scope="module")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is an optional extra: pip install -e '.[spark]'")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]").appName("crm-analysis-tests")
        .config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC").getOrCreate()
    )
    yield session
    session.stop()


@pytest.mark.parametrize("case", CASES[:2], ids=["days", "calibration-weeks"])
def test_spark_equals_pandas(spark, transactions, case):
    frame = spark.createDataFrame(transactions.astype({"customer_id": object, "status": object, "order_id": object}))
    pdt.assert_frame_equal(rfm_summary_with("spark", frame, **case), rfm_summary(transactions, **case),
                           check_exact=False, rtol=1e-9)
