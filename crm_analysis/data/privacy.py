"""Privacy masking (客户信息保密): reports never show raw names, phone numbers or e-mails.

Every table a chapter displays or exports goes through :func:`mask_pii` first; only a
notebook run with ``show_pii=True`` shows the raw values. The maskers work on a
pandas Series (vectorised, NA-safe) or on a single string, which is handy in the
console::

    >>> mask_phone("13812345678")
    '138****5678'
    >>> mask_email("zhang.wei@example.com")
    'z***@example.com'
    >>> mask_name("张伟")
    '张*'

:func:`pseudonymise` replaces values by a keyed hash when rows must stay linkable
(the same customer gets the same code) without showing who they are, and
:func:`find_raw_pii` is what the report privacy test uses to check a rendered
report for leaked values.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import os
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.core import paths
from crm_analysis.core.schema import PII_COLUMNS

MASK = "***"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# A mainland mobile number behind a +86 / 0086 country code: the code is dropped before masking.
_COUNTRY_CODE = r"^(?:0086|86)(?=1\d{10}$)"
# Phone candidates shorter than this are not searched: a short digit run ("12") occurs everywhere.
_MIN_PHONE_DIGITS = 6


def _as_string_series(values: Any) -> tuple[pd.Series, bool]:
    """Return ``values`` as a ``string`` Series and whether the input was a single value."""
    if isinstance(values, pd.Series):
        series = values
    elif isinstance(values, (str, bytes)) or not isinstance(values, Iterable):
        return pd.Series([values], dtype="object").astype("string"), True
    else:
        series = pd.Series(list(values), dtype="object")
    if pd.api.types.is_float_dtype(series.dtype):
        # Phones read from Excel/CSV often arrive as floats (1.3812345678e10): drop the ".0".
        whole = series.dropna()
        if (whole == np.floor(whole)).all():
            series = series.astype("Int64")
    return series.astype("string"), False


def _result(series: pd.Series, scalar: bool) -> Any:
    return series.iloc[0] if scalar else series


def mask_phone(values: Any) -> Any:
    """Mask phone numbers: ``13812345678`` becomes ``138****5678``.

    Spaces, dashes, brackets and a ``+86`` / ``0086`` country code are removed first.
    An 11-digit number keeps its first 3 and last 4 digits; any other number keeps
    only its last 2 digits (all digits masked when it has 2 or fewer). A value
    without any digit is replaced by ``***``.

    Parameters
    ----------
    values : str or pandas.Series or iterable of str
        Phone numbers; missing values stay missing.

    Returns
    -------
    str or pandas.Series
        The masked value(s), a single value for a single input, else a ``string``
        Series with the input's index.

    Examples
    --------
    >>> mask_phone("+86 138-1234-5678")
    '138****5678'
    >>> mask_phone(pd.Series(["6552 9988", "12", None, "n/a"])).tolist()
    ['******88', '**', <NA>, '***']
    """
    series, scalar = _as_string_series(values)
    digits = series.str.replace(r"\D", "", regex=True).str.replace(_COUNTRY_CODE, "", regex=True)
    n = digits.str.len().fillna(-1)  # -1 for missing values, which stay missing below
    eleven = digits.str.slice(0, 3) + "****" + digits.str.slice(-4)
    other = digits.str.replace(r"\d(?=\d{2})", "*", regex=True)
    tiny = digits.str.replace(r"\d", "*", regex=True)
    masked = other.mask(n == 11, eleven).mask(n <= 2, tiny).mask(n == 0, MASK).where(series.notna())
    return _result(masked, scalar)


def mask_email(values: Any) -> Any:
    """Mask e-mail addresses: ``zhang.wei@example.com`` becomes ``z***@example.com``.

    The first character of the local part and the domain are kept. A value that is
    not a well-formed address is masked entirely (``***``).

    Parameters
    ----------
    values : str or pandas.Series or iterable of str
        E-mail addresses; missing values stay missing.

    Returns
    -------
    str or pandas.Series
        The masked value(s), a single value for a single input, else a ``string`` Series.

    Examples
    --------
    >>> mask_email(" Zhang.Wei@Example.com ")
    'Z***@Example.com'
    >>> mask_email(pd.Series(["no-at-sign", "a@b", None])).tolist()
    ['***', '***', <NA>]
    """
    series, scalar = _as_string_series(values)
    clean = series.str.strip()
    valid = clean.str.match(_EMAIL).fillna(False).astype(bool)
    masked = clean.str.replace(r"^([^@])[^@]*@", rf"\1{MASK}@", regex=True)
    masked = masked.where(valid, MASK).where(series.notna())
    return _result(masked.astype("string"), scalar)


def _mask_word(match: re.Match[str]) -> str:
    # At most three stars, so a mask does not reveal how long a name is.
    return match.group(1) + "*" * min(len(match.group(2)), 3)


def mask_name(values: Any) -> Any:
    """Mask personal names, keeping the first character of each word.

    Each following character becomes ``*`` (at most three per word, so the length of a
    long name is not revealed): ``张伟`` becomes ``张*``, ``Zhang Wei`` becomes ``Z*** W**``.

    Parameters
    ----------
    values : str or pandas.Series or iterable of str
        Names; missing values stay missing.

    Returns
    -------
    str or pandas.Series
        The masked value(s), a single value for a single input, else a ``string`` Series.

    Examples
    --------
    >>> mask_name("Zhang Wei")
    'Z*** W**'
    >>> mask_name(pd.Series(["欧阳娜娜", "李", None])).tolist()
    ['欧***', '李', <NA>]
    """
    series, scalar = _as_string_series(values)
    masked = series.str.strip().str.replace(r"(\S)(\S*)", _mask_word, regex=True)
    return _result(masked, scalar)


def pseudonymise(values: Any, key: str | bytes, *, prefix: str = "c_", length: int = 8) -> pd.Series:
    """Replace values by a keyed hash (HMAC-SHA256), e.g. ``c_3f9a1b2c``.

    The same value always gets the same code under the same key, so tables stay
    joinable, but without the key nobody can recompute the codes from a list of
    known phone numbers (which a plain hash would allow). Values are hashed as
    given: normalise them first if ``138-1234-5678`` and ``13812345678`` should match.

    Parameters
    ----------
    values : pandas.Series or iterable of str
        Values to replace; missing values stay missing.
    key : str or bytes
        The secret key. Keep it out of the report and out of version control.
    prefix : str, default "c_"
        Put before the hex digits.
    length : int, default 8
        Number of hex digits kept (1 to 64).

    Returns
    -------
    pandas.Series
        ``string`` Series of codes, with the input's index.

    Raises
    ------
    ValueError
        If ``key`` is empty or ``length`` is out of range.

    Examples
    --------
    >>> codes = pseudonymise(["13812345678", "13812345678", None], key="course-key")
    >>> codes[0] == codes[1], codes[0].startswith("c_"), len(codes[0]), codes[2]
    (True, True, 10, <NA>)
    >>> pseudonymise(["13812345678"], key="other-key")[0] == codes[0]
    False
    """
    if not key:
        raise ValueError("pseudonymise needs a non-empty key (a secret kept out of the report)")
    if not 1 <= length <= 64:
        raise ValueError(f"length must be between 1 and 64 hex digits, got {length}")
    key_bytes = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    series, _ = _as_string_series(values)
    # Hash each distinct value once; most columns repeat values (customer ids in transactions).
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    hashed = np.array(
        [prefix + hmac.new(key_bytes, str(u).encode("utf-8"), hashlib.sha256).hexdigest()[:length] for u in uniques]
        + [None],
        dtype=object,
    )
    return pd.Series(hashed[codes], index=series.index, dtype="string", name=series.name)


def _masker_for(column: str) -> Callable[[Any], Any]:
    """Pick the masker from a column's name: phone, e-mail, otherwise name-style."""
    lowered = column.lower()
    if any(word in lowered for word in ("phone", "mobile", "tel")):
        return mask_phone
    if "mail" in lowered:
        return mask_email
    return mask_name


