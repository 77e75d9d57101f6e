"""crm_analysis.care.satisfaction: the score trend and the satisfaction -> loyalty -> recommendation funnel."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from crm_analysis import care
from crm_analysis.core.errors import CRMDataError


def test_loyalty_funnel_stages_shrink_and_follow_definitions() -> None:
    inter = pd.DataFrame({"customer_id": ["a", "a", "b", "c", "d", "e", None],
                          "satisfaction": [5.0, 4.0, 4.0, 2.0, np.nan, 5.0, 5.0]})
    ids = ["a", "b", "c", "d", "e"]
    orders = pd.Series([3, 5, 2, 4, 1], index=ids)
    worth = pd.Series([200.0, 300.0, 10.0, 50.0, 5.0], index=ids)
    funnel = care.loyalty_funnel(inter, orders, worth, satisfied_at=4.0)
    counts = dict(zip(funnel["stage"], funnel["customers"], strict=True))
    # rated: a, b, c, e (the score without a customer counts for nobody); satisfied: a, b, e (a's mean 4.5);
    # repeat: a, b; recommender (a 5 given): a.
    assert counts == {"customers": 5, "rated": 4, "satisfied": 3, "repeat buyer": 2, "recommender": 1}
    assert funnel["mean_value"].tolist()[3:] == pytest.approx([250.0, 200.0])
    assert funnel["conversion"].iloc[1:].tolist() == pytest.approx([0.8, 0.75, 2 / 3, 0.5])
    stricter = care.loyalty_funnel(inter, orders, worth, satisfied_at=4.6)  # a's mean 4.5 no longer satisfied
    assert stricter["customers"].tolist() == [5, 4, 1, 0, 0] and np.isnan(stricter["mean_value"].iloc[-1])
    with pytest.raises(CRMDataError, match="satisfaction"):
        care.loyalty_funnel(inter.drop(columns=["satisfaction"]), orders, worth)


def test_loyalty_funnel_plot_has_a_bar_per_stage() -> None:
    funnel = care.loyalty_funnel(pd.DataFrame({"customer_id": ["a"], "satisfaction": [5.0]}),
                                 pd.Series([2], index=["a"]), pd.Series([9.0], index=["a"]))
    fig = care.plot_loyalty_funnel(funnel, value_label="mean CLV")
    assert len(fig.axes[0].patches) == 5
