"""Tests of crm_analysis.segment.summary: the manager's sentences in English and Chinese."""

from __future__ import annotations

import re

import pandas as pd

from crm_analysis import segment as S


def _numbers(sentence: str) -> list[str]:
    return re.findall(r"\d[\d,.]*%?", sentence)


def test_manager_summary_says_the_same_facts_in_both_languages(make_features):
    features = make_features()
    labels = pd.Series(features["group"].to_numpy(), index=features.index)
    profiles = S.cluster_profiles(features, labels)
    args = (features, S.rfm_scores(features), S.abc_tiers(features["monetary"]), profiles,
            S.name_clusters(profiles, features))
    english, chinese = S.manager_summary(*args, lang="en"), S.manager_summary(*args, lang="zh")
    assert len(english) == len(chinese) >= 4
    assert [_numbers(s) for s in english] == [_numbers(s) for s in chinese]
    assert english[-1].endswith("unless they were high-value.")  # group 2 is a lapsed cluster
    # every sentence comes from the catalogue: no English words left in the Chinese ones but the segment names
    assert all(not re.search(r"\b(customers|revenue|cluster)\b", s) for s in chinese)
    assert "“冠军客户”（champions）" in chinese[1] and "“活跃、高价值的忠实常客”" in chinese[-2]