def mask_value(column: str, value: object) -> str:
    """One raw value as safe text for a message or an issue: personal data masked, at most 40 characters.

    The one masking rule of the package: a value of a personal-data column (:data:`PII_COLUMNS`)
    is masked as :func:`mask_pii` masks it in reports (:func:`mask_phone`, :func:`mask_email`,
    :func:`mask_name`); other values are shown as they are.

    Parameters
    ----------
    column : str
        Canonical column the value belongs to.
    value : object
        The raw value.

    Returns
    -------
    str
        The value as text, masked when ``column`` holds personal data, cut to 40 characters.

    Examples
    --------
    >>> mask_value("name", "张伟"), mask_value("phone", "12"), mask_value("city", "上海")
    ('张*', '**', '上海')
    >>> mask_value("phone", "6552 9988"), mask_value("email", "not-an-address")
    ('******88', '***')
    """
    text = str(value)
    if column in PII_COLUMNS:
        text = str(_masker_for(column)(text))
    return text if len(text) <= 40 else text[:37] + "..."


def mask_pii(
    df: pd.DataFrame,
    *,
    show_pii: bool = False,
    columns: Sequence[str] = PII_COLUMNS,
    method: str = "mask",
    key: str | bytes | None = None,
) -> pd.DataFrame:
    """Mask or pseudonymise the personal-data columns of a table before display or export.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table; columns in ``columns`` that it does not have are ignored.
    show_pii : bool, default False
        If True, return ``df`` unchanged (only when raw values may appear, e.g. for the
        data owner).
    columns : sequence of str, default ("name", "phone", "email")
        Columns holding personal data. With ``method="mask"`` a column whose name
        contains "phone", "mobile" or "tel" is masked as a phone number, one containing
        "mail" as an e-mail address, any other like a name.
    method : {"mask", "hash"}, default "mask"
        ``"mask"`` keeps a readable hint (``138****5678``); ``"hash"`` replaces values by
        :func:`pseudonymise` codes, so equal values stay equal.
    key : str or bytes, optional
        The secret key, required with ``method="hash"``.

    Returns
    -------
    pandas.DataFrame
        A copy with the personal-data columns replaced; other columns and the index are
        untouched.

    Raises
    ------
    ValueError
        If ``method`` is unknown, or ``method="hash"`` is used without a key.

    Examples
    --------
    >>> df = pd.DataFrame({"name": ["张伟"], "phone": ["13812345678"], "amount": [9.5]})
    >>> mask_pii(df)
      name        phone  amount
    0   张*  138****5678     9.5
    >>> mask_pii(df, show_pii=True) is df
    True
    """
    if method not in ("mask", "hash"):
        raise ValueError(f"method must be 'mask' or 'hash', got {method!r}")
    if method == "hash" and not key:
        raise ValueError("mask_pii(method='hash') needs a key; see pseudonymise")
    if show_pii:
        return df
    out = df.copy()
    for column in (c for c in columns if c in df.columns):
        if method == "hash":
            out[column] = pseudonymise(df[column], key)  # type: ignore[arg-type]
        else:
            out[column] = _masker_for(column)(df[column])
    return out


