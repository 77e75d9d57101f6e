"""Tests of crm_analysis.quality.fixlist."""

from __future__ import annotations

import pandas as pd

from crm_analysis import quality


def test_fix_list_masks_personal_data_and_groups_reasons(customer, run):
    rows = [customer(1, phone="1381234567", email="bad@", signup_date=pd.Timestamp("2021-01-01"),
                     updated_at=pd.Timestamp("2022-01-01")),
            customer(2)]
    data, checks = run(rows)
    fixes = quality.fix_list(data, checks)
    assert fixes["source_row"].tolist() == [2]
    assert fixes.loc[0, "problems"] == 3
    assert fixes.loc[0, "checks"] == "invalid_phone, invalid_email, stale_record"
    text = fixes.to_csv()
    assert "1381234567" not in text and "bad@" not in text and "王" in text
    assert quality.fix_list(data, checks, show_pii=True).loc[0, "phone"] == "1381234567"
