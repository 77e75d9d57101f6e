"""Tests of crm_analysis.churn.summary: the manager's sentences, in English and from the catalogue in Chinese."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis import churn
from crm_analysis.core import i18n


def _inputs() -> tuple[churn.LostCustomers, pd.DataFrame, pd.DataFrame]:
    table = pd.DataFrame({"reason_category": ["price", "price", "service"], "source": ["stated"] * 3,
                          "lost_revenue": [10.0, 10.0, 50.0]})
    evaluation = pd.DataFrame({"model": ["logistic_regression", "gradient_boosting"], "roc_auc": [0.70, 0.78],
                               "top_decile_lift": [2.0, 2.4]})
    bridge = pd.DataFrame({"component": ["start", "new", "reactivated", "expansion", "contraction", "lost", "end"],
                           "amount": [100.0, 10.0, 2.0, 30.0, -5.0, -20.0, 117.0]})
    return churn.LostCustomers(table, pd.DataFrame(), ""), evaluation, bridge


def test_manager_summary_in_english_names_the_best_model_and_the_bridge():
    lines = churn.manager_summary(*_inputs(), lang="en")
    assert lines == [
        "The most common reason for leaving is price (2 of 3 lost customers, 67%); the most costly is service "
        "(50 a year).",
        "Calling the 10% of active customers with the highest churn risk reaches 2.4× as many future churners as "
        "calling at random (gradient boosting, ROC-AUC 0.78).",
        "Revenue went from 100 to 117 (+17): new customers brought 10, returning ones 2, existing customers spent "
        "30 more and 5 less, and lost customers took 20 with them.",
    ]


def test_manager_summary_in_chinese_comes_from_the_catalogue():
    lines = churn.manager_summary(*_inputs(), lang="zh")
    assert lines == [
        "最常见的流失原因是价格（3 位流失客户中有 2 位，67%）；损失最大的原因是服务（每年 50）。",
        "致电流失风险最高的 10% 活跃客户，触达的未来流失客户是随机致电的 2.4 倍（梯度提升，ROC-AUC 0.78）。",
        "收入从 100 变为 117（+17）：新客户带来 10，回流客户带来 2，现有客户多消费 30、少消费 5，流失客户带走了 20。",
    ]


def test_manager_summary_says_nothing_without_results():
    assert churn.manager_summary(None, None, None, lang="en") == []


def test_window_sentence_in_both_languages():
    window = churn.InactivityWindow(139, 0.9, pd.Series([10.0, 100.0, 200.0]))
    assert window.describe("en") == ("A customer counts as lost after 139 days without a purchase (the 90% percentile "
                                     "of 3 inter-purchase times; 67% of observed repeat purchases came sooner).")
    assert window.describe("zh") == ("客户连续 139 天没有购买即视为流失（3 个购买间隔的 90% 分位数；"
                                     "67% 的重复购买在此之前发生）。")


def test_sentences_show_reason_labels_not_keys():
    # Chapter 3 once said "the most common reason is no_longer_needed": sentences use the catalogue label.
    table = pd.DataFrame({"reason_category": ["no_longer_needed"] * 2 + ["relocation"], "source": ["stated"] * 3,
                          "lost_revenue": [1.0, 1.0, 9.0]})
    lost = churn.LostCustomers(table, pd.DataFrame(), "")
    english = churn.manager_summary(lost, None, None, lang="en")[0]
    assert "reason for leaving is no longer needed (2 of 3" in english and "_" not in english
    chinese = churn.manager_summary(lost, None, None, lang="zh")[0]
    assert "不再需要" in chinese and "no_longer_needed" not in chinese


def test_rule_method_sentence_shows_labels_not_keys():
    features = pd.DataFrame({"n_purchase_days": np.arange(1.0, 4.0)}, index=["A", "B", "C"])
    for lang, label in (("en", "single purchase → no longer needed"), ("zh", "只购买过一次 → 不再需要")):
        i18n.set_language(lang)
        try:
            method = churn.infer_reasons(features, pd.Series(dtype="string"), seed=0).method
        finally:
            i18n.set_language("en")
        assert label in method and "no_longer_needed" not in method