def _phone_candidates(raw: str) -> set[str]:
    """The forms a phone number could be printed in: as given, all digits, without +86."""
    digits = re.sub(r"\D", "", raw)
    national = re.sub(_COUNTRY_CODE, "", digits)
    forms = {raw.strip(), digits, national}
    return {f for f in forms if len(re.sub(r"\D", "", f)) >= _MIN_PHONE_DIGITS}


def find_raw_pii(text: str, phones: Iterable[Any], emails: Iterable[Any]) -> list[str]:
    """Return the raw phone numbers and e-mail addresses that occur in a text.

    Used to check a rendered report: nothing returned means no raw value leaked.
    Phones are searched as given, as their digits only, and without a +86 country
    code; e-mails case-insensitively. The text is searched both as is and with HTML
    entities decoded. Phones with fewer than 6 digits are not searched (they would
    match any number in the text).

    Parameters
    ----------
    text : str
        The report text or HTML.
    phones, emails : iterable of str
        Raw values from the input data; missing and empty values are skipped.

    Returns
    -------
    list of str
        The input values (as given) found in the text, in input order, without repeats.

    Examples
    --------
    >>> report = "<td>138****5678</td><td>call 13900001111</td><td>li&#64;example.com</td>"
    >>> find_raw_pii(report, ["13812345678", "139-0000-1111"], ["li@example.com", "wu@example.com"])
    ['139-0000-1111', 'li@example.com']
    """
    haystacks = {text, html.unescape(text)}
    lowered = {h.lower() for h in haystacks}
    found: list[str] = []
    for raw in phones:
        if pd.isna(raw) or raw in found:
            continue
        if any(c in h for c in _phone_candidates(str(raw)) for h in haystacks):
            found.append(raw)
    for raw in emails:
        if pd.isna(raw) or raw in found or not str(raw).strip():
            continue
        needle = str(raw).strip().lower()
        if any(needle in h for h in lowered):
            found.append(raw)
    return found


