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
>>> from crm_analysis.crmdata import CRMData
>>> tx = pd.DataFrame({"customer_id": ["C1", None], "order_date": pd.to_datetime(["2024-01-02"] * 2),
...                    "amount": [10.0, -5.0], "status": ["completed", "completed"]},
...                   index=pd.Index([2, 3], name="source_row"))
>>> checks = run_checks(CRMData(transactions=tx), as_of="2024-02-01")
>>> sorted(checks.findings["check"])
['missing_customer_id', 'unflagged_negative_amount']
"""

from __future__ import annotations

from dataclasses import dataclass, field

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_analysis.crmdata import CRMData
from crm_analysis.errors import CRMDataError
from crm_analysis.schema import ACQUISITION_CHANNELS, CUSTOMER_TYPES, GENDERS

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
    """

    findings: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    city_regions: pd.Series
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None
    params: dict = field(default_factory=dict)


# ------------------------------------------------------------------------------------ helpers
def _finding(frame: pd.DataFrame, mask: pd.Series, *, table: str, check: str, column: str | None,
             id_column: str, detail: pd.Series | str = "") -> pd.DataFrame:
    hit = frame.loc[mask.fillna(False).astype(bool)]
    out = pd.DataFrame({
        "table": table,
        "source_row": hit.index.to_numpy(dtype="int64"),
        "record_id": hit[id_column].astype("string").to_numpy() if id_column in hit else pd.NA,
        "check": check,
        "column": column if column is not None else pd.NA,
        "detail": detail.loc[hit.index].to_numpy() if isinstance(detail, pd.Series) else detail,
    })
    return out


def normalise_phone(phone: pd.Series) -> pd.Series:
    """Digits of a phone number without the +86 / 0086 country prefix.

    Examples
    --------
    >>> normalise_phone(pd.Series(["+86 138-1234-5678", "138 1234 5678", None])).tolist()
    ['13812345678', '13812345678', <NA>]
    """
    digits = phone.astype("string").str.replace(r"\D", "", regex=True)
    digits = digits.str.replace(r"^(?:0086|86)(?=1\d{10}$)", "", regex=True)
    return digits.mask(digits == "")


