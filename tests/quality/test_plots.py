"""Tests of crm_analysis.quality.plots: each draws into a given axes or its own figure, in the report language."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.figure import Figure

from crm_analysis import quality

MATRIX = pd.DataFrame({"web_form": [1.0, 0.5], "referral": [0.9, float("nan")]}, index=["name", "phone"])
MONTHS = pd.DataFrame({"records": [3, 4], "completeness": [0.9, 0.8], "quality_score": [0.95, 0.85]},
                      index=pd.to_datetime(["2024-01-01", "2024-02-01"]))
SOURCES = pd.DataFrame({"customers": [10, 20], "quality_score": [0.9, 0.7], "revenue_per_customer": [100.0, 50.0]},
                       index=["referral", "purchased_list"])
PLOTS = [(quality.plot_field_channel_heatmap, MATRIX), (quality.plot_quality_by_month, MONTHS),
         (quality.plot_source_value, SOURCES)]


@pytest.mark.parametrize(("plot", "table"), PLOTS)
def test_plot_draws_into_the_given_axes_and_returns_its_figure(plot, table):
    fig, (left, right) = plt.subplots(1, 2)
    try:
        assert plot(table, ax=right) is fig
        assert right.get_title() and not left.get_title()
        assert len(fig.axes) >= 2
    finally:
        plt.close(fig)


@pytest.mark.parametrize(("plot", "table"), PLOTS)
def test_plot_without_axes_makes_its_own_figure(plot, table):
    fig = plot(table)
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title()


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_plot_texts_follow_the_language():
    english = quality.plot_source_value(SOURCES, lang="en").axes[0]
    chinese = quality.plot_source_value(SOURCES, lang="zh").axes[0]
    assert english.get_xlabel() == "Quality score" and chinese.get_xlabel() == "质量得分"
    assert [t.get_text() for t in chinese.texts] == ["转介绍", "购买名单"]
    heatmap = quality.plot_field_channel_heatmap(MATRIX, lang="zh").axes[0]
    assert heatmap.get_title() == "字段已填写且有效的记录占比"
    assert [t.get_text() for t in heatmap.get_xticklabels()] == ["网页表单", "转介绍"]
