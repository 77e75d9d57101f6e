"""Movement between segments (客户迁移): snapshots at two dates, the migration matrix, who moved.

Examples
--------
>>> before = pd.Series(["A", "B"], index=["x", "y"])
>>> movement_summary(before, pd.Series(["A", "A"], index=["x", "y"]), ["A", "B"]).to_dict()
{'moved up': 1, 'stayed': 1, 'slipped': 0, 'new': 0}
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import pandas as pd

from crm_analysis.data.sql import read_results
from crm_analysis.features.abc import abc_tiers
from crm_analysis.segment.rfm import rfm_scores

__all__ = ["NOT_YET", "PreviousRun", "migration_matrix", "movement_summary", "previous_run", "previous_segments",
           "segment_snapshot"]

#: The row of customers who had not bought yet at the first date.
NOT_YET = "(not yet a customer)"


def segment_snapshot(features: pd.DataFrame, *, a: float = 0.80, b: float = 0.95) -> pd.DataFrame:
    """RFM segment and ABC tier of every customer in one feature table (one date).

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features as of one date.
    a, b : float
        ABC thresholds (:func:`crm_analysis.features.abc.abc_tiers`).

    Returns
    -------
    pandas.DataFrame
        Same index: ``rfm_segment`` and ``abc_tier``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> segment_snapshot(f).columns.tolist()
    ['rfm_segment', 'abc_tier']
    """
    return pd.DataFrame({"rfm_segment": rfm_scores(features)["rfm_segment"],
                         "abc_tier": abc_tiers(features["monetary"], a=a, b=b)})


def migration_matrix(before: pd.Series, after: pd.Series, *, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Cross-table of customers by state at the first date (rows) and the second (columns).

    Customers present only at the second date are in the row ``"(not yet a customer)"``.

    Parameters
    ----------
    before, after : pandas.Series
        State of each customer (index: customer id) at the first and the second date.
    order : sequence of str, optional
        Row and column order, best first; states not in it are dropped.

    Returns
    -------
    pandas.DataFrame
        Customer counts: rows the earlier state, columns the later one.

    Examples
    --------
    >>> before = pd.Series(["A", "B"], index=["x", "y"])
    >>> after = pd.Series(["A", "A", "C"], index=["x", "y", "z"])
    >>> migration_matrix(before, after, order=["A", "B", "C"]).loc["B"].tolist()
    [1, 0]
    """
    joined = pd.DataFrame({"before": before.astype("string"), "after": after.astype("string")})
    joined = joined[joined["after"].notna()]
    joined["before"] = joined["before"].fillna(NOT_YET)
    matrix = pd.crosstab(joined["before"], joined["after"])
    if order is not None:
        rows = [o for o in order if o in matrix.index] + ([NOT_YET] if NOT_YET in matrix.index else [])
        matrix = matrix.reindex(index=rows, columns=[o for o in order if o in matrix.columns], fill_value=0)
    return matrix


def movement_summary(before: pd.Series, after: pd.Series, order: Sequence[str]) -> pd.Series:
    """Counts of customers who moved up, stayed, slipped (by ``order``, best first) or are new.

    Parameters
    ----------
    before, after : pandas.Series
        State of each customer at the first and the second date.
    order : sequence of str
        The states, best first.

    Returns
    -------
    pandas.Series
        ``moved up``, ``stayed``, ``slipped`` and ``new`` (customers only at the second date).

    Examples
    --------
    >>> movement_summary(pd.Series(["A", "B", "A"], index=list("xyz")),
    ...                  pd.Series(["B", "A", "A", "C"], index=list("xyzw")), ["A", "B", "C"]).to_dict()
    {'moved up': 1, 'stayed': 1, 'slipped': 1, 'new': 1}
    """
    rank = {name: i for i, name in enumerate(order)}
    joined = pd.DataFrame({"before": before.map(rank), "after": after.map(rank)}).dropna(subset=["after"])
    known = joined.dropna(subset=["before"])
    return pd.Series({
        "moved up": int((known["after"] < known["before"]).sum()),
        "stayed": int((known["after"] == known["before"]).sum()),
        "slipped": int((known["after"] > known["before"]).sum()),
        "new": int(joined["before"].isna().sum()),
    })


