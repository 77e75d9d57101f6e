"""Tests of crm_analysis.models.survival: Kaplan–Meier and Cox, and the fast duplicate-column check."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.models.survival import cox_hazard_ratios, distinct_columns, kaplan_meier

SEED = 20231102


def test_kaplan_meier_and_cox_direction():
    rng = np.random.default_rng(0)
    group = np.repeat(["slow", "fast"], 300)
    t = rng.exponential(np.where(group == "slow", 20.0, 5.0))
    frame = pd.DataFrame({"duration": np.minimum(t, 15), "event": t < 15, "group": group})
    km = kaplan_meier(frame, "group")
    last = km.groupby("group")["retention"].last()
    assert last["slow"] > last["fast"]
    hr = cox_hazard_ratios(frame, ["group"]).iloc[0]
    assert hr["covariate"] == "group=slow (vs fast)" or hr["covariate"] == "group=fast (vs slow)"
    expected_above_one = hr["covariate"].startswith("group=fast")
    assert (hr["hazard_ratio"] > 1) == expected_above_one
    assert hr["ci_lower"] < hr["hazard_ratio"] < hr["ci_upper"]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distinct_columns_matches_pandas_duplicated(seed):
    rng = np.random.default_rng(SEED + seed)
    base = rng.integers(0, 3, (200, 4)).astype(float)
    base[rng.random((200, 4)) < 0.1] = np.nan
    picks = rng.integers(0, 4, 9)  # columns drawn with repetition: some are exact duplicates
    frame = pd.DataFrame(base[:, picks], columns=[f"c{i}" for i in range(9)])
    expected = ~frame.T.duplicated().to_numpy()
    assert distinct_columns(frame.to_numpy()).tolist() == expected.tolist()


def test_distinct_columns_of_an_empty_matrix():
    assert distinct_columns(np.empty((5, 0))).tolist() == []


def test_cox_drops_a_covariate_identical_to_another():
    rng = np.random.default_rng(SEED)
    group = np.repeat(["a", "b"], 150)
    t = rng.exponential(np.where(group == "a", 10.0, 4.0))
    frame = pd.DataFrame({"duration": t, "event": True, "segment": group, "contract": group})
    hr = cox_hazard_ratios(frame, ["segment", "contract"])
    assert hr["covariate"].tolist() == ["segment=b (vs a)"]
    assert 1.8 < hr["hazard_ratio"].iloc[0] < 3.6
