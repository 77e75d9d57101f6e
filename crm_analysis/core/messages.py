"""The message catalogue and the report language: look up sentences and labels in English or Chinese.

English is the source language (gettext convention: the English text is the message key);
Chinese comes from ``locale/zh/LC_MESSAGES/crm_analysis.po``: sentences without context,
display labels as "term" entries (:data:`GLOSSARY`, also the course's Chinese-English term list)
and label templates as "pattern" entries (:data:`PATTERNS`). :func:`gettext` (``_``) translates a
sentence, :func:`tr` a display label. Notebooks use these through :mod:`crm_analysis.core.i18n`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "locale"


DOMAIN = "crm_analysis"


LANGUAGES = ("en", "zh")


#: Message contexts of the catalogue: a display label, a label template, or (no context) a sentence.
TERM, PATTERN = "term", "pattern"


@functools.cache
def catalogue(lang: str = "zh") -> Catalog:
    """The message catalogue of one language, read from ``locale/<lang>/LC_MESSAGES/crm_analysis.po``.

    English is the source language (gettext convention): its message keys are the English texts,
    so it has no catalogue of its own and this returns an empty one.

    Parameters
    ----------
    lang : {"en", "zh"}

    Returns
    -------
    babel.messages.catalog.Catalog

    Examples
    --------
    >>> catalogue("zh").get("churn", context="term").string
    '流失'
    >>> len(catalogue("en"))
    0
    """
    path = CATALOGUE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if lang == "en" or not path.exists():
        return Catalog(locale="en")
    with path.open("rb") as handle:
        return read_po(handle, locale="zh_Hans_CN" if lang == "zh" else lang, domain=DOMAIN)


def _entries(context: str) -> list[tuple[str, str]]:
    return [(m.id, m.string) for m in catalogue("zh") if m.id and m.context == context and m.string]


#: Lower-case English label -> Chinese: the catalogue's "term" entries (also the course glossary,
#: ``docs/course-map.md``).
GLOSSARY: dict[str, str] = dict(_entries(TERM))


#: Labels with numbers or names inside: ``(English template, Chinese template)``, the catalogue's
#: "pattern" entries in order. ``{name}`` matches any text, ``{name:regex}`` only text matching
#: ``regex``; the captured text is translated in turn (so a segment name inside a label is translated
#: too), numbers and unknown words are kept as they are. Matching ignores case; the first template
#: that matches the whole label wins.
PATTERNS: list[tuple[str, str]] = _entries(PATTERN)


def gettext(message: str, lang: str | None = None) -> str:
    """The translation of one message (a sentence, heading or note) in the report language.

    The message key is the English text (gettext convention); a key with no translation is
    returned as it is, so English needs no catalogue. Placeholders (``{n:,}``) are filled by the
    caller with ``str.format`` after the lookup.

    Parameters
    ----------
    message : str
        The English text, as written in the code.
    lang : {"en", "zh"}, optional
        Defaults to the current language.

    Returns
    -------
    str

    Examples
    --------
    >>> gettext("No record needs fixing: every check passed.", "zh")
    '没有需要修正的记录：所有检查都已通过。'
    >>> gettext("No record needs fixing: every check passed.", "en")
    'No record needs fixing: every check passed.'
    """
    if resolve_language(lang) == "en":
        return message
    entry = catalogue(resolve_language(lang)).get(message)
    return entry.string if entry is not None and entry.string else message


_ = gettext


def N_(message: str) -> str:
    """Mark a message for the catalogue without translating it now (gettext's ``N_``).

    Examples
    --------
    >>> N_("lost customers")
    'lost customers'
    """
    return message


#: The current report language and the compiled label templates.
_state: dict[str, Any] = {"lang": "en"}


_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]+))?\}")


_BILINGUAL = re.compile(
    r"[^()（）\u4e00-\u9fff]*[A-Za-z][^()（）\u4e00-\u9fff]*"  # English before the brackets (a translated label stays)
    r"[(（]([^()（）A-Za-z]*[\u4e00-\u9fff][^()（）A-Za-z]*)[)）]"
)


def language() -> str:
    """The current report language ("en" or "zh").

    Examples
    --------
    >>> language() in ("en", "zh")
    True
    """
    return _state["lang"]


def resolve_language(lang: str | None = None) -> str:
    """``lang`` checked, or the current language (:func:`language`) when it is None.

    Parameters
    ----------
    lang : {"en", "zh"}, optional

    Returns
    -------
    str
        "en" or "zh".

    Raises
    ------
    ValueError
        If ``lang`` is another value.

    Examples
    --------
    >>> resolve_language("zh")
    'zh'
    >>> resolve_language(None) == language()
    True
    """
    lang = language() if lang is None else lang
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return lang


def _compile(template: str) -> re.Pattern[str]:
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position:match.start()]))
        parts.append(f"(?P<{match.group(1)}>{match.group(2) or '.+?'})")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _compiled_patterns() -> list[tuple[re.Pattern[str], str, bool]]:
    # Recompiled when PATTERNS changes (users may append their own templates).
    key = tuple(PATTERNS)
    if _state.get("patterns_key") != key:
        compiled = []
        for source, target in PATTERNS:
            literal = _PLACEHOLDER.sub("", source)
            # A template with no words of its own ("{n}: {name}") only applies when it translates something.
            needs_word = re.search(r"[a-z]{2}", literal, re.IGNORECASE) is None
            compiled.append((_compile(source), _PLACEHOLDER.sub(r"{\1}", target), needs_word))
        _state["patterns_key"], _state["patterns"] = key, compiled
    return _state["patterns"]


def _tr_zh(text: str, glossary: Mapping[str, str]) -> str:
    """Chinese for one label, or the label itself: glossary, then templates, lists, a unit suffix."""
    if "\n" in text:  # "champions\n243" (heatmap cells): line by line
        return "\n".join(_tr_zh(line, glossary) for line in text.split("\n"))
    label = re.sub(r"[ \t]+", " ", text.strip())
    key = label.lower()
    if not key:
        return text
    if key in glossary:
        return glossary[key]
    for pattern, target, needs_word in _compiled_patterns():
        match = pattern.fullmatch(label)
        if match:
            groups = {name: _tr_zh(value, glossary) for name, value in match.groupdict().items()}
            if not needs_word or any(groups[n] != match.group(n) for n in groups):
                return target.format(**groups)
    # "important value (重要价值客户)": a bilingual label keeps its Chinese part
    match = _BILINGUAL.fullmatch(label)
    if match:
        return match.group(1).strip()
    for separator, joiner in (("; ", "；"), (", ", "、")):
        if separator in label:  # "missing_value, stale_record": a list of known words
            items = label.split(separator)
            translated = [_tr_zh(item, glossary) for item in items]
            if all(t != i for t, i in zip(translated, items, strict=True)):
                return joiner.join(translated)
    # "Revenue share (%)": translate the words, keep the unit in brackets
    match = re.fullmatch(r"(.+?)\s*(\([^()]*\))", label)
    if match and match.group(1).lower() in glossary:
        return f"{glossary[match.group(1).lower()]} {match.group(2)}"
    return text


def tr(text: Any, lang: str | None = None, glossary: Mapping[str, str] = GLOSSARY) -> Any:
    """Translate a label if the glossary or a template knows it; else return it unchanged.

    Lookup order: the whole label in ``glossary`` (case-insensitive, spaces collapsed); the
    templates in :data:`PATTERNS` (labels with numbers or names inside); a list of known words
    separated by ", " or "; "; a known label followed by a unit in brackets. A label of several
    lines is translated line by line.

    Parameters
    ----------
    text : str or any
        A label. Non-strings are returned as they are.
    lang : {"en", "zh"}, optional
        Defaults to the current language.
    glossary : mapping, optional
        Lower-case English label -> Chinese; defaults to :data:`GLOSSARY`.

    Returns
    -------
    str or any
        The Chinese label in Chinese mode when known, else ``text``.

    Examples
    --------
    >>> tr("Revenue share", "zh")
    '收入占比'
    >>> tr("Revenue share", "en")
    'Revenue share'
    >>> tr("Something else", "zh")
    'Something else'
    >>> tr("the next 52 weeks", "zh")
    '未来 52 周'
    >>> tr("phone (n=430)", "zh")
    '电话（n=430）'
    >>> tr("champions\\n243", "zh")
    '冠军客户\\n243'
    """
    if resolve_language(lang) != "zh" or not isinstance(text, str):
        return text
    return _tr_zh(text, glossary)


def set_language(lang: str) -> None:
    """Set the current report language without touching displays (see :func:`crm_analysis.core.i18n.use_language`).

    Examples
    --------
    >>> set_language("en"); language()
    'en'
    """
    _state["lang"] = resolve_language(lang)
