"""Tests of crm_analysis.churn.survival: durations and censoring for the survival view."""

from __future__ import annotations

import pytest

from crm_analysis import churn
from crm_analysis.core.errors import CRMDataError


def test_survival_frame_censors_active_customers(synthetic):
    data = synthetic
    frame = churn.survival_frame(data, "2025-01-01", window_days=90)
    assert frame["event"].any() and not frame["event"].all()
    assert (frame["duration"] > 0).all()
    with pytest.raises(CRMDataError):
        churn.survival_frame(data, "2025-01-01", window_days=None)
