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


def test_manager_summary_says_the_same_in_chinese(small_world):
    data, checks = small_world
    args = (checks, quality.check_summary(data, checks), quality.fix_list(data, checks),
            quality.source_quality(data, data, checks))
    english, chinese = quality.manager_summary(*args, lang="en"), quality.manager_summary(*args, lang="zh")
    assert len(english) == len(chinese) == 3
    assert chinese[0].startswith("有 2 条记录需要修正。") and english[0].startswith("2 records need fixing.")
    assert chinese[1] == "渠道“转介绍”带来的客户价值最高（客均 90，50% 的客户再次购买）；应加大在该渠道的投入。"
    assert "购买名单" in chinese[2] and "'purchased_list' collects the poorest" in english[2]


def test_manager_summary_when_every_check_passed(run, customer):
    data, checks = run([customer(i) for i in range(3)])
    summary = quality.check_summary(data, checks)
    assert quality.manager_summary(checks, summary, quality.fix_list(data, checks), lang="zh") == [
        "没有需要修正的记录：所有检查都已通过。"]
    assert quality.manager_summary(checks, summary, quality.fix_list(data, checks), lang="en") == [
        "No record needs fixing: every check passed."]
