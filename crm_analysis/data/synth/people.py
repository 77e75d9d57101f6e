"""Customers of the teaching data: who they are (names, phones, e-mails, cities, birth dates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analysis.core.schema import PANDERA_DTYPES, TABLES, TRUTH_TABLES
from crm_analysis.data.synth.parameters import (
    _ACQUISITION_MIX,
    _BACKGROUND_MIX,
    _CATEGORY_MIX,
    _EMAIL_DOMAINS,
    _GIVEN_CHARS,
    _HOMOPHONES,
    _LETTERS,
    _MIX_CONCENTRATION,
    _MOBILE_PREFIXES,
    _SALES_MIX,
    CITY_REGION,
    SEGMENT_PARAMETERS,
    SEGMENTS,
)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix (vectorised inverse CDF)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random((len(probs), 1)) * cum[:, -1:]
    return np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1)


def _pick(rng: np.random.Generator, options: np.ndarray, size: int, p: np.ndarray | None = None) -> np.ndarray:
    """``size`` draws from ``options`` (with probabilities ``p``)."""
    return options[rng.choice(len(options), size=size, p=None if p is None else p / p.sum())]


def _ids(prefix: str, numbers: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded ids such as C0000123."""
    return np.strings.add(prefix, np.strings.zfill(numbers.astype(np.int64).astype(str), width))


def _days_to_dates(start: pd.Timestamp, days: np.ndarray) -> np.ndarray:
    """Whole days after ``start`` as datetime64[ns] (NaN -> NaT)."""
    days = np.asarray(days, dtype=float)
    out = np.full(days.shape, np.datetime64("NaT"), dtype="datetime64[ns]")
    ok = ~np.isnan(days)
    out[ok] = np.datetime64(start.date(), "D") + np.floor(days[ok]).astype("timedelta64[D]")
    return out


def _region_of(city: np.ndarray) -> np.ndarray:
    """The region of each city (as object array)."""
    return pd.Series(city, dtype=object).map(CITY_REGION).to_numpy(dtype=object)


def _typed(frame: pd.DataFrame, table: str, truth: bool = False) -> pd.DataFrame:
    """Cast the columns of a generated table to the canonical dtypes."""
    spec = (TRUTH_TABLES if truth else TABLES)[table]
    kinds = {f.name: PANDERA_DTYPES[f.kind] for f in spec if f.name in frame.columns}
    return frame.astype(kinds)




@dataclass
class _People:
    """Latent and observed attributes of the simulated people of one chunk."""

    seg: np.ndarray
    rate: np.ndarray
    spend: np.ndarray
    p_drop: np.ndarray
    p_return: np.ndarray
    p_complaint: np.ndarray
    p_resolve: np.ndarray
    sensitive: np.ndarray
    mix: np.ndarray
    background: np.ndarray
    signup: np.ndarray
    channel: np.ndarray
    main_sales: np.ndarray
    business: np.ndarray


def _draw_people(rng: np.random.Generator, n: int, end_day: int) -> _People:
    """Draw segments and individual parameters from the segment-level distributions."""
    par = SEGMENT_PARAMETERS
    seg = rng.choice(len(SEGMENTS), size=n, p=par["share"].to_numpy())

    def col(name: str) -> np.ndarray:
        return par[name].to_numpy()[seg]

    def beta_around(mean: np.ndarray, conc: float) -> np.ndarray:
        return rng.beta(mean * conc, (1 - mean) * conc)

    rate = rng.gamma(col("rate_shape"), col("rate_mean") / col("rate_shape"))
    spend = rng.gamma(col("spend_shape"), col("spend_mean") / col("spend_shape"))
    p_drop = rng.beta(col("drop_a"), col("drop_b"))
    p_return = beta_around(col("return_p"), 40.0)
    p_complaint = beta_around(col("complaint_p"), 40.0)
    sensitive = rng.random(n) < col("price_sensitive")
    mix = rng.gamma(_CATEGORY_MIX[seg] * _MIX_CONCENTRATION)
    mix /= mix.sum(axis=1, keepdims=True)
    background = _categorical(rng, _BACKGROUND_MIX[seg])
    # Half the sign-ups fall in the first third of the period, the rest spread over all of it.
    early = rng.random(n) < 0.3
    signup = np.floor(rng.random(n) * np.where(early, (end_day + 1) / 3, end_day + 1))
    channel = _categorical(rng, _ACQUISITION_MIX[seg])
    main_sales = _categorical(rng, _SALES_MIX[seg])
    business = (seg == SEGMENTS.index("business")) | ((seg == 1) & (rng.random(n) < 0.08))
    return _People(seg, rate, spend, p_drop, p_return, p_complaint, col("resolve_p"), sensitive, mix,
                   background, signup, channel, main_sales, business)  # fmt: skip


