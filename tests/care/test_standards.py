"""crm_analysis.care.standards: response and resolution times, rates, re-opens and breaches."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis import care


def _log() -> pd.DataFrame:
    at = pd.to_datetime
    return pd.DataFrame({
        "customer_id": ["C1", "C1", "C2", "C3", "C4", "C5"],
        "kind": ["complaint", "complaint", "inquiry", "complaint", "inquiry", "visit"],
        "topic": ["late", "late", "price", "rude", "price", "demo"],
        "channel": ["phone", "phone", "web", "web", None, "visit"],
        "date": at(["2024-01-01 09:00", "2024-01-20 09:00", "2024-01-05 10:00", "2024-02-01 08:00",
                    "2024-02-02 08:00", "2024-02-03 08:00"]),
        "responded_at": at(["2024-01-01 10:00", "2024-01-22 09:00", "2024-01-04 10:00", "2024-02-01 20:00",
                            None, None]),  # C2's reply is dated before the question: an error, not -24 h
        "resolved_at": at(["2024-01-02 09:00", None, "2024-01-06 10:00", "2024-02-06 08:00", None, None]),
        "resolved": pd.array([True, False, True, True, pd.NA, pd.NA], dtype="boolean"),
    })


def test_service_times_hours_and_reopens():
    times = care.service_times(_log())
    assert len(times) == 5  # the visit asks for no service
    assert times["response_hours"].tolist()[:2] == [1.0, 48.0]
    assert np.isnan(times["response_hours"].iloc[2])
    assert times["resolution_hours"].tolist()[0] == 24.0
    assert times["reopened"].tolist() == [True, False, False, False, False]


def test_service_standards_against_the_standards():
    table = care.service_standards(care.service_times(_log()))
    row = table.loc["all"]
    assert row["responded"] == 3 and row["response_on_time"] == 2 / 3
    assert row["resolution_known"] == 4 and row["resolution_rate"] == 3 / 4
    assert row["resolved_on_time"] == 2 / 3  # 24 h, 24 h, 120 h against 72 h
    assert row["reopen_rate"] == 1 / 3


def test_service_standards_by_channel_topic_and_month():
    times = care.service_times(_log())
    by_channel = care.service_standards(times, by="channel")
    assert by_channel.index.tolist() == ["(unknown)", "phone", "web"]
    assert by_channel.loc["phone", "response_on_time"] == 0.5
    assert care.service_standards(times, by="month")["contacts"].to_dict() == {"2024-01": 3, "2024-02": 2}
    strict = care.service_standards(times, first_response_hours=0.5)
    assert strict.loc["all", "response_on_time"] == 0.0


def test_a_source_timely_flag_is_reported_as_is():
    log = _log().assign(timely_response=pd.array([True, True, False, True, True, True], dtype="boolean"))
    assert care.service_standards(care.service_times(log)).loc["all", "timely_share"] == 0.8


def test_breaches_name_the_standard_broken():
    out = care.breaches(care.service_times(_log()))
    assert out["customer_id"].tolist() == ["C3", "C1"]
    assert out["breach"].tolist() == ["slow resolution", "slow response; not resolved"]
    assert "text" not in out


def test_without_timestamps_the_rates_remain_and_a_note_says_what_is_missing():
    log = _log().drop(columns=["responded_at", "resolved_at"])
    assert "responded_at, resolved_at" in care.missing_columns_note(log)
    row = care.service_standards(care.service_times(log)).loc["all"]
    assert row["responded"] == 0 and np.isnan(row["response_on_time"])
    assert row["resolution_rate"] == 3 / 4
    assert care.missing_columns_note(_log()) is None
