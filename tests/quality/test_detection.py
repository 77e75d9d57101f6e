"""Tests of crm_analysis.quality.detection: precision and recall against injected defects."""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import quality
from crm_analysis.core.errors import CRMDataError


def test_defect_detection_scores_hand_computed_case(customer, run):
    customers = [customer(1, phone="123"), customer(2, phone="456"), customer(3, email=None)]
    _, checks = run(customers)
    truth = pd.DataFrame({
        "table": "customers", "record_id": ["C0001", "C0003", "C0003"], "source_row": [2, 4, 4],
        "defect": ["invalid_phone", "invalid_phone", "missing_value"], "column": ["phone", "phone", "email"],
        "detail": None,
    })
    result = quality.defect_detection(checks, truth).set_index("check")
    assert list(result.reset_index().columns) == ["check", "precision", "recall", "support"]
    assert result.loc["invalid_phone"].tolist() == [0.5, 0.5, 2]
    assert result.loc["missing_value"].tolist() == [1.0, 1.0, 1]


def test_defect_detection_rejects_malformed_truth(customer, run):
    _, checks = run([customer(1)])
    with pytest.raises(CRMDataError, match="truth defects: missing column"):
        quality.defect_detection(checks, pd.DataFrame({"defect": []}))


def test_every_check_reaches_precision_and_recall_of_090_on_teaching_data(teaching):
    data, checks = teaching
    result = quality.defect_detection(checks, data.truth.defects)
    assert {"missing_value", "invalid_phone", "duplicate_customer", "stale_record", "orphan_transaction",
            "duplicate_order_line", "unflagged_negative_amount"} <= set(result["check"])
    weak = result[(result["precision"] < 0.9) | (result["recall"] < 0.9)]
    assert weak.empty, weak.to_string()
    assert (result["support"] > 0).all()
