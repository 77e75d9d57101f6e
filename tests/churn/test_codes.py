"""Tests of crm_analysis.churn.codes: reason codes in plain words."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis import churn


def test_reason_codes_in_plain_words_strongest_first():
    f = pd.DataFrame({
        "unresolved_complaints_recent": [2.0, 0.0, 0.0], "unresolved_complaints": [2.0, 0.0, 0.0],
        "spend_change": [-0.6, np.nan, 0.2], "returns": [0.0, 1.0, 0.0], "return_rate": [0.0, 0.25, 0.0],
        "n_purchase_days": [5.0, 4.0, 1.0],
    }, index=["A", "B", "C"])
    codes = churn.reason_codes(f)
    assert codes.loc["A", "reason_1"] == "2 unresolved complaints in the last 90 days"
    assert codes.loc["A", "reason_2"] == "spend down 60% vs the previous half-year"
    assert codes.loc["B", "reason_1"] == "1 returned order (25% of orders)"
    assert codes.loc["C", "reason_1"] == "only one purchase so far" and pd.isna(codes.loc["C", "reason_2"])
