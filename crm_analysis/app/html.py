"""The run's pages: each executed chapter as an HTML report, and the ``index.html`` linking them."""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from crm_analysis.app.runjson import ChapterResult, RunResult, relative


def export_html(notebook: str | Path, target: str | Path, *, show_code: bool = False) -> Path:
    """Render an executed notebook as an HTML report with nbconvert.

    Parameters
    ----------
    notebook : str or pathlib.Path
        The executed ``.ipynb``.
    target : str or pathlib.Path
        The ``.html`` file to write.
    show_code : bool, default False
        Keep the code cells and prompts (hidden by default: readers see results only).

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
    ...     "secret_code" in page
    False
    """
    hide = not show_code
    exporter = HTMLExporter(exclude_input=hide, exclude_input_prompt=hide, exclude_output_prompt=hide)
    nb = nbformat.read(str(notebook), as_version=4)
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": Path(notebook).stem}})
    target = Path(target)
    target.write_text(body, encoding="utf-8")
    return target


def index_html(result: RunResult, info: Mapping[str, Any]) -> str:
    """The run's ``index.html``: data source, as-of date, one line per chapter, the tables written.

    Parameters
    ----------
    result : RunResult
        The run.
    info : mapping
        ``data_source``, ``data_sha256``, ``as_of``, ``started``, ``finished``, ``seconds`` and
        optionally ``not_run`` (chapters an interruption prevented).

    Returns
    -------
    str
        The page.

    Examples
    --------
    >>> import tempfile
    >>> info = {"data_source": "teaching", "data_sha256": "ab", "as_of": None, "started": "t0",
    ...         "finished": "t1", "seconds": 1.0}
    >>> "all chapters ok" in index_html(RunResult(out_dir=Path(tempfile.mkdtemp())), info)
    True
    """
    esc = html.escape
    rows = []
    for c in result.chapters:
        status = "ok" if c.status == "ok" else f"failed: {c.error}"
        title = f'<a href="{esc(c.html.name)}">{esc(c.name)}</a>' if c.html else esc(c.name)
        nb_link = f'<a href="{esc(c.notebook.name)}">notebook</a>' if c.notebook.exists() else ""
        css = "ok" if c.status == "ok" else "failed"
        rows.append(
            f'<tr class="{css}"><td>{title}</td><td>{esc(status)}</td><td>{c.seconds:.1f} s</td><td>{nb_link}</td></tr>'
        )
    tables_dir = result.out_dir / "tables"
    tables = sorted(p for p in tables_dir.rglob("*") if p.is_file()) if tables_dir.is_dir() else []
    table_items = "".join(
        f'<li><a href="{esc(relative(p, result.out_dir))}">{esc(relative(p, tables_dir))}</a></li>' for p in tables
    )
    as_of = info["as_of"] or "not set (the day after the last transaction)"
    overall = "all chapters ok" if result.ok else f"{len(result.failed)} chapter(s) failed"
    if info.get("not_run"):
        overall += f"; interrupted before {', '.join(info['not_run'])}"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>CRM analysis report</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 60em; }}
table {{ border-collapse: collapse; }} td, th {{ padding: .3em .8em; border-bottom: 1px solid #ddd; }}
tr.failed td {{ color: #a40000; }}
</style></head><body>
<h1>CRM analysis report</h1>
<p>Data source: <code>{esc(str(info["data_source"]))}</code>
(SHA-256 <code>{esc(str(info["data_sha256"]))}</code>)<br>
As-of date: {esc(str(as_of))}<br>
Started {esc(info["started"])}, finished {esc(info["finished"])} ({info["seconds"]:.1f} s): {esc(overall)}</p>
<table><tr><th>Chapter</th><th>Status</th><th>Time</th><th></th></tr>
{chr(10).join(rows)}
</table>
<h2>Tables</h2>
<ul>{table_items or "<li>none written</li>"}</ul>
<p><a href="run.json">run.json</a></p>
</body></html>
"""


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
