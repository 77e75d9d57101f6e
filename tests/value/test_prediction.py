"""Tests of crm_analysis.value.prediction: predicted value, churn risk, the customer value table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.core import handoff
from crm_analysis.models.clv import GammaGammaModel


def test_predict_value_ranges_and_horizon_discount_effects(simulated_summary, simulated_models) -> None:
    one_year = value.predict_value(simulated_summary, simulated_models, horizon=52, discount_rate=0.1,
                                   alive_model="bgnbd")
    assert list(one_year.columns[:4]) == ["p_alive", "expected_purchases", "expected_order_value", "clv"]
    assert one_year["p_alive"].between(0, 1).all()
    assert (one_year["clv"] >= 0).all() and one_year["clv"].notna().all()
    two_years = value.predict_value(simulated_summary, simulated_models, horizon=104, discount_rate=0.1,
                                    alive_model="bgnbd")
    assert (two_years["expected_purchases"] >= one_year["expected_purchases"] - 1e-12).all()
    no_discount = value.predict_value(simulated_summary, simulated_models, horizon=52, discount_rate=0.0,
                                      alive_model="bgnbd")
    # Undiscounted CLV over the horizon = expected purchases x expected order value exactly.
    np.testing.assert_allclose(no_discount["clv"], no_discount["expected_purchases"]
                               * no_discount["expected_order_value"], rtol=1e-9)
    assert one_year["clv"].sum() < no_discount["clv"].sum()


def test_predict_value_rejects_unknown_alive_model_and_warns_without_pareto(simulated_summary,
                                                                            simulated_models) -> None:
    with pytest.raises(ValueError, match="alive_model"):
        value.predict_value(simulated_summary, simulated_models, alive_model="magic")
    with pytest.warns(UserWarning, match="Pareto/NBD was not fitted"):
        out = value.predict_value(simulated_summary, simulated_models, alive_model="pareto_nbd")
    assert out.attrs["alive_model"] == "bgnbd"
    pd.testing.assert_series_equal(out["p_alive"], out["p_alive_bgnbd"], check_names=False)


def test_expected_order_value_falls_back_when_population_mean_is_infinite() -> None:
    gg = GammaGammaModel.from_params(p=4.0, q=0.7, v=10.0)
    models = value.ValueModels(None, gg, None, "W", [])
    summary = pd.DataFrame({"frequency": [0, 1, 3], "monetary_value": [0.0, 50.0, 20.0]})
    out = value.expected_order_value(models, summary)
    assert np.isfinite(out).all()
    assert out.iloc[0] == pytest.approx(35.0)  # median of the repeat buyers' spend (50, 20)
    # shrinkage with one pseudo-order at the median, not Gamma-Gamma's exploding weights
    assert out.iloc[2] == pytest.approx((3 * 20.0 + 35.0) / 4)
    assert out.iloc[1] == pytest.approx((50.0 + 35.0) / 2)
    assert out.attrs["spend_rule"].startswith("shrinkage")


@pytest.mark.parametrize("q", [0.4, 0.9, 1.05])
def test_expected_order_value_stays_within_the_cap_of_own_orders(q: float) -> None:
    """Heavy-tailed spend (q <= 1, or an interval reaching 1): nobody's value beyond 3x their own mean."""
    rng = np.random.default_rng(11)
    frequency = rng.integers(0, 6, size=400)
    spend = np.where(frequency > 0, rng.pareto(0.8, size=400) * 20 + 1, 0.0)  # mean barely exists
    summary = pd.DataFrame({"frequency": frequency, "monetary_value": spend})
    models = value.ValueModels(None, GammaGammaModel.from_params(p=2.0, q=q, v=10.0), None, "W", [])
    if q > 1:  # a fitted model whose q interval reaches 1 is treated the same way
        fitted = GammaGammaModel().fit(frequency[frequency > 0], spend[frequency > 0])
        models = value.ValueModels(None, fitted, None, "W", [])
        assert not value.spend_model_is_finite(fitted)
    out = value.expected_order_value(models, summary)
    repeat = summary["frequency"] > 0
    assert (out[repeat] <= value.fitting.SPEND_CAP * summary.loc[repeat, "monetary_value"] + 1e-9).all()
    assert np.isfinite(out).all() and out.attrs["spend_rule"].startswith("shrinkage")


