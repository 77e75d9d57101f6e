"""Normalisers of single values and whole columns: text, phones, e-mails, categories, yes/no, dates.

``normalize_phone`` is the package's one phone normalisation (the quality chapter checks phones
with it too). The scalar normalisers take one raw value and return the canonical form or None;
the vectorised ones apply them once per distinct value of a column.

Examples
--------
>>> normalize_phone("+86 138-1234-5678"), normalize_email(" Wei@Example.COM ")
('13812345678', 'wei@example.com')
>>> normalize_category("门店", "acquisition_channel"), normalize_category("女", "gender")
('store_visit', 'female')
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from crm_analysis.core.arrow_text import as_arrow
from crm_analysis.data.parsers import FALSE_VALUES, TRUE_VALUES, parse_dates

# Synonyms after lower-casing and turning spaces / hyphens into underscores (see normalize_category).
CATEGORY_SYNONYMS: dict[str, dict[str, str]] = {
    "gender": {
        "f": "female",
        "female": "female",
        "woman": "female",
        "w": "female",
        "女": "female",
        "女性": "female",
        "m": "male",
        "male": "male",
        "man": "male",
        "男": "male",
        "男性": "male",
        "other": "other",
        "x": "other",
        "diverse": "other",
        "non_binary": "other",
        "nonbinary": "other",
        "其他": "other",
    },
    "customer_type": {
        "individual": "individual",
        "person": "individual",
        "personal": "individual",
        "consumer": "individual",
        "private": "individual",
        "b2c": "individual",
        "个人": "individual",
        "个人客户": "individual",
        "business": "business",
        "company": "business",
        "corporate": "business",
        "organisation": "business",
        "organization": "business",
        "b2b": "business",
        "企业": "business",
        "公司": "business",
        "企业客户": "business",
        "单位": "business",
    },
    "acquisition_channel": {
        "store_visit": "store_visit",
        "store": "store_visit",
        "walk_in": "store_visit",
        "in_store": "store_visit",
        "门店": "store_visit",
        "到店": "store_visit",
        "门店到访": "store_visit",
        "phone": "phone",
        "telephone": "phone",
        "call": "phone",
        "cold_call": "phone",
        "电话": "phone",
        "电话营销": "phone",
        "web_form": "web_form",
        "web": "web_form",
        "website": "web_form",
        "online_form": "web_form",
        "网站": "web_form",
        "官网": "web_form",
        "网页表单": "web_form",
        "在线表单": "web_form",
        "referral": "referral",
        "referred": "referral",
        "推荐": "referral",
        "转介绍": "referral",
        "朋友推荐": "referral",
        "trade_show": "trade_show",
        "exhibition": "trade_show",
        "fair": "trade_show",
        "展会": "trade_show",
        "会展": "trade_show",
        "purchased_list": "purchased_list",
        "bought_list": "purchased_list",
        "list": "purchased_list",
        "购买名单": "purchased_list",
        "名单购买": "purchased_list",
        "social_media": "social_media",
        "social": "social_media",
        "wechat": "social_media",
        "weibo": "social_media",
        "微信": "social_media",
        "微博": "social_media",
        "社交媒体": "social_media",
        "other": "other",
        "其他": "other",
    },
    "status": {
        "completed": "completed",
        "complete": "completed",
        "paid": "completed",
        "done": "completed",
        "success": "completed",
        "完成": "completed",
        "已完成": "completed",
        "已支付": "completed",
        "成功": "completed",
        "shipped": "completed",
        "delivered": "completed",
        "dispatched": "completed",
        "fulfilled": "completed",
        "closed": "completed",
        "已付款": "completed",
        "已发货": "completed",
        "已签收": "completed",
        "已送达": "completed",
        "returned": "returned",
        "return": "returned",
        "refund": "returned",
        "refunded": "returned",
        "退货": "returned",
        "已退货": "returned",
        "退款": "returned",
        "cancelled": "cancelled",
        "canceled": "cancelled",
        "cancel": "cancelled",
        "void": "cancelled",
        "取消": "cancelled",
        "已取消": "cancelled",
    },
    "kind": {
        "inquiry": "inquiry",
        "enquiry": "inquiry",
        "question": "inquiry",
        "咨询": "inquiry",
        "complaint": "complaint",
        "投诉": "complaint",
        "visit": "visit",
        "拜访": "visit",
        "上门": "visit",
        "到访": "visit",
        "care_call": "care_call",
        "care": "care_call",
        "follow_up": "care_call",
        "回访": "care_call",
        "关怀": "care_call",
        "关怀电话": "care_call",
        "feedback": "feedback",
        "反馈": "feedback",
        "评价": "feedback",
        "other": "other",
        "其他": "other",
    },
    "reason_category": {
        "price": "price",
        "expensive": "price",
        "too_expensive": "price",
        "价格": "price",
        "太贵": "price",
        "价格太高": "price",
        "service": "service",
        "attitude": "service",
        "dissatisfaction": "service",
        "服务": "service",
        "态度": "service",
        "服务差": "service",
        "quality": "quality",
        "质量": "quality",
        "产品质量": "quality",
        "competitor": "competitor",
        "竞争对手": "competitor",
        "竞品": "competitor",
        "relocation": "relocation",
        "moved": "relocation",
        "搬家": "relocation",
        "搬迁": "relocation",
        "no_longer_needed": "no_longer_needed",
        "not_needed": "no_longer_needed",
        "不再需要": "no_longer_needed",
        "不需要": "no_longer_needed",
        "other": "other",
        "其他": "other",
    },
}


_MOBILE = re.compile(r"1[3-9]\d{9}")


_EMAIL = re.compile(r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@([a-z0-9-]+\.)+[a-z]{2,}")


def _missing(value: object) -> bool:
    return value is None or (not isinstance(value, str) and bool(pd.isna(value)))


def normalize_text(value: object) -> str | None:
    """Trim, collapse inner whitespace and apply NFKC (full-width characters become half-width).

    Parameters
    ----------
    value : object
        Any value; non-strings are converted with ``str``.

    Returns
    -------
    str or None
        None for missing or blank values.

    Examples
    --------
    >>> normalize_text("  Ｓｈａｎｇｈａｉ \\u3000 Pudong "), normalize_text("   ")
    ('Shanghai Pudong', None)
    """
    if _missing(value):
        return None
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", str(value))).strip()
    return text or None


def normalize_phone(value: object) -> str | None:
    """Normalise a phone number; None when malformed.

    Chinese mobiles become 11 digits (``+86``, ``0086``, ``86``, spaces, dashes, dots and brackets
    removed). Numbers written internationally (``+`` or ``00``) that are not Chinese mobiles keep
    their digits with a leading ``+`` when they have 8–15 digits (the E.164 limit), e.g. a landline
    ``+86 21 1234 5678`` -> ``+862112345678`` or ``+44 20 7946 0958`` -> ``+442079460958``.
    Anything else is None: letters, a mobile with 10 or 12 digits, and domestic numbers that are not
    mobiles (``0``-prefixed landline-like numbers are how mobiles get mistyped in the teaching data,
    so a landline must be written with its country code to be kept).

    Parameters
    ----------
    value : object
        The raw number.

    Returns
    -------
    str or None

    Examples
    --------
    >>> [normalize_phone(v) for v in ["0086 138.1234.5678", "03812345678", "+44 20 7946 0958", "1381234567"]]
    ['13812345678', None, '+442079460958', None]
    """
    text = normalize_text(value)
    if text is None:
        return None
    text = re.sub(r"^(\d+)\.0$", r"\1", text)  # numbers that went through a spreadsheet
    compact = re.sub(r"[\s\-.()/]", "", text)
    if not re.fullmatch(r"\+?\d+", compact):
        return None
    international = compact.startswith("+") or compact.startswith("00")
    digits = compact.lstrip("+")
    if compact.startswith("00"):
        digits = digits[2:]
    if international or (len(digits) == 13 and digits.startswith("86")):
        if digits.startswith("86") and _MOBILE.fullmatch(digits[2:]):
            return digits[2:]
        return "+" + digits if international and 8 <= len(digits) <= 15 else None
    return digits if _MOBILE.fullmatch(digits) else None


def normalize_email(value: object) -> str | None:
    """Trim and lower-case an e-mail address; None if it is not a plausible address.

    Parameters
    ----------
    value : object
        The raw address.

    Returns
    -------
    str or None

    Examples
    --------
    >>> normalize_email(" Zhang.Wei@Example.COM "), normalize_email("zhang@@example"), normalize_email("a@b")
    ('zhang.wei@example.com', None, None)
    """
    text = normalize_text(value)
    if text is None:
        return None
    text = text.lower()
    return text if _EMAIL.fullmatch(text) else None


def normalize_category(value: object, column: str) -> str | None:
    """Map a category value to its canonical spelling for ``column``; None if it matches nothing.

    Case, surrounding and inner spaces and hyphens are ignored (``"Store visit"``, ``"store-visit"``
    -> ``store_visit``); synonyms, including Chinese ones, are in :data:`CATEGORY_SYNONYMS`.

    Parameters
    ----------
    value : object
        Raw value.
    column : str
        A category column: gender, customer_type, acquisition_channel, status, kind, reason_category.

    Returns
    -------
    str or None

    Raises
    ------
    KeyError
        If ``column`` is not a category column.

    Examples
    --------
    >>> normalize_category("Store visit", "acquisition_channel"), normalize_category("M", "gender")
    ('store_visit', 'male')
    >>> normalize_category("已取消", "status"), normalize_category("??", "status") is None
    ('cancelled', True)
    """
    synonyms = CATEGORY_SYNONYMS[column]
    text = normalize_text(value)
    if text is None:
        return None
    return synonyms.get(re.sub(r"[\s\-]+", "_", text.lower()))


def normalize_bool(value: object) -> bool | None:
    """Read a yes/no value (``是``/``Yes``/``Y``/``1``/``true`` are True); None if unrecognised.

    Examples
    --------
    >>> normalize_bool("是"), normalize_bool("N"), normalize_bool("perhaps")
    (True, False, None)
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    text = normalize_text(value)
    if text is None:
        return None
    text = text.lower()
    return True if text in TRUE_VALUES else False if text in FALSE_VALUES else None


