"""Service recovery (服务补救): do customers whose complaint was resolved (in time) keep buying?

An association, not proof: customers whose complaints go unresolved may differ in ways the data do not show.
The comparison is made fairer by stratification: customers are compared only within the same value tier and
tenure band (exact strata), and the differences are averaged with the weights of the group compared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.checks import require_columns

#: Outcome groups of a complaint, best first (the reference group is the first present).
RECOVERY_GROUPS: tuple[str, ...] = ("resolved in time", "resolved late", "resolved", "not resolved")


def recovery_frame(times: pd.DataFrame, transactions: pd.DataFrame, tiers: pd.Series, first_purchase: pd.Series,
                   as_of: pd.Timestamp, *, follow_days: int = 180, resolution_hours: float = 72.0) -> pd.DataFrame:
    """One row per complaining customer: the first complaint's outcome group and what the customer did after.

    Parameters
    ----------
    times : DataFrame
        :func:`crm_analysis.care.service_times` output (``customer_id``, ``kind``, ``date``, ``is_resolved``,
        ``resolution_hours``).
    transactions : DataFrame
        ``customer_id``, ``order_date``, ``amount`` (lines with status ``completed``, or all without status).
    tiers : Series
        Value tier per customer (index customer_id).
    first_purchase : Series
        First purchase date per customer (index customer_id).
    as_of : Timestamp
        Analysis date: only complaints at least ``follow_days`` before it are followed.
    follow_days : int, default 180
        Days after the complaint in which a purchase counts as "kept".
    resolution_hours : float, default 72
        Standard that splits "resolved in time" from "resolved late" (when resolution times are known).

    Returns
    -------
    DataFrame
        Index customer_id; ``group`` (one of :data:`RECOVERY_GROUPS`), ``tier``, ``tenure_band`` (tenure at
        the complaint: under 1 year, 1-2 years, 2+ years), ``kept`` (bool: bought within ``follow_days``),
        ``spend_after`` (net spend in that window); ``interaction_id`` of the complaint when ``times`` has it.

    Examples
    --------
    >>> times = pd.DataFrame({"customer_id": ["C1", "C2"], "kind": ["complaint"] * 2,
    ...     "date": pd.to_datetime(["2024-01-01", "2024-01-01"]), "is_resolved": pd.array([True, False]),
    ...     "resolution_hours": [np.nan, np.nan]})
    >>> tx = pd.DataFrame({"customer_id": ["C1"], "order_date": pd.to_datetime(["2024-02-01"]), "amount": [9.0]})
    >>> first = pd.Series(pd.to_datetime(["2023-06-01"] * 2), index=["C1", "C2"])
    >>> out = recovery_frame(times, tx, pd.Series({"C1": "A", "C2": "A"}), first, pd.Timestamp("2025-01-01"))
    >>> out[["group", "kept", "spend_after"]].values.tolist()
    [['resolved', True, 9.0], ['not resolved', False, 0.0]]
    """
    require_columns(times, ["customer_id", "kind", "date", "is_resolved"], "service times")
    require_columns(transactions, ["customer_id", "order_date", "amount"], "table transactions")
    complaints = times[(times["kind"] == "complaint") & times["customer_id"].notna()
                       & (times["date"] <= as_of - pd.Timedelta(days=follow_days))]
    first = complaints.sort_values("date", kind="stable").drop_duplicates("customer_id").set_index("customer_id")
    first.index = first.index.astype("string")
    resolved = first["is_resolved"].astype("boolean")
    hours = first["resolution_hours"] if "resolution_hours" in first else pd.Series(np.nan, index=first.index)
    group = np.where(resolved.eq(False).fillna(False), "not resolved",
                     np.where(hours.notna() & (hours <= resolution_hours), "resolved in time",
                              np.where(hours.notna(), "resolved late", "resolved")))
    out = pd.DataFrame({"group": group}, index=first.index)[resolved.notna().to_numpy()]
    tx = transactions[transactions["status"].eq("completed")] if "status" in transactions else transactions
    tx = tx[["customer_id", "order_date", "amount"]].astype({"customer_id": "string"})
    merged = tx.merge(first["date"].rename("complained").reset_index(), on="customer_id")
    after = merged[(merged["order_date"] > merged["complained"])
                   & (merged["order_date"] <= merged["complained"] + pd.Timedelta(days=follow_days))]
    spend = after.groupby("customer_id")["amount"].sum().astype("float64")
    out["tier"] = tiers.rename(index=str).reindex(out.index).astype("string").fillna("C")
    tenure = (first["date"] - first_purchase.rename(index=str).reindex(first.index)).dt.days.clip(lower=0)
    out["tenure_band"] = pd.cut(tenure.reindex(out.index).fillna(0), [-1, 365, 730, np.inf],
                                labels=["under 1 year", "1-2 years", "2+ years"]).astype("string")
    out["spend_after"] = spend.reindex(out.index).fillna(0.0)
    out["kept"] = out["spend_after"].gt(0) | out.index.isin(after["customer_id"])
    if "interaction_id" in first:  # which complaint was followed (for the check against the teaching truth)
        out["interaction_id"] = first["interaction_id"].reindex(out.index).astype("string")
    return out


def _adjusted(frame: pd.DataFrame, group: str, reference: str, column: str) -> float:
    """Stratified difference ``group - reference`` of ``column`` within tier x tenure strata, weighted by the
    group's customers per stratum (strata without both groups are left out)."""
    strata = frame.groupby(["tier", "tenure_band", "group"], observed=True)[column].agg(["mean", "size"])
    wide = strata.unstack("group")
    if ("mean", group) not in wide or ("mean", reference) not in wide:
        return float("nan")
    both = wide[[("mean", group), ("mean", reference)]].dropna().index
    if len(both) == 0:
        return float("nan")
    diff = wide.loc[both, ("mean", group)] - wide.loc[both, ("mean", reference)]
    weight = wide.loc[both, ("size", group)]
    return float((diff * weight).sum() / weight.sum())


