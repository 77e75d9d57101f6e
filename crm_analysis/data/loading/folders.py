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
from crm_analysis.data.loading.columns import _canonical_table, _Log, _result
from crm_analysis.data.loading.text import _TEXT_SUFFIXES, _drop_blank, _read_file
from crm_analysis.data.parsers import parse_bools, parse_dates, parse_numbers

_DATA_SUFFIXES = (*_TEXT_SUFFIXES, ".gz", ".parquet", ".xlsx")


def _table_file(folder: Path, table: str) -> Path | None:
    """The one file holding ``table``; two candidates (``customers.csv`` and ``customers.parquet``) raise."""
    found = [
        c for c in sorted(folder.iterdir())
        if c.is_file() and _table_of(c.name.split(".")[0]) == table and c.name.lower().endswith(_DATA_SUFFIXES)
    ]
    if len(found) > 1:
        raise CRMDataError(
            f"{folder}: {len(found)} files could hold the {table} table ({', '.join(c.name for c in found)}); "
            "which one is meant cannot be decided: keep one, or move the others out of the folder"
        )
    return found[0] if found else None


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
        elif f.kind == "float":
            typed[f.name] = (parse_numbers(values) if text else values).astype("float64")
        else:
            typed[f.name] = values.astype("string")
    extras = {c: raw[c].astype("string") for c in raw.columns if c not in typed}
    return pd.DataFrame(typed | extras)


def _read_truth(folder: Path) -> Truth | None:
    truth_dir = folder / paths.TRUTH_SUBDIR
    files = {name: _truth_file(truth_dir, csv_name) for name, csv_name in paths.TRUTH_FILES.items()}
    if files["customers"] is None or files["defects"] is None:  # truth/interactions is optional (issue 19)
        return None
    frames = {}
    for name, file in files.items():
        if file is None:
            continue
        if file.suffix == ".parquet":
            raw = pd.read_parquet(file)
        else:
            raw = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        frames[name] = _typed_truth(raw, name)
    return Truth(customers=frames["customers"], defects=frames["defects"], interactions=frames.get("interactions"),
                 care_plan=frames.get("care_plan"))


def _load_folder(folder: Path, log: _Log, label: str | None = None) -> CRMData:
    tables, files = {}, {}
    for table in schema.TABLE_NAMES:
        file = _table_file(folder, table)
        if file is None:
            continue
        tables[table] = _canonical_table(_read_file(file, log), table, str(file), log)
        files[table] = str(file)
    used = {Path(f).name for f in files.values()}
    log.report.not_used += [
        (str(p), "not a table of the canonical model (customers, transactions, interactions, exit_survey)")
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name not in used and not p.name.startswith(".")
    ]
    if "customers" not in tables and "transactions" not in tables:
        found = sorted(p.name for p in folder.iterdir())
        raise CRMDataError(
            f"{folder}: no customers or transactions file found (files seen: {found}); a folder source needs "
            "customers.csv and/or transactions.csv (or .parquet / .xlsx), see data/README.md"
        )
    return _result(log, **tables, truth=_read_truth(folder), source=label or f"folder {folder}", source_files=files)


def _load_workbook(path: Path, sheets: dict[str, pd.DataFrame], log: _Log) -> CRMData:
    tables, files = {}, {}
    for sheet, frame in sheets.items():
        table, where = _table_of(sheet), f"{path} [sheet {sheet}]"
        if table and table in tables:
            raise CRMDataError(
                f"{path}: sheets {files[table].split('[sheet ')[1][:-1]!r} and {sheet!r} both hold the {table} "
                "table; which one is meant cannot be decided: rename or remove one"
            )
        if table:
            log.current = log.report.file(where)
            tables[table] = _canonical_table(_drop_blank(frame, log), table, where, log)
            files[table] = where
        else:
            log.report.not_used.append((where, "the sheet name is not a table of the canonical model"))
    return _result(log, **tables, source=f"workbook {path.name}", source_files=files)


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
