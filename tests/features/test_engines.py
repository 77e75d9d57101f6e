"""The customer summary gives the same table on every engine: pandas, DuckDB (out of core), Spark."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest
import sqlalchemy as sa

from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.features import (
    customer_features,
    customer_features_duckdb,
    customer_features_spark,
    rfm_summary,
    rfm_summary_duckdb,
    rfm_summary_with,
)
from crm_analysis.features.lines import classify_lines


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


# ---------------------------------------------------------------------------
# The transaction features of customer_features on DuckDB and Spark.


_CATEGORIES = ["Home", "Sports", "Office Supplies", "Beauty", "Toys", "Books", "Garden", "Music", "Games", "Food"]


def _feature_lines(n_lines: int = 20_000, n_customers: int = 1_500, seed: int = 11) -> pd.DataFrame:
    """Lines with the hard cases: returns, cancelled and missing statuses, missing order ids and
    categories, more categories than share columns, several lines per order and per day."""
    rng = np.random.default_rng(seed)
    frame = _transactions(n_lines, n_customers, seed)
    frame["order_id"] = pd.array([f"O{i // 3}" for i in rng.permutation(n_lines)], dtype="string")
    frame.loc[rng.random(n_lines) < 0.05, "order_id"] = pd.NA
    status = frame["status"].copy()
    status[rng.random(n_lines) < 0.02] = pd.NA
    frame["status"] = status
    frame["amount"] = np.where(frame["status"].eq("returned").fillna(False), -frame["amount"], frame["amount"])
    frame.loc[rng.random(n_lines) < 0.01, "amount"] = -5.0  # a few negative purchase lines (corrections)
    frame["product_category"] = pd.array(rng.choice(_CATEGORIES, n_lines, p=np.linspace(2, 0.2, 10) / 11),
                                         dtype="string")
    frame.loc[rng.random(n_lines) < 0.03, "product_category"] = pd.NA
    frame["sales_channel"] = pd.array(rng.choice(["online", "store", "phone"], n_lines), dtype="string")
    frame.loc[rng.random(n_lines) < 0.03, "sales_channel"] = pd.NA
    # Customers with one purchase day, with only a return, and with only a cancelled line.
    few = pd.DataFrame({
        "order_id": pd.array(["S1", "S2", pd.NA, "S4"], dtype="string"),
        "customer_id": pd.array(["Z1", "Z1", "Z2", "Z3"], dtype="string"),
        "order_date": pd.to_datetime(["2023-06-01 09:00", "2023-06-01 17:00", "2023-07-01 00:00", "2023-07-02 00:00"]),
        "amount": [10.0, 5.0, -8.0, 9.0],
        "status": pd.array(["completed", "completed", "returned", "cancelled"], dtype="string"),
        "product_category": pd.array(["Home", pd.NA, "Toys", "Toys"], dtype="string"),
        "sales_channel": pd.array([pd.NA, pd.NA, "store", "store"], dtype="string"),
    })
    return pd.concat([frame, few.astype(frame.dtypes.to_dict())], ignore_index=True)


FEATURE_CASES = [
    {"as_of": "2025-01-01", "trend_period_days": 182, "max_categories": 8},
    {"as_of": "2024-02-15 13:30", "trend_period_days": 60, "max_categories": 3},  # later lines ignored
]


@pytest.fixture(scope="module")
def feature_lines() -> pd.DataFrame:
    return _feature_lines()


def _pandas_features(lines: pd.DataFrame, **case) -> pd.DataFrame:
    return customer_features(CRMData(transactions=lines), **case)


@pytest.mark.parametrize("case", FEATURE_CASES, ids=["year-end", "mid-day-3-categories"])
def test_duckdb_features_equal_pandas_on_a_frame(feature_lines, case):
    expected = _pandas_features(feature_lines, **case)
    got = customer_features_duckdb(feature_lines, **case)
    assert {"share_other", "main_category", "main_sales_channel", "spend_trend"} <= set(got.columns)
    # The one-day customer has no gap and no main channel; return-only and cancel-only ones are absent.
    assert expected.loc["Z1", ["mean_interpurchase_days", "main_sales_channel"]].isna().all()
    assert "Z2" not in expected.index and "Z3" not in expected.index
    pdt.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)


def test_duckdb_features_equal_pandas_on_the_teaching_data():
    import crm_analysis

    data = crm_analysis.clean(crm_analysis.load("teaching"))
    as_of = data.transactions["order_date"].max().normalize() + pd.Timedelta(days=1)
    got = customer_features(data, as_of=as_of, engine="duckdb")
    expected = customer_features(data, as_of=as_of)
    assert len(expected) > 1_000 and "n_complaints" in expected and "age_band" in expected
    pdt.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)
    pdt.assert_frame_equal(customer_features_duckdb(data.transactions, as_of=as_of),
                           expected[got.columns[: got.columns.get_loc("main_sales_channel") + 1]],
                           check_exact=False, rtol=1e-9)


def test_duckdb_features_from_parquet_parts_under_a_small_memory_limit(tmp_path):
    lines = _feature_lines(200_000, 50_000, seed=3)
    lines["amount"] = lines["amount"].astype("float64")
    for part, chunk in enumerate(np.array_split(np.arange(len(lines)), 3)):
        lines.iloc[chunk].to_parquet(tmp_path / f"part-{part}.parquet")
    got = customer_features_duckdb(str(tmp_path / "part-*.parquet"), memory_limit="64MB", threads=1,
                                   temp_directory=tmp_path / "spill", **FEATURE_CASES[0])
    pdt.assert_frame_equal(got, _pandas_features(lines, **FEATURE_CASES[0]), check_exact=False, rtol=1e-9)


def test_duckdb_features_from_csv(feature_lines, tmp_path):
    path = tmp_path / "transactions.csv"
    feature_lines.to_csv(path, index=False)
    got = customer_features_duckdb(path, **FEATURE_CASES[1])
    expected = _pandas_features(feature_lines.astype({"amount": "float64"}), **FEATURE_CASES[1])
    pdt.assert_frame_equal(got, expected, check_exact=False, rtol=1e-9)


def test_minimal_columns_every_line_is_a_purchase_and_a_day_is_an_order(feature_lines):
    minimal = feature_lines[["customer_id", "order_date", "amount"]]
    got = customer_features_duckdb(minimal, as_of="2025-01-01")
    assert list(got.columns) == list(_pandas_features(feature_lines, as_of="2025-01-01").columns[:15])
    # Without a status, a negative line is a return (the rule of crm_analysis.features.lines).
    before = minimal.loc[minimal["order_date"] < "2025-01-01"]
    negative = (-before["amount"].clip(upper=0)).groupby(before["customer_id"]).sum()
    assert got["returns_value"].to_numpy() == pytest.approx(negative.reindex(got.index).to_numpy())
    pdt.assert_frame_equal(got, _pandas_features(minimal, as_of="2025-01-01"), check_exact=False, rtol=1e-9)


def test_bad_files_are_named(tmp_path, feature_lines):
    no_amount = tmp_path / "no_amount.parquet"
    feature_lines.drop(columns="amount").to_parquet(no_amount)
    with pytest.raises(CRMDataError, match=r"no_amount\.parquet.*'amount'"):
        customer_features_duckdb(no_amount, as_of="2025-01-01")
    holes = tmp_path / "holes.parquet"
    feature_lines.assign(amount=feature_lines["amount"].where(feature_lines.index != 5)).to_parquet(holes)
    with pytest.raises(CRMDataError, match=r"holes\.parquet: column 'amount' has 1 missing value"):
        customer_features_duckdb(holes, as_of="2025-01-01")


def test_unknown_feature_engine_is_named(feature_lines):
    with pytest.raises(ValueError, match="polars"):
        customer_features(CRMData(transactions=feature_lines), as_of="2025-01-01", engine="polars")


def test_value_summary_table_takes_the_engine(transactions):
    from crm_analysis import value

    pdt.assert_frame_equal(value.summary_table(transactions, as_of="2024-12-31", engine="duckdb"),
                           value.summary_table(transactions, as_of="2024-12-31"), check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("case", FEATURE_CASES, ids=["year-end", "mid-day-3-categories"])
def test_spark_features_equal_pandas(spark, feature_lines, case):
    frame = spark.createDataFrame(
        feature_lines.astype({c: object for c in ("customer_id", "status", "order_id", "product_category",
                                                  "sales_channel")}).astype({"amount": "float64"})
        .replace({pd.NA: None})
    )
    expected = _pandas_features(feature_lines.astype({"amount": "float64"}), **case)
    pdt.assert_frame_equal(customer_features_spark(frame, **case), expected, check_exact=False, rtol=1e-9)


def test_spark_engine_from_customer_features(spark, feature_lines):
    data = CRMData(transactions=feature_lines)
    pdt.assert_frame_equal(customer_features(data, as_of="2025-01-01", engine="spark"),
                           customer_features(data, as_of="2025-01-01"), check_exact=False, rtol=1e-9)


def test_value_summary_table_on_spark_from_pandas(spark, transactions):
    from crm_analysis import value

    case = {"as_of": "2024-12-31", "calibration_end": "2024-06-30"}
    pdt.assert_frame_equal(value.summary_table(transactions, engine="spark", **case),
                           value.summary_table(transactions, **case), check_exact=False, rtol=1e-9)


# ---------------------------------------------------------------------------
# Every kind of line of the one rule (crm_analysis.features.lines) on every engine.


def _line_kinds(seed: int = 5) -> pd.DataFrame:
    """Online Retail-shaped lines with every kind the rule knows: purchases, ``C…`` cancellations
    (negative, status cancelled), returns (status returned), missing and blank statuses, zero-price lines,
    adjustments (``POST``, ``M``, ``BANK CHARGES``, an ``A…`` invoice), a cancelled-before-payment line and a
    customer whose only order was cancelled the same day (like Online Retail's 12346)."""
    rng = np.random.default_rng(seed)
    n = 3_000
    stock = rng.choice(["85123A", "22423", "47566", "POST", "M", "BANK CHARGES", "84879"], n,
                       p=[0.3, 0.25, 0.2, 0.08, 0.05, 0.02, 0.1])
    status = rng.choice(["completed", "cancelled", "returned", None, ""], n, p=[0.7, 0.1, 0.08, 0.07, 0.05])
    amount = np.round(rng.gamma(2.0, 20.0, n), 2)
    amount = np.where(np.isin(status, ["cancelled", "returned"]) & (rng.random(n) < 0.8), -amount, amount)
    amount[rng.random(n) < 0.03] = 0.0  # zero-price lines
    order = np.where(status == "cancelled", "C", np.where(rng.random(n) < 0.01, "A", "")).astype(object)
    order = order + pd.Series(rng.integers(500_000, 560_000, n)).astype(str).to_numpy()
    lines = pd.DataFrame({
        "order_id": pd.array(order, dtype="string"),
        "customer_id": pd.array([f"{c}" for c in rng.integers(12_000, 12_300, n)], dtype="string"),
        "order_date": (np.datetime64("2023-01-01") + rng.integers(0, 700 * 24, n).astype("timedelta64[h]"))
        .astype("datetime64[ns]"),
        "amount": amount,
        "status": pd.array(status, dtype="string"),
        "stock_code": pd.array(stock, dtype="string"),
    })
    cancelled_only = pd.DataFrame({
        "order_id": pd.array(["541431", "C541433", "A1", "600001"], dtype="string"),
        "customer_id": pd.array(["12346", "12346", "99999", "99998"], dtype="string"),
        "order_date": pd.to_datetime(["2024-01-18 10:01", "2024-01-18 10:17", "2024-02-01 09:00", "2024-02-01 09:00"]),
        "amount": [77_183.60, -77_183.60, -50.0, 0.0],
        "status": pd.array(["completed", "cancelled", "completed", "completed"], dtype="string"),
        "stock_code": pd.array(["23166", "23166", "B", "22"], dtype="string"),
    })
    return pd.concat([lines, cancelled_only], ignore_index=True)


@pytest.fixture(scope="module")
def kinds() -> pd.DataFrame:
    return _line_kinds()


def test_line_kinds_fixture_has_every_kind(kinds):
    counts = classify_lines(kinds)["kind"].value_counts()
    assert set(counts.index) == {"purchase", "return", "adjustment", "ignored"} and counts.min() >= 50
    reasons = classify_lines(kinds)["reason"]
    assert reasons.str.contains("zero-price").sum() >= 50 and reasons.str.contains("inferred").sum() >= 100


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c.values())))
def test_line_kinds_rfm_summary_duckdb_and_sql_equal_pandas(kinds, case, tmp_path):
    expected = rfm_summary(kinds, **case)
    # The cancelled-only customer, the adjustment-only and the zero-price-only ones are no customers here.
    assert not {"12346", "99999", "99998"} & set(expected.index)
    pdt.assert_frame_equal(rfm_summary_duckdb(kinds, **case), expected, check_exact=False, rtol=1e-9)
    database = sa.create_engine(f"sqlite:///{tmp_path / 'kinds.db'}")
    kinds.assign(order_date=kinds["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_sql(
        "tx", database, index=False)
    pdt.assert_frame_equal(rfm_summary(database, engine="sql", table="tx", **case), expected,
                           check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("case", FEATURE_CASES, ids=["year-end", "mid-day-3-categories"])
def test_line_kinds_features_duckdb_equal_pandas(kinds, case):
    expected = _pandas_features(kinds, **case)
    assert expected["returns_value"].gt(0).sum() > 100
    pdt.assert_frame_equal(customer_features_duckdb(kinds, **case), expected, check_exact=False, rtol=1e-9)


@pytest.mark.parametrize("case", CASES[:2], ids=["days", "calibration-weeks"])
def test_line_kinds_spark_equals_pandas(spark, kinds, case):
    frame = spark.createDataFrame(kinds.astype({c: object for c in ("customer_id", "status", "order_id", "stock_code")})
                                  .replace({pd.NA: None}))
    pdt.assert_frame_equal(rfm_summary_with("spark", frame, **case), rfm_summary(kinds, **case),
                           check_exact=False, rtol=1e-9)
    features = customer_features_spark(frame, as_of=case["as_of"])
    pdt.assert_frame_equal(features, _pandas_features(kinds, as_of=case["as_of"]), check_exact=False, rtol=1e-9)
