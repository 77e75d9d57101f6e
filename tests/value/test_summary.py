"""Tests of crm_analysis.value.summary: the manager's sentences."""

from __future__ import annotations

import pandas as pd

from crm_analysis import value


def test_manager_summary_quotes_the_numbers() -> None:
    frame = pd.DataFrame({"clv": [90.0, 10.0, 0.0], "churn_risk": [0.1, 0.9, 0.9],
                          "value_tier": ["A", "B", "C"], "service_level": ["one_to_one", "win_back", "let_go"]})
    sentences = value.manager_summary(frame)
    assert "holds 90%" in sentences[0]
    assert sentences[1].startswith("1 valuable customers") and "18 of predicted value (18%)" in sentences[1]
