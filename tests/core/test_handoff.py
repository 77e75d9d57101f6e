"""crm_analysis.core.handoff: chapter artefacts and the data kept once per run."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crm_analysis.core import handoff
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load


def _segments() -> pd.DataFrame:
    index = pd.Index(["C1", "C2"], name="customer_id")
    return pd.DataFrame({"rfm_segment": ["champions", "lost"], "abc_tier": ["A", "C"], "cluster": [0, 1],
                         "cluster_name": ["loyal", "dormant"], "extra": [1.5, 2.5]}, index=index)


# --------------------------------------------------------------------------- artefacts
def test_the_api_names_are_stable() -> None:
    assert {"ARTEFACTS", "Artefact", "Fetched", "artefact", "fetch", "publish", "save_data",
            "load_data"} <= set(handoff.__all__)
    assert set(handoff.ARTEFACTS) == {"segments", "churn_scores", "customer_value"}


def test_unknown_artefact_lists_the_known_ones() -> None:
    with pytest.raises(KeyError, match="segments, churn_scores, customer_value"):
        handoff.artefact("clusters")


def test_publish_then_fetch_keeps_columns_dtypes_and_extras(tmp_path: Path) -> None:
    path = handoff.publish(_segments(), "segments", tmp_path, source="teaching")
    assert path == tmp_path / "handoff" / "segments.parquet"
    got = handoff.fetch("segments", tmp_path, source="teaching")
    assert got.available and got.note == "chapter 2's segments from this run"
    assert got.frame.index.name == "customer_id" and got.frame.index.tolist() == ["C1", "C2"]
    assert str(got.frame["cluster"].dtype) == "Int64" and got.frame["extra"].tolist() == [1.5, 2.5]
    assert json.loads(path.with_suffix(".json").read_text()) == {"source": "teaching", "chapter": "02"}


def test_publish_refuses_a_frame_without_a_declared_column(tmp_path: Path) -> None:
    with pytest.raises(CRMDataError, match=r"missing column.*cluster_name"):
        handoff.publish(_segments().drop(columns="cluster_name"), "segments", tmp_path, source="teaching")
    assert not (tmp_path / "handoff" / "segments.parquet").exists()


def test_fetch_says_why_an_artefact_is_unavailable(tmp_path: Path) -> None:
    assert "not in this run" in handoff.fetch("segments", None, source="teaching").note
    assert "not in this run" in handoff.fetch("segments", tmp_path, source="teaching").note
    handoff.publish(_segments(), "segments", tmp_path, source="teaching")
    other = handoff.fetch("segments", tmp_path, source="cdnow")
    assert not other.available and "another data source ('teaching')" in other.note
    pd.DataFrame({"rfm_segment": ["x"]}, index=pd.Index(["C1"], name="customer_id")).to_parquet(
        tmp_path / "handoff" / "segments.parquet")
    partial = handoff.fetch("segments", tmp_path, source="teaching")
    assert not partial.available and "lack column(s) abc_tier, cluster, cluster_name" in partial.note


# --------------------------------------------------------------------------- data kept once per run
@pytest.fixture(scope="module")
def teaching_pair(teaching_data: CRMData) -> tuple[CRMData, CRMData]:
    return teaching_data, clean(teaching_data)


def _assert_same(a: CRMData, b: CRMData) -> None:
    for name in ("customers", "transactions", "interactions", "exit_survey", "quarantine", "issues"):
        left, right = getattr(a, name), getattr(b, name)
        assert (left is None) == (right is None), name
        if left is not None:
            pd.testing.assert_frame_equal(right, left, check_exact=True)
    assert (b.source, b.source_files, b.rows_in) == (a.source, a.source_files, a.rows_in)
    assert (a.truth is None) == (b.truth is None)
    if a.truth is not None:
        pd.testing.assert_frame_equal(b.truth.customers, a.truth.customers, check_exact=True)
        pd.testing.assert_frame_equal(b.truth.defects, a.truth.defects, check_exact=True)


def test_loaded_and_clean_tables_round_trip_exactly(tmp_path: Path, teaching_pair) -> None:
    loaded, cleaned = teaching_pair
    folder = handoff.save_data(tmp_path, "teaching", loaded, cleaned)
    assert folder is not None and (folder / "meta.json").is_file()
    again_loaded, again_clean = handoff.load_data(tmp_path, "teaching")
    _assert_same(loaded, again_loaded)
    _assert_same(cleaned, again_clean)
    assert len(again_clean.quarantine) > 0 and again_loaded.truth is again_clean.truth


def test_clean_only_read_and_other_sources_ignored(tmp_path: Path, teaching_pair) -> None:
    handoff.save_data(tmp_path, "teaching", *teaching_pair)
    raw, cleaned = handoff.load_data(tmp_path, "teaching", loaded=False)
    assert raw is None and len(cleaned.transactions) == len(teaching_pair[1].transactions)
    assert handoff.load_data(tmp_path, "cdnow") is None
    assert handoff.load_data(None, "teaching") is None


def test_transactions_only_source_round_trips(tmp_path: Path) -> None:
    loaded = load("cdnow_sample")
    handoff.save_data(tmp_path, "cdnow_sample", loaded, clean(loaded))
    again_loaded, again_clean = handoff.load_data(tmp_path, "cdnow_sample")
    _assert_same(loaded, again_loaded)
    assert again_clean.customers is None and again_clean.truth is None


def test_tables_that_cannot_round_trip_are_not_kept(tmp_path: Path) -> None:
    mixed = pd.DataFrame({"customer_id": ["C1", "C2"], "note": pd.Series([1, "one"], dtype=object)})
    data = CRMData(transactions=mixed, source="mixed")
    assert handoff.save_data(tmp_path, "mixed.csv", data, data) is None
    assert handoff.load_data(tmp_path, "mixed.csv") is None
    assert not handoff.data_dir(tmp_path, "mixed.csv").exists()


def test_an_incomplete_folder_is_ignored(tmp_path: Path, teaching_pair) -> None:
    folder = handoff.save_data(tmp_path, "teaching", *teaching_pair)
    (folder / "meta.json").unlink()  # as if the runner was stopped while writing
    assert handoff.load_data(tmp_path, "teaching") is None