def _name_variant(rng: np.random.Generator, names: np.ndarray) -> np.ndarray:
    """Each name with one character replaced by a homophone (or, if it has none, by a typo)."""
    out = names.copy()
    for i, name in enumerate(names):  # only the few duplicate records pass through here
        pos = int(rng.integers(len(name)))
        alike = _HOMOPHONES.get(name[pos])
        if not alike:  # no homophone for this character: try the others
            pos = next((j for j, ch in enumerate(name) if ch in _HOMOPHONES), pos)
            alike = _HOMOPHONES.get(name[pos]) or [c for c in _GIVEN_CHARS[:20] if c != name[pos]]
        out[i] = name[:pos] + alike[int(rng.integers(len(alike)))] + name[pos + 1 :]
    return out


def _phone_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Valid Chinese mobile numbers as int64 (11 digits, 1[3-9]...)."""
    return _pick(rng, _MOBILE_PREFIXES, n).astype(np.int64) * 10**8 + rng.integers(0, 10**8, n)


def _format_phones(numbers: np.ndarray, style: np.ndarray) -> np.ndarray:
    """Write phone numbers in one of the five formats."""
    a = numbers // 10**8
    b = np.strings.zfill(((numbers // 10**4) % 10**4).astype(str), 4)
    c = np.strings.zfill((numbers % 10**4).astype(str), 4)
    a = a.astype(str)
    plain = np.strings.add(np.strings.add(a, b), c)

    def joined(sep: str) -> np.ndarray:
        return np.strings.add(np.strings.add(np.strings.add(np.strings.add(a, sep), b), sep), c)

    spaced, dashed = joined(" "), joined("-")
    options = [plain, spaced, dashed, np.strings.add("+86 ", spaced), np.strings.add("+86", plain)]
    return np.choose(style, [o.astype(object) for o in options])


def _emails(rng: np.random.Generator, pinyin: np.ndarray, birth_year: np.ndarray, business: np.ndarray) -> np.ndarray:
    """Plausible e-mail addresses (all valid)."""
    n = len(pinyin)
    letters = _LETTERS[rng.integers(0, 26, (n, 4))]
    tail = np.strings.add(np.strings.add(letters[:, 0], letters[:, 1]), letters[:, 2])
    kind = rng.integers(0, 4, n)
    local = np.choose(
        kind,
        [
            np.strings.add(pinyin, tail).astype(object),
            np.strings.add(np.strings.add(pinyin, "."), tail).astype(object),
            np.strings.add(pinyin, birth_year.astype(str)).astype(object),
            rng.integers(10**7, 10**10, n).astype(str).astype(object),
        ],
    )
    domain = np.where(kind == 3, "qq.com", _pick(rng, _EMAIL_DOMAINS, n))
    company = np.strings.add(np.strings.add(tail, letters[:, 3]), _pick(rng, np.array([".com", ".cn", ".com.cn"]), n))
    domain = np.where(business, company, domain)
    return np.strings.add(np.strings.add(local.astype(str), "@"), domain).astype(object)
