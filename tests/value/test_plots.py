"""Tests of crm_analysis.value.plots: every chart draws into a given axes and returns its figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd

from crm_analysis import value


def test_plots_draw_into_the_given_axes() -> None:
    fig, axes = plt.subplots(1, 3)
    holdout = pd.DataFrame({"frequency": ["0", "1+"], "actual": [0.2, 1.5], "predicted": [0.25, 1.4]})
    backtest = pd.DataFrame({"decile": [1, 2], "predicted_value": [5.0, 9.0], "realised_value": [4.0, 11.0]})
    at_risk = pd.DataFrame({"seg": ["x", "y"], "clv": [100.0, 40.0], "value_at_risk": [30.0, 20.0]})
    assert value.plot_holdout_by_frequency(holdout, ax=axes[0]) is fig
    assert value.plot_clv_backtest(backtest, ax=axes[1]) is fig
    assert value.plot_value_at_risk(at_risk, "seg", ax=axes[2]) is fig
    assert [len(ax.patches) for ax in axes] == [4, 4, 4]
    assert axes[2].get_title() == "Value at risk (风险价值) by seg"
    plt.close(fig)


def test_tracking_draws_into_a_pair_of_axes() -> None:
    fig, pair = plt.subplots(1, 2)
    t = pd.DataFrame({"week": [1, 2, 3], "actual_weekly": [1, 2, 1], "predicted_weekly": [1.2, 1.5, 1.1],
                      "period": ["calibration", "calibration", "holdout"]})
    t["actual_cumulative"], t["predicted_cumulative"] = t["actual_weekly"].cumsum(), t["predicted_weekly"].cumsum()
    assert value.plot_tracking(t, title="x", ax=pair) is fig
    assert [len(ax.lines) for ax in pair] == [3, 3]  # actual, forecast, end of calibration
    plt.close(fig)
