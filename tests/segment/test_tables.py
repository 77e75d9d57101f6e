"""Tests of crm_analysis.segment.tables: summaries per level, per RFM segment, per customer."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import segment as S
from crm_analysis.core.errors import CRMDataError


def test_summarise_by_pools_rare_levels(make_features):
    features = make_features(60)
    features["city"] = [f"city{i}" for i in range(60)]
    table = S.summarise_by(features, "city", max_levels=5)
    assert len(table) == 6 and "(other)" in table.index
    assert table["customers"].sum() == 60


def test_summarise_by_names_the_missing_column():
    with pytest.raises(CRMDataError, match="n_orders"):
        S.summarise_by(pd.DataFrame({"region": ["E"], "recency_days": [1], "monetary": [1.0]}), "region")


def test_rfm_segment_summary_lists_segments_best_first_with_chinese_name_and_action(make_features):
    features = make_features()
    table = S.rfm_segment_summary(features, S.rfm_scores(features))
    order = [S.RFM_SEGMENT_ORDER.index(s) for s in table.index]
    assert order == sorted(order) and table["customers"].sum() == len(features)
    assert table.loc["champions", "segment_zh"] == "冠军客户"
    assert table.loc["champions", "action"] == S.RFM_SEGMENT_ACTIONS["champions"]
    assert list(table.columns[:2]) == ["segment_zh", "customers"]
    assert "median_n_orders" in table.columns


def test_segments_table_has_the_published_columns(make_features):
    features = make_features(50)
    labels = pd.Series(features["group"].to_numpy(), index=features.index)
    names = pd.Series({0: "a", 1: "b", 2: "c"})
    table = S.segments_table(features, S.rfm_scores(features), S.abc_tiers(features["monetary"]), labels, names)
    assert list(table.columns) == ["customer_id", "recency_days", "n_orders", "monetary", "rfm_score",
                                   "rfm_segment", "abc_tier", "cluster", "cluster_name"]
    assert table["cluster_name"].tolist() == labels.map(names).tolist()
