"""Service standards (服务标准): first-response and resolution time, resolution and re-open rates, breaches."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns

#: Default standards: first response within 24 hours, resolved within 72 hours.
DEFAULT_STANDARDS: dict[str, float] = {"first_response_hours": 24.0, "resolution_hours": 72.0}
#: Kinds of contact that ask for a response and a resolution.
SERVICE_KINDS: tuple[str, ...] = ("inquiry", "complaint")
#: The optional columns the service figures need (absent ones are named in a note).
TIME_COLUMNS: tuple[str, ...] = ("responded_at", "resolved_at")


def service_times(interactions: pd.DataFrame, *, kinds: tuple[str, ...] = SERVICE_KINDS,
                  reopen_days: int = 30) -> pd.DataFrame:
    """The contacts that ask for service, with their response and resolution hours and a re-open flag.

    Parameters
    ----------
    interactions : DataFrame
        ``customer_id``, ``date`` (when the contact came in), ``kind``; optional ``responded_at``,
        ``resolved_at`` (timestamps), ``resolved`` (bool), ``topic``, ``channel``, ``timely_response`` (bool).
    kinds : tuple of str
        Kinds of contact counted (default inquiries and complaints).
    reopen_days : int, default 30
        A resolved contact counts as **re-opened** when the same customer comes back about the same
        topic (same kind) within this many days.

    Returns
    -------
    DataFrame
        The rows of ``kinds`` with added ``response_hours`` and ``resolution_hours`` (float hours, NaN when
        unknown or when the timestamp column is absent), ``is_resolved`` (boolean, from ``resolved_at`` or
        ``resolved``; NA when unknown) and ``reopened`` (boolean; NA when the customer is unknown).

    Examples
    --------
    >>> log = pd.DataFrame({"customer_id": ["C1", "C1"], "kind": ["complaint", "complaint"], "topic": ["x", "x"],
    ...     "date": pd.to_datetime(["2024-01-01 09:00", "2024-01-10 09:00"]),
    ...     "responded_at": pd.to_datetime(["2024-01-01 15:00", None]),
    ...     "resolved_at": pd.to_datetime(["2024-01-03 09:00", None])})
    >>> service_times(log)[["response_hours", "resolution_hours", "is_resolved", "reopened"]].values.tolist()
    [[6.0, 48.0, True, True], [nan, nan, <NA>, False]]
    """
    require_columns(interactions, ["customer_id", "date", "kind"], "table interactions")
    out = interactions[interactions["kind"].astype("string").isin(list(kinds)).fillna(False).astype(bool)].copy()
    for column, name in (("responded_at", "response_hours"), ("resolved_at", "resolution_hours")):
        if column in out:
            hours = (out[column] - out["date"]).dt.total_seconds() / 3600.0
            out[name] = hours.where(hours >= 0).astype("float64")  # a reply before the contact is an error
        else:
            out[name] = np.nan
    resolved = pd.Series(pd.NA, index=out.index, dtype="boolean")
    if "resolved" in out:
        resolved = out["resolved"].astype("boolean")
    if "resolved_at" in out:
        resolved = resolved.mask(out["resolved_at"].notna(), True)
    out["is_resolved"] = resolved
    out["reopened"] = _reopened(out, reopen_days)
    return out


def _reopened(log: pd.DataFrame, days: int) -> pd.Series:
    """True for a resolved contact followed by another of the same kind and topic within ``days``;
    NA when the customer is unknown (contacts without a customer cannot be followed)."""
    keys = ["customer_id", "kind"] + (["topic"] if "topic" in log else [])
    ordered = log.sort_values("date")
    following = ordered.groupby(keys, dropna=False)["date"].shift(-1)
    again = (following - ordered["date"]).dt.days.le(days).fillna(False).astype(bool)
    out = pd.Series(again & ordered["is_resolved"].fillna(False).astype(bool), dtype="boolean")
    return out.mask(ordered["customer_id"].isna()).reindex(log.index)


def _within(hours: pd.Series, standard: float) -> pd.Series:
    """1.0 within the standard, 0.0 beyond it, NaN when the time is unknown."""
    return (hours <= standard).astype("float64").where(hours.notna())


def service_standards(times: pd.DataFrame, *, by: str | None = None,
                      first_response_hours: float = DEFAULT_STANDARDS["first_response_hours"],
                      resolution_hours: float = DEFAULT_STANDARDS["resolution_hours"]) -> pd.DataFrame:
    """Service figures against the standards, overall or by a column (channel, topic, month).

    Parameters
    ----------
    times : DataFrame
        :func:`service_times` output; for ``by="month"`` the month of ``date`` is used.
    by : str, optional
        Grouping column, or "month".
    first_response_hours, resolution_hours : float
        The standards (hours).

    Returns
    -------
    DataFrame
        One row per group (index ``by``, or ``"all"``): ``contacts``; ``responded`` (with a known response
        time), ``median_response_hours``, ``response_on_time`` (share of responded within the standard);
        ``resolution_known``, ``resolution_rate`` (0-1), ``median_resolution_hours``, ``resolved_on_time``
        (share of resolved ones within the standard), ``reopen_rate`` (share of resolved ones re-opened);
        ``timely_share`` when the source carries its own ``timely_response`` flag.

    Examples
    --------
    >>> t = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-02-01"]), "response_hours": [5.0, 30.0],
    ...     "resolution_hours": [40.0, np.nan], "is_resolved": pd.array([True, False]), "reopened": [False, False]})
    >>> [float(x) for x in service_standards(t).loc["all", ["response_on_time", "resolution_rate", "resolved_on_time"]]]
    [0.5, 0.5, 1.0]
    """
    frame = times
    if by == "month":
        frame = times.assign(month=times["date"].dt.to_period("M").astype("string"))
    keys = frame[by].astype("string").fillna("(unknown)") if by else pd.Series("all", index=frame.index)
    resolved = frame["is_resolved"].astype("boolean")
    work = pd.DataFrame({
        "key": keys,
        "response": frame["response_hours"],
        "response_ok": _within(frame["response_hours"], first_response_hours),
        "known": resolved.notna(),
        "resolved": resolved.astype("float64"),
        "resolution": frame["resolution_hours"],
        "resolution_ok": _within(frame["resolution_hours"], resolution_hours),
        "reopened": frame["reopened"].astype("Float64").astype("float64").where(resolved.fillna(False).astype(bool)),
    })
    if "timely_response" in frame:
        work["timely"] = frame["timely_response"].astype("boolean").astype("float64")
    grouped = work.groupby("key")
    out = pd.DataFrame({
        "contacts": grouped.size(),
        "responded": grouped["response"].count(),
        "median_response_hours": grouped["response"].median(),
        "response_on_time": grouped["response_ok"].mean(),
        "resolution_known": grouped["known"].sum(),
        "resolution_rate": grouped["resolved"].mean(),
        "median_resolution_hours": grouped["resolution"].median(),
        "resolved_on_time": grouped["resolution_ok"].mean(),
        "reopen_rate": grouped["reopened"].mean(),
    })
    if "timely" in work:
        out["timely_share"] = grouped["timely"].mean()
    return out.rename_axis(by or None)


def breaches(times: pd.DataFrame, *, first_response_hours: float = DEFAULT_STANDARDS["first_response_hours"],
             resolution_hours: float = DEFAULT_STANDARDS["resolution_hours"]) -> pd.DataFrame:
    """The contacts that broke a standard, with the standard broken; no free text (it may hold personal data).

    Parameters
    ----------
    times : DataFrame
        :func:`service_times` output.
    first_response_hours, resolution_hours : float
        The standards (hours).

    Returns
    -------
    DataFrame
        Columns ``interaction_id`` (when present), ``customer_id``, ``date``, ``kind``, ``topic`` / ``channel`` /
        ``agent`` (when present), ``response_hours``, ``resolution_hours``, ``breach`` ("slow response",
        "slow resolution", "not resolved", joined by "; "), latest first.

    Examples
    --------
    >>> t = pd.DataFrame({"customer_id": ["C1", "C2"], "kind": ["complaint"] * 2,
    ...     "date": pd.to_datetime(["2024-01-01", "2024-02-01"]), "response_hours": [5.0, 30.0],
    ...     "resolution_hours": [40.0, np.nan], "is_resolved": pd.array([True, False])})
    >>> breaches(t)[["customer_id", "breach"]].values.tolist()
    [['C2', 'slow response; not resolved']]
    """
    slow_response = (times["response_hours"] > first_response_hours).to_numpy()
    slow_resolution = (times["resolution_hours"] > resolution_hours).to_numpy()
    unresolved = times["is_resolved"].astype("boolean").eq(False).fillna(False).to_numpy(dtype=bool)
    labels = np.array(["slow response", "slow resolution", "not resolved"])
    flags = np.column_stack([slow_response, slow_resolution, unresolved])
    breach = pd.Series(["; ".join(labels[row]) for row in flags], index=times.index)
    cols = [c for c in ("interaction_id", "customer_id", "date", "kind", "topic", "channel", "agent",
                        "response_hours", "resolution_hours") if c in times]
    out = times.loc[flags.any(axis=1), cols].assign(breach=breach[flags.any(axis=1)])
    return out.sort_values("date", ascending=False).reset_index(drop=True)


def missing_columns_note(interactions: pd.DataFrame) -> str | None:
    """A sentence naming the service columns this log lacks, or None when it has them all.

    Examples
    --------
    >>> missing_columns_note(pd.DataFrame({"resolved_at": []}))
    'This log has no responded_at column: the figures that need it are skipped.'
    """
    absent = [c for c in TIME_COLUMNS if c not in interactions]
    if not absent:
        return None
    return i18n._("This log has no {columns} column: the figures that need it are skipped.").format(
        columns=", ".join(absent))
