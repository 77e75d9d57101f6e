"""MBG/NBD against an independent implementation, and its defining property (one-time buyers can be lost)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.core.paths import CDNOW_DIR
from crm_analysis.models.clv import BetaGeoModel, ModifiedBetaGeoModel

# Reference values recorded with lifetimes 0.11.3 (pandas 1.5.3), ModifiedBetaGeoFitter(penalizer_coef=0)
# fitted on data/cdnow/cdnow_customers_summary_with_transactions.csv (x, t_x, T), in a separate venv;
# BTYDplus (Platzer) reports the same r = 0.525, alpha = 6.183, a = 0.891, b = 1.614.
LIFETIMES_MBG = {"r": 0.5248377255676965, "alpha": 6.182988479134161, "a": 0.8913562809310621, "b": 1.6140000256718565}
# (x, t_x, T) -> (conditional_probability_alive, conditional_expected_number_of_purchases_up_to_time(39, ...))
LIFETIMES_MBG_PREDICTIONS = {
    (0, 0.0, 38.86): (0.38971644, 0.15395364436667508),
    (2, 30.43, 38.86): (0.70612626, 1.2626707787139884),
    (9, 35.0, 38.0): (0.85905341, 5.572190513077674),
}
LIFETIMES_MBG_NEW_39 = 1.1822837952882777  # expected_number_of_purchases_up_to_time(39)


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return pd.read_csv(CDNOW_DIR / "cdnow_customers_summary_with_transactions.csv")


def test_mbgnbd_cdnow_matches_lifetimes(cdnow: pd.DataFrame) -> None:
    model = ModifiedBetaGeoModel().fit(cdnow["x"], cdnow["t_x"], cdnow["T"])
    assert model.converged_ and model.status_ == "ok"
    for name, value in LIFETIMES_MBG.items():
        assert model.params_[name] == pytest.approx(value, rel=1e-3), name
    assert (model.summary()["lower_95"] > 0).all()


def test_mbgnbd_predictions_match_lifetimes() -> None:
    model = ModifiedBetaGeoModel.from_params(**LIFETIMES_MBG)
    for (x, t_x, age), (alive, expected) in LIFETIMES_MBG_PREDICTIONS.items():
        assert model.probability_alive(x, t_x, age) == pytest.approx(alive, rel=1e-6)
        assert model.expected_purchases(39, x, t_x, age) == pytest.approx(expected, rel=1e-6)
    assert model.expected_purchases_new_customer(39) == pytest.approx(LIFETIMES_MBG_NEW_39, rel=1e-6)


def test_one_time_buyers_fade_unlike_bgnbd() -> None:
    """BG/NBD calls every one-time buyer alive; MBG/NBD lets P(alive) fall with the time since the purchase."""
    mbg = ModifiedBetaGeoModel.from_params(**LIFETIMES_MBG)
    bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    ages = np.array([1.0, 10.0, 50.0])
    assert np.all(bg.probability_alive([0, 0, 0], [0, 0, 0], ages) == 1.0)
    alive = mbg.probability_alive([0, 0, 0], [0, 0, 0], ages)
    assert np.all(np.diff(alive) < 0) and alive[-1] < 0.5
