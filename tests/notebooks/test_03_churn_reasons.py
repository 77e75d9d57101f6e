"""Chapter 3, executed in the session run on the teaching data: the tables it wrote."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crm_analysis.core import handoff, paths

NOTEBOOK = paths.NOTEBOOKS_DIR / "03_churn_reasons.ipynb"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run(report_run):
    """Chapter 3 of the session's run on the teaching data (tests/conftest.py), after chapters 1 and 2."""
    return report_run.out, report_run.notebook(NOTEBOOK.stem)


def table(out: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(out / "tables" / f"{name}.csv")


def test_committed_notebook_is_clean_and_parameterised():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "parameters" in code[0].metadata.get("tags", [])
    assert sum("solution" in c.metadata.get("tags", []) for c in code) >= 3
    assert code[-1].source.strip() == "report.versions()"
    assert nb.metadata["kernelspec"]["name"] == "python3"


def test_churn_scores_table(run):
    scores = table(run[0], "churn_scores")
    assert list(scores.columns[:6]) == ["customer_id", "churn_probability", "reason_1", "reason_2", "reason_3",
                                        "inferred_reason"]
    assert scores["customer_id"].is_unique
    assert scores["churn_probability"].between(0, 1).all()
    lost = scores[scores["status"] == "lost"]
    assert lost["inferred_reason"].notna().all() and (lost["churn_probability"] == 1).all()
    assert scores["reason_1"].str.contains("unresolved complaint").any()


def test_churn_reasons_table(run):
    reasons = table(run[0], "churn_reasons")
    assert list(reasons.columns) == ["reason_category", "customers", "lost_revenue", "source"]
    assert set(reasons["source"]) == {"stated", "inferred"}
    assert (reasons["lost_revenue"] > 0).all()


def test_inferred_reason_accuracy_reported_and_above_targets(run):
    accuracy = table(run[0], "reason_accuracy")
    model, baseline = accuracy["accuracy"].iloc[0], accuracy["accuracy"].iloc[-1]
    assert model >= 0.7 and model > baseline


def test_model_metrics_shown(run):
    metrics = table(run[0], "churn_model_metrics").set_index("model")
    assert set(metrics.index) == {"logistic_regression", "gradient_boosting"}
    assert (metrics["roc_auc"] > 0.65).all() and (metrics["top_decile_lift"] > 1.5).all()


def test_revenue_bridge_adds_up(run):
    bridge = table(run[0], "revenue_bridge").set_index("component")["amount"]
    assert list(bridge.index) == ["start", "new", "reactivated", "expansion", "contraction", "lost", "end"]
    assert round(bridge.iloc[:-1].sum() - bridge["end"], 2) == 0


def test_figures_are_shown(run):
    images = sum("image/png" in o.get("data", {}) for c in run[1].cells if c.cell_type == "code" for o in c.outputs)
    assert images >= 9  # window, confusion, 2 paretos, model checks, drivers, 2 KM curves, waterfall


def test_churn_scores_handed_to_chapter_4(run, teaching_data):
    got = handoff.fetch("churn_scores", run[0], source=teaching_data.source)
    assert got.available, got.note
    scores = table(run[0], "churn_scores").set_index("customer_id")
    assert got.frame.index.equals(pd.Index(scores.index, dtype="string", name="customer_id"))
    assert (got.frame["status"].to_numpy() == scores["status"].to_numpy()).all()


def test_segments_come_through_the_handoff_and_the_lost_count_is_explained(run):
    source = "".join("".join(c.source) for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code")
    assert "segments.csv" not in source and 'handoff.fetch("segments"' in source
    shown = "".join(o.get("data", {}).get("text/markdown", "") for c in run[1].cells if c.cell_type == "code"
                    for o in c.outputs)
    assert "silent for longer than the inactivity window, plus" in shown
