"""Tests of crm_analysis.segment.migration: snapshots, the migration matrix, who moved."""

from __future__ import annotations

import pandas as pd

from crm_analysis import segment as S


def test_migration_matrix_and_movement_summary():
    before = pd.Series(["A", "B", "C", "A"], index=["w", "x", "y", "z"])
    after = pd.Series(["A", "A", "C", "B", "C"], index=["w", "x", "y", "z", "new"])
    matrix = S.migration_matrix(before, after, order=["A", "B", "C"])
    assert matrix.loc["B", "A"] == 1 and matrix.loc[S.NOT_YET, "C"] == 1
    assert int(matrix.to_numpy().sum()) == 5
    assert list(matrix.columns) == ["A", "B", "C"]
    summary = S.movement_summary(before, after, ["A", "B", "C"])
    assert summary.to_dict() == {"moved up": 1, "stayed": 2, "slipped": 1, "new": 1}


def test_segment_snapshot_uses_the_rfm_grid_and_the_abc_thresholds(make_features):
    features = make_features(100)
    snapshot = S.segment_snapshot(features, a=0.5, b=0.9)
    assert snapshot["rfm_segment"].equals(S.rfm_scores(features)["rfm_segment"])
    assert snapshot["abc_tier"].equals(S.abc_tiers(features["monetary"], a=0.5, b=0.9))
