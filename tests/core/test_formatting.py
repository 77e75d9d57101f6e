"""Tables for people: a translated table keeps the formats its English column names call for."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core.display import translate_frame
from crm_analysis.core.formatting import style_frame


def test_a_translated_share_is_still_shown_as_a_percentage() -> None:
    table = pd.DataFrame({"resolution_rate": [0.587, 0.014], "customers": [4959.0, 12.0]})
    shown = translate_frame(table, "zh")
    assert list(shown.columns) != list(table.columns)  # headers in Chinese
    page = style_frame(shown, kind_names=list(table.columns)).to_html()
    assert "58.7%" in page and "1.4%" in page and "0.587" not in page and "4,959" in page


def test_kind_names_of_another_length_are_ignored() -> None:
    page = style_frame(pd.DataFrame({"revenue_share": [0.25]}), kind_names=["a", "b"]).to_html()
    assert "25.0%" in page


def test_dates_are_never_wrapped_at_their_hyphens() -> None:
    table = pd.DataFrame({"birth_date": ["1993-05-27", None], "signed_up": pd.to_datetime(["2024-01-02", None]),
                          "city": ["Beijing", "Shanghai"]})
    html = style_frame(table).to_html()
    styles = {rule.split("{")[0].strip(): rule for rule in html.split("</style>")[0].split("}")}
    nowrap = [sel for sel, rule in styles.items() if "white-space: nowrap" in rule]
    assert any("col0" in s for s in nowrap) and any("col1" in s for s in nowrap)
    assert not any("col2" in s for s in nowrap)
