"""Tests of crm_analysis.quality.fields: the card's weights and the column-wide phone normaliser."""

from __future__ import annotations

import pandas as pd

from crm_analysis import quality
from crm_analysis.data.cleaning import normalize_phone

PHONES = ["13812345678", " 138 1234 5679", "+86 138-1234-5670", "0086 138.1234.5671", "8613812345672",
          "1381234567", "138123456789", "13812O45678", "03812345678", "+44 20 7946 0958", "n/a", "   ", None,
          "13812345678.0", "13812345678"]


def test_normalised_phones_is_normalize_phone_value_by_value():
    raw = pd.Series(PHONES, dtype="string", index=pd.RangeIndex(5, 5 + len(PHONES)))
    out = quality.normalised_phones(raw)
    assert out.index.equals(raw.index)
    assert out.tolist() == [pd.NA if (v := normalize_phone(p)) is None else v for p in PHONES]
    assert out.iloc[2] == "13812345670" and out.iloc[9] == "+442079460958" and pd.isna(out.iloc[7])


def test_every_field_of_the_card_has_a_tier_and_a_positive_weight():
    weights = quality.FIELD_WEIGHTS
    assert weights["field"].is_unique
    assert set(weights["tier"]) == {"key", "important", "nice_to_have"}
    assert (weights.groupby("tier")["weight"].min() > 0).all()
    assert weights.loc[weights["tier"] == "key", "weight"].min() > weights.loc[weights["tier"] != "key", "weight"].max()
