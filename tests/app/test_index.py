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
    assert "<strong>Call</strong>" in page and "(+2 since the previous run of 2026-01-01)" in page
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


def _care_and_tier_tables(folder: Path) -> None:
    tables = folder / "tables"
    tables.mkdir(parents=True)
    pd.DataFrame({"tier": ["A", "B", "C"], "plan_days": [30.0, 90.0, 365.0], "customers": [10, 20, 30],
                  "on_time": [4, 5, 6], "on_time_share": [0.4, 0.25, 0.2], "overdue": [6, 15, 24]}).to_csv(
        tables / "care_visit_plan.csv", index=False)
    pd.DataFrame({"contacts": [90], "resolution_rate": [0.612]}, index=["all"]).to_csv(
        tables / "care_service_standards.csv")
    pd.DataFrame({"topic": ["refund", "delivery"], "complaints": [9, 4]}).to_csv(
        tables / "care_complaint_pareto.csv", index=False)
    pd.DataFrame({"customer_id": ["C1", "C2", "C3"], "reason": ["unresolved complaint"] + ["visit overdue"] * 2}
                 ).to_csv(tables / "care_call_list.csv", index=False)
    # ABC tier A (chapter 2, share of revenue so far) and value tier A (chapter 4) are different groups
    pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"], "abc_tier": ["A", "A", "B", "C"],
                  "monetary": [500.0, 300.0, 150.0, 50.0]}).to_csv(tables / "segments.csv", index=False)
    pd.DataFrame({"customer_id": ["C1", "C2", "C3", "C4"], "value_tier": ["A", "B", "B", "C"],
                  "clv": [100.0, 50.0, 20.0, 1.0]}).to_csv(tables / "customer_value.csv", index=False)


def _chapters(folder: Path, lang: str) -> tuple[RunResult, dict]:
    chapters = []
    for name in ("02_segmentation", "04_customer_value", "05_customer_care"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# Chapter {name[1]} — Demo (示例)")])
        nb.metadata["papermill"] = {"parameters": {"lang": lang}}
        nbformat.write(nb, folder / f"{name}.ipynb")
        (folder / f"{name}.html").write_text("<h2 id='x'>x</h2>", encoding="utf-8")
        chapters.append(ChapterResult(name, folder / "x.ipynb", folder / f"{name}.ipynb", html=folder / f"{name}.html"))
    info = {"data_source": "teaching", "data_sha256": "s", "as_of": "2025-12-31", "started": "t0",
            "finished": "t1", "seconds": 1.0, "parameters": {"lang": lang}}
    return RunResult(out_dir=folder, chapters=chapters), info


def test_chapter_5_on_the_index_and_each_tier_a_by_its_own_name(tmp_path):
    _care_and_tier_tables(tmp_path)
    page = index_html(*_chapters(tmp_path, "en"))
    summary = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    figures = {c["name"]: {f["label"]: f["value"] for f in c["key_figures"]} for c in summary["chapters"]}
    assert figures["05_customer_care"] == {
        "customers overdue for a planned contact": 45, "share of value tier A contacted on time": 0.4,
        "share of matters resolved": 0.612, "most frequent complaint topic": "refund",
        "customers on this week's care-call list": 3}
    assert figures["02_segmentation"]["customers in ABC tier A"] == 2
    assert figures["02_segmentation"]["revenue share of ABC tier A"] == 0.8
    assert figures["04_customer_value"]["customers in value tier A"] == 1
    assert "A-tier" not in page and "61.2%" in page and "45</span> customers overdue" in page
    chapter_5 = summary["chapters"][2]
    assert chapter_5["description"].startswith("Who is contacted as planned")
    assert "This week&#x27;s care calls: unresolved complaints, then overdue customers." in page
    assert page.index("care_call_list.csv") > page.index("customer_value.csv")  # grouped after chapter 4


def test_chapter_5_and_tiers_on_the_chinese_index(tmp_path):
    _care_and_tier_tables(tmp_path)
    page = index_html(*_chapters(tmp_path, "zh"))
    assert '<html lang="zh">' in page
    for words in ("ABC 等级 A 的客户数", "价值等级 A 的客户数", "计划联系已逾期的客户数", "事项解决率",
                  "本周关怀回访名单上的客户数", "本周关怀回访：先是未解决的投诉", "哪些客户按计划得到联系"):
        assert words in page, words
    assert "A 类客户" not in page


def test_a_run_still_being_written_is_never_the_previous_run(tmp_path):
    """A killed or concurrent run's hidden .DIR.partial folder holds a summary.json too: never compared."""
    index_html(*_run(tmp_path / "20260101", lost=5, finished="2026-01-01T00:00:00"))
    index_html(*_run(tmp_path / ".20260103.partial", lost=1, finished="2026-01-03T00:00:00"))
    index_html(*_run(tmp_path / "20260104", lost=7))
    summary = json.loads((tmp_path / "20260104" / "summary.json").read_text(encoding="utf-8"))
    assert summary["previous_run"] == "2026-01-01T00:00:00"
    figures = {f["label"]: f for f in summary["chapters"][0]["key_figures"]}
    assert figures["lost customers"]["change"] == 2
