"""Parsing raw cell values: dates, numbers, yes/no and missing-value tokens.

Shared by the loader (:mod:`crm_analysis.data.loading`), which types whole columns, and cleaning
(:mod:`crm_analysis.data.cleaning`), which normalises single values the same way.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
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


#: Day/month order used when a column's values cannot decide it (every value has both parts <= 12)
#: and the caller gave none: day first, as in most of the world outside North America. The load
#: report marks it *guessed*; ``load(..., strict=True)`` refuses it.
DEFAULT_DAYFIRST = True


def parse_dates(values: pd.Series, *, dayfirst: bool | None = None) -> pd.Series:
    """Parse dates written in the usual ways; unparseable values become ``NaT``.

    Accepts ISO (``2024-03-18``, ``2024-03-18 08:26:00``), compact ``20240318``, slashes or dots
    (``2024/3/18``), Chinese ``2024年3月18日`` and day-month-year or month-day-year with the year
    last. The day/month order is decided for the whole column (:func:`read_dates`), never per value.
    Dates outside 1677–2262 (the range of nanosecond timestamps) are unparseable.

    Parameters
    ----------
    values : pandas.Series
        Raw values (strings, datetimes or a datetime column).
    dayfirst : bool, optional
        Day/month order of ``dd-mm-yyyy`` style values; default: decided from the values, else
        :data:`DEFAULT_DAYFIRST`.

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` with the same index.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024/3/18", "20240318", "2024年3月18日", "18/03/2024", "x"])).dt.day.tolist()
    [18.0, 18.0, 18.0, 18.0, nan]
    """
    return read_dates(values, dayfirst=dayfirst)[0]


def read_dates(
    values: pd.Series, *, dayfirst: bool | None = None, time_zone: str | None = None, date_format: str | None = None
) -> tuple[pd.Series, dict[str, tuple[str, str]]]:
    """Parse dates as :func:`parse_dates` does, and say how the day/month order and time zone were decided.

    A column with ``dd-mm-yyyy`` or ``mm-dd-yyyy`` values (slashes and dots too) is read in one
    order for every value: the order ``dayfirst`` gives; else the one the values prove (a first
    part above 12 proves day first, a second part above 12 month first; if both occur, the order
    that reads more values); else :data:`DEFAULT_DAYFIRST`, reported as guessed.

    Time zones, one rule for every entry point: times are local times of one business time zone.
    A value with a UTC offset (``2024-03-01T10:00:00+08:00``, ``...Z``) or a tz-aware datetime
    column is converted to ``time_zone`` if given; else to the data's own zone: the one offset all
    such values share, or the zone of a tz-aware column (*detected*), or the most common offset
    when the offsets differ (*guessed*). Values without an offset are taken as already local.
    Calendar days are then taken from the local times.

    Parameters
    ----------
    values : pandas.Series
        Raw values.
    dayfirst : bool, optional
        The order, if the caller knows it.
    time_zone : str, optional
        The business time zone: an IANA name (``"Asia/Shanghai"``) or an offset (``"+08:00"``).
    date_format : str, optional
        A :func:`~datetime.datetime.strptime` format (``"%d/%m/%Y %H:%M"``) every text value must
        follow; then nothing is decided from the values.

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[ns]``, local times without zone.
    decisions : dict
        ``"date order"`` -> (``"day first"`` or ``"month first"``, how) when a value needed the
        choice; ``"time zone"`` -> (zone, how) when a value carried a zone. ``how`` is ``"given"``,
        ``"detected"`` or ``"guessed"``.

    Examples
    --------
    >>> week = pd.Series(["01-12-2010 08:26", "09-12-2010 10:00"])
    >>> parsed, decisions = read_dates(week)
    >>> parsed.dt.strftime("%Y-%m-%d").tolist(), decisions
    (['2010-12-01', '2010-12-09'], {'date order': ('day first', 'guessed')})
    >>> read_dates(pd.Series(["12/31/2010", "01/02/2011"]))[1]
    {'date order': ('month first', 'detected')}
    >>> stamps = pd.Series(["2024-03-01T23:30:00+08:00", "2024-03-01T15:30:00Z", "2024-03-02 08:00"])
    >>> parsed, decisions = read_dates(stamps)
    >>> parsed.dt.strftime("%m-%d %H:%M").tolist(), decisions
    (['03-01 23:30', '03-01 23:30', '03-02 08:00'], {'time zone': ('+08:00', 'guessed')})
    >>> read_dates(stamps, time_zone="Asia/Shanghai")[0].dt.strftime("%m-%d %H:%M").tolist()
    ['03-01 23:30', '03-01 23:30', '03-02 08:00']
    >>> read_dates(pd.Series(["01.12.2010", "2010-12-02"]), date_format="%d.%m.%Y")[0].dt.day.tolist()
    [1.0, nan]
    """
    decisions: dict[str, tuple[str, str]] = {}
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        local, zone = local_times(values, time_zone=time_zone)
        return local, ({"time zone": zone} if zone else {})
    if date_format:
        text = values.where(values.isna(), values.astype("string").str.strip())
        if "%z" in date_format:  # each value keeps its own offset; the one rule then picks the zone
            stamps = text.map(lambda v: pd.to_datetime(v, format=date_format, errors="coerce"), na_action="ignore")
            stamps = stamps.where(stamps.notna(), None).astype(object)
        else:
            stamps = pd.to_datetime(text, format=date_format, errors="coerce")
        local, zone = local_times(stamps, time_zone=time_zone)
        return local, {"date format": (date_format, "given")} | ({"time zone": zone} if zone else {})
    counts = values.value_counts(sort=False, dropna=True)  # unique values in order of appearance
    uniques, weight = pd.Series(counts.index, dtype=object), counts.to_numpy()
    parsed = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[us]")
    is_stamp = uniques.map(lambda v: hasattr(v, "year") and hasattr(v, "month")).astype(bool)
    stamps = uniques[is_stamp].map(pd.Timestamp)
    labels = stamps.map(lambda v: _zone_label(v) if v.tz is not None else None)
    text = nfkc_strip(uniques.where(~is_stamp).astype("string"))
    text = text.str.replace(r"[/.年月]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"\s+", " ", regex=True)
    todo = parsed.isna() & text.notna() & text.str.match(r"^\d{4}|^\d{8}").fillna(False)
    offset = text.str.extract(r"(Z|[+-]\d{2}:?\d{2})$", expand=False).where(todo)
    offsets = offset.map(_offset_label, na_action="ignore")
    if labels.notna().any() or offsets.notna().any():
        zones = pd.Series(weight, index=offsets.to_numpy())[offsets.notna().to_numpy()]
        if labels.notna().any():  # equal instants in two zones are one unique value: count every value
            every = values[values.map(lambda v: getattr(v, "tzinfo", None) is not None)]
            zones = pd.concat([every.map(lambda v: _zone_label(pd.Timestamp(v))).value_counts(sort=False), zones])
        zone = choose_zone(zones, time_zone)
        decisions["time zone"], tz = zone, _zone(zone[0])
        aware = labels.notna()
        parsed[aware.index[aware]] = stamps[aware].map(lambda v: v.tz_convert(tz).tz_localize(None))
        has_offset = offset.notna()
        utc = pd.to_datetime(text[has_offset], format="ISO8601", utc=True, errors="coerce")
        parsed[has_offset] = utc.dt.tz_convert(tz).dt.tz_localize(None).astype("datetime64[us]")
        todo = todo & ~has_offset
    naive = is_stamp & labels.reindex(uniques.index).isna()
    parsed[naive] = pd.to_datetime(stamps[naive[is_stamp].to_numpy()].map(lambda v: v.tz_localize(None)))
    parsed[todo] = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
    todo = parsed.isna() & text.str.match(r"^\d{1,2}-\d{1,2}-\d{4}").fillna(False)
    if todo.any():
        trials = {}
        for first in (True, False):
            pattern = "%d-%m-%Y" if first else "%m-%d-%Y"
            got = pd.Series(pd.NaT, index=text[todo].index, dtype="datetime64[us]")
            for suffix in ("", " %H:%M", " %H:%M:%S"):
                gap = got.isna()
                got[gap] = pd.to_datetime(text[todo][gap], format=pattern + suffix, errors="coerce")
            trials[first] = got
        n_day, n_month = int(trials[True].notna().sum()), int(trials[False].notna().sum())
        if dayfirst is not None:
            chosen, how = dayfirst, "given"
        elif n_day != n_month:
            chosen, how = n_day > n_month, "detected"
        else:
            chosen, how = DEFAULT_DAYFIRST, "guessed"
        decisions["date order"] = ("day first" if chosen else "month first", how)
        parsed[todo] = trials[chosen]
    in_range = (parsed >= pd.Timestamp("1677-09-22")) & (parsed <= pd.Timestamp("2262-04-11"))
    parsed = parsed.where(in_range).astype("datetime64[ns]")
    lookup = dict(zip(uniques, parsed, strict=True))
    return values.map(lookup).astype("datetime64[ns]"), decisions


def _zone(name: str) -> object:
    """An IANA zone name as is; ``"+08:00"`` / ``"-0500"`` / ``"Z"`` as a fixed-offset zone."""
    found = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if name == "Z":
        return dt.UTC
    if not found:
        return name
    minutes = int(found[2]) * 60 + int(found[3])
    return dt.timezone(dt.timedelta(minutes=minutes if found[1] == "+" else -minutes))


def _offset_label(offset: str) -> str:
    """``Z`` / ``+0800`` / ``+08:00`` -> ``+00:00`` / ``+08:00`` (one spelling per offset)."""
    if offset in ("Z", "UTC"):
        return "+00:00"
    found = re.fullmatch(r"([+-]\d{2}):?(\d{2})", offset)
    return f"{found[1]}:{found[2]}" if found else offset


def _zone_label(stamp: pd.Timestamp) -> str:
    """The zone a tz-aware value carries: its IANA name, else its UTC offset as ``+08:00``."""
    name = getattr(stamp.tz, "key", None) or getattr(stamp.tz, "zone", None)
    if name and name not in ("UTC", "Etc/UTC"):
        return str(name)
    minutes = int(stamp.utcoffset().total_seconds() // 60)
    return f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def choose_zone(zones: pd.Series | dict[str, int], time_zone: str | None = None) -> tuple[str, str]:
    """The business time zone, by the one rule every entry point applies (loader, API, engines).

    ``time_zone`` if given; else the data's own zone: the one zone (or UTC offset) all values carry
    (*detected*), or the most common one when they differ (*guessed*; a tie goes to the first seen).

    Parameters
    ----------
    zones : pandas.Series or dict
        Zone or offset of the values (``"+08:00"``, ``"Z"``, ``"+0800"``, ``"Asia/Shanghai"``) -> number
        of values carrying it, in order of appearance.
    time_zone : str, optional
        The business time zone stated by the caller.

    Returns
    -------
    zone : str
        An IANA name or an offset ``"+08:00"``.
    how : str
        ``"given"``, ``"detected"`` or ``"guessed"``.

    Examples
    --------
    >>> choose_zone({"+08:00": 2, "Z": 1, "-05:00": 1})
    ('+08:00', 'guessed')
    >>> choose_zone({"+0800": 3}), choose_zone({"Z": 3}, "Asia/Shanghai")
    (('+08:00', 'detected'), ('Asia/Shanghai', 'given'))
    """
    if time_zone:
        return time_zone, "given"
    counts = pd.Series(zones, dtype="int64")
    counts.index = [_offset_label(str(z)) for z in counts.index]
    counts = counts.groupby(level=0, sort=False).sum()
    counts = counts.sort_values(ascending=False, kind="stable")
    if counts.empty:
        raise ValueError("no zone to choose from")
    return str(counts.index[0]), "detected" if len(counts) == 1 else "guessed"


def sql_time_zone(zone: str) -> str:
    """A zone of :func:`choose_zone` spelled for a SQL session setting (DuckDB ``SET TimeZone``, Spark's
    ``spark.sql.session.timeZone``): IANA names as they are, an offset ``+08:00`` as ``GMT+08:00``.

    Examples
    --------
    >>> sql_time_zone("+08:00"), sql_time_zone("Asia/Shanghai")
    ('GMT+08:00', 'Asia/Shanghai')
    """
    return f"GMT{zone}" if re.fullmatch(r"[+-]\d{2}:\d{2}", zone) else zone


def local_times(values: pd.Series, *, time_zone: str | None = None) -> tuple[pd.Series, tuple[str, str] | None]:
    """Datetimes as local wall-clock times of the business time zone (the one time-zone rule).

    Values with a time zone (a tz-aware column from Parquet, Excel or a DataFrame built in code,
    or single tz-aware values in an object column) are converted to the zone :func:`choose_zone`
    picks: ``time_zone`` if given, else the data's own zone. Values without a zone are taken as
    already local. Calendar days are then taken from the local times, so the same purchases give
    the same days at every entry point.

    Parameters
    ----------
    values : pandas.Series
        ``datetime64`` (naive or tz-aware) or objects (Timestamps, datetimes, missing).
    time_zone : str, optional
        The business time zone: an IANA name (``"Asia/Shanghai"``) or an offset (``"+08:00"``).

    Returns
    -------
    local : pandas.Series
        ``datetime64[ns]`` without zone, same index.
    zone : tuple or None
        ``(zone, how)`` when a value carried a zone, else None.

    Raises
    ------
    TypeError
        If a value is not a date.

    Examples
    --------
    >>> utc = pd.Series(pd.to_datetime(["2024-03-01 16:10"])).dt.tz_localize("UTC")
    >>> local, zone = local_times(utc.dt.tz_convert("Asia/Shanghai"))
    >>> local.dt.strftime("%m-%d %H:%M").tolist(), zone
    (['03-02 00:10'], ('Asia/Shanghai', 'detected'))
    >>> local_times(utc, time_zone="-05:00")[0].dt.strftime("%m-%d %H:%M").tolist()
    ['03-01 11:10']
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        tz = values.dt.tz
        if tz is None:
            return (values if values.dtype == "datetime64[ns]" else values.astype("datetime64[ns]")), None
        first = values.dropna()
        label = _zone_label(first.iloc[0]) if len(first) else str(tz)
        zone = choose_zone({label: max(len(first), 1)}, time_zone)
        return values.dt.tz_convert(_zone(zone[0])).dt.tz_localize(None).astype("datetime64[ns]"), zone
    if values.dropna().map(lambda v: isinstance(v, str)).any():
        raise TypeError("local_times takes datetimes, not text: use read_dates for text")
    local, decisions = read_dates(values, time_zone=time_zone)
    return local, decisions.get("time zone")


_CURRENCY = re.compile(r"[¥$£€￥]|元|RMB|CNY|USD|GBP|EUR", re.IGNORECASE)
_SPACES = re.compile(r"[\u00a0\u202f\u2009]")

#: Numbers larger than this in absolute value are not believed (a typo or an overflow, e.g.
#: ``1e300``); like ``inf`` and ``1e309`` they are unparseable.
MAX_ABS_NUMBER = 1e15


def _number_text(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Unique raw values -> (bare number text, negative-in-parentheses flag)."""
    text = nfkc_strip(values).str.replace(_CURRENCY, "", regex=True).str.replace(_SPACES, " ", regex=True)
    text = text.str.strip()
    negative = text.str.fullmatch(r"\(.*\)").fillna(False)
    text = text.where(~negative, text.str.slice(1, -1).str.strip())
    return text, negative


def decide_decimal_mark(values: pd.Series, *, sep: str | None = None) -> tuple[str, str]:
    """Decide a column's decimal mark (``"."`` or ``","``) from all its values.

    Evidence for a decimal comma: ``12,50``, ``1.234,56``, ``1.234.567``; for a decimal point:
    ``12.5``, ``1,234.56``, ``1,234,567``. ``1,234`` and ``1.234`` prove nothing. The mark with
    more evidence (counting every value) is *detected*; with no evidence but ambiguous values the
    mark is *guessed*: ``","`` when the file is ``;``-separated (the European spreadsheet export),
    else ``"."``. A column with no marks at all is read with ``"."`` (*detected*: nothing to decide).

    Parameters
    ----------
    values : pandas.Series
        Raw text values of one column.
    sep : str, optional
        The file's field separator.

    Returns
    -------
    mark : str
    how : str
        ``"detected"`` or ``"guessed"``.

    Examples
    --------
    >>> decide_decimal_mark(pd.Series(["12,50", "1.234,56"]))
    (',', 'detected')
    >>> decide_decimal_mark(pd.Series(["1,234", "5"]), sep=";")
    (',', 'guessed')
    >>> decide_decimal_mark(pd.Series(["$1,234.00", "(12.50)"]))
    ('.', 'detected')
    """
    counts = values.dropna().value_counts()
    if counts.empty:
        return ".", "detected"
    text, _ = _number_text(pd.Series(counts.index, dtype=object))
    weight = counts.to_numpy()
    comma, point = text.str.rfind(",").to_numpy(), text.str.rfind(".").to_numpy()
    both = (comma >= 0) & (point >= 0)
    one_group = text.str.fullmatch(r"[-+]?\d{1,3}[.,]\d{3}").fillna(False).to_numpy()
    groups = text.str.fullmatch(r"[-+]?\d{1,3}([.,]\d{3}){2,}").fillna(False).to_numpy()
    only_c, only_p = (comma >= 0) & (point < 0), (point >= 0) & (comma < 0)
    for_comma = (both & (comma > point)) | (only_c & ~one_group & ~groups) | (only_p & groups)
    for_point = (both & (point > comma)) | (only_p & ~one_group & ~groups) | (only_c & groups)
    n_comma, n_point = int(weight[for_comma].sum()), int(weight[for_point].sum())
    if n_comma != n_point:
        return ("," if n_comma > n_point else "."), "detected"
    if one_group.any():
        return ("," if sep == ";" else "."), "guessed"
    return ".", "detected"


def parse_numbers(values: pd.Series, *, decimal: str | None = None, sep: str | None = None) -> pd.Series:
    """Parse numbers with one decimal mark for the whole column; currency signs and groupings accepted.

    Thousands may be grouped by the other mark, spaces (``1 234,56``) or apostrophes; ``(12.50)`` is
    an accounting negative; currency signs and codes (``€``, ``$``, ``¥``, ``元``, ``EUR``...) and
    full-width digits are accepted. A value that does not fit the column's mark (``1,234.56`` in a
    decimal-comma column), is not finite (``inf``, ``1e309``) or is beyond :data:`MAX_ABS_NUMBER`
    is unparseable.

    Parameters
    ----------
    values : pandas.Series
        Raw values.
    decimal : str, optional
        ``"."`` or ``","``; default: :func:`decide_decimal_mark` on the values.
    sep : str, optional
        The file's separator (a hint for :func:`decide_decimal_mark`).

    Returns
    -------
    pandas.Series
        ``Float64``; unparseable values are missing.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1,234.5", "¥12", "３", "abc", None])).tolist()
    [1234.5, 12.0, 3.0, <NA>, <NA>]
    >>> parse_numbers(pd.Series(["12,50 €", "€ 1.234,56", "1 234,56", "(12,50)"])).tolist()
    [12.5, 1234.56, 1234.56, -12.5]
    >>> parse_numbers(pd.Series(["1e309", "inf", "1e300", "7"])).tolist()
    [<NA>, <NA>, <NA>, 7.0]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("Float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        out = values.astype("Float64")
        return out.where(out.abs() <= MAX_ABS_NUMBER)
    blank = is_blank(values)
    raw = values.where(~blank)
    uniques = pd.Series(pd.unique(raw.dropna()), dtype=object)
    if decimal is None:
        decimal = decide_decimal_mark(raw, sep=sep)[0]
    thousands = "." if decimal == "," else ","
    text, negative = _number_text(uniques)
    t, d = re.escape(thousands), re.escape(decimal)
    shape = rf"[-+]?(\d{{1,3}}(({t}|[ '])\d{{3}})+|\d+)?({d}\d*)?([eE][-+]?\d+)?"
    ok = text.str.fullmatch(shape).fillna(False) & text.str.contains(r"\d").fillna(False)
    bare = text.where(ok).str.replace(rf"{t}|[ ']", "", regex=True).str.replace(decimal, ".", regex=False)
    number = pd.to_numeric(bare, errors="coerce").astype("float64")
    number = number.where(~negative.to_numpy(), -number)
    number = number.where(np.isfinite(number) & (np.abs(number) <= MAX_ABS_NUMBER))
    lookup = dict(zip(uniques, number, strict=True))
    return raw.map(lookup).astype("Float64")


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
