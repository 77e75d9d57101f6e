"""Small helpers every chapter notebook uses: load-and-clean, the as-of date, tables, notes, versions.

Keeping these here (not in the notebooks) means every chapter does the same thing the same way,
and the notebooks stay a few calls per cell.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from crm_analysis.core import handoff, i18n
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.formatting import CSV_DECIMALS, round_for_csv
from crm_analysis.data import privacy
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load

#: What :func:`prepare` says in the chapter about where its data came from.
SHARED_DATA_NOTE = i18n.N_("Data loaded and cleaned once for this run (kept in the run folder).")
OWN_DATA_NOTE = i18n.N_("This chapter ran alone: data loaded and cleaned here.")
AS_OF_GIVEN = i18n.N_("Analysis date (as of): {date}, as set.")
AS_OF_DERIVED = i18n.N_("Analysis date (as of): {date}, the day after the last dated event in the data.")
#: Output metadata key of :func:`prepare`'s note: the as-of date used (ISO), read by the run's index page.
AS_OF_METADATA_KEY = "crm_analysis_as_of"

_VERSION_PACKAGES = (
    "crm-analysis", "pandas", "numpy", "scipy", "scikit-learn", "statsmodels", "matplotlib",
    "seaborn", "pandera", "papermill",
)


@dataclass
class ChapterData:
    """What a chapter starts from.

    Attributes
    ----------
    loaded : CRMData or None
        The tables as read from the source (data-quality checks look at these); None when the
        chapter did not ask to keep them (:func:`prepare` with ``keep_loaded=False``).
    clean : CRMData
        The cleaned tables, with ``quarantine`` and ``issues``.
    as_of : pandas.Timestamp
        The analysis date.
    shared : bool
        True when the tables came from the run folder (loaded and cleaned once by the runner),
        False when this chapter loaded and cleaned them itself.
    """

    loaded: CRMData | None
    clean: CRMData
    as_of: pd.Timestamp
    shared: bool = False


def resolve_as_of(data: CRMData, as_of: str | pd.Timestamp | None = None) -> pd.Timestamp:
    """The analysis date: the given one, else the day after the last dated event in the data.

    Parameters
    ----------
    data : CRMData
        Loaded or cleaned tables.
    as_of : str or Timestamp, optional
        An explicit date (ISO string such as ``"2025-12-31"``).

    Returns
    -------
    pandas.Timestamp
        Normalised to midnight.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["C1"], "order_date": pd.to_datetime(["2024-03-05 14:00"])})
    >>> resolve_as_of(CRMData(transactions=tx))
    Timestamp('2024-03-06 00:00:00')
    >>> resolve_as_of(CRMData(transactions=tx), "2024-12-31")
    Timestamp('2024-12-31 00:00:00')
    >>> resolve_as_of(CRMData(interactions=pd.DataFrame({"date": pd.to_datetime(["2020-03-18"])})))
    Timestamp('2020-03-19 00:00:00')
    """
    if as_of is not None and not (isinstance(as_of, str) and as_of.strip() == ""):
        return pd.Timestamp(as_of).normalize()
    candidates = []
    if data.transactions is not None and "order_date" in data.transactions:
        candidates.append(data.transactions["order_date"].max())
    if data.customers is not None:
        for column in ("updated_at", "signup_date"):
            if column in data.customers:
                candidates.append(data.customers[column].max())
    candidates = [c for c in candidates if pd.notna(c)]
    if not candidates and data.interactions is not None and "date" in data.interactions:
        candidates = [c for c in [data.interactions["date"].max()] if pd.notna(c)]  # a log alone (CFPB)
    if not candidates:
        return pd.Timestamp.today().normalize()
    return (max(candidates) + pd.Timedelta(days=1)).normalize()


def prepare(data_source: str, as_of: str | None = None, *, keep_loaded: bool = True,
            run_dir: str | Path | None = None) -> ChapterData:
    """Load and clean a source, and settle the as-of date: the first step of every chapter.

    Under ``crm-analysis run`` the runner loads and cleans the source once and keeps the tables in
    the run folder (:func:`crm_analysis.core.handoff.save_data`); the chapters read them from there.
    A chapter run on its own (JupyterLab, papermill) loads and cleans here. Either way a visible note
    says which happened.

    Parameters
    ----------
    data_source : str
        Anything :func:`crm_analysis.load` accepts ("teaching", "cdnow", a folder, a file).
    as_of : str, optional
        Analysis date; by default the day after the last transaction.
    keep_loaded : bool, default True
        Keep the tables as loaded next to the clean ones. Chapters that only analyse clean data
        pass False: on a million customers that saves a copy of every table (about 2 GB).
    run_dir : str or Path, optional
        The run folder (the notebook's ``output_dir``); its kept tables are used when they were
        made from ``data_source``.

    Returns
    -------
    ChapterData

    Examples
    --------
    >>> chapter = prepare("cdnow_sample", keep_loaded=False)  # doctest: +ELLIPSIS
    >>> chapter.as_of, chapter.loaded, chapter.shared
    (Timestamp('1998-07-01 00:00:00'), None, False)
    """
    kept = handoff.load_data(run_dir, data_source, loaded=keep_loaded)
    if kept is not None:
        loaded, cleaned = kept
    else:
        loaded = load(data_source)
        cleaned = clean(loaded)
    as_of_used = resolve_as_of(cleaned, as_of)
    given = as_of is not None and not (isinstance(as_of, str) and as_of.strip() == "")
    date_line = i18n._(AS_OF_GIVEN if given else AS_OF_DERIVED).format(date=f"{as_of_used:%Y-%m-%d}")
    note(f"{i18n._(SHARED_DATA_NOTE if kept is not None else OWN_DATA_NOTE)} {date_line}",
         kind="ok" if kept is not None else "note", metadata={AS_OF_METADATA_KEY: f"{as_of_used:%Y-%m-%d}"})
    return ChapterData(loaded=loaded if keep_loaded else None, clean=cleaned,
                       as_of=as_of_used, shared=kept is not None)


def tables_dir(output_dir: str | Path) -> Path:
    """``output_dir/tables``, created if needed.

    Examples
    --------
    >>> import tempfile
    >>> tables_dir(tempfile.mkdtemp()).name
    'tables'
    """
    path = Path(output_dir) / "tables"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_table(frame: pd.DataFrame, name: str, output_dir: str | Path, *, index: bool = False,
               show_pii: bool | None = None) -> Path:
    """Write a chapter's output table as UTF-8 CSV to ``output_dir/tables/name.csv``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table. Mask personal data first (:func:`crm_analysis.data.privacy.mask_pii`).
    name : str
        File stem, e.g. ``"segments"``.
    output_dir : str or Path
        The run's output folder.
    index : bool, default False
        Whether to write the index as a column.
    show_pii : bool, optional
        Keep values that look like personal data. Default: the run's ``-p show_pii``
        (:func:`crm_analysis.data.privacy.show_pii_setting`), masked when run alone. Masked means
        any column (ids included) is searched and such values masked, a phone-shaped
        ``customer_id`` replaced by a stable pseudonym (:func:`crm_analysis.data.privacy.mask_frame`).

    Returns
    -------
    Path
        The file written. A text cell that a spreadsheet would run as a formula (starting with
        ``=``, ``+``, ``-``, ``@``, tab or carriage return) gets a leading ``'`` (OWASP, CSV
        injection); numbers are written as they are.

    Examples
    --------
    >>> import tempfile
    >>> path = save_table(pd.DataFrame({"a": [1], "b": ['=HYPERLINK("x")']}), "example", tempfile.mkdtemp())
    >>> print(path.read_text())
    a,b
    1,"'=HYPERLINK(""x"")"
    <BLANKLINE>
    """
    path = tables_dir(output_dir) / f"{name}.csv"
    frame = privacy.defuse_formulas(privacy.mask_frame(frame, show_pii=privacy.show_pii_setting(show_pii)))
    round_for_csv(frame, CSV_DECIMALS).to_csv(path, index=index, encoding="utf-8")
    return path


class Note(str):
    """The text of a note already shown: a cell ending in ``report.note(...)`` does not show it again."""

    def _ipython_display_(self) -> None:
        """Shown once, by :func:`note`."""


def note(message: str, *, kind: str = "note", metadata: dict[str, str] | None = None) -> str:
    """Show a visible note in the report (e.g. what the data cannot support), and return its text.

    The text returned is a :class:`Note`: as the last expression of a cell it is not shown a second
    time (as a raw ``'**OK:** ...'`` string). ``metadata`` is stored with the output (for the run's pages).

    Examples
    --------
    >>> note("No customers table: completeness cannot be checked.")  # doctest: +ELLIPSIS
    '**Note:** No customers table: completeness cannot be checked.'
    """
    label = {"note": "Note", "warning": "Warning", "ok": "OK"}.get(kind, kind.title())
    text = Note(f"**{label}:** {message}")
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display

        if get_ipython() is not None:
            display(Markdown("> " + text), metadata=metadata or {})
    except ImportError:  # plain Python without IPython: the returned text is enough
        pass
    return text


def versions() -> pd.DataFrame:
    """Versions of Python and the main packages, for the last cell of every chapter.

    Examples
    --------
    >>> "pandas" in set(versions()["package"])
    True
    """
    rows = [("python", platform.python_version())]
    for package in _VERSION_PACKAGES:
        try:
            rows.append((package, metadata.version(package)))
        except metadata.PackageNotFoundError:
            rows.append((package, "not installed"))
    return pd.DataFrame(rows, columns=["package", "version"])
