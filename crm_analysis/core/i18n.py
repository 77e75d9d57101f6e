"""Report language: English (default) or Chinese (中文) chart text, table headers and sentences.

The one entry point the chapters and notebooks use:

- :func:`gettext` / ``_`` (sentences; the English text is the key, format after the lookup),
  :func:`N_`, :func:`tr` (display labels), :func:`resolve_language`, :func:`language`,
  :data:`GLOSSARY`, :data:`PATTERNS`: the catalogue lookup, from :mod:`crm_analysis.core.messages`;
- :func:`translate_frame`, :func:`translate_figure`: display-time translation, from
  :mod:`crm_analysis.core.display`;
- :func:`use_language`: sets the language, the chart fonts and the notebook display hooks.
"""

from __future__ import annotations

from crm_analysis.core import plotting
from crm_analysis.core.display import install_display_hooks, translate_figure, translate_frame
from crm_analysis.core.messages import (
    CATALOGUE_DIR,
    DOMAIN,
    GLOSSARY,
    LANGUAGES,
    N_,
    PATTERN,
    PATTERNS,
    TERM,
    _,
    catalogue,
    gettext,
    language,
    resolve_language,
    set_language,
    tr,
)


def use_language(lang: str = "en") -> None:
    """Set the report language and, inside IPython, translate figures and tables as they are shown.

    Parameters
    ----------
    lang : {"en", "zh"}

    Raises
    ------
    ValueError
        If ``lang`` is not "en" or "zh".

    Examples
    --------
    >>> use_language("en"); language()
    'en'
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    set_language(lang)
    plotting.setup(lang)
    install_display_hooks()


__all__ = [
    "CATALOGUE_DIR",
    "DOMAIN",
    "GLOSSARY",
    "LANGUAGES",
    "N_",
    "PATTERN",
    "PATTERNS",
    "TERM",
    "_",
    "catalogue",
    "gettext",
    "language",
    "resolve_language",
    "tr",
    "translate_figure",
    "translate_frame",
    "use_language",
]
