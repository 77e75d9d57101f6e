"""Chapter pages (crm_analysis.app.html) on small hand-made executed notebooks, including awkward ones."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from crm_analysis.app.html import export_html, page_cells


def _notebook(lang: str = "en", audience: str | None = None) -> nbformat.NotebookNode:
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    answer = code("answer = 42")
    answer.metadata["tags"] = ["solution"]
    answer.outputs = [nbformat.v4.new_output("stream", text="THE ANSWER\n")]
    actions = code("actions")
    actions.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": "- Call them."})]
    nb = nbformat.v4.new_notebook(cells=[
        md("# Chapter 9 — Demo chapter (示例章节)\n\nWhat it does."), code("chapter = report.prepare('teaching')"),
        md("## 1. Work (工作)"), md("**Try it (动手试试).** Move the slider."), code("interactive.explore_abc(x)"),
        md("## 2. What to do with this (管理建议)"), actions, md("## Exercises (练习)"), answer,
        md("## Package versions (软件版本)"), code("report.versions()")])
    nb.metadata["papermill"] = {"parameters": {"lang": lang, **({"audience": audience} if audience else {})}}
    return nb


def _export(tmp_path, nb, **kwargs) -> str:
    nbformat.write(nb, tmp_path / "09_demo.ipynb")
    return export_html(tmp_path / "09_demo.ipynb", tmp_path / "09_demo.html", **kwargs).read_text(encoding="utf-8")


def test_manager_page(tmp_path):
    page = _export(tmp_path, _notebook())
    assert "<title>Chapter 9 — Demo chapter (示例章节)</title>" in page and '<html lang="en">' in page
    assert "THE ANSWER" not in page and "Exercises" not in page and "Package versions" not in page
    assert "Try it" not in page
    headings = [re.sub("<[^>]+>|¶", "", h) for h in re.findall(r"<h2 id=[^>]*>(.*?)</h2>", page, flags=re.S)]
    assert headings == ["2. What to do with this (管理建议)", "1. Work (工作)"]
    assert 'href="index.html"' in page and 'class="crm-nav"' in page
    assert not re.search(r"""(src|href)=["']https?://""", page)  # nothing fetched from another host
    assert "@font-face" in page  # the Chinese characters of the page, embedded


@pytest.mark.parametrize("how", ["argument", "parameter"])
def test_teacher_page_keeps_everything(tmp_path, how):
    nb = _notebook(audience="teacher" if how == "parameter" else None)
    page = _export(tmp_path, nb, **({"audience": "teacher"} if how == "argument" else {}))
    assert "THE ANSWER" in page and "Exercises" in page and "Try it" in page


def test_chinese_page(tmp_path):
    page = _export(tmp_path, _notebook(lang="zh"))
    assert '<html lang="zh">' in page and "<title>第 9 章 示例章节</title>" in page
    assert ">2. 管理建议" in page and ">1. 工作" in page


def test_notebook_without_headings_or_summary(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert len(page_cells(nb).cells) == 1
    page = _export(tmp_path, nb, index_href=None)
    assert "<title>09_demo</title>" in page and "crm-nav" not in page.split("</style>")[-1]


def test_unknown_audience(tmp_path):
    with pytest.raises(ValueError, match="audience"):
        page_cells(_notebook(), audience="students")


def test_contents_list_each_section_once_without_a_second_number(tmp_path):
    page = _export(tmp_path, _notebook())
    nav = page.split('<nav class="crm-nav">')[1].split("</nav>")[0]
    entries = [re.sub("<[^>]+>", "", e) for e in re.findall(r"<li>(.*?)</li>", nav)]
    assert entries == ["2. What to do with this (管理建议)", "1. Work (工作)"]
    assert "<ol>" not in nav  # an ordered list would show "1. 2. What to do…"
    zh = _export(tmp_path, _notebook(lang="zh"))
    nav = zh.split('<nav class="crm-nav">')[1].split("</nav>")[0]
    assert [re.sub("<[^>]+>", "", e) for e in re.findall(r"<li>(.*?)</li>", nav)] == ["2. 管理建议", "1. 工作"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_contents_built_after_the_other_language_is_dropped(tmp_path, lang):
    md = nbformat.v4.new_markdown_cell
    nb = nbformat.v4.new_notebook(cells=[
        md("# Chapter 9 — Demo chapter (示例章节)"),
        md("## 1. Work (工作)\n\nEnglish text.", metadata={"tags": ["lang-en"]}),
        md("## 1. 工作 (Work)\n\n中文说明。", metadata={"tags": ["lang-zh"]}),
        md("## 2. What to do with this (管理建议)", metadata={"tags": ["lang-en"]}),
        md("## 2. 管理建议 (What to do with this)", metadata={"tags": ["lang-zh"]})])
    nb.metadata["papermill"] = {"parameters": {"lang": lang}}
    page = _export(tmp_path, nb)
    nav = page.split('<nav class="crm-nav">')[1].split("</nav>")[0]
    entries = [re.sub("<[^>]+>", "", e) for e in re.findall(r"<li>(.*?)</li>", nav)]
    expected = {"en": ["2. What to do with this (管理建议)", "1. Work (工作)"],
                "zh": ["2. 管理建议 (What to do with this)", "1. 工作 (Work)"]}[lang]
    assert entries == expected
    assert ("English text." in page, "中文说明" in page) == (lang == "en", lang == "zh")


def test_table_headers_aligned_like_their_columns():
    """describe().T of numbers and dates: object columns shown as text (left), counts as numbers (right);
    each header takes its column's alignment (it was right-aligned over left-aligned cells)."""
    from crm_analysis.core.formatting import style_frame

    frame = pd.DataFrame({"n_orders": [1, 4, 9], "first_purchase": pd.to_datetime(["2023-01-01", "2024-02-03",
                                                                                  "2025-03-04"])})
    described = frame.describe().T  # columns count (numbers) and mean, min, ... (numbers and dates: object)
    page = style_frame(described).to_html()
    rules = dict(re.findall(r"th\.(col\d+) \{\s*text-align: (\w+);", page))
    cells = dict(re.findall(r"_row0_(col\d+)[^{]*\{\s*text-align: (\w+);", page))
    assert rules and rules == {col: cells.get(col, rules[col]) for col in rules}
    assert rules["col1"] == "left"  # mean: a date among numbers, shown as text
    numbers = style_frame(frame[["n_orders"]].describe().T).to_html()
    assert set(re.findall(r"th\.col\d+ \{\s*text-align: (\w+);", numbers)) == {"right"}
