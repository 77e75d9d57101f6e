"""Tests of crm_analysis.churn: labelling without leakage, the bridge identity, the text classifier,
models, reason codes, inferred reasons and survival, on small synthetic data built here.

Truth-based checks run on the committed teaching data when ``data/teaching/`` exists.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analysis import churn
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.paths import TEACHING_DIR

CUT = pd.Timestamp("2024-07-01")


def _synthetic(seed: int = 0, n: int = 300) -> CRMData:
    """Customers buying every 15 days over 2023-2024; half get an unresolved complaint at a random date
    and stop buying ten days later (a behavioural churn signal a model can learn)."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"C{i:04d}" for i in range(n)])
    complainer = rng.random(n) < 0.5
    complaint_day = np.where(complainer, rng.integers(200, 760, n), 10_000)
    rows = []
    for day in range(0, 730, 15):  # loop over time rounds, not customers
        buy = (rng.random(n) < 0.5) & (day <= complaint_day + 10)
        date = pd.Timestamp("2023-01-01") + pd.Timedelta(days=day)
        rows.append(pd.DataFrame({
            "order_id": [f"O{day:03d}{i:04d}" for i in np.flatnonzero(buy)],
            "customer_id": ids[buy], "order_date": date,
            "amount": np.round(rng.gamma(2, 20, buy.sum()), 2),
            "quantity": 1.0, "product_category": rng.choice(["a", "b"], buy.sum()),
            "status": "completed",
        }))
    tx = pd.concat(rows, ignore_index=True)
    returned = tx.sample(frac=0.03, random_state=seed).assign(amount=lambda d: -d["amount"], status="returned")
    tx = pd.concat([tx, returned], ignore_index=True)
    tx["status"] = tx["status"].astype("string")
    interactions = pd.DataFrame({
        "customer_id": ids[complainer],
        "date": pd.Timestamp("2023-01-01") + pd.to_timedelta(complaint_day[complainer], unit="D"),
        "kind": "complaint", "resolved": pd.array([False] * complainer.sum(), dtype="boolean"), "topic": "delivery",
    })
    customers = pd.DataFrame({"customer_id": ids, "acquisition_channel": rng.choice(["web_form", "phone"], n),
                              "customer_type": "individual"})
    return CRMData(customers=customers, transactions=tx, interactions=interactions)


# ----------------------------------------------------------------------------- labelling
def test_label_inactivity_population_and_outcome():
    tx = pd.DataFrame({
        "customer_id": ["A", "A", "B", "C", "D"],
        "order_date": pd.to_datetime(["2024-06-01", "2024-07-20", "2024-06-15", "2023-01-01", "2024-08-01"]),
        "amount": [1.0, 1.0, 1.0, 1.0, 1.0],
    })
    labels = churn.label_inactivity(tx, CUT, window_days=60)
    # C was already silent for longer than the window; D only appears after the cut-off
    assert labels["churned"].to_dict() == {"A": False, "B": True}


def test_returns_and_cancellations_are_not_purchases():
    tx = pd.DataFrame({
        "customer_id": ["A", "A", "A"],
        "order_date": pd.to_datetime(["2024-06-01", "2024-07-05", "2024-07-10"]),
        "amount": [10.0, -10.0, 5.0], "status": pd.array(["completed", "returned", "cancelled"], dtype="string"),
    })
    assert churn.label_inactivity(tx, CUT, window_days=60)["churned"].to_dict() == {"A": True}


def test_contractual_labels_from_flag():
    customers = pd.DataFrame({"customer_id": ["A", "B", "C"],
                              "churned": pd.array([True, False, None], dtype="boolean")})
    data = CRMData(customers=customers)
    assert churn.is_contractual(data)
    assert churn.label_contractual(customers)["churned"].to_dict() == {"A": True, "B": False}
    md = churn.model_data(CRMData(customers=pd.DataFrame({
        "customer_id": [f"C{i}" for i in range(200)], "tenure_months": np.arange(200.0),
        "churned": pd.array(np.arange(200) < 60, dtype="boolean")})), "2024-01-01", window_days=None)
    assert md.test is None and "random" in md.note
    assert "churned" not in md.train.features


