"""notebooks/05_customer_care.ipynb: the session run on the teaching data (after chapters 1-4) and a run alone."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crm_analysis.core import paths
from crm_analysis.data.privacy import find_raw_pii

NOTEBOOK = paths.NOTEBOOKS_DIR / "05_customer_care.ipynb"

pytestmark = pytest.mark.slow


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    """Every output of the executed notebook as one searchable text (JSON; non-ASCII kept)."""
    return json.dumps([cell.get("outputs", []) for cell in nb.cells], ensure_ascii=False)


@pytest.fixture(scope="module")
def teaching_run(report_run) -> tuple[Path, nbformat.NotebookNode]:
    """Chapter 5 of the session's run on the teaching data (tests/conftest.py), after chapters 1-4."""
    assert report_run.exit_code == 0
    return report_run.out, report_run.notebook(NOTEBOOK.stem)


@pytest.fixture(scope="module")
def alone_run(tmp_path_factory: pytest.TempPathFactory, execute_notebook) -> tuple[Path, nbformat.NotebookNode]:
    out = tmp_path_factory.mktemp("care-alone")
    return out, execute_notebook(NOTEBOOK, out, lang="zh")


def test_committed_notebook_is_clean_and_parameterised():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert "report.prepare(" in code[1].source and "run_dir=output_dir" in code[1].source
    assert sum("solution" in c.metadata.get("tags", []) for c in code) >= 3
    assert code[-1].source.strip() == "report.versions()"
    headings = [c.source.splitlines()[0] for c in nb.cells if c.cell_type == "markdown" and c.source.startswith("## ")
                and "lang-zh" not in c.metadata.get("tags", [])]
    assert headings[:7] == ["## 1. The customer log (客户日志)", "## 2. Visit plan kept? (访问计划)",
                            "## 3. Service standards (服务标准)", "## 4. Complaints (投诉分析)",
                            "## 5. Service recovery (服务补救)", "## 6. Satisfaction (满意度)",
                            "## 7. What to do with this (管理建议)"]


def test_teaching_run_uses_chapter_4_tiers_and_checks_the_visit_plan(teaching_run):
    out, nb = teaching_run
    assert "Value tiers and values are chapter 4's" in _outputs_text(nb)
    plan = pd.read_csv(out / "tables" / "care_visit_plan.csv").set_index("tier")
    assert plan.index.tolist() == ["A", "B", "C"]
    assert plan["plan_days"].tolist() == [30, 90, 365]
    assert plan["on_time_share"].between(0, 1).all()
    assert (plan["on_time"] + plan["overdue"] <= plan["customers"]).all()
    overdue = pd.read_csv(out / "tables" / "care_overdue.csv")
    assert overdue["value_at_risk"].is_monotonic_decreasing and (overdue["overdue_days"] > 0).all()
    checks = pd.read_csv(out / "tables" / "care_truth_checks.csv")  # with chapter 4's tiers too
    plan_checks = checks[checks["check"].str.startswith("visit plan")]
    assert len(plan_checks) == 3 and plan_checks["holds"].all()
    assert plan_checks["chapter"].round(4).tolist() == plan["on_time_share"].round(4).tolist()


def test_teaching_run_service_figures_and_care_list(teaching_run):
    out, _nb = teaching_run
    log = pd.read_csv(paths.TEACHING_DIR / "interactions.csv")
    complaints = log[log["kind"] == "complaint"]
    standards = pd.read_csv(out / "tables" / "care_service_standards.csv").iloc[0]
    # Cleaning may quarantine a few rows: the rate is that of the clean complaints, close to the file's.
    file_rate = complaints["resolved"].astype(str).str.lower().eq("true").mean()
    assert standards["resolution_rate"] == pytest.approx(file_rate, abs=0.01)
    pareto = pd.read_csv(out / "tables" / "care_complaint_pareto.csv")
    assert pareto["complaints"].sum() == standards["resolution_known"]
    for name in ("care_recovery", "care_recovery_truth"):  # observed (bought again) and the generator's truth
        recovery = pd.read_csv(out / "tables" / f"{name}.csv").set_index("group")
        assert recovery.loc["not resolved", "ci_high"] < 0  # unresolved complaints: fewer customers kept
    calls = pd.read_csv(out / "tables" / "care_call_list.csv")
    assert 0 < len(calls) <= 25 and set(calls["reason"]) <= {"unresolved complaint", "visit overdue"}


