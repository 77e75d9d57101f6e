"""The chapters' narrative in one language: the cells of the other language left out (issue 16).

A narrative markdown cell of a chapter notebook is a pair of cells: the English cell tagged
``lang-en`` and, right after it, its Chinese counterpart tagged ``lang-zh`` (same structure,
heading level and number: ``## 2. RFM 评分 (RFM scoring)`` for ``## 2. RFM scoring (RFM 评分)``).
Untagged cells are shown in both languages. JupyterLab, the executed notebooks and the student
edition keep both cells; the HTML report keeps the report language's cell of each pair.

For the Chinese page the pair is folded into the English cell before the page is arranged for
its reader (the arrangement finds sections, exercises and "Try it" cells by their English
headings) and unfolded afterwards, so the Chinese cell takes the English cell's place.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import nbformat

LANG_TAGS = {"en": "lang-en", "zh": "lang-zh"}
_FOLDED = "crm_narrative_other"


def cell_language(cell: nbformat.NotebookNode) -> str | None:
    """The language a cell is tagged with (``"en"``, ``"zh"``), or None for an untagged cell.

    Examples
    --------
    >>> cell_language(nbformat.v4.new_markdown_cell("# 标题", metadata={"tags": ["lang-zh"]}))
    'zh'
    >>> cell_language(nbformat.v4.new_code_cell("x = 1")) is None
    True
    """
    tags = cell.get("metadata", {}).get("tags", [])
    return next((lang for lang, tag in LANG_TAGS.items() if tag in tags), None)


def in_language(nb: nbformat.NotebookNode, lang: str,
                arrange: Callable[[nbformat.NotebookNode], nbformat.NotebookNode] | None = None,
                ) -> nbformat.NotebookNode:
    """A copy of ``nb`` with the narrative in ``lang`` only, optionally arranged in between.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A chapter notebook (executed or not).
    lang : {"en", "zh"}
        The report language; any other value is treated as English.
    arrange : callable, optional
        Rearranges or drops cells (e.g. :func:`crm_analysis.app.html.page_cells`); it sees the
        English cell of each pair, carrying the Chinese one with it, so it can find sections by
        their English headings in either language.

    Returns
    -------
    nbformat.NotebookNode
        Cells tagged with the other language removed; a ``lang-zh`` cell without an English
        cell before it is kept in its place for Chinese. Code cells and untagged cells are kept.

    Examples
    --------
    >>> md = nbformat.v4.new_markdown_cell
    >>> nb = nbformat.v4.new_notebook(cells=[
    ...     md("## 1. Goals (学习目标)", metadata={"tags": ["lang-en"]}),
    ...     md("## 1. 学习目标 (Goals)", metadata={"tags": ["lang-zh"]}),
    ...     nbformat.v4.new_code_cell("x = 1"), md("$x^2$")])
    >>> [c.source for c in in_language(nb, "en").cells]
    ['## 1. Goals (学习目标)', 'x = 1', '$x^2$']
    >>> [c.source for c in in_language(nb, "zh").cells]
    ['## 1. 学习目标 (Goals)', 'x = 1', '$x^2$']
    >>> drop_code = lambda n: nbformat.v4.new_notebook(cells=[c for c in n.cells if c.cell_type != "code"])
    >>> [c.source for c in in_language(nb, "zh", drop_code).cells]
    ['## 1. 学习目标 (Goals)', '$x^2$']
    """
    nb = copy.deepcopy(nb)
    zh = lang == "zh"
    cells: list[nbformat.NotebookNode] = []
    for cell in nb.cells:
        language = cell_language(cell)
        if language == "zh" and not zh:
            continue
        if language == "zh" and cells and cell_language(cells[-1]) == "en" and _FOLDED not in cells[-1].metadata:
            cells[-1].metadata[_FOLDED] = cell  # folded into its English partner
            continue
        cells.append(cell)
    nb.cells = cells
    if arrange is not None:
        nb = arrange(nb)
    if not zh:
        nb.cells = [c for c in nb.cells if cell_language(c) != "zh"]
        return nb
    nb.cells = [c.metadata.pop(_FOLDED) if _FOLDED in c.metadata else c for c in nb.cells
                if cell_language(c) != "en" or _FOLDED in c.metadata]
    return nb


__all__ = ["LANG_TAGS", "cell_language", "in_language"]
