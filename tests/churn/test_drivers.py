"""Tests of crm_analysis.churn.drivers: churn models on a time-based split, gains, drivers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import churn
from crm_analysis.core.errors import CRMDataError


@pytest.fixture(scope="module")
def fitted(synthetic):
    data = synthetic
    md = churn.model_data(data, "2025-01-01", window_days=90)
    return churn.fit_churn_models(md.train, md.test, seed=0), md


def test_models_use_a_time_based_split_and_find_the_signal(fitted):
    models, md = fitted
    assert md.note.startswith("time-based") and md.train.cut_off < md.test.cut_off
    evaluation = churn.evaluate_models(models).set_index("model")
    assert (evaluation["roc_auc"] > 0.75).all()
    assert (evaluation["top_decile_lift"] > 1.5).all()
    drivers = churn.permutation_drivers(models, seed=0, n_repeats=2)
    assert drivers.iloc[:3]["feature"].str.contains("contacts|complaint").any()  # the complaint signal


def test_gains_table_properties():
    rng = np.random.default_rng(0)
    y = rng.random(500) < 0.2
    score = y + rng.random(500)
    g = churn.gains_table(y, score)
    assert len(g) == 10 and g["customers"].sum() == 500
    assert g["cumulative_share_of_churners"].iloc[-1] == pytest.approx(1.0)
    assert g["cumulative_share_of_churners"].is_monotonic_increasing
    assert g.loc[0, "lift"] > 3


def test_single_class_labels_raise():
    ds = churn.ChurnDataset(pd.DataFrame({"x": [1.0, 2.0]}), pd.Series([True, True]), None)
    with pytest.raises(CRMDataError, match="single class"):
        churn.fit_churn_models(ds)


def test_churn_model_beats_chance_on_teaching_data(teaching):
    data = teaching.clean
    window = churn.choose_inactivity_window(data.transactions)
    md = churn.model_data(data, teaching.as_of, window_days=window.days, price_rise_date="2024-07-01")
    evaluation = churn.evaluate_models(churn.fit_churn_models(md.train, md.test, seed=42))
    assert (evaluation["roc_auc"] > 0.65).all() and (evaluation["top_decile_lift"] > 1.5).all()


# --- fit diagnostics: data built to trigger each problem, and the status that names it -------------------

def _fit(features: dict, churned) -> churn.ChurnModels:
    return churn.fit_churn_models(churn.ChurnDataset(pd.DataFrame(features), pd.Series(churned), None), seed=0)


def _signal(n: int = 600, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return rng, x, x + rng.normal(size=n) > 0


def test_a_well_posed_fit_is_converged():
    rng, x, y = _signal()
    models = _fit({"x": x, "noise": rng.normal(size=len(x))}, y)
    assert models.converged and models.status == "ok"
    assert models.diagnostics["ok"].all() and len(models.diagnostics) == 5
    assert churn.fit_note(models).startswith("The churn model's fit checks passed")


@pytest.mark.parametrize("quasi", [False, True])
def test_separation_is_named(quasi):
    rng, x, y = _signal()
    if quasi:  # a rare flag: every flagged customer churned, the others are mixed
        flag = (rng.random(len(x)) < 0.05).astype(float)
        features, y = {"flag": flag, "x": x}, y | (flag > 0)
    else:  # complete: the churners are exactly those with x > 0
        features, y = {"flag": x, "noise": rng.normal(size=len(x))}, x > 0
    models = _fit(features, y)
    assert not models.converged
    assert models.status.startswith("separation: flag → ±∞")
    assert "x" not in models.diagnostics.set_index("check").loc["separation", "features"].split(", ")
    assert "separate churners from the others" in churn.fit_note(models)


@pytest.mark.parametrize(("jitter", "word"), [(0.0, "singular"), (1e-3, "collinear")])
def test_collinear_features_are_named(jitter, word):
    rng, x, y = _signal()
    copy = x + jitter * rng.normal(size=len(x))  # the same feature twice (exactly, or nearly)
    models = _fit({"x": x, "copy": copy, "noise": rng.normal(size=len(x))}, y)
    row = models.diagnostics.set_index("check").loc["collinearity"]
    assert not models.converged and not row["ok"]
    assert set(row["features"].split(", ")) == {"x", "copy"}
    assert models.status.startswith("collinear: x, copy")
    assert (row["value"] > churn.drivers.SINGULAR) == (word == "singular")
    assert ("carry the same information" if word == "singular" else "move almost together") in churn.fit_note(models)


def test_one_hot_groups_and_constant_columns_are_not_collinearity():
    rng, x, y = _signal()
    level = rng.choice(["a", "b", "c"], size=len(x))
    features = {"x": x, "constant": np.zeros(len(x)), **{f"region={v}": (level == v).astype(float) for v in "abc"}}
    models = _fit(features, y)
    assert models.diagnostics.set_index("check").loc["collinearity", "ok"], models.status


def test_too_few_events_per_feature_is_named():
    rng, x, _ = _signal(120)
    y = np.zeros(120, dtype=bool)
    y[np.argsort(-x)[:30]] = True  # 30 churners; 21 in the 70% training split, over 12 features
    features = {"x": x, **{f"f{i}": rng.normal(size=120) for i in range(11)}}
    models = _fit(features, y)
    row = models.diagnostics.set_index("check").loc["events_per_feature"]
    assert row["value"] == pytest.approx(21 / 12) and not row["ok"]
    assert "too few events: 1.8 per feature < 10" in models.status and not models.converged
    assert "churners per feature" in churn.fit_note(models)


def test_class_imbalance_is_named():
    rng, x, _ = _signal(2000)
    y = x + rng.normal(size=2000) > 2.3  # about 4% churn
    models = _fit({"x": x}, y)
    share = y.mean()
    assert models.status == f"class imbalance: rarer outcome {share:.1%} < 10%" and not models.converged
    assert f"{1 - share:.1%} accurate" in churn.fit_note(models)


def test_a_solver_stopped_early_is_named():
    from sklearn.exceptions import ConvergenceWarning

    rng, x, y = _signal()
    features = pd.DataFrame({"x": x, "noise": rng.normal(size=len(x))})
    pipeline = churn.drivers.churn_estimators(0)["logistic_regression"]
    pipeline[-1].set_params(max_iter=1)
    with pytest.warns(ConvergenceWarning):
        pipeline.fit(features, y)
    diagnostics = churn.diagnose_logistic_fit(pipeline, features, pd.Series(y), solver_warned=True)
    assert churn.drivers.fit_status(diagnostics) == "not converged: solver stopped after 1 of 1 iterations"


def test_teaching_fit_names_the_spend_identity(teaching):
    """gross spend = orders x average order value: three features that cannot be told apart."""
    data = teaching.clean
    window = churn.choose_inactivity_window(data.transactions)
    md = churn.model_data(data, teaching.as_of, window_days=window.days, price_rise_date="2024-07-01")
    models = churn.fit_churn_models(md.train, md.test, seed=42)
    checks = models.diagnostics.set_index("check")
    assert checks.drop("collinearity")["ok"].all()
    assert {"gross_spend", "avg_order_value"} <= set(checks.loc["collinearity", "features"].split(", "))
