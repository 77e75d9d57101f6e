"""Parsing raw cell values: dates, numbers, yes/no and missing-value tokens.

Shared by the loader (:mod:`crm_analysis.data.loading`), which types whole columns, and cleaning
(:mod:`crm_analysis.data.cleaning`), which normalises single values the same way.
"""

from __future__ import annotations

import re

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_analysis.core.arrow_text import as_arrow

# Cells holding one of these (after trimming) are missing values, not data.
MISSING_TOKENS = ("", "NA", "N/A", "n/a", "NULL", "null", "None", "NaN", "nan", "#N/A")

#: Yes/no spellings (after NFKC, trimming and lower case) shared by loading and cleaning.
TRUE_VALUES = frozenset({"true", "t", "yes", "y", "1", "1.0", "是", "对", "真"})
FALSE_VALUES = frozenset({"false", "f", "no", "n", "0", "0.0", "否", "不是", "假"})


# --------------------------------------------------------------------------- value parsing
def nfkc_strip(values: pd.Series) -> pd.Series:
    """Values as ``string``, NFKC-normalised (full-width to half-width) and trimmed.

    Examples
    --------
    >>> nfkc_strip(pd.Series([" ３Ａ ", None])).tolist()
    ['3A', <NA>]
    """
    return values.astype("string").str.normalize("NFKC").str.strip()


def is_blank(values: pd.Series) -> pd.Series:
    """True where a raw value is missing, only whitespace or a missing-value token (:data:`MISSING_TOKENS`).

    Examples
    --------
    >>> is_blank(pd.Series(["x", " ", "N/A", None], dtype=object)).tolist()
    [False, True, True, True]
    """
    missing = values.isna()
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        # Arrow's kernels: pandas' isin on Arrow strings goes through Python objects.
        text = pc.utf8_trim_whitespace(as_arrow(values))
        token = pc.fill_null(pc.is_in(text, value_set=pa.array(MISSING_TOKENS)), True)
        missing = missing | token.to_numpy(zero_copy_only=False)
    return missing.astype(bool)


def as_text(values: pd.Series) -> pd.Series:
    """Values as pandas strings; numbers from spreadsheets lose a spurious ``.0``.

    Examples
    --------
    >>> as_text(pd.Series([1001.0, 2.5, None])).tolist()
    ['1001', '2.5', <NA>]
    """
    if values.dtype == object:

        def one(v: object) -> object:
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
                return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
            return v if v is None or isinstance(v, str) else str(v)

        uniques = pd.unique(values.dropna())
        values = values.map(dict(zip(uniques, map(one, uniques), strict=True)))
    elif pd.api.types.is_float_dtype(values.dtype):
        floats = values.astype("Float64")
        whole = (floats.round() == floats).fillna(False)
        text = floats.astype("string")
        text[whole] = floats[whole].astype("Int64").astype("string")
        return text
    return values.astype("string")


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse dates written in the usual ways; unparseable values become ``NaT``.

    Accepts ISO (``2024-03-18``, ``2024-03-18 08:26:00``), compact ``20240318``, slashes or dots
    (``2024/3/18``), Chinese ``2024年3月18日`` and day-month-year or month-day-year with the year
    last (the order that parses more of the column wins; a tie means month first, as in the US
    exports). Dates outside 1677–2262 (the range of nanosecond timestamps) are unparseable.

    Parameters
    ----------
    values : pandas.Series
        Raw values (strings, datetimes or a datetime column).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` with the same index.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024/3/18", "20240318", "2024年3月18日", "18/03/2024", "x"])).dt.day.tolist()
    [18.0, 18.0, 18.0, 18.0, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return (
            values.dt.tz_localize(None).astype("datetime64[ns]")
            if values.dt.tz
            else values.astype("datetime64[ns]")
        )
    uniques = pd.Series(pd.unique(values.dropna()), dtype=object)
    parsed = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[us]")
    is_stamp = uniques.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
    if is_stamp.any():
        parsed[is_stamp] = pd.to_datetime(uniques[is_stamp].map(lambda v: pd.Timestamp(v).tz_localize(None)))
    text = nfkc_strip(uniques.where(~is_stamp).astype("string"))
    text = text.str.replace(r"[/.年月]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"\s+", " ", regex=True)
    todo = parsed.isna() & text.notna()
    parsed[todo] = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
    todo = parsed.isna() & text.str.match(r"^\d{1,2}-\d{1,2}-\d{4}").fillna(False)
    if todo.any():
        trials = {}
        for order in ("%m-%d-%Y", "%d-%m-%Y"):
            got = pd.Series(pd.NaT, index=text[todo].index, dtype="datetime64[us]")
            for suffix in ("", " %H:%M", " %H:%M:%S"):
                gap = got.isna()
                got[gap] = pd.to_datetime(text[todo][gap], format=order + suffix, errors="coerce")
            trials[order] = got
        best = max(trials, key=lambda k: (trials[k].notna().sum(), k == "%m-%d-%Y"))
        parsed[todo] = trials[best]
    in_range = (parsed >= pd.Timestamp("1677-09-22")) & (parsed <= pd.Timestamp("2262-04-11"))
    parsed = parsed.where(in_range).astype("datetime64[ns]")
    lookup = dict(zip(uniques, parsed, strict=True))
    return values.map(lookup).astype("datetime64[ns]")


_NUMBER_JUNK = re.compile(r"[,\s¥$£€￥]|元|RMB|CNY|USD|GBP", re.IGNORECASE)


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers; thousands separators, currency signs and full-width digits are accepted.

    Parameters
    ----------
    values : pandas.Series
        Raw values.

    Returns
    -------
    pandas.Series
        ``Float64``; unparseable values are missing.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1,234.5", "¥12", "３", "abc", None])).tolist()
    [1234.5, 12.0, 3.0, <NA>, <NA>]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("Float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("Float64")
    out = pd.to_numeric(values.where(~is_blank(values)), errors="coerce").astype("Float64")
    retry = out.isna() & ~is_blank(values)
    if retry.any():
        cleaned = nfkc_strip(values[retry]).str.replace(_NUMBER_JUNK, "", regex=True)
        out[retry] = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    return out


def parse_bools(values: pd.Series) -> pd.Series:
    """Parse yes/no values (``Yes``/``No``, ``true``/``false``, ``1``/``0``, ``是``/``否``, ``Y``/``N``).

    Parameters
    ----------
    values : pandas.Series
        Raw values.

    Returns
    -------
    pandas.Series
        ``boolean``; anything else is missing.

    Examples
    --------
    >>> parse_bools(pd.Series(["Yes", "否", "1", "maybe"])).tolist()
    [True, False, True, <NA>]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = nfkc_strip(as_text(values)).str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(TRUE_VALUES).fillna(False)] = True
    out[text.isin(FALSE_VALUES).fillna(False)] = False
    return out
