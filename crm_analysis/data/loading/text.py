"""Reading one file as strings: delimited text in any common encoding, Parquet, Excel.

Every data line becomes a row indexed by ``source_row`` (the line number in the file, header = 1;
the spreadsheet row for Excel), so nothing is dropped silently.
"""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.parsers import MISSING_TOKENS

_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat", ".csv.gz", ".txt.gz", ".tsv.gz")


# --------------------------------------------------------------------------- reading files
def _decode(raw: bytes, file: str) -> str:
    """Pick the encoding: UTF-8 (BOM or not) strictly, then GB18030 (superset of GBK), then latin-1."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _line_numbers(frame: pd.DataFrame, first: int) -> np.ndarray:
    """File line of each record, allowing for quoted values that span several lines."""
    extra = np.zeros(len(frame), dtype="int64")
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            extra += values.astype("string").str.count("\n").fillna(0).to_numpy(dtype="int64")
    return first + np.arange(len(frame)) + np.concatenate([[0], np.cumsum(extra)[:-1]])


def _read_text(path: Path) -> pd.DataFrame:
    """Read a delimited text file as strings, indexed by its file line numbers."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    encoding = _decode(raw, str(path))
    first_line = raw[:65536].decode(encoding, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";", "|")}
    sep = max(counts, key=lambda k: counts[k]) if max(counts.values()) else r"\s+"
    tokens = first_line.split() if sep == r"\s+" else first_line.split(sep)
    headerless = bool(tokens) and all(re.fullmatch(r"[-+]?\d+(\.\d+)?", t.strip()) for t in tokens)
    frame = pd.read_csv(
        io.BytesIO(raw),
        sep=sep,
        encoding=encoding,
        dtype=str,
        keep_default_na=False,
        na_values=list(MISSING_TOKENS),
        skip_blank_lines=False,
        header=None if headerless else 0,
    )
    if headerless:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame.index = pd.Index(_line_numbers(frame, 1 if headerless else 2), name="source_row")
    return frame.loc[~frame.isna().all(axis=1)]  # blank lines are not records


def _sheet_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """A worksheet's rows (row 1 = header) as a frame indexed by spreadsheet row."""
    if not rows:
        return pd.DataFrame()
    header = [h if h is not None else f"column_{i + 1}" for i, h in enumerate(rows[0])]
    width = len(header)
    body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=[str(h).strip() for h in header], dtype=object)
    frame.index = pd.Index(np.arange(2, len(body) + 2), name="source_row")
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    return frame.loc[~frame.isna().all(axis=1)]


def _read_excel(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook; openpyxl gives true spreadsheet row numbers."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: _sheet_frame(list(ws.iter_rows(values_only=True))) for ws in book.worksheets}
    finally:
        book.close()


def _read_file(path: Path) -> pd.DataFrame:
    """One table from a CSV / text / Parquet / Excel (first sheet) file."""
    name = path.name.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return next(iter(_read_excel(path).values()))
    if name.endswith(".parquet"):
        frame = pd.read_parquet(path)
        frame.index = pd.Index(np.arange(2, len(frame) + 2), name="source_row")
        return frame
    if name.endswith(_TEXT_SUFFIXES) or name.endswith(".gz"):
        return _read_text(path)
    raise CRMDataError(
        f"{path}: unsupported file type; use CSV (.csv, .csv.gz, .txt), Parquet or Excel (.xlsx)"
    )
