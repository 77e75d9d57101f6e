"""Plot style shared by every chapter, including a font that renders Chinese (中文) text.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs, so a chart title such as
"客户细分" would render as empty boxes. :func:`setup` registers Noto Sans CJK, which the
``manimgx-fonts-cjk`` package (a dependency, SIL Open Font License) installs from PyPI, so Chinese
renders on a fresh ``pip install`` without any system font.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
from matplotlib import font_manager, patheffects, ticker

from crm_analysis.core.formatting import compact_number
from crm_analysis.core.messages import resolve_language

try:
    import manimgx_fonts_cjk
except ImportError:  # a dependency, but a broken install should still draw (with Latin fonts only)
    manimgx_fonts_cjk = None

CJK_FAMILY = "Noto Sans CJK SC"
LATIN_FALLBACK = "DejaVu Sans"


@cache
def cjk_font_path() -> Path | None:
    """Path of the Noto Sans CJK font file shipped by ``manimgx-fonts-cjk``, or None if absent.

    Examples
    --------
    >>> path = cjk_font_path()
    >>> path is None or path.suffix == ".ttc"
    True
    """
    if manimgx_fonts_cjk is None:
        return None
    candidates = sorted(Path(manimgx_fonts_cjk.__file__).parent.glob("*.tt[cf]")) + sorted(
        Path(manimgx_fonts_cjk.__file__).parent.glob("*.otf")
    )
    return candidates[0] if candidates else None


@cache
def _register_cjk_font() -> bool:
    path = cjk_font_path()
    if path is None:
        return False
    font_manager.fontManager.addfont(str(path))
    # The variable font's default instance is registered as weight 100; findfont says so at
    # every lookup. The glyphs are right, so that message is noise for report readers.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    return True


def setup(lang: str = "en") -> None:
    """Apply the workbook's plot style; with Chinese glyph support whenever the font is installed.

    Parameters
    ----------
    lang : {"en", "zh"}
        Report language. Chinese glyphs are enabled in both, since data values (city names,
        reasons) may be Chinese even in an English report.

    Raises
    ------
    RuntimeError
        If ``lang="zh"`` and no CJK font is available.

    Examples
    --------
    >>> setup("en")
    >>> mpl.rcParams["axes.spines.top"]
    False
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    has_cjk = _register_cjk_font()
    if lang == "zh" and not has_cjk:
        raise RuntimeError("lang='zh' needs the manimgx-fonts-cjk package: python -m pip install manimgx-fonts-cjk")
    # Latin first in both languages: the CJK font's default instance is its thinnest weight, so
    # numbers and Latin words read better in DejaVu; Chinese glyphs fall back to the CJK font.
    families = [LATIN_FALLBACK, CJK_FAMILY] if has_cjk else [LATIN_FALLBACK]
    mpl.rcParams.update(
        {
            # A list of families gives per-glyph fallback: Latin text in the first, Chinese in the next.
            "font.family": families,
            "axes.unicode_minus": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "figure.dpi": 100,
            "savefig.bbox": "tight",
        }
    )


def text_colour_on(rgba: Sequence[float]) -> str:
    """"white" or "black", whichever reads better on a cell of colour ``rgba`` (values in 0..1).

    The cell's relative luminance (WCAG 2.1, sRGB) is compared with 0.179, the level at which white
    and black text have the same contrast ratio.

    Examples
    --------
    >>> text_colour_on((0.03, 0.19, 0.42, 1.0)), text_colour_on((1.0, 1.0, 0.85, 1.0))  # navy, pale yellow
    ('white', 'black')
    """
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3]]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return "black" if luminance > 0.179 else "white"


