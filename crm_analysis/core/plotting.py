"""Plot style shared by every chapter, including a font that renders Chinese (中文) text.

matplotlib's default font (DejaVu Sans) has no Chinese glyphs, so a chart title such as
"客户细分" would render as empty boxes. :func:`setup` registers Noto Sans CJK, which the
``manimgx-fonts-cjk`` package (a dependency, SIL Open Font License) installs from PyPI, so Chinese
renders on a fresh ``pip install`` without any system font.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import matplotlib as mpl
from matplotlib import font_manager

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
    families = [LATIN_FALLBACK, CJK_FAMILY] if has_cjk else [LATIN_FALLBACK]
    if lang == "zh":
        families.reverse()
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