def test_churn_risk_prefers_chapter_3_scores(tmp_path) -> None:
    p_alive = pd.Series([0.9, 0.4], index=pd.Index(["a", "b"], dtype="string"))
    scores = pd.DataFrame({"churn_probability": [0.7, 0.1], "status": ["active", "active"]},
                          index=pd.Index(["a", "zzz"], name="customer_id"))
    handoff.publish(scores, "churn_scores", tmp_path, source="test")
    fetched = handoff.fetch("churn_scores", tmp_path, source="test")
    risk = value.churn_risk(p_alive, fetched.frame)
    assert risk.loc["a", "churn_risk"] == pytest.approx(0.7)
    assert risk.loc["a", "risk_source"] == "chapter 3 churn model"
    assert risk.loc["b", "churn_risk"] == pytest.approx(0.6) and risk.loc["b", "risk_source"] == "1 - P(alive)"
    missing = handoff.fetch("churn_scores", tmp_path / "absent", source="test")
    assert not missing.available and "chapter 3" in missing.note
    assert (value.churn_risk(p_alive, missing.frame)["risk_source"] == "1 - P(alive)").all()
    # a frame with a customer_id column works too
    risk = value.churn_risk(p_alive, scores.reset_index())
    assert risk.loc["a", "churn_risk"] == pytest.approx(0.7)


def test_publish_customer_value_hands_the_result_on(tmp_path) -> None:
    history = pd.DataFrame({"revenue": [500.0, 20.0], "n_orders": [5, 1]},
                           index=pd.Index(["a", "b"], name="customer_id"))
    prediction = pd.DataFrame({"p_alive": [0.9, 0.2], "expected_purchases": [3.0, 0.1],
                               "expected_order_value": [100.0, 20.0], "clv": [280.0, 1.5]}, index=history.index)
    table = value.customer_value_table(history, prediction, tier_shares=(0.5, 0.9))
    value.publish_customer_value(table, tmp_path, source="test")
    back = handoff.fetch("customer_value", tmp_path, source="test")
    assert back.available
    assert back.frame.loc["a", "value_tier"] == "A" and back.frame.loc["b", "clv"] == pytest.approx(1.5)
    assert not handoff.fetch("customer_value", tmp_path, source="other").available


def test_customer_value_table_export_and_top_customers_mask_pii() -> None:
    history = pd.DataFrame({"revenue": [500.0, 20.0, 80.0], "n_orders": [5, 1, 2]},
                           index=pd.Index(["a", "b", "c"], name="customer_id"))
    prediction = pd.DataFrame({"p_alive": [0.9, 0.2, 0.7], "expected_purchases": [3.0, 0.1, 1.0],
                               "expected_order_value": [100.0, 20.0, 40.0], "clv": [280.0, 1.5, 38.0]},
                              index=history.index)
    table = value.customer_value_table(history, prediction, tier_shares=(0.34, 0.67))
    assert table.index.tolist() == ["a", "c", "b"]
    assert table.loc["a", "service_level"] == "one_to_one"
    assert table.loc["b", "service_level"] == "let_go"
    exported = value.export_customer_value(table)
    assert exported.columns.tolist() == ["customer_id", "historical_value", "p_alive", "expected_purchases",
                                         "expected_order_value", "clv", "value_tier", "service_level"]
    cards = pd.DataFrame({"customer_id": ["a", "b", "c"], "name": ["张伟", "李娜", "王芳"],
                          "phone": ["13812345678", "13900001111", "13700002222"],
                          "email": ["zw@example.com", "ln@example.com", "wf@example.com"]})
    top = value.top_customers(table, cards, n=2)
    text = top.to_csv()
    assert top["customer_id"].tolist() == ["a", "c"]
    for raw in ("13812345678", "zw@example.com", "张伟", "13700002222"):
        assert raw not in text
    assert value.top_customers(table, cards, n=1, show_pii=True).loc[0, "phone"] == "13812345678"


def test_teaching_expected_order_values_stay_within_three_times_the_largest_purchase(teaching) -> None:
    """The issue's case: Gamma-Gamma's q = 0.61 on the teaching data (no finite mean spend). No repeat buyer's
    expected order value exceeds 3x their largest purchase day; one-time buyers get the repeat buyers' median
    mean spend, not the infinite population mean."""
    summary, tx = teaching["summary"], teaching["data"].transactions
    models = value.fit_value_models(summary)
    gg = models.gamma_gamma
    assert gg.params_["q"] < 1 and gg.summary().set_index("parameter").loc["q", "upper_95"] < 1
    assert not value.spend_model_is_finite(gg)
    out = value.expected_order_value(models, summary)
    assert out.attrs["spend_rule"].startswith("shrinkage to the median") and np.isfinite(out).all()
    days = tx.groupby(["customer_id", tx["order_date"].dt.normalize()])["amount"].sum()
    largest_day = days.groupby(level=0).max().reindex(summary.index)
    repeat = (summary["frequency"] > 0) & (summary["monetary_value"] > 0)
    assert (out[repeat] <= value.fitting.SPEND_CAP * largest_day[repeat] + 1e-9).all()
    median = summary.loc[repeat, "monetary_value"].median()
    assert out[~repeat].eq(median).all()
    # the CLV list is no longer led by 2-order customers with an expected order value in the tens of thousands
    assert out.max() <= value.fitting.SPEND_CAP * summary["monetary_value"].max()
