"""Chapter 1: the quality of collected customer information (客户信息收集与质量).

The checks look at the data **as collected** (``chapter.loaded``, before cleaning), because that
is what the collection process produced; cleaning then fixes or quarantines what it can.

Five quality dimensions (质量维度) are measured:

* **completeness** (完整性): are the fields of the customer information card filled? Fields are
  weighted by importance (:data:`FIELD_WEIGHTS`): the key fields of the card count three times as
  much as nice-to-have ones, because the course warns against collecting everything without focus.
* **validity** (有效性): phone numbers, e-mail addresses, birth dates, categories and dates.
* **uniqueness** (唯一性): the same person recorded twice, found by fuzzy matching of names,
  phones, e-mails and birth dates within blocks (:func:`find_duplicate_customers`), and
  duplicated order lines.
* **timeliness** (及时性): records not reviewed for more than ``stale_after_days`` before the
  as-of date (the "dynamic database" the course asks for).
* **consistency** (一致性): orphan transactions, a city filed under the wrong region (the
  city → region map is learned from the data by majority vote), completed orders with negative
  amounts.

:func:`run_checks` returns every finding as one row (table, source_row, record_id, check,
column, detail); the other functions summarise findings per field, per acquisition channel,
per signup month, and list the records to fix. No check reads the ground truth:
:func:`defect_detection` compares findings with ``truth.defects`` afterwards.

Examples
--------
>>> import pandas as pd
>>> from crm_analysis.core.crmdata import CRMData
>>> tx = pd.DataFrame({"customer_id": ["C1", None], "order_date": pd.to_datetime(["2024-01-02"] * 2),
...                    "amount": [10.0, -5.0], "status": ["completed", "completed"]},
...                   index=pd.Index([2, 3], name="source_row"))
>>> checks = run_checks(CRMData(transactions=tx), as_of="2024-02-01")
>>> sorted(checks.findings["check"])
['missing_customer_id', 'unflagged_negative_amount']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_analysis.core.arrow_text import isin
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.schema import ACQUISITION_CHANNELS, CUSTOMER_TYPES, GENDERS

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

# The check registry: which quality dimension a check measures, its table, and a plain reason.
CHECKS = pd.DataFrame(
    [
        ("missing_value", "completeness", "customers", "a field of the customer card is empty"),
        ("invalid_phone", "validity", "customers", "phone number is not a valid mobile number"),
        ("invalid_email", "validity", "customers", "e-mail address is malformed"),
        ("invalid_birth_date", "validity", "customers", "birth date is impossible or implausible"),
        ("invalid_category", "validity", "customers", "value is not one of the allowed categories"),
        ("invalid_date", "validity", "customers", "signup/update date in the future or out of order"),
        ("duplicate_customer", "uniqueness", "customers", "the same customer is recorded twice"),
        ("stale_record", "timeliness", "customers", "record not reviewed for too long"),
        ("city_region_mismatch", "consistency", "customers", "city filed under the wrong region"),
        ("missing_customer_id", "completeness", "transactions", "order line without a customer id"),
        ("orphan_transaction", "consistency", "transactions", "customer id not in the customers table"),
        ("duplicate_order_line", "uniqueness", "transactions", "order line recorded twice"),
        ("unflagged_negative_amount", "consistency", "transactions",
         "negative amount on a completed order (should be a return)"),
        ("invalid_order_date", "validity", "transactions", "order date missing or after the as-of date"),
        ("amount_outlier", "validity", "transactions", "amount far outside the usual range"),
        ("cancelled_order", "information", "transactions", "cancelled order line (not an error)"),
    ],
    columns=["check", "dimension", "table", "description"],
)
DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness", "consistency")
FINDING_COLUMNS = ["table", "source_row", "record_id", "check", "column", "detail"]
PAIR_COLUMNS = ["customer_id_a", "customer_id_b", "source_row_a", "source_row_b", "score", "reason"]

# Mainland-China mobile numbers: 11 digits starting 13-19 (after removing +86, spaces, dashes).
PHONE_PATTERN = r"1[3-9]\d{9}"
EMAIL_PATTERN = r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}"


@dataclass
class QualityChecks:
    """Everything :func:`run_checks` found.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per problem: table, source_row, record_id, check, column, detail.
        ``detail`` never holds raw personal data.
    duplicate_pairs : pandas.DataFrame
        Likely duplicate customers: customer_id_a, customer_id_b, source_row_a, source_row_b,
        score (0–1) and reason (which fields agree). ``b`` is the later record.
    city_regions : pandas.Series
        The learned city → region map (majority vote per city).
    notes : list of str
        What could not be checked, and why.
    as_of : pandas.Timestamp
        The date timeliness is measured against.
    params : dict
        The thresholds used.
    duplicate_candidates : pandas.DataFrame, optional
        Every scored candidate pair that passes the field rules, whatever its score (the columns of
        ``duplicate_pairs``, score unrounded): :func:`duplicates_at_thresholds` re-thresholds these
        without searching again.
    """

    findings: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    city_regions: pd.Series
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None
    params: dict = field(default_factory=dict)
    duplicate_candidates: pd.DataFrame | None = None


# ------------------------------------------------------------------------------------ helpers
def _finding(frame: pd.DataFrame, mask: pd.Series | np.ndarray, *, table: str, check: str, column: str | None,
             id_column: str, detail: pd.Series | str | Callable[[np.ndarray], object] = "") -> pd.DataFrame:
    """One finding per row where ``mask`` holds; ``detail`` may be a function of the hit positions."""
    flags = mask.fillna(False).to_numpy(dtype=bool) if isinstance(mask, pd.Series) else np.asarray(mask, dtype=bool)
    return _finding_at(frame, np.flatnonzero(flags), table=table, check=check, column=column,
                       id_column=id_column, detail=detail)


def _finding_at(frame: pd.DataFrame, hit: np.ndarray, *, table: str, check: str, column: str | None,
                id_column: str, detail: pd.Series | str | Callable[[np.ndarray], object] = "") -> pd.DataFrame:
    # Only the hit rows' key and id are taken: copying whole wide rows per check cost gigabytes at 1M customers.
    if callable(detail):
        detail = detail(hit)
    elif isinstance(detail, pd.Series):
        detail = detail.iloc[hit]
    if isinstance(detail, pd.Series):
        detail = detail.to_numpy()
    return pd.DataFrame({
        "table": table,
        "source_row": frame.index.to_numpy(dtype="int64")[hit],
        "record_id": frame[id_column].iloc[hit].astype("string").to_numpy() if id_column in frame else pd.NA,
        "check": check,
        "column": column if column is not None else pd.NA,
        "detail": detail,
    })


def normalise_phone(phone: pd.Series) -> pd.Series:
    """Digits of a phone number without the +86 / 0086 country prefix.

    Examples
    --------
    >>> normalise_phone(pd.Series(["+86 138-1234-5678", "138 1234 5678", None])).tolist()
    ['13812345678', '13812345678', <NA>]
    """
    digits = phone.astype("string").str.replace(r"\D", "", regex=True)
    # A group, not a look-ahead: pyarrow's regex engine runs it, a look-ahead falls back to Python.
    digits = digits.str.replace(r"^(?:0086|86)(1\d{10})$", r"\1", regex=True)
    return digits.mask(digits == "")


def normalise_name(name: pd.Series) -> pd.Series:
    """Lower-case name with punctuation dropped and words sorted ("Wei Zhang" = "zhang  wei").

    Examples
    --------
    >>> normalise_name(pd.Series(["Wei  Zhang", "zhang-wei", "张伟"])).tolist()
    ['wei zhang', 'wei zhang', '张伟']
    """
    text = _squash_punctuation(name.astype("string").str.lower())
    # Most names (all Chinese ones) are one word: sort words in Python only where there are several.
    several = text.str.contains(" ", regex=False).fillna(False).to_numpy(dtype=bool)
    if several.any():
        text = text.copy()
        text.iloc[several] = [" ".join(sorted(w.split())) for w in text.iloc[several]]
    return text


def _squash_punctuation(text: pd.Series) -> pd.Series:
    """Every run of characters other than letters, digits and ``_`` becomes one space; ends stripped."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:  # RE2 in pyarrow knows Unicode classes; pandas would run Python's re value by value
        squashed = pc.utf8_trim(pc.replace_substring_regex(pa.array(text.array), r"[^\p{L}\p{N}_]+", " "), " ")
    except (TypeError, ValueError, pa.ArrowException):
        return text.str.replace(r"\W+", " ", regex=True).str.strip()
    return pd.Series(squashed, index=text.index, dtype=text.dtype)


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


