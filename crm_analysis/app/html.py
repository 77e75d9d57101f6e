"""The run's pages: each executed chapter as an HTML report (``index.html``: :mod:`crm_analysis.app.index`).

A chapter page is written for its reader (``audience``):

- ``"manager"`` (default): "What to do with this" moved to the top, right after the chapter's
  introduction (before its first numbered section); the exercises and their solutions, the
  package-version table and the "Try it" cells (a static copy of a chart already shown) left out;
- ``"teacher"`` (``-p audience teacher``): everything the executed notebook holds.

Every page has a title in words, a link back to the index and a table of contents, in the report
language (``-p lang zh``: headings in Chinese, ``<html lang="zh">``). Pages are self-contained:
no script or font is loaded from another host (nbconvert's require.js, MathJax and Mermaid are
left out, the CJK glyphs are embedded by :mod:`crm_analysis.app.fonts`).
"""

from __future__ import annotations

import copy
import html
import re
from pathlib import Path
from typing import Any

import jinja2
import nbformat
from nbconvert import HTMLExporter

from crm_analysis.app import fonts, narrative
from crm_analysis.app.index import heading_in, index_html
from crm_analysis.app.runjson import ChapterResult

AUDIENCES = ("manager", "teacher")

# nbconvert's lab template, without anything fetched from a CDN.
_OFFLINE_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
"""

#: Page style added to nbconvert's: readable width, wrapping text, wide tables scrolling in their box.
#: Cells break a word only when it cannot fit at all (break-word, not anywhere: 'anywhere' lets the
#: table squeeze columns to one letter, so headers read 'custom ers').
PAGE_CSS = """
:root { --jp-ui-font-family: %(stack)s; --jp-content-font-family: %(stack)s; --jp-code-font-family: %(mono)s; }
body, .jp-RenderedHTMLCommon { font-family: %(stack)s; }
pre, code, kbd, samp, .jp-OutputArea-output pre { font-family: %(mono)s; }
.crm-nav { max-width: 70em; margin: 1em auto; padding: .6em 1em; background: #f4f6f8; border-radius: 6px; }
.crm-nav ul { margin: .3em 0; columns: 2; list-style: none; padding-left: 1em; }
.jp-OutputArea-output, .jp-RenderedHTMLCommon { overflow-x: auto; max-width: 100%%; }
.jp-RenderedHTMLCommon table { display: block; overflow-x: auto; max-width: 100%%; }
.jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { white-space: normal; overflow-wrap: break-word;
  max-width: 40em; vertical-align: top; }
.jp-RenderedHTMLCommon td[style*="nowrap"] { overflow-wrap: normal; }
.jp-RenderedImage img, .jp-OutputArea-output img { max-width: 100%%; height: auto; }
.jp-OutputArea-output pre { white-space: pre-wrap; }
"""

_WORDS = {
    "en": {"back": "← All chapters (index)", "contents": "Contents"},
    "zh": {"back": "← 全部章节（索引）", "contents": "目录"},
}
_HEADING = re.compile(r"^(#{1,3})\s+(.*)$")


def _heading(cell: Any) -> tuple[int, str] | None:
    """(level, text) of a markdown cell that starts with a heading."""
    if cell.cell_type != "markdown" or not cell.source.strip():
        return None
    match = _HEADING.match(cell.source.strip().splitlines()[0])
    return (len(match.group(1)), match.group(2).strip()) if match else None


def _section_end(cells: list[Any], start: int) -> int:
    """Index after the section opened by the heading at ``start`` (next heading of the same or a higher level)."""
    level = _heading(cells[start])[0]
    for i in range(start + 1, len(cells)):
        h = _heading(cells[i])
        if h is not None and h[0] <= level:
            return i
    return len(cells)


def _is_summary(text: str) -> bool:
    return "what to do with this" in text.lower()


def _is_dropped_section(text: str) -> bool:
    lowered = text.lower()
    return lowered.startswith(("exercises", "package versions", "versions"))


def page_cells(nb: nbformat.NotebookNode, audience: str = "manager", lang: str = "en") -> nbformat.NotebookNode:
    """A copy of the executed notebook arranged for ``audience`` (see the module docstring).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The executed chapter.
    audience : {"manager", "teacher"}
    lang : {"en", "zh"}
        Headings are shown in this language.

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ValueError
        For an unknown audience.

    Examples
    --------
    >>> md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    >>> nb = nbformat.v4.new_notebook(cells=[md("# Chapter 9 — Demo (示例)"), code("x = report.prepare('t')"),
    ...     md("## 1. Work (工作)"), md("**Try it (动手试试)**"), code("interactive.explore_abc(m)"),
    ...     md("## 2. What to do with this (管理建议)"), code("actions"), md("## Exercises (练习)"),
    ...     code("answer"), code("report.versions()")])
    >>> [c.source.splitlines()[0][:12] for c in page_cells(nb).cells]
    ['# Chapter 9 ', 'x = report.p', '## 2. What t', 'actions', '## 1. Work (']
    >>> len(page_cells(nb, "teacher").cells), page_cells(nb, lang="zh").cells[0].source
    (10, '# 第 9 章 示例')
    """
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    nb = copy.deepcopy(nb)
    cells = list(nb.cells)
    if audience == "manager":
        kept, i = [], 0
        while i < len(cells):
            cell, h = cells[i], _heading(cells[i])
            if h is not None and _is_dropped_section(h[1]):
                i = _section_end(cells, i)
                continue
            if "solution" in cell.metadata.get("tags", []):
                i += 1
                continue
            if cell.cell_type == "markdown" and cell.source.lstrip().startswith("**Try it"):
                i += 2 if i + 1 < len(cells) and "interactive." in cells[i + 1].source else 1
                continue
            if cell.cell_type == "code" and cell.source.strip() == "report.versions()":
                i += 1
                continue
            kept.append(cell)
            i += 1
        cells = kept
        start = next((i for i, c in enumerate(cells) if (h := _heading(c)) and h[0] == 2 and _is_summary(h[1])), None)
        if start is not None:
            end = _section_end(cells, start)
            section, cells = cells[start:end], cells[:start] + cells[end:]
            # right after the chapter's introduction: before its first numbered section
            after = next((i for i, c in enumerate(cells) if (h := _heading(c)) and h[0] == 2), len(cells))
            cells = cells[:after] + section + cells[after:]
    for cell in cells:
        h = _heading(cell)
        if h is not None and lang == "zh":
            _first, *rest = cell.source.strip().splitlines()
            cell.source = "\n".join(["#" * h[0] + " " + heading_in(h[1], lang), *rest])
    nb.cells = cells
    return nb


def page_title(nb: nbformat.NotebookNode, lang: str = "en") -> str | None:
    """The chapter's title in words (its first heading, in the report language), or None.

    Examples
    --------
    >>> page_title(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Chapter 2 — Segments (细分)")]))
    'Chapter 2 — Segments (细分)'
    """
    for cell in nb.cells:
        h = _heading(cell)
        if h is not None and h[0] == 1:
            return heading_in(h[1], lang)
    return None


def _finish_page(body: str, lang: str, index_href: str | None) -> str:
    """Add the back link, the table of contents, the page style and the embedded CJK font.

    The table of contents is built from the finished page's ``<h2>`` headings, so it lists exactly the
    sections the reader sees (after the audience's and the language's cells are dropped); the headings
    carry their own numbers ("1. Data"), so the list is not numbered again."""
    words = _WORDS.get(lang, _WORDS["en"])
    toc = "".join(
        f'<li><a href="#{m.group(1)}">{html.escape(re.sub("<[^>]+>|¶", "", m.group(2)).strip())}</a></li>'
        for m in re.finditer(r'<h2 id="([^"]+)">(.*?)</h2>', body, flags=re.S)
    )
    back = f'<a href="{html.escape(index_href)}">{words["back"]}</a>' if index_href else ""
    nav = (f'<nav class="crm-nav">{back}<details open><summary>{words["contents"]}</summary><ul>{toc}</ul>'
           "</details></nav>") if toc or back else ""
    body = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + nav, body, count=1)
    visible = re.sub(r"<style.*?</style>|<script.*?</script>|<[^>]+>", "", body, flags=re.S)
    css = PAGE_CSS % {"stack": fonts.FONT_STACK, "mono": fonts.MONO_STACK} + fonts.font_face_css(visible + nav)
    return body.replace("</head>", f"<style>{css}</style>\n</head>", 1)


def export_html(notebook: str | Path, target: str | Path, *, show_code: bool = False,
                audience: str | None = None, index_href: str | None = "index.html") -> Path:
    """Render an executed notebook as a self-contained HTML report with nbconvert.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The executed ``.ipynb``.
    target : str or pathlib.Path
        The ``.html`` file to write.
    show_code : bool, default False
        Keep the code cells and prompts (hidden by default: readers see results only).
    audience : {"manager", "teacher"}, optional
        Who reads it (see the module docstring); by default the ``audience`` parameter the
        notebook was executed with, else ``"manager"``. The language is its ``lang`` parameter.
    index_href : str or None, default "index.html"
        Where the link back to the index points (None: no link).

    Returns
    -------
    pathlib.Path
        ``target``.

    Examples
    --------
    >>> import nbformat, tempfile
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("secret_code = 1")])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     nbformat.write(nb, Path(tmp) / "a.ipynb")
    ...     page = export_html(Path(tmp) / "a.ipynb", Path(tmp) / "a.html").read_text()
    ...     "secret_code" in page, "cdnjs" in page, 'href="index.html"' in page
    (False, False, True)
    """
    nb = nbformat.read(str(notebook), as_version=4)
    parameters = nb.metadata.get("papermill", {}).get("parameters", {})
    lang = str(parameters.get("lang", "en"))
    audience = audience or str(parameters.get("audience", "manager"))
    nb = narrative.in_language(nb, lang, lambda n: page_cells(n, audience, lang))
    hide = not show_code
    exporter = HTMLExporter(exclude_input=hide, exclude_input_prompt=hide, exclude_output_prompt=hide,
                            extra_loaders=[jinja2.DictLoader({"crm_offline.html.j2": _OFFLINE_TEMPLATE})],
                            template_file="crm_offline.html.j2")
    exporter.language_code = lang
    title = page_title(nb, lang) or Path(notebook).stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    target = Path(target)
    target.write_text(_finish_page(body, lang, index_href), encoding="utf-8")
    return target


def chapter_html(chapter: ChapterResult, show_code: bool) -> Path | None:
    """Write the chapter's HTML next to its executed notebook, also for a failed chapter.

    Parameters
    ----------
    chapter : ChapterResult
        The chapter; an export failure is appended to its ``error``.
    show_code : bool
        Keep the code cells.

    Returns
    -------
    pathlib.Path or None
        The page, or None if there is no executed notebook or the export failed.

    Examples
    --------
    >>> chapter = ChapterResult("01_a", Path("01_a.ipynb"), Path("no/such/01_a.ipynb"))
    >>> chapter_html(chapter, show_code=False) is None
    True
    """
    if not chapter.notebook.exists():
        return None
    try:
        return export_html(chapter.notebook, chapter.notebook.with_suffix(".html"), show_code=show_code)
    except Exception as exc:  # a broken report page must not lose the run's other results
        note = f"HTML export failed: {type(exc).__name__}: {exc}"
        chapter.error = f"{chapter.error}; {note}" if chapter.error else note
        return None


__all__ = ["chapter_html", "export_html", "index_html"]
