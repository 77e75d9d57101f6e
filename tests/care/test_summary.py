"""crm_analysis.care.summary and satisfaction: the care-call list (masked) and the manager's sentences."""

from __future__ import annotations

import pandas as pd

from crm_analysis import care

AS_OF = pd.Timestamp("2024-07-01")


def test_care_call_list_puts_recent_unresolved_complaints_first_and_masks():
    tiers = pd.DataFrame({"tier": ["A", "B", "C"], "value_at_risk": [50.0, 900.0, 70.0]}, index=["C1", "C2", "C3"])
    overdue = pd.DataFrame({"customer_id": ["C2", "C1"], "tier": ["B", "A"], "value_at_risk": [900.0, 50.0]})
    times = pd.DataFrame({"customer_id": ["C1", "C3", "C3"],
                          "date": pd.to_datetime(["2024-06-25", "2024-01-01", "2024-06-30"]),
                          "is_resolved": pd.array([False, False, True], dtype="boolean")})
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["王芳", "Zhao Lei"],
                              "phone": ["13812345678", "13900001111"]})
    out = care.care_call_list(overdue, times, tiers, AS_OF, customers=customers)
    assert out["customer_id"].tolist() == ["C1", "C2"]  # C3's old complaint is past 30 days, its new one resolved
    assert out["reason"].tolist() == ["unresolved complaint", "visit overdue"]
    assert "13812345678" not in out.to_csv() and "王芳" not in out.to_csv()


def test_manager_summary_in_both_languages():
    by_tier = pd.DataFrame({"on_time_share": [0.5], "plan_days": [30.0], "overdue": [3]},
                           index=pd.Index(["A"], name="tier"))
    standards = pd.DataFrame({"response_on_time": [0.9], "resolution_rate": [0.6]}, index=["all"])
    pareto = pd.DataFrame({"topic": ["delivery", "price"], "vital_few": [True, False]})
    en = care.manager_summary(by_tier, standards, pareto=pareto, calls=7)
    assert en[1] == "This week's care-call list has 7 customers, largest value at risk first."
    assert "90%" in en[2] and "60%" in en[3] and en[-1].endswith(": delivery.")
    zh = care.manager_summary(by_tier, standards, pareto=pareto, calls=7, lang="zh")
    assert len(zh) == len(en) and all("customers" not in s for s in zh)
    assert care.manager_summary(None) == []


def test_satisfaction_by_month_and_topic():
    log = pd.DataFrame({"date": pd.to_datetime(["2024-02-01", "2024-01-01", "2024-01-09", "2024-01-10"]),
                        "satisfaction": [4.0, 5.0, 1.0, None], "topic": ["a", "a", "b", "b"]})
    by_month = care.satisfaction_by(log)
    assert by_month.index.tolist() == ["2024-01", "2024-02"] and by_month["rated"].tolist() == [2, 1]
    assert care.satisfaction_by(log, "topic").index.tolist() == ["b", "a"]


def test_no_topic_is_named_to_fix_first_when_every_topic_resolves_well():
    """The CFPB sample resolves 99% or more in every channel and topic: naming the 'lowest' would mislead."""
    good = pd.DataFrame({"resolution_rate": [0.99, 0.995]}, index=["Phone", "Web"])
    text = " ".join(care.manager_summary(None, by_topic=good))
    assert "none stands out" in text and "fix that first" not in text
    poor = pd.DataFrame({"resolution_rate": [0.62, 0.9]}, index=["refund", "delivery"])
    assert "The lowest resolution rate is in 'refund' (62%): fix that first." in care.manager_summary(
        None, by_topic=poor)
