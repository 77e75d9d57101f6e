"""Model choice on the holdout: the adaptive holdout, the baseline, the alive score when nobody drops out."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import value
from crm_analysis.models.clv import simulate_bgnbd


def _split(seed: int, **params: float) -> pd.DataFrame:
    """A calibration summary and a holdout count drawn from the same customers' rates (simulated)."""
    rng = np.random.default_rng(seed)
    ages = rng.uniform(10, 40, size=2000)
    calib = simulate_bgnbd(ages, seed=seed, **params)
    later = simulate_bgnbd(ages + 13.0, seed=seed, **params)  # same seed: the same customers, 13 weeks on
    extra = (later["frequency"] - calib["frequency"]).clip(lower=0)
    return calib.assign(monetary_value=10.0, frequency_holdout=extra, monetary_value_holdout=10.0,
                        duration_holdout=13.0)


def test_model_choice_reports_every_model_and_the_baseline() -> None:
    choice = value.compare_purchase_models(_split(1, r=0.5, alpha=5.0, a=0.8, b=2.5))
    keys = choice.table["key"].tolist()
    assert keys == ["bgnbd", "pareto_nbd", "mbgnbd", "baseline", "recency", "frequency"]
    models = choice.table.set_index("key")
    assert (models.loc[["bgnbd", "pareto_nbd", "mbgnbd", "baseline"], "mae"] > 0).all()
    assert choice.chosen in {"bgnbd", "pareto_nbd", "mbgnbd", "baseline"}
    best = models.loc[["bgnbd", "pareto_nbd", "mbgnbd", "baseline"], "mae"].idxmin()
    assert choice.chosen == best
    assert choice.holdout_weeks == 13.0
    assert set(choice.scores.columns) >= {"purchased_again", "bgnbd"}


def test_baseline_is_chosen_when_no_model_beats_it() -> None:
    """Holdout purchases exactly at each customer's past rate: the baseline's error is 0, unbeatable."""
    data = _split(2, r=0.5, alpha=5.0, a=0.8, b=2.5)
    data["frequency_holdout"] = (data["frequency"] / data["T"] * 13.0).round(6)
    choice = value.compare_purchase_models(data)
    assert choice.chosen == "baseline"
    assert "No model beats the naive baseline" in choice.note


def test_no_dropout_uses_probability_of_a_purchase() -> None:
    data = _split(3, r=0.5, alpha=5.0, a=1e-4, b=1e3)
    choice = value.compare_purchase_models(data)
    row = choice.table.set_index("key").loc["bgnbd"]
    assert row["status"].startswith("boundary")
    assert row["alive_measure"] == "P(purchase in next 13 weeks)"
    assert row["alive_auc"] > 0.6
    assert choice.scores["bgnbd"].std() > 0.05  # not 1.000 for everyone


@pytest.mark.parametrize(("first", "as_of", "asked", "weeks"), [
    ("2010-12-01", "2011-09-01", 39, 13.0),   # 39 weeks of history: a third
    ("2008-12-01", "2011-12-10", 39, 39.0),   # long history: as asked
    ("2011-08-01", "2011-09-01", 39, 0.0),    # a month: no holdout at all
])
def test_holdout_adapts_to_the_history(first: str, as_of: str, asked: int, weeks: float) -> None:
    tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0],
                       "order_date": pd.to_datetime([first, "2011-08-30"])})
    end, got, note = value.adapt_holdout(tx, as_of, asked)
    assert got == weeks
    if weeks == 0:
        assert end is None and "too short" in note
    elif weeks < asked:
        assert "shortened" in note
        assert end == pd.Timestamp(as_of) - pd.Timedelta(days=1) - pd.Timedelta(weeks=weeks)
    else:
        assert note is None


def test_alive_calibration_bands() -> None:
    table = value.alive_calibration(np.array([0.05, 0.95, 0.95, 0.5]), [0, 1, 0, 1])
    assert table["customers"].sum() == 4
    assert table.set_index("band").loc["0.9-1.0", "purchased_again"] == 0.5
