"""Data-quality defects injected into the teaching data, and the truth table that records them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_analysis.core.paths import TABLE_FILES
from crm_analysis.data.synth.parameters import (
    _ACQUISITION_MIX,
    _CHANNEL_MULT,
    _CITY_WEIGHT,
    _CONSENT_P,
    _CUSTOMER_DEFECTS,
    _DUPLICATE_LINE_P,
    _GIVEN_CHARS,
    _ORPHAN_P,
    _PHONE_FORMAT_MIX,
    _REGIONS,
    _STALE_DAYS,
    _SURNAME_CHARS,
    _SURNAME_PINYIN,
    _SURNAME_WEIGHT,
    _UNFLAGGED_RETURN_P,
    CHANNELS,
    CITY_REGION,
    INDUSTRIES,
)
from crm_analysis.data.synth.people import (
    _categorical,
    _days_to_dates,
    _emails,
    _format_phones,
    _name_variant,
    _People,
    _phone_numbers,
    _pick,
    _region_of,
)


@dataclass
class _Counters:
    """Running numbers that keep ids and source rows unique across chunks."""

    customer: int = 0
    order: int = 0
    interaction: int = 0
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TABLE_FILES, 0))


@dataclass
class _Chunk:
    tables: dict[str, pd.DataFrame]
    truth_customers: pd.DataFrame
    defects: pd.DataFrame
    truth_interactions: pd.DataFrame
    truth_care_plan: pd.DataFrame | None = None


def _defect_rows(table: str, record_id, source_row, defect: str, column: str, detail=None) -> pd.DataFrame:
    """A block of rows of ``truth.defects``."""
    record_id = np.asarray(record_id, dtype=object)
    return pd.DataFrame(
        {
            "table": table,
            "record_id": record_id,
            "source_row": np.asarray(source_row, dtype=np.int64),
            "defect": defect,
            "column": column,
            "detail": np.full(len(record_id), None, dtype=object) if detail is None else np.asarray(detail, object),
        }
    )


def _customer_card(rng: np.random.Generator, people: _People, start: pd.Timestamp, end_day: int) -> pd.DataFrame:
    """Correct customer records of the simulated people (defects come later)."""
    n = len(people.seg)
    age_days = np.floor(np.clip(rng.normal(38, 11, n), 18, 80) * 365.25)
    birth_day = people.signup - age_days
    birth = _days_to_dates(start, birth_day)
    surname_idx = rng.choice(len(_SURNAME_CHARS), size=n, p=_SURNAME_WEIGHT / _SURNAME_WEIGHT.sum())
    first = _pick(rng, _GIVEN_CHARS, n)
    second = np.where(rng.random(n) < 0.7, _pick(rng, _GIVEN_CHARS, n), "")
    names = np.strings.add(np.strings.add(_SURNAME_CHARS[surname_idx], first), second).astype(object)
    phone_number = _phone_numbers(rng, n)
    style = _categorical(rng, _PHONE_FORMAT_MIX[people.channel])
    birth_year = birth.astype("datetime64[Y]").astype(int) + 1970
    email = _emails(rng, _SURNAME_PINYIN[surname_idx], birth_year, people.business)
    cities = np.array(list(CITY_REGION))
    city = _pick(rng, cities, n, _CITY_WEIGHT)
    floor_day = np.maximum(people.signup, end_day - (_STALE_DAYS - 1))
    updated = floor_day + np.floor(rng.random(n) * (end_day - floor_day + 1))
    return pd.DataFrame(
        {
            "name": names,
            "gender": np.where(rng.random(n) < 0.5, "female", "male").astype(object),
            "birth_date": birth,
            "phone_number": phone_number,
            "phone_style": style,
            "phone": _format_phones(phone_number, style),
            "email": email,
            "city": city.astype(object),
            "region": _region_of(city),
            "customer_type": np.where(people.business, "business", "individual").astype(object),
            "industry": np.where(people.business, _pick(rng, np.array(INDUSTRIES), n), None).astype(object),
            "acquisition_channel": np.array(CHANNELS, dtype=object)[people.channel],
            "signup_day": people.signup,
            "updated_day": updated,
            "marketing_consent": rng.random(n) < _CONSENT_P[people.channel],
        }
    )


def _duplicates(
    rng: np.random.Generator, card: pd.DataFrame, people: _People, end_day: int, deleted: np.ndarray
) -> tuple[np.ndarray, pd.DataFrame]:
    """Second records of some people, entered later through another channel with small variations."""
    n = len(card)
    channel = _categorical(rng, _ACQUISITION_MIX[people.seg])
    gap = 30 + np.floor(rng.random(n) * 500)
    rate = dict((d, r) for d, _, r in _CUSTOMER_DEFECTS)["duplicate_customer"] * _CHANNEL_MULT[channel]
    chosen = (rng.random(n) < rate) & ~deleted & (people.signup + gap <= end_day)
    src = np.flatnonzero(chosen)
    k = src.size
    dup = card.iloc[src].reset_index(drop=True)
    dup["signup_day"] = people.signup[src] + gap[src]
    dup["acquisition_channel"] = np.array(CHANNELS, dtype=object)[channel[src]]
    # Name variant on half; then the phone keeps its digits so that the pair stays findable.
    rename = rng.random(k) < 0.5
    names = dup["name"].to_numpy(dtype=object, copy=True)
    names[rename] = _name_variant(rng, names[rename])
    dup["name"] = names
    phone_kind = np.where(rename, rng.integers(0, 2, k), rng.integers(0, 3, k))
    number = dup["phone_number"].to_numpy().copy()
    style = dup["phone_style"].to_numpy().copy()
    style = np.where(phone_kind == 0, (style + rng.integers(1, 5, k)) % 5, style)
    pos = rng.integers(0, 8, k)
    digit = (number // 10**pos) % 10
    new_digit = (digit + rng.integers(1, 10, k)) % 10
    number = np.where(phone_kind == 2, number + (new_digit - digit) * 10**pos, number)
    dup["phone_number"], dup["phone_style"] = number, style
    dup["phone"] = _format_phones(number, style) if k else np.empty(0, dtype=object)
    email = dup["email"].to_numpy(dtype=object, copy=True)
    case = rng.integers(0, 3, k)
    email = np.where(case == 1, [e.capitalize() for e in email], np.where(case == 2, [e.upper() for e in email], email))
    dup["email"] = email.astype(object)
    moved = rng.random(k) < 0.15
    cities = _pick(rng, np.array(list(CITY_REGION)), k, _CITY_WEIGHT)
    dup["city"] = np.where(moved, cities, dup["city"].to_numpy(dtype=object)).astype(object)
    dup["region"] = _region_of(dup["city"].to_numpy(dtype=object))
    floor_day = np.maximum(dup["signup_day"].to_numpy(), end_day - (_STALE_DAYS - 1))
    dup["updated_day"] = floor_day + np.floor(rng.random(k) * (end_day - floor_day + 1))
    dup["marketing_consent"] = rng.random(k) < _CONSENT_P[channel[src]]
    return src, dup


def _invalid_phone(rng: np.random.Generator, numbers: np.ndarray) -> np.ndarray:
    """Phones that no cleaning can repair: too short, too long, a letter, a landline-like 0 prefix."""
    kind = rng.integers(0, 4, len(numbers))
    out = []
    for number, k, r in zip(numbers.astype(str), kind, rng.integers(0, 10, len(numbers)), strict=True):
        if k == 0:
            out.append(number[:-1])
        elif k == 1:
            out.append(number + str(r))
        elif k == 2:
            out.append(number[:5] + "O" + number[6:])
        else:
            out.append("0" + number[1:])
    return np.array(out, dtype=object)


def _invalid_email(rng: np.random.Generator, emails: np.ndarray) -> np.ndarray:
    """E-mails broken in one of four ways: no @, a double dot, a space, no domain."""
    kind = rng.integers(0, 4, len(emails))
    out = []
    for email, k in zip(emails, kind, strict=True):
        local, domain = email.split("@")
        if k == 0:
            out.append(local + domain)
        elif k == 1:
            out.append(local + "@" + domain.replace(".", "..", 1))
        elif k == 2:
            out.append(local[:2] + " " + local[2:] + "@" + domain)
        else:
            out.append(local + "@")
    return np.array(out, dtype=object)


def _invalid_birth_day(rng: np.random.Generator, signup: np.ndarray, end_day: int, start: pd.Timestamp) -> np.ndarray:
    """Impossible birth days: in the future, before 1900, or younger than 16 at signup."""
    k = len(signup)
    kind = rng.integers(0, 3, k)
    before_1900 = (pd.Timestamp("1870-01-01") - start).days + np.floor(rng.random(k) * 29 * 365)
    future = end_day + 30 + np.floor(rng.random(k) * 3000)
    young = signup - np.floor((1 + rng.random(k) * 14) * 365.25)
    return np.choose(kind, [future, before_1900, young])


def _inject_customer_defects(
    rng: np.random.Generator, cust: pd.DataFrame, start: pd.Timestamp, end_day: int
) -> tuple[pd.DataFrame, list[tuple[np.ndarray, str, str]]]:
    """Blank, corrupt or age fields at channel-dependent rates; return the frame and the defect masks."""
    n = len(cust)
    rate = {(d, c): r for d, c, r in _CUSTOMER_DEFECTS}
    mult = _CHANNEL_MULT[cust["channel_idx"].to_numpy()]
    found: list[tuple[np.ndarray, str, str]] = []

    def split(first: tuple[str, str], second: tuple[str, str], allowed: np.ndarray) -> tuple[np.ndarray, ...]:
        # At most one defect per field: one uniform decides between the two.
        u = rng.random(n)
        a = allowed & (u < rate[first] * mult)
        b = allowed & ~a & (u < (rate[first] + rate[second]) * mult)
        found.extend([(a, *first), (b, *second)])
        return a, b

    everyone = np.ones(n, dtype=bool)
    miss, bad = split(("missing_value", "phone"), ("invalid_phone", "phone"), everyone)
    phone = cust["phone"].to_numpy(dtype=object, copy=True)
    phone[bad] = _invalid_phone(rng, cust["phone_number"].to_numpy()[bad])
    phone[miss] = None
    miss, bad = split(("missing_value", "email"), ("invalid_email", "email"), everyone)
    email = cust["email"].to_numpy(dtype=object, copy=True)
    email[bad] = _invalid_email(rng, email[bad])
    email[miss] = None
    # Birth dates of duplicated people stay intact: they are what the duplicate matcher blocks on.
    miss, bad = split(("missing_value", "birth_date"), ("invalid_birth_date", "birth_date"), ~cust["in_dup"].to_numpy())
    birth = cust["birth_date"].to_numpy().copy()
    birth[bad] = _days_to_dates(start, _invalid_birth_day(rng, cust["signup_day"].to_numpy()[bad], end_day, start))
    birth[miss] = np.datetime64("NaT")
    miss, bad = split(("missing_value", "city"), ("city_region_mismatch", "region"), everyone)
    city, region = cust["city"].to_numpy(dtype=object, copy=True), cust["region"].to_numpy(dtype=object, copy=True)
    shift = rng.integers(1, len(_REGIONS), n)
    region_idx = pd.Series(region, dtype=object).map({r: i for i, r in enumerate(_REGIONS)}).to_numpy(dtype=int)
    other = np.array(_REGIONS, dtype=object)[(region_idx + shift) % len(_REGIONS)]
    region[bad] = other[bad]
    city[miss] = None
    u = rng.random(n)
    miss_gender = u < rate[("missing_value", "gender")] * mult
    business = (cust["customer_type"] == "business").to_numpy()
    miss_industry = business & (rng.random(n) < rate[("missing_value", "industry")] * mult)
    found.extend([(miss_gender, "missing_value", "gender"), (miss_industry, "missing_value", "industry")])
    signup = cust["signup_day"].to_numpy()
    eligible = signup <= end_day - _STALE_DAYS - 30
    stale = eligible & (rng.random(n) < rate[("stale_record", "updated_at")] * mult)
    found.append((stale, "stale_record", "updated_at"))
    updated = cust["updated_day"].to_numpy().copy()
    stale_day = signup + np.floor(rng.random(n) * 90)
    updated[stale] = np.minimum(stale_day, end_day - _STALE_DAYS - 1)[stale]
    out = cust.assign(phone=phone, email=email, birth_date=birth, city=city, region=region, updated_day=updated)
    out.loc[miss_gender, "gender"] = None
    out.loc[miss_industry, "industry"] = None
    return out, found

def _inject_transaction_defects(
    rng: np.random.Generator, lines: pd.DataFrame, deleted: np.ndarray, first_row: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orphan lines, returns booked as completed and lines imported twice; source rows assigned."""
    orphan = deleted[lines["cust"].to_numpy()]
    is_return = (lines["status"] == "returned").to_numpy()
    unflagged = is_return & ~orphan & (rng.random(len(lines)) < _UNFLAGGED_RETURN_P)
    status = lines["status"].to_numpy(dtype=object).copy()
    status[unflagged] = "completed"
    lines = lines.assign(status=status)
    copied = ~orphan & ~is_return & (rng.random(len(lines)) < _DUPLICATE_LINE_P)
    take = np.repeat(np.arange(len(lines)), 1 + copied)  # the copy sits right below its original
    out = lines.iloc[take].reset_index(drop=True)
    row = first_row + np.arange(len(out))
    is_copy = np.r_[False, take[1:] == take[:-1]]
    orphan, unflagged = orphan[take], unflagged[take] & ~is_copy
    ids = out["order_id"].to_numpy(dtype=object)
    defects = pd.concat(
        [
            _defect_rows("transactions", ids[orphan], row[orphan], "orphan_transaction", "customer_id"),
            _defect_rows("transactions", ids[is_copy], row[is_copy], "duplicate_order_line", "",
                         (row[is_copy] - 1).astype(str)),
            _defect_rows("transactions", ids[unflagged], row[unflagged], "unflagged_negative_amount", "status"),
        ]
    )  # fmt: skip
    out.index = pd.RangeIndex(first_row, first_row + len(out), name="source_row")
    return out, defects.sort_values(["source_row", "defect"], kind="stable")