def annotate_cells(ax: Any, image: Any, texts: Sequence[Sequence[str]], **text: Any) -> None:
    """Write ``texts[i][j]`` in cell (i, j) of a heat map, light on dark cells and dark on light ones.

    Parameters
    ----------
    ax : matplotlib Axes
    image : AxesImage
        The heat map (from ``ax.imshow``); a cell's colour is read from its colour map and norm.
    texts : list of list of str
        One text per cell, rows first; an empty text is skipped.
    **text
        Passed to ``ax.text`` (e.g. ``fontsize``).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> image = ax.imshow([[0.0, 1.0]], cmap="Blues")
    >>> annotate_cells(ax, image, [["0", "1"]])
    >>> [t.get_color() for t in ax.texts]
    ['black', 'white']
    """
    values = np.ma.masked_invalid(np.asarray(image.get_array(), dtype=float))
    for (i, j), label in np.ndenumerate(np.asarray(texts, dtype=object)):
        if label == "" or label is None:
            continue
        colour = image.cmap(image.norm(values[i, j])) if not np.ma.is_masked(values[i, j]) else (1, 1, 1, 1)
        ax.text(j, i, label, ha="center", va="center", color=text_colour_on(colour), **text)


def embolden_cjk(figure: Any, width: float = 0.6) -> Any:
    """Draw every text of ``figure`` that holds Chinese characters with a heavier stroke, in place.

    The bundled Noto Sans CJK is a variable font whose default instance matplotlib registers is its
    thinnest weight (100), and matplotlib cannot pick another instance; thin light strokes are hard to
    read, above all on dark heat-map cells. A stroke of ``width`` points in the text's own colour
    around each glyph (a matplotlib path effect) gives them about the weight of a regular face.
    Texts without Chinese characters are left as they are.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    width : float
        Stroke width in points.

    Returns
    -------
    Figure
        ``figure`` itself, its Chinese texts now stroked.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().subplots(); _ = ax.set_title("流失原因"); _ = ax.set_xlabel("days")
    >>> _ = embolden_cjk(ax.figure)
    >>> len(ax.title.get_path_effects()), len(ax.xaxis.label.get_path_effects())
    (1, 0)
    """
    for text in figure.findobj(mpl.text.Text):
        if _has_cjk(text.get_text()) and not text.get_path_effects():
            colour = text.get_color()
            text.set_path_effects([patheffects.withStroke(linewidth=width, foreground=colour)])
    return figure


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def compact_axis(axis: Any, lang: str | None = None) -> None:
    """Tick labels of a money or count axis as ``1.2M`` / ``120万``: no offset or scientific notation.

    The one formatter of the workbook (:func:`crm_analysis.core.formatting.compact_number`); the
    language is read when the figure is drawn unless ``lang`` is given.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> ax = Figure().add_subplot()
    >>> compact_axis(ax.yaxis, "en")
    >>> ax.yaxis.get_major_formatter()(32_600_000, 0), ax.yaxis.get_major_formatter()(250, 0)
    ('32.6M', '250')
    """
    axis.set_major_formatter(ticker.FuncFormatter(
        lambda x, pos=None: compact_number(x, resolve_language(lang))))


def overflow_label(upper: float, unit: str = "") -> str:
    """The label of a histogram's last bin when it also holds every value beyond the axis: ``≥ 120 days``.

    Examples
    --------
    >>> overflow_label(1234.5, "days")
    '≥ 1,234 days'
    """
    return f"≥ {upper:,.0f} {unit}".rstrip()


def _texts(figure: Any) -> list[tuple[str, Any]]:
    """The visible, non-empty text artists of a figure (legends as one box), each with a name for messages."""
    found: list[tuple[str, Any]] = [("suptitle", figure._suptitle)] if figure._suptitle is not None else []
    for n, axes in enumerate(figure.axes):
        where = f"axes {n}"
        found += [(f"{where} title", t) for t in (axes.title, axes._left_title, axes._right_title)]
        found += [(f"{where} {name} label", axis.label) for name, axis in (("x", axes.xaxis), ("y", axes.yaxis))]
        for name, axis in (("x", axes.xaxis), ("y", axes.yaxis)):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                if low - 1e-9 * (abs(low) + 1) <= tick.get_loc() <= high + 1e-9 * (abs(high) + 1):
                    found += [(f"{where} {name} tick", tick.label1), (f"{where} {name} tick", tick.label2)]
        found += [(f"{where} text", t) for t in axes.texts]
        if axes.get_legend() is not None:
            found.append((f"{where} legend", axes.get_legend()))
    found += [("figure text", t) for t in figure.texts if t is not figure._suptitle]
    return [(name, a) for name, a in found
            if a.get_visible() and (not hasattr(a, "get_text") or a.get_text().strip())]


