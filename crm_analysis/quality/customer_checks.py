"""Checks of the customers table: completeness, validity, timeliness and city/region consistency."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.i18n import _
from crm_analysis.core.schema import ACQUISITION_CHANNELS, CUSTOMER_TYPES, GENDERS
from crm_analysis.quality.fields import EMAIL_PATTERN, FIELD_WEIGHTS, _applies, _blank, _collected, normalised_phones
from crm_analysis.quality.findings import _finding


def _check_missing(customers: pd.DataFrame, notes: list[str]) -> list[pd.DataFrame]:
    found = []
    absent = [c for c in FIELD_WEIGHTS["field"] if not _collected(customers, c)]
    if absent:
        notes.append(_("The source does not collect {fields} (no column, or empty in every record): these "
                       "fields cannot be checked, and the scorecard counts them as empty.")
                     .format(fields=", ".join(absent)))
    for column in FIELD_WEIGHTS["field"]:
        if column in absent:
            continue  # a field the source never collects is a design gap, not 1 record to fix each
        mask = _blank(customers[column]) & _applies(customers, column)
        found.append(_finding(customers, mask, table="customers", check="missing_value", column=column,
                              id_column="customer_id", detail=f"{column} is empty"))
    return found


def _check_validity(customers: pd.DataFrame, as_of: pd.Timestamp, *, min_age: int, max_age: int,
                    phone_pattern: str, phone: pd.Series | None = None) -> list[pd.DataFrame]:
    found = []
    kw = {"table": "customers", "id_column": "customer_id"}
    if "phone" in customers:
        phone = normalised_phones(customers["phone"]) if phone is None else phone
        # Filled but malformed (normalize_phone gives nothing), or normalised but not matching the pattern.
        bad = ~_blank(customers["phone"]) & ~phone.str.fullmatch(phone_pattern).fillna(False).astype(bool)
        found.append(_finding(customers, bad, check="invalid_phone", column="phone",
                              detail="phone does not match the mobile-number pattern", **kw))
    if "email" in customers:
        email = customers["email"].astype("string").str.strip()
        bad = ~_blank(email) & ~email.str.fullmatch(EMAIL_PATTERN).fillna(False).astype(bool)
        found.append(_finding(customers, bad, check="invalid_email", column="email",
                              detail="e-mail address is malformed", **kw))
    if "birth_date" in customers:
        birth = pd.to_datetime(customers["birth_date"], errors="coerce")
        # Age when the card was filled in: a 10-year-old customer is a data-entry error.
        signup = customers["signup_date"].fillna(as_of) if "signup_date" in customers else as_of
        age_then = (signup - birth).dt.days / 365.25
        age_now = (as_of - birth).dt.days / 365.25
        bad = birth.notna() & ((birth > as_of) | (age_then < min_age) | (age_now > max_age))

        def detail(hit: np.ndarray) -> pd.Series:  # text only for the few flagged rows
            return ("age " + age_then.iloc[hit].round(0).astype("Int64").astype("string")
                    + f" at signup: outside {min_age}-{max_age}")

        found.append(_finding(customers, bad, check="invalid_birth_date", column="birth_date",
                              detail=detail, **kw))
    for column, allowed in (("gender", GENDERS), ("customer_type", CUSTOMER_TYPES),
                            ("acquisition_channel", ACQUISITION_CHANNELS)):
        if column in customers:
            value = customers[column].astype("string").str.strip()
            bad = ~_blank(value) & ~value.isin(allowed)
            found.append(_finding(customers, bad, check="invalid_category", column=column,
                                  detail=f"{column} not in the allowed list", **kw))
    for column in ("signup_date", "updated_at"):
        if column in customers:
            bad = customers[column] > as_of
            found.append(_finding(customers, bad, check="invalid_date", column=column,
                                  detail=f"{column} is after the as-of date", **kw))
    if {"signup_date", "updated_at"} <= set(customers):
        bad = customers["updated_at"] < customers["signup_date"]
        found.append(_finding(customers, bad, check="invalid_date", column="updated_at",
                              detail="updated before the customer signed up", **kw))
    return found


def _check_stale(customers: pd.DataFrame, as_of: pd.Timestamp, stale_after_days: int,
                 notes: list[str]) -> list[pd.DataFrame]:
    if "updated_at" not in customers:
        notes.append(_("customers has no 'updated_at' column: timeliness cannot be checked."))
        return []
    age = (as_of - customers["updated_at"]).dt.days
    return [_finding(customers, age > stale_after_days, table="customers", check="stale_record",
                     column="updated_at", id_column="customer_id",
                     detail=lambda hit: "not updated for " + age.iloc[hit].astype("Int64").astype("string") + " days")]


def learn_city_regions(customers: pd.DataFrame, *, min_share: float = 0.6) -> pd.Series:
    """City → region learned from the data: the region most records of a city give.

    A city is mapped only when its most common region holds at least ``min_share`` of its records
    (a clear majority), so the map is not invented where the data disagree.

    Parameters
    ----------
    customers : pandas.DataFrame
        Needs ``city`` and ``region``.
    min_share : float, default 0.6
        Share of a city's records the majority region must reach.

    Returns
    -------
    pandas.Series
        Region indexed by normalised city (stripped, case-folded).

    Examples
    --------
    >>> c = pd.DataFrame({"city": ["Xi'an", "xi'an ", "Xi'an", "Lhasa"], "region": ["NW", "NW", "E", "SW"]})
    >>> learn_city_regions(c).to_dict()
    {'lhasa': 'SW', "xi'an": 'NW'}
    """
    city = customers["city"].astype("string").str.strip().str.lower()
    region = customers["region"].astype("string").str.strip()
    pairs = pd.DataFrame({"city": city, "region": region}).dropna()
    counts = pairs.value_counts().rename("n").reset_index()
    counts["share"] = counts["n"] / counts.groupby("city")["n"].transform("sum")
    top = counts.sort_values(["city", "n"], ascending=[True, False]).drop_duplicates("city")
    top = top[top["share"] >= min_share]
    return pd.Series(top["region"].to_numpy(), index=pd.Index(top["city"].to_numpy(), name="city"),
                     name="region", dtype="string")


def _check_city_region(customers: pd.DataFrame, notes: list[str]) -> tuple[list[pd.DataFrame], pd.Series]:
    if not {"city", "region"} <= set(customers):
        notes.append(_("customers lacks 'city' or 'region': city/region consistency cannot be checked."))
        return [], pd.Series(dtype="string", name="region")
    regions = learn_city_regions(customers)
    city = customers["city"].astype("string").str.strip().str.lower()
    expected = city.map(regions).astype("string")
    given = customers["region"].astype("string").str.strip()
    bad = expected.notna() & given.notna() & (expected != given)
    detail = "region " + given.fillna("") + " but the city is in " + expected.fillna("")
    return [_finding(customers, bad, table="customers", check="city_region_mismatch", column="region",
                     id_column="customer_id", detail=detail)], regions


