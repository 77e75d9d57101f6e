"""Chapter 4's models on the full Online Retail file, as of 2011-09-01, against the 13 weeks after it.

Reads ../shared/data only here, in a test (skipped when absent); the project never reads it at run time.
The chapter sees nine months of history: its holdout is shortened to 13 weeks and the purchase forecast
is chosen there; the figures below are then checked on what really happened after 2011-09-01.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from crm_analysis import value
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load

SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uci-online-retail" / "online_retail.csv.gz"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not SOURCE.is_file(), reason="../shared/data/uci-online-retail is not present")]


@pytest.fixture(scope="module")
def split() -> dict:
    tx = clean(load(str(SOURCE))).transactions
    as_of = pd.Timestamp("2011-09-01")
    history = tx.loc[tx["order_date"] < as_of]
    cal_end, weeks, note = value.adapt_holdout(history, as_of, 39)
    inner = value.summary_table(history, as_of=as_of, calibration_end=cal_end)
    choice = value.compare_purchase_models(inner)
    # the chapter's summary (to 2011-08-31) with the next 13 weeks as the test
    test = value.summary_table(tx, as_of=as_of + pd.Timedelta(weeks=13), calibration_end=as_of - pd.Timedelta(days=1))
    models = value.fit_value_models(test, mbgnbd=True)
    prediction = value.predict_value(test, models, horizon=13.0, alive_model=choice.alive_model,
                                     purchase_model=choice.chosen)
    return {"weeks": weeks, "note": note, "choice": choice, "test": test, "models": models, "prediction": prediction}


def test_holdout_adapts_to_nine_months_of_history(split: dict) -> None:
    assert split["weeks"] == 13.0 and "shortened" in split["note"]
    assert split["choice"].holdout_weeks == 13.0


def test_no_parameter_is_called_converged_at_a_bound(split: dict) -> None:
    fit = value.model_fit_table(split["models"])
    converged = fit.loc[fit["converged"]]
    assert np.isfinite(converged["standard_error"]).all()
    assert (converged["ci_low"] > 0).all()
    assert (fit.loc[fit["model"] == "Pareto/NBD", "status"].str.contains("s → 0")).all()  # the case
    assert not fit.loc[fit["model"].isin(["BG/NBD", "Pareto/NBD"]), "converged"].any()


def test_alive_ranking_beats_the_single_baselines(split: dict) -> None:
    test, prediction = split["test"], split["prediction"]
    bought = test["frequency_holdout"] > 0
    auc = roc_auc_score(bought, prediction["p_alive"])
    recency = roc_auc_score(bought, -(test["T"] - test["recency"]))
    frequency = roc_auc_score(bought, test["frequency"])
    assert recency == pytest.approx(0.68, abs=0.02) and frequency == pytest.approx(0.72, abs=0.02)
    assert auc >= max(recency, frequency)
    assert prediction["p_alive"].round(3).lt(1.0).any()  # not 1.000 for everyone
    assert prediction["p_alive"].std() > 0.1


def test_chosen_forecast_is_no_worse_than_the_naive_baseline(split: dict) -> None:
    test, prediction = split["test"], split["prediction"]
    actual = test["frequency_holdout"].to_numpy(dtype="float64")
    naive = test["frequency"] / test["T"].where(test["T"] > 0) * 13.0
    naive_mae = float(np.mean(np.abs(naive.fillna(0.0).to_numpy() - actual)))
    chosen_mae = float(np.mean(np.abs(prediction["expected_purchases"].to_numpy() - actual)))
    assert chosen_mae <= naive_mae + 1e-9
