"""Chapter 5 checked against the generator's truth (teaching data only): service times, topics, recovery."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.care.complaints import compare_topics
from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns

#: Topic recovery must beat the majority baseline by at least this much accuracy (teaching data).
TOPIC_MARGIN: float = 0.20
#: The window of the generator's recovery truth (``truth.interactions.kept_effect_180d``).
TRUTH_FOLLOW_DAYS: int = 180


def _same(a: float, b: float) -> bool:
    return bool(np.isclose(a, b, rtol=0, atol=1e-9)) or (np.isnan(a) and np.isnan(b))


def check_against_truth(truth: pd.DataFrame, *, times: pd.DataFrame | None = None,
                        found_topics: pd.Series | None = None, followed: pd.DataFrame | None = None,
                        recovery: pd.DataFrame | None = None, follow_days: int = TRUTH_FOLLOW_DAYS,
                        first_response_hours: float = 24.0, resolution_hours: float = 72.0,
                        adherence: pd.DataFrame | None = None, plan: pd.DataFrame | None = None,
                        as_of: pd.Timestamp | None = None) -> pd.DataFrame:
    """The chapter's figures next to the generator's truth, one row per check.

    Checks (each only when its inputs are given):

    * service times: median first-response and resolution hours and the shares within the standards,
      over the inquiries and complaints the chapter kept, must **equal** the truth's (to 1e-9 hours);
    * topics: found topics against the true topic of each complaint text: accuracy must beat the majority
      baseline by :data:`TOPIC_MARGIN`;
    * service recovery: the true effect of an unresolved first complaint on buying again within 180 days
      (mean of ``kept_effect_180d`` over the customers in "not resolved") must have the sign of the
      chapter's adjusted difference and lie in its interval; resolution **time** has no effect in the
      generator, so the interval of "resolved late" must hold 0;
    * visit plan: per tier, the share of the chapter's customers in the plan contacted on time must **equal**
      the share of the same customers whose true last planned contact (``plan``, as of the same date) lies
      within the tier's plan days. Run alone, the chapter's tiers and customers in the plan are the generator's
      own (``plan_tier``, ``in_plan``: the same ABC rule on net spend), so this is the generator's per-tier
      adherence; with chapter 4's tiers it is the truth for those tiers.

    Parameters
    ----------
    truth : DataFrame
        ``CRMData.truth.interactions``: ``interaction_id``, ``response_hours``, ``resolution_hours``,
        ``true_topic``, ``kept_effect_180d``.
    times : DataFrame, optional
        :func:`crm_analysis.care.service_times` output with ``interaction_id``.
    found_topics : Series, optional
        Found topic per complaint text, indexed by ``interaction_id`` (:class:`crm_analysis.care.FoundTopics`
        ``labels`` of texts indexed so).
    followed, recovery : DataFrame, optional
        :func:`crm_analysis.care.recovery_frame` (with ``interaction_id``) and
        :func:`crm_analysis.care.recovery_effect` outputs.
    follow_days : int
        The chapter's window; the recovery check needs 180 (the truth's).
    first_response_hours, resolution_hours : float
        The standards, hours.
    adherence : DataFrame, optional
        :func:`crm_analysis.care.plan_adherence` output (index customer_id; ``tier``, ``plan_days``,
        ``on_time``).
    plan : DataFrame, optional
        ``CRMData.truth.care_plan``: ``customer_id``, ``last_planned_contact``, ``as_of``.
    as_of : Timestamp, optional
        The chapter's analysis date; the plan check needs the truth's (``plan["as_of"]``).

    Returns
    -------
    DataFrame
        ``check``, ``chapter`` (the chapter's figure), ``truth`` (the true value), ``interval`` (text, for the
        recovery checks), ``holds`` (bool).

    Raises
    ------
    CRMDataError
        When ``truth`` lacks ``interaction_id``.

    Examples
    --------
    >>> truth = pd.DataFrame({"interaction_id": ["I1", "I2"], "response_hours": [2.0, 30.0],
    ...                       "resolution_hours": [40.0, np.nan], "true_topic": [None, None],
    ...                       "kept_effect_180d": [0.0, np.nan]})
    >>> times = truth[["interaction_id", "response_hours", "resolution_hours"]]
    >>> check_against_truth(truth, times=times)[["check", "holds"]].values.tolist()[0]
    ['median first response (hours)', True]
    """
    require_columns(truth, ["interaction_id"], "truth interactions")
    known = truth.assign(interaction_id=truth["interaction_id"].astype("string")).set_index("interaction_id")
    rows: list[dict] = []

    def add(check: str, chapter: float, true: float, holds: bool, interval: str = "") -> None:
        rows.append({"check": check, "chapter": chapter, "truth": true, "interval": interval, "holds": bool(holds)})

    if times is not None and "interaction_id" in times:
        ours = times.assign(interaction_id=times["interaction_id"].astype("string")).set_index("interaction_id")
        theirs = known.reindex(ours.index)
        for label, column, standard in (("first response", "response_hours", first_response_hours),
                                        ("resolution", "resolution_hours", resolution_hours)):
            mine, true = ours[column].astype("float64"), theirs[column].astype("float64")
            add(f"median {label} (hours)", float(mine.median()), float(true.median()),
                _same(float(mine.median()), float(true.median())))
            share = float((mine.dropna() <= standard).mean())
            true_share = float((true.dropna() <= standard).mean())
            add(f"{label} within {standard:g} h (share)", share, true_share, _same(share, true_share))
    if found_topics is not None and len(found_topics):
        true = known["true_topic"].reindex(found_topics.index.astype("string")).astype("string")
        keep = true.notna().to_numpy()
        match = compare_topics(found_topics[keep].reset_index(drop=True), true[keep].reset_index(drop=True)).iloc[0]
        add("topic accuracy against the true topics", float(match["accuracy"]), float(match["majority_baseline"]),
            match["margin"] >= TOPIC_MARGIN, f"margin {match['margin']:+.3f} (needs {TOPIC_MARGIN:+.2f})")
    if followed is not None and recovery is not None and "interaction_id" in followed \
            and follow_days == TRUTH_FOLLOW_DAYS:
        table = recovery.set_index("group")
        effect = known["kept_effect_180d"].astype("float64")
        for group, true_value in (("not resolved", None), ("resolved late", 0.0)):
            if group not in table.index:
                continue
            ids = followed.loc[followed["group"] == group, "interaction_id"].astype("string")
            if true_value is None:
                true_value = float(effect.reindex(ids).mean())
            row = table.loc[group]
            inside = row["ci_low"] <= true_value <= row["ci_high"]
            sign_ok = true_value == 0 or np.sign(row["kept_difference"]) == np.sign(true_value)
            add(f"recovery: {group} vs {row['reference']} (kept within 180 days)", float(row["kept_difference"]),
                true_value, inside and sign_ok, f"[{row['ci_low']:+.3f}, {row['ci_high']:+.3f}]")
    if adherence is not None and plan is not None and len(plan) and as_of is not None \
            and pd.Timestamp(as_of) == pd.Timestamp(plan["as_of"].iloc[0]):
        last = plan.assign(customer_id=plan["customer_id"].astype("string")).set_index("customer_id")
        last = last["last_planned_contact"].reindex(adherence.index.astype("string"))
        gap = (pd.Timestamp(as_of) - last).dt.days.astype("float64").to_numpy()
        true_on_time = pd.Series(gap <= adherence["plan_days"].to_numpy(dtype=float), index=adherence.index)
        for tier, group in adherence.groupby("tier"):
            mine, true = float(group["on_time"].mean()), float(true_on_time[group.index].mean())
            add(f"visit plan: tier {tier} on time (share)", mine, true, _same(mine, true))
    return pd.DataFrame(rows, columns=["check", "chapter", "truth", "interval", "holds"])


def truth_sentence(checks: pd.DataFrame) -> str:
    """One line for the chapter: how many of the checks against the generator's truth hold.

    Examples
    --------
    >>> truth_sentence(pd.DataFrame({"holds": [True, True, False]}))
    "Checked against the generator's truth: 2 of 3 checks hold."
    """
    return i18n._("Checked against the generator's truth: {n} of {total} checks hold.").format(
        n=int(checks["holds"].sum()), total=len(checks))
