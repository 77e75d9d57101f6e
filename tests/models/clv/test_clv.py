"""Tests of crm_analysis.models.clv: published CDNOW results, gradients, simulation recovery, failures."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import check_grad

from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.paths import CDNOW_DIR
from crm_analysis.models.clv import (
    BetaGeoModel,
    ConvergenceWarning,
    GammaGammaModel,
    NotFittedError,
    ParetoNBDModel,
    UndefinedValueWarning,
    bgnbd,
    cumulative_repeat_forecast,
    customer_lifetime_value,
    gammagamma,
    simulate_bgnbd,
    simulate_gamma_gamma,
)

PUBLISHED_BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005)
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "v": 15.44}  # Fader & Hardie (2013)
PUBLISHED_PNBD = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")


@pytest.fixture(scope="module")
def bg_fit(cdnow: pd.DataFrame) -> BetaGeoModel:
    return BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])


def _assert_within(params: pd.Series, published: dict[str, float], rel: float) -> None:
    for name, value in published.items():
        assert params[name] == pytest.approx(value, rel=rel), name


# ----------------------------------------------------------------------------- published CDNOW results


def test_bgnbd_cdnow_published_parameters(bg_fit: BetaGeoModel) -> None:
    _assert_within(bg_fit.params_, PUBLISHED_BG, 0.01)
    assert bg_fit.converged_
    assert bg_fit.n_customers_ == 2357
    assert bg_fit.log_likelihood_ == pytest.approx(-9582.4, abs=0.1)  # FHL 2005 report LL = -9582.4
    assert (bg_fit.standard_errors_ > 0).all()
    summary = bg_fit.summary()
    assert list(summary["parameter"]) == ["r", "alpha", "a", "b"]
    assert (summary["lower_95"] < summary["value"]).all()


def test_gamma_gamma_cdnow_published_parameters(cdnow: pd.DataFrame) -> None:
    model = GammaGammaModel().fit(cdnow["x"], cdnow["zbar"])
    _assert_within(model.params_, PUBLISHED_GG, 0.01)
    assert model.converged_
    assert model.n_customers_ == int((cdnow["x"] > 0).sum()) == 946


def test_pareto_nbd_cdnow_published_parameters(cdnow: pd.DataFrame) -> None:
    model = ParetoNBDModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    _assert_within(model.params_, PUBLISHED_PNBD, 0.01)
    assert model.converged_
    assert model.log_likelihood_ == pytest.approx(-9595.0, abs=0.1)


def test_customer_one_conditional_expectation(bg_fit: BetaGeoModel) -> None:
    published = BetaGeoModel.from_params(**PUBLISHED_BG)
    for model in (bg_fit, published):
        assert round(model.expected_purchases(39, 2, 30.43, 38.86), 3) == 1.226


def test_new_customer_expectation_week_78(bg_fit: BetaGeoModel) -> None:
    # Fitted parameters give 1.85797 (lifetimes 0.11.3 gives the same to 1e-6); the
    # published figure 1.8576 agrees within 5e-4. Rounded published parameters give 1.8605.
    assert bg_fit.expected_purchases_new_customer(78) == pytest.approx(1.8576, abs=5e-4)
    published = BetaGeoModel.from_params(**PUBLISHED_BG)
    assert published.expected_purchases_new_customer(78) == pytest.approx(1.8605, abs=1e-4)


def _cdnow_sample_lines() -> pd.DataFrame:
    return pd.read_csv(
        CDNOW_DIR / "CDNOW_sample.txt",
        sep=r"\s+",
        header=None,
        names=["master_id", "sample_id", "date", "cds", "dollars"],
        dtype={"date": str},
    )


def test_week_78_tracking_forecast(bg_fit: BetaGeoModel) -> None:
    lines = _cdnow_sample_lines()
    dates = pd.to_datetime(lines["date"], format="%Y%m%d")
    first = dates.groupby(lines["sample_id"]).min()
    t0 = ((first - pd.Timestamp("1997-01-01")).dt.days / 7).to_numpy()
    assert t0.max() < 12  # the cohort was acquired in the first 12 weeks
    forecast = cumulative_repeat_forecast(bg_fit, t0, horizon=78)
    assert len(forecast) == 78
    assert forecast.index[-1] == 78
    assert forecast.iloc[-1] == pytest.approx(4166, abs=1)
    assert (np.diff(forecast.to_numpy()) > 0).all()
    occasions = lines.drop_duplicates(["sample_id", "date"])
    actual = len(occasions) - lines["sample_id"].nunique()
    assert actual == 4339


# ----------------------------------------------------------------------------- predictions


def test_pareto_predictions_match_lifetimes_reference_values() -> None:
    # Reference values from lifetimes 0.11.3 ParetoNBDFitter with the published parameters.
    model = ParetoNBDModel.from_params(**PUBLISHED_PNBD)
    assert model.probability_alive(2, 30.43, 38.86) == pytest.approx(0.8691675591530107, rel=1e-9)
    assert model.probability_alive(0, 0, 38.86) == pytest.approx(0.29528660461689427, rel=1e-9)
    assert model.expected_purchases(39, 2, 30.43, 38.86) == pytest.approx(1.4551231932576019, rel=1e-9)
    assert model.expected_purchases_new_customer(39) == pytest.approx(1.213002844281016, rel=1e-9)


def test_pareto_heavy_buyers_match_high_precision_reference() -> None:
    # The naive 2F1 overflows for large x; the transformed form must stay finite and exact.
    # Reference P(alive) from the textbook formula evaluated with mpmath at 50 digits.
    model = ParetoNBDModel.from_params(**PUBLISHED_PNBD)
    x = np.array([50.0, 300.0, 1000.0, 300.0])
    t_x = np.array([38.0, 38.5, 38.8, 20.0])
    age = np.full(4, 38.86)
    assert np.isfinite(model.log_likelihood(x, t_x, age)).all()
    reference = [0.9834322501593504, 0.9844313424592457, 0.9985966811927508, 7.543592091752696e-61]
    np.testing.assert_allclose(model.probability_alive(x, t_x, age), reference, rtol=1e-10)


def test_bgnbd_prediction_shapes_and_limits() -> None:
    model = BetaGeoModel.from_params(**PUBLISHED_BG)
    series = pd.Series([0, 2, 10], index=["a", "b", "c"])
    alive = model.probability_alive(series, pd.Series([0, 30.43, 5.0]), 38.86)
    assert isinstance(alive, pd.Series) and list(alive.index) == ["a", "b", "c"]
    assert alive["a"] == 1.0  # no repeat purchase: alive under BG/NBD
    assert alive["c"] < 0.01  # many purchases, long silence
    assert model.expected_purchases(0, 2, 30.43, 38.86) == pytest.approx(0.0, abs=1e-12)
    assert model.expected_purchases_new_customer(0) == pytest.approx(0.0, abs=1e-12)


def test_customer_lifetime_value_without_discount_is_purchases_times_value() -> None:
    bg = BetaGeoModel.from_params(**PUBLISHED_BG)
    gg = GammaGammaModel.from_params(**PUBLISHED_GG)
    x, t_x, age, m = np.array([2, 0, 5]), np.array([30.43, 0, 20.0]), np.array([38.86] * 3), np.array([22.35, 0, 40])
    undiscounted = customer_lifetime_value(bg, gg, x, t_x, age, m, horizon=12, discount_rate=0.0)
    expected = np.asarray(bg.expected_purchases(12 * 4.348125, x, t_x, age)) * gg.expected_order_value(x, m)
    np.testing.assert_allclose(undiscounted, expected, rtol=1e-12)
    discounted = customer_lifetime_value(bg, gg, x, t_x, age, m, horizon=12, discount_rate=0.01)
    assert (discounted < undiscounted).all() and (discounted > 0.85 * undiscounted).all()
    longer = customer_lifetime_value(bg, gg, x, t_x, age, m, horizon=24, discount_rate=0.01)
    assert (longer > discounted).all()


def test_expected_order_value_shrinks_towards_population_mean() -> None:
    gg = GammaGammaModel.from_params(**PUBLISHED_GG)
    population = 6.25 * 15.44 / (3.74 - 1)
    assert gg.expected_order_value(0, 0) == pytest.approx(population)
    few, many = gg.expected_order_value([1, 50], [100.0, 100.0])
    assert population < few < many < 100.0


def test_independence_check_cdnow(cdnow: pd.DataFrame) -> None:
    out = GammaGammaModel.independence_check(cdnow["x"], cdnow["zbar"])
    assert out["n"] == 946
    assert out["pearson_r"] == pytest.approx(0.11, abs=0.01)  # Fader & Hardie (2013) report 0.11
    assert out["independent"] is True
    assert "acceptable" in out["verdict"]
    rng = np.random.default_rng(3)
    x = rng.integers(1, 20, 500)
    dependent = GammaGammaModel.independence_check(x, 5.0 * x + rng.normal(0, 1, 500))
    assert dependent["independent"] is False and "questionable" in dependent["verdict"]


# ----------------------------------------------------------------------------- estimation machinery


def test_weighted_fit_equals_expanded_fit(cdnow: pd.DataFrame) -> None:
    rng = np.random.default_rng(11)
    sub = cdnow.reset_index(drop=True)
    weights = rng.integers(1, 5, len(sub))
    expanded = sub.loc[sub.index.repeat(weights)]
    weighted = BetaGeoModel().fit(sub["x"], sub["t_x"], sub["T"], weights=weights)
    plain = BetaGeoModel().fit(expanded["x"], expanded["t_x"], expanded["T"])
    np.testing.assert_allclose(weighted.params_, plain.params_, rtol=1e-4)
    assert weighted.log_likelihood_ == pytest.approx(plain.log_likelihood_, rel=1e-9)
    assert weighted.n_customers_ == plain.n_customers_ == weights.sum()
    gg_w = GammaGammaModel().fit(sub["x"], sub["zbar"], weights=weights)
    gg_p = GammaGammaModel().fit(expanded["x"], expanded["zbar"])
    np.testing.assert_allclose(gg_w.params_, gg_p.params_, rtol=1e-4)


def test_analytic_gradients_agree_with_numerical(cdnow: pd.DataFrame) -> None:
    bg_data = bgnbd._prepare_counts(
        {"x": cdnow["x"].to_numpy(float), "t_x": cdnow["t_x"].to_numpy(), "T": cdnow["T"].to_numpy()},
        np.ones(len(cdnow)),
    )
    theta = np.log([0.3, 5.0, 0.7, 2.0])
    err = check_grad(lambda th: bgnbd._bgnbd_loglik(th, bg_data)[0], lambda th: bgnbd._bgnbd_loglik(th, bg_data)[1],
                     theta, epsilon=1e-6)
    norm = np.linalg.norm(bgnbd._bgnbd_loglik(theta, bg_data)[1])
    assert err / norm < 1e-5
    pos = cdnow[cdnow["x"] > 0]
    gg_data = GammaGammaModel._prepare(pos["x"].to_numpy(float), pos["zbar"].to_numpy(), np.ones(len(pos)))
    theta = np.log([5.0, 3.0, 12.0])
    err = check_grad(lambda th: gammagamma._gg_loglik(th, gg_data)[0], lambda th: gammagamma._gg_loglik(th, gg_data)[1],
                     theta, epsilon=1e-6)
    assert err / np.linalg.norm(gammagamma._gg_loglik(theta, gg_data)[1]) < 1e-5


def test_simulated_parameters_are_recovered() -> None:
    truth = {"r": 0.5, "alpha": 6.0, "a": 0.9, "b": 3.0}
    rng = np.random.default_rng(2024)
    ages = rng.uniform(20, 52, 20_000).round(1)
    data = simulate_bgnbd(ages, **truth, seed=20)
    model = BetaGeoModel().fit(data["frequency"], data["recency"], data["T"])
    assert model.converged_
    for name, value in truth.items():
        assert model.params_[name] == pytest.approx(value, rel=0.15), name
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
    gg_truth = {"p": 4.0, "q": 3.0, "v": 20.0}
    spend = simulate_gamma_gamma(data["frequency"], **gg_truth, seed=21)
    gg = GammaGammaModel().fit(data["frequency"], spend)
    for name, value in gg_truth.items():
        assert gg.params_[name] == pytest.approx(value, rel=0.15), name


# ----------------------------------------------------------------------------- failure paths


@pytest.mark.parametrize(
    ("frequency", "recency", "T", "message"),
    [
        ([1, -1], [1, 0], [5, 5], "frequency must be >= 0"),
        ([1.5, 1], [1, 1], [5, 5], "whole numbers"),
        ([1, 1], [6, 1], [5, 5], "recency must be <= T"),
        ([0, 1], [2, 1], [5, 5], "frequency 0 must have recency 0"),
        ([1, 1, 1], [1, 1], [5, 5], "same length"),
        ([1, np.nan], [1, 1], [5, 5], "missing or infinite"),
        ([1, 1], [-1, 1], [5, 5], "recency must be >= 0"),
    ],
)
def test_bad_inputs_raise_clear_errors(frequency: list, recency: list, T: list, message: str) -> None:
    with pytest.raises(CRMDataError, match=message):
        BetaGeoModel().fit(frequency, recency, T)


def test_gamma_gamma_bad_inputs() -> None:
    with pytest.raises(CRMDataError, match="> 0"):
        GammaGammaModel().fit([1, 2, 3], [10.0, 0.0, 5.0])
    with pytest.raises(CRMDataError, match="at least two"):
        GammaGammaModel().fit([0, 0, 1], [0.0, 0.0, 5.0])
    with pytest.raises(CRMDataError, match="weights"):
        GammaGammaModel().fit([1, 2], [3.0, 4.0], weights=[1, -1])


def test_use_before_fit_raises() -> None:
    for model in (BetaGeoModel(), ParetoNBDModel()):
        with pytest.raises(NotFittedError, match="not fitted"):
            model.probability_alive(1, 1, 5)
    with pytest.raises(NotFittedError):
        GammaGammaModel().expected_order_value(1, 5.0)
    with pytest.raises(ValueError, match="positive parameters"):
        BetaGeoModel.from_params(r=1, alpha=1, a=1)


def test_non_convergence_is_reported(cdnow: pd.DataFrame) -> None:
    with pytest.warns(ConvergenceWarning, match="did not converge"):
        model = BetaGeoModel(maxiter=1).fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert model.converged_ is False
    with pytest.warns(ConvergenceWarning):
        gg = GammaGammaModel(maxiter=1).fit(cdnow["x"], cdnow["zbar"])
    assert gg.converged_ is False


def test_converged_fit_is_silent(cdnow: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        assert BetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"]).converged_ is True


def test_forecast_arguments_are_checked() -> None:
    model = BetaGeoModel.from_params(**PUBLISHED_BG)
    with pytest.raises(ValueError, match="positive"):
        cumulative_repeat_forecast(model, [0, 1], horizon=10, step=0)
    with pytest.raises(ValueError, match=">= 0"):
        cumulative_repeat_forecast(model, [-1, 1], horizon=10)
    with pytest.raises(ValueError, match="t must be >= 0"):
        model.expected_purchases_new_customer(-1)


# ----------------------------------------------------------------------------- numerical edges

# References: E over p ~ beta(a, b + x) of (1 - ((alpha+T)/(alpha+T+p t))^(r+x)) / p, times the
# closed-form P(alive), integrated with mpmath.quad at 30 digits (the definition of eq. 10,
# with no hypergeometric function), for r = 0.6, alpha = 8, t = 39, T = 50.
RFM_EDGE = (np.array([0.0, 3.0, 10.0]), np.array([0.0, 20.0, 40.0]), np.array([50.0, 50.0, 50.0]))


def test_bgnbd_huge_a_b_matches_high_precision_reference() -> None:
    # A fit where the dropout probability hardly varies drives a, b to 1e5+; the 2F1 overflows there.
    model = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=5e5, b=9.5e6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow or invalid-value RuntimeWarnings either
        got = model.expected_purchases(39.0, *RFM_EDGE)
        new = model.expected_purchases_new_customer(np.array([10.0, 52.0]))
    np.testing.assert_allclose(got, [0.39290381495074738, 1.3018900661999087, 4.2506152423426339], rtol=1e-10)
    np.testing.assert_allclose(new, [0.71442320336669527, 3.1072458258678297], rtol=1e-10)
    # It approaches the fixed-dropout limit p = a / (a + b) = 0.05 ...
    limit = (1.0 - (8.0 / (8.0 + 0.05 * np.array([10.0, 52.0]))) ** 0.6) / 0.05
    np.testing.assert_allclose(new, limit, rtol=1e-6)
    # ... and is close to a moderate (a, b) with the same mean, evaluated with the closed form.
    x, _, age = RFM_EDGE
    moderate = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=50.0, b=950.0)
    closed = bgnbd._bgnbd_closed_form(50.0, np.full(3, 39.0), 8.0 + age, 950.0 + x, 0.6 + x)
    reference = closed * moderate.probability_alive(*RFM_EDGE)
    np.testing.assert_allclose(moderate.expected_purchases(39.0, *RFM_EDGE), reference, rtol=1e-9)
    np.testing.assert_allclose(got, reference, rtol=0.03)


def test_bgnbd_forecasts_stay_finite_for_huge_a_b() -> None:
    model = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=2e6, b=3e7)
    forecast = cumulative_repeat_forecast(model, [0.0, 0.0, 3.0], horizon=20)
    assert np.isfinite(forecast).all() and (np.diff(forecast.to_numpy()) > 0).all()
    gg = GammaGammaModel.from_params(**PUBLISHED_GG)
    value = customer_lifetime_value(model, gg, *RFM_EDGE, np.array([0.0, 20.0, 30.0]))
    assert np.isfinite(value).all() and (value > 0).all()


@pytest.mark.parametrize(("a", "b"), [(20.0, 380.0), (12.0, 3.0), (0.5, 2.0), (3.0, 7.0)])
def test_bgnbd_quadrature_agrees_with_closed_form_where_both_work(a: float, b: float) -> None:
    t, base = np.array([1.0, 39.0, 39.0, 150.0]), np.array([58.0, 58.0, 9.0, 8.0])
    x = np.array([0.0, 3.0, 30.0, 1.0])
    closed = bgnbd._bgnbd_closed_form(a, t, base, b + x, 0.6 + x)
    quadrature = bgnbd._bgnbd_quadrature(a, t, base, b + x, 0.6 + x)
    np.testing.assert_allclose(quadrature, closed, rtol=1e-8)


def test_bgnbd_at_a_equal_one_has_its_finite_limit() -> None:
    # Eq. 9 and eq. 10 are 0/0 at a = 1 (this used to raise ZeroDivisionError).
    new_ref = [0.61567004941953849, 2.0770496687292314]
    model = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=1.0, b=3.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        new = model.expected_purchases_new_customer(np.array([10.0, 52.0]))
        cond = model.expected_purchases(39.0, RFM_EDGE[0][:2], RFM_EDGE[1][:2], RFM_EDGE[2][:2])
    np.testing.assert_allclose(new, new_ref, rtol=1e-10)
    np.testing.assert_allclose(cond, [0.35898980339993323, 0.53558662808358896], rtol=1e-10)
    assert model.expected_purchases_new_customer(10.0) == pytest.approx(new_ref[0], rel=1e-10)


@pytest.mark.parametrize(
    ("a", "reference"),
    [
        (1.0 + 1e-4, [0.61566123062935299, 2.0769593088358804]),
        (1.0 - 1e-7, [0.61567005823864049, 2.0770497590941336]),
    ],
)
def test_bgnbd_near_a_equal_one_is_accurate(a: float, reference: list[float]) -> None:
    model = BetaGeoModel.from_params(r=0.6, alpha=8.0, a=a, b=3.0)
    np.testing.assert_allclose(model.expected_purchases_new_customer(np.array([10.0, 52.0])), reference, rtol=1e-9)


def test_bgnbd_expectation_is_smooth_across_a_equal_one() -> None:
    # Crossing the interpolation window edges (|a - 1| = 1e-3) must not jump.
    grid = 1.0 + np.array([-3e-3, -1.5e-3, -1.0001e-3, -0.9999e-3, 0.0, 0.9999e-3, 1.0001e-3, 1.5e-3, 3e-3])
    values = np.array([
        float(BetaGeoModel.from_params(r=0.6, alpha=8.0, a=a, b=3.0).expected_purchases(39.0, 3, 20.0, 50.0))
        for a in grid
    ])
    assert (np.diff(values) < 0).all()  # more dropout-prone (larger a) means fewer purchases
    fit = np.polynomial.Polynomial.fit(grid - 1.0, values, deg=3)
    np.testing.assert_allclose(values, fit(grid - 1.0), rtol=1e-9)


def test_gamma_gamma_heavy_tail_gives_values_where_defined() -> None:
    gg = GammaGammaModel.from_params(p=4.0, q=0.71, v=10.0)
    x = pd.Series([0, 1, 3], index=["one-time", "two", "four"])
    m = pd.Series([0.0, 50.0, 20.0], index=x.index)
    with pytest.warns(UndefinedValueWarning, match=r"q = 0\.71 <= 1.*NaN for 1 customer") as record:
        value = gg.expected_order_value(x, m)
    assert len([w for w in record if issubclass(w.category, UndefinedValueWarning)]) == 1
    assert isinstance(value, pd.Series) and list(value.index) == list(x.index)
    assert np.isnan(value["one-time"])
    assert value["two"] == pytest.approx(4.0 * (10.0 + 50.0) / (4.0 + 0.71 - 1.0))
    assert value["four"] == pytest.approx(4.0 * (10.0 + 60.0) / (12.0 + 0.71 - 1.0))
    # Repeat buyers can also be undefined when p x + q <= 1 (tiny p).
    with pytest.warns(UndefinedValueWarning):
        tiny = GammaGammaModel.from_params(p=0.1, q=0.5, v=10.0).expected_order_value([1, 6], [5.0, 5.0])
    assert np.isnan(tiny[0]) and tiny[1] == pytest.approx(0.1 * 40.0 / 0.1)


def test_gamma_gamma_defined_everywhere_is_silent() -> None:
    gg = GammaGammaModel.from_params(**PUBLISHED_GG)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(gg.expected_order_value([0, 1, 5], [0.0, 10.0, 30.0])).all()


def test_clv_with_heavy_tailed_spend_is_nan_only_where_undefined() -> None:
    bg = BetaGeoModel.from_params(**PUBLISHED_BG)
    gg = GammaGammaModel.from_params(p=4.0, q=0.71, v=10.0)
    with pytest.warns(UndefinedValueWarning):
        value = customer_lifetime_value(bg, gg, *RFM_EDGE, np.array([0.0, 20.0, 30.0]))
    assert np.isnan(value[0]) and np.isfinite(value[1:]).all() and (value[1:] > 0).all()
