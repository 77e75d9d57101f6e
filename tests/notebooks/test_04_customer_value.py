"""notebooks/04_customer_value.ipynb: the session run on the teaching data, and a CDNOW run; its tables."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from crm_analysis.core import paths
from crm_analysis.data.privacy import find_raw_pii

NOTEBOOK = paths.NOTEBOOKS_DIR / "04_customer_value.ipynb"
CUSTOMER_VALUE_COLUMNS = ["customer_id", "historical_value", "p_alive", "expected_purchases",
                          "expected_order_value", "clv", "value_tier", "service_level"]

pytestmark = pytest.mark.slow


def _outputs_text(nb: nbformat.NotebookNode) -> str:
    parts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            for kind in ("text/plain", "text/markdown", "text/html"):
                parts.append(str(output.get("data", {}).get(kind, "")))
    return "\n".join(parts)


def _images(nb: nbformat.NotebookNode) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


@pytest.fixture(scope="module")
def teaching_run(report_run) -> tuple[Path, nbformat.NotebookNode, float]:
    """Chapter 4 of the session's run on the teaching data (tests/conftest.py), after chapters 1-3."""
    return report_run.out, report_run.notebook(NOTEBOOK.stem), report_run.seconds(NOTEBOOK.stem)


@pytest.fixture(scope="module")
def cdnow_run(tmp_path_factory: pytest.TempPathFactory,
              execute_notebook) -> Iterator[tuple[Path, nbformat.NotebookNode, float]]:
    reports = tmp_path_factory.mktemp("reports")
    # A previous run next to this one, with different parameters: the drift check must flag it.
    previous = reports / "20000101-000000" / "tables"
    previous.mkdir(parents=True)
    pd.DataFrame({"model": ["BG/NBD", "BG/NBD"], "parameter": ["r", "alpha"], "value": [0.9, 5.9]}).to_csv(
        previous / "model_fit.csv", index=False)
    run_dir = reports / "20000102-000000"
    start = time.perf_counter()
    nb = execute_notebook(NOTEBOOK, run_dir, data_source="cdnow")
    yield run_dir, nb, time.perf_counter() - start


def test_teaching_run_writes_customer_value_and_model_fit(teaching_run) -> None:
    run_dir, _nb, seconds = teaching_run
    table = pd.read_csv(run_dir / "tables" / "customer_value.csv")
    assert table.columns.tolist() == CUSTOMER_VALUE_COLUMNS
    assert table["customer_id"].is_unique and len(table) > 1000
    assert table["p_alive"].between(0, 1).all() and (table["clv"] >= 0).all()
    assert set(table["value_tier"]) == {"A", "B", "C"}
    assert set(table["service_level"]) == {"one_to_one", "proactive_gold", "responsive_silver", "win_back",
                                           "let_go"}
    fit = pd.read_csv(run_dir / "tables" / "model_fit.csv")
    assert {"BG/NBD", "Gamma-Gamma", "Pareto/NBD"} <= set(fit["model"])
    assert {"model", "parameter", "value", "standard_error", "ci_low", "ci_high"} <= set(fit.columns)
    print(f"chapter 4 on the teaching data: {seconds:.1f} s")


def test_teaching_run_checks_truth_funnel_and_value_at_risk(teaching_run) -> None:
    run_dir, nb, _ = teaching_run
    auc = pd.read_csv(run_dir / "tables" / "value_alive_auc.csv").set_index(["model", "customers"])["auc"]
    assert auc[("Pareto/NBD", "all")] >= 0.8
    at_risk = pd.read_csv(run_dir / "tables" / "value_at_risk.csv")
    assert at_risk["share_of_value_at_risk"].sum() == pytest.approx(1.0)
    paper = pd.read_csv(run_dir / "tables" / "value_paper_check.csv")
    core = paper.loc[paper["model"].isin(["BG/NBD", "Gamma-Gamma"])]
    assert core["relative_difference"].abs().max() < 0.01
    assert _images(nb) >= 6  # concentration, holdout, tracking x2, backtest, value at risk


def test_teaching_run_shows_no_raw_personal_data(teaching_run) -> None:
    run_dir, nb, _ = teaching_run
    customers = pd.read_csv(paths.TEACHING_DIR / "customers.csv", dtype="string")
    text = _outputs_text(nb) + (run_dir / "tables" / "customer_value.csv").read_text(encoding="utf-8")
    leaked = find_raw_pii(text, customers["phone"].dropna(), customers["email"].dropna())
    assert leaked == []


def test_cdnow_run_shows_holdout_validation(cdnow_run) -> None:
    run_dir, nb, seconds = cdnow_run
    tables = run_dir / "tables"
    tracking = pd.read_csv(tables / "value_tracking.csv")
    assert tracking["week"].max() == 78
    assert set(tracking["period"]) == {"calibration", "holdout"}
    assert (tracking.loc[tracking["period"] == "holdout", "week"] > 39).all()
    assert len(pd.read_csv(tables / "value_holdout_by_frequency.csv")) == 8
    backtest = pd.read_csv(tables / "value_backtest.csv")
    assert backtest["decile"].tolist() == list(range(1, 11))
    assert pd.read_csv(tables / "customer_value.csv").columns.tolist() == CUSTOMER_VALUE_COLUMNS
    text = _outputs_text(nb)
    assert "Week 78: forecast 4,166 cumulative repeat purchases, actual 4,339" in text
    assert "cannot be checked against the truth" in text
    assert _images(nb) >= 6
    print(f"chapter 4 on CDNOW: {seconds:.1f} s")


def test_cdnow_run_flags_drift_against_previous_run(cdnow_run) -> None:
    run_dir, nb, _ = cdnow_run
    text = _outputs_text(nb)
    assert "moved more than 25% since the previous run (20000101-000000)" in text
    assert (run_dir / "tables" / "model_fit.csv").is_file()
