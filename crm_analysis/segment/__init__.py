"""Customer segmentation (客户细分): RFM scores, ABC tiers, the four bases, clustering, movement.

Every function works on a *customer feature table*: one row per customer, indexed
by ``customer_id``, with at least ``recency_days``, ``n_orders`` and ``monetary``
(see :func:`crm_analysis.features.customer_features`). Nothing here reads files.

The pieces, in the order a chapter uses them:

- :mod:`~crm_analysis.segment.rfm` (最近购买时间 R, 购买频率 F, 消费金额 M): :func:`rfm_scores`
  gives quintile scores 1–5 and a named segment from :data:`RFM_SEGMENT_GRID`.
- ABC / 80-20 (ABC 分类, 二八定律), shared with chapters 3 and 4: :func:`abc_tiers`,
  :func:`concentration` (Gini, top-20 % share), :func:`lorenz_curve`, :func:`plot_pareto`
  (:mod:`crm_analysis.features.abc`).
- :mod:`~crm_analysis.segment.tables`: :func:`summarise_by`, :func:`rfm_segment_summary`,
  :func:`segments_table`; :mod:`~crm_analysis.segment.bases`, the course's four bases
  (细分依据: 地理, 人口, 行为, 价值): :func:`available_bases`, :func:`basis_summary`.
- Clustering (聚类): :class:`CustomerSegmenter`, :func:`select_k`, :func:`choose_k` (:func:`choose_k_widening`
  widens the range when k lands on its edge),
  :func:`bootstrap_stability` (:mod:`crm_analysis.models.clustering`); :func:`cluster_matrix`,
  :func:`cluster_profiles`, :func:`name_clusters`, :func:`raw_rfm_kmeans`, :func:`truth_agreement`
  (:mod:`~crm_analysis.segment.clusters`).
- :mod:`~crm_analysis.segment.migration` (客户迁移): :func:`segment_snapshot`,
  :func:`migration_matrix`, :func:`movement_summary`.
- :mod:`~crm_analysis.segment.plots`: every chart (each takes ``ax=`` and returns the figure);
  :mod:`~crm_analysis.segment.summary`: :func:`manager_summary`.

Examples
--------
>>> import pandas as pd
>>> f = pd.DataFrame({"recency_days": [5, 40, 300, 10, 200],
...                   "n_orders": [12, 3, 1, 6, 1],
...                   "monetary": [900.0, 120.0, 15.0, 400.0, 30.0]},
...                  index=pd.Index(list("ABCDE"), name="customer_id"))
>>> rfm_scores(f)[["rfm_score", "rfm_segment"]]
            rfm_score          rfm_segment
customer_id
A                 555            champions
B                 333       need attention
C                 111                 lost
D                 444                loyal
E                 212          hibernating
"""

from __future__ import annotations

from crm_analysis.features.abc import abc_tiers, concentration, lorenz_curve, plot_pareto
from crm_analysis.models.clustering import (
    CustomerSegmenter,
    bootstrap_stability,
    choose_k,
    choose_k_widening,
    select_k,
)
from crm_analysis.segment.bases import BASES, BASIS_TITLES, available_bases, basis_summary
from crm_analysis.segment.clusters import (
    CLUSTER_FEATURES,
    cluster_matrix,
    cluster_profiles,
    name_clusters,
    raw_rfm_kmeans,
    truth_agreement,
)
from crm_analysis.segment.migration import NOT_YET, migration_matrix, movement_summary, segment_snapshot
from crm_analysis.segment.plots import (
    plot_clusters_pca,
    plot_k_selection,
    plot_migration,
    plot_rfm_heatmap,
    plot_snake,
)
from crm_analysis.segment.rfm import (
    NO_NET_SPEND,
    RFM_COLUMNS,
    RFM_SEGMENT_ACTIONS,
    RFM_SEGMENT_GRID,
    RFM_SEGMENT_ORDER,
    quintile_score,
    rfm_scores,
)
from crm_analysis.segment.summary import manager_summary
from crm_analysis.segment.tables import rfm_segment_summary, segments_table, summarise_by

__all__ = [
    "BASES",
    "BASIS_TITLES",
    "CLUSTER_FEATURES",
    "NOT_YET",
    "NO_NET_SPEND",
    "RFM_COLUMNS",
    "RFM_SEGMENT_ACTIONS",
    "RFM_SEGMENT_GRID",
    "RFM_SEGMENT_ORDER",
    "CustomerSegmenter",
    "abc_tiers",
    "available_bases",
    "basis_summary",
    "bootstrap_stability",
    "choose_k",
    "choose_k_widening",
    "cluster_matrix",
    "cluster_profiles",
    "concentration",
    "lorenz_curve",
    "manager_summary",
    "migration_matrix",
    "movement_summary",
    "name_clusters",
    "plot_clusters_pca",
    "plot_k_selection",
    "plot_migration",
    "plot_pareto",
    "plot_rfm_heatmap",
    "plot_snake",
    "quintile_score",
    "raw_rfm_kmeans",
    "rfm_scores",
    "rfm_segment_summary",
    "segment_snapshot",
    "segments_table",
    "select_k",
    "summarise_by",
    "truth_agreement",
]