def recovery_effect(frame: pd.DataFrame, *, n_boot: int = 200, seed: int = 42, level: float = 0.90) -> pd.DataFrame:
    """Share kept and spend after the complaint per outcome group, and the difference from the best group
    adjusted for value tier and tenure (exact stratification), with bootstrap intervals.

    Parameters
    ----------
    frame : DataFrame
        :func:`recovery_frame` output.
    n_boot : int, default 200
        Bootstrap resamples of customers (percentile intervals).
    seed : int, default 42
    level : float, default 0.90
        Interval coverage.

    Returns
    -------
    DataFrame
        One row per group present: ``group``, ``customers``, ``kept_share``, ``mean_spend_after``,
        ``kept_difference`` (adjusted, vs the reference group; 0 for it), ``ci_low``, ``ci_high``,
        ``spend_difference`` (adjusted), ``reference``.

    Examples
    --------
    >>> f = pd.DataFrame({"group": ["resolved"] * 4 + ["not resolved"] * 4, "tier": ["A"] * 8,
    ...                   "tenure_band": ["1-2 years"] * 8,
    ...                   "kept": [True, True, True, False, True, False, False, False],
    ...                   "spend_after": [5.0, 5, 5, 0, 5, 0, 0, 0]})
    >>> recovery_effect(f, n_boot=20)[["group", "kept_share", "kept_difference"]].values.tolist()
    [['resolved', 0.75, 0.0], ['not resolved', 0.25, -0.5]]
    """
    present = [g for g in RECOVERY_GROUPS if g in set(frame["group"])]
    if not present:
        return pd.DataFrame(columns=["group", "customers", "kept_share", "mean_spend_after", "kept_difference",
                                     "ci_low", "ci_high", "spend_difference", "reference"])
    reference = present[0]
    data = frame.assign(kept=frame["kept"].astype("float64"))
    rng = np.random.default_rng(seed)
    rows = []
    boots = {g: [] for g in present[1:]}
    for _ in range(n_boot):
        sample = data.iloc[rng.integers(0, len(data), len(data))]
        for g in boots:
            boots[g].append(_adjusted(sample, g, reference, "kept"))
    alpha = (1 - level) / 2
    for g in present:
        part = data[data["group"] == g]
        draws = np.asarray(boots.get(g, [0.0]), dtype=float)
        draws = draws[~np.isnan(draws)]
        rows.append({
            "group": g, "customers": len(part), "kept_share": float(part["kept"].mean()),
            "mean_spend_after": float(part["spend_after"].mean()),
            "kept_difference": 0.0 if g == reference else _adjusted(data, g, reference, "kept"),
            "ci_low": float(np.quantile(draws, alpha)) if len(draws) else float("nan"),
            "ci_high": float(np.quantile(draws, 1 - alpha)) if len(draws) else float("nan"),
            "spend_difference": 0.0 if g == reference else _adjusted(data, g, reference, "spend_after"),
            "reference": reference,
        })
    return pd.DataFrame(rows)