def test_inactivity_window_percentile_override_and_error():
    tx = _synthetic().transactions
    gaps = churn.interpurchase_times(tx)
    window = churn.choose_inactivity_window(tx, percentile=0.9)
    assert window.days == max(int(np.ceil(np.quantile(gaps, 0.9))), 30)
    assert (gaps <= window.days).mean() >= 0.9
    assert churn.choose_inactivity_window(tx, override_days=77).days == 77
    one = pd.DataFrame({"customer_id": ["A"], "order_date": pd.to_datetime(["2024-01-01"]), "amount": [1.0]})
    with pytest.raises(CRMDataError, match="override_days"):
        churn.choose_inactivity_window(one)
    assert churn.plot_interpurchase_times(window).axes[0].lines  # the window is marked


def test_missing_column_error_names_table_and_column():
    with pytest.raises(CRMDataError, match=r"transactions.*order_date"):
        churn.interpurchase_times(pd.DataFrame({"customer_id": ["A"], "amount": [1.0]}))


# ----------------------------------------------------------------------------- no leakage
def _post_cut_altered(data: CRMData, seed: int) -> CRMData:
    """Shuffle, change and add every record dated on or after the cut-off."""
    rng = np.random.default_rng(seed)
    tx = data.transactions.copy()
    after = tx["order_date"] >= CUT
    tx.loc[after, "amount"] = rng.permutation(tx.loc[after, "amount"].to_numpy()) * 3
    tx.loc[after, "customer_id"] = rng.permutation(tx.loc[after, "customer_id"].to_numpy())
    extra = tx.loc[after].head(50).assign(order_date=CUT + pd.Timedelta(days=3), amount=999.0)
    tx = pd.concat([tx, extra], ignore_index=True)
    it = pd.concat([data.interactions, pd.DataFrame({
        "customer_id": data.customers["customer_id"].head(40), "date": CUT, "kind": "complaint",
        "resolved": pd.array([False] * 40, dtype="boolean"), "topic": "price"})], ignore_index=True)
    return data.with_tables(transactions=tx, interactions=it)


@pytest.mark.parametrize("seed", [1, 2])
def test_features_do_not_use_data_after_the_cut_off(seed):
    data = _synthetic()
    kwargs = {"window_days": 90, "price_rise_date": "2024-03-01"}
    original = churn.churn_dataset(data, CUT, **kwargs)
    altered = churn.churn_dataset(_post_cut_altered(data, seed), CUT, **kwargs)
    pd.testing.assert_frame_equal(original.features, altered.features.reindex(original.features.index))
    # the alteration did reach the labels, so the test could have caught a leak
    assert not original.labels.equals(altered.labels.reindex(original.labels.index))


def test_price_rise_features_only_when_the_rise_is_inside_the_data():
    data = _synthetic()
    inside = churn.behaviour_features(data, CUT, price_rise_date="2024-03-01")
    outside = churn.behaviour_features(data, CUT, price_rise_date="2030-01-01")
    assert inside["orders_after_price_rise"].gt(0).any()
    assert "orders_after_price_rise" not in outside
    assert not churn.reason_codes(outside, price_rise_date="2030-01-01")["reason_1"].str.contains("price rise").any()


def test_features_do_change_when_pre_cut_off_data_changes():
    data = _synthetic()
    tx = data.transactions.copy()
    tx.loc[tx["order_date"] < CUT, "amount"] *= 2
    a = churn.churn_dataset(data, CUT, window_days=90).features
    b = churn.churn_dataset(data.with_tables(transactions=tx), CUT, window_days=90).features
    assert not np.allclose(a["monetary"], b["monetary"].reindex(a.index))


# ----------------------------------------------------------------------------- text classifier
@pytest.mark.parametrize(("text", "category"), [
    ("价格太高", "price"), ("太贵了", "price"), ("too expensive", "price"), ("Price too high", "price"),
    ("客服态度差", "service"), ("support never called back", "service"), ("Attitude of support person", "service"),
    ("质量有问题", "quality"), ("the product broke after a week", "quality"),
    ("moved to another city", "relocation"), ("搬家了", "relocation"),
    ("不再需要了", "no_longer_needed"), ("no longer need it", "no_longer_needed"),
    ("Competitor made better offer", "competitor"), ("换了别家", "competitor"),
])
def test_text_classifier_chinese_and_english(text, category):
    assert churn.ReasonTextClassifier().fit().predict([text]) == [category]


