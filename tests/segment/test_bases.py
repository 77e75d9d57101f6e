"""Tests of crm_analysis.segment.bases: the four bases of segmentation."""

from __future__ import annotations

import pytest

from crm_analysis import segment as S


def test_basis_summary_counts_customers_and_revenue(make_features):
    features = make_features()
    features["abc_tier"] = S.abc_tiers(features["monetary"])
    table = S.basis_summary(features, "geography")
    assert table["variable"].unique().tolist() == ["region"]
    assert table["customers"].sum() == len(features)
    assert table["revenue_share"].sum() == pytest.approx(1.0)
    assert S.basis_summary(features, "demographics").empty
    assert S.available_bases(features)["value"] == ["abc_tier"]


def test_basis_summary_rejects_an_unknown_basis(make_features):
    with pytest.raises(KeyError, match="geography"):
        S.basis_summary(make_features(20), "astrology")
