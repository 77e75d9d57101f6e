"""The run's index page and summary.json (crm_analysis.app.index), on small hand-made run folders."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd

from crm_analysis.app.index import index_html
from crm_analysis.app.runjson import ChapterResult, RunResult


def _run(folder: Path, lost: int, *, lang: str = "en", finished: str = "2026-01-02T00:00:00") -> tuple[RunResult, dict]:
    (folder / "tables").mkdir(parents=True)
    status = ["lost"] * lost + ["active"] * 3
    pd.DataFrame({"customer_id": [f"C{i}" for i in range(len(status))], "status": status}).to_csv(
        folder / "tables" / "churn_scores.csv", index=False)
    pd.DataFrame({"reason_category": ["price", "service"], "lost_revenue": [1234.5, 99.25]}).to_csv(
        folder / "tables" / "churn_reasons.csv", index=False)
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    summary = code("summary")
    summary.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": "- **Call** the 7 lost customers."})]
    prepare = code("chapter = report.prepare('teaching')")
    prepare.outputs = [nbformat.v4.new_output("display_data", {"text/markdown": "> ok"},
                                              metadata={"crm_analysis_as_of": "2025-12-31"})]
    nb = nbformat.v4.new_notebook(cells=[md("# Chapter 3 — Churn-reason analysis (客户流失原因分析)"), prepare,
                                         md("## 7. What to do with this (管理建议)"), summary])
    nb.metadata["papermill"] = {"parameters": {"lang": lang}}
    nbformat.write(nb, folder / "03_churn_reasons.ipynb")
    (folder / "03_churn_reasons.html").write_text(
        '<h2 id="7.-What-to-do">7. What to do with this (管理建议)</h2>', encoding="utf-8")
    result = RunResult(out_dir=folder, chapters=[ChapterResult(
        "03_churn_reasons", folder / "x.ipynb", folder / "03_churn_reasons.ipynb",
        html=folder / "03_churn_reasons.html")])
    info = {"data_source": "teaching", "data_sha256": "same", "as_of": None, "started": "t0",
            "finished": finished, "seconds": 1.0, "parameters": {"lang": lang}}
    return result, info


def test_index_has_figures_actions_and_the_change_since_the_previous_run(tmp_path):
    index_html(*_run(tmp_path / "20260101", lost=5, finished="2026-01-01T00:00:00"))
    page = index_html(*_run(tmp_path / "20260102", lost=7))
    summary = json.loads((tmp_path / "20260102" / "summary.json").read_text(encoding="utf-8"))
    chapter = summary["chapters"][0]
    figures = {f["label"]: f for f in chapter["key_figures"]}
    assert figures["lost customers"]["value"] == 7 and figures["lost customers"]["change"] == 2
    assert figures["revenue lost with them"]["value"] == 1333.75
    assert figures["costliest reason"]["value"] == "price"
    assert summary["as_of"] == "2025-12-31" and summary["previous_run"] == "2026-01-01T00:00:00"
    assert chapter["actions"] == ["**Call** the 7 lost customers."]
    assert chapter["actions_link"] == "03_churn_reasons.html#7.-What-to-do"
    assert "<strong>Call</strong>" in page and "(+2 since the previous run (2026-01-01))" in page
    assert "1,333.75" in page and "2025-12-31" in page
    assert 'href="tables/churn_scores.csv"' in page and "Lost customers and revenue lost per reason." in page


def test_index_in_chinese(tmp_path):
    page = index_html(*_run(tmp_path / "run", lost=2, lang="zh"))
    assert '<html lang="zh">' in page and "客户分析报告" in page and "流失客户数" in page
    assert "第 3 章 客户流失原因分析" in page and "@font-face" in page


def test_no_change_shown_for_another_data_source(tmp_path):
    index_html(*_run(tmp_path / "a", lost=5, finished="2026-01-01T00:00:00"))
    result, info = _run(tmp_path / "b", lost=7)
    index_html(result, {**info, "data_sha256": "other"})
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert all("change" not in f for f in summary["chapters"][0]["key_figures"])
