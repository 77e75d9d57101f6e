"""Tests of crm_analysis.features.rfm_summary (buy-till-you-die customer summary)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.paths import CDNOW_DIR
from crm_analysis.features import rfm_summary


def _read_cdnow_sample() -> pd.DataFrame:
    """Tiny local reader: master_id sample_id date(YYYYMMDD) cds dollars, no header."""
    raw = pd.read_csv(
        CDNOW_DIR / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
        dtype={"date": str},
    )
    return pd.DataFrame(
        {
            "customer_id": raw["sample_id"].astype(int).astype(str).astype("string"),
            "order_date": pd.to_datetime(raw["date"], format="%Y%m%d"),
            "amount": raw["dollars"].astype(float),
        }
    )


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return rfm_summary(_read_cdnow_sample(), as_of="1998-06-30", calibration_end="1997-09-30", time_unit="W")


def _reference(name: str) -> pd.DataFrame:
    ref = pd.read_csv(CDNOW_DIR / name, dtype={"ID": str})
    return ref.set_index("ID")


def test_cdnow_matches_published_summary(cdnow_summary: pd.DataFrame) -> None:
    ref = _reference("cdnow_customers_summary.csv")
    assert len(cdnow_summary) == len(ref) == 2357
    joined = cdnow_summary.join(ref.add_suffix("_ref"), how="inner")
    assert len(joined) == 2357
    assert (joined["frequency"] == joined["frequency_ref"]).all()
    assert np.allclose(joined["recency"], joined["recency_ref"], atol=0.01)
    assert np.allclose(joined["T"], joined["T_ref"], atol=0.01)


def test_cdnow_matches_summary_with_transactions(cdnow_summary: pd.DataFrame) -> None:
    ref = _reference("cdnow_customers_summary_with_transactions.csv")
    joined = cdnow_summary.join(ref[["x", "t_x", "T", "zbar"]].add_suffix("_ref"), how="inner")
    assert len(joined) == 2357
    assert (joined["frequency"] == joined["x_ref"]).all()
    assert np.allclose(joined["recency"], joined["t_x_ref"], atol=0.01)
    assert np.allclose(joined["T"], joined["T_ref"], atol=0.01)
    assert np.allclose(joined["monetary_value"], joined["zbar_ref"], atol=0.01)


def test_cdnow_holdout_totals(cdnow_summary: pd.DataFrame) -> None:
    # 4,339 repeat purchase occasions in the 78 weeks (Fader, Hardie & Lee 2005), 2,457 in calibration.
    assert cdnow_summary["frequency"].sum() == 2457
    assert cdnow_summary["frequency_holdout"].sum() == 4339 - 2457
    assert np.allclose(cdnow_summary["duration_holdout"], 273 / 7)


def _tx(rows: list[tuple[str, str, float]], status: list[str] | None = None) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])
    frame["customer_id"] = frame["customer_id"].astype("string")
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="ISO8601")
    if status is not None:
        frame["status"] = pd.array(status, dtype="string")
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="source_row")
    return frame


def test_same_day_purchases_are_one_occasion_and_first_purchase_excluded_from_value() -> None:
    tx = _tx(
        [
            ("A", "2024-01-01 09:00", 10.0),
            ("A", "2024-01-01 17:30", 5.0),  # same day: one occasion of 15
            ("A", "2024-01-11", 30.0),
            ("A", "2024-01-11", 10.0),  # second occasion of 40
            ("A", "2024-01-21", 20.0),
            ("B", "2024-01-05", 99.0),
        ]
    )
    out = rfm_summary(tx, as_of="2024-01-31")
    assert out.loc["A"].tolist() == [2, 20.0, 30.0, 30.0]  # frequency, recency, T, mean of 40 and 20
    assert out.loc["B"].tolist() == [0, 0.0, 26.0, 0.0]
    assert out["frequency"].dtype == np.int64
    assert out.index.name == "customer_id"


def test_status_filter_and_period_end() -> None:
    tx = _tx(
        [
            ("A", "2024-01-01", 10.0),
            ("A", "2024-01-03", 50.0),
            ("A", "2024-01-05", 70.0),
            ("A", "2024-02-10", 80.0),  # after as_of: ignored
            ("C", "2024-02-01", 5.0),  # first purchase after as_of: absent
        ],
        status=["completed", "cancelled", "completed", "completed", "completed"],
    )
    out = rfm_summary(tx, as_of="2024-01-31")
    assert list(out.index) == ["A"]
    assert out.loc["A", "frequency"] == 1
    assert out.loc["A", "recency"] == 4.0
    assert out.loc["A", "monetary_value"] == 70.0


def test_calibration_and_holdout_columns() -> None:
    tx = _tx(
        [
            ("A", "2024-01-01", 10.0),
            ("A", "2024-01-15", 20.0),
            ("A", "2024-02-01", 30.0),
            ("A", "2024-02-03", 50.0),
            ("B", "2024-02-02", 7.0),  # first purchase in holdout: not in the calibration sample
        ]
    )
    out = rfm_summary(tx, as_of="2024-02-29", calibration_end="2024-01-31", time_unit="W")
    assert list(out.index) == ["A"]
    row = out.loc["A"]
    assert row["frequency"] == 1
    assert row["recency"] == pytest.approx(2.0)
    assert row["T"] == pytest.approx(30 / 7)
    assert row["frequency_holdout"] == 2
    assert row["monetary_value_holdout"] == pytest.approx(40.0)
    assert row["duration_holdout"] == pytest.approx(29 / 7)


@pytest.mark.parametrize(("unit", "divisor"), [("D", 1.0), ("W", 7.0), ("M", 30.4375), ("Y", 365.25)])
def test_time_units(unit: str, divisor: float) -> None:
    tx = _tx([("A", "2024-01-01", 1.0), ("A", "2024-03-01", 2.0)])
    out = rfm_summary(tx, as_of="2024-12-31", time_unit=unit)
    assert out.loc["A", "recency"] == pytest.approx(60 / divisor)
    assert out.loc["A", "T"] == pytest.approx(365 / divisor)


def test_missing_column_raises_clear_error() -> None:
    tx = _tx([("A", "2024-01-01", 1.0)]).drop(columns="amount")
    with pytest.raises(CRMDataError, match="'amount'"):
        rfm_summary(tx, as_of="2024-01-31")


def test_missing_values_name_rows() -> None:
    tx = _tx([("A", "2024-01-01", 1.0), ("B", "2024-01-02", 2.0)])
    tx.loc[3, "order_date"] = pd.NaT
    with pytest.raises(CRMDataError, match=r"'order_date'.*rows 3"):
        rfm_summary(tx, as_of="2024-01-31")


def test_bad_arguments() -> None:
    tx = _tx([("A", "2024-01-01", 1.0)])
    with pytest.raises(ValueError, match="time_unit"):
        rfm_summary(tx, as_of="2024-01-31", time_unit="fortnight")
    with pytest.raises(ValueError, match="after as_of"):
        rfm_summary(tx, as_of="2024-01-31", calibration_end="2024-02-15")
    text_dates = tx.assign(order_date=tx["order_date"].astype(str))
    with pytest.raises(CRMDataError, match="must hold dates"):
        rfm_summary(text_dates, as_of="2024-01-31")


def test_nothing_in_period_gives_empty_frame() -> None:
    tx = _tx([("A", "2024-05-01", 1.0)])
    out = rfm_summary(tx, as_of="2024-01-31")
    assert out.empty
    assert list(out.columns) == ["frequency", "recency", "T", "monetary_value"]


def test_random_data_matches_naive_groupby() -> None:
    rng = np.random.default_rng(7)
    n = 3000
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i}" for i in rng.integers(0, 300, n)], dtype="string"),
            "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
            "amount": rng.gamma(2.0, 20.0, n).round(2),
        }
    )
    as_of = pd.Timestamp("2023-12-31")
    out = rfm_summary(tx, as_of=as_of)
    # Reference: straightforward pandas, one occasion per (customer, day).
    kept = tx[tx["order_date"] <= as_of]
    occ = kept.groupby(["customer_id", "order_date"], as_index=False)["amount"].sum()
    grouped = occ.groupby("customer_id")
    first, last = grouped["order_date"].min(), grouped["order_date"].max()
    first_amount = occ.sort_values("order_date").groupby("customer_id")["amount"].first()
    freq = grouped.size() - 1
    ref = pd.DataFrame(
        {
            "frequency": freq,
            "recency": (last - first).dt.days.astype(float),
            "T": (as_of - first).dt.days.astype(float),
            "monetary_value": ((grouped["amount"].sum() - first_amount) / freq.where(freq > 0)).fillna(0.0),
        }
    )
    pd.testing.assert_frame_equal(
        out, ref.loc[out.index], check_dtype=False, check_index_type=False, check_names=False
    )
    assert len(out) == len(ref)
