"""The one hand-off between chapters: what a run keeps, under which name, with which columns.

A run folder (the notebooks' ``output_dir``) holds the cleaned data once and each chapter's results
for the chapters after it::

    <run>/handoff/data/<source-key>/...    the loaded and cleaned tables (Parquet), written once
    <run>/handoff/segments.parquet          chapter 2: RFM segment, ABC tier, cluster per customer
    <run>/handoff/churn_scores.parquet      chapter 3: churn probability and status per customer
    <run>/handoff/customer_value.parquet    chapter 4: CLV, P(alive), value tier per customer

Chapters never build these paths: they call :func:`publish` and :func:`fetch` with an artefact
name from :data:`ARTEFACTS`. :func:`fetch` returns None when the artefact is absent, from another
data source, or lacks a column, and says why (:attr:`Fetched.note`) so that the chapter can state
the substitute it uses instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_analysis.core.errors import CRMDataError

HANDOFF_DIR = "handoff"


@dataclass(frozen=True)
class Artefact:
    """One result a chapter hands to the chapters after it.

    Attributes
    ----------
    name : str
        File stem and the name chapters ask for.
    chapter : str
        The chapter that writes it ("02").
    columns : dict of str to str
        Required columns and their pandas dtype kind ("string", "float64", "Int64", "bool"); the
        index is ``customer_id`` (string) for per-customer artefacts. Extra columns are kept.
    description : str
        What it holds, for readers of the run folder.
    """

    name: str
    chapter: str
    columns: dict[str, str]
    description: str


ARTEFACTS: dict[str, Artefact] = {a.name: a for a in (
    Artefact("segments", "02", {"rfm_segment": "string", "abc_tier": "string", "cluster": "Int64",
                                "cluster_name": "string"},
             "chapter 2: RFM segment, ABC tier and cluster of each customer"),
    Artefact("churn_scores", "03", {"churn_probability": "float64", "status": "string"},
             "chapter 3: churn probability of each active customer (1.0 for lost ones)"),
    Artefact("customer_value", "04", {"clv": "float64", "p_alive": "float64", "value_tier": "string"},
             "chapter 4: customer lifetime value, P(alive) and value tier of each customer"),
)}


@dataclass
class Fetched:
    """An artefact read back, or the reason it is not there.

    Attributes
    ----------
    frame : DataFrame or None
        Indexed by customer_id; None when unavailable.
    note : str
        One sentence for the report: where the figures come from, or why they are missing.
    """

    frame: pd.DataFrame | None
    note: str

    @property
    def available(self) -> bool:
        return self.frame is not None


def artefact(name: str) -> Artefact:
    """The declaration of artefact ``name``.

    Raises
    ------
    KeyError
        If no artefact has that name (the message lists the known ones).

    Examples
    --------
    >>> artefact("segments").chapter
    '02'
    """
    if name not in ARTEFACTS:
        raise KeyError(f"no hand-off artefact {name!r}; known: {', '.join(ARTEFACTS)}")
    return ARTEFACTS[name]


def _path(run_dir: str | Path, name: str) -> Path:
    return Path(run_dir) / HANDOFF_DIR / f"{name}.parquet"


def publish(frame: pd.DataFrame, name: str, run_dir: str | Path, *, source: str) -> Path:
    """Keep a chapter's result in the run folder for the chapters after it.

    Parameters
    ----------
    frame : DataFrame
        Indexed by customer_id, with at least the artefact's columns.
    name : str
        An artefact of :data:`ARTEFACTS`.
    run_dir : str or Path
        The run folder (the notebooks' ``output_dir``).
    source : str
        The data source (``CRMData.source``); a later chapter on another source ignores it.

    Returns
    -------
    Path
        The Parquet file written.

    Raises
    ------
    CRMDataError
        If ``frame`` lacks a declared column.

    Examples
    --------
    >>> import tempfile
    >>> run = tempfile.mkdtemp()
    >>> seg = pd.DataFrame({"rfm_segment": ["champions"], "abc_tier": ["A"], "cluster": [0],
    ...                     "cluster_name": ["loyal"]}, index=pd.Index(["C1"], name="customer_id"))
    >>> publish(seg, "segments", run, source="teaching").name
    'segments.parquet'
    >>> fetch("segments", run, source="teaching").frame.loc["C1", "abc_tier"]
    'A'
    >>> fetch("churn_scores", run, source="teaching").note
    "chapter 3's churn_scores are not in this run (the chapter did not run before this one)"
    """
    spec = artefact(name)
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        raise CRMDataError(f"hand-off {name}: missing column(s) {', '.join(missing)} (present: "
                           f"{', '.join(map(str, frame.columns))})")
    out = frame.copy()
    for column, dtype in spec.columns.items():
        out[column] = out[column].astype(dtype)
    out.index = out.index.astype("string").rename("customer_id")
    path = _path(run_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".parquet.tmp")
    out.to_parquet(tmp)
    tmp.replace(path)  # readers never see a half-written file
    path.with_suffix(".json").write_text(json.dumps({"source": source, "chapter": spec.chapter}))
    return path


def fetch(name: str, run_dir: str | Path | None, *, source: str) -> Fetched:
    """Read an earlier chapter's result from the run folder, or say why it is not available.

    Parameters
    ----------
    name : str
        An artefact of :data:`ARTEFACTS`.
    run_dir : str or Path or None
        The run folder; None means "no run folder" (the artefact is then unavailable).
    source : str
        The data source of the chapter asking; an artefact of another source is not used.

    Returns
    -------
    Fetched
        The frame (index customer_id) and a sentence on where it came from.
    """
    spec = artefact(name)
    who = f"chapter {int(spec.chapter)}'s {name}"
    path = _path(run_dir, name) if run_dir is not None else None
    if path is None or not path.exists():
        return Fetched(None, f"{who} are not in this run (the chapter did not run before this one)")
    meta = json.loads(path.with_suffix(".json").read_text()) if path.with_suffix(".json").exists() else {}
    if meta.get("source") != source:
        return Fetched(None, f"{who} in this run folder come from another data source ({meta.get('source')!r})")
    frame = pd.read_parquet(path)
    missing = [c for c in spec.columns if c not in frame.columns]
    if missing:
        return Fetched(None, f"{who} lack column(s) {', '.join(missing)}")
    return Fetched(frame, f"{who} from this run")


__all__ = ["ARTEFACTS", "Artefact", "Fetched", "artefact", "fetch", "publish"]
