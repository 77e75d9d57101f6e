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
