"""Tests of crm_analysis.value.checks: CDNOW replication, holdout, tracking, backtest, P(alive) against the truth."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.core.errors import CRMDataError
from crm_analysis.models.clv import BetaGeoModel


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


def test_tracking_table_counts_repeat_purchases_per_week(make_tx) -> None:
    tx = make_tx([
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


def test_alive_auc_requires_both_classes() -> None:
    truth = pd.DataFrame({"customer_id": ["a", "b"], "is_churned": [False, False]})
    with pytest.raises(CRMDataError, match="both alive and churned"):
        value.alive_auc(pd.Series([0.3, 0.9], index=["a", "b"]), truth)


def test_teaching_p_alive_ranks_truth(teaching: dict) -> None:
    auc = value.alive_auc_table(teaching["prediction"].join(teaching["summary"]["frequency"]),
                                teaching["data"].truth.customers).set_index(["model", "customers"])["auc"]
    # Pareto/NBD separates alive from churned well; BG/NBD only among repeat buyers, because it
    # calls every one-time buyer alive (documented in predict_value).
    assert auc[("Pareto/NBD", "all")] >= 0.8
    assert auc[("BG/NBD", "repeat buyers")] >= 0.8
    assert auc[("BG/NBD", "all")] < auc[("Pareto/NBD", "all")]
