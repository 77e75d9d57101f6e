"""Shared input checks: one way to say that a table lacks the columns a step needs."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from crm_analysis.core.errors import CRMDataError


def require_columns(
    frame: pd.DataFrame | None, columns: Iterable[str], what: str, *, hint: str = "", no_missing: bool = False,
) -> pd.DataFrame:
    """Return ``frame`` when it has ``columns``; otherwise raise an error naming what is missing.

    Parameters
    ----------
    frame : DataFrame or None
        The table to check; None means the data source has no such table.
    columns : iterable of str
        Column names the step needs.
    what : str
        The table or step, as the reader knows it ("table transactions", "RFM scores").
    hint : str, optional
        How to get the right table, appended to the message.
    no_missing : bool, default False
        Also refuse missing values in these columns (the rows are named, at most five).

    Returns
    -------
    DataFrame
        ``frame`` itself.

    Raises
    ------
    CRMDataError
        If ``frame`` is None, lacks a column, or (``no_missing``) has a missing value in one.

    Examples
    --------
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a"], "table x").shape
    (1, 1)
    >>> require_columns(pd.DataFrame({"a": [1]}), ["a", "b"], "table x")
    Traceback (most recent call last):
    ...
    crm_analysis.core.errors.CRMDataError: table x: missing column(s) 'b' (columns present: a)
    """
    if frame is None:
        raise CRMDataError(f"{what} is needed here but the data source has none")
    columns = list(columns)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CRMDataError(
            f"{what}: missing column(s) {', '.join(map(repr, missing))} "
            f"(columns present: {', '.join(map(str, frame.columns))})" + (f"; {hint}" if hint else "")
        )
    if no_missing:
        for column in columns:
            isna = frame[column].isna().to_numpy()
            if isna.any():
                rows = ", ".join(map(str, frame.index[isna][:5]))
                raise CRMDataError(f"{what}: column {column!r} has {int(isna.sum())} missing value(s) (rows {rows})")
    return frame
