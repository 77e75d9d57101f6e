"""notebooks/02_segmentation.ipynb, executed in the session run on the teaching data: the tables it writes."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis.core import handoff
from crm_analysis.core.formatting import CSV_DECIMALS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tables(report_run):
    """The tables of the session's run on the teaching data (tests/conftest.py)."""
    return report_run.out / "tables"


def test_segments_table(tables):
    segments = pd.read_csv(tables / "segments.csv", dtype={"rfm_score": str})
    assert list(segments.columns) == ["customer_id", "recency_days", "n_orders", "monetary", "rfm_score",
                                      "rfm_segment", "abc_tier", "cluster", "cluster_name"]
    assert segments["customer_id"].is_unique and len(segments) > 1000
    assert set(segments["abc_tier"]) == {"A", "B", "C"}
    assert segments["rfm_score"].str.fullmatch(r"[1-5]{3}").all()
    assert segments.groupby("cluster")["cluster_name"].nunique().eq(1).all()


def test_profiles_cover_every_customer(tables):
    profiles = pd.read_csv(tables / "segment_profiles.csv")
    segments = pd.read_csv(tables / "segments.csv")
    assert profiles["customers"].sum() == len(segments)
    # Each cluster's share is its customers' positive net spend over all customers' (net <= 0 counts 0);
    # the saved tables are rounded to CSV_DECIMALS, so the shares sum to 1 within that rounding.
    half_unit = 0.5 * 10.0 ** -CSV_DECIMALS
    spend = segments["monetary"].clip(lower=0)
    expected = spend.groupby(segments["cluster"]).sum() / spend.sum()
    shares = profiles.set_index("cluster")["revenue_share"]
    assert (shares - expected.reindex(shares.index)).abs().max() <= half_unit + 1e-4 * len(segments) / spend.sum()
    assert abs(shares.sum() - 1.0) <= half_unit * len(shares)
    assert profiles["cluster_name"].is_unique
    assert {"median_recency_days", "median_n_orders", "median_monetary", "share_business"} <= set(profiles)


def test_clusters_agree_with_truth_and_beat_the_raw_baseline(tables):
    check = pd.read_csv(tables / "segment_truth_check.csv")
    ours, baseline = check["adjusted_rand_index"]
    assert ours >= 0.5
    assert ours > baseline + 0.15


def test_migration_tables_written(tables):
    abc = pd.read_csv(tables / "segment_migration_abc.csv", index_col=0)
    assert {"A", "B", "C"} <= set(abc.columns)
    assert (abc.to_numpy() >= 0).all()


def test_segments_are_handed_to_the_later_chapters(tables, report_run, teaching_data):
    fetched = handoff.fetch("segments", report_run.out, source=teaching_data.source)
    assert fetched.available, fetched.note
    segments = pd.read_csv(tables / "segments.csv", dtype={"customer_id": str}).set_index("customer_id")
    published = fetched.frame.reindex(segments.index)
    for column in ("rfm_segment", "abc_tier", "cluster_name"):
        assert published[column].astype(str).tolist() == segments[column].astype(str).tolist()
    assert published["cluster"].astype("int64").tolist() == segments["cluster"].tolist()
