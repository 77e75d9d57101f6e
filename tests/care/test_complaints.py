"""crm_analysis.care.complaints: Pareto, repeat complainers, topics found in Chinese and English text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import care

PHRASES = {
    "delivery": ["快递太慢了，一周还没到", "物流慢，包裹迟迟不到", "parcel arrived late again",
                 "delivery was very late"],
    "quality": ["产品质量差，用两天就坏了", "质量有问题，屏幕坏了", "the product broke after two days",
                "poor quality, broke"],
    "staff": ["客服态度很差，不耐烦", "服务态度恶劣，挂电话", "the agent was rude to me", "rude staff on the phone"],
}


def _texts(n: int = 120, seed: int = 3) -> tuple[pd.Series, pd.Series]:
    rng = np.random.default_rng(seed)
    topics = rng.choice(list(PHRASES), size=n, p=[0.5, 0.3, 0.2])
    texts = [PHRASES[t][rng.integers(4)] + rng.choice(["", "！", " please help", "。谢谢"]) for t in topics]
    return pd.Series(texts), pd.Series(topics)


def test_pareto_marks_the_vital_few_and_counts_missing_topics():
    c = pd.DataFrame({"topic": ["late"] * 5 + ["rude"] * 3 + [None] * 2})
    p = care.complaint_pareto(c)
    assert p["topic"].tolist() == ["late", "rude", "(unknown)"]
    assert p["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert p["vital_few"].tolist() == [True, True, False]


def test_repeat_complainers_skip_missing_customers():
    c = pd.DataFrame({"customer_id": ["C1", "C1", "C1", "C2", None, None],
                      "topic": ["a", None, "a", "b", "a", "a"],
                      "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01", "2024-01-01",
                                              "2024-01-01", "2024-01-02"])})
    out = care.repeat_complainers(c)
    assert out["customer_id"].tolist() == ["C1"] and out["complaints"].tolist() == [3]
    assert out["topics"].tolist() == ["(unknown); a"]


def test_topics_found_in_mixed_chinese_and_english_text_beat_the_majority_baseline():
    texts, truth = _texts()
    found = care.find_topics(texts, n_topics=6, seed=0)
    match = care.compare_topics(found.labels, truth).iloc[0]
    assert match["majority_baseline"] == pytest.approx((truth == "delivery").mean())
    assert match["accuracy"] >= match["majority_baseline"] + 0.3
    assert match["adjusted_rand_index"] > 0.2  # 6 found topics for 3 true ones: some split by language
    assert found.topics["texts"].sum() == len(texts)


def test_topic_finding_is_deterministic_and_skips_empty_texts():
    texts, _ = _texts(40)
    texts.iloc[:3] = [None, "", "   "]
    a = care.find_topics(texts, n_topics=3, seed=1)
    b = care.find_topics(texts, n_topics=3, seed=1)
    assert a.labels.equals(b.labels) and len(a.labels) == 37
    with pytest.raises(ValueError, match="at least two"):
        care.find_topics(pd.Series(["only one", None]))