# ----------------------------------------------------------- personal data in any column or text
# Shapes of personal data, searched in any text (error messages, ids, free text). Each match must
# stand alone: no letter, digit or base64 character right before or after it, so embedded image
# data and longer numbers (order ids, amounts) do not match.
_EMAIL_IN_TEXT = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
# A mainland resident ID number (GB 11643): 6-digit area, birth date, 3-digit order, check digit.
_CN_ID_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z+/])\d{6}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z/])"
)
# A mainland mobile number, optionally behind +86 / 0086 / 86 and with spaces or dashes (138 1234 5678).
_CN_MOBILE_IN_TEXT = re.compile(
    r"(?<![0-9A-Za-z+/])(?:(?:\+|00)?86[ -]?)?1[3-9]\d(?:[ -]?\d{4}){2}(?![0-9A-Za-z/])"
)
# An international number written with its + (E.164: up to 15 digits, spaces/dashes/brackets allowed).
_INTL_PHONE_IN_TEXT = re.compile(r"(?<![\w+/])\+\d[\d ()-]{6,18}\d(?![\w/])")
# What any match above needs: an "@", a "+digit", or a run of 11+ digits and separators (a mobile number).
_SUSPECT = r"@|\+\d|\d[\d ()-]{9,}\d"
#: Environment variable holding the key of :func:`customer_pseudonyms` (a secret kept out of reports).
PSEUDONYM_KEY_ENV = "CRM_ANALYSIS_PSEUDONYM_KEY"
#: Where the key is kept when the environment variable is not set (created once, readable by the owner only).
PSEUDONYM_KEY_FILE = paths.REPORTS_DIR / ".pseudonym-key"


def _mask_id_number(match: re.Match[str]) -> str:
    text = match.group(0)
    return "*" * (len(text) - 2) + text[-2:]


def mask_text(text: str, *, show_pii: bool = False) -> str:
    """Mask whatever looks like personal data in a free text: an error message, a log line, an id.

    Unlike :func:`mask_pii`, which knows the personal-data columns by name, this looks at the
    values themselves, so it also catches a phone number used as the customer key (手机号作会员号)
    or a raw source row quoted in a load error. Masked: e-mail addresses (:func:`mask_email`),
    mainland resident ID numbers (18 characters, all but the last 2 masked), mainland mobile
    numbers with or without +86 and separators (:func:`mask_phone`), and international numbers
    written with a leading ``+``. A match must stand alone (no letter or digit next to it), so
    order numbers, amounts and embedded image data are left as they are.

    Parameters
    ----------
    text : str
        Any text; non-strings are converted with ``str``.
    show_pii : bool, default False
        Return the text unchanged.

    Returns
    -------
    str

    Examples
    --------
    >>> mask_text("line 3: C1,张伟,138-1234-5678,wei@example.com,110105199003071234 (order 20240101123456)")
    'line 3: C1,张伟,138****5678,w***@example.com,****************34 (order 20240101123456)'
    >>> mask_text("customer 8613912345678 and +44 20 7946 0958")
    'customer 139****5678 and **********58'
    """
    text = str(text)
    if show_pii:
        return text
    text = _EMAIL_IN_TEXT.sub(lambda m: str(mask_email(m.group(0))), text)
    text = _CN_ID_IN_TEXT.sub(_mask_id_number, text)
    text = _CN_MOBILE_IN_TEXT.sub(lambda m: str(mask_phone(m.group(0))), text)
    return _INTL_PHONE_IN_TEXT.sub(lambda m: str(mask_phone(m.group(0))), text)


def looks_like_pii(values: Any) -> pd.Series:
    """Which values are, as a whole, a phone number, an e-mail address or a resident ID number.

    Parameters
    ----------
    values : pandas.Series or iterable
        Any values; missing ones are False.

    Returns
    -------
    pandas.Series of bool
        With the input's index.

    Examples
    --------
    >>> looks_like_pii(["13812345678", "C000123", "a@b.cn", 17850, None]).tolist()
    [True, False, True, False, False]
    """
    series, _ = _as_string_series(values)
    text = series.fillna("").str.strip()
    hit = np.zeros(len(series), dtype=bool)
    for pattern in (_EMAIL_IN_TEXT, _CN_ID_IN_TEXT, _CN_MOBILE_IN_TEXT, _INTL_PHONE_IN_TEXT):
        hit |= text.str.fullmatch(pattern.pattern).fillna(False).to_numpy(dtype=bool)
    return pd.Series(hit, index=series.index, dtype=bool)