def test_text_classifier_tfidf_fallback_and_blank():
    clf = churn.ReasonTextClassifier().fit(["价钱不合理", "价钱高"], ["price", "price"])
    frame = clf.predict_frame(["价钱太高", "", None])
    assert frame.loc[0, "method"] == "tfidf" and frame.loc[0, "category"] == "price"
    assert frame["method"].tolist()[1:] == ["no text", "no text"]
    assert clf.predict([""]) == [None]


def test_text_confusion_is_cross_validated_counts():
    texts = ["太贵", "too expensive", "价格高", "客服差", "rude staff", "没人回电"] * 3
    stated = ["price"] * 3 + ["service"] * 3
    cm = churn.text_confusion(texts, stated * 3, seed=0)
    assert cm.to_numpy().sum() == 18
    assert cm.loc["price", "price"] == 9 and cm.loc["service", "service"] == 9


def test_stated_reasons_uses_text_when_category_blank():
    survey = pd.DataFrame({"customer_id": ["A", "B", "C"], "reason_category": ["price", None, "bogus"],
                           "reason_text": ["x", "客服态度差", None]})
    out = churn.stated_reasons(survey)
    assert out["reason_category"].to_dict() == {"A": "price", "B": "service"}
    assert out["category_from"].to_dict() == {"A": "survey", "B": "text"}


# ----------------------------------------------------------------------------- pareto, revenue lost
def test_reason_pareto_by_group_shares_sum_to_one():
    reasons = pd.DataFrame({"reason_category": ["price", "price", "service", "quality"],
                            "lost_revenue": [1.0, 2.0, 3.0, 4.0], "segment": ["A", "A", "A", "B"]})
    table = churn.reason_pareto(reasons, by="segment")
    assert table.groupby("segment")["share"].sum().tolist() == [1.0, 1.0]
    assert table.loc[table["segment"] == "A", "reason_category"].iloc[0] == "price"
    assert table["lost_revenue"].sum() == 10.0


def test_annualised_spend_scales_short_tenure():
    f = pd.DataFrame({"spend_last_year": [100.0, 100.0, 100.0, 100.0], "tenure_days": [500.0, 182.5, 10.0, 10.0],
                      "frequency": [9.0, 3.0, 2.0, 1.0]})
    expected = [100.0, 200.0, 100 * 365 / 90, 100.0]  # short tenure is floored at the window; one-off counts once
    assert churn.annualised_spend(f, window_days=90).tolist() == pytest.approx(expected)


# ----------------------------------------------------------------------------- models
@pytest.fixture(scope="module")
def fitted():
    data = _synthetic()
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


# ----------------------------------------------------------------------------- reason codes, inference
def test_reason_codes_in_plain_words_strongest_first():
    f = pd.DataFrame({
        "unresolved_complaints_recent": [2.0, 0.0, 0.0], "unresolved_complaints": [2.0, 0.0, 0.0],
        "spend_change": [-0.6, np.nan, 0.2], "returns": [0.0, 1.0, 0.0], "return_rate": [0.0, 0.25, 0.0],
        "frequency": [5.0, 4.0, 1.0],
    }, index=["A", "B", "C"])
    codes = churn.reason_codes(f)
    assert codes.loc["A", "reason_1"] == "2 unresolved complaints in the last 90 days"
    assert codes.loc["A", "reason_2"] == "spend down 60% vs the previous half-year"
    assert codes.loc["B", "reason_1"] == "1 returned order (25% of orders)"
    assert codes.loc["C", "reason_1"] == "only one purchase so far" and pd.isna(codes.loc["C", "reason_2"])


