"""Sentences for managers (the closing "what to do with this" section), from message keys."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.i18n import _
from crm_analysis.quality.findings import QualityChecks


def manager_summary(checks: QualityChecks, summary: pd.DataFrame, fixes: pd.DataFrame,
                    sources: pd.DataFrame | None = None, *, lang: str | None = None) -> list[str]:
    """Plain sentences for the closing "what to do" section, generated from the results.

    Parameters
    ----------
    checks, summary, fixes, sources
        The chapter's results: the checks, their summary table, the fix list and (optional) the
        channel comparison indexed by acquisition channel.
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> s = pd.DataFrame({"check": ["invalid_phone"], "description": ["bad phone"], "records_flagged": [4],
    ...                   "share_flagged": [0.04], "dimension": ["validity"]})
    >>> from crm_analysis.quality import FINDING_COLUMNS, PAIR_COLUMNS
    >>> checks = QualityChecks(pd.DataFrame(columns=FINDING_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS),
    ...                        pd.Series(dtype="string"))
    >>> manager_summary(checks, s, pd.DataFrame({"record_id": range(4)}))[0]
    '4 records need fixing. The most frequent problem: bad phone (4 records, 4.0%).'
    >>> manager_summary(checks, s, pd.DataFrame({"record_id": range(4)}), lang="zh")[0]
    '有 4 条记录需要修正。最常见的问题：bad phone（4 条记录，4.0%）。'
    """
    lang = i18n.resolve_language(lang)
    sentences = []
    errors = summary[(summary["dimension"] != "information") & (summary["records_flagged"] > 0)]
    top = errors.sort_values("records_flagged", ascending=False).head(1)
    if len(top):
        t = top.iloc[0]
        sentences.append(_("{fixes:,} records need fixing. The most frequent problem: {problem} ({n:,} records, "
                           "{share:.1%}).", lang).format(fixes=len(fixes), problem=i18n.tr(t["description"], lang),
                                                          n=int(t["records_flagged"]), share=t["share_flagged"]))
    else:
        sentences.append(_("No record needs fixing: every check passed.", lang))
    if len(checks.duplicate_pairs):
        sentences.append(_("{pairs:,} likely duplicate customers should be merged, so that each customer has one "
                           "card.", lang).format(pairs=len(checks.duplicate_pairs)))
    if sources is not None and len(sources) > 1:
        best, worst = sources["revenue_per_customer"].idxmax(), sources["quality_score"].idxmin()
        sentences.append(_("Channel '{channel}' brings the most valuable customers ({per_customer:,.0f} per "
                           "customer, {repeat:.0%} bought again); invest there.", lang).format(
            channel=i18n.tr(str(best), lang), per_customer=sources.loc[best, "revenue_per_customer"],
            repeat=sources.loc[best, "repeat_share"]))
        sentences.append(_("Channel '{channel}' collects the poorest data (quality score {score:.2f}); tighten its "
                           "forms and training first.", lang).format(
            channel=i18n.tr(str(worst), lang), score=sources.loc[worst, "quality_score"]))
    stale = summary.loc[summary["check"] == "stale_record", "records_flagged"]
    if len(stale) and stale.iloc[0] > 0:
        sentences.append(_("{n:,} customer records were not updated for more than {days} days: schedule a review "
                           "call to keep the database alive (动态数据库).", lang).format(
            n=int(stale.iloc[0]), days=checks.params.get("stale_after_days", 730)))
    return sentences