def normalise_name(name: pd.Series) -> pd.Series:
    """Lower-case name with punctuation dropped and words sorted ("Wei Zhang" = "zhang  wei").

    Examples
    --------
    >>> normalise_name(pd.Series(["Wei  Zhang", "zhang-wei", "张伟"])).tolist()
    ['wei zhang', 'wei zhang', '张伟']
    """
    text = name.astype("string").str.casefold().str.replace(r"[^\w\s]", " ", regex=True)
    words = text.str.split()
    return words.map(lambda w: " ".join(sorted(w)) if isinstance(w, list) else pd.NA).astype("string")


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
    kind = customers["customer_type"].astype("string").str.strip().str.casefold()
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
                    phone_pattern: str) -> list[pd.DataFrame]:
    found = []
    kw = {"table": "customers", "id_column": "customer_id"}
    if "phone" in customers:
        phone = normalise_phone(customers["phone"])
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
        detail = ("age " + age_then.round(0).astype("Int64").astype("string")
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
    detail = "not updated for " + age.astype("Int64").astype("string") + " days"
    return [_finding(customers, age > stale_after_days, table="customers", check="stale_record",
                     column="updated_at", id_column="customer_id", detail=detail)]


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
    city = customers["city"].astype("string").str.strip().str.casefold()
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
    city = customers["city"].astype("string").str.strip().str.casefold()
    expected = city.map(regions).astype("string")
    given = customers["region"].astype("string").str.strip()
    bad = expected.notna() & given.notna() & (expected != given)
    detail = "region " + given.fillna("") + " but the city is in " + expected.fillna("")
    return [_finding(customers, bad, table="customers", check="city_region_mismatch", column="region",
                     id_column="customer_id", detail=detail)], regions


# ------------------------------------------------------------------------- duplicate customers
def _candidate_pairs(keys: pd.DataFrame, max_block: int) -> pd.DataFrame:
    """Pairs of positions that share at least one blocking key (blocks above ``max_block`` skipped)."""
    found = []
    for column in keys.columns:
        block = keys[[column]].dropna().reset_index(names="pos")
        sizes = block.groupby(column)["pos"].transform("size")
        block = block[(sizes > 1) & (sizes <= max_block)]
        if block.empty:
            continue
        pairs = block.merge(block, on=column, suffixes=("_a", "_b"))
        found.append(pairs.loc[pairs["pos_a"] < pairs["pos_b"], ["pos_a", "pos_b"]])
    if not found:
        return pd.DataFrame({"pos_a": [], "pos_b": []}, dtype="int64")
    return pd.concat(found).drop_duplicates().reset_index(drop=True)


def _similarity(a: pd.Series, b: pd.Series, scorer) -> np.ndarray:
    """Element-wise rapidfuzz similarity in 0–1; NaN where either side is missing."""
    from rapidfuzz.process import cpdist

    both = (a.notna() & b.notna()).to_numpy()
    out = np.full(len(a), np.nan)
    if both.any():
        left = a.to_numpy(dtype=object)[both].astype(str).tolist()
        right = b.to_numpy(dtype=object)[both].astype(str).tolist()
        out[both] = cpdist(left, right, scorer=scorer, workers=1)
    return out


def find_duplicate_customers(customers: pd.DataFrame, *, threshold: float = 0.7,
                             max_block: int = 200) -> pd.DataFrame:
    """Likely duplicate customers: the same person entered twice with name or phone variants.

    Blocking (分块) keeps this fast: only records sharing a normalised phone, e-mail, sorted name,
    birth date, or (name, last four phone digits) are compared. Each candidate pair is then
    scored by fuzzy similarity (rapidfuzz) of the fields both records have:

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
        Needs ``customer_id`` and ``name``; uses ``phone``, ``email``, ``birth_date``, ``city``.
    threshold : float, default 0.7
        Minimum weighted score.
    max_block : int, default 200
        Blocks larger than this are skipped (e.g. a placeholder phone shared by hundreds).

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
    missing = [c for c in ("customer_id", "name") if c not in customers]
    if missing:
        raise CRMDataError(f"customers table: duplicate detection needs column(s) {missing}; "
                           f"columns present: {list(customers.columns)[:10]}")
    c = customers.reset_index()
    row_col = c.columns[0]
    name = normalise_name(c["name"])
    phone = normalise_phone(c["phone"]) if "phone" in c else pd.Series(pd.NA, index=c.index, dtype="string")
    email = (c["email"].astype("string").str.strip().str.casefold() if "email" in c
             else pd.Series(pd.NA, index=c.index, dtype="string"))
    birth = (pd.to_datetime(c["birth_date"], errors="coerce") if "birth_date" in c
             else pd.Series(pd.NaT, index=c.index))
    keys = pd.DataFrame({
        "phone": phone,
        "email": email.mask(email == ""),
        "name": name.str.replace(" ", "", regex=False),
        "birth": birth.dt.strftime("%Y-%m-%d").astype("string"),
        "name_phone4": name.str.replace(" ", "", regex=False) + "|" + phone.str[-4:],
    })
    pairs = _candidate_pairs(keys, max_block)
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    a, b = pairs["pos_a"].to_numpy(), pairs["pos_b"].to_numpy()

    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    def pick(s: pd.Series, pos: np.ndarray) -> pd.Series:
        return s.iloc[pos].reset_index(drop=True)

    sims = pd.DataFrame({
        "name": _similarity(pick(name, a), pick(name, b), fuzz.token_sort_ratio) / 100,
        "phone": _similarity(pick(phone, a), pick(phone, b), Levenshtein.normalized_similarity),
        "email": _similarity(pick(email, a), pick(email, b), Levenshtein.normalized_similarity),
    })
    ba, bb = pick(birth, a), pick(birth, b)
    sims["birth"] = np.where(ba.notna() & bb.notna(), (ba == bb).astype(float), np.nan)
    weights = pd.Series({"name": 0.35, "phone": 0.30, "email": 0.20, "birth": 0.15})
    present = sims.notna()
    score = (sims.fillna(0) * weights).sum(axis=1) / (present * weights).sum(axis=1)
    agree = (sims[["phone", "email", "birth"]] >= 0.9).sum(axis=1)
    name_ok = sims["name"].fillna(0)
    keep = (score >= threshold) & (name_ok >= 0.5) & ((agree >= 2) | ((agree >= 1) & (name_ok >= 0.65)))
    sims, score, a, b = sims[keep], score[keep], a[keep.to_numpy()], b[keep.to_numpy()]
    reason = _pair_reasons(sims)
    order = _later_first(c, a, b)
    first, second = np.where(order, b, a), np.where(order, a, b)
    out = pd.DataFrame({
        "customer_id_a": c["customer_id"].astype("string").to_numpy()[first],
        "customer_id_b": c["customer_id"].astype("string").to_numpy()[second],
        "source_row_a": c[row_col].to_numpy(dtype="int64")[first],
        "source_row_b": c[row_col].to_numpy(dtype="int64")[second],
        "score": score.round(3).to_numpy(),
        "reason": reason.to_numpy(),
    })
    return out.sort_values(["score", "source_row_a"], ascending=[False, True]).reset_index(drop=True)


def _pair_reasons(sims: pd.DataFrame) -> pd.Series:
    parts = []
    for column, label in (("name", "name"), ("phone", "phone"), ("email", "e-mail")):
        s = sims[column]
        text = np.where(s == 1, f"same {label}",
                        np.where(s >= 0.8, f"similar {label} (" + (s * 100).round(0).astype("Int64")
                                 .astype("string").fillna("") + "%)", ""))
        parts.append(pd.Series(text, index=sims.index))
    parts.append(pd.Series(np.where(sims["birth"] == 1, "same birth date", ""), index=sims.index))
    joined = pd.concat(parts, axis=1).apply(lambda r: "; ".join(x for x in r if x), axis=1)
    return joined if len(joined) else pd.Series(dtype="string")


def _later_first(c: pd.DataFrame, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """True where record ``a`` is the later one (later signup, then later row) and should be ``b``."""
    if "signup_date" in c:
        sa = c["signup_date"].to_numpy()[a]
        sb = c["signup_date"].to_numpy()[b]
        later = pd.Series(sa > sb).fillna(False).to_numpy()
        same = pd.Series(sa == sb).fillna(True).to_numpy() | pd.isna(sa) | pd.isna(sb)
        return later | (same & (a > b))
    return a > b


# ------------------------------------------------------------------------ transaction checks
def _check_transactions(tx: pd.DataFrame, customers: pd.DataFrame | None, as_of: pd.Timestamp,
                        outlier_iqr: float, notes: list[str]) -> list[pd.DataFrame]:
    found = []
    kw = {"table": "transactions", "id_column": "order_id" if "order_id" in tx else "customer_id"}
    found.append(_finding(tx, _blank(tx["customer_id"]), check="missing_customer_id", column="customer_id",
                          detail="customer id is empty", **kw))
    if customers is not None and "customer_id" in customers:
        known = set(customers["customer_id"].dropna().astype(str))
        cid = tx["customer_id"].astype("string")
        bad = ~_blank(cid) & ~cid.isin(known)
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


def _duplicate_lines(tx: pd.DataFrame, kw: dict) -> pd.DataFrame:
    """Lines identical in every column; a generated per-row ``order_id`` is ignored."""
    columns = [c for c in tx.columns if not (c == "order_id" and tx[c].is_unique)]
    # Hash the rows once: faster and lighter than duplicated() on many object columns.
    hashed = pd.util.hash_pandas_object(tx[columns], index=False)
    dup = hashed.duplicated(keep="first")
    first_row = pd.Series(tx.index, index=tx.index).groupby(hashed.to_numpy()).transform("first")
    detail = "same as row " + first_row.astype("string")
    return _finding(tx, dup, check="duplicate_order_line", column=None, detail=detail, **kw)


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
    if customers is not None:
        found += _check_missing(customers, notes)
        found += _check_validity(customers, as_of, min_age=min_age, max_age=max_age,
                                 phone_pattern=phone_pattern)
        found += _check_stale(customers, as_of, stale_after_days, notes)
        city_found, regions = _check_city_region(customers, notes)
        found += city_found
        if "name" in customers:
            pairs = find_duplicate_customers(customers, threshold=duplicate_threshold)
            dup = pd.DataFrame({"table": "customers", "source_row": pairs["source_row_b"].astype("int64"),
                                "record_id": pairs["customer_id_b"], "check": "duplicate_customer",
                                "column": pd.NA, "detail": "duplicate of " + pairs["customer_id_a"]})
            found.append(dup.drop_duplicates("source_row"))
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
    return QualityChecks(findings, pairs, regions, notes, as_of, params)


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
    if tx is not None and len(tx):
        t = tx[["customer_id", "order_date", "amount"]].dropna(subset=["customer_id"])
        t = t.assign(customer_id=t["customer_id"].astype("string"), day=t["order_date"].dt.normalize())
        days = t.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
        value = pd.DataFrame({"revenue": t.groupby("customer_id")["amount"].sum(), "days": days})
    else:
        value = pd.DataFrame({"revenue": [], "days": []})
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
    from crm_analysis.privacy import mask_pii

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
    from crm_analysis.privacy import mask_pii

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
        Language of the sentences; defaults to the report language (:func:`crm_analysis.i18n.language`).

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
    from crm_analysis import i18n

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
