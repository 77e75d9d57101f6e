"""Display-time translation: tables and matplotlib figures shown in the report language.

The package's functions label their charts and tables in English. In Chinese, every title, axis
label, legend entry, tick label, table header and text value that the catalogue knows is
translated at the moment a figure or table is shown in a notebook (IPython display hooks
installed by :func:`crm_analysis.core.i18n.use_language`), so the same analysis code serves both
languages. Labels the catalogue does not know are left as they are.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from IPython import get_ipython
from IPython.core.pylabtools import print_figure
from matplotlib import category, ticker
from matplotlib.figure import Figure
from matplotlib.text import Text

from crm_analysis.core import plotting
from crm_analysis.core.formatting import compact_number, style_frame
from crm_analysis.core.messages import GLOSSARY, _tr_zh, resolve_language, tr

#: Output metadata key under which each displayed figure carries its own number: a figure shown
#: twice in a chapter (a duplicate display) has the same number twice; one the inline backend showed has none.
FIGURE_METADATA_KEY = "crm_analysis_figure"

# Above this many distinct values a column is not translated at display time (ids, free text).
_MAX_UNIQUE_VALUES = 2000


def _is_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)


def _translate_values(values: pd.Series) -> pd.Series:
    """The values translated through :func:`tr`, looked up once per distinct value."""
    try:
        uniques = values.dropna().unique()
    except TypeError:  # unhashable cells (lists): not labels
        return values
    if len(uniques) > _MAX_UNIQUE_VALUES:
        return values
    mapping = {u: t for u in uniques if isinstance(u, str) and (t := _tr_zh(u, GLOSSARY)) != u}
    if not mapping:
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return values.replace(mapping)


def _translate_index(index: pd.Index) -> pd.Index:
    names = [tr(name, "zh") for name in index.names]
    if isinstance(index, pd.MultiIndex):
        try:
            levels = [_translate_index(level) if _is_text(level) else level for level in index.levels]
            index = index.set_levels(levels)
        except ValueError:  # two labels of a level translate alike: keep them apart in English
            pass
    elif _is_text(index):
        index = pd.Index(_translate_values(pd.Series(index, dtype=index.dtype)).to_numpy(), dtype=object)
    return index.set_names(names)


def translate_frame(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with column names, index labels and text values translated (Chinese only).

    Only labels the glossary or a template knows change; numbers, ids and names stay as they are.

    Parameters
    ----------
    frame : DataFrame
    lang : {"en", "zh"}, optional
        Defaults to the current language; in English ``frame`` itself is returned.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> translate_frame(pd.DataFrame({"reason_category": ["price"], "customers": [3]}), "zh").columns.tolist()
    ['原因类别', '客户数']
    >>> translate_frame(pd.DataFrame({"n": [1]}, index=pd.Index(["champions"], name="rfm_segment")), "zh").index
    Index(['冠军客户'], dtype='object', name='RFM 细分')
    """
    if resolve_language(lang) != "zh":
        return frame
    out = frame.copy()
    out.columns = _translate_index(out.columns)
    out.index = _translate_index(out.index)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if _is_text(column):
            out.isetitem(position, _translate_values(column))
    return out


def _translate_ticks(axis: Any) -> None:
    """Category tick labels are drawn by the axis formatter at draw time: translate through it."""
    formatter = axis.get_major_formatter()
    if getattr(formatter, "crm_translated", False):
        return
    # set_xticklabels (pandas, seaborn heatmaps) installs a FixedFormatter or a FuncFormatter over
    # the labels; ax.bar(["price", ...]) a StrCategoryFormatter. Numeric and date formatters stay.
    if not isinstance(formatter, ticker.FixedFormatter | ticker.FuncFormatter | category.StrCategoryFormatter):
        return
    new = ticker.FuncFormatter(lambda x, pos=None, old=formatter: tr(old(x, pos), "zh"))
    new.crm_translated = True
    axis.set_major_formatter(new)


