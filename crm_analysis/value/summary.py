"""The manager's sentences of the closing "what to do with this" section, from the catalogue."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns

_ = i18n.gettext


def manager_summary(
    value: pd.DataFrame,
    concentration: pd.DataFrame | None = None,
    var_table: pd.DataFrame | None = None,
    *,
    by: str | None = None,
    horizon_label: str = "the next year",
    lang: str | None = None,
) -> list[str]:
    """Plain-words findings for the closing "what to do" section, generated from the results.

    Parameters
    ----------
    value : DataFrame
        Customer value table with ``clv``, ``churn_risk``, ``value_tier`` and ``service_level``; with
        ``historical_value`` (net spend) the customers with net spend ≤ 0 are counted in a sentence.
    concentration, var_table : DataFrame, optional
        Concentration summary and value at risk by the column ``by``.
    by : str, optional
        Column of ``var_table`` that names the groups.
    horizon_label : str
        The CLV horizon in words (English; translated through :func:`crm_analysis.core.i18n.tr`).
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Raises
    ------
    CRMDataError
        If ``value`` lacks a needed column.

    Examples
    --------
    >>> v = pd.DataFrame({"clv": [100.0, 10.0], "churn_risk": [0.6, 0.1], "value_tier": ["A", "C"],
    ...                   "service_level": ["win_back", "responsive_silver"]})
    >>> manager_summary(v)[0]
    'The top value tier (A) is 1 customers (50%) and holds 91% of the predicted value for the next year.'
    >>> manager_summary(v, lang="zh")[0]
    '最高价值等级（A）有 1 位客户（50%），占未来一年预测价值的 91%。'
    >>> manager_summary(v.assign(historical_value=[80.0, 0.0]))[-1][:35]
    '1 customers have no net spend (they'
    """
    lang = i18n.resolve_language(lang)
    require_columns(value, ("clv", "churn_risk", "value_tier", "service_level"), "customer value")
    total = value["clv"].sum()
    a = value["value_tier"] == "A"
    a_value = value.loc[a, "clv"].sum() / total if total > 0 else 0
    out = [_("The top value tier (A) is {n:,} customers ({share:.0%}) and holds {value_share:.0%} of the "
             "predicted value for {horizon}.", lang).format(
        n=int(a.sum()), share=a.mean(), value_share=a_value, horizon=i18n.tr(horizon_label, lang))]
    at_risk = (value["clv"] * value["churn_risk"]).sum()
    out.append(_("{n:,} valuable customers are at high risk of leaving (win-back list); in total {at_risk:,.0f} "
                 "of predicted value ({share:.0%}) is at risk.", lang).format(
        n=int((value["service_level"] == "win_back").sum()), at_risk=at_risk,
        share=at_risk / total if total > 0 else 0))
    if concentration is not None and "top_20pct_value_share" in concentration.index:
        out.append(_("Historically the top 20% of customers brought {share:.0%} of revenue.", lang).format(
            share=float(concentration.loc["top_20pct_value_share", "value"])))
    if var_table is not None and by is not None and len(var_table):
        top = var_table.iloc[0]
        out.append(_("The most value at risk is in {by} '{group}' ({share:.0%} of it).", lang).format(
            by=i18n.tr(by, lang), group=i18n.tr(str(top[by]), lang), share=top["share_of_value_at_risk"]))
    out.append(_("{n:,} low-value, high-risk customers need no personal contact (let go).", lang).format(
        n=int((value["service_level"] == "let_go").sum())))
    if "historical_value" in value:
        none = value["historical_value"].astype("float64").round(2) <= 0
        if none.any():
            out.append(_("{n:,} customers have no net spend (they returned or cancelled everything they bought): "
                         "a group of their own, never ranked as top customers nor in tier A; check their returns "
                         "before any offer.", lang).format(n=int(none.sum())))
    return out


__all__ = ["manager_summary"]
