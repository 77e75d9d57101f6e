"""Fit diagnostics: data sets that push each parameter to a bound, and the status that names it."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from crm_analysis.core.paths import CDNOW_DIR
from crm_analysis.models.clv import (
    BetaGeoModel,
    ConvergenceWarning,
    GammaGammaModel,
    ParetoNBDModel,
    simulate_bgnbd,
    simulate_gamma_gamma,
)
from crm_analysis.models.clv.base import log_scale_interval


def _quiet_fit(model: object, *columns: object) -> object:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(*columns)  # type: ignore[attr-defined]


def _rfm(seed: int = 3, **params: float) -> pd.DataFrame:
    return simulate_bgnbd(40.0, n_customers=3000, seed=seed, **params)


def test_cdnow_fits_are_interior_and_identified() -> None:
    cdnow = pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        bg = BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
        pn = ParetoNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
        gg = GammaGammaModel().fit(cdnow["x"][cdnow["x"] > 0], cdnow["zbar"][cdnow["x"] > 0])
    for model in (bg, pn, gg):
        assert model.converged_ and model.status_ == "ok"
        assert model.diagnostics_["identified"].all()
        assert (model.diagnostics_["log_standard_error"] < 1.0).all()


@pytest.mark.parametrize("seed", [3, 4])
def test_no_dropout_is_named(seed: int) -> None:
    """Nobody leaves: BG/NBD's a -> 0 / b -> inf and Pareto/NBD's beta -> inf, never 'converged'."""
    data = _rfm(seed, r=0.5, alpha=5.0, a=1e-4, b=1e3)
    with pytest.warns(ConvergenceWarning, match="no measurable dropout"):
        bg = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    assert bg.converged_ is False and bg.optimizer_converged_ is True
    assert bg.status_.startswith("boundary:")
    assert "a → 0" in bg.status_ and "b → ∞" in bg.status_
    flagged = bg.diagnostics_.set_index("parameter")
    assert flagged.loc["a", "direction"] == "0" and not flagged.loc["a", "identified"]
    assert flagged.loc["r", "identified"] and flagged.loc["alpha", "identified"]
    pn = _quiet_fit(ParetoNBDModel(), data["frequency"], data["recency"], data["T"])
    assert pn.converged_ is False
    assert "beta → ∞" in pn.status_ and "no measurable dropout" in pn.status_


def test_same_dropout_for_everyone_is_named() -> None:
    data = _rfm(r=0.5, alpha=5.0, a=3e4, b=1e5)
    bg = _quiet_fit(BetaGeoModel(), data["frequency"], data["recency"], data["T"])
    assert bg.converged_ is False
    assert "a, b → ∞" in bg.status_ and "same dropout probability" in bg.status_
    pn = _quiet_fit(ParetoNBDModel(), data["frequency"], data["recency"], data["T"])
    assert pn.converged_ is False and "s, beta → ∞" in pn.status_


def test_same_purchase_rate_for_everyone_is_named() -> None:
    data = _rfm(r=1e4, alpha=5e4, a=0.8, b=2.5)
    bg = _quiet_fit(BetaGeoModel(), data["frequency"], data["recency"], data["T"])
    assert bg.converged_ is False
    assert "r, alpha → ∞" in bg.status_ and "same rate" in bg.status_


def test_gamma_gamma_orders_of_fixed_value_are_named() -> None:
    data = _rfm(r=0.5, alpha=5.0, a=0.8, b=2.5)
    spend = simulate_gamma_gamma(data["frequency"], p=1e5, q=4.0, v=15.0, seed=2)
    keep = data["frequency"] > 0
    gg = _quiet_fit(GammaGammaModel(), data["frequency"][keep], spend[keep])
    assert gg.converged_ is False
    assert "p → ∞" in gg.status_ and "same value" in gg.status_


def test_intervals_are_on_the_log_scale_and_positive() -> None:
    data = simulate_bgnbd(40.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=300, seed=5)  # small: wide intervals
    bg = _quiet_fit(BetaGeoModel(), data["frequency"], data["recency"], data["T"])
    assert (bg.summary()["standard_error"] > 0.3 * bg.params_.to_numpy()).any()
    table = bg.summary()
    finite = table["standard_error"].notna()
    assert (table.loc[finite, "lower_95"] > 0).all()
    assert (table.loc[finite, "lower_95"] < table.loc[finite, "value"]).all()
    # the interval is symmetric in log(value): value / lower == upper / value
    ratio = table.loc[finite, "value"] / table.loc[finite, "lower_95"]
    assert np.allclose(ratio, table.loc[finite, "upper_95"] / table.loc[finite, "value"])
    low, high = log_scale_interval(np.array([362.0]), np.array([623.0]))  # a Wald interval would start at -859
    assert 0 < low[0] < 362 < high[0]
    low, _ = log_scale_interval(np.array([2.0]), np.array([np.nan]))
    assert np.isnan(low[0])


def test_given_parameters_are_not_called_fitted() -> None:
    model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    assert model.status_.startswith("given")
