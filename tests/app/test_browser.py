"""The run's pages opened in a real browser (headless Chromium, driven by Playwright): what a reader sees.

Reuses the session's teaching-data run (``report_run``) and runs it once more in Chinese. Needs Debian's
``chromium`` (``.ci/run`` installs it) and the ``playwright`` Python package; skipped with a reason when
either is missing. No system CJK font is needed: the pages embed their own (``crm_analysis.app.fonts``).
Every page is opened twice: with the machine's fonts, and with a fontconfig that offers Chromium one
Latin font folder only (what a machine without CJK fonts has), where every Chinese character must still
be drawn in the embedded font.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest

from crm_analysis.app import cli, fonts
from crm_analysis.core import paths

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHAPTERS = ("01_collection_quality", "02_segmentation", "03_churn_reasons", "04_customer_value", "05_customer_care")
#: Latin fonts offered to Chromium when the system's CJK fonts are hidden from it.
LATIN_FONTS = Path("/usr/share/fonts/truetype/dejavu")

# Run in the page: elements wider than the page, text overflowing its table cell, images not loaded,
# column headers aligned otherwise than their cells, words of a cell broken across lines.
_LAYOUT_JS = r"""() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.width > 0 && r.right > width + 1 && !e.closest('.jp-RenderedHTMLCommon table, .jp-OutputArea-output');
  }).map(e => e.tagName + '.' + e.className).slice(0, 5);
  const overflowing = [...document.querySelectorAll('td, th')].filter(
    c => c.scrollWidth > c.clientWidth + 1).map(c => c.textContent.slice(0, 40)).slice(0, 5);
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).length;
  const misaligned = [];  // a column header aligned otherwise than the cells under it
  for (const table of document.querySelectorAll('table.crm-table')) {
    for (const th of table.querySelectorAll('thead tr:last-child th.col_heading')) {
      const col = [...th.classList].find(c => /^col\d+$/.test(c));
      const td = col && table.querySelector('tbody td.' + col);
      if (td && td.textContent.trim() && getComputedStyle(th).textAlign !== getComputedStyle(td).textAlign)
        misaligned.push(th.textContent.slice(0, 30));
    }
  }
  // a word of a table cell broken across lines ('custom / ers'): its width exceeds the cell's text box
  const canvas = document.createElement('canvas').getContext('2d');
  const split = [];
  for (const c of document.querySelectorAll('td, th')) {
    const s = getComputedStyle(c);
    canvas.font = s.font;
    const room = c.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
    for (const w of c.textContent.split(/\s+/))
      if (/^[\x21-\x7e]{2,30}$/.test(w) && canvas.measureText(w).width > room + 1) split.push(w);
  }
  return {wide, overflowing, broken, misaligned: misaligned.slice(0, 5), split: split.slice(0, 5),
          images: document.images.length};
}"""


def _latin_only_fontconfig(folder: Path) -> dict[str, str]:
    """Environment for Chromium with a fontconfig that knows only :data:`LATIN_FONTS` (no CJK font)."""
    if not LATIN_FONTS.is_dir():
        pytest.skip(f"no Latin font folder {LATIN_FONTS} to offer alone (apt-get install fonts-dejavu-core)")
    conf = folder / "fonts.conf"
    conf.write_text(f"""<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig><dir>{LATIN_FONTS}</dir><cachedir>{folder / "cache"}</cachedir></fontconfig>
""", encoding="utf-8")
    env = {**os.environ, "FONTCONFIG_FILE": str(conf)}
    if shutil.which("fc-list"):  # the hiding works: fontconfig then offers no font for Chinese
        found = subprocess.run(["fc-list", ":lang=zh", "family"], env=env, capture_output=True, text=True, check=True)
        assert found.stdout.strip() == "", found.stdout
    return env


@pytest.fixture(scope="module", params=["system fonts", "no CJK fonts"])
def browser(request, tmp_path_factory):
    sync_api = pytest.importorskip("playwright.sync_api",
                                   reason="playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        pytest.skip("no system chromium (apt-get install -y chromium; .ci/run does it)")
    env = None
    if request.param == "no CJK fonts":
        env = _latin_only_fontconfig(tmp_path_factory.mktemp("fontconfig"))
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], env=env)
        yield browser
        browser.close()


def _cjk_not_in_embedded_font(page) -> list[tuple[str, list[str]]]:
    """Elements whose own Chinese characters were drawn (at least partly) by another font than the
    embedded one: on a machine without CJK fonts those are empty boxes. Asks Chromium which fonts
    it used for each element (DevTools ``CSS.getPlatformFontsForNode``)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
    wrong = []
    for node in cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "body *"})["nodeIds"]:
        children = cdp.send("DOM.describeNode", {"nodeId": node, "depth": 1})["node"].get("children", [])
        own = "".join(c.get("nodeValue", "") for c in children if c.get("nodeType") == 3)
        n_cjk = sum(len(fonts.cjk_characters(ch)) for ch in own)
        if not n_cjk:
            continue
        used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
        if sum(f["glyphCount"] for f in used if f["familyName"] == fonts.FONT_FAMILY) < n_cjk:
            wrong.append((own[:40], [f["familyName"] for f in used]))
    cdp.detach()
    return wrong


