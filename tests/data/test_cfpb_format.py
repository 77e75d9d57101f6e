"""The CFPB consumer-complaint export: detected, mapped to interactions with no customer link (issue 19)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import detect_format, load

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "cfpb-consumer-complaints-sample"
SAMPLE = SHARED / "complaints_sample.csv"
HEADER = ["Date received", "Product", "Sub-product", "Issue", "Sub-issue", "Consumer complaint narrative",
          "Company public response", "Company", "State", "ZIP code", "Tags", "Consumer consent provided?",
          "Submitted via", "Date sent to company", "Company response to consumer", "Timely response?",
          "Consumer disputed?", "Complaint ID"]


def _export(tmp_path: Path) -> Path:
    """Five complaints in the export's layout, with the awkward values it really has."""
    rows = [
        ["2020/3/18", "Debt collection", "", "Attempts to collect debt not owed", "", "", "", "ACME INC", "FL",
         "330XX", "", "Other", "Web", "2020/3/18", "Closed with explanation", "Yes", "N/A", "3571115"],
        ["2019/9/24", "Mortgage", "", "Trouble during payment", "", "They lost my payment. Call me on XXXX",
         "", "BANK CO", "PA", "15206", "Servicemember", "Consent provided", "Phone", "2019/9/25",
         "In progress", "Yes", "No", "3384392"],
        ["2019/9/19", "Mortgage", "", "Trouble during payment", "", "Payment applied late again", "",
         "BANK CO", "", "", "", "Consent provided", "Referral", "2019/9/30", "Untimely response", "No", "Yes",
         "3379500"],
        ["2019/10/25", "Credit card", "", "Fees", "", "", "", "CARD LLC", "TX", "750XX", "", "", "Web",
         "2019/10/25", "Closed with monetary relief", "Yes", "", "3421000"],
        ["2019/10/26", "Credit card", "", "Fees", "", "", "", "CARD LLC", "TX", "750XX", "", "", "Web",
         "2019/10/26", "Closed", "No", "N/A", "3421001"],
    ]
    path = tmp_path / "complaints.csv"
    pd.DataFrame(rows, columns=HEADER).to_csv(path, index=False)
    return path


def test_the_export_is_detected_and_mapped_to_interactions(tmp_path):
    path = _export(tmp_path)
    assert detect_format(path) == "cfpb_complaints"
    data = load(path)
    assert data.customers is None and data.transactions is None
    log = data.interactions
    assert log["customer_id"].isna().all() and (log["kind"] == "complaint").all()
    assert log["interaction_id"].tolist() == ["3571115", "3384392", "3379500", "3421000", "3421001"]
    assert log["date"].iloc[0] == pd.Timestamp("2020-03-18")
    assert log["agent"].tolist()[:2] == ["ACME INC", "BANK CO"] and log["channel"].iloc[2] == "Referral"
    assert log["topic"].iloc[1] == "Mortgage" and log["issue"].iloc[1] == "Trouble during payment"
    assert log["timely_response"].tolist() == [True, True, False, True, False]
    assert log["resolved"].tolist()[:3] == [True, pd.NA, False]  # closed, in progress, untimely
    assert log["consumer_disputed"].isna().tolist() == [True, False, False, True, True]
    assert "zip_code" not in log and log["sent_to_company"].iloc[2] == pd.Timestamp("2019-09-30")


def test_cleaning_keeps_every_complaint_without_a_customer(tmp_path):
    data = clean(load(_export(tmp_path)))
    assert len(data.interactions) == 5 and (data.quarantine is None or data.quarantine.empty)


@pytest.mark.skipif(not SAMPLE.is_file(), reason="../shared/data/cfpb-consumer-complaints-sample/ is not here")
def test_real_sample_keeps_the_registers_timely_share():
    raw = pd.read_csv(SAMPLE, dtype="string")
    data = clean(load(SAMPLE))
    log = data.interactions
    assert len(log) == len(raw) == 6623
    assert log["timely_response"].mean() == pytest.approx((raw["Timely response?"] == "Yes").mean())
    assert log["text"].notna().sum() == raw["Consumer complaint narrative"].notna().sum()
    assert log["date"].notna().all()