def test_infer_reasons_learns_from_answers_and_falls_back_to_rules():
    rng = np.random.default_rng(0)
    n = 200
    complaints = rng.integers(0, 2, n).astype(float)
    f = pd.DataFrame({"unresolved_complaints": complaints, "returns": 1 - complaints,
                      "frequency": rng.integers(2, 9, n).astype(float)}, index=[f"C{i}" for i in range(n)])
    truth = pd.Series(np.where(complaints > 0, "service", "quality"), index=f.index)
    stated = truth.iloc[:100]
    result = churn.infer_reasons(f, stated, seed=0)
    assert "gradient boosting" in result.method
    inferred = result.reasons[result.reasons["source"] == "inferred"]
    assert len(inferred) == 100
    assert (inferred["reason_category"] == truth.reindex(inferred.index)).mean() > 0.95
    few = churn.infer_reasons(f, stated.iloc[:5], seed=0)
    assert few.method.startswith("behaviour rules")
    no_history = churn.infer_reasons(pd.DataFrame({"tenure_months": [1.0]}, index=["X"]), pd.Series(dtype="string"))
    assert no_history.reasons["reason_category"].isna().all()
    table = churn.churn_reasons_table(churn.LostCustomers(no_history.reasons.assign(lost_revenue=12.0),
                                                          pd.DataFrame(), no_history.method))
    assert table.to_dict("records") == [{"reason_category": "unknown", "customers": 1, "lost_revenue": 12.0,
                                         "source": "none"}]


def test_reason_accuracy_scores_inferred_only():
    reasons = pd.DataFrame({"reason_category": ["price", "service", "quality"],
                            "source": ["stated", "inferred", "inferred"],
                            "rule_reason": ["price", "service", "service"]}, index=["A", "B", "C"])
    truth = pd.DataFrame({"customer_id": ["A", "B", "C"], "churn_reason": ["quality", "service", "price"]})
    acc = churn.reason_accuracy(reasons, truth)
    assert acc["customers"].iloc[0] == 2
    assert acc["accuracy"].tolist()[:2] == [0.5, 0.5]


def test_explain_lost_and_scores_table():
    data = _synthetic()
    lost = churn.explain_lost(data, "2025-01-01", window_days=90, seed=0)
    # the complainers stopped around day 500 (mid-2024) and are all lost by 2025
    assert lost.table.index.is_unique and len(lost.table) >= 60
    assert (lost.table["lost_revenue"] > 0).all()
    assert (lost.table["rule_reason"] == "service").mean() > 0.8
    active = churn.active_customer_features(data, "2025-01-01", window_days=90)
    both = active.index[:3]  # pretend three active customers answered the exit survey
    lost.table = pd.concat([lost.table, pd.DataFrame({"reason_category": "price", "source": "stated"}, index=both)])
    scores = churn.churn_scores_table(pd.Series(0.5, index=active.index), churn.reason_codes(active), lost,
                                      churn.reason_codes(lost.features))
    assert scores["customer_id"].is_unique and len(scores) == len(set(active.index) | set(lost.table.index))
    assert (scores.loc[scores["customer_id"].isin(both), "status"] == "lost").all()
    reasons = churn.churn_reasons_table(lost)
    assert list(reasons.columns) == ["reason_category", "customers", "lost_revenue", "source"]
    assert reasons["customers"].sum() == len(lost.table)


# ----------------------------------------------------------------------------- survival
def test_kaplan_meier_and_cox_direction():
    rng = np.random.default_rng(0)
    group = np.repeat(["slow", "fast"], 300)
    t = rng.exponential(np.where(group == "slow", 20.0, 5.0))
    frame = pd.DataFrame({"duration": np.minimum(t, 15), "event": t < 15, "group": group})
    km = churn.kaplan_meier(frame, "group")
    last = km.groupby("group")["retention"].last()
    assert last["slow"] > last["fast"]
    hr = churn.cox_hazard_ratios(frame, ["group"]).iloc[0]
    assert hr["covariate"] == "group=slow (vs fast)" or hr["covariate"] == "group=fast (vs slow)"
    expected_above_one = hr["covariate"].startswith("group=fast")
    assert (hr["hazard_ratio"] > 1) == expected_above_one
    assert hr["ci_lower"] < hr["hazard_ratio"] < hr["ci_upper"]


def test_survival_frame_censors_active_customers():
    data = _synthetic()
    frame = churn.survival_frame(data, "2025-01-01", window_days=90)
    assert frame["event"].any() and not frame["event"].all()
    assert (frame["duration"] > 0).all()
    with pytest.raises(CRMDataError):
        churn.survival_frame(data, "2025-01-01", window_days=None)


