"""crm_analysis.core.arrow_text: Arrow versions of the string operations pandas does slowly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.arrow_text import as_arrow, isin

SEED = 20230101


def test_isin_matches_pandas_isin():
    rng = np.random.default_rng(SEED)
    values = pd.Series([f"C{i}" for i in rng.integers(0, 50, 300)], dtype="string")
    members = pd.Series([f"C{i}" for i in rng.integers(0, 80, 40)], dtype="string").array
    assert isin(values, members).tolist() == values.isin(members).tolist()
    assert isin(pd.Index(values), iter(["C1", "C2"])).tolist() == values.isin(["C1", "C2"]).tolist()
    pairs = pd.MultiIndex.from_arrays([["a", "b", "c"], ["x", "y", "z"]])
    assert isin(pairs, pairs[[2, 0]]).tolist() == [True, False, True]


def test_isin_matches_pandas_on_strings_with_missing_values():
    values = pd.Series(["C1", None, "C3", "C4", "c1"], dtype="string")
    allowed = pd.Series(["C1", "C4", "C9", None], dtype="string")
    assert isin(values, allowed).tolist() == [True, False, False, True, False]
    mixed = pd.Series([1, "C1", None], dtype=object)  # not strings: pandas' own isin
    assert isin(mixed, allowed.dropna()).tolist() == [False, True, False]


def test_as_arrow_is_one_array_of_text_whatever_comes_in():
    chunked = pd.concat([pd.Series(["a"], dtype="string"), pd.Series(["b", None], dtype="string")])
    assert as_arrow(chunked).to_pylist() == ["a", "b", None]
    assert as_arrow(pd.Series([1, "x"], dtype=object)).to_pylist() == ["1", "x"]
