"""Tests of crm_analysis.quality.summary."""

from __future__ import annotations

from crm_analysis import quality


def test_manager_summary_names_channels(small_world):
    data, checks = small_world
    summary = quality.check_summary(data, checks)
    sentences = quality.manager_summary(checks, summary, quality.fix_list(data, checks),
                                        quality.source_quality(data, data, checks))
    assert any("'referral' brings the most valuable" in s for s in sentences)
    assert any("'purchased_list' collects the poorest" in s for s in sentences)
