"""Sources made of several tables: a folder of canonical files, a workbook, the teaching data.

A folder holds ``customers.*``, ``transactions.*``, ``interactions.*``, ``exit_survey.*`` (CSV,
CSV.gz, Parquet or ``.xlsx``) and an optional ``truth/`` folder; a workbook has sheets named after
the tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crm_analysis.core import paths, schema
from crm_analysis.core.crmdata import CRMData, Truth
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data import synth
from crm_analysis.data.loading.aliases import _table_of
from crm_analysis.data.loading.columns import _canonical_table, _Log
from crm_analysis.data.loading.text import _TEXT_SUFFIXES, _read_file
from crm_analysis.data.parsers import parse_bools, parse_dates, parse_numbers


def _table_file(folder: Path, table: str) -> Path | None:
    for candidate in sorted(folder.iterdir()):
        if candidate.is_file() and _table_of(candidate.name.split(".")[0]) == table:
            if candidate.name.lower().endswith((*_TEXT_SUFFIXES, ".gz", ".parquet", ".xlsx")):
                return candidate
    return None


def _truth_file(truth_dir: Path, csv_name: str) -> Path | None:
    """The truth file as CSV, or as Parquet (what ``crm-analysis generate --format parquet`` writes)."""
    for candidate in (truth_dir / csv_name, (truth_dir / csv_name).with_suffix(".parquet")):
        if candidate.exists():
            return candidate
    return None


def _typed_truth(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Truth columns in their schema kinds (Parquet arrives typed, CSV as text)."""
    typed = {}
    for f in schema.TRUTH_TABLES[name]:
        values = raw[f.name] if f.name in raw else pd.Series(pd.NA, index=raw.index, dtype=object)
        text = values.dtype == object or isinstance(values.dtype, pd.StringDtype)
        if f.kind == "date":
            typed[f.name] = parse_dates(values) if text else pd.to_datetime(values).astype("datetime64[ns]")
        elif f.kind == "bool":
            typed[f.name] = parse_bools(values) if text else values.astype("boolean")
        elif f.kind == "int":
            typed[f.name] = (parse_numbers(values) if text else values).astype("Int64")
        else:
            typed[f.name] = values.astype("string")
    extras = {c: raw[c].astype("string") for c in raw.columns if c not in typed}
    return pd.DataFrame(typed | extras)


def _read_truth(folder: Path) -> Truth | None:
    truth_dir = folder / paths.TRUTH_SUBDIR
    files = {name: _truth_file(truth_dir, csv_name) for name, csv_name in paths.TRUTH_FILES.items()}
    if any(file is None for file in files.values()):
        return None
    frames = {}
    for name, file in files.items():
        if file.suffix == ".parquet":
            raw = pd.read_parquet(file)
        else:
            raw = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        frames[name] = _typed_truth(raw, name)
    return Truth(customers=frames["customers"], defects=frames["defects"])


def _load_folder(folder: Path, log: _Log, label: str | None = None) -> CRMData:
    tables, files = {}, {}
    for table in schema.TABLE_NAMES:
        file = _table_file(folder, table)
        if file is None:
            continue
        tables[table] = _canonical_table(_read_file(file), table, str(file), log)
        files[table] = str(file)
    if "customers" not in tables and "transactions" not in tables:
        found = sorted(p.name for p in folder.iterdir())
        raise CRMDataError(
            f"{folder}: no customers or transactions file found (files seen: {found}); a folder source needs "
            "customers.csv and/or transactions.csv (or .parquet / .xlsx), see data/README.md"
        )
    return CRMData(
        **tables,
        truth=_read_truth(folder),
        source=label or f"folder {folder}",
        source_files=files,
        issues=log.frame(),
    )


def _load_workbook(path: Path, sheets: dict[str, pd.DataFrame], log: _Log) -> CRMData:
    tables, files = {}, {}
    for sheet, frame in sheets.items():
        table = _table_of(sheet)
        if table and table not in tables:
            where = f"{path} [sheet {sheet}]"
            tables[table], files[table] = _canonical_table(frame, table, where, log), where
    return CRMData(**tables, source=f"workbook {path.name}", source_files=files, issues=log.frame())


def _load_teaching(log: _Log) -> CRMData:
    folder = paths.TEACHING_DIR
    if (folder / paths.TABLE_FILES["customers"]).exists():
        return _load_folder(folder, log, label="teaching data (data/teaching)")
    data = synth.generate()
    if not isinstance(data, CRMData):
        raise CRMDataError(
            "data/teaching/ is missing and crm_analysis.data.synth.generate() did not return CRMData"
        )
    return data
