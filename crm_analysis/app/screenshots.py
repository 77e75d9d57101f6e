"""Full-page screenshots of a run's pages, taken in headless Chromium (what a reader will see).

Uses Playwright for Python with the system browser (Debian's ``chromium``; nothing is downloaded):
``python -m pip install playwright`` (in the ``dev`` extra) and ``apt-get install chromium``.
``docs/make_screenshots.py`` refreshes the index screenshots shown in the README.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

#: Where Debian installs Chromium; the first ``chromium`` on PATH is preferred.
DEFAULT_CHROMIUM = "/usr/bin/chromium"


def chromium_path() -> Path | None:
    """The system Chromium executable, or None.

    Examples
    --------
    >>> path = chromium_path()
    >>> path is None or path.name.startswith("chromium")
    True
    """
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return Path(found)
    return Path(DEFAULT_CHROMIUM) if Path(DEFAULT_CHROMIUM).exists() else None


def save_screenshots(run_dir: str | Path, target: str | Path | None = None, *,
                     pages: Iterable[str] | None = None, width: int = 1280, height: int = 900,
                     full_page: bool = True) -> list[Path]:
    """Save a full-page PNG of each HTML page of ``run_dir`` (by default into ``run_dir/screenshots``).

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run folder (``index.html`` and the chapter pages).
    target : str or pathlib.Path, optional
        Folder for the PNGs (created); default ``run_dir/screenshots``.
    pages : iterable of str, optional
        Page file names (``"index.html"``); default every ``*.html`` of the run folder.
    width, height : int, default 1280 and 900
        Viewport size in CSS pixels.
    full_page : bool, default True
        The whole page; False: the first screen only.

    Returns
    -------
    list of pathlib.Path
        The PNG files, one per page, named after the page.

    Raises
    ------
    RuntimeError
        If Playwright or the system Chromium is missing.

    Examples
    --------
    >>> import tempfile
    >>> save_screenshots(tempfile.mkdtemp(), pages=[])
    []
    """
    run_dir = Path(run_dir)
    names = sorted(p.name for p in run_dir.glob("*.html")) if pages is None else list(pages)
    if not names:
        return []
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise RuntimeError("screenshots need playwright: python -m pip install playwright") from exc
    browser_path = chromium_path()
    if browser_path is None:
        raise RuntimeError("screenshots need the system chromium: apt-get install -y chromium")
    folder = Path(target) if target is not None else run_dir / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_path), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            for name in names:
                page.goto((run_dir / name).resolve().as_uri(), wait_until="load")
                page.evaluate("document.fonts.ready.then(() => true)")
                path = folder / f"{Path(name).stem}.png"
                page.screenshot(path=str(path), full_page=full_page)
                written.append(path)
        finally:
            browser.close()
    return written


__all__ = ["chromium_path", "save_screenshots"]