def pseudonym_key() -> str:
    """The key of :func:`customer_pseudonyms`: ``$CRM_ANALYSIS_PSEUDONYM_KEY``, else a key file.

    The file (:data:`PSEUDONYM_KEY_FILE`, under ``reports/``) is created once with a random key and
    permissions 0600, so pseudonyms stay the same from run to run on one installation and cannot be
    recomputed elsewhere. Set the environment variable to share one key between machines.

    Returns
    -------
    str

    Examples
    --------
    >>> os.environ[PSEUDONYM_KEY_ENV] = "course-key"
    >>> pseudonym_key()
    'course-key'
    """
    key = os.environ.get(PSEUDONYM_KEY_ENV, "").strip()
    if key:
        return key
    path = PSEUDONYM_KEY_FILE
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another run created it a moment ago
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def mask_frame(df: pd.DataFrame, *, show_pii: bool = False, key: str | bytes | None = None) -> pd.DataFrame:
    """Mask personal data in every column and the index of a table, found by its shape.

    The safety net under :func:`mask_pii` (which knows ``name``, ``phone`` and ``email`` by name):
    text columns and a text index are searched with :func:`mask_text`. A customer key
    (``customer_id``, as a column or the index) whose values look like phone numbers, e-mails or
    ID numbers is replaced as a whole by a stable pseudonym (:func:`pseudonymise` with
    :func:`pseudonym_key`), so rows stay joinable across tables and runs.

    Parameters
    ----------
    df : pandas.DataFrame
        Any table.
    show_pii : bool, default False
        Return ``df`` unchanged.
    key : str or bytes, optional
        Pseudonym key; default :func:`pseudonym_key`.

    Returns
    -------
    pandas.DataFrame
        A copy (or ``df`` itself when nothing needed masking).

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ["13812345678", "13900001111"], "note": ["call 13900001111", "ok"],
    ...                    "amount": [1.5, 2.0]})
    >>> out = mask_frame(df, key="course-key")
    >>> out["customer_id"].str.startswith("c_").tolist(), out["note"].tolist()
    ([True, True], ['call 139****1111', 'ok'])
    """
    if show_pii:
        return df
    out = df
    text_columns = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c].dtype)
                    and not pd.api.types.is_datetime64_any_dtype(df[c].dtype)]
    for column in text_columns:
        values = df[column]
        # Only values with an "@", a "+digit" or 11+ digits can hold personal data: search those.
        suspect = values.astype("string").str.contains(_SUSPECT, regex=True).fillna(False).to_numpy(dtype=bool)
        if not suspect.any():
            continue
        if str(column) == "customer_id" and looks_like_pii(values[suspect]).any():
            replaced = pseudonymise(values.astype("string"), key or pseudonym_key())
        else:
            replaced = values.where(~suspect, values[suspect].map(mask_text))
            if replaced.equals(values):
                continue
        out = out.copy() if out is df else out
        out[column] = replaced
    index = df.index
    if index.name == "customer_id" and not pd.api.types.is_numeric_dtype(index.dtype) and looks_like_pii(
            pd.Series(index).loc[lambda ids: ids.astype("string").str.contains(_SUSPECT).fillna(False)
                                 .to_numpy(dtype=bool)]).any():
        out = out.copy() if out is df else out
        out.index = pd.Index(pseudonymise(pd.Series(index), key or pseudonym_key()), name=index.name)
    return out


#: First characters that make a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = r"[=+\-@\t\r]"


