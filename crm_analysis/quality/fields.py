"""The customer information card (客户资料卡): which fields it has, how much each matters, and
how a field counts as filled, applicable and (for phones) normalised."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.data.cleaning import normalize_phone

# ---------------------------------------------------------------------------------------------
# The weight table (字段重要性). Key fields identify and reach the customer and tell where the
# record came from; important fields support segmentation and service; nice-to-have fields are
# collected only when they serve a purpose. Completeness is the weighted share of filled fields.
# ---------------------------------------------------------------------------------------------
FIELD_WEIGHTS = pd.DataFrame(
    [
        ("customer_id", "key", 3.0, "identifies the customer in every table"),
        ("name", "key", 3.0, "addresses the customer; needed to recognise duplicates"),
        ("phone", "key", 3.0, "main contact channel; needed to recognise duplicates"),
        ("city", "key", 3.0, "where the customer is served"),
        ("acquisition_channel", "key", 3.0, "which source brought the customer (客户来源)"),
        ("signup_date", "key", 3.0, "when the relationship started"),
        ("email", "important", 2.0, "second contact channel"),
        ("customer_type", "important", 2.0, "individual or business: changes how to serve"),
        ("region", "important", 2.0, "regional planning and reporting"),
        ("updated_at", "important", 2.0, "shows whether the record is kept up to date"),
        ("birth_date", "important", 2.0, "age-based segmentation and care (individuals)"),
        ("marketing_consent", "important", 2.0, "whether marketing contact is allowed"),
        ("gender", "nice_to_have", 1.0, "occasionally useful for offers"),
        ("industry", "nice_to_have", 1.0, "only meaningful for business customers"),
    ],
    columns=["field", "tier", "weight", "why"],
)

# Fields that only apply to some customers: a person has no industry. (A business customer's card
# still records the contact person's birth date, so birth_date applies to everyone.)
_APPLIES_TO = {"industry": "business"}

# Mainland-China mobile numbers: 11 digits starting 13-19 (the form normalize_phone gives them).
PHONE_PATTERN = r"1[3-9]\d{9}"
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"


def _blank(series: pd.Series) -> pd.Series:
    """Missing, or text that is only whitespace."""
    if pd.api.types.is_string_dtype(series) or series.dtype == object:
        return series.isna() | (series.astype("string").str.strip() == "")
    return series.isna()


def _collected(table: pd.DataFrame, column: str) -> bool:
    """Whether the source collects ``column`` at all (it exists and is filled somewhere)."""
    return column in table and bool((~_blank(table[column])).any())


def _applies(customers: pd.DataFrame, column: str) -> pd.Series:
    """Whether ``column`` is expected for each customer (industry only for businesses, ...)."""
    wanted = _APPLIES_TO.get(column)
    if wanted is None or "customer_type" not in customers:
        return pd.Series(True, index=customers.index)
    kind = customers["customer_type"].astype("string").str.strip().str.lower()
    # Unknown type: the field may apply, so do not count it against the record.
    return (kind == wanted).fillna(False).astype(bool)




def normalised_phones(phone: pd.Series) -> pd.Series:
    """:func:`crm_analysis.data.cleaning.normalize_phone` of a whole column: missing where malformed.

    Numbers already in canonical form (11-digit mobiles) are kept as they are without a Python call
    each; the others are normalised once per distinct value (a million customers have a million phones).

    Parameters
    ----------
    phone : pandas.Series
        Raw phone numbers.

    Returns
    -------
    pandas.Series
        Strings with the index of ``phone``: 11-digit mobiles, ``+``-prefixed international numbers,
        or NA (empty or malformed).

    Examples
    --------
    >>> normalised_phones(pd.Series(["+86 138-1234-5678", "13812345678", "1381234567", None])).tolist()
    ['13812345678', '13812345678', <NA>, <NA>]
    """
    text = phone.astype("string")
    canonical = text.str.fullmatch(PHONE_PATTERN).fillna(False).to_numpy(dtype=bool)
    out = text.where(canonical)
    rest = np.flatnonzero(~canonical & text.notna().to_numpy(dtype=bool))
    if len(rest):
        codes, uniques = pd.factorize(text.iloc[rest])
        normalised = pd.array([normalize_phone(value) for value in uniques], dtype="string")
        out.iloc[rest] = normalised[codes]
    return out
