"""A web font embedded in each report page, so Chinese renders on a machine without CJK fonts.

The pages are read offline (intranet, laptop): they cannot load a font from a server, and a
machine without a system CJK font shows every Chinese character as a box. :func:`font_face_css`
cuts, with fontTools, the characters a page uses out of the packaged Noto Sans CJK SC (the
``manimgx-fonts-cjk`` dependency, SIL Open Font License), draws them at a regular and at a
bold weight (the variable font's default instance is the thinnest, weight 100) as static TrueType
fonts, and embeds them as WOFF data URIs in two CSS ``@font-face`` rules.
"""

from __future__ import annotations

import base64
import io
import re

from fontTools import subset
from fontTools.fontBuilder import FontBuilder
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTFont

from crm_analysis.core.plotting import cjk_font_path

#: The CSS family name of the embedded font.
FONT_FAMILY = "CRM Noto Sans CJK SC"
#: Weights at which the variable font is fixed for regular and bold text (CSS scale: 400 regular, 700 bold).
FONT_WEIGHT = 450
BOLD_WEIGHT = 700
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
        Two ``@font-face { font-family: "CRM Noto Sans CJK SC"; font-weight: 400 (700); src:
        url(data:font/woff;base64,...) }`` rules with a ``unicode-range`` limited to those
        characters; "" when ``text`` has no CJK or the font package is missing (the page then
        falls back to system fonts).

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
    options.layout_features = []
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=characters)
    font = TTFont(str(path), fontNumber=_SC_FACE)
    subsetter.subset(font)
    ranges = ",".join(f"U+{ord(c):04X}" for c in characters)
    rules = []
    for css_weight, weight in ((400, FONT_WEIGHT), (700, BOLD_WEIGHT)):  # a real bold, not a synthetic one
        encoded = base64.b64encode(_static_truetype(font, weight)).decode("ascii")
        rules.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; font-style: normal; font-weight: {css_weight}; '
            f'src: url(data:font/woff;base64,{encoded}) format("woff"); unicode-range: {ranges}; }}'
        )
    return "\n".join(rules)


def _static_truetype(font: TTFont, weight: float) -> bytes:
    """The (subset) variable font drawn at ``weight`` as a static TrueType WOFF: quadratic outlines
    (cu2qu, 1 unit tolerance), the simplest format every browser reads."""
    order = font.getGlyphOrder()
    location = {"wght": weight} if "fvar" in font else None
    glyph_set = font.getGlyphSet(location=location)
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    builder = FontBuilder(font["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(font.getBestCmap())
    builder.setupGlyf(glyphs)
    glyf = builder.font["glyf"]
    builder.setupHorizontalMetrics({n: (glyph_set[n].width, getattr(glyf[n], "xMin", 0)) for n in order})
    builder.setupHorizontalHeader(ascent=font["hhea"].ascent, descent=font["hhea"].descent)
    builder.setupNameTable({"familyName": FONT_FAMILY, "styleName": "Bold" if weight >= 600 else "Regular"})
    os2 = font["OS/2"]
    builder.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                     usWinAscent=os2.usWinAscent, usWinDescent=os2.usWinDescent, usWeightClass=int(weight))
    builder.setupPost()
    builder.font.flavor = "woff"
    buffer = io.BytesIO()
    builder.font.save(buffer)
    return buffer.getvalue()


#: The font stack of every page. The embedded font comes FIRST: its ``unicode-range`` limits it to the
#: Chinese characters, so Latin text falls through to the system fonts; placed after them, Chromium
#: draws some Chinese runs with a system font's empty boxes.
FONT_STACK = f'"{FONT_FAMILY}", system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'

#: The same for code and program output (``pre``, ``code``).
MONO_STACK = f'"{FONT_FAMILY}", "DejaVu Sans Mono", Menlo, Consolas, monospace'

__all__ = ["BOLD_WEIGHT", "FONT_FAMILY", "FONT_STACK", "FONT_WEIGHT", "MONO_STACK", "cjk_characters", "font_face_css"]
