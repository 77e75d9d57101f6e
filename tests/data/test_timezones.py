"""Issue 13, item 4: one time-zone rule at every entry point, so the same purchases give the same days.

The same six orders, written with ``+08:00``, ``Z`` and ``-05:00`` offsets near midnight, go through the
loader (CSV text, Excel text, Parquet with a tz-aware column), a DataFrame and a ``CRMData`` built in
code, and the DuckDB and Spark engines (a DataFrame, Parquet and CSV files, a Spark DataFrame). In the
business zone Asia/Shanghai customer C1 buys on 1 and 2 March and C2 on 1 and 6 March; in UTC C1 buys
on one day only, in New York C2's second day is 5 March, so a wrong zone changes the figures.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pandas.testing as pdt
import pytest

from crm_analysis.core import schema
from crm_analysis.core.crmdata import CRMData
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load
from crm_analysis.data.parsers import choose_zone, local_times, read_dates
from crm_analysis.features import customer_features, rfm_summary, rfm_summary_duckdb, rfm_summary_spark

STAMPS = ["2024-03-01T23:30:00+08:00", "2024-03-01T15:45:00Z", "2024-03-02T00:10:00+08:00",
          "2024-03-01T10:30:00-05:00", "2024-03-05T23:50:00-05:00", "2024-03-06T09:00:00+08:00"]
CUSTOMERS = ["C1", "C1", "C1", "C2", "C2", "C2"]
SHANGHAI_DAYS = ["2024-03-01", "2024-03-01", "2024-03-02", "2024-03-01", "2024-03-06", "2024-03-06"]
AS_OF = "2024-03-10"
#: rfm_summary in the business zone: one repeat occasion each, 1 and 5 days after the first.
EXPECTED = pd.DataFrame({"frequency": [1, 1], "recency": [1.0, 5.0], "T": [9.0, 9.0], "monetary_value": [5.0, 10.0]},
                        index=pd.Index(["C1", "C2"], name="customer_id", dtype="string"))


def instants(zone: str) -> pd.Series:
    return pd.to_datetime(pd.Series(STAMPS), format="ISO8601", utc=True).dt.tz_convert(zone)


def orders(dates: object) -> pd.DataFrame:
    return pd.DataFrame({"order_id": [f"O{i}" for i in range(6)], "customer_id": CUSTOMERS,
                         "order_date": dates, "amount": 5.0})


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    """The orders as CSV text, as Excel text cells and as Parquet with a New York (tz-aware) column."""
    out = {"csv": tmp_path / "csv" / "transactions.csv", "xlsx": tmp_path / "xlsx" / "transactions.xlsx",
           "parquet": tmp_path / "parquet" / "transactions.parquet"}
    for path in out.values():
        path.parent.mkdir()
    orders(STAMPS).to_csv(out["csv"], index=False)
    orders(STAMPS).to_excel(out["xlsx"], index=False)
    orders(instants("America/New_York")).to_parquet(out["parquet"])
    return out


def summary(data: CRMData) -> pd.DataFrame:
    return rfm_summary(clean(data).transactions, as_of=AS_OF)


def days(data: CRMData) -> list[str]:
    return data.transactions["order_date"].dt.strftime("%Y-%m-%d").tolist()


def setting(data: CRMData) -> tuple[str, str]:
    (entry,) = [f for f in data.load_report.files if "time zone (order_date)" in f.settings]
    return entry.settings["time zone (order_date)"]


@pytest.mark.parametrize("kind", ["csv", "xlsx", "parquet"])
def test_the_loader_gives_the_same_days_from_every_file_kind(files, kind):
    data = load(files[kind], time_zone="Asia/Shanghai", strict=True)
    assert days(data) == SHANGHAI_DAYS
    assert setting(data) == ("Asia/Shanghai", "given")
    pdt.assert_frame_equal(summary(data), EXPECTED)


def test_a_frame_and_crmdata_built_in_code_follow_the_same_rule():
    frame = orders(instants("America/New_York"))
    pdt.assert_frame_equal(rfm_summary(frame, as_of=AS_OF, time_zone="Asia/Shanghai"), EXPECTED)
    pdt.assert_frame_equal(rfm_summary(orders(instants("+08:00")), as_of=AS_OF), EXPECTED)  # the column's own zone
    table = schema.empty_table("transactions").reindex(pd.Index(range(2, 8), name="source_row"))
    table = table.assign(**{c: orders(instants("America/New_York"))[c].set_axis(table.index)
                            for c in ("order_id", "customer_id", "order_date", "amount")})
    cleaned = clean(CRMData(transactions=table), time_zone="Asia/Shanghai")
    assert days(cleaned) == SHANGHAI_DAYS
    assert cleaned.load_report.files[0].settings["time zone (order_date)"] == ("Asia/Shanghai", "given")
    pdt.assert_frame_equal(rfm_summary(cleaned.transactions, as_of=AS_OF), EXPECTED)
    by_own_zone = clean(CRMData(transactions=table))  # New York days: C2's second day is 5 March
    assert by_own_zone.load_report.files[0].settings["time zone (order_date)"] == ("America/New_York", "detected")
    assert days(by_own_zone)[4] == "2024-03-05"


def test_the_default_is_the_datas_own_zone_and_a_guess_is_recorded(files, tmp_path):
    csv = load(files["csv"])  # +08:00 three times, -05:00 twice, Z once: the most common offset, guessed
    assert setting(csv) == ("+08:00", "guessed") and days(csv) == SHANGHAI_DAYS
    parquet = tmp_path / "own.parquet"
    orders(instants("+08:00")).to_parquet(parquet)
    own = load(parquet, strict=True)  # one zone in the column: detected, no guess
    assert setting(own) == ("+08:00", "detected") and days(own) == SHANGHAI_DAYS
    pdt.assert_frame_equal(summary(csv), summary(own))
    with pytest.raises(Exception, match=r"time zone \(order_date\) guessed as '\+08:00'"):
        load(files["csv"], strict=True)


@pytest.mark.parametrize("variant", [
    ["2024-03-01T23:30:00+0800", "2024-03-01 15:45:00Z", "2024-03-02T00:10:00+08:00"],  # spellings of offsets
    ["2024-03-01 23:30:00+08:00", "2024-03-01T23:45:00+08:00", "2024-03-02 00:10:00+08:00"],
])
def test_offset_spellings_give_one_zone(variant):
    parsed, decisions = read_dates(pd.Series(variant))
    assert parsed.dt.strftime("%m-%d %H:%M").tolist() == ["03-01 23:30", "03-01 23:45", "03-02 00:10"]
    assert decisions["time zone"][0] == "+08:00"


def test_zoned_values_in_an_object_column_count_each_value():
    """Equal instants in two zones are one unique value; the zone vote still counts every value."""
    values = pd.Series([pd.Timestamp(s) for s in STAMPS[:3]] + [None], dtype=object)
    local, zone = local_times(values)
    assert zone == ("+08:00", "guessed")
    assert local.dt.strftime("%m-%d %H:%M").tolist()[:3] == ["03-01 23:30", "03-01 23:45", "03-02 00:10"]
    assert choose_zone({"-05:00": 1, "+08:00": 1}) == ("-05:00", "guessed")  # a tie: the first seen


@pytest.mark.parametrize("zone", [None, "Asia/Shanghai", "+08:00"])
def test_duckdb_gives_the_same_summary_from_a_frame_parquet_and_csv(files, zone):
    pytest.importorskip("duckdb", reason="duckdb is not installed")
    expected = EXPECTED
    frame = orders(instants("+08:00"))
    frame.to_parquet(files["parquet"])
    for source in (frame, files["parquet"], files["csv"]):
        pdt.assert_frame_equal(rfm_summary_duckdb(source, as_of=AS_OF, time_zone=zone), expected)
    pdt.assert_frame_equal(rfm_summary_duckdb(orders(instants("America/New_York")), as_of=AS_OF,
                                              time_zone="Asia/Shanghai"), expected)


@pytest.mark.parametrize("engine", ["pandas", "duckdb", "spark"])
def test_customer_features_take_local_days_of_a_zoned_frame_on_every_engine(engine):
    pytest.importorskip({"pandas": "pandas", "duckdb": "duckdb", "spark": "pyspark"}[engine])
    if engine == "spark" and shutil.which("java") is None:
        pytest.skip("Spark needs Java 17+, not found on PATH")
    features = customer_features(CRMData(transactions=orders(instants("+08:00"))), as_of=AS_OF, engine=engine)
    assert features["recency_days"].tolist() == [8, 4]  # last days 2 and 6 March, business (own) zone
    assert features["last_purchase"].astype(str).tolist() == ["2024-03-02 00:10:00", "2024-03-06 12:50:00"]


def test_spark_gives_the_same_summary_from_pandas_and_from_parquet(files):
    pytest.importorskip("pyspark", reason="pyspark is an optional extra: pip install -e '.[spark]'")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java 17+, not found on PATH")
    from pyspark.sql import SparkSession

    session = SparkSession.builder.master("local[2]").config("spark.ui.enabled", "false").getOrCreate()
    before = session.conf.get("spark.sql.session.timeZone")
    try:
        frame = orders(instants("America/New_York"))
        pdt.assert_frame_equal(rfm_summary_spark(frame, as_of=AS_OF, time_zone="Asia/Shanghai"), EXPECTED)
        pdt.assert_frame_equal(rfm_summary_spark(orders(instants("+08:00")), as_of=AS_OF), EXPECTED)
        lake = session.read.parquet(str(files["parquet"]))  # instants without a zone
        pdt.assert_frame_equal(rfm_summary_spark(lake, as_of=AS_OF, time_zone="+08:00"), EXPECTED)
    finally:
        session.conf.set("spark.sql.session.timeZone", before)
