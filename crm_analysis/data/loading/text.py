"""Reading one file as strings: delimited text in any common encoding, Parquet, Excel.

Every data line becomes a row indexed by ``source_row`` (the line number in the file, header = 1;
the spreadsheet row for Excel), so nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
from charset_normalizer import from_bytes

from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.loading.columns import _Log
from crm_analysis.data.parsers import MISSING_TOKENS

_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat", ".csv.gz", ".txt.gz", ".tsv.gz")


# --------------------------------------------------------------------------- reading files
#: Encodings considered for a file that is not UTF-8: Chinese (simplified and traditional),
#: Japanese, Korean and the Windows / ISO code pages of European exports; on a tie of
#: charset-normalizer's scores the earlier one is taken (and the choice is reported as guessed).
CANDIDATE_ENCODINGS = ("gb18030", "big5", "shift_jis", "euc_kr", "cp1252", "cp1250", "cp1251", "iso8859_15")

#: charset-normalizer's "chaos" above which a detected encoding is not trusted.
MAX_CHAOS = 0.15


def _bad_lines(raw: bytes, encoding: str) -> list[int]:
    """File lines (1-based) that do not decode in ``encoding``."""
    return [i for i, line in enumerate(raw.split(b"\n"), start=1) if not _decodes(line, encoding)]


def _decodes(raw: bytes, encoding: str) -> bool:
    try:
        raw.decode(encoding)
    except UnicodeDecodeError:
        return False
    return True


def _lines(numbers: list[int], limit: int = 8) -> str:
    shown = ", ".join(map(str, numbers[:limit]))
    return f"line(s) {shown}" + (f" and {len(numbers) - limit:,} more" if len(numbers) > limit else "")


def _decode(raw: bytes, file: str, given: str | None = None) -> tuple[str, str, str]:
    """Decode a text file: ``(text, encoding, how)``.

    A BOM or valid UTF-8 decides at once (*detected*); otherwise charset-normalizer chooses among
    :data:`CANDIDATE_ENCODINGS`. Nothing is decoded wholesale as Latin-1: a file that is UTF-8 but
    for a few bad bytes, or that no candidate reads, or that is read with low confidence, raises
    :class:`CRMDataError` naming the lines.
    """
    if given:
        if not _decodes(raw, given):
            bad = _lines(_bad_lines(raw, given))
            raise CRMDataError(f"{file}: not valid {given} on {bad} (encoding={given!r} given)")
        return raw.decode(given), given, "given"
    if raw.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif _decodes(raw, "utf-8"):
        encoding = "utf-8"
    else:
        encoding = ""
    if encoding:
        if not _decodes(raw, encoding):
            raise CRMDataError(f"{file}: starts with a {encoding} byte-order mark but is not valid {encoding}")
        return raw.decode(encoding), encoding, "detected"
    non_ascii = [line for line in raw.split(b"\n") if not line.isascii()]
    utf8_ok = sum(_decodes(line, "utf-8") for line in non_ascii)
    if utf8_ok and utf8_ok >= len(non_ascii) - utf8_ok:
        raise CRMDataError(
            f"{file}: UTF-8 except for bytes that are not valid UTF-8 on {_lines(_bad_lines(raw, 'utf-8'))}; "
            "fix or remove those bytes (the file is not decoded in another encoding, which would garble the rest)"
        )
    matches = from_bytes(raw, cp_isolation=list(CANDIDATE_ENCODINGS))
    best = matches.best()
    if best is None or best.chaos > MAX_CHAOS:
        tried = ", ".join(CANDIDATE_ENCODINGS)
        raise CRMDataError(
            f"{file}: the text encoding cannot be recognised with confidence (tried UTF-8, {tried}); "
            "save the file as UTF-8 or pass encoding=..."
        )
    ties = [m for m in matches if m.chaos <= best.chaos + 0.005 and m.coherence >= best.coherence - 0.005]
    best = min(ties, key=lambda m: _rank(m.encoding))  # a tie goes to the more common code page
    text = str(best)
    rivals = [m.encoding for m in matches if m.encoding != best.encoding and m.chaos <= best.chaos + 0.05
              and str(m) != text]
    return text, best.encoding, "guessed" if rivals else "detected"


def _rank(encoding: str) -> int:
    """Position in :data:`CANDIDATE_ENCODINGS` (the order of preference on a tie)."""
    names = [codecs.lookup(c).name for c in CANDIDATE_ENCODINGS]
    found = codecs.lookup(encoding).name
    return names.index(found) if found in names else len(names)


def _sep_of(line: str) -> str | None:
    counts = {sep: line.count(sep) for sep in (",", "\t", ";", "|")}
    return max(counts, key=lambda k: counts[k]) if max(counts.values()) else None


def _records(text: str, sep: str, file: str) -> tuple[list[int], list[int]]:
    """Start line and field count of every record of a delimited text (quotes may span lines)."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    starts, widths, previous = [], [], 0
    try:
        for record in reader:
            starts.append(previous + 1)
            widths.append(len(record))
            previous = reader.line_num
    except csv.Error as exc:
        raise CRMDataError(
            f"{file}: line {previous + 1}: {exc} (a quote opened on line {previous + 1} is never closed?); "
            "close the quote or remove it"
        ) from None
    return starts, widths


