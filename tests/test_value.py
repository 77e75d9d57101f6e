"""Tests for crm_analysis.value (chapter 4: customer value).

Small fixtures are built here; the CDNOW checks use the shipped sample in data/cdnow/, and the
truth-based checks use data/teaching/ when it exists (skipped otherwise).
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.core import paths
from crm_analysis.core.errors import CRMDataError
from crm_analysis.models.clv import BetaGeoModel, GammaGammaModel, simulate_bgnbd, simulate_gamma_gamma

SEED = 20240601


# --------------------------------------------------------------------------- fixtures


def _tx(rows: list[tuple]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["order_id", "customer_id", "order_date", "amount", "status"])
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame = frame.astype({"order_id": "string", "customer_id": "string", "status": "string",
                          "amount": "Float64"})
    frame.index = pd.RangeIndex(2, len(frame) + 2, name="source_row")
    return frame


@pytest.fixture(scope="module")
def simulated_summary() -> pd.DataFrame:
    """3,000 customers simulated from known BG/NBD and Gamma-Gamma parameters (weeks)."""
    rng = np.random.default_rng(SEED)
    ages = rng.uniform(10, 60, size=3000)
    summary = simulate_bgnbd(ages, r=0.5, alpha=6.0, a=0.8, b=2.5, seed=SEED)
    summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6.0, q=4.0, v=15.0, seed=SEED)
    summary.index = pd.Index([f"C{i:05d}" for i in range(len(summary))], name="customer_id")
    return summary


@pytest.fixture(scope="module")
def simulated_models(simulated_summary: pd.DataFrame) -> value.ValueModels:
    return value.fit_value_models(simulated_summary, pareto=False)


@pytest.fixture(scope="module")
def cdnow_paper() -> dict:
    return value.paper_replication()


# --------------------------------------------------------------------------- historical value


def test_historical_value_nets_returns_ignores_cancelled_and_future_lines() -> None:
    tx = _tx([
        ("O1", "A", "2024-01-01", 100.0, "completed"),
        ("O1", "A", "2024-01-01", 20.0, "completed"),  # second line of the same order
        ("O2", "A", "2024-01-05", 50.0, "completed"),
        ("R1", "A", "2024-01-09", -20.0, "returned"),
        ("O3", "A", "2024-01-10", 999.0, "cancelled"),
        ("O4", "B", "2024-01-03", 30.0, "completed"),
        ("O5", "B", "2024-02-01", 70.0, "completed"),  # on as_of: excluded
        ("O6", "C", "2024-01-04", 40.0, "cancelled"),  # never bought
    ])
    out = value.historical_value(tx, as_of="2024-02-01")
    assert list(out.index) == ["A", "B"]
    assert out.loc["A", "revenue"] == pytest.approx(150.0)
    assert out.loc["A", "gross_revenue"] == pytest.approx(170.0)
    assert out.loc["A", "orders"] == 2
    assert out.loc["A", "returns"] == 1 and out.loc["A", "returned_value"] == pytest.approx(20.0)
    assert out.loc["A", "average_order_value"] == pytest.approx(85.0)
    assert out.loc["B", "revenue"] == pytest.approx(30.0)
    assert out.loc["A", "tenure_days"] == 31 and out.loc["B", "recency_days"] == 29


def test_historical_value_without_status_treats_negative_amounts_as_returns() -> None:
    tx = _tx([("O1", "A", "2024-01-01", 100.0, None), ("O2", "A", "2024-01-02", -40.0, None)])
    out = value.historical_value(tx.drop(columns=["status", "order_id"]), as_of="2024-01-10")
    assert out.loc["A", "revenue"] == pytest.approx(60.0)
    assert out.loc["A", "orders"] == 1 and out.loc["A", "returns"] == 1


def test_historical_value_names_the_missing_column() -> None:
    tx = _tx([("O1", "A", "2024-01-01", 1.0, "completed")]).drop(columns=["amount"])
    with pytest.raises(CRMDataError, match="'amount'"):
        value.historical_value(tx, as_of="2024-02-01")


def test_concentration_summary_matches_hand_computed_figures() -> None:
    revenue = pd.Series([50.0, 30.0, 10.0, 6.0, 4.0], index=list("vwxyz"))
    out = value.concentration_summary(revenue)["value"]
    assert out["top_20pct_value_share"] == pytest.approx(0.5)
    assert out["tier_A_customers"] == 2 and out["tier_A_value_share"] == pytest.approx(0.8)
    assert out["tier_C_customers"] == 1
    assert 0 < out["gini"] < 1


# --------------------------------------------------------------------------- models and prediction


def test_fit_value_models_recovers_simulated_parameters(simulated_models: value.ValueModels) -> None:
    params = simulated_models.bgnbd.params_
    assert params["r"] == pytest.approx(0.5, rel=0.15)
    assert params["alpha"] == pytest.approx(6.0, rel=0.2)
    assert simulated_models.gamma_gamma.params_["p"] == pytest.approx(6.0, rel=0.35)
    assert simulated_models.pareto_nbd is None


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


def test_fit_value_models_refuses_too_little_data() -> None:
    tiny = pd.DataFrame({"frequency": [0, 1, 0], "recency": [0.0, 2.0, 0.0], "T": [5.0, 5.0, 5.0],
                         "monetary_value": [0.0, 10.0, 0.0]})
    with pytest.raises(CRMDataError, match="too few"):
        value.fit_value_models(tiny)


def test_expected_order_value_falls_back_when_population_mean_is_infinite() -> None:
    gg = GammaGammaModel.from_params(p=4.0, q=0.7, v=10.0)
    models = value.ValueModels(None, gg, None, "W", [])
    summary = pd.DataFrame({"frequency": [0, 1, 3], "monetary_value": [0.0, 50.0, 20.0]})
    out = value.expected_order_value(models, summary)
    assert np.isfinite(out).all()
    assert out.iloc[0] == pytest.approx(35.0)  # median of the repeat buyers' spend (50, 20)
    assert out.iloc[2] == pytest.approx(4.0 * (10.0 + 3 * 20.0) / (4.0 * 3 + 0.7 - 1.0))


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


# --------------------------------------------------------------------------- CDNOW: the published results


def test_paper_replication_matches_published_parameters(cdnow_paper: dict) -> None:
    params = cdnow_paper["parameters"]
    core = params.loc[params["model"].isin(["BG/NBD", "Gamma-Gamma"])]
    assert core["relative_difference"].abs().max() < 0.01, core
    assert len(cdnow_paper["summary"]) == 2357


def test_paper_replication_week_78_tracking(cdnow_paper: dict) -> None:
    assert cdnow_paper["week_78"]["actual"] == 4339
    assert cdnow_paper["week_78"]["forecast"] == pytest.approx(4166, abs=5)
    tracking = cdnow_paper["tracking"]
    assert tracking["week"].tolist() == list(range(1, 79))
    assert (tracking.loc[tracking["week"] <= 39, "period"] == "calibration").all()
    assert (tracking.loc[tracking["week"] > 39, "period"] == "holdout").all()
    np.testing.assert_allclose(tracking["predicted_weekly"].cumsum(), tracking["predicted_cumulative"])


def test_holdout_by_frequency_on_cdnow(cdnow_paper: dict) -> None:
    table = value.holdout_by_frequency(cdnow_paper["summary"], cdnow_paper["models"].bgnbd)
    assert table["frequency"].tolist() == ["0", "1", "2", "3", "4", "5", "6", "7+"]
    assert table["customers"].sum() == 2357
    # The model tracks the conditional expectations: within 35% in every group, closer for x = 0.
    assert table.loc[0, "predicted"] == pytest.approx(table.loc[0, "actual"], rel=0.1)
    assert ((table["predicted"] - table["actual"]).abs() / table["actual"] < 0.35).all()


def test_clv_backtest_by_decile_on_cdnow(cdnow_paper: dict) -> None:
    summary = cdnow_paper["summary"]
    table = value.clv_backtest_by_decile(summary, cdnow_paper["models"])
    assert table["decile"].tolist() == list(range(1, 11))
    assert table["customers"].sum() == len(summary)
    mean_predicted = table["predicted_value"] / table["customers"]
    assert mean_predicted.is_monotonic_increasing
    realised_total = (summary["frequency_holdout"] * summary["monetary_value_holdout"]).sum()
    assert table["realised_value"].sum() == pytest.approx(realised_total)
    # The top decile is where most value is realised, and the forecast is in the right range.
    assert table["realised_value"].iloc[-1] == table["realised_value"].max()
    assert table["predicted_value"].sum() == pytest.approx(realised_total, rel=0.3)


def test_model_comparison_lists_both_models(cdnow_paper: dict) -> None:
    table = value.model_comparison(cdnow_paper["models"], cdnow_paper["summary"])
    assert table["model"].tolist() == ["BG/NBD", "Pareto/NBD"]
    assert (table["actual_holdout_purchases"] == cdnow_paper["summary"]["frequency_holdout"].sum()).all()
    assert table["predicted_holdout_purchases"].between(1500, 2300).all()


# --------------------------------------------------------------------------- tracking on a tiny case


def test_tracking_table_counts_repeat_purchases_per_week() -> None:
    tx = _tx([
        ("1", "A", "2024-01-01", 10.0, "completed"),
        ("2", "A", "2024-01-01", 5.0, "completed"),  # same day: one occasion
        ("3", "A", "2024-01-09", 10.0, "completed"),  # week 2
        ("4", "B", "2024-01-03", 10.0, "completed"),
        ("5", "B", "2024-01-20", 10.0, "returned"),  # not a purchase
        ("6", "B", "2024-01-22", 10.0, "completed"),  # week 4 (holdout)
        ("7", "C", "2024-01-25", 10.0, "completed"),  # first purchase after calibration: not in cohort
        ("8", "C", "2024-01-26", 10.0, "completed"),
    ])
    model = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=1.5, b=3.0)
    table = value.tracking_table(tx, model, calibration_end="2024-01-14", as_of="2024-01-29")
    assert table["week"].tolist() == [1, 2, 3, 4]
    assert table["actual_weekly"].tolist() == [0, 1, 0, 1]
    assert table["actual_cumulative"].tolist() == [0, 1, 1, 2]
    assert table["period"].tolist() == ["calibration", "calibration", "holdout", "holdout"]
    expected_week1 = model.expected_purchases_new_customer(1.0) + model.expected_purchases_new_customer(1 - 2 / 7)
    assert table.loc[0, "predicted_cumulative"] == pytest.approx(expected_week1)


# --------------------------------------------------------------------------- model record and drift


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


# --------------------------------------------------------------------------- truth, tiers, actions


def test_alive_auc_requires_both_classes() -> None:
    truth = pd.DataFrame({"customer_id": ["a", "b"], "is_churned": [False, False]})
    with pytest.raises(CRMDataError, match="both alive and churned"):
        value.alive_auc(pd.Series([0.3, 0.9], index=["a", "b"]), truth)


def test_value_tiers_service_levels_and_action_matrix() -> None:
    clv = pd.Series(np.arange(100, 0, -1, dtype="float64"), index=[f"c{i}" for i in range(100)])
    tiers = value.value_tiers(clv, shares=(0.1, 0.4))
    assert tiers.value_counts().to_dict() == {"C": 60, "B": 30, "A": 10}
    assert tiers.iloc[0] == "A" and tiers.iloc[-1] == "C"
    risk = pd.Series(np.tile([0.1, 0.9], 50), index=clv.index)
    levels = value.service_levels(tiers, risk, risk_threshold=0.5)
    assert set(levels) == set(value.CONTACT_PLAN["service_level"])
    assert levels.iloc[0] == "one_to_one" and levels.iloc[1] == "win_back"
    assert levels.iloc[98] == "responsive_silver" and levels.iloc[99] == "let_go"
    frame = pd.DataFrame({"value_tier": tiers, "churn_risk": risk, "clv": clv})
    matrix = value.action_matrix(frame)
    assert matrix["customers"].sum() == 100
    assert matrix["clv"].sum() == pytest.approx(clv.sum())
    plan = value.contact_plan(levels)
    assert plan["customers"].sum() == 100
    assert plan.set_index("service_level").loc["let_go", "contacts_needed_per_year"] == 0


def test_churn_risk_prefers_chapter_3_scores(tmp_path) -> None:
    p_alive = pd.Series([0.9, 0.4], index=pd.Index(["a", "b"], dtype="string"))
    path = tmp_path / "churn_scores.csv"
    pd.DataFrame({"customer_id": ["a", "zzz"], "churn_probability": [0.7, 0.1]}).to_csv(path, index=False)
    risk = value.churn_risk(p_alive, path)
    assert risk.loc["a", "churn_risk"] == pytest.approx(0.7)
    assert risk.loc["a", "risk_source"] == "chapter 3 churn model"
    assert risk.loc["b", "churn_risk"] == pytest.approx(0.6) and risk.loc["b", "risk_source"] == "1 - P(alive)"
    missing = value.churn_risk(p_alive, tmp_path / "absent.csv")
    assert (missing["risk_source"] == "1 - P(alive)").all()


def test_value_at_risk_is_clv_times_risk() -> None:
    frame = pd.DataFrame({"seg": ["x", "y", "x", None], "clv": [100.0, 40.0, 10.0, 5.0],
                          "churn_risk": [0.2, 0.5, 1.0, 1.0]})
    out = value.value_at_risk(frame, "seg")
    assert out["value_at_risk"].sum() == pytest.approx((frame["clv"] * frame["churn_risk"]).sum())
    assert out.iloc[0]["seg"] == "x" and out.iloc[0]["value_at_risk"] == pytest.approx(30.0)
    assert out["share_of_value_at_risk"].sum() == pytest.approx(1.0)
    assert out["customers"].sum() == 4  # missing segment kept as its own group


def test_loyalty_funnel_stages_shrink_and_follow_definitions() -> None:
    inter = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "d", "e"],
                          "satisfaction": [5.0, 4.0, 4.0, 2.0, np.nan, 5.0]})
    val = pd.DataFrame({"orders": [3, 5, 2, 4, 1], "historical_value": [300.0, 500.0, 80.0, 90.0, 10.0],
                        "clv": [200.0, 300.0, 10.0, 50.0, 5.0]}, index=["a", "b", "c", "d", "e"])
    funnel = value.loyalty_funnel(inter, val, satisfied_at=4.0)
    counts = dict(zip(funnel["stage"], funnel["customers"], strict=True))
    # rated: a, b, c, e; satisfied: a, b, e; repeat: a, b; recommender (a 5 given): a.
    assert counts == {"customers": 5, "rated": 4, "satisfied": 3, "repeat buyer": 2, "recommender": 1}
    assert funnel.loc[4, "mean_clv"] == pytest.approx(200.0)
    assert funnel["customers"].is_monotonic_decreasing
    with pytest.raises(CRMDataError, match="satisfaction"):
        value.loyalty_funnel(inter.drop(columns=["satisfaction"]), val)


def test_customer_value_table_export_and_top_customers_mask_pii() -> None:
    history = pd.DataFrame({"revenue": [500.0, 20.0, 80.0], "orders": [5, 1, 2]},
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


def test_segment_labels_prefers_chapter_2_table(tmp_path) -> None:
    ids = pd.Index(["a", "b"], dtype="string", name="customer_id")
    (tmp_path / "tables").mkdir()
    pd.DataFrame({"customer_id": ["a", "b"], "rfm_segment": ["champions", "lost"]}).to_csv(
        tmp_path / "tables" / "segments.csv", index=False)
    labels, source = value.segment_labels(ids, output_dir=tmp_path)
    assert labels.tolist() == ["champions", "lost"] and source == "chapter 2 rfm_segment"
    none, nothing = value.segment_labels(ids, output_dir=tmp_path / "missing")
    assert nothing == "" and none.isna().all()


def test_manager_sentences_quote_the_numbers() -> None:
    frame = pd.DataFrame({"clv": [90.0, 10.0, 0.0], "churn_risk": [0.1, 0.9, 0.9],
                          "value_tier": ["A", "B", "C"], "service_level": ["one_to_one", "win_back", "let_go"]})
    sentences = value.manager_sentences(frame)
    assert "holds 90%" in sentences[0]
    assert sentences[1].startswith("1 valuable customers") and "18 of predicted value (18%)" in sentences[1]


# --------------------------------------------------------------------------- teaching data against the truth


@pytest.fixture(scope="module")
def teaching() -> dict:
    if not (paths.TEACHING_DIR / "transactions.csv").is_file():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")
    import crm_analysis
    from crm_analysis.app.report import resolve_as_of

    data = crm_analysis.clean(crm_analysis.load("teaching"))
    as_of = resolve_as_of(data)
    summary = value.summary_table(data.transactions, as_of=as_of)
    models = value.fit_value_models(summary)
    prediction = value.predict_value(summary, models, alive_model="pareto_nbd")
    return {"data": data, "summary": summary, "prediction": prediction}


def test_teaching_p_alive_ranks_truth(teaching: dict) -> None:
    auc = value.alive_auc_table(teaching["prediction"].join(teaching["summary"]["frequency"]),
                                teaching["data"].truth.customers).set_index(["model", "customers"])["auc"]
    # Pareto/NBD separates alive from churned well; BG/NBD only among repeat buyers, because it
    # calls every one-time buyer alive (documented in predict_value).
    assert auc[("Pareto/NBD", "all")] >= 0.8
    assert auc[("BG/NBD", "repeat buyers")] >= 0.8
    assert auc[("BG/NBD", "all")] < auc[("Pareto/NBD", "all")]


def test_teaching_value_at_risk_concentrates_where_value_is(teaching: dict) -> None:
    history = value.historical_value(teaching["data"].transactions, as_of=value.observation_end("2100-01-01"))
    table = value.customer_value_table(history, teaching["prediction"])
    truth = teaching["data"].truth.customers.set_index("customer_id")["segment"]
    by_segment = value.value_at_risk(table.join(truth.rename("segment")), "segment").set_index("segment")
    # Loyal high-value and business customers hold more predicted value than one-off buyers.
    assert by_segment.loc["one_off", "clv"] < min(by_segment.loc["loyal_high_value", "clv"],
                                                  by_segment.loc["business", "clv"])
