"""engine="sql": the customer summary computed inside SQLite and PostgreSQL equals the pandas engine's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.cleaning import clean
from crm_analysis.features import rfm_summary
from crm_analysis.features.sql_engine import rfm_summary_sql


def _hostile(seed: int = 11) -> pd.DataFrame:
    """Returns on the day and later, missing status, cancellations, a return-only customer, times of day."""
    rng = np.random.default_rng(seed)
    n = 400
    tx = pd.DataFrame({
        "customer_id": rng.choice([f"C{i:03d}" for i in range(40)], n),
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400 * 24, n), unit="h"),
        "amount": np.round(rng.gamma(2.0, 30.0, n), 2),
        "status": rng.choice(["completed", "completed", "completed", "returned", "cancelled", None], n),
    })
    tx.loc[tx["status"] == "returned", "amount"] *= -1
    tx.loc[5, "amount"] = -12.5  # negative amount without a return status
    tx.loc[6, "status"] = None
    same_day = pd.DataFrame({"customer_id": ["SAME", "SAME", "SAME", "ONLYRET"],
                             "order_date": pd.to_datetime(["2024-03-01 10:00", "2024-03-01 15:00", "2024-04-01 09:00",
                                                           "2024-05-01 09:00"]),
                             "amount": [50.0, -50.0, 20.0, -9.0],
                             "status": ["completed", "returned", None, "returned"]})
    return pd.concat([tx, same_day], ignore_index=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> sa.Engine:
    if request.param == "sqlite":
        return sa.create_engine(f"sqlite:///{tmp_path / 'tx.db'}")
    return sa.create_engine(request.getfixturevalue("postgresql_url"))


def _store(engine: sa.Engine, tx: pd.DataFrame, name: str) -> None:
    frame = tx.copy()
    if engine.dialect.name == "sqlite":  # SQLite keeps dates as ISO text
        frame["order_date"] = frame["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S")
    frame.astype({"amount": "float64"}).to_sql(name, engine, index=False, if_exists="replace")


@pytest.mark.parametrize("options", [{"as_of": "2025-01-31"}, {"as_of": "2024-06-30"},
                                     {"as_of": "2025-01-31", "calibration_end": "2024-09-30", "time_unit": "W"}])
def test_hostile_lines_match_the_pandas_engine(database: sa.Engine, options: dict) -> None:
    tx = _hostile()
    _store(database, tx, "tx_hostile")
    got = rfm_summary(database, engine="sql", table="tx_hostile", **options)
    want = rfm_summary(tx, **options)
    pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9)
    assert "ONLYRET" not in got.index and got.loc["SAME", "frequency"] == 0  # the returned day is no occasion


def test_without_a_status_column(database: sa.Engine) -> None:
    tx = _hostile().drop(columns="status")
    _store(database, tx, "tx_nostatus")
    pd.testing.assert_frame_equal(rfm_summary(database, engine="sql", table="tx_nostatus", as_of="2025-01-31"),
                                  rfm_summary(tx, as_of="2025-01-31"), check_exact=False, rtol=1e-9)


def test_teaching_data_matches_the_pandas_engine(database: sa.Engine, teaching_data) -> None:
    tx = clean(teaching_data).transactions[["customer_id", "order_id", "order_date", "amount", "status"]]
    _store(database, tx, "tx_teaching")
    got = rfm_summary(database, engine="sql", table="tx_teaching", as_of="2026-01-01")
    pd.testing.assert_frame_equal(got, rfm_summary(tx, as_of="2026-01-01"), check_exact=False, rtol=1e-9)
    assert len(got) > 4000


def test_mapping_and_missing_values(tmp_path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    pd.DataFrame({"member": ["A", "A", None], "paid": ["2024-01-01", "2024-02-01", "2024-02-02"],
                  "total": [5.0, 7.0, 1.0]}).to_sql("orders", engine, index=False)
    mapping = {"transactions": {"table": "orders", "columns": {"customer_id": "member", "order_date": "paid",
                                                                "amount": "total"}}}
    with pytest.raises(CRMDataError, match="column 'customer_id' has 1 missing value"):
        rfm_summary_sql(engine, as_of="2024-03-01", mapping=mapping)
    mapping["transactions"] = "SELECT member AS customer_id, paid AS order_date, total AS amount FROM orders " \
                              "WHERE member IS NOT NULL"
    assert rfm_summary_sql(engine, as_of="2024-03-01", mapping=mapping)["frequency"].tolist() == [1]