# --------------------------------------------------------------------------- customer checks
def _check_missing(customers: pd.DataFrame, notes: list[str]) -> list[pd.DataFrame]:
    found = []
    absent = [c for c in FIELD_WEIGHTS["field"] if not _collected(customers, c)]
    if absent:
        notes.append(f"The source does not collect {', '.join(absent)} (no column, or empty in every "
                     "record): these fields cannot be checked, and the scorecard counts them as empty.")
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
        phone = normalise_phone(customers["phone"]) if phone is None else phone
        bad = phone.notna() & ~phone.str.fullmatch(phone_pattern).fillna(False).astype(bool)
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
        notes.append("customers has no 'updated_at' column: timeliness cannot be checked.")
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
        notes.append("customers lacks 'city' or 'region': city/region consistency cannot be checked.")
        return [], pd.Series(dtype="string", name="region")
    regions = learn_city_regions(customers)
    city = customers["city"].astype("string").str.strip().str.lower()
    expected = city.map(regions).astype("string")
    given = customers["region"].astype("string").str.strip()
    bad = expected.notna() & given.notna() & (expected != given)
    detail = "region " + given.fillna("") + " but the city is in " + expected.fillna("")
    return [_finding(customers, bad, table="customers", check="city_region_mismatch", column="region",
                     id_column="customer_id", detail=detail)], regions


# ------------------------------------------------------------------------- duplicate customers
_PAIR_WEIGHTS = {"name": 0.35, "phone": 0.30, "email": 0.20, "birth": 0.15}


def _codes(values: pd.Series | np.ndarray) -> np.ndarray:
    """Integer code per value (-1 where missing): blocking compares integers, not strings."""
    return pd.factorize(values, use_na_sentinel=True)[0].astype(np.int64)


