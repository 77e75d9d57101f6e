"""Text columns in Arrow: one place for the two things pandas 3 does slowly on millions of rows.

pandas keeps text in Arrow, but some of its string methods still go through Python objects:
``isin`` turns every member into a Python object, for example. The loaders, cleaning, the
quality checks and the churn features call these instead.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def as_arrow(values: object) -> pa.Array:
    """A text column (Series, Index, array or list) as one Arrow string array, without a copy when
    it is Arrow-backed already.

    Examples
    --------
    >>> as_arrow(pd.Series(["a", None], dtype="string")).to_pylist()
    ['a', None]
    """
    array = pa.array(pd.array(values, dtype="string[pyarrow]"))
    return array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array


def isin(values: pd.Index | pd.Series, members: Iterable[object]) -> np.ndarray:
    """``values.isin(members)`` as a bool array, done by Arrow when both sides are text.

    Missing values are never members. Anything that is not text (a MultiIndex, numbers) goes to
    pandas.

    Examples
    --------
    >>> isin(pd.Index(["a", "b", None], dtype="string"), ["c", "a", "z"]).tolist()
    [True, False, False]
    >>> isin(pd.Series([1, 2]), [2]).tolist()
    [False, True]
    """
    arraylike = isinstance(members, (pd.Index, pd.Series, np.ndarray, pd.api.extensions.ExtensionArray))
    members = members if arraylike else list(members)
    text = (not isinstance(values, pd.MultiIndex) and pd.api.types.is_string_dtype(values)
            and pd.api.types.is_string_dtype(pd.Index(members)))
    if not text:
        return np.asarray(pd.Index(values).isin(members), dtype=bool)
    found = pc.is_in(as_arrow(values), value_set=as_arrow(pd.Series(members).dropna()))
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


__all__ = ["as_arrow", "isin"]