def _read_text(path: Path, log: _Log | None = None) -> pd.DataFrame:
    """Read a delimited text file as strings, indexed by its file line numbers."""
    file = str(path)
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    if not raw.strip():
        raise CRMDataError(f"{file}: the file is empty (no header line, no data)")
    text, encoding, how = _decode(raw, file, log.encoding if log else None)
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise CRMDataError(f"{file}: the file is empty (a byte-order mark, no header line, no data)")
    if log:
        log.setting("encoding", encoding, how)
    head = text[:65536].split("\n", 2)
    sep = _sep_of(head[0])
    if sep is None and len(head) > 1 and _sep_of(head[1]):
        raise CRMDataError(
            f"{file}: line 1 ({len(head[0].split())} word(s), no {_sep_of(head[1])!r}) looks like a title above "
            f"the header on line 2; remove the title line"
        )
    if sep is None:
        return _read_whitespace(text, file, log)
    if log:
        log.setting("separator", {"\t": "tab"}.get(sep, sep), "detected")
    starts, widths = _records(text, sep, file)
    header_width = widths[0]
    data_starts, data_widths = np.asarray(starts[1:]), np.asarray(widths[1:])
    blank_line = data_widths <= 1  # an empty line has no field (or one empty field)
    tokens = next(csv.reader([text.split("\n", 1)[0]], delimiter=sep))
    trailing = bool(len(data_widths)) and bool(
        ((data_widths == header_width + 1) | blank_line).all() and (~blank_line).any()
    )
    wrong = np.flatnonzero((data_widths != header_width) & ~blank_line)
    if len(wrong) and not trailing:
        lines = [int(data_starts[i]) for i in wrong]
        seen = sorted({int(w) for w in data_widths[wrong]})
        raise CRMDataError(
            f"{file}: the header (line 1) has {header_width} fields but {_lines(lines)} "
            f"{'has' if len(lines) == 1 else 'have'} {seen}; an unquoted {sep!r} inside a value, or a missing field?"
        )
    headerless = all(re.fullmatch(r"[-+]?\d+(\.\d+)?", t.strip()) for t in tokens)
    _no_duplicate_names([t.strip() for t in tokens], file)
    frame = pd.read_csv(
        io.StringIO(text),
        sep=sep,
        dtype=str,
        keep_default_na=False,
        na_values=list(MISSING_TOKENS),
        skip_blank_lines=False,
        header=None if headerless else 0,
        names=([*tokens, "__trailing__"] if trailing else None),
        index_col=False,
    )
    if trailing:
        frame = frame.drop(columns="__trailing__")
        if log and log.current:
            log.current.notes.append("every data line ends with an extra separator: the empty last column is dropped")
    if headerless:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame.index = pd.Index(np.asarray(starts if headerless else starts[1:], dtype="int64"), name="source_row")
    return _drop_blank(frame, log)


