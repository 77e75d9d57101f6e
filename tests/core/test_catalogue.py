"""The one message catalogue: every key the code uses has a Chinese entry, and every entry is used.

Keys are found the way gettext tools find them (Babel's Python extractor over the package and the
notebooks' code cells, keywords ``_``, ``gettext`` and ``N_``). Display labels ("term" entries)
are looked up at display time, so a term counts as used when some string the code or the teaching
data can show equals it: a string literal, an f-string's shape, or a category value of the data.
"""

from __future__ import annotations

import ast
import io
import json
import re
from functools import cache

import pandas as pd
import pytest
from babel.messages.extract import extract_python

from crm_analysis.core import i18n, paths

PACKAGE = paths.PACKAGE_DIR
KEYWORDS = {"_": None, "gettext": None, "N_": None}


def _sources() -> list[tuple[str, str]]:
    sources = [(str(p.relative_to(PACKAGE.parent)), p.read_text(encoding="utf-8")) for p in PACKAGE.rglob("*.py")]
    for notebook in sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")):
        cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
        code = "\n\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        sources.append((notebook.name, re.sub(r"^[%!].*$", "", code, flags=re.M)))  # magics are not Python
    return sources


def _keys_of(text: str) -> list[str]:
    keys = []
    for _lineno, _func, message, _comments in extract_python(io.BytesIO(text.encode()), KEYWORDS, [], {}):
        if isinstance(message, tuple):  # _(key, lang): the key is the first argument
            message = message[0]
        if isinstance(message, str) and message:
            keys.append(message)
    return keys


@cache
def used_keys() -> dict[str, str]:
    """Message key -> first place it is used."""
    keys: dict[str, str] = {}
    for name, text in _sources():
        for lineno, _func, message, _comments in extract_python(io.BytesIO(text.encode()), KEYWORDS, [], {}):
            if isinstance(message, tuple):  # _(key, lang): the key is the first argument
                message = message[0]
            if isinstance(message, str) and message:
                keys.setdefault(message, f"{name}:{lineno}")
    return keys


def _shape(node: ast.JoinedStr, min_literal: int = 2) -> re.Pattern[str] | None:
    """The f-string as a pattern; None when its own text is too short to say anything."""
    parts = [re.escape(v.value) if isinstance(v, ast.Constant) else ".+?" for v in node.values]
    literal = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL) if len(literal.strip()) >= min_literal else None


@cache
def shown_strings() -> tuple[frozenset[str], tuple[re.Pattern[str], ...]]:
    """Lower-case strings the code can show, and the shapes of its f-strings."""
    literals, shapes = set(), []
    for _name, text in _sources():
        try:
            tree = ast.parse(text)
        except SyntaxError:  # pragma: no cover - ruff keeps the notebooks parseable
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for line in node.value.lower().splitlines() or [""]:
                    literals.add(re.sub(r"\s+", " ", line.strip()))
            elif isinstance(node, ast.JoinedStr) and (shape := _shape(node)) is not None:
                shapes.append(shape)
            elif isinstance(node, ast.keyword) and node.arg:  # .agg(mean_churn_risk=...) names a column
                literals.add(node.arg.lower())
    course_map = paths.PROJECT_ROOT / "docs" / "course-map.md"  # the course's glossary shows every course term
    for cell in course_map.read_text(encoding="utf-8").lower().split("|"):
        literals.update(p.strip(" `.") for p in re.split(r" / |, |: | → |\(|\)|\n", cell))
    for table in ("customers", "transactions", "interactions", "exit_survey"):
        path = paths.TEACHING_DIR / f"{table}.csv"
        if path.exists():
            frame = pd.read_csv(path, dtype="string")
            for column in frame.columns:
                values = frame[column].dropna().unique()
                if len(values) <= 50:
                    literals.update(str(v).lower().strip() for v in values)
    return frozenset(literals), tuple(shapes)


SHOWN_AS = re.compile(r'shown as (f".+") \((crm_analysis/[\w/]+\.py)\)')


def _shown_as(term: str) -> bool:
    """A label the code builds from parts says where, in an extracted comment: ``shown as f"..." (file)``."""
    message = i18n.catalogue("zh").get(term, context=i18n.TERM)
    for comment in message.auto_comments if message is not None else ():
        match = SHOWN_AS.fullmatch(comment)
        if match and match.group(1) in (PACKAGE.parent / match.group(2)).read_text(encoding="utf-8"):
            shape = _shape(ast.parse(match.group(1), mode="eval").body, min_literal=1)
            return shape is not None and shape.fullmatch(term) is not None
    return False


def _term_used(term: str) -> bool:
    if _shown_as(term):
        return True
    literals, shapes = shown_strings()
    variants = {term, term.replace(" ", "_"), term.replace("_", " ")}
    if variants & literals:
        return True
    return any(shape.fullmatch(v) for shape in shapes for v in variants)


def _entries(context: str | None) -> list[str]:
    return [m.id for m in i18n.catalogue("zh") if m.id and m.context == context]


def test_every_key_used_by_the_code_has_a_chinese_entry():
    # A key marked with N_ may be shown as a label, which tr() translates through the "term" entries.
    missing = {key: where for key, where in used_keys().items()
               if i18n.gettext(key, "zh") == key and i18n.tr(key, "zh") == key}
    assert not missing, f"{len(missing)} message key(s) without a Chinese entry: {missing}"


def test_every_sentence_of_the_catalogue_is_used():
    unused = sorted(set(_entries(None)) - set(used_keys()))
    assert not unused, f"{len(unused)} catalogue sentence(s) that no code uses: {unused}"


def test_every_term_of_the_catalogue_can_be_shown():
    unused = [term for term in _entries(i18n.TERM) if not _term_used(term)]
    assert not unused, f"{len(unused)} catalogue term(s) that nothing shows: {unused}"


@pytest.mark.parametrize("text", ["{n:,} customers {x} (", "plain"])
def test_the_extractor_finds_keys_in_calls(text):
    source = f"from crm_analysis.core import i18n\nx = i18n._({text!r}).format(n=1, x=2)\ny = N_('marked')\n"
    found = [m for _l, _f, m, _c in extract_python(io.BytesIO(source.encode()), KEYWORDS, [], {})]
    assert found == [text, "marked"]
    assert "a {b} c" in _keys_of("x = _('a {b} '\n      'c', 'zh').format(b=1)\n")


def test_an_unused_term_is_detected():
    assert _term_used("churn")
    assert not _term_used("zz no code shows this")


def test_a_built_label_names_where_it_is_built():
    assert _shown_as("phone_a")  # f"{column}_{side}" in quality/duplicates.py
    assert not _shown_as("churn")  # no comment: found as a literal instead
