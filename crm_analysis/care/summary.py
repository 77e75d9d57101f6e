"""What to do (管理建议): this week's care-call list and the manager's sentences, from the catalogue."""

from __future__ import annotations

import pandas as pd

from crm_analysis.care.visits import with_contact_details
from crm_analysis.core import i18n

_ = i18n.gettext


#: A resolution rate from which no topic is singled out as the one to fix first.
RESOLVED_WELL = 0.95

def care_call_list(overdue: pd.DataFrame, times: pd.DataFrame | None, tiers: pd.DataFrame, as_of: pd.Timestamp,
                   *, customers: pd.DataFrame | None = None, open_days: int = 30, n: int = 25,
                   show_pii: bool = False) -> pd.DataFrame:
    """This week's care calls: customers with an unresolved complaint of the last ``open_days`` days,
    then customers overdue for a planned contact; largest value at risk first, personal data masked.

    Parameters
    ----------
    overdue : DataFrame
        :func:`crm_analysis.care.overdue_list` output (``customer_id``, ``tier``, ``value_at_risk``).
    times : DataFrame, optional
        :func:`crm_analysis.care.service_times` output.
    tiers : DataFrame
        ``Tiers.frame`` (``tier``, ``value_at_risk``), indexed by customer_id.
    as_of : Timestamp
    customers : DataFrame, optional
        The customers table: ``name`` and ``phone`` are added, masked unless ``show_pii``.
    open_days : int, default 30
    n : int, default 25
    show_pii : bool, default False

    Returns
    -------
    DataFrame
        ``customer_id``, ``tier``, ``value_at_risk``, ``reason`` ("unresolved complaint" or "visit overdue"),
        and ``name``/``phone`` when the customers table has them.

    Examples
    --------
    >>> tiers = pd.DataFrame({"tier": ["A", "B"], "value_at_risk": [50.0, 900.0]}, index=["C1", "C2"])
    >>> overdue = pd.DataFrame({"customer_id": ["C2"], "tier": ["B"], "value_at_risk": [900.0]})
    >>> times = pd.DataFrame({"customer_id": ["C1"], "date": pd.to_datetime(["2024-06-25"]),
    ...                       "is_resolved": pd.array([False])})
    >>> care_call_list(overdue, times, tiers, pd.Timestamp("2024-07-01"))[["customer_id", "reason"]].values.tolist()
    [['C1', 'unresolved complaint'], ['C2', 'visit overdue']]
    """
    rows = []
    if times is not None and "is_resolved" in times:
        recent = times[(times["date"] >= as_of - pd.Timedelta(days=open_days)) & (times["date"] < as_of)]
        open_ids = recent.loc[recent["is_resolved"].astype("boolean").eq(False).fillna(False).astype(bool),
                              "customer_id"].dropna().astype("string").unique()
        known = [c for c in open_ids if c in tiers.index]
        complaints = tiers.loc[known, ["tier", "value_at_risk"]].rename_axis("customer_id").reset_index()
        rows.append(complaints.sort_values("value_at_risk", ascending=False).assign(
            reason=i18n.N_("unresolved complaint")))
    due = overdue[["customer_id", "tier", "value_at_risk"]].assign(reason=i18n.N_("visit overdue"))
    rows.append(due)
    out = pd.concat(rows, ignore_index=True).drop_duplicates("customer_id").head(n).reset_index(drop=True)
    return with_contact_details(out, customers, show_pii=show_pii)


def manager_summary(by_tier: pd.DataFrame | None, standards: pd.DataFrame | None = None,
                    by_topic: pd.DataFrame | None = None, pareto: pd.DataFrame | None = None, *,
                    calls: int | None = None, lang: str | None = None) -> list[str]:
    """Plain-words findings for the closing "what to do" section, generated from the results.

    Parameters
    ----------
    by_tier : DataFrame, optional
        :func:`crm_analysis.care.adherence_by_tier` output.
    standards : DataFrame, optional
        :func:`crm_analysis.care.service_standards` overall (one row).
    by_topic : DataFrame, optional
        :func:`crm_analysis.care.service_standards` by topic (or channel).
    pareto : DataFrame, optional
        :func:`crm_analysis.care.complaint_pareto` output.
    calls : int, optional
        Customers on this week's care-call list.
    lang : {"en", "zh"}, optional
        Language; default the report language.

    Returns
    -------
    list of str

    Examples
    --------
    >>> tiers = pd.DataFrame({"on_time_share": [0.4, 0.7], "plan_days": [30.0, 90.0], "overdue": [12, 30]},
    ...                      index=pd.Index(["A", "B"], name="tier"))
    >>> manager_summary(tiers)[0]
    'Tier A customers are contacted on time (every 30 days) in 40% of cases; 12 are overdue.'
    >>> manager_summary(tiers, lang="zh")[0]
    'A 级客户按计划（每 30 天）按时联系的比例为 40%；12 位已逾期。'
    """
    lang = i18n.resolve_language(lang)
    out = []
    if by_tier is not None and len(by_tier):
        for tier, row in by_tier.iterrows():
            out.append(_("Tier {tier} customers are contacted on time (every {days:g} days) in {share:.0%} of "
                         "cases; {n:,} are overdue.", lang).format(
                tier=tier, days=float(row["plan_days"]), share=float(row["on_time_share"]), n=int(row["overdue"])))
    if calls is not None:
        out.append(_("This week's care-call list has {n:,} customers, largest value at risk first.", lang).format(
            n=calls))
    if standards is not None and len(standards):
        row = standards.iloc[0]
        if pd.notna(row.get("response_on_time")):
            out.append(_("{share:.0%} of inquiries and complaints got a first response within the standard.",
                         lang).format(share=float(row["response_on_time"])))
        if pd.notna(row.get("resolution_rate")):
            out.append(_("{share:.0%} of the matters with a known outcome were resolved.", lang).format(
                share=float(row["resolution_rate"])))
    if by_topic is not None and "resolution_rate" in by_topic and by_topic["resolution_rate"].notna().any():
        worst = by_topic["resolution_rate"].idxmin()
        lowest = float(by_topic.loc[worst, "resolution_rate"])
        if lowest >= RESOLVED_WELL:  # e.g. CFPB: every topic at 99%; naming one "to fix first" would mislead
            out.append(_("Every topic resolves at least {share:.0%} of its matters: none stands out to fix first.",
                         lang).format(share=lowest))
        else:
            out.append(_("The lowest resolution rate is in '{group}' ({share:.0%}): fix that first.", lang).format(
                group=i18n.tr(str(worst), lang), share=lowest))
    if pareto is not None and len(pareto):
        vital = pareto[pareto["vital_few"]]
        out.append(_("{n:,} of {total:,} complaint topics make up 80% of complaints: {topics}.", lang).format(
            n=len(vital), total=len(pareto), topics=", ".join(i18n.tr(str(t), lang) for t in vital.iloc[:, 0])))
    return out


__all__ = ["care_call_list", "manager_summary"]
