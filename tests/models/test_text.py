"""Tests of crm_analysis.models.text: the reason-text classifier in Chinese and English."""

from __future__ import annotations

import pytest

from crm_analysis.models.text import ReasonTextClassifier, keyword_reason


@pytest.mark.parametrize(("text", "category"), [
    ("价格太高", "price"), ("太贵了", "price"), ("too expensive", "price"), ("Price too high", "price"),
    ("客服态度差", "service"), ("support never called back", "service"), ("Attitude of support person", "service"),
    ("质量有问题", "quality"), ("the product broke after a week", "quality"),
    ("moved to another city", "relocation"), ("搬家了", "relocation"),
    ("不再需要了", "no_longer_needed"), ("no longer need it", "no_longer_needed"),
    ("Competitor made better offer", "competitor"), ("换了别家", "competitor"),
])
def test_text_classifier_chinese_and_english(text, category):
    assert ReasonTextClassifier().fit().predict([text]) == [category]


def test_text_classifier_tfidf_fallback_and_blank():
    clf = ReasonTextClassifier().fit(["价钱不合理", "价钱高"], ["price", "price"])
    frame = clf.predict_frame(["价钱太高", "", None])
    assert frame.loc[0, "method"] == "tfidf" and frame.loc[0, "category"] == "price"
    assert frame["method"].tolist()[1:] == ["no text", "no text"]
    assert clf.predict([""]) == [None]


def test_keyword_rules_count_matches_and_break_ties_by_order():
    # two price words beat one service word; a competitor's better price is a competitor reason
    texts = ["客服说太贵，涨价了", "switched to a rival for a better price", "nothing here"]
    assert keyword_reason(texts).fillna("none").tolist() == ["price", "competitor", "none"]
