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
    ModifiedBetaGeoModel,
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


@pytest.mark.parametrize(
    ("params", "named"),
    [({"p": 1e5, "q": 4.0, "v": 15.0}, "p → ∞ (each customer's orders are always of the same value"),
     # q, v -> inf with p v / (q - 1) fixed: every customer's mean order value is the same (15 x 6 = 90)
     ({"p": 6.0, "q": 1e7, "v": 1.5e8}, "q, v → ∞ (every customer has the same mean spend per order")],
    ids=["fixed-order-value", "same-mean-spend"],
)
def test_gamma_gamma_parameter_at_a_bound_is_named(params: dict, named: str) -> None:
    data = _rfm(r=0.5, alpha=5.0, a=0.8, b=2.5)
    spend = simulate_gamma_gamma(data["frequency"], seed=2, **params)
    keep = data["frequency"] > 0
    gg = _quiet_fit(GammaGammaModel(), data["frequency"][keep], spend[keep])
    assert gg.converged_ is False and named in gg.status_
    p, q, v = gg.params_[["p", "q", "v"]]
    truth = params["p"] * params["v"] / (params["q"] - 1)
    assert p * v / (q - 1) == pytest.approx(truth, rel=0.05)  # the mean spend that is measured is still right


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


# Each parameter pushed to a bound by the data it is fitted to, and the status that names it. Together with
# the tests above: BG/NBD a -> 0, b -> inf, (a, b) -> inf, (r, alpha) -> inf; Pareto/NBD beta -> inf,
# (s, beta) -> inf (and s -> 0 on Online Retail, tests/value/test_real_online_retail.py); Gamma-Gamma below.
@pytest.mark.parametrize(
    ("model", "params", "named"),
    [
        (ModifiedBetaGeoModel, {"r": 0.5, "alpha": 5.0, "a": 1e-4, "b": 1e3},
         "a → 0, b → ∞ (no measurable dropout"),
        (ModifiedBetaGeoModel, {"r": 1e4, "alpha": 5e4, "a": 0.8, "b": 2.5},
         "r, alpha → ∞ (every customer buys at the same rate"),
        (ParetoNBDModel, {"r": 1e7, "alpha": 5e7, "a": 0.8, "b": 2.5},
         "r, alpha → ∞ (every customer buys at the same rate"),
    ],
    ids=["mbgnbd-no-dropout", "mbgnbd-same-rate", "paretonbd-same-rate"],
)
def test_purchase_model_parameter_at_a_bound_is_named(model: type, params: dict, named: str) -> None:
    data = _rfm(**params)
    fitted = _quiet_fit(model(), data["frequency"], data["recency"], data["T"])
    assert fitted.converged_ is False and fitted.optimizer_converged_ is True
    assert fitted.status_.startswith("boundary:") and named in fitted.status_
    flagged = set(named.split(" → ")[0].replace(",", "").split()) | (
        {"b"} if named.startswith("a → 0") else set())
    table = fitted.diagnostics_.set_index("parameter")
    assert set(table.index[~table["identified"]]) >= flagged


def test_a_very_small_purchase_shape_is_estimated_not_called_a_bound() -> None:
    """r -> 0 (almost everyone never buys again, a few buy a lot) is not a bound finite data reach: with
    r = 0.0005 only 11 of 3,000 customers repeat, yet the likelihood pins r down. The diagnostics must not
    cry wolf there; the rule that would name r -> 0 (log r below -9) is the one tested above for a and s."""
    data = _rfm(r=0.0005, alpha=0.005, a=0.8, b=2.5)
    assert int((data["frequency"] > 0).sum()) < 20
    fitted = _quiet_fit(BetaGeoModel(), data["frequency"], data["recency"], data["T"])
    assert fitted.status_ == "ok" and fitted.converged_
    assert 0.0002 < fitted.params_["r"] < 0.001
