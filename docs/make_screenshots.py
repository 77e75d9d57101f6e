"""Refresh the index screenshots shown in the README (docs/index-en.png, docs/index-zh.png).

Runs ``crm-analysis run`` on the teaching data in English and in Chinese into a temporary folder and
takes the first screen of each ``index.html`` in headless Chromium (``crm_analysis.app.screenshots``).
Usage: ``python docs/make_screenshots.py`` (about 5 minutes on 2 cores), or
``python docs/make_screenshots.py RUN_EN RUN_ZH`` to use two existing run folders.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from crm_analysis.app import cli
from crm_analysis.app.screenshots import save_screenshots

DOCS = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        runs = [Path(a) for a in argv]
        if not runs:
            for lang in ("en", "zh"):
                out = Path(tmp) / lang / "run"  # apart: the Chinese index would compare itself with the English run
                code = cli.main(["run", "--out", str(out), "--quiet", "-p", "lang", lang])
                if code != 0:
                    print(f"the {lang} run failed (exit {code}); screenshots not refreshed", file=sys.stderr)
                    return code
                runs.append(out)
        for lang, run in zip(("en", "zh"), runs, strict=True):
            shot = save_screenshots(run, Path(tmp) / f"shots-{lang}", pages=["index.html"], height=1100,
                                    full_page=False)[0]
            shutil.copyfile(shot, DOCS / f"index-{lang}.png")
            print(DOCS / f"index-{lang}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
