"""Tests of crm_analysis.churn.labels: who counts as lost, the inactivity window, labels at a cut-off."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis import churn
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError

CUT = pd.Timestamp("2024-07-01")


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


def test_inactivity_window_percentile_override_and_error(synthetic):
    tx = synthetic.transactions
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
