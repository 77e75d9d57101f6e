"""crm_analysis.care.log: contacts over time, per tier, and gaps in the log (hostile variants included)."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import care
from crm_analysis.core.errors import CRMDataError


def _log() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": pd.array(["C1", "C1", "C2", None, "C9", "C1"], dtype="string"),
        "date": pd.to_datetime(["2024-01-03", "2024-01-28", "2024-02-10", "2024-02-11", "2024-03-01", None]),
        "kind": ["visit", "complaint", "care_call", "inquiry", "visit", "visit"],
        "channel": ["phone", None, "phone", "wechat", "visit", "phone"],
    })


def test_contacts_over_time_counts_each_contact_once_and_names_missing_values():
    table = care.contacts_over_time(_log(), by="channel")
    assert table.index.tolist() == ["2024-01", "2024-02", "2024-03"]  # the undated contact has no month
    assert table.loc["2024-01"].to_dict() == {"(unknown)": 1, "phone": 1, "visit": 0, "wechat": 0}
    assert int(table.to_numpy().sum()) == 5


def test_contacts_over_time_names_a_missing_column():
    with pytest.raises(CRMDataError, match="channel"):
        care.contacts_over_time(_log().drop(columns="channel"), by="channel")


def test_contacts_per_customer_counts_customers_without_contacts():
    tiers = pd.Series({"C1": "A", "C2": "B", "C3": "B", "C4": "C"})
    out = care.contacts_per_customer(_log(), tiers)
    assert out.loc["A", "contacts"] == 3 and out.loc["A", "contacts_per_customer"] == 3.0
    assert out.loc["B", "customers"] == 2 and out.loc["B", "share_ever_contacted"] == 0.5
    assert out.loc["C", "contacts"] == 0 and out.loc["C", "share_ever_contacted"] == 0.0
    assert out.loc["A", "per_customer_visit"] == 2.0


def test_log_gaps_counts_buyers_never_contacted_and_orphan_contacts():
    tx = pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C3", None]})
    gaps = care.log_gaps(_log(), tx).set_index("gap")
    assert gaps.loc["buyers never contacted", ["rows", "of"]].tolist() == [1, 3]
    assert gaps.loc["contacts without a customer key", "rows"] == 1
    assert gaps.loc["contacts with an unknown customer", "rows"] == 1  # C9 neither bought nor is a customer
    # Without transactions only the missing keys can be counted.
    assert care.log_gaps(_log())["gap"].tolist() == ["contacts without a customer key"]
