"""Tables for people: one formatter for every table a report shows, and one rounding for every CSV.

A report shows a table through :func:`style_frame` (a pandas ``Styler``, so pandas does the
rendering): counts with thousands separators, money with two decimals, shares as percentages,
dates as dates, other numbers with at most :data:`MAX_DECIMALS` decimals (never scientific
notation), text left-aligned and wrapped, missing values shown one way (:data:`MISSING`), and no
0…N index column. The kind of a column is read from its name (``share``, ``rate``, ``revenue``…);
the CSV files keep full precision up to :data:`CSV_DECIMALS` decimals, which is lossless for money
(cents) and for shares to 0.01 %.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

#: How every report table shows a missing value.
MISSING = "–"
#: Most decimals a report table shows (money and percentages use two).
MAX_DECIMALS = 3
#: Decimals kept for floats in the CSV tables: exact for cents and for shares to 0.01 %.
CSV_DECIMALS = 4
#: Rows a report table shows before it shows the first and last rows only.
MAX_ROWS = 60

_SHARE = re.compile(r"(share|rate|ratio|pct|percent|proportion|prob|p_alive|占比|比例|概率)", re.IGNORECASE)
_MONEY = re.compile(
    r"(revenue|monetary|spend|value|amount|price|clv|sales|income|margin|cost|营业额|收入|金额|价值|消费)",
    re.IGNORECASE,
)
_NOT_MONEY = re.compile(r"(p_value|n_|count|score|days|customers|orders)", re.IGNORECASE)


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def column_kind(name: Any, values: pd.Series) -> str:
    """How a column is shown: ``"count"``, ``"money"``, ``"share"``, ``"number"``, ``"date"`` or ``"text"``.

    Parameters
    ----------
    name : object
        The column label (a tuple for a MultiIndex column: its parts are read together).
    values : pandas.Series
        The column.

    Returns
    -------
    str

    Examples
    --------
    >>> column_kind("revenue_share", pd.Series([0.25, 0.75]))
    'share'
    >>> column_kind("customers", pd.Series([4959.0, 12.0]))
    'count'
    >>> column_kind("monetary", pd.Series([229768.543092]))
    'money'
    """
    label = " ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    if pd.api.types.is_datetime64_any_dtype(values):
        return "date"
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
        return "text"
    numbers = pd.to_numeric(values, errors="coerce").dropna()
    if _SHARE.search(label) and not numbers.empty and numbers.abs().max() <= 1.0:
        return "share"
    if _MONEY.search(label) and not _NOT_MONEY.search(label):
        return "money"
    if pd.api.types.is_integer_dtype(values) or (not numbers.empty and bool((numbers % 1 == 0).all())):
        return "count"
    return "number"


def format_number(value: Any, kind: str = "number") -> str:
    """One value as a report shows it.

    Parameters
    ----------
    value : object
        A number, a timestamp, a string or a missing value.
    kind : str, default "number"
        From :func:`column_kind`.

    Returns
    -------
    str

    Examples
    --------
    >>> [format_number(v, k) for v, k in [(4959.0, "count"), (3.263254e7, "money"), (0.24098, "share")]]
    ['4,959', '32,632,540.00', '24.1%']
    >>> format_number(173.10999999999999), format_number(None), format_number(1.5e-5)
    ('173.11', '–', '0.000015')
    >>> format_number(5.2645e300), format_number(-3e-45)  # a parameter run to infinity or 0
    ('5.26×10³⁰⁰', '-3.00×10⁻⁴⁵')
    """
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
        return MISSING
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | float | np.number):
        return str(value)
    number = float(value)
    if not math.isfinite(number):
        return str(number)
    if number != 0 and not 1e-6 <= abs(number) < 1e15:  # a parameter run to 0 or infinity: 5.26×10³⁰⁰
        exponent = math.floor(math.log10(abs(number)))
        return f"{number / 10 ** exponent:.2f}×10{str(exponent).translate(_SUPERSCRIPT)}"
    if kind == "share":
        return f"{number:.1%}"
    if kind == "money":
        return f"{number:,.2f}"
    if number == int(number) and abs(number) < 1e15:
        return f"{int(number):,}"
    if abs(number) >= 1:
        return f"{number:,.{min(2, MAX_DECIMALS)}f}"
    # small numbers: enough decimals for two significant digits, in plain notation
    decimals = max(MAX_DECIMALS, -math.floor(math.log10(abs(number))) + 1)
    return f"{number:.{decimals}f}"


def compact_number(value: float, lang: str = "en") -> str:
    """A tick label for large numbers without offset or scientific notation: ``1.2M`` / ``120万``.

    Parameters
    ----------
    value : float
    lang : {"en", "zh"}
        English uses k, M, B; Chinese 万 (10⁴) and 亿 (10⁸).

    Returns
    -------
    str

    Examples
    --------
    >>> compact_number(32_632_540), compact_number(32_632_540, "zh"), compact_number(1_500), compact_number(0)
    ('32.6M', '3,263万', '1.5k', '0')
    """
    steps = ((1e8, "亿"), (1e4, "万")) if lang == "zh" else ((1e9, "B"), (1e6, "M"), (1e3, "k"))
    for size, suffix in steps:
        if abs(value) >= size:
            scaled = value / size
            text = f"{scaled:,.1f}" if abs(scaled) < 100 and scaled != int(scaled) else f"{scaled:,.0f}"
            return text + suffix
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def _shown_rows(frame: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    if len(frame) <= MAX_ROWS:
        return frame, None
    head = frame.head(10)
    return head, f"first 10 of {len(frame):,} rows"


def style_frame(frame: pd.DataFrame, kind_names: Sequence[Any] | None = None) -> Styler:
    """The table as every report shows it (see the module docstring for the rules).

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table; it is not changed. Over :data:`MAX_ROWS` rows, the first 10 are shown with a
        caption giving the total.
    kind_names : sequence, optional
        One name per column to read each column's kind from, e.g. the English names of a table whose
        headers were translated (解决率 says less than ``resolution_rate``); default the headers.

    Returns
    -------
    pandas.io.formats.style.Styler
        Render it with ``.to_html()``; a notebook displays it as HTML.

    Examples
    --------
    >>> table = pd.DataFrame({"segment": ["champions", None], "customers": [4959.0, 3.0],
    ...                       "revenue_share": [0.9, 0.1]})
    >>> page = style_frame(table).to_html()
    >>> "4,959" in page and "90.0%" in page and "4959.0" not in page and ">–<" in page
    True
    >>> twice = pd.DataFrame([[1.5, 2.0], [3.0, 4.0]], index=["a", "a"], columns=["x", "x"])
    >>> "1.50" in style_frame(twice).to_html()
    True
    """
    shown, caption = _shown_rows(frame)
    unique = shown.columns.is_unique and shown.index.is_unique
    names = list(kind_names) if kind_names is not None and len(kind_names) == shown.shape[1] else list(shown.columns)
    kinds = {column: column_kind(name, shown[column]) for column, name in zip(shown.columns, names, strict=True)} \
        if unique else {}
    styler = shown.style
    if kinds:
        styler = styler.format({c: (lambda v, k=k: format_number(v, k)) for c, k in kinds.items()})
    else:  # duplicate labels (pandas styles only unique ones per column): one rule for all cells
        styler = styler.format(format_number)
    styler = styler.format_index(format_number, axis=0)
    if isinstance(shown.index, pd.RangeIndex) and shown.index.name is None:
        styler = styler.hide(axis="index")
    styler = styler.set_table_attributes('class="crm-table"')
    text = [c for c, k in kinds.items() if k in ("text", "date")]
    numbers = [c for c, k in kinds.items() if k not in ("text", "date")]
    if text:
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    dates = [c for c in text if kinds[c] == "date" or _all_dates(shown[c])]
    if dates:  # a date is never broken at its hyphens ("1993-05-" / "27")
        styler = styler.set_properties(subset=dates, **{"white-space": "nowrap"})
    if numbers:
        styler = styler.set_properties(subset=numbers, **{"text-align": "right", "white-space": "nowrap"})
    for columns, align in ((text, "left"), (numbers, "right")):  # each header aligned like its column
        if columns:
            styler = styler.set_table_styles({c: [{"selector": "th", "props": f"text-align: {align}"}]
                                              for c in columns}, overwrite=False)
    if caption:
        styler = styler.set_caption(caption)
    return styler


_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$")


def _all_dates(values: pd.Series) -> bool:
    """Whether every non-missing value is a date written as text (e.g. a raw birth-date column)."""
    text = values.dropna().astype(str)
    return bool(len(text)) and bool(text.str.match(_DATE_TEXT).all())


def round_for_csv(frame: pd.DataFrame, decimals: int = CSV_DECIMALS) -> pd.DataFrame:
    """``frame`` with float columns rounded to ``decimals`` (lossless for cents); others untouched.

    Examples
    --------
    >>> round_for_csv(pd.DataFrame({"x": [0.24098232027515126], "n": [3]})).iloc[0].tolist()
    [0.241, 3.0]
    """
    floats = frame.select_dtypes(include="floating").columns
    if len(floats) == 0 or not frame.columns.is_unique:
        return frame
    return frame.round({c: decimals for c in floats})


__all__ = ["CSV_DECIMALS", "MAX_DECIMALS", "MISSING", "column_kind", "compact_number", "format_number",
           "round_for_csv", "style_frame"]