def _open(browser, page_path: Path) -> tuple[object, list[str], list[str]]:
    """Open a page; return it, the requests that left the machine and the console errors."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    outside, errors = [], []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("file:", "data:", "about:")) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_path.as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return page, outside, errors


@pytest.fixture(scope="module")
def report_run_zh(tmp_path_factory):
    """The same run in Chinese (``-p lang zh``), once for this module."""
    if not (paths.TEACHING_DIR / "transactions.csv").is_file():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")
    out = tmp_path_factory.mktemp("reports_zh") / "run"
    code = cli.main(["run", "--out", str(out), "--quiet", "-p", "lang", "zh"])
    return SimpleNamespace(out=out, exit_code=code)


@pytest.fixture(params=["en", "zh"])
def any_run(request):
    """The English run (the session's) and the Chinese one."""
    run = request.getfixturevalue("report_run" if request.param == "en" else "report_run_zh")
    return SimpleNamespace(out=run.out, exit_code=run.exit_code, lang=request.param)


@pytest.mark.parametrize("stem", [*CHAPTERS, "index"])
def test_page_in_browser(any_run, browser, stem):
    report_run = any_run
    assert report_run.exit_code == 0
    path = report_run.out / f"{stem}.html"
    assert path.is_file()
    page, outside, errors = _open(browser, path)
    try:
        assert outside == []
        assert errors == []
        layout = page.evaluate(_LAYOUT_JS)
        assert layout["broken"] == 0
        assert layout["wide"] == []
        assert layout["overflowing"] == []
        assert layout["misaligned"] == []
        assert layout["split"] == []
        cjk = fonts.cjk_characters(page.inner_text("body"))
        if cjk:  # every Chinese character drawn with the embedded font, not a system font's box
            assert page.evaluate(f"document.fonts.check('16px \"{fonts.FONT_FAMILY}\"', {cjk!r})")
            assert _cjk_not_in_embedded_font(page) == []
        lang = page.evaluate("document.documentElement.lang")
        assert lang == report_run.lang
        if report_run.lang == "zh":
            assert fonts.cjk_characters(page.inner_text("h1"))  # the title in Chinese
            assert all(fonts.cjk_characters(t) for t in page.locator("h2").all_inner_texts())
        if stem == "index":
            for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
                if not href.startswith(("#", "http")):
                    assert (report_run.out / href.split("#")[0]).exists(), href
        else:
            assert page.title() and not page.title().endswith(".ipynb") and stem not in page.title()
            assert page.locator('nav.crm-nav a[href="index.html"]').count() == 1
    finally:
        page.close()


@pytest.mark.parametrize("stem", CHAPTERS)
def test_every_chart_once(report_run, stem):
    """Each image of the executed chapter is a distinct figure shown by the display hook (none by the inline
    backend, which showed a second copy of every chart a cell both drew and returned)."""
    numbers = [
        output.get("metadata", {}).get("image/png", {}).get("crm_analysis_figure")
        for cell in report_run.notebook(stem).cells if cell.cell_type == "code"
        for output in cell.outputs if "image/png" in output.get("data", {})
    ]
    assert numbers, "the chapter shows charts"
    assert None not in numbers, "a figure was shown outside the display hook (a second copy)"
    assert len(numbers) == len(set(numbers)), "a figure was shown twice"


@pytest.mark.parametrize("stem", CHAPTERS)
def test_no_raw_note_echo(report_run, stem):
    nb = report_run.notebook(stem)
    results = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if o.get("output_type") == "execute_result"]
    echoed = [o["data"]["text/plain"] for o in results
              if str(o.get("data", {}).get("text/plain", "")).startswith("'**")]
    assert echoed == []


_CELL = re.compile(r"<td[^>]*>(.*?)</td>", re.S)


@pytest.mark.parametrize("stem", CHAPTERS)
def test_table_cells_read(report_run, stem):
    """No table cell in the manager's page shows scientific notation or more than 3 decimals."""
    page = (report_run.out / f"{stem}.html").read_text(encoding="utf-8")
    cells = [re.sub("<[^>]+>", "", c).strip() for c in _CELL.findall(page)]
    assert cells
    assert [c for c in cells if re.fullmatch(r"-?[\d,]*\.?\d+[eE][+-]?\d+", c)] == []
    assert [c for c in cells if re.fullmatch(r"-?[\d,]*\.\d{4,}%?", c) and not re.fullmatch(r"-?0\.0*\d{1,2}", c)] == []
    assert [c for c in cells if c in ("NaN", "None", "<NA>", "nan", "NaT")] == []


@pytest.mark.parametrize("stem", CHAPTERS)
def test_manager_page_has_no_solutions(report_run, stem):
    page = (report_run.out / f"{stem}.html").read_text(encoding="utf-8")
    nb = report_run.notebook(stem)
    assert any("solution" in c.metadata.get("tags", []) for c in nb.cells)  # the executed notebook keeps them
    assert "Exercises (练习)" not in page and "report.versions" not in page
    headings = re.findall(r"<h2 id=[^>]*>(.*?)</h2>", page, flags=re.S)
    assert "What to do with this" in headings[0] or "管理建议" in headings[0]  # the actions first
    assert isinstance(nbformat.reads(nbformat.writes(nb), as_version=4), nbformat.NotebookNode)