def layout_problems(figure: Any, tolerance: float = 1.0) -> list[str]:
    """What a reader would see as broken in a drawn figure: overlapping texts, text cut off, offset notation.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    tolerance : float, default 1.0
        Pixels two boxes may share (anti-aliasing) before they count as overlapping.

    Returns
    -------
    list of str
        One line per problem: two text artists (tick labels, titles, axis labels, annotations, legend)
        whose boxes overlap; a text reaching outside the figure; an axis showing an offset or
        scientific multiplier (``1e7``). Empty when the figure reads cleanly.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(3, 2)); ax = fig.add_subplot()
    >>> _ = ax.plot([0, 1], [0, 3.2e7]); _ = ax.set_title("a title"); fig.tight_layout()
    >>> layout_problems(fig)
    ['axes 0 y axis: offset notation 1e7']
    >>> compact_axis(ax.yaxis, "en"); fig.tight_layout(); layout_problems(fig)
    []
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas if isinstance(figure.canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    problems = []
    for n, axes in enumerate(figure.axes):
        for name, axis in (("x", axes.xaxis), ("y", axes.yaxis)):
            offset = axis.get_offset_text().get_text()
            if offset.strip():
                problems.append(f"axes {n} {name} axis: offset notation {offset}")
    boxes = [(name, artist, artist.get_window_extent(renderer)) for name, artist in _texts(figure)]
    corners = [_corners(artist, box, renderer) for _, artist, box in boxes]
    page = figure.bbox
    for name, artist, box in boxes:
        if (box.x0 < page.x0 - tolerance or box.y0 < page.y0 - tolerance or box.x1 > page.x1 + tolerance
                or box.y1 > page.y1 + tolerance):
            problems.append(f"{name} {_label(artist)!r} reaches outside the figure")
    for i, (name_a, a, _) in enumerate(boxes):
        for j in range(i + 1, len(boxes)):
            name_b, b, _ = boxes[j]
            if _overlap(corners[i], corners[j]) > tolerance:
                problems.append(f"{name_a} {_label(a)!r} overlaps {name_b} {_label(b)!r}")
    return problems


def _corners(artist: Any, box: Any, renderer: Any) -> np.ndarray:
    """The four corners of an artist's ink box in pixels: the rotated rectangle of a slanted text.

    A rectangle rotated about any point has an upright bounding box centred on the rectangle's own centre,
    so the corners follow from that box, the upright size and the angle.
    """
    angle = artist.get_rotation() if hasattr(artist, "get_rotation") else 0.0
    if angle % 90 == 0:
        return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
    artist.set_rotation(0)
    upright = artist.get_window_extent(renderer)
    artist.set_rotation(angle)
    theta = np.deg2rad(angle)
    rotation = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [upright.width / 2, upright.height / 2]
    return half @ rotation.T + [(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2]


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """How far two convex quadrilaterals overlap, in pixels (separating-axis test); 0 or less if apart."""
    depth = np.inf
    for quad in (a, b):
        for k in range(4):
            edge = quad[(k + 1) % 4] - quad[k]
            normal = np.array([-edge[1], edge[0]]) / (np.hypot(*edge) or 1.0)
            pa, pb = a @ normal, b @ normal
            depth = min(depth, min(pa.max(), pb.max()) - max(pa.min(), pb.min()))
    return float(depth)


def _label(artist: Any) -> str:
    return artist.get_text() if hasattr(artist, "get_text") else type(artist).__name__
