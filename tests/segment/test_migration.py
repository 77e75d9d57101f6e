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


def test_previous_run_reads_the_last_successful_earlier_run(tmp_path):
    from crm_analysis.app.writeback import write_back  # the app layer writes; the test only sets the scene

    url = f"sqlite:///{tmp_path / 'crm.db'}"
    assert S.migration.previous_run(url).run_id is None  # nothing written back yet
    seg = pd.DataFrame({"rfm_segment": ["champions", "lost", "loyal"], "abc_tier": ["A", "C", "B"]},
                       index=pd.Index(["c1", "c2", "c3"], name="customer_id"))
    write_back(url, run_id="jan", status="ok", results=seg, as_of="2025-01-31", finished="2025-02-01")
    write_back(url, run_id="feb", status="ok", results=seg.iloc[:2], finished="2025-03-01")
    write_back(url, run_id="mar", status="failed", results=seg, finished="2025-04-01")
    last = S.migration.previous_run(url)
    assert (last.run_id, last.as_of, len(last.snapshot)) == ("feb", None, 2)  # the failed run has no results
    again = S.migration.previous_run(url, before_run="feb")  # re-running feb compares with jan
    assert again.run_id == "jan" and again.as_of == pd.Timestamp("2025-01-31")
    assert again.snapshot["abc_tier"].to_dict() == {"c1": "A", "c2": "C", "c3": "B"}
    assert S.migration_matrix(again.snapshot["rfm_segment"], last.snapshot["rfm_segment"]).to_numpy().sum() == 2