# ----------------------------------------------------------------------------- revenue bridge
def _c(amount: float) -> int:
    """An amount in whole cents."""
    return int(np.rint(amount * 100))


def _bridge_parts(row: pd.Series) -> int:
    """start + components in integer cents."""
    return _c(row["start"]) + sum(_c(row[c]) for c in churn.BRIDGE_COMPONENTS)


def test_bridge_classifies_each_case():
    tx = pd.DataFrame({
        "customer_id": ["new", "back", "back", "up", "up", "down", "down", "gone"],
        "order_date": pd.to_datetime(["2024-02-10", "2023-06-01", "2024-02-11", "2024-01-02", "2024-02-02",
                                      "2024-01-03", "2024-02-03", "2024-01-04"]),
        "amount": [5.0, 1.0, 7.0, 10.0, 16.0, 10.0, 4.0, 9.0],
    })
    b = churn.revenue_bridge(tx, ("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01")).iloc[0]
    assert b.to_dict() == {"start": 29.0, "new": 5.0, "reactivated": 7.0, "expansion": 6.0,
                           "contraction": -6.0, "lost": -9.0, "end": 32.0}
    with pytest.raises(ValueError, match="overlap"):
        churn.revenue_bridge(tx, ("2024-01-01", "2024-02-15"), ("2024-02-01", "2024-03-01"))


transactions_strategy = st.lists(
    st.tuples(st.integers(0, 15), st.integers(0, 119), st.integers(-50_000, 500_000), st.sampled_from("xyz")),
    min_size=1, max_size=80,
)


@settings(max_examples=60, deadline=None)
@given(rows=transactions_strategy, split=st.integers(20, 80))
def test_bridge_identity_holds_exactly(rows, split):
    customer, day, cents, category = zip(*rows, strict=True)
    tx = pd.DataFrame({
        "customer_id": [f"C{c}" for c in customer],
        "order_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(day, unit="D"),
        "amount": np.array(cents) / 100, "product_category": list(category),
    })
    start, middle, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-01-01") + pd.Timedelta(days=split), \
        pd.Timestamp("2024-05-01")
    total = churn.revenue_bridge(tx, (start, middle), (middle, end)).iloc[0]
    assert _bridge_parts(total) == _c(total["end"])
    expected_end = int(np.array(cents)[(np.array(day) >= split)].sum())
    assert _c(total["end"]) == expected_end
    for split_by in ({"by": "product_category"}, {"groups": pd.Series({"C1": "g1", "C2": "g2"})}):
        parts = churn.revenue_bridge(tx, (start, middle), (middle, end), **split_by)
        assert all(_bridge_parts(r) == _c(r["end"]) for _, r in parts.iterrows())
        assert _c(parts["end"].sum()) == expected_end
    table = churn.bridge_table(churn.revenue_bridge(tx, (start, middle), (middle, end)))
    assert table["component"].tolist() == ["start", *churn.BRIDGE_COMPONENTS, "end"]


# ----------------------------------------------------------------------------- teaching data truth
@pytest.fixture(scope="module")
def teaching():
    if not (TEACHING_DIR / "transactions.csv").exists():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")
    from crm_analysis.app.report import prepare

    return prepare("teaching")


def test_inferred_reasons_match_truth_on_teaching_data(teaching):
    data = teaching.clean
    window = churn.choose_inactivity_window(data.transactions)
    lost = churn.explain_lost(data, teaching.as_of, window_days=window.days, price_rise_date="2024-07-01", seed=42)
    accuracy = churn.reason_accuracy(lost.table, data.truth.customers)
    assert accuracy["customers"].iloc[0] > 500
    assert accuracy["accuracy"].iloc[0] >= 0.7
    assert accuracy["accuracy"].iloc[0] > accuracy["accuracy"].iloc[-1]


def test_churn_model_beats_chance_on_teaching_data(teaching):
    data = teaching.clean
    window = churn.choose_inactivity_window(data.transactions)
    md = churn.model_data(data, teaching.as_of, window_days=window.days, price_rise_date="2024-07-01")
    evaluation = churn.evaluate_models(churn.fit_churn_models(md.train, md.test, seed=42))
    assert (evaluation["roc_auc"] > 0.65).all() and (evaluation["top_decile_lift"] > 1.5).all()