def test_teaching_run_shows_no_raw_personal_data(teaching_run):
    out, nb = teaching_run
    customers = pd.read_csv(paths.TEACHING_DIR / "customers.csv", dtype="string")
    text = _outputs_text(nb) + "".join(
        (out / "tables" / f"{name}.csv").read_text(encoding="utf-8") for name in ("care_overdue", "care_call_list"))
    assert find_raw_pii(text, customers["phone"].dropna(), customers["email"].dropna()) == []


def test_alone_in_chinese_it_says_where_the_tiers_come_from(alone_run):
    out, nb = alone_run
    text = _outputs_text(nb)
    assert "ABC" in text and "本章单独运行" in text
    assert "Tier A customers" not in text and "级客户按计划" in text
    assert (out / "tables" / "care_visit_plan.csv").is_file()
    checks = pd.read_csv(out / "tables" / "care_truth_checks.csv")  # the generator's truth, recovered
    assert len(checks) == 10 and checks["holds"].all()  # 4 service times, topics, 2 recovery, 3 tiers
    assert "已与生成器的真实情况核对：10 项检查中 10 项成立。" in text
    funnel = pd.read_csv(out / "tables" / "care_loyalty_funnel.csv")  # moved here from chapter 4
    assert funnel["stage"].tolist() == ["customers", "rated", "satisfied", "repeat buyer", "recommender"]
    assert funnel["customers"].is_monotonic_decreasing and funnel["customers"].iloc[-1] > 0


CFPB = paths.PROJECT_ROOT.parent / "shared" / "data" / "cfpb-consumer-complaints-sample" / "complaints_sample.csv"


@pytest.mark.skipif(not CFPB.is_file(), reason="../shared/data/cfpb-consumer-complaints-sample/ is not here")
def test_cfpb_sample_runs_the_log_sections_and_keeps_the_registers_timely_share(tmp_path, execute_notebook):
    nb = execute_notebook(NOTEBOOK, tmp_path, data_source=str(CFPB))
    raw = pd.read_csv(CFPB, dtype="string")
    standards = pd.read_csv(tmp_path / "tables" / "care_service_standards.csv").iloc[0]
    assert standards["contacts"] == len(raw)
    assert standards["timely_share"] == pytest.approx((raw["Timely response?"] == "Yes").mean(), abs=5e-5)
    assert pd.isna(standards["reopen_rate"])  # no customer link: re-opens cannot be followed
    gaps = pd.read_csv(tmp_path / "tables" / "care_log_gaps.csv").set_index("gap")
    assert gaps.loc["contacts without a customer key", "rows"] == len(raw)
    topics = pd.read_csv(tmp_path / "tables" / "care_complaint_topics.csv")
    assert topics["texts"].sum() == raw["Consumer complaint narrative"].notna().sum()
    match = pd.read_csv(tmp_path / "tables" / "care_topic_match.csv").iloc[0]
    assert match["accuracy"] >= match["majority_baseline"]
    text = _outputs_text(nb)
    assert "section 2 is skipped" in text and "XXXX" not in topics.to_csv()
    assert not (tmp_path / "tables" / "care_visit_plan.csv").exists()
    # A log alone: the analysis date is the day after its last contact, said in words (not today's date).
    as_of = (pd.to_datetime(raw["Date received"], format="mixed").max() + pd.Timedelta(days=1)).date()
    assert f"Analysis date (as of): {as_of}, the day after the last dated event in the data." in text
