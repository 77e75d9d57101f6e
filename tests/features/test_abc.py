"""Tests of crm_analysis.features.abc: ABC tiers, concentration, the Lorenz curve, the Pareto chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from crm_analysis.features.abc import abc_tiers, concentration, lorenz_curve, plot_pareto

SEED = 20240601


def skewed_spend(n: int = 400) -> pd.Series:
    """Spend per customer with a long right tail, like real customers."""
    rng = np.random.default_rng(SEED)
    return pd.Series(rng.poisson(3, n) * rng.lognormal(4.0, 0.8, n))


def test_abc_tiers_use_cumulative_share_thresholds():
    monetary = pd.Series([500.0, 300.0, 100.0, 50.0, 30.0, 20.0], index=list("abcdef"))
    # shares before each customer: 0, .5, .8, .9, .95, .98
    assert abc_tiers(monetary).tolist() == ["A", "A", "B", "B", "C", "C"]
    assert abc_tiers(monetary, a=0.5, b=0.9).tolist() == ["A", "B", "B", "C", "C", "C"]


def test_abc_tiers_are_order_independent_and_handle_negative_values():
    monetary = pd.Series([10.0, -5.0, 80.0, 10.0, 0.0], index=list("vwxyz"))
    tiers = abc_tiers(monetary)
    assert tiers["x"] == "A" and tiers["w"] == "C" and tiers["z"] == "C"
    reversed_tiers = abc_tiers(monetary.iloc[::-1])
    assert reversed_tiers.sort_index().tolist() == tiers.sort_index().tolist()


@pytest.mark.parametrize(("a", "b"), [(0.9, 0.8), (0.0, 0.5), (0.8, 1.2)])
def test_abc_tiers_reject_bad_thresholds(a, b):
    with pytest.raises(ValueError, match="0 < a < b <= 1"):
        abc_tiers(pd.Series([1.0]), a=a, b=b)


def test_concentration_matches_hand_computed_values():
    equal = concentration(pd.Series([5.0] * 10))
    assert equal["gini"] == pytest.approx(0.0) and equal["top_share_of_revenue"] == pytest.approx(0.2)
    skewed = concentration(pd.Series([0.0] * 9 + [100.0]))
    assert skewed["gini"] == pytest.approx(0.9)
    assert skewed["top_share_of_revenue"] == pytest.approx(1.0)
    assert skewed["customer_share_for_80pct"] == pytest.approx(0.1)


def test_lorenz_curve_runs_from_zero_to_one_and_is_convex():
    curve = lorenz_curve(skewed_spend())
    assert curve.iloc[0].tolist() == [0.0, 0.0]
    assert curve.iloc[-1].tolist() == pytest.approx([1.0, 1.0])
    assert (np.diff(curve["revenue_share"], 2) >= -1e-12).all()


def test_plot_pareto_draws_both_curves_on_new_or_given_axes():
    spend = skewed_spend()
    fig = plot_pareto(spend)
    assert len(fig.axes) == 2
    assert fig.axes[1].get_title() == f"Lorenz curve: Gini = {concentration(spend)['gini']:.2f}"
    outer, axes = plt.subplots(2, 1)
    assert plot_pareto(spend, axes=axes) is outer
    assert axes[0].get_xlabel() == "% of customers (largest first)" and len(axes[1].get_lines()) == 2
    plt.close("all")
