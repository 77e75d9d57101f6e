"""What to do with this (管理建议): the chapter's findings as sentences for managers."""

from __future__ import annotations

import pandas as pd

from crm_analysis.churn.labels import status_counts
from crm_analysis.churn.lost import LostCustomers
from crm_analysis.churn.reasons import reason_label
from crm_analysis.core.i18n import _, tr


def status_sentence(counts: dict[str, int], *, lang: str | None = None) -> str:
    """Lost and active customers in one sentence, the exit-survey respondents explained in it.

    Parameters
    ----------
    counts : dict
        :func:`crm_analysis.churn.status_counts` of the run's :func:`crm_analysis.churn.customer_status`.
    lang : {"en", "zh"}, optional
        Defaults to the report language.

    Returns
    -------
    str
        Markdown.

    Examples
    --------
    >>> status_sentence({"customers": 10, "active": 4, "lost": 6, "lost_by_inactivity": 5, "lost_by_survey": 1},
    ...                 lang="en")[:62]
    '**6 of 10 customers are lost**: 5 silent for longer than the i'
    """
    return _("**{lost:,} of {customers:,} customers are lost**: {silent:,} silent for longer than the inactivity "
             "window, plus {said:,} who said in the exit survey that they left before their window had passed "
             "(the inactivity-only count does not include them); {active:,} are active.", lang).format(
        lost=counts["lost"], customers=counts["customers"], silent=counts["lost_by_inactivity"],
        said=counts["lost_by_survey"], active=counts["active"])


def manager_summary(
    lost: LostCustomers | None, evaluation: pd.DataFrame | None, bridge: pd.DataFrame | None,
    *, lang: str | None = None,
) -> list[str]:
    """Plain-language findings for managers, generated from the chapter's results.

    Parameters
    ----------
    lost, evaluation, bridge
        Lost customers with reasons (with their ``status``, the first sentence counts lost and active
        customers), the model evaluation table and the revenue bridge table
        (:func:`crm_analysis.churn.bridge_table`); each optional.
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> t = pd.DataFrame({"reason_category": ["price", "price", "service"], "source": ["stated"] * 3,
    ...                   "lost_revenue": [10.0, 10.0, 50.0]})
    >>> manager_summary(LostCustomers(t, pd.DataFrame(), ""), None, None, lang="en")[0]
    'The most common reason for leaving is price (2 of 3 lost customers, 67%); the most costly is service (50 a year).'
    >>> manager_summary(LostCustomers(t, pd.DataFrame(), ""), None, None, lang="zh")[0]
    '最常见的流失原因是价格（3 位流失客户中有 2 位，67%）；损失最大的原因是服务（每年 50）。'
    """
    lines = []
    if lost is not None and lost.status is not None:
        lines.append(status_sentence(status_counts(lost.status), lang=lang))
    if lost is not None and lost.table["reason_category"].notna().any():
        t = lost.table.dropna(subset=["reason_category"])
        counts = t["reason_category"].value_counts()
        money = t.groupby("reason_category")["lost_revenue"].sum().sort_values(ascending=False)
        n = int(counts.iloc[0])
        lines.append(_("The most common reason for leaving is {top} ({n:,} of {total:,} lost customers, "
                       "{share:.0%}); the most costly is {costly} ({amount:,.0f} a year).", lang).format(
            top=reason_label(counts.index[0], lang), n=n, total=len(t), share=n / len(t),
            costly=reason_label(money.index[0], lang), amount=money.iloc[0]))
    if evaluation is not None and len(evaluation):
        best = evaluation.sort_values("roc_auc", ascending=False).iloc[0]
        lines.append(_("Calling the 10% of active customers with the highest churn risk reaches {lift:.1f}× as "
                       "many future churners as calling at random ({model}, ROC-AUC {auc:.2f}).", lang).format(
            lift=best["top_decile_lift"], auc=best["roc_auc"],
            model=tr(best["model"], lang) if tr(best["model"], lang) != best["model"]
            else best["model"].replace("_", " ")))
    if bridge is not None and len(bridge):
        row = bridge.set_index("component")["amount"]
        lines.append(_("Revenue went from {start:,.0f} to {end:,.0f} ({change:+,.0f}): new customers brought "
                       "{new:,.0f}, returning ones {reactivated:,.0f}, existing customers spent {expansion:,.0f} "
                       "more and {contraction:,.0f} less, and lost customers took {lost:,.0f} with them.",
                       lang).format(
            start=row["start"], end=row["end"], change=row["end"] - row["start"], new=row["new"],
            reactivated=row["reactivated"], expansion=row["expansion"], contraction=-row["contraction"],
            lost=-row["lost"]))
    return lines