def _defuse(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def defuse_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """Make a table safe to open in Excel or LibreOffice: no text cell can run as a formula.

    Following the OWASP rule for CSV export, a text cell (or column name, or text index value)
    starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading single
    quote, which spreadsheets show as text. Numeric columns are left as they are (``-5`` is a
    number, not a formula).

    Parameters
    ----------
    df : pandas.DataFrame
        Any table.

    Returns
    -------
    pandas.DataFrame
        A copy with such cells prefixed (``df`` itself when none needed it).

    Examples
    --------
    >>> df = pd.DataFrame({"customer_id": ['=HYPERLINK("http://example.invalid","click")', "C1"],
    ...                    "amount": [-5.0, 3.0]})
    >>> defuse_formulas(df)["customer_id"].tolist(), defuse_formulas(df)["amount"].tolist()
    (['\\'=HYPERLINK("http://example.invalid","click")', 'C1'], [-5.0, 3.0])
    """
    out = df
    for position in range(df.shape[1]):
        values = df.iloc[:, position]
        if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_datetime64_any_dtype(values.dtype):
            continue
        text = values.map(lambda v: v if isinstance(v, str) else None) if values.dtype == object else values
        risky = text.astype("string").str.match(_FORMULA_START).fillna(False).to_numpy(dtype=bool)
        if risky.any():
            out = out.copy() if out is df else out
            defused = values.where(~risky, values[risky].map(_defuse))
            out.iloc[:, position] = defused.astype(values.dtype) if values.dtype == "string" else defused
    if any(isinstance(c, str) and c.startswith(FORMULA_STARTS) for c in df.columns):
        out = out.copy() if out is df else out
        out.columns = [_defuse(c) for c in df.columns]
    if not pd.api.types.is_numeric_dtype(df.index.dtype) and any(map(lambda v: _defuse(v) is not v, df.index)):
        out = out.copy() if out is df else out
        out.index = pd.Index([_defuse(v) for v in df.index], name=df.index.name)
    return out


#: Set by ``crm-analysis run`` for its chapters' kernels from the run's ``show_pii`` parameter ("1" shows raw values).
SHOW_PII_ENV = "CRM_ANALYSIS_SHOW_PII"


def show_pii_setting(show_pii: bool | None = None) -> bool:
    """Whether personal data may be shown: ``show_pii`` when given, else the run's setting.

    The one place where a run's ``-p show_pii True`` reaches code that is not handed the parameter
    (e.g. :func:`crm_analysis.app.report.save_table`): the runner puts it into :data:`SHOW_PII_ENV`
    for the chapters' kernels. Anything but ``"1"`` (or unset) means masked.

    Parameters
    ----------
    show_pii : bool, optional
        An explicit choice, which wins.

    Returns
    -------
    bool

    Examples
    --------
    >>> os.environ.pop(SHOW_PII_ENV, None)  # doctest: +ELLIPSIS
    ...
    >>> show_pii_setting(), show_pii_setting(True)
    (False, True)
    >>> os.environ[SHOW_PII_ENV] = "1"
    >>> show_pii_setting(), show_pii_setting(False)
    (True, False)
    >>> del os.environ[SHOW_PII_ENV]
    """
    if show_pii is not None:
        return bool(show_pii)
    return os.environ.get(SHOW_PII_ENV, "").strip() == "1"


def pseudonym_map(customer_ids: Any, *, key: str | bytes | None = None) -> pd.DataFrame:
    """The mapping customer key → pseudonym for the keys :func:`mask_frame` would replace.

    Only for the data owner: it undoes the pseudonyms, so it is written only where ``show_pii``
    allows (``crm-analysis run -p show_pii True`` writes ``private/pseudonyms.csv`` in the run folder).

    Parameters
    ----------
    customer_ids : pandas.Series or iterable of str
        The customer keys (duplicates and missing values are dropped).
    key : str or bytes, optional
        Pseudonym key; default :func:`pseudonym_key` (``$CRM_ANALYSIS_PSEUDONYM_KEY``).

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id`` and ``pseudonym``, sorted by key; empty when no key looks like
        personal data (the keys are then kept as they are in the tables).

    Examples
    --------
    >>> pseudonym_map(["13812345678", "13812345678", "13900001111"], key="course-key").shape
    (2, 2)
    >>> pseudonym_map(["C1", "C2"], key="course-key").empty
    True
    """
    ids = pd.Series(list(customer_ids) if not isinstance(customer_ids, pd.Series) else customer_ids,
                    dtype="string").dropna().drop_duplicates().sort_values(ignore_index=True)
    if not looks_like_pii(ids).any():
        return pd.DataFrame({"customer_id": pd.Series(dtype="string"), "pseudonym": pd.Series(dtype="string")})
    return pd.DataFrame({"customer_id": ids, "pseudonym": pseudonymise(ids, key or pseudonym_key())})
