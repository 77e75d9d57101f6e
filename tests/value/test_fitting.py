"""Tests of crm_analysis.value.fitting: model fitting, fit table, drift."""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.core.errors import CRMDataError
from crm_analysis.models.clv import BetaGeoModel


def test_fit_value_models_recovers_simulated_parameters(simulated_models: value.ValueModels) -> None:
    params = simulated_models.bgnbd.params_
    assert params["r"] == pytest.approx(0.5, rel=0.15)
    assert params["alpha"] == pytest.approx(6.0, rel=0.2)
    assert simulated_models.gamma_gamma.params_["p"] == pytest.approx(6.0, rel=0.35)
    assert simulated_models.pareto_nbd is None


def test_fit_value_models_refuses_too_little_data() -> None:
    tiny = pd.DataFrame({"frequency": [0, 1, 0], "recency": [0.0, 2.0, 0.0], "T": [5.0, 5.0, 5.0],
                         "monetary_value": [0.0, 10.0, 0.0]})
    with pytest.raises(CRMDataError, match="too few"):
        value.fit_value_models(tiny)


def test_expected_purchases_stays_finite_in_the_bgnbd_limit() -> None:
    # Huge a, b with p = a / (a + b) = 0.05: the general formula overflows; the limit must agree
    # with a moderately large (a, b) where the general formula is still accurate.
    limit = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=5e5, b=9.5e6)
    moderate = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=50.0, b=950.0)
    f, rec, age = np.array([0.0, 3.0, 10.0]), np.array([0.0, 20.0, 40.0]), np.array([50.0, 50.0, 50.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        reference = np.asarray(moderate.expected_purchases(39.0, f, rec, age))
    assert np.isfinite(reference).all()
    got = value.expected_purchases(limit, 39.0, f, rec, age)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, reference, rtol=0.03)
    new = limit.expected_purchases_new_customer(np.array([10.0, 52.0]))
    np.testing.assert_allclose(new, moderate.expected_purchases_new_customer(np.array([10.0, 52.0])), rtol=0.03)


def test_model_comparison_lists_both_models(cdnow_paper: dict) -> None:
    table = value.model_comparison(cdnow_paper["models"], cdnow_paper["summary"])
    assert table["model"].tolist() == ["BG/NBD", "Pareto/NBD"]
    assert (table["actual_holdout_purchases"] == cdnow_paper["summary"]["frequency_holdout"].sum()).all()
    assert table["predicted_holdout_purchases"].between(1500, 2300).all()


def test_parameter_drift_flags_large_and_missing_parameters() -> None:
    previous = pd.DataFrame({"model": ["BG/NBD"] * 3, "parameter": ["r", "a", "b"], "value": [0.25, 0.8, 2.4]})
    current = pd.DataFrame({"model": ["BG/NBD"] * 3, "parameter": ["r", "a", "s"], "value": [0.26, 1.2, 1.0]})
    drift = value.parameter_drift(current, previous, threshold=0.25).set_index("parameter")
    assert not drift.loc["r", "drifted"]
    assert drift.loc["a", "drifted"] and drift.loc["a", "relative_change"] == pytest.approx(0.5)
    assert drift.loc["b", "drifted"] and drift.loc["s", "drifted"]  # present in only one run


def test_find_previous_model_fit_picks_latest_sibling_on_same_source(tmp_path) -> None:
    def write(run: str, source: str, mtime: float) -> None:
        folder = tmp_path / run / "tables"
        folder.mkdir(parents=True)
        path = folder / "model_fit.csv"
        pd.DataFrame({"model": ["BG/NBD"], "parameter": ["r"], "value": [0.2], "source": [source]}).to_csv(path)
        os.utime(path, (mtime, mtime))

    now = time.time()
    write("20250101-000000", "teaching", now - 300)
    write("20250201-000000", "teaching", now - 200)
    write("20250301-000000", "cdnow", now - 100)  # newer, but other data
    current = tmp_path / "20250401-000000"
    write(current.name, "teaching", now)  # the current run itself is never "previous"
    write(".20250315-000000.partial", "teaching", now - 50)  # a run still being written (or killed)
    write(".20250316-000000.private", "teaching", now - 40)  # a hand-off set aside
    found = value.find_previous_model_fit(current, source="teaching")
    assert found is not None and found.parent.parent.name == "20250201-000000"
    assert value.find_previous_model_fit(current).parent.parent.name == "20250301-000000"
    assert value.find_previous_model_fit(tmp_path / "elsewhere" / "run", source="teaching") is None


def test_model_fit_table_has_intervals(simulated_models: value.ValueModels) -> None:
    table = value.model_fit_table(simulated_models, source="sim")
    assert set(table["model"]) == {"BG/NBD", "Gamma-Gamma"}
    assert table["parameter"].tolist()[:4] == ["r", "alpha", "a", "b"]
    assert (table["standard_error"] > 0).all()
    assert (table["ci_low"] < table["value"]).all() and (table["value"] < table["ci_high"]).all()
    assert (table["source"] == "sim").all()


def test_drift_check_reads_the_previous_sibling_run(tmp_path) -> None:
    current = pd.DataFrame({"model": ["BG/NBD"] * 2, "parameter": ["r", "a"], "value": [0.26, 1.2],
                            "source": ["teaching"] * 2})
    first = value.drift_check(current, tmp_path / "run-2", source="teaching")
    assert first.table is None and first.kind == "note" and "cannot be checked" in first.note
    (tmp_path / "run-1" / "tables").mkdir(parents=True)
    current.assign(value=[0.25, 0.8]).to_csv(tmp_path / "run-1" / "tables" / "model_fit.csv", index=False)
    check = value.drift_check(current, tmp_path / "run-2", source="teaching", threshold=0.25)
    assert check.kind == "warning" and check.previous_run == "run-1"
    assert check.note == "1 parameter(s) moved more than 25% since the previous run (run-1): BG/NBD a"
    assert "run-1" in value.drift_check(current, tmp_path / "run-2", source="teaching", lang="zh").note
    calm = value.drift_check(current, tmp_path / "run-2", source="teaching", threshold=0.6)
    assert calm.kind == "ok" and calm.note == "No parameter moved more than 60% since run-1."