def _read_whitespace(text: str, file: str, log: _Log | None) -> pd.DataFrame:
    """A whitespace-separated text (CDNOW): one record per non-empty line."""
    if log:
        log.setting("separator", "whitespace", "detected")
    first = text.split("\n", 1)[0].split()
    headerless = bool(first) and all(re.fullmatch(r"[-+]?\d+(\.\d+)?", t) for t in first)
    frame = pd.read_csv(io.StringIO(text), sep=r"\s+", dtype=str, keep_default_na=False,
                        na_values=list(MISSING_TOKENS), header=None if headerless else 0)
    if headerless:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    lines = [i for i, line in enumerate(text.split("\n"), start=1) if line.strip()]
    frame.index = pd.Index(np.asarray(lines if headerless else lines[1:], dtype="int64"), name="source_row")
    return _drop_blank(frame, log)


def _no_duplicate_names(names: list[str], file: str) -> None:
    """Two columns with one name: which one is meant cannot be decided, so neither is chosen."""
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name and name in seen:
            raise CRMDataError(
                f"{file}: columns {seen[name]} and {i} of the header are both named {name!r}; "
                "rename or remove one (which one is meant cannot be decided)"
            )
        seen[name] = i


def _drop_blank(frame: pd.DataFrame, log: _Log | None) -> pd.DataFrame:
    """Count every line; lines of only empty / missing-value cells are set aside for the quarantine.

    Blank lines after the last record are not data lines (a spreadsheet's formatted empty rows, a
    final empty line) and are only noted.
    """
    blank = frame.isna().all(axis=1).to_numpy()
    last = np.flatnonzero(~blank).max() + 1 if (~blank).any() else 0
    if log and log.current:
        log.current.lines_read += int(last)
        if len(frame) > last:
            log.current.notes.append(f"{len(frame) - last:,} blank line(s) after the last record ignored")
        log.blank_rows = frame.index[:last][blank[:last]]
    return frame.loc[~blank]


def _sheet_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """A worksheet's rows (row 1 = header) as a frame indexed by spreadsheet row."""
    if not rows:
        return pd.DataFrame()
    header = [h if h is not None else f"column_{i + 1}" for i, h in enumerate(rows[0])]
    _no_duplicate_names([str(h).strip() for h in header], "sheet")
    width = len(header)
    body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=[str(h).strip() for h in header], dtype=object)
    frame.index = pd.Index(np.arange(2, len(body) + 2), name="source_row")
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    return frame.mask(frame.isin(list(MISSING_TOKENS)))


def _read_excel(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook; openpyxl gives true spreadsheet row numbers."""
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: _sheet_frame(list(ws.iter_rows(values_only=True))) for ws in book.worksheets}
    finally:
        book.close()


def _read_file(path: Path, log: _Log | None = None) -> pd.DataFrame:
    """One table from a CSV / text / Parquet / Excel (first sheet) file; ``log`` records how it was read."""
    name = path.name.lower()
    if log is not None:
        log.current = log.report.file(str(path))
    if name.endswith((".xlsx", ".xlsm")):
        sheets = _read_excel(path)
        first = next(iter(sheets))
        if log is not None:
            log.report.not_used += [(f"{path} [sheet {s}]", "only the first sheet of a single-table workbook is read")
                                    for s in list(sheets)[1:] if len(sheets[s])]
        return _drop_blank(sheets[first], log)
    if name.endswith(".parquet"):
        frame = pd.read_parquet(path)
        frame.index = pd.Index(np.arange(2, len(frame) + 2), name="source_row")
        return _drop_blank(frame, log)
    if name.endswith(_TEXT_SUFFIXES) or name.endswith(".gz"):
        return _read_text(path, log)
    raise CRMDataError(
        f"{path}: unsupported file type; use CSV (.csv, .csv.gz, .txt), Parquet or Excel (.xlsx)"
    )
