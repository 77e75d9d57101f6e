"""A web font embedded in each report page, so Chinese renders on a machine without CJK fonts.

The pages are read offline (intranet, laptop): they cannot load a font from a server, and a
machine without a system CJK font shows every Chinese character as a box. :func:`font_face_css`
cuts, with fontTools, the characters a page uses out of the packaged Noto Sans CJK SC (the
``manimgx-fonts-cjk`` dependency, SIL Open Font License), fixes its weight axis at a regular
weight (the variable font's default instance is the thinnest, weight 100) and embeds it as a
WOFF data URI in a CSS ``@font-face`` rule.
"""

from __future__ import annotations

import base64
import io
import re

from fontTools import subset
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

from crm_analysis.core.plotting import cjk_font_path

#: The CSS family name of the embedded font.
FONT_FAMILY = "CRM Noto Sans CJK SC"
#: Weight at which the variable font is fixed (CSS scale: 400 regular, 700 bold).
FONT_WEIGHT = 450
#: Index of the Simplified Chinese face in the packaged collection (JP, KR, SC, TC, HK).
_SC_FACE = 2

_CJK = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef\uf900-\ufaff]")


def cjk_characters(text: str) -> str:
    """The distinct CJK characters (and full-width punctuation) of ``text``, sorted.

    Examples
    --------
    >>> cjk_characters("Segments (客户细分，客户)")
    '分客户细，'
    """
    return "".join(sorted(set(_CJK.findall(text))))


def font_face_css(text: str) -> str:
    """A CSS ``@font-face`` rule embedding the CJK glyphs of ``text`` ("" if there are none).

    Parameters
    ----------
    text : str
        Everything the page shows (HTML is fine: tags hold no CJK).

    Returns
    -------
    str
        ``@font-face { font-family: "CRM Noto Sans CJK SC"; src: url(data:font/woff;base64,...) }``
        with a ``unicode-range`` limited to those characters; "" when ``text`` has no CJK or the
        font package is missing (the page then falls back to system fonts).

    Examples
    --------
    >>> css = font_face_css("客户")
    >>> css.startswith("@font-face") and "font/woff" in css
    True
    >>> font_face_css("no Chinese here")
    ''
    """
    characters = cjk_characters(text)
    path = cjk_font_path()
    if not characters or path is None:
        return ""
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    font = TTFont(str(path), fontNumber=_SC_FACE)
    subsetter.subset(font)
    if "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": FONT_WEIGHT})
    font.flavor = "woff"
    buffer = io.BytesIO()
    font.save(buffer)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    ranges = ",".join(f"U+{ord(c):04X}" for c in characters)
    return (
        f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: 100 900; '
        f"src: url(data:font/woff;base64,{data}) format(\"woff\"); unicode-range: {ranges}; }}"
    )


#: The font stack of every page: Latin from the system, Chinese from the embedded font.
FONT_STACK = f'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "{FONT_FAMILY}", sans-serif'

__all__ = ["FONT_FAMILY", "FONT_STACK", "FONT_WEIGHT", "cjk_characters", "font_face_css"]