class PreviousRun(NamedTuple):
    """The latest earlier run written back to the CRM database (:func:`previous_run`).

    Attributes
    ----------
    snapshot : pandas.DataFrame
        Indexed by customer id: ``rfm_segment`` and ``abc_tier`` (as :func:`segment_snapshot`) and the run's
        other result columns; no rows when there is no earlier run.
    run_id : str or None
        The run they come from.
    as_of : pandas.Timestamp or None
        That run's as-of date.
    """

    snapshot: pd.DataFrame
    run_id: str | None
    as_of: pd.Timestamp | None


def previous_run(url: str, *, before_run: str | None = None, prefix: str = "crm_") -> PreviousRun:
    """Each customer's segments in the latest successful run written back to the CRM database.

    ``crm-analysis run --write-back`` keeps every run's results (``<prefix>customer_results``, one
    transaction per run), so chapter 2 reads the segments of the previous run from the database to show the
    movement since then, instead of recomputing them as of an earlier date or reading a CSV.

    Parameters
    ----------
    url : str
        The database (SQLAlchemy URL; a password comes from the environment, never shown).
    before_run : str, optional
        The run being made now: it and the runs written after it are ignored (so re-running a run id
        compares with the run before it).
    prefix : str, default "crm_"
        The write-back table prefix (``--write-back-prefix``).

    Returns
    -------
    PreviousRun
        ``snapshot`` (empty when the database holds no earlier successful run), ``run_id``, ``as_of``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If the URL cannot be parsed (shown masked).

    Examples
    --------
    >>> import tempfile, os
    >>> from crm_analysis.app.writeback import write_back
    >>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> previous_run(url).run_id is None
    True
    >>> seg = pd.DataFrame({"rfm_segment": ["champions", "lost"], "abc_tier": ["A", "C"]},
    ...                    index=pd.Index(["C1", "C2"], name="customer_id"))
    >>> for run, day in (("jan", "2025-01-31"), ("feb", "2025-02-28")):
    ...     _ = write_back(url, run_id=run, status="ok", results=seg, as_of=day, finished=day)
    >>> last = previous_run(url, before_run="feb")
    >>> last.run_id, str(last.as_of.date()), last.snapshot["rfm_segment"].tolist()
    ('jan', '2025-01-31', ['champions', 'lost'])
    """
    results = read_results(url, prefix=prefix)
    runs = list(dict.fromkeys(results["run_id"]))
    if before_run is not None and before_run in runs:
        runs = runs[: runs.index(before_run)]
    if not runs:
        empty = pd.DataFrame({c: pd.Series(dtype="string") for c in ("rfm_segment", "abc_tier")},
                             index=pd.Index([], dtype="string", name="customer_id"))
        return PreviousRun(empty, None, None)
    last = results[results["run_id"] == runs[-1]]
    snapshot = last.drop(columns=["run_id", "as_of", "finished"]).set_index("customer_id")
    snapshot.index = snapshot.index.astype("string")
    snapshot = snapshot.astype({"rfm_segment": "string", "abc_tier": "string"})
    as_of = last["as_of"].iloc[0]
    return PreviousRun(snapshot, runs[-1], pd.Timestamp(as_of) if pd.notna(as_of) else None)


def previous_segments(url: str, *, before_run: str | None = None, column: str = "rfm_segment",
                      prefix: str = "crm_") -> tuple[pd.Series, str | None]:
    """One state of each customer in the latest earlier run in the database (see :func:`previous_run`).

    Parameters
    ----------
    url, before_run, prefix
        As in :func:`previous_run`.
    column : str, default "rfm_segment"
        The state to compare (``rfm_segment``, ``abc_tier``, ``value_tier``, ...).

    Returns
    -------
    (pandas.Series, str or None)
        The state by customer id (empty when there is no earlier run) and the run id it comes from.

    Examples
    --------
    >>> import tempfile, os
    >>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> previous_segments(url)
    (Series([], Name: rfm_segment, dtype: string), None)
    """
    previous = previous_run(url, before_run=before_run, prefix=prefix)
    values = previous.snapshot[column] if column in previous.snapshot else pd.Series(dtype="string")
    return pd.Series(values.to_numpy(), index=previous.snapshot.index.to_numpy(), name=column,
                     dtype="string"), previous.run_id
