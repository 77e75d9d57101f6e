"""The course's four bases of segmentation (细分依据: 地理, 人口, 行为, 价值) and their tables."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core.i18n import N_
from crm_analysis.segment.tables import summarise_by

__all__ = ["BASES", "BASIS_TITLES", "available_bases", "basis_summary"]

#: The course's four bases of segmentation and the feature columns that carry them.
BASES: dict[str, tuple[str, ...]] = {
    "geography": ("region", "city"),
    "demographics": ("age_band", "gender", "customer_type"),
    "behaviour": ("rfm_segment", "main_sales_channel", "main_category", "acquisition_channel"),
    "value": ("abc_tier",),
}


#: Heading of each basis (a message key: ``i18n._(BASIS_TITLES[basis])`` in the report language).
BASIS_TITLES: dict[str, str] = {
    "geography": N_("Geography"), "demographics": N_("Demographics"),
    "behaviour": N_("Behaviour"), "value": N_("Value"),
}

def available_bases(features: pd.DataFrame) -> dict[str, list[str]]:
    """For each basis, the columns of ``features`` that carry it and have at least one value.

    Parameters
    ----------
    features : pandas.DataFrame
        Customer features, possibly labelled with ``rfm_segment`` and ``abc_tier``.

    Returns
    -------
    dict of str to list of str
        Basis name (as in :data:`BASES`) to the columns that can show it; an empty list when none can.

    Examples
    --------
    >>> available_bases(pd.DataFrame({"region": ["East"], "abc_tier": ["A"]}))
    {'geography': ['region'], 'demographics': [], 'behaviour': [], 'value': ['abc_tier']}
    """
    return {basis: [c for c in cols if c in features.columns and features[c].notna().any()]
            for basis, cols in BASES.items()}


def basis_summary(features: pd.DataFrame, basis: str) -> pd.DataFrame:
    """One long table for a basis: :func:`summarise_by` for each of its available columns.

    Returns an empty frame when the data has none of the basis' columns.

    Parameters
    ----------
    features : pandas.DataFrame
        Labelled customer features (see :func:`available_bases`).
    basis : {"geography", "demographics", "behaviour", "value"}
        The basis to show.

    Returns
    -------
    pandas.DataFrame
        ``variable`` (the column), ``level`` and the columns of
        :func:`crm_analysis.segment.summarise_by`, one block per column.

    Raises
    ------
    KeyError
        If ``basis`` is not one of :data:`BASES`.

    Examples
    --------
    >>> f = pd.DataFrame({"region": ["E", "W"], "city": ["a", "b"], "recency_days": [1, 5],
    ...                   "n_orders": [1, 3], "monetary": [10.0, 60.0]})
    >>> basis_summary(f, "geography")[["variable", "level", "customers"]].values.tolist()
    [['region', 'W', 1], ['region', 'E', 1], ['city', 'b', 1], ['city', 'a', 1]]
    """
    if basis not in BASES:
        raise KeyError(f"unknown basis {basis!r}; choose from {', '.join(BASES)}")
    parts = []
    for column in available_bases(features)[basis]:
        table = summarise_by(features, column).reset_index().rename(columns={column: "level"})
        table.insert(0, "variable", column)
        parts.append(table)
    if not parts:
        return pd.DataFrame(columns=["variable", "level", "customers"])
    return pd.concat(parts, ignore_index=True)