def _combine(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """One code for a pair of codes (-1 when either is missing)."""
    out = left * (int(right.max(initial=0)) + 1) + right
    return np.where((left >= 0) & (right >= 0), out, -1)


def _blocking_keys(name: pd.Series, phone: pd.Series, email: pd.Series, birth: pd.Series) -> dict[str, np.ndarray]:
    """The blocking keys (分块键) as integer codes per record.

    Each key survives the usual ways one person is entered twice: a reformatted phone (phone, e-mail,
    name keys), a homophone in the name (phone, e-mail, and birth date with the unchanged first or
    last character), one digit off in the phone (name, e-mail). Birth date alone is not a key: at
    1,000,000 customers about 45 people share each birth date, so its pairs grew with the square of
    the data; with a character of the name it stays a handful.
    """
    squeezed = name.str.replace(" ", "", regex=False)
    squeezed = squeezed.mask(squeezed == "")
    name_code = _codes(squeezed)
    birth_code = _codes(birth)
    return {
        "phone": _codes(phone),
        "email": _codes(email),
        "name": name_code,
        "name_phone4": _combine(name_code, _codes(phone.str[-4:])),
        "birth_first_char": _combine(birth_code, _codes(squeezed.str[0])),
        "birth_last_char": _combine(birth_code, _codes(squeezed.str[-1])),
    }


def _candidate_pairs(keys: dict[str, np.ndarray], order: np.ndarray, *, window: int,
                     max_block: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions ``a < b`` of records that share a blocking key, at most ``window`` apart in its block.

    Sorted neighbourhood (排序邻居法) inside each block: the block's records are sorted by ``order``
    and each is paired with the next ``window`` ones, so a block of up to ``window + 1`` records is
    compared completely and no record gets more than ``window`` partners per key. Blocks above
    ``max_block`` records are skipped: a value that many records share (a placeholder phone, a
    shop's e-mail) says nothing about identity. Everything is vectorised; no step is quadratic.
    """
    n = len(order)
    lo_parts, hi_parts = [], []
    for codes in keys.values():
        present = codes >= 0  # -1: the key is missing, which is no block
        block = np.full(n, -1, dtype=np.int64)
        block[present] = pd.factorize(codes[present])[0]  # compact again after combining
        size = np.zeros(n, dtype=np.int64)
        size[present] = np.bincount(block[present])[block[present]]
        pos = np.flatnonzero((size > 1) & (size <= max_block))
        pos = pos[np.lexsort((order[pos], block[pos]))]
        block = block[pos]
        for step in range(1, window + 1):
            same = block[:-step] == block[step:]
            if not same.any():  # no block has more than `step` records left to pair
                break
            a, b = pos[:-step][same], pos[step:][same]
            lo_parts.append(np.minimum(a, b))
            hi_parts.append(np.maximum(a, b))
    if not lo_parts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    pair = np.sort(np.concatenate(lo_parts) * n + np.concatenate(hi_parts))
    pair = pair[np.r_[True, pair[1:] != pair[:-1]]]  # a pair that two keys found is scored once
    return pair // n, pair % n


def _similarity(values: np.ndarray, present: np.ndarray, a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
    """Similarity in 0–1 of ``values[a]`` and ``values[b]`` pair by pair; NaN where either is missing."""
    from rapidfuzz.process import cpdist

    both = present[a] & present[b]
    out = np.full(len(a), np.nan)
    if both.any():
        out[both] = cpdist(values[a[both]], values[b[both]], scorer=scorer, workers=1)
    return out


def _duplicate_fields(customers: pd.DataFrame, phone: pd.Series | None = None) -> pd.DataFrame:
    """The compared fields, normalised, one row per record (positional index)."""
    missing = [c for c in ("customer_id", "name") if c not in customers]
    if missing:
        raise CRMDataError(f"customers table: duplicate detection needs column(s) {missing}; "
                           f"columns present: {list(customers.columns)[:10]}")
    index = pd.RangeIndex(len(customers))
    none = pd.Series(pd.NA, index=index, dtype="string")
    if phone is None:
        phone = normalise_phone(customers["phone"]) if "phone" in customers else none
    # lower(), not casefold(): pyarrow runs it; casefold() goes value by value in Python.
    email = customers["email"].astype("string").str.strip().str.lower() if "email" in customers else none
    birth = (pd.to_datetime(customers["birth_date"], errors="coerce") if "birth_date" in customers
             else pd.Series(pd.NaT, index=customers.index, dtype="datetime64[ns]"))
    return pd.DataFrame({
        "name": normalise_name(customers["name"]).to_numpy(),
        "phone": phone.astype("string").to_numpy(),
        "email": email.mask(email == "").to_numpy(),
        "birth": birth.to_numpy(dtype="datetime64[ns]"),
    }, index=index).astype({"name": "string", "phone": "string", "email": "string"})


def duplicate_candidates(customers: pd.DataFrame, *, max_block: int = 500, window: int = 5,
                         phone: pd.Series | None = None) -> pd.DataFrame:
    """Every candidate duplicate pair that passes the field rules, scored, whatever its score.

    This is the expensive half of :func:`find_duplicate_customers` (blocking and fuzzy scoring);
    choosing a threshold is then a filter (:func:`duplicates_at_thresholds`). Blocking, scoring and
    the rules are described there.

    Parameters
    ----------
    customers : pandas.DataFrame
        Needs ``customer_id`` and ``name``; uses ``phone``, ``email``, ``birth_date``, ``signup_date``.
    max_block : int, default 500
        Blocks with more records than this are skipped (a placeholder value, not an identity).
    window : int, default 5
        Partners per record and key inside a block (sorted neighbourhood); smaller blocks are
        compared completely.
    phone : pandas.Series, optional
        The already normalised phones (:func:`normalise_phone`), to avoid doing it twice.

    Returns
    -------
    pandas.DataFrame
        customer_id_a, customer_id_b, source_row_a, source_row_b, score (unrounded), reason;
        ``b`` is the later record.

    Raises
    ------
    CRMDataError
        If ``customer_id`` or ``name`` is missing.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["Li Na", "Li Na"],
    ...                   "phone": ["13812345678", "13812345679"], "birth_date": ["1990-01-01", None]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> duplicate_candidates(c)[["customer_id_a", "customer_id_b", "reason"]]
      customer_id_a customer_id_b                        reason
    0            C1            C2  same name; similar phone (91%)
    """
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    f = _duplicate_fields(customers, phone)
    keys = _blocking_keys(f["name"], f["phone"], f["email"], f["birth"])
    # Inside a block, records with the same birth date, then the same name, then phone are neighbours.
    birth = f["birth"].to_numpy()
    order = np.empty(len(f), dtype=np.int64)
    order[np.lexsort((keys["phone"], keys["name"], birth.astype(np.int64)))] = np.arange(len(f))
    a, b = _candidate_pairs(keys, order, window=window, max_block=max_block)

    def similarity(column: str, a: np.ndarray, b: np.ndarray, scorer) -> np.ndarray:
        values = f[column]
        return _similarity(values.to_numpy(dtype=object, na_value=None), values.notna().to_numpy(), a, b, scorer)

    # Names first: a pair whose names are less than half alike can never be reported, so most
    # candidates (same birth date and surname, shared e-mail domain-like addresses) stop here.
    name_sim = similarity("name", a, b, fuzz.token_sort_ratio) / 100
    alike = name_sim >= 0.5
    a, b = a[alike], b[alike]
    known = ~np.isnat(birth)
    sims = pd.DataFrame({
        "name": name_sim[alike],
        "phone": similarity("phone", a, b, Levenshtein.normalized_similarity),
        "email": similarity("email", a, b, Levenshtein.normalized_similarity),
        "birth": np.where(known[a] & known[b], (birth[a] == birth[b]).astype(float), np.nan),
    })
    weights = pd.Series(_PAIR_WEIGHTS)
    score = (sims.fillna(0) * weights).sum(axis=1) / (sims.notna() * weights).sum(axis=1)
    agree = (sims[["phone", "email", "birth"]] >= 0.9).sum(axis=1)
    name_ok = sims["name"].fillna(0)
    keep = ((name_ok >= 0.5) & ((agree >= 2) | ((agree >= 1) & (name_ok >= 0.65)))).to_numpy()
    sims, score, a, b = sims[keep].reset_index(drop=True), score[keep].to_numpy(), a[keep], b[keep]
    later = _later_first(customers, a, b)
    first, second = np.where(later, b, a), np.where(later, a, b)
    ids = customers["customer_id"].astype("string").to_numpy(dtype=object)
    rows = customers.index.to_numpy(dtype="int64")
    return pd.DataFrame({
        "customer_id_a": ids[first],
        "customer_id_b": ids[second],
        "source_row_a": rows[first],
        "source_row_b": rows[second],
        "score": score,
        "reason": _pair_reasons(sims).to_numpy(),
    })


def select_duplicates(candidates: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """The candidate pairs scoring at least ``threshold``, score rounded, best first.

    Examples
    --------
    >>> cand = pd.DataFrame({"customer_id_a": ["C1", "C3"], "customer_id_b": ["C2", "C4"],
    ...                      "source_row_a": [2, 4], "source_row_b": [3, 5], "score": [0.91234, 0.65],
    ...                      "reason": ["same phone", "similar name (80%)"]})
    >>> select_duplicates(cand, 0.7)[["customer_id_b", "score"]]
      customer_id_b  score
    0            C2  0.912
    """
    out = candidates[candidates["score"] >= threshold].assign(score=lambda t: t["score"].round(3))
    return out.sort_values(["score", "source_row_a"], ascending=[False, True]).reset_index(drop=True)


def find_duplicate_customers(customers: pd.DataFrame, *, threshold: float = 0.7, max_block: int = 500,
                             window: int = 5) -> pd.DataFrame:
    """Likely duplicate customers: the same person entered twice with name or phone variants.

    Blocking (分块) keeps this fast: only records sharing a normalised phone, e-mail, name, (name,
    last four phone digits), or (birth date, first or last character of the name) are compared.
    Inside a block records are sorted by birth date, name and phone, and each is compared with its
    next ``window`` neighbours (sorted neighbourhood): a block of up to ``window + 1`` records is
    compared completely, a larger one (a common name in a million customers) gives each record at
    most ``window`` partners, so the work grows in step with the data, not with its square. Blocks
    above ``max_block`` records are skipped. Each candidate pair is then scored by fuzzy similarity
    (rapidfuzz, vectorised over all pairs) of the fields both records have:

    ======== ====== ==========================================================
    field    weight similarity
    ======== ====== ==========================================================
    name     0.35   token-sort ratio of the normalised names
    phone    0.30   normalised Levenshtein similarity of the digits
    email    0.20   Levenshtein similarity of the lower-cased address
    birth    0.15   1 if the birth dates are equal, else 0
    ======== ====== ==========================================================

    The score is the weighted mean over the fields present in both records. A field *agrees* when
    its similarity is at least 0.9 (a phone may differ in one digit of eleven; an e-mail only in
    case). A pair is reported when the score reaches ``threshold``, the names are at least half
    alike, and either two of phone, e-mail and birth date agree, or one agrees and the names are
    at least 0.65 alike. Chinese names are two or three characters, so one homophone slip
    (魏华 / 魏桦) halves or thirds the name similarity: that is why contact fields carry the
    decision. A shared common name alone, or a family sharing one phone, is not enough.

    The thresholds were set by reading pairs in the teaching data, then checked against its
    ground truth (precision and recall ≥ 0.9); they do not look at the truth.

    Parameters
    ----------
    customers : pandas.DataFrame
        Needs ``customer_id`` and ``name``; uses ``phone``, ``email``, ``birth_date``, ``signup_date``.
    threshold : float, default 0.7
        Minimum weighted score.
    max_block : int, default 500
        Blocks larger than this are skipped (e.g. a placeholder phone shared by hundreds).
    window : int, default 5
        Neighbours each record is compared with inside a larger block.

    Returns
    -------
    pandas.DataFrame
        customer_id_a, customer_id_b, source_row_a, source_row_b, score, reason;
        ``b`` is the later record (later signup date, then later row), the one to merge away.

    Raises
    ------
    CRMDataError
        If ``customer_id`` or ``name`` is missing.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2", "C3"],
    ...                   "name": ["Zhang Wei", "Wei Zhang", "Li Na"],
    ...                   "phone": ["13812345678", "138 1234 5678", "13900000000"]},
    ...                  index=pd.Index([2, 3, 4], name="source_row"))
    >>> find_duplicate_customers(c)[["customer_id_a", "customer_id_b", "score"]]
      customer_id_a customer_id_b  score
    0            C1            C2    1.0
    """
    candidates = duplicate_candidates(customers, max_block=max_block, window=window)
    return select_duplicates(candidates, threshold)


def duplicates_at_thresholds(candidates: pd.DataFrame, thresholds: list[float] | tuple[float, ...],
                             truth_defects: pd.DataFrame | None = None) -> pd.DataFrame:
    """Re-score already found candidate pairs at several thresholds, without searching again.

    Parameters
    ----------
    candidates : pandas.DataFrame
        ``checks.duplicate_candidates`` (or :func:`duplicate_candidates`).
    thresholds : sequence of float
        Minimum scores to try.
    truth_defects : pandas.DataFrame, optional
        ``truth.defects`` of generated data: adds precision and recall of ``duplicate_customer``
        (scored on the later record, as :func:`defect_detection` does).

    Returns
    -------
    pandas.DataFrame
        threshold, pairs, records (distinct later records to merge away), and with the truth
        precision and recall.

    Raises
    ------
    CRMDataError
        If ``candidates`` lacks the score or the later record's row.

    Examples
    --------
    >>> cand = pd.DataFrame({"source_row_b": [3, 5, 5], "score": [0.95, 0.75, 0.62]})
    >>> duplicates_at_thresholds(cand, [0.6, 0.7, 0.9])
       threshold  pairs  records
    0        0.6      3        2
    1        0.7      2        2
    2        0.9      1        1
    """
    if not {"score", "source_row_b"} <= set(candidates.columns):
        raise CRMDataError("duplicate candidates need columns 'score' and 'source_row_b' "
                           f"(got {list(candidates.columns)}); pass checks.duplicate_candidates")
    truth = None
    if truth_defects is not None:
        wanted = truth_defects[truth_defects["defect"] == "duplicate_customer"]
        truth = set(zip(wanted["table"].astype(str), wanted["source_row"].astype("int64"), strict=True))
    rows = []
    for threshold in thresholds:
        kept = candidates.loc[candidates["score"] >= threshold, "source_row_b"]
        row = {"threshold": threshold, "pairs": len(kept), "records": kept.nunique()}
        if truth is not None:
            found = {("customers", int(r)) for r in kept.unique()}
            row["precision"], row["recall"], _ = _precision_recall(found, truth)
        rows.append(row)
    return pd.DataFrame(rows)


def _pair_reasons(sims: pd.DataFrame) -> pd.Series:
    """Which fields agree, e.g. "same phone; similar name (67%)" (vectorised: pairs run to millions)."""
    joined = pd.Series("", index=sims.index, dtype="string")
    for column, label in (("name", "name"), ("phone", "phone"), ("email", "e-mail"), ("birth", "birth date")):
        s = sims[column]
        part = pd.Series(np.where(s == 1, f"same {label}", ""), index=sims.index, dtype="string")
        if column != "birth":
            similar = (s >= 0.8) & (s < 1)
            percent = (s[similar] * 100).round(0).astype("int64").astype("string")
            part[similar] = f"similar {label} (" + percent + "%)"
        sep = np.where((joined != "") & (part != ""), "; ", "")
        joined = joined + sep + part
    return joined


def _later_first(c: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where record ``a`` is the later one (later signup, then later row) and should be ``b``."""
    if "signup_date" in c:
        signup = c["signup_date"].to_numpy(dtype="datetime64[ns]")
        sa, sb = signup[a], signup[b]
        unknown = np.isnat(sa) | np.isnat(sb)
        return np.where(unknown | (sa == sb), a > b, sa > sb)
    return a > b


# ------------------------------------------------------------------------ transaction checks
def _check_transactions(tx: pd.DataFrame, customers: pd.DataFrame | None, as_of: pd.Timestamp,
                        outlier_iqr: float, notes: list[str]) -> list[pd.DataFrame]:
    found = []
    kw = {"table": "transactions", "id_column": "order_id" if "order_id" in tx else "customer_id"}
    cid = tx["customer_id"].astype("string")
    blank = _blank(cid)
    found.append(_finding(tx, blank, check="missing_customer_id", column="customer_id",
                          detail="customer id is empty", **kw))
    if customers is not None and "customer_id" in customers:
        bad = ~blank & ~pd.Series(isin(cid, customers["customer_id"]), index=cid.index)
        found.append(_finding(tx, bad, check="orphan_transaction", column="customer_id",
                              detail="customer id not in the customers table", **kw))
    else:
        notes.append("No customers table: orphan transactions (order lines of unknown customers) "
                     "cannot be checked.")
    found.append(_duplicate_lines(tx, kw))
    if "status" in tx:
        status = tx["status"].astype("string").str.strip()
        neg = (tx["amount"] < 0) & (status == "completed")
        found.append(_finding(tx, neg, check="unflagged_negative_amount", column="amount",
                              detail="negative amount with status completed", **kw))
        found.append(_finding(tx, status == "cancelled", check="cancelled_order", column="status",
                              detail="cancelled", **kw))
    else:
        notes.append("Transactions have no 'status': negative amounts cannot be told from returns.")
    bad_date = tx["order_date"].isna() | (tx["order_date"] > as_of)
    found.append(_finding(tx, bad_date, check="invalid_order_date", column="order_date",
                          detail="order date missing or after the as-of date", **kw))
    found.append(_amount_outliers(tx, outlier_iqr, kw))
    return found


def _row_hash(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit hash of each row over ``columns``, column by column (no copy of the frame)."""
    out = np.zeros(len(frame), dtype=np.uint64)
    for column in columns:
        h = pd.util.hash_pandas_object(frame[column], index=False).to_numpy()
        out = out * np.uint64(1_000_003) ^ h  # wraps modulo 2**64, as hashes do
    return out


def _is_unique(values: pd.Series, probe: int = 100_000) -> bool:
    """``values.is_unique``, answered from the first rows when they already repeat (real order keys do)."""
    return values.iloc[:probe].is_unique and values.is_unique


def _duplicate_lines(tx: pd.DataFrame, kw: dict) -> pd.DataFrame:
    """Lines identical in every column; a generated per-row ``order_id`` is ignored."""
    others = [c for c in tx.columns if c != "order_id"]
    # Identical lines have identical numbers and dates, which hash fast: only lines sharing those
    # (a few percent) have their text columns hashed too.
    numeric = [c for c in others if not (pd.api.types.is_string_dtype(tx[c]) or tx[c].dtype == object)]
    if numeric:
        pre = pd.Series(_row_hash(tx, numeric))
        maybe = np.flatnonzero(pre.duplicated(keep=False).to_numpy())
    else:
        maybe = np.arange(len(tx))
    hashed = pd.Series(_row_hash(tx.iloc[maybe], others))
    if "order_id" in tx:
        with_id = pd.Series(_row_hash(tx.iloc[maybe], [*others, "order_id"]))
        # The order id matters only if it splits lines that agree on everything else; then the
        # (costly) question whether it is a generated per-row key decides.
        splits = with_id.nunique() > hashed.nunique()
        if splits and not _is_unique(tx["order_id"]):
            hashed = with_id
    dup = hashed.duplicated(keep="first").to_numpy()
    rows = tx.index.to_numpy(dtype="int64")[maybe]
    first_row = pd.Series(rows).groupby(hashed.to_numpy()).transform("first").to_numpy()
    detail = "same as row " + pd.Series(first_row[dup], dtype="int64").astype("string")
    return _finding_at(tx, maybe[dup], check="duplicate_order_line", column=None, detail=detail.to_numpy(),
                       **kw)


def _amount_outliers(tx: pd.DataFrame, outlier_iqr: float, kw: dict) -> pd.DataFrame:
    """Tukey's far-out fence on log10 |amount| (amounts are right-skewed, so use the log)."""
    size = np.log10(tx["amount"].abs().astype("float64").where(lambda s: s > 0))
    q1, q3 = size.quantile([0.25, 0.75])
    upper = q3 + outlier_iqr * (q3 - q1)
    detail = f"|amount| above {10 ** upper:,.2f}"
    return _finding(tx, size > upper, check="amount_outlier", column="amount", detail=detail, **kw)


# ------------------------------------------------------------------------------ entry point
def run_checks(data: CRMData, *, as_of: str | pd.Timestamp, stale_after_days: int = 730,
               duplicate_threshold: float = 0.7, min_age: int = 16, max_age: int = 110,
               outlier_iqr: float = 3.0, phone_pattern: str = PHONE_PATTERN) -> QualityChecks:
    """Run every quality check on the data as collected.

    Parameters
    ----------
    data : CRMData
        The loaded tables (``chapter.loaded``), before cleaning.
    as_of : str or Timestamp
        Analysis date: timeliness and future dates are judged against it.
    stale_after_days : int, default 730
        A record not updated for longer than this is stale (需要更新).
    duplicate_threshold : float, default 0.7
        Minimum fuzzy score of a duplicate pair (see :func:`find_duplicate_customers`).
    min_age, max_age : int, default 16 and 110
        Plausible ages: younger than ``min_age`` at signup, older than ``max_age`` at ``as_of``,
        or born after ``as_of`` is invalid.
    outlier_iqr : float, default 3.0
        Width of the outlier fence on log10 |amount|, in inter-quartile ranges.
    phone_pattern : str
        Regular expression a normalised phone must match (default: Chinese mobile).

    Returns
    -------
    QualityChecks

    Raises
    ------
    CRMDataError
        If the transactions table lacks ``customer_id``, ``order_date`` or ``amount``.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1"], "name": ["Li Na"], "phone": ["12345"]},
    ...                  index=pd.Index([2], name="source_row"))
    >>> run_checks(CRMData(customers=c), as_of="2025-01-01").findings[["check", "column"]].values.tolist()
    [['invalid_phone', 'phone']]
    """
    as_of = pd.Timestamp(as_of).normalize()
    notes: list[str] = []
    found: list[pd.DataFrame] = []
    pairs = pd.DataFrame(columns=PAIR_COLUMNS)
    regions = pd.Series(dtype="string", name="region")
    customers, tx = data.customers, data.transactions
    candidates = None
    if customers is not None:
        # Normalised once: the phone check and the duplicate search both need it.
        phone = normalise_phone(customers["phone"]) if "phone" in customers else None
        found += _check_missing(customers, notes)
        found += _check_validity(customers, as_of, min_age=min_age, max_age=max_age,
                                 phone_pattern=phone_pattern, phone=phone)
        found += _check_stale(customers, as_of, stale_after_days, notes)
        city_found, regions = _check_city_region(customers, notes)
        found += city_found
        if "name" in customers:
            candidates = duplicate_candidates(customers, phone=phone)
            pairs = select_duplicates(candidates, duplicate_threshold)
            found.append(_duplicate_findings(pairs))
        else:
            notes.append("customers has no 'name': duplicate customers cannot be found.")
    else:
        notes.append("No customers table: completeness of the customer card, validity of phones, "
                     "e-mails and birth dates, duplicate customers, timeliness and city/region "
                     "consistency cannot be checked.")
    if tx is not None:
        missing = [c for c in ("customer_id", "order_date", "amount") if c not in tx]
        if missing:
            source = data.source_files.get("transactions", data.source or "transactions")
            raise CRMDataError(f"{source}: transactions lack column(s) {missing}")
        found += _check_transactions(tx, customers, as_of, outlier_iqr, notes)
    else:
        notes.append("No transactions table: order-line checks cannot be run.")
    findings = pd.concat([f for f in found if len(f)] or [pd.DataFrame(columns=FINDING_COLUMNS)],
                         ignore_index=True)[FINDING_COLUMNS]
    findings = findings.astype({"table": "string", "source_row": "int64", "record_id": "string",
                                "check": "string", "column": "string", "detail": "string"})
    params = {"stale_after_days": stale_after_days, "duplicate_threshold": duplicate_threshold,
              "min_age": min_age, "max_age": max_age, "outlier_iqr": outlier_iqr,
              "phone_pattern": phone_pattern}
    return QualityChecks(findings, pairs, regions, notes, as_of, params, candidates)


def _duplicate_findings(pairs: pd.DataFrame) -> pd.DataFrame:
    """One ``duplicate_customer`` finding per later record of a pair (the one to merge away)."""
    dup = pd.DataFrame({"table": "customers", "source_row": pairs["source_row_b"].astype("int64"),
                        "record_id": pairs["customer_id_b"], "check": "duplicate_customer",
                        "column": pd.NA, "detail": "duplicate of " + pairs["customer_id_a"]})
    return dup.drop_duplicates("source_row")


def recheck_staleness(checks: QualityChecks, customers: pd.DataFrame, stale_after_days: int) -> QualityChecks:
    """The same checks with only timeliness re-run under another staleness limit.

    Everything else (the duplicate search above all) is kept, so comparing limits costs one column
    comparison instead of a full :func:`run_checks`.

    Parameters
    ----------
    checks : QualityChecks
        Result of :func:`run_checks` on the data ``customers`` belongs to.
    customers : pandas.DataFrame
        The loaded customers table.
    stale_after_days : int
        The new limit.

    Returns
    -------
    QualityChecks
        A copy whose ``stale_record`` findings and ``params["stale_after_days"]`` follow the new limit.

    Raises
    ------
    CRMDataError
        If ``checks`` has no as-of date.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "updated_at": pd.to_datetime(["2024-06-01", "2022-01-01"])},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> checks = run_checks(CRMData(customers=c), as_of="2025-01-01")
    >>> len(checks.findings), len(recheck_staleness(checks, c, 180).findings)
    (1, 2)
    """
    if checks.as_of is None:
        raise CRMDataError("recheck_staleness needs the as-of date of run_checks (checks.as_of is None)")
    notes: list[str] = []
    kept = checks.findings[checks.findings["check"] != "stale_record"]
    stale = _check_stale(customers, checks.as_of, stale_after_days, notes)
    findings = pd.concat([kept, *[f.astype(kept.dtypes.to_dict()) for f in stale if len(f)]], ignore_index=True)
    return replace(checks, findings=findings, params={**checks.params, "stale_after_days": stale_after_days})


# ----------------------------------------------------------------------------- summaries
def _dimension_of(findings: pd.DataFrame) -> pd.Series:
    return findings["check"].map(CHECKS.set_index("check")["dimension"]).astype("string")


def record_scores(customers: pd.DataFrame, checks: QualityChecks) -> pd.DataFrame:
    """Quality of each customer record on the five dimensions, and their mean.

    ``completeness`` is the weighted share of the card's fields that are filled (fields that do
    not apply, e.g. industry for a person, are left out); each other dimension is 1 when no check
    of that dimension flagged the record, else 0. ``quality_score`` is the mean of the five.

    Parameters
    ----------
    customers : pandas.DataFrame
        The loaded customers table.
    checks : QualityChecks
        Result of :func:`run_checks` on the same data.

    Returns
    -------
    pandas.DataFrame
        Indexed by source_row: customer_id, acquisition_channel, signup_month, the five
        dimensions and quality_score.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["Li Na", None]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> record_scores(c, run_checks(CRMData(customers=c), as_of="2025-01-01"))["completeness"].tolist()
    [1.0, 0.5]
    """
    weights = FIELD_WEIGHTS.set_index("field")["weight"]
    present = [f for f in weights.index if f in customers]
    filled = pd.DataFrame({f: ~_blank(customers[f]) for f in present})
    applies = pd.DataFrame({f: _applies(customers, f) for f in present})
    w = weights[present]
    completeness = (filled & applies).astype(float).mul(w).sum(axis=1) / applies.astype(float).mul(w).sum(axis=1)
    out = pd.DataFrame(index=customers.index)
    out["customer_id"] = customers["customer_id"].astype("string") if "customer_id" in customers else pd.NA
    channel = customers["acquisition_channel"] if "acquisition_channel" in customers else None
    out["acquisition_channel"] = (channel.astype("string").fillna("(missing)") if channel is not None
                                  else "(not recorded)")
    signup = customers["signup_date"] if "signup_date" in customers else pd.Series(pd.NaT, index=out.index)
    out["signup_month"] = pd.to_datetime(signup).dt.to_period("M").dt.to_timestamp()
    out["completeness"] = completeness
    mine = checks.findings[checks.findings["table"] == "customers"]
    dims = _dimension_of(mine)
    for dim in DIMENSIONS[1:]:
        flagged = mine.loc[dims == dim, "source_row"].unique()
        out[dim] = (~out.index.isin(flagged)).astype(float)
    out["quality_score"] = out[list(DIMENSIONS)].mean(axis=1)
    return out


def _field_validity(customers: pd.DataFrame, checks: QualityChecks) -> pd.DataFrame:
    """Boolean frame: True where a field was flagged by a validity or consistency check."""
    mine = checks.findings[(checks.findings["table"] == "customers") & checks.findings["column"].notna()]
    mine = mine[_dimension_of(mine).isin(["validity", "consistency"])]
    bad = pd.DataFrame(False, index=customers.index, columns=customers.columns)
    for column, rows in mine.groupby("column")["source_row"]:
        if column in bad:
            bad[column] = bad.index.isin(rows.unique())
    return bad


def field_scorecard(data: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """Per field of the customer card: importance, completeness and validity.

    Parameters
    ----------
    data : CRMData
        The loaded tables.
    checks : QualityChecks
        Result of :func:`run_checks`.

    Returns
    -------
    pandas.DataFrame
        table, field, tier, weight, records, completeness (share filled where the field applies),
        validity (share of filled values that pass the checks; NaN where no rule exists),
        collected (False when the source has no such column). Transactions fields follow.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "phone": ["13812345678", "1"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> card = field_scorecard(CRMData(customers=c), run_checks(CRMData(customers=c), as_of="2025-01-01"))
    >>> card.set_index("field").loc["phone", ["completeness", "validity"]].tolist()
    [1.0, 0.5]
    """
    rows = []
    ruled = {"phone", "email", "birth_date", "gender", "customer_type", "acquisition_channel",
             "signup_date", "updated_at", "region"}
    if data.customers is not None:
        customers = data.customers
        bad = _field_validity(customers, checks)
        for f in FIELD_WEIGHTS.itertuples():
            applies = _applies(customers, f.field)
            if not _collected(customers, f.field):
                rows.append(("customers", f.field, f.tier, f.weight, int(applies.sum()), 0.0, np.nan, False))
                continue
            filled = ~_blank(customers[f.field]) & applies
            completeness = filled.sum() / max(applies.sum(), 1)
            validity = (1 - bad.loc[filled, f.field].mean()) if f.field in ruled and filled.any() else np.nan
            rows.append(("customers", f.field, f.tier, f.weight, int(applies.sum()), completeness, validity, True))
    if data.transactions is not None:
        tx = data.transactions
        tx_bad = {"customer_id": {"missing_customer_id", "orphan_transaction"},
                  "order_date": {"invalid_order_date"},
                  "amount": {"amount_outlier", "unflagged_negative_amount"}}
        tx_found = checks.findings[checks.findings["table"] == "transactions"]
        for column in tx.columns:
            filled = ~_blank(tx[column])
            validity = np.nan
            if column in tx_bad:
                flagged = tx.index.isin(tx_found.loc[tx_found["check"].isin(tx_bad[column]), "source_row"])
                validity = 1 - (flagged & filled.to_numpy()).sum() / max(filled.sum(), 1)
            rows.append(("transactions", column, "", np.nan, len(tx), filled.mean() if len(tx) else np.nan,
                         validity, True))
    return pd.DataFrame(rows, columns=["table", "field", "tier", "weight", "records", "completeness",
                                       "validity", "collected"])


def field_channel_matrix(customers: pd.DataFrame, checks: QualityChecks) -> pd.DataFrame:
    """Share of records whose field is filled **and** valid, per field (rows) and channel (columns).

    Fields are ordered by importance; this is the table behind :func:`plot_field_channel_heatmap`.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "phone": ["13812345678", None],
    ...                   "acquisition_channel": ["web_form", "referral"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> m = field_channel_matrix(c, run_checks(CRMData(customers=c), as_of="2025-01-01"))
    >>> m.loc["phone"].to_dict()
    {'referral': 0.0, 'web_form': 1.0}
    """
    bad = _field_validity(customers, checks)
    fields_ = [f for f in FIELD_WEIGHTS["field"] if f in customers]
    good = pd.DataFrame({f: (~_blank(customers[f]) & ~bad[f]).where(_applies(customers, f)) for f in fields_},
                        dtype="float64")
    channel = (customers["acquisition_channel"].astype("string").fillna("(missing)")
               if "acquisition_channel" in customers else pd.Series("(not recorded)", index=customers.index))
    matrix = good.groupby(channel.to_numpy()).mean().T
    matrix.index.name = "field"
    matrix.columns.name = "acquisition_channel"
    return matrix


def channel_scorecard(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean quality per acquisition channel (from :func:`record_scores`), worst channel first.

    Examples
    --------
    >>> s = pd.DataFrame({"acquisition_channel": ["a", "a", "b"], "completeness": [1, .5, 1],
    ...                   "validity": 1.0, "uniqueness": 1.0, "timeliness": 1.0, "consistency": 1.0,
    ...                   "quality_score": [1, .9, 1]})
    >>> channel_scorecard(s)["customers"].tolist()
    [2, 1]
    """
    grouped = scores.groupby("acquisition_channel")
    out = grouped[[*DIMENSIONS, "quality_score"]].mean()
    out.insert(0, "customers", grouped.size())
    return out.sort_values("quality_score").round(3)


def quality_by_month(data: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """Quality per month: by signup month of customer records, or by order month without customers.

    Returns
    -------
    pandas.DataFrame
        Indexed by month: records, then the dimensions and quality_score (customers), or
        share_clean (share of order lines without any finding) for transactions-only data.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["C1", None], "amount": [1.0, 2.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05", "2024-02-05"])},
    ...                   index=pd.Index([2, 3], name="source_row"))
    >>> quality_by_month(CRMData(transactions=tx), run_checks(CRMData(transactions=tx), as_of="2024-03-01"))
                records  share_clean
    month
    2024-01-01        1          1.0
    2024-02-01        1          0.0
    """
    if data.customers is not None and "signup_date" in data.customers:
        scores = record_scores(data.customers, checks)
        grouped = scores.groupby("signup_month")
        out = grouped[[*DIMENSIONS, "quality_score"]].mean()
        out.insert(0, "records", grouped.size())
        out.index.name = "month"
        return out
    tx = data.transactions
    if tx is None:
        return pd.DataFrame(columns=["records", "share_clean"])
    found = checks.findings[(checks.findings["table"] == "transactions")
                            & (_dimension_of(checks.findings) != "information")]
    clean = ~tx.index.isin(found["source_row"].unique())
    month = tx["order_date"].dt.to_period("M").dt.to_timestamp()
    out = pd.DataFrame({"records": 1, "share_clean": clean.astype(float)}, index=tx.index)
    out = out.groupby(month.to_numpy()).agg(records=("records", "sum"), share_clean=("share_clean", "mean"))
    out.index.name = "month"
    return out


def check_summary(data: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """How many records each check flagged, and the share of the table.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["C1", None], "amount": [1.0, 2.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05"] * 2)},
    ...                   index=pd.Index([2, 3], name="source_row"))
    >>> s = check_summary(CRMData(transactions=tx), run_checks(CRMData(transactions=tx), as_of="2024-03-01"))
    >>> s.set_index("check").loc["missing_customer_id", "share_flagged"]
    np.float64(0.5)
    """
    sizes = {name: len(t) for name, t in data.tables().items()}
    flagged = checks.findings.groupby("check")["source_row"].nunique()
    out = CHECKS[CHECKS["table"].isin(sizes)].copy()
    out["records_checked"] = out["table"].map(sizes)
    out["records_flagged"] = out["check"].map(flagged).fillna(0).astype(int)
    out["share_flagged"] = (out["records_flagged"] / out["records_checked"].clip(lower=1)).round(4)
    return out.reset_index(drop=True)


def source_quality(loaded: CRMData, clean: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """Customer-source quality (客户源的质量): per channel, data quality and customer value.

    Parameters
    ----------
    loaded : CRMData
        Tables as collected (for the quality scores).
    clean : CRMData
        Cleaned tables (for purchases: duplicates and broken lines removed by cleaning).
    checks : QualityChecks
        Result of :func:`run_checks` on ``loaded``.

    Returns
    -------
    pandas.DataFrame
        Indexed by acquisition_channel: customers, quality_score, buyer_share (bought at least
        once), repeat_share (bought on two or more different days), revenue_per_customer (net
        revenue of the clean transactions divided by all customers of the channel), revenue.
        Sorted by revenue per customer, best first.

    Raises
    ------
    CRMDataError
        If there is no customers table (channels are a property of customers).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "acquisition_channel": ["web_form", "referral"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> tx = pd.DataFrame({"customer_id": ["C1", "C1"], "amount": [10.0, 5.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05", "2024-02-05"])},
    ...                   index=pd.Index([2, 3], name="source_row"))
    >>> d = CRMData(customers=c, transactions=tx)
    >>> source_quality(d, d, run_checks(d, as_of="2024-03-01"))[["customers", "repeat_share"]]
                         customers  repeat_share
    acquisition_channel
    web_form                     1           1.0
    referral                     1           0.0
    """
    if loaded.customers is None:
        raise CRMDataError(f"{loaded.source or 'this source'}: no customers table, so customer sources "
                           "(acquisition channels) cannot be compared")
    scores = record_scores(loaded.customers, checks)
    per_customer = scores.drop_duplicates("customer_id").set_index("customer_id")
    channel = per_customer["acquisition_channel"]
    tx = clean.transactions if clean.transactions is not None else loaded.transactions
    value = _value_per_customer(tx) if tx is not None and len(tx) else pd.DataFrame({"revenue": [], "days": []})
    value = value.reindex(channel.index)
    frame = pd.DataFrame({"channel": channel, "revenue": value["revenue"].astype("float64").fillna(0.0),
                          "days": value["days"].astype("float64").fillna(0)})
    grouped = frame.groupby("channel")
    out = pd.DataFrame({
        "customers": grouped.size(),
        "quality_score": scores.groupby("acquisition_channel")["quality_score"].mean(),
        "buyer_share": (frame["days"] >= 1).groupby(frame["channel"]).mean(),
        "repeat_share": (frame["days"] >= 2).groupby(frame["channel"]).mean(),
        "revenue_per_customer": grouped["revenue"].mean(),
        "revenue": grouped["revenue"].sum(),
    })
    out.index.name = "acquisition_channel"
    return out.sort_values("revenue_per_customer", ascending=False).round(3)


def _value_per_customer(tx: pd.DataFrame) -> pd.DataFrame:
    """Net revenue and distinct purchase days per customer id, on integer codes (no string group-bys)."""
    codes, ids = pd.factorize(tx["customer_id"].astype("string"))
    have = codes >= 0
    codes = codes[have].astype(np.int64)
    day = pd.factorize(tx["order_date"].to_numpy(dtype="datetime64[ns]")[have].astype("datetime64[D]"))[0]
    day[day < 0] = day.max(initial=-1) + 1  # a missing date counts as one day of its own
    span = int(day.max(initial=0)) + 1
    visits = pd.unique(codes * span + day)  # one per (customer, day)
    amount = tx["amount"].astype("float64").fillna(0.0).to_numpy()[have]
    return pd.DataFrame({
        "revenue": np.bincount(codes, weights=amount, minlength=len(ids)),
        "days": np.bincount(visits // span, minlength=len(ids)),
    }, index=pd.Index(ids, dtype="string"))


def fix_list(data: CRMData, checks: QualityChecks, *, show_pii: bool = False) -> pd.DataFrame:
    """The records to fix (需要修正的记录), one row each, with every reason; personal data masked.

    Parameters
    ----------
    data : CRMData
        The loaded tables.
    checks : QualityChecks
        Result of :func:`run_checks`.
    show_pii : bool, default False
        Show raw names, phones and e-mails (only for the data owner).

    Returns
    -------
    pandas.DataFrame
        table, source_row, record_id, problems (number), checks, reasons, and for customers
        name, phone, email (masked unless ``show_pii``); most problems first. Cancelled orders
        are information, not errors, and are left out.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1"], "name": ["Li Na"], "phone": ["12345"]},
    ...                  index=pd.Index([2], name="source_row"))
    >>> fix_list(CRMData(customers=c), run_checks(CRMData(customers=c), as_of="2025-01-01"))[
    ...     ["record_id", "checks", "name", "phone"]]
      record_id         checks   name  phone
    0        C1  invalid_phone  L* N*  ***45
    """
    from crm_analysis.data.privacy import mask_pii

    found = checks.findings[_dimension_of(checks.findings) != "information"]
    columns = ["table", "source_row", "record_id", "problems", "checks", "reasons"]
    if found.empty:
        return pd.DataFrame(columns=[*columns, "name", "phone", "email"])
    # String sums instead of per-group Python joins: Online Retail has 140,000 records to fix.
    keys = ["table", "source_row"]
    found = found.assign(reason=found["check"] + ": " + found["detail"].fillna("") + "; ")
    grouped = found.groupby(keys, sort=False)
    out = grouped.agg(record_id=("record_id", "first"), problems=("check", "size"),
                      reasons=("reason", "sum"))
    names = found.drop_duplicates([*keys, "check"]).assign(check=lambda f: f["check"] + ", ")
    out["checks"] = names.groupby(keys, sort=False)["check"].sum().str[:-2]
    out["reasons"] = out["reasons"].str[:-2]
    out = out.reset_index()[columns]
    if data.customers is not None:
        pii = [c for c in ("name", "phone", "email") if c in data.customers]
        contact = data.customers[pii].astype("string")
        is_customer = out["table"] == "customers"
        for column in pii:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="string")
            out.loc[is_customer, column] = contact[column].reindex(out.loc[is_customer, "source_row"]).to_numpy()
    out = mask_pii(out, show_pii=show_pii)
    return out.sort_values(["problems", "table", "source_row"], ascending=[False, True, True]).reset_index(drop=True)


def duplicate_examples(customers: pd.DataFrame, checks: QualityChecks, *, n: int = 10,
                       show_pii: bool = False) -> pd.DataFrame:
    """Duplicate pairs side by side, least obvious first (personal data masked unless ``show_pii``).

    Returns
    -------
    pandas.DataFrame
        customer_id_a/b, score, reason, and name, phone, email, city, birth_date of each side.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["Zhang Wei", "Zhang  Wei"],
    ...                   "phone": ["13812345678", "+86 13812345678"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> duplicate_examples(c, run_checks(CRMData(customers=c), as_of="2025-01-01"))[["name_a", "phone_b"]]
      name_a      phone_b
    0  Z*** W**  138****5678
    """
    from crm_analysis.data.privacy import mask_pii

    # Borderline pairs first: they show what fuzzy matching finds that exact keys would miss.
    pairs = checks.duplicate_pairs.sort_values(["score", "source_row_a"]).head(n)
    shown = [c for c in ("name", "phone", "email", "city", "birth_date") if c in customers]
    out = pairs[["customer_id_a", "customer_id_b", "score", "reason"]].copy()
    for side in ("a", "b"):
        part = customers.loc[pairs[f"source_row_{side}"], shown].reset_index(drop=True)
        for column in shown:
            out[f"{column}_{side}"] = part[column].to_numpy()
    pii = [f"{c}_{s}" for c in ("name", "phone", "email") for s in ("a", "b") if f"{c}_{s}" in out]
    return mask_pii(out.reset_index(drop=True), show_pii=show_pii, columns=pii)


# ------------------------------------------------------------------------ ground-truth check
def defect_detection(checks_result: QualityChecks, truth_defects: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of every check against the defects injected into the teaching data.

    A finding matches an injected defect when table, source_row and defect code agree (for
    ``missing_value`` also the column). ``duplicate_customer`` is scored on the later record of
    each pair (the one to merge away), which is what the truth marks; the row
    ``duplicate_customer_pairs`` scores the pairs themselves (unordered record_id, detail).
    Only checks with a defect code in the truth are scored: the others have nothing to
    compare with.

    Parameters
    ----------
    checks_result : QualityChecks
        Result of :func:`run_checks` on the loaded teaching data.
    truth_defects : pandas.DataFrame
        ``data.truth.defects``: table, record_id, source_row, defect, column, detail.

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``check, precision, recall, support`` (support = injected defects).

    Raises
    ------
    CRMDataError
        If ``truth_defects`` lacks a required column.

    Examples
    --------
    >>> truth = pd.DataFrame({"table": ["transactions"] * 2, "record_id": ["O1", "O2"],
    ...                       "source_row": [3, 4], "defect": ["unflagged_negative_amount"] * 2,
    ...                       "column": ["amount"] * 2, "detail": [""] * 2})
    >>> tx = pd.DataFrame({"customer_id": ["C1"] * 3, "amount": [1.0, -2.0, 3.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05"] * 3), "status": "completed"},
    ...                   index=pd.Index([2, 3, 4], name="source_row"))
    >>> defect_detection(run_checks(CRMData(transactions=tx), as_of="2024-03-01"), truth)
                           check  precision  recall  support
    0  unflagged_negative_amount        1.0     0.5        2
    """
    need = {"table", "record_id", "source_row", "defect", "column", "detail"}
    if not need <= set(truth_defects.columns):
        raise CRMDataError(f"truth defects lack column(s) {sorted(need - set(truth_defects.columns))}")
    findings = checks_result.findings
    order = [c for c in CHECKS["check"] if c in set(truth_defects["defect"])]
    order += sorted(set(truth_defects["defect"]) - set(order))
    rows = []
    for check in order:
        truth = truth_defects[truth_defects["defect"] == check]
        found = findings[findings["check"] == check]
        keys = ["table", "source_row", "column"] if check == "missing_value" else ["table", "source_row"]
        rows.append((check, *_precision_recall(_keyset(found, keys), _keyset(truth, keys))))
        if check == "duplicate_customer":
            pairs = checks_result.duplicate_pairs
            got = {frozenset(p) for p in zip(pairs["customer_id_a"], pairs["customer_id_b"], strict=True)}
            want = {frozenset(p) for p in zip(truth["record_id"].astype(str), truth["detail"].astype(str),
                                              strict=True)}
            rows.append(("duplicate_customer_pairs", *_precision_recall(got, want)))
    return pd.DataFrame(rows, columns=["check", "precision", "recall", "support"])


def _keyset(frame: pd.DataFrame, keys: list[str]) -> set[tuple]:
    parts = [frame[k].astype("int64") if k == "source_row" else frame[k].astype("string") for k in keys]
    return set(zip(*parts, strict=True))


def _precision_recall(found: set, truth: set) -> tuple[float, float, int]:
    hit = len(found & truth)
    precision = hit / len(found) if found else (1.0 if not truth else 0.0)
    recall = hit / len(truth) if truth else float("nan")
    return round(precision, 4), round(recall, 4), len(truth)


# --------------------------------------------------------------------------------- plots
def plot_field_channel_heatmap(matrix: pd.DataFrame) -> matplotlib.figure.Figure:
    """Heatmap of :func:`field_channel_matrix`: where does each channel collect poor data?

    Examples
    --------
    >>> m = pd.DataFrame({"web_form": [1.0, 0.5]}, index=["name", "phone"])
    >>> plot_field_channel_heatmap(m).axes[0].get_title()
    'Share of records with the field filled and valid'
    """
    fig, ax = plt.subplots(figsize=(1.1 * max(matrix.shape[1], 3) + 2.5, 0.38 * max(len(matrix), 3) + 1.5))
    values = matrix.to_numpy(dtype=float)
    # Shares are usually high: start the colour scale near the worst cell so differences show.
    low = min(0.8, float(np.floor(np.nanmin(values, initial=1.0) * 20) / 20))
    image = ax.imshow(values, cmap="RdYlGn", vmin=low, vmax=1, aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(matrix.shape[1]), [str(c) for c in matrix.columns], rotation=35, ha="right")
    ax.set_yticks(range(len(matrix)), [str(i) for i in matrix.index])
    for (i, j), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        if not np.isnan(value):
            ax.text(j, i, f"{value:.0%}", ha="center", va="center", fontsize=8)
    ax.set_xlabel("Acquisition channel")
    ax.set_ylabel("Field")
    ax.set_title("Share of records with the field filled and valid")
    fig.colorbar(image, ax=ax, fraction=0.03)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_quality_by_month(frame: pd.DataFrame) -> matplotlib.figure.Figure:
    """Line chart of :func:`quality_by_month`: is collection getting better or worse?

    Examples
    --------
    >>> f = pd.DataFrame({"records": [3, 4], "share_clean": [0.9, 0.8]},
    ...                  index=pd.to_datetime(["2024-01-01", "2024-02-01"]))
    >>> plot_quality_by_month(f).axes[0].get_ylabel()
    'Share'
    """
    fig, ax = plt.subplots(figsize=(9, 4))
    columns = [c for c in (*DIMENSIONS, "quality_score", "share_clean") if c in frame]
    for column in columns:
        width = 2.5 if column in ("quality_score", "share_clean") else 1.2
        ax.plot(frame.index, frame[column], label=column.replace("_", " ").capitalize(), linewidth=width)
    ax.set_ylim(max(0.0, float(np.nanmin(frame[columns].to_numpy(dtype=float), initial=1)) - 0.05), 1.01)
    ax.set_ylabel("Share")
    ax.set_xlabel("Signup month" if "quality_score" in frame else "Order month")
    ax.set_title("Data quality by month")
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_source_value(table: pd.DataFrame) -> matplotlib.figure.Figure:
    """Scatter of :func:`source_quality`: data quality against revenue per customer, per channel.

    Examples
    --------
    >>> t = pd.DataFrame({"customers": [10, 20], "quality_score": [0.9, 0.7],
    ...                   "revenue_per_customer": [100.0, 50.0]}, index=["referral", "purchased_list"])
    >>> plot_source_value(t).axes[0].get_xlabel()
    'Quality score'
    """
    fig, ax = plt.subplots(figsize=(7, 4.5))
    size = 600 * table["customers"] / max(table["customers"].max(), 1)
    ax.scatter(table["quality_score"], table["revenue_per_customer"], s=size, alpha=0.5)
    for channel, row in table.iterrows():
        ax.annotate(str(channel), (row["quality_score"], row["revenue_per_customer"]), fontsize=9,
                    xytext=(5, 5), textcoords="offset points")
    ax.set_xlabel("Quality score")
    ax.set_ylabel("Revenue per customer")
    ax.set_title("Customer sources: data quality and value (bubble = customers)")
    fig.tight_layout()
    plt.close(fig)
    return fig


# ------------------------------------------------------------------------- for managers
def manager_summary(checks: QualityChecks, summary: pd.DataFrame, fixes: pd.DataFrame,
                    sources: pd.DataFrame | None = None, *, lang: str | None = None) -> list[str]:
    """Plain sentences for the closing "what to do" section, generated from the results.

    Parameters
    ----------
    checks, summary, fixes, sources
        The chapter's results: the checks, their summary table, the fix list and (optional) the
        channel comparison indexed by acquisition channel.
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> s = pd.DataFrame({"check": ["invalid_phone"], "description": ["bad phone"], "records_flagged": [4],
    ...                   "share_flagged": [0.04], "dimension": ["validity"]})
    >>> checks = QualityChecks(pd.DataFrame(columns=FINDING_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS),
    ...                        pd.Series(dtype="string"))
    >>> manager_summary(checks, s, pd.DataFrame({"record_id": range(4)}))[0]
    '4 records need fixing. The most frequent problem: bad phone (4 records, 4.0%).'
    >>> manager_summary(checks, s, pd.DataFrame({"record_id": range(4)}), lang="zh")[0]
    '有 4 条记录需要修正。最常见的问题：bad phone（4 条记录，4.0%）。'
    """
    from crm_analysis.core import i18n

    zh = i18n.resolve_language(lang) == "zh"
    sentences = []
    errors = summary[(summary["dimension"] != "information") & (summary["records_flagged"] > 0)]
    top = errors.sort_values("records_flagged", ascending=False).head(1)
    if len(top):
        t = top.iloc[0]
        n, share = int(t["records_flagged"]), t["share_flagged"]
        sentences.append(
            f"有 {len(fixes):,} 条记录需要修正。最常见的问题：{i18n.tr(t['description'], 'zh')}"
            f"（{n:,} 条记录，{share:.1%}）。" if zh else
            f"{len(fixes):,} records need fixing. The most frequent problem: {t['description']} "
            f"({n:,} records, {share:.1%}).")
    else:
        sentences.append("没有需要修正的记录：所有检查都已通过。" if zh else
                         "No record needs fixing: every check passed.")
    if len(checks.duplicate_pairs):
        pairs = len(checks.duplicate_pairs)
        sentences.append(f"有 {pairs:,} 对疑似重复的客户应当合并，使每位客户只有一张资料卡。" if zh else
                         f"{pairs:,} likely duplicate customers should be merged, so that each customer has one card.")
    if sources is not None and len(sources) > 1:
        best, worst = sources["revenue_per_customer"].idxmax(), sources["quality_score"].idxmin()
        per_customer, repeat = sources.loc[best, "revenue_per_customer"], sources.loc[best, "repeat_share"]
        score = sources.loc[worst, "quality_score"]
        if zh:
            sentences.append(f"渠道“{i18n.tr(str(best), 'zh')}”带来的客户价值最高（客均 {per_customer:,.0f}，"
                             f"{repeat:.0%} 的客户再次购买）；应加大在该渠道的投入。")
            sentences.append(f"渠道“{i18n.tr(str(worst), 'zh')}”收集的数据质量最差（质量得分 {score:.2f}）；"
                             "应首先改进其表单和人员培训。")
        else:
            sentences.append(f"Channel '{best}' brings the most valuable customers ({per_customer:,.0f} per customer, "
                             f"{repeat:.0%} bought again); invest there.")
            sentences.append(f"Channel '{worst}' collects the poorest data (quality score {score:.2f}); "
                             "tighten its forms and training first.")
    stale = summary.loc[summary["check"] == "stale_record", "records_flagged"]
    if len(stale) and stale.iloc[0] > 0:
        days, n = checks.params.get("stale_after_days", 730), int(stale.iloc[0])
        sentences.append(f"有 {n:,} 条客户记录超过 {days} 天未更新：请安排回访电话，保持数据库动态更新（动态数据库）。"
                         if zh else
                         f"{n:,} customer records were not updated for more than {days} days: "
                         "schedule a review call to keep the database alive (动态数据库).")
    return sentences