def translate_figure(figure: Any, lang: str | None = None) -> Any:
    """Translate, in place, the texts of a matplotlib figure that the glossary or a template knows.

    Titles, axis labels, legend entries, annotations (including the numbers seaborn writes in
    heatmap cells, left as they are) and category tick labels are translated.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    lang : {"en", "zh"}, optional
        Defaults to the current language; in English nothing changes.

    Returns
    -------
    Figure
        The same figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set_xlabel("Recency"); _ = ax.bar(["price", "service"], [2, 1])
    >>> _ = translate_figure(fig, "zh")
    >>> ax.get_xlabel(), ax.xaxis.get_major_formatter()(1, 1)  # the tick label drawn at x = 1
    ('最近购买', '服务')
    >>> plt.close(fig)
    """
    if resolve_language(lang) != "zh":
        return figure
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            _translate_ticks(axis)
    for text in figure.findobj(Text):
        translated = tr(text.get_text(), "zh")
        if translated != text.get_text():
            text.set_text(translated)
    return figure


def readable_ticks(figure: Any, lang: str | None = None) -> Any:
    """Replace offset or scientific tick labels (``1e7`` above the axis) by compact ones (``32.6M``, ``3,263万``).

    Only linear axes with matplotlib's default number formatter whose range reaches 100,000 change.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    lang : {"en", "zh"}, optional
        Defaults to the current language.

    Returns
    -------
    Figure
        The same figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> fig, ax = plt.subplots(); _ = ax.plot([0, 1], [0, 3.2e7]); _ = readable_ticks(fig, "en")
    >>> ax.yaxis.get_major_formatter()(2e7, 0)
    '20M'
    >>> plt.close(fig)
    """
    lang = resolve_language(lang)
    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            formatter = axis.get_major_formatter()
            if type(formatter) is not ticker.ScalarFormatter or axis.get_scale() != "linear":
                continue
            low, high = axis.get_view_interval()
            if max(abs(low), abs(high)) >= 1e5:
                axis.set_major_formatter(ticker.FuncFormatter(lambda x, pos=None: compact_number(x, lang)))
    return figure


def install_display_hooks() -> None:
    """Inside IPython, translate figures and tables as they are shown (a no-op elsewhere).

    Registered in both languages: the printers translate only when the report language is Chinese.
    Tables are shown through :func:`crm_analysis.core.formatting.style_frame`. Each figure is closed
    as it is shown, so the inline backend does not show it again, and its image carries a number
    (metadata :data:`FIGURE_METADATA_KEY`) by which a test finds a figure shown twice.

    Examples
    --------
    >>> install_display_hooks()  # outside IPython nothing happens
    """
    shell = get_ipython()
    if shell is None:
        return
    # The inline backend is activated lazily, at the first pyplot figure, and then registers its own PNG
    # printer for figures; activate it now (a throwaway figure) so ours, registered below, is not replaced.
    plt.close(plt.figure())

    formatters = shell.display_formatter.formatters
    counter = iter(range(1, 1_000_000_000))

    def figure_png(fig: Figure) -> tuple[bytes, dict[str, int]]:
        # Shown here, so closed here: the inline backend must not show it a second time at the end
        # of the cell (the cause of every chart appearing twice when a cell both drew and returned it).
        plt.close(fig)
        if not hasattr(fig, "crm_analysis_number"):
            fig.crm_analysis_number = next(counter)
        png = print_figure(plotting.embolden_cjk(readable_ticks(translate_figure(fig))), "png", bbox_inches="tight")
        return png, {FIGURE_METADATA_KEY: fig.crm_analysis_number}

    def frame_html(frame: pd.DataFrame) -> str:
        shown = translate_frame(frame)
        try:
            return style_frame(shown, kind_names=list(frame.columns)).to_html()  # kinds from the English names
        except (KeyError, ValueError, TypeError):  # a shape the Styler cannot take: pandas' own table
            return shown._repr_html_()

    # Registered in both languages: the printers translate only in Chinese. Registering the PNG
    # printer also makes figures built without pyplot (matplotlib.figure.Figure) display as images.
    formatters["image/png"].for_type(Figure, figure_png)
    formatters["text/html"].for_type(pd.DataFrame, frame_html)
