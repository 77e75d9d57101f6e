"""The chapters' narrative in English and Chinese (issue 16): cell pairs, and each page in one language.

Every narrative markdown cell is a pair: the English cell tagged ``lang-en``, immediately followed by
its Chinese counterpart tagged ``lang-zh`` with the same heading level and number, the same other
tags, Chinese text, and the course's terms. The HTML page of a ``lang en`` run shows the English
cells only, of a ``lang zh`` run the Chinese ones (:mod:`crm_analysis.app.narrative`).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from babel.messages.pofile import read_po

from crm_analysis.app import narrative
from crm_analysis.app.html import export_html
from crm_analysis.core import paths

NOTEBOOKS = sorted(paths.NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
CATALOGUE = paths.PACKAGE_DIR / "locale" / "zh" / "LC_MESSAGES" / "crm_analysis.po"
CJK = re.compile(r"[\u4e00-\u9fff]")
HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
LABEL = re.compile(r"^\*\*[^*]*?(\d+)")  # "**Exercise 2 (...)**" / "**练习 2（…）**"


def _markdown(path: Path) -> list[nbformat.NotebookNode]:
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]


def _first_line(cell: nbformat.NotebookNode) -> str:
    return cell.source.strip().splitlines()[0] if cell.source.strip() else ""


def _number(line: str) -> str | None:
    """The heading's or label's number: "## 3. x" -> "3", "# Chapter 2 — x" / "# 第 2 章" -> "2"."""
    if (h := HEADING.match(line)) is not None:
        n = re.search(r"\d+", h.group(2))
        return n.group(0) if n else None
    return m.group(1) if (m := LABEL.match(line)) else None


def _pairs(path: Path) -> list[tuple[nbformat.NotebookNode, nbformat.NotebookNode]]:
    cells = nbformat.read(path, as_version=4).cells
    return [(c, cells[i + 1]) for i, c in enumerate(cells[:-1]) if narrative.cell_language(c) == "en"]


@pytest.fixture(scope="module")
def glossary() -> dict[str, str]:
    """English term (lower case, several words) -> its one Chinese term."""
    with CATALOGUE.open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.context == "term" and m.string
                and " " in m.id and "_" not in m.id and not CJK.search(m.id)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_english_cell_is_followed_by_its_chinese_cell(path):
    cells = nbformat.read(path, as_version=4).cells
    english = [i for i, c in enumerate(cells) if narrative.cell_language(c) == "en"]
    assert english, f"{path.name}: no narrative cell tagged lang-en"
    for i in english:
        en = cells[i]
        assert en.cell_type == "markdown", f"{path.name} cell {i}: a lang-en cell must be markdown"
        zh = cells[i + 1] if i + 1 < len(cells) else None
        where = f"{path.name} cell {i} ({_first_line(en)[:50]!r})"
        assert zh is not None and narrative.cell_language(zh) == "zh", f"{where}: not followed by a lang-zh cell"
        assert zh.cell_type == "markdown" and CJK.search(zh.source), f"{where}: its lang-zh cell has no Chinese"
        en_h, zh_h = HEADING.match(_first_line(en)), HEADING.match(_first_line(zh))
        assert (en_h and len(en_h.group(1))) == (zh_h and len(zh_h.group(1))), f"{where}: heading levels differ"
        assert _number(_first_line(en)) == _number(_first_line(zh)), f"{where}: numbers differ"
        other = sorted(set(en.metadata.get("tags", [])) - {"lang-en"})
        assert sorted(set(zh.metadata.get("tags", [])) - {"lang-zh"}) == other, f"{where}: other tags differ"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_no_chinese_cell_without_its_english_cell_and_no_untagged_narrative(path):
    cells = nbformat.read(path, as_version=4).cells
    for i, cell in enumerate(cells):
        if narrative.cell_language(cell) == "zh":
            assert i > 0 and narrative.cell_language(cells[i - 1]) == "en", f"{path.name} cell {i}: orphan lang-zh"
    untagged = [_first_line(c)[:60] for c in _markdown(path) if narrative.cell_language(c) is None
                and (len(c.source.strip().splitlines()) > 1 or not HEADING.match(_first_line(c)))]
    assert not untagged, f"{path.name}: narrative cells without a language tag: {untagged}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_chinese_headings_use_the_headings_and_the_glossary_terms(path, glossary):
    """The Chinese of a bilingual English heading, and the glossary term of each course term it names,
    appear in the Chinese heading (one Chinese term per concept, in the narrative too)."""
    problems = []
    for en, zh in _pairs(path):
        en_line, zh_line = _first_line(en), _first_line(zh)
        if not HEADING.match(en_line):
            continue
        chinese_parts = re.findall(rf"{CJK.pattern}(?:[\u4e00-\u9fff A-Za-z×/·-]*{CJK.pattern})?", en_line)
        english_text = re.sub(r"\([^)]*\)", "", HEADING.match(en_line).group(2)).lower()
        terms = []
        for term in sorted(glossary, key=len, reverse=True):  # "value at risk" before "at risk"
            pattern = rf"\b{re.escape(term)}\b"
            if re.search(pattern, english_text):
                terms.append(glossary[term])
                english_text = re.sub(pattern, " | ", english_text)
        missing = [part for part in chinese_parts + terms if part not in zh_line]
        if missing:
            problems.append((en_line, zh_line, missing))
    assert not problems, f"{path.name}: Chinese headings without the heading's or glossary's terms: {problems}"


def _page(tmp_path: Path, path: Path, lang: str, audience: str = "manager") -> str:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["papermill"] = {"parameters": {"lang": lang, "audience": audience}}
    source = tmp_path / f"{path.stem}.{lang}.{audience}.ipynb"
    nbformat.write(nb, source)
    return export_html(source, source.with_suffix(".html")).read_text(encoding="utf-8")


def _goals(lang: str) -> str:
    return {"en": "Learning goals (学习目标)", "zh": "学习目标 (Learning goals)"}[lang]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_page_shows_the_narrative_of_its_language_only(tmp_path, path):
    pairs = _pairs(path)
    english = _page(tmp_path, path, "en")
    chinese = _page(tmp_path, path, "zh")
    assert _goals("en") in english and _goals("zh") not in english
    assert _goals("zh") in chinese and _goals("en") not in chinese
    # the first sentence of the introduction, in the page's language only
    intro_en, intro_zh = (re.split(r"[*`_\[]", c.source.split("\n\n")[1])[0][:30] for c in pairs[0])
    assert intro_en in english and intro_en not in chinese
    assert intro_zh in chinese and intro_zh not in english


def test_the_chinese_manager_page_leaves_out_the_exercises_like_the_english_one(tmp_path):
    path = paths.NOTEBOOKS_DIR / "01_collection_quality.ipynb"
    chinese, teacher = _page(tmp_path, path, "zh"), _page(tmp_path, path, "zh", "teacher")
    assert "练习 1" not in chinese and "练习 1" in teacher and "Exercise 1" not in teacher
    # "What to do with this" moved up to the end of the introduction, in Chinese too
    assert chinese.index("管理建议 (What to do with this)") < chinese.index("数据装载与隔离")


@pytest.mark.slow
def test_the_run_pages_are_in_one_language(report_run):
    """The English pages of the session's run (tests/conftest.py) carry no Chinese narrative cell."""
    for path in NOTEBOOKS:
        page = (report_run.out / f"{path.stem}.html").read_text(encoding="utf-8")
        assert _goals("en") in page and _goals("zh") not in page, path.stem
