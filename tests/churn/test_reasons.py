"""Tests of crm_analysis.churn.reasons: stated reasons, the Pareto, inferred reasons and their accuracy."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis import churn


def test_text_confusion_is_cross_validated_counts():
    texts = ["太贵", "too expensive", "价格高", "客服差", "rude staff", "没人回电"] * 3
    stated = ["price"] * 3 + ["service"] * 3
    cm = churn.text_confusion(texts, stated * 3, seed=0)
    assert cm.to_numpy().sum() == 18
    assert cm.loc["price", "price"] == 9 and cm.loc["service", "service"] == 9


def test_stated_reasons_uses_text_when_category_blank():
    survey = pd.DataFrame({"customer_id": ["A", "B", "C"], "reason_category": ["price", None, "bogus"],
                           "reason_text": ["x", "客服态度差", None]})
    out = churn.stated_reasons(survey)
    assert out["reason_category"].to_dict() == {"A": "price", "B": "service"}
    assert out["category_from"].to_dict() == {"A": "survey", "B": "text"}


def test_reason_pareto_by_group_shares_sum_to_one():
    reasons = pd.DataFrame({"reason_category": ["price", "price", "service", "quality"],
                            "lost_revenue": [1.0, 2.0, 3.0, 4.0], "segment": ["A", "A", "A", "B"]})
    table = churn.reason_pareto(reasons, by="segment")
    assert table.groupby("segment")["share"].sum().tolist() == [1.0, 1.0]
    assert table.loc[table["segment"] == "A", "reason_category"].iloc[0] == "price"
    assert table["lost_revenue"].sum() == 10.0


def test_infer_reasons_learns_from_answers_and_falls_back_to_rules():
    rng = np.random.default_rng(0)
    n = 200
    complaints = rng.integers(0, 2, n).astype(float)
    f = pd.DataFrame({"unresolved_complaints": complaints, "returns": 1 - complaints,
                      "n_purchase_days": rng.integers(2, 9, n).astype(float)}, index=[f"C{i}" for i in range(n)])
    truth = pd.Series(np.where(complaints > 0, "service", "quality"), index=f.index)
    stated = truth.iloc[:100]
    result = churn.infer_reasons(f, stated, seed=0)
    assert "gradient boosting" in result.method
    inferred = result.reasons[result.reasons["source"] == "inferred"]
    assert len(inferred) == 100
    assert (inferred["reason_category"] == truth.reindex(inferred.index)).mean() > 0.95
    few = churn.infer_reasons(f, stated.iloc[:5], seed=0)
    assert few.method.startswith("behaviour rules")
    no_history = churn.infer_reasons(pd.DataFrame({"tenure_months": [1.0]}, index=["X"]), pd.Series(dtype="string"))
    assert no_history.reasons["reason_category"].isna().all()
    table = churn.churn_reasons_table(churn.LostCustomers(no_history.reasons.assign(lost_revenue=12.0),
                                                          pd.DataFrame(), no_history.method))
    assert table.to_dict("records") == [{"reason_category": "unknown", "customers": 1, "lost_revenue": 12.0,
                                         "source": "none"}]


def test_reason_accuracy_scores_inferred_only():
    reasons = pd.DataFrame({"reason_category": ["price", "service", "quality"],
                            "source": ["stated", "inferred", "inferred"],
                            "rule_reason": ["price", "service", "service"]}, index=["A", "B", "C"])
    truth = pd.DataFrame({"customer_id": ["A", "B", "C"], "churn_reason": ["quality", "service", "price"]})
    acc = churn.reason_accuracy(reasons, truth)
    assert acc["customers"].iloc[0] == 2
    assert acc["accuracy"].tolist()[:2] == [0.5, 0.5]