def normalize_date(value: object) -> pd.Timestamp | None:
    """Parse one date the way the loader does (:func:`crm_analysis.data.parsers.parse_dates`).

    Examples
    --------
    >>> normalize_date("2024年3月18日"), normalize_date("2023-13-45")
    (Timestamp('2024-03-18 00:00:00'), None)
    """
    if _missing(value):
        return None
    parsed = parse_dates(pd.Series([value], dtype=object)).iloc[0]
    return None if pd.isna(parsed) else parsed


def _map_unique(values: pd.Series, func: Callable[[object], object], *, unchanged: str | None = None) -> pd.Series:
    """Apply a scalar normaliser once per distinct value (fast on long, repetitive columns).

    ``unchanged`` is an RE2 pattern for values already in canonical form (``func`` returns them
    as they are); they skip Python, which matters for a million distinct phone numbers.
    """
    if unchanged is not None and len(values):
        text = values.astype("string")
        same = pc.fill_null(pc.match_substring_regex(as_arrow(text), unchanged), False)
        same = same.to_numpy(zero_copy_only=False)
        if same.any():
            result = text.copy()
            result[~same] = _map_unique(text[~same], func)
            return result
    codes, uniques = pd.factorize(values)
    mapped = np.array([func(u) for u in uniques] + [None], dtype=object)
    return pd.Series(pd.array(mapped[codes], dtype="string"), index=values.index)


