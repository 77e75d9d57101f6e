"""crm_analysis.care.visits: tiers, plan adherence, the overdue list (masked)."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import care

AS_OF = pd.Timestamp("2024-07-01")


def _log() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": ["A1", "A1", "A2", "B1", "C1", "C1"],
        "date": pd.to_datetime(["2024-01-01", "2024-06-15", "2024-03-01", "2024-05-01", "2023-01-01", "2024-06-30"]),
        "kind": ["visit", "care_call", "visit", "visit", "care_call", "complaint"],  # a complaint is no visit
    })


def test_plan_adherence_applies_each_tiers_days_and_ignores_other_kinds():
    tiers = pd.Series({"A1": "A", "A2": "A", "B1": "B", "C1": "C"})
    out = care.plan_adherence(_log(), tiers, AS_OF)
    assert out["on_time"].to_dict() == {"A1": True, "A2": False, "B1": True, "C1": False}
    assert out.loc["A2", "overdue_days"] == (AS_OF - pd.Timestamp("2024-03-01")).days - 30
    assert out.loc["C1", "days_since"] == (AS_OF - pd.Timestamp("2023-01-01")).days


def test_contacts_on_or_after_as_of_do_not_count():
    log = pd.DataFrame({"customer_id": ["A1"], "date": [AS_OF], "kind": ["visit"]})
    out = care.plan_adherence(log, pd.Series({"A1": "A"}), AS_OF)
    assert not out.loc["A1", "on_time"] and pd.isna(out.loc["A1", "last_contact"])


def test_never_contacted_customers_are_due_one_period_after_their_first_purchase():
    tiers = pd.Series({"N1": "A", "N2": "A"})
    since = pd.Series(pd.to_datetime(["2024-06-20", "2024-01-01"]), index=["N1", "N2"])
    out = care.plan_adherence(_log(), tiers, AS_OF, since=since)
    assert out.loc["N1", "overdue_days"] == 0  # a customer of 11 days is not yet due
    assert out.loc["N2", "overdue_days"] == (AS_OF - pd.Timestamp("2024-01-01")).days - 30


def test_a_tier_without_a_plan_is_named():
    with pytest.raises(ValueError, match="tier\\(s\\) D"):
        care.plan_adherence(_log(), pd.Series({"A1": "D"}), AS_OF)


def test_adherence_by_tier_shares():
    tiers = pd.Series({"A1": "A", "A2": "A", "B1": "B", "C1": "C"})
    table = care.adherence_by_tier(care.plan_adherence(_log(), tiers, AS_OF))
    assert table.loc["A", "on_time_share"] == 0.5 and table.loc["A", "overdue"] == 1
    assert table["plan_days"].tolist() == [30.0, 90.0, 365.0]


def test_customer_tiers_prefers_chapter_4_and_falls_back_to_abc_on_net_spend():
    spend = pd.Series({"C1": 80.0, "C2": 15.0, "C3": 5.0, "C4": -20.0})  # C4 returned more than it bought
    own = care.customer_tiers(spend, why_not="chapter 4 did not run")
    assert not own.from_chapter_4 and own.note.startswith("chapter 4 did not run: ")
    assert own.frame["tier"].to_dict() == {"C1": "A", "C2": "B", "C3": "C", "C4": "C"}
    ch4 = pd.DataFrame({"value_tier": ["B"], "clv": [100.0], "p_alive": [0.25]}, index=pd.Index(["C1"]))
    theirs = care.customer_tiers(spend, customer_value=ch4)
    assert theirs.from_chapter_4 and theirs.frame.loc["C1", "value_at_risk"] == 75.0
    assert theirs.frame.loc["C2", "tier"] == "C" and theirs.frame.loc["C2", "value"] == 0.0  # not rated by ch. 4


def test_overdue_list_orders_by_value_at_risk_and_masks_personal_data():
    tiers = pd.Series({"A2": "A", "C1": "C"})
    adherence = care.plan_adherence(_log(), tiers, AS_OF)
    values = pd.DataFrame({"value": [10.0, 900.0], "value_at_risk": [10.0, 900.0]}, index=["A2", "C1"])
    customers = pd.DataFrame({"customer_id": ["A2", "C1"], "name": ["张伟", "Li Na"],
                              "phone": ["13812345678", "+86 139 0000 1111"]})
    out = care.overdue_list(adherence, values, customers)
    assert out["customer_id"].tolist() == ["C1", "A2"]
    text = out.to_csv()
    assert "13812345678" not in text and "张伟" not in text and "Li Na" not in text and "0000 1111" not in text
    raw = care.overdue_list(adherence, values, customers, show_pii=True)
    assert "张伟" in raw["name"].tolist()