def expected_defect_rates() -> pd.DataFrame:
    """The injected defect rates, per defect and acquisition channel.

    Customer-card rates are the share of customer records of a channel that get
    the defect (stale records: of those created more than two years before the
    end; industry: of business records; birth dates: of people without a
    duplicate record). Transaction rates do not depend on the channel:
    ``orphan_transaction`` is the share of customers deleted from the customer
    table (all their lines become orphans), ``duplicate_order_line`` the share
    of lines imported twice, ``unflagged_negative_amount`` the share of return
    lines booked as completed.

    Returns
    -------
    pandas.DataFrame
        Indexed by (table, defect, column), one column per acquisition channel.

    Examples
    --------
    >>> rates = expected_defect_rates()
    >>> bool(rates.loc[("customers", "invalid_phone", "phone"), "purchased_list"]
    ...      > rates.loc[("customers", "invalid_phone", "phone"), "store_visit"])
    True
    """
    rows = [("customers", d, c, r * _CHANNEL_MULT) for d, c, r in _CUSTOMER_DEFECTS]
    for defect, column, rate in (
        ("orphan_transaction", "customer_id", _ORPHAN_P),
        ("duplicate_order_line", "", _DUPLICATE_LINE_P),
        ("unflagged_negative_amount", "status", _UNFLAGGED_RETURN_P),
    ):
        rows.append(("transactions", defect, column, np.full(len(CHANNELS), rate)))
    frame = pd.DataFrame([r[3] for r in rows], columns=list(CHANNELS))
    frame.index = pd.MultiIndex.from_tuples([r[:3] for r in rows], names=["table", "defect", "column"])
    return frame.round(4)