def normalize_texts(values: pd.Series) -> pd.Series:
    """:func:`normalize_text` for a whole column at once (vectorised: key columns are mostly distinct).

    Examples
    --------
    >>> normalize_texts(pd.Series(["  Ｓｈａｎｇｈａｉ   Pudong ", "   ", None])).tolist()
    ['Shanghai Pudong', <NA>, <NA>]
    """
    text = values.astype("string")
    arrow = as_arrow(text)
    # Most values of a real log are printable ASCII with single inner spaces: NFKC and the
    # whitespace rules leave them alone. Finding them takes Arrow's C++ kernels; only the rest
    # go through the (slower) Unicode normalisation.
    unchanged = pc.and_(
        pc.and_(pc.ascii_is_printable(arrow), pc.greater(pc.binary_length(arrow), 0)),
        pc.invert(pc.or_(pc.or_(pc.starts_with(arrow, " "), pc.ends_with(arrow, " ")),
                         pc.match_substring(arrow, "  "))),
    )
    work = ~pc.fill_null(unchanged, True).to_numpy(zero_copy_only=False)
    if not work.any():
        return text
    result = text.copy()
    result[work] = text[work].str.normalize("NFKC").str.replace(r"\s+", " ", regex=True).str.strip()
    return result.mask(result == "")
