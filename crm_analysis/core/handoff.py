"""The one hand-off between chapters: what a run keeps, under which name, with which columns.

A run folder (the notebooks' ``output_dir``) holds the cleaned data once and each chapter's results
for the chapters after it::

    <run>/handoff/data/<source-key>/...    the loaded and cleaned tables (Parquet), written once
    <run>/handoff/segments.parquet          chapter 2: RFM segment, ABC tier, cluster per customer
    <run>/handoff/churn_scores.parquet      chapter 3: churn probability and status per customer
    <run>/handoff/customer_value.parquet    chapter 4: CLV, P(alive), value tier per customer

At the end of a run that does not show personal data, ``crm-analysis run`` moves ``handoff/`` (raw
customer keys and the raw input: the data owner's working copies) out of the run folder into the hidden
sibling ``.<run>.private/`` with permissions 0700 (:func:`set_aside`); :func:`fetch` and
:func:`load_data` still find it there (e.g. for ``--write-back``), but nothing in the run folder that is
shared holds it.

Chapters never build these paths: they call :func:`publish` and :func:`fetch` with an artefact
name from :data:`ARTEFACTS`. :func:`fetch` returns None when the artefact is absent, from another
data source, or lacks a column, and says why (:attr:`Fetched.note`) so that the chapter can state
the substitute it uses instead.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from crm_analysis.core.crmdata import CRMData, LoadReport, Truth
from crm_analysis.core.errors import CRMDataError

HANDOFF_DIR = "handoff"
#: Suffix of the hidden sibling of a run folder that keeps its hand-off out of the shared folder.
PRIVATE_SUFFIX = ".private"
DATA_DIR = "data"
DATA_FORMAT = 1
_FRAMES = ("customers", "transactions", "interactions", "exit_survey", "quarantine", "issues")


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


def private_dir(run_dir: str | Path) -> Path:
    """The hidden sibling ``.<run>.private`` that keeps a run's hand-off out of the shared run folder.

    Examples
    --------
    >>> private_dir("reports/20250301-093000").name, private_dir("reports/run").parent.name
    ('.20250301-093000.private', 'reports')
    """
    return Path(run_dir).parent / f".{Path(run_dir).name}{PRIVATE_SUFFIX}"


def _root(run_dir: str | Path) -> Path:
    """``run_dir/handoff``, or the one set aside in :func:`private_dir` when only that exists."""
    inside = Path(run_dir) / HANDOFF_DIR
    aside = private_dir(run_dir) / HANDOFF_DIR
    return aside if not inside.exists() and aside.exists() else inside


def set_aside(work_dir: str | Path, run_dir: str | Path) -> Path | None:
    """Move the hand-off written in ``work_dir`` into :func:`private_dir` of ``run_dir`` (mode 0700).

    Parameters
    ----------
    work_dir : str or Path
        The folder the chapters wrote into (the run folder, or its temporary name).
    run_dir : str or Path
        The run folder as it is finally named; its private sibling receives the hand-off.

    Returns
    -------
    Path or None
        The hand-off folder's new place; None when the run wrote none.

    Examples
    --------
    >>> import tempfile
    >>> run = Path(tempfile.mkdtemp()) / "run"
    >>> _ = publish(pd.DataFrame({"clv": [1.0], "p_alive": [0.5], "value_tier": ["A"]},
    ...                          index=pd.Index(["13812345678"], name="customer_id")), "customer_value", run,
    ...             source="teaching")
    >>> aside = set_aside(run, run)
    >>> (run / HANDOFF_DIR).exists(), aside.parent.name, fetch("customer_value", run, source="teaching").available
    (False, '.run.private', True)
    """
    handoff = Path(work_dir) / HANDOFF_DIR
    if not handoff.exists():
        return None
    private = private_dir(run_dir)
    private.mkdir(mode=0o700, exist_ok=True)
    private.chmod(0o700)
    target = private / HANDOFF_DIR
    if target.exists():
        shutil.rmtree(target)
    handoff.replace(target)
    return target


def _path(run_dir: str | Path, name: str) -> Path:
    return _root(run_dir) / f"{name}.parquet"


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


def data_dir(run_dir: str | Path, data_source: str) -> Path:
    """The folder that keeps the loaded and cleaned tables of ``data_source`` in a run folder.

    Examples
    --------
    >>> data_dir("run", "teaching").parent.as_posix()
    'run/handoff/data'
    """
    key = hashlib.sha256(str(data_source).encode("utf-8")).hexdigest()[:16]
    return _root(run_dir) / DATA_DIR / key


def _frames(data: CRMData) -> dict[str, pd.DataFrame]:
    frames = {name: getattr(data, name) for name in _FRAMES if getattr(data, name) is not None}
    if data.truth is not None:
        frames.update(truth_customers=data.truth.customers, truth_defects=data.truth.defects)
        for name in ("interactions", "care_plan"):  # optional truth (issue 19)
            if getattr(data.truth, name) is not None:
                frames[f"truth_{name}"] = getattr(data.truth, name)
    return frames


def _write_exact(frame: pd.DataFrame, path: Path) -> bool:
    """Write ``frame`` as Parquet if it reads back identical (dtypes, index, values); else write nothing."""
    try:
        frame.to_parquet(path)
        pd.testing.assert_frame_equal(pd.read_parquet(path), frame, check_exact=True)
    except (AssertionError, TypeError, ValueError, NotImplementedError):  # pyarrow's Arrow*Error derive from these
        path.unlink(missing_ok=True)
        return False
    return True


def _meta(data: CRMData) -> dict:
    return {"source": data.source, "source_files": data.source_files, "rows_in": data.rows_in,
            "truth": data.truth is not None, "load_report": data.load_report.to_dict()}


def save_data(run_dir: str | Path, data_source: str, loaded: CRMData, clean: CRMData) -> Path | None:
    """Keep the loaded and cleaned tables of one data source in the run folder, for every chapter.

    Every table (with quarantine, issues and the ground truth) is written as Parquet and read back
    at once: the round trip must be exact, dtypes and index included. A source whose tables cannot
    round-trip (e.g. an object column mixing numbers and text) is not kept at all, so each chapter
    then loads and cleans it itself, with exactly the tables it always had.

    Parameters
    ----------
    run_dir : str or Path
        The run folder (the notebooks' ``output_dir``).
    data_source : str
        The data source as the chapters are given it (``"teaching"``, an absolute path, ...).
    loaded, clean : CRMData
        The tables as loaded and as cleaned.

    Returns
    -------
    Path or None
        The folder written, or None when the tables cannot be kept exactly.

    Examples
    --------
    >>> import tempfile
    >>> tx = pd.DataFrame({"customer_id": ["C1", "C2"], "amount": [5.0, -1.0]})
    >>> loaded = CRMData(transactions=tx, source="example")
    >>> clean = loaded.with_tables(transactions=tx.iloc[:1], quarantine=pd.DataFrame(
    ...     {"table": ["transactions"], "source_row": [1], "reason": ["negative amount"]}))
    >>> run = tempfile.mkdtemp()
    >>> save_data(run, "example.csv", loaded, clean).parent.name
    'data'
    >>> again_loaded, again_clean = load_data(run, "example.csv")
    >>> again_clean.quarantine["reason"].tolist(), again_clean.rows_in
    (['negative amount'], {'transactions': 2})
    >>> load_data(run, "another.csv") is None
    True
    """
    target = data_dir(run_dir, data_source)
    shutil.rmtree(target, ignore_errors=True)
    meta: dict = {"format": DATA_FORMAT, "data_source": str(data_source)}
    for kind, data in (("loaded", loaded), ("clean", clean)):
        folder = target / kind
        folder.mkdir(parents=True)
        meta[kind] = {**_meta(data), "frames": sorted(_frames(data))}
        for name, frame in _frames(data).items():
            if not _write_exact(frame, folder / f"{name}.parquet"):
                shutil.rmtree(target)
                return None
    tmp = target / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, ensure_ascii=False, default=str), encoding="utf-8")
    tmp.replace(target / "meta.json")  # written last: a folder without it is incomplete and ignored
    return target


def _read(folder: Path, meta: dict, truth: Truth | None) -> CRMData:
    frames = {name: pd.read_parquet(folder / f"{name}.parquet") for name in meta["frames"]}
    if meta["truth"] and truth is None:
        truth = Truth(customers=frames.pop("truth_customers"), defects=frames.pop("truth_defects"),
                      interactions=frames.pop("truth_interactions", None),
                      care_plan=frames.pop("truth_care_plan", None))
    else:
        for name in ("truth_customers", "truth_defects", "truth_interactions", "truth_care_plan"):
            frames.pop(name, None)
    return CRMData(**frames, truth=truth, source=meta["source"], source_files=meta["source_files"],
                   rows_in=meta["rows_in"], load_report=LoadReport.from_dict(meta.get("load_report")))


def load_data(run_dir: str | Path | None, data_source: str, *,
              loaded: bool = True) -> tuple[CRMData | None, CRMData] | None:
    """The loaded and cleaned tables kept by :func:`save_data`, or None if this run has none.

    Parameters
    ----------
    run_dir : str or Path or None
        The run folder; None means no run folder.
    data_source : str
        The data source the chapter was given; tables kept for another source are not used.
    loaded : bool, default True
        Read the tables as loaded too; False returns None in their place (saves memory).

    Returns
    -------
    tuple of (CRMData or None, CRMData) or None
        ``(loaded, clean)``, the two sharing one ground truth as after loading and cleaning.
    """
    if run_dir is None:
        return None
    folder = data_dir(run_dir, data_source)
    meta_path = folder / "meta.json"
    if not meta_path.is_file():
        return None
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format") != DATA_FORMAT or meta.get("data_source") != str(data_source):
        return None
    clean = _read(folder / "clean", meta["clean"], None)
    raw = _read(folder / "loaded", meta["loaded"], clean.truth) if loaded else None
    return raw, clean


__all__ = ["ARTEFACTS", "Artefact", "Fetched", "artefact", "data_dir", "fetch", "load_data", "private_dir",
           "publish", "save_data", "set_aside"]
