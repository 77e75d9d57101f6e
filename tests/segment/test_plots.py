"""Tests of crm_analysis.segment.plots: every chart returns its figure and draws on given axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_analysis import segment as S
from crm_analysis.core import i18n, plotting


def test_plots_return_figures(make_features):
    features = make_features(120)
    scores = S.rfm_scores(features)
    assert S.plot_rfm_heatmap(scores, features).axes
    assert S.plot_pareto(features["monetary"]).axes
    m = S.migration_matrix(scores["rfm_segment"], scores["rfm_segment"], order=S.RFM_SEGMENT_ORDER)
    assert S.plot_migration(m).axes
    plt.close("all")


def test_plots_draw_on_the_axes_they_are_given(make_features):
    features = make_features(120)
    scores = S.rfm_scores(features)
    labels = features["group"].to_numpy()
    Z = pd.DataFrame(np.log1p(features[list(S.RFM_COLUMNS)].to_numpy()), columns=list(S.RFM_COLUMNS))
    k_scores = pd.DataFrame({"silhouette": [0.5, 0.6], "davies_bouldin": [0.9, 0.7],
                             "calinski_harabasz": [100, 150], "bic": [900, 800]}, index=[2, 3])
    fig, axes = plt.subplots(3, 3)
    drawn = [
        S.plot_rfm_heatmap(scores, ax=axes[0, 0]),
        S.plot_clusters_pca(Z.to_numpy(), labels, ax=axes[0, 1]),
        S.plot_snake(Z, labels, pd.Series({0: "a", 1: "b", 2: "c"}), ax=axes[0, 2]),
        S.plot_migration(S.migration_matrix(scores["rfm_segment"], scores["rfm_segment"]), ax=axes[1, 0]),
        S.plot_k_selection(k_scores, 3, axes=axes[1:, 1:]),
    ]
    assert all(figure is fig for figure in drawn)
    assert axes[0, 0].get_title() == "RFM segments: customers per cell"
    assert axes[0, 1].get_title() == "Clusters in two dimensions (PCA)"
    assert [t.get_text() for t in axes[0, 2].get_legend().get_texts()] == ["0: a", "1: b", "2: c"]
    assert axes[1, 0].get_ylabel() == "before (first date)"
    assert axes[2, 2].get_title() == "BIC of a Gaussian mixture (lower is better)"
    assert axes[2, 0].get_title() == ""  # axes not given to any chart stay empty
    plt.close("all")


def test_plots_speak_the_language_they_are_asked_for(make_features):
    plotting.setup("en")  # Chinese glyphs available (Noto Sans CJK after the Latin font)
    plt.close("all")
    features = make_features(120)
    scores = S.rfm_scores(features)
    heatmap = S.plot_rfm_heatmap(scores, lang="zh").axes[0]
    assert heatmap.get_xlabel() == "FM 评分（频率与金额）"
    # a Chinese notebook translates figures again when it shows them: that changes nothing
    i18n.translate_figure(heatmap.figure, "zh")
    assert heatmap.get_xlabel() == "FM 评分（频率与金额）" and heatmap.get_ylabel() == "R 评分（最近购买，5 = 最近）"
    assert any(text.get_text().startswith("冠军客户\n") for text in heatmap.texts)
    matrix = S.migration_matrix(scores["rfm_segment"], scores["rfm_segment"], order=S.RFM_SEGMENT_ORDER)
    migration = S.plot_migration(matrix, title="RFM segments: 2024-01-01 → 2024-07-01", lang="zh").axes[0]
    assert migration.get_title() == "RFM 细分的变化：2024-01-01 → 2024-07-01"
    assert migration.get_yticklabels()[0].get_text() == "冠军客户"
    english = S.plot_migration(matrix, lang="en").axes[0]
    assert english.get_ylabel() == "before (first date)" and english.get_title() == "Movement between segments"
    assert not plt.get_fignums()  # figures made by the functions are closed: a notebook shows each once
