"""Tests of crm_analysis.churn.plots: every chart draws on a given axes and returns its figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from crm_analysis import churn

PARETO = pd.DataFrame({"reason_category": ["price", "service"], "customers": [3, 1], "cumulative_share": [0.75, 1.0]})
CURVES = pd.DataFrame({"group": ["a", "a"], "time": [1.0, 2.0], "retention": [0.8, 0.5], "se": [0.1, 0.1],
                       "customers": [5, 5]})
BRIDGE = pd.DataFrame({"component": ["start", "new", "lost", "end"], "amount": [10.0, 3.0, -4.0, 9.0]})
DRIVERS = pd.DataFrame({"feature": ["a", "b"], "importance": [0.1, 0.05], "std": [0.01, 0.01]})


@pytest.mark.parametrize("draw", [
    lambda ax: churn.plot_interpurchase_times(churn.InactivityWindow(30, 0.9, pd.Series([5.0, 10.0, 40.0])), ax=ax),
    lambda ax: churn.plot_pareto(PARETO, ax=ax),
    lambda ax: churn.plot_kaplan_meier(CURVES, "retention", ax=ax),
    lambda ax: churn.plot_waterfall(BRIDGE, ax=ax),
    lambda ax: churn.plot_drivers(DRIVERS, ax=ax),
    lambda ax: churn.plot_confusion(pd.DataFrame([[3, 1], [0, 2]], index=["p", "s"], columns=["p", "s"]), ax=ax),
])
def test_plots_draw_on_the_given_axes_and_return_its_figure(draw):
    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert draw(right) is fig
    assert right.has_data() or right.images
    assert not left.has_data()  # nothing drawn elsewhere


def test_model_checks_draw_on_a_given_pair_of_axes():
    rng = np.random.default_rng(0)
    f = pd.DataFrame({"x": rng.normal(size=200)})
    models = churn.fit_churn_models(churn.ChurnDataset(f, pd.Series(f["x"] > 0), None), seed=0)
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert churn.plot_model_checks(models, axes=axes) is fig
    assert [len(ax.lines) for ax in axes] == [3, 3]  # reference line + one per model
