"""What chapter 2 tells a manager: sentences built from the results, in the report language.

Every sentence is a message key of the catalogue (``locale/zh/LC_MESSAGES``): the English text is
looked up first and formatted after, so the numbers are the same in both languages.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.i18n import _, resolve_language, tr
from crm_analysis.features.abc import concentration
from crm_analysis.segment.rfm import NO_NET_SPEND, RFM_SEGMENT_ACTIONS

__all__ = ["manager_summary"]

#: RFM segments a manager hears about by name (when the data has any of them).
SEGMENTS_TO_ACT_ON = ("champions", "can't lose", "at risk", NO_NET_SPEND)


def manager_summary(
    features: pd.DataFrame, scores: pd.DataFrame, tiers: pd.Series, profiles: pd.DataFrame, names: pd.Series,
    *, lang: str | None = None,
) -> list[str]:
    """Plain-language sentences for managers, generated from the results.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features (``monetary`` is used).
    scores : pandas.DataFrame
        RFM scores (:func:`crm_analysis.segment.rfm_scores`).
    tiers : pandas.Series
        ABC tier per customer (:func:`crm_analysis.features.abc.abc_tiers`).
    profiles : pandas.DataFrame
        Cluster profiles (:func:`crm_analysis.segment.cluster_profiles`).
    names : pandas.Series
        Cluster name by cluster (:func:`crm_analysis.segment.name_clusters`).
    lang : {"en", "zh"}, optional
        "zh" for Chinese; None (the default) follows :func:`crm_analysis.core.i18n.language`.

    Returns
    -------
    list of str
        Two to six sentences: revenue concentration, the RFM segments to act on, the cluster to
        protect and, when there is one, the share of customers in lapsed clusters.

    Examples
    --------
    >>> from crm_analysis.features.abc import abc_tiers
    >>> from crm_analysis.segment.clusters import cluster_profiles, name_clusters
    >>> from crm_analysis.segment.rfm import rfm_scores
    >>> f = pd.DataFrame({"recency_days": [1, 2, 300], "n_orders": [9, 7, 1],
    ...                   "monetary": [500.0, 300.0, 20.0]})
    >>> labels = pd.Series([0, 0, 1])
    >>> p = cluster_profiles(f, labels)
    >>> manager_summary(f, rfm_scores(f), abc_tiers(f["monetary"]), p, name_clusters(p, f))[0][:28]
    'The top 20% of customers (1)'
    >>> manager_summary(f, rfm_scores(f), abc_tiers(f["monetary"]), p, name_clusters(p, f), lang="zh")[0][:14]
    '前 20% 的客户（1 位）'
    """
    lang = resolve_language(lang)
    stats = concentration(features["monetary"])
    a_count = int((tiers == "A").sum())
    sentences = [
        _("The top 20% of customers ({n_top:,}) bring {top_share:.0%} of revenue (Gini {gini:.2f}); the "
          "{a_count:,} A customers ({a_share:.0%}) are the key customers (关键客户) who deserve personalised "
          "service.", lang).format(
            n_top=int(np.ceil(0.2 * len(features))), top_share=stats["top_share_of_revenue"], gini=stats["gini"],
            a_count=a_count, a_share=a_count / len(features)),
    ]
    segment_counts = scores["rfm_segment"].value_counts()
    for segment in SEGMENTS_TO_ACT_ON:
        if segment_counts.get(segment, 0):
            sentences.append(_("{n:,} customers are '{segment}' ({segment_zh}): {action}.", lang).format(
                n=segment_counts[segment], segment=segment, segment_zh=tr(segment, "zh"),
                action=tr(RFM_SEGMENT_ACTIONS[segment], lang)))
    best = profiles["revenue_share"].idxmax()
    sentences.append(
        _("The cluster '{name}' holds {customer_share:.0%} of customers and {revenue_share:.0%} of revenue: "
          "protect it first.", lang).format(
            name=tr(str(names[best]), lang), customer_share=profiles.loc[best, "customer_share"],
            revenue_share=profiles.loc[best, "revenue_share"])
    )
    lapsed = [c for c in profiles.index if str(names[c]).startswith("lapsed")]
    if lapsed:
        sentences.append(
            _("{share:.0%} of customers are in lapsed clusters; spend little on them beyond low-cost "
              "reactivation, unless they were high-value.", lang).format(
                share=profiles.loc[lapsed, "customer_share"].sum())
        )
    return sentences
