"""What the customers do: purchases, returns, interactions and churn, and the exit survey.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analysis.core.schema import REASON_CATEGORIES
from crm_analysis.data.synth.defects import _Counters
from crm_analysis.data.synth.parameters import (
    _BACKGROUND_REASONS,
    _CANCEL_P,
    _CATEGORY_PRICE,
    _HAZARD_PRICE,
    _HAZARD_QUALITY,
    _HAZARD_SERVICE,
    _MAIN_CHANNEL_P,
    _REASON_TEXTS,
    _SALES_MIX,
    _SURVEY_P,
    _SURVEY_TRUE_P,
    _TOPICS,
    CATEGORIES,
    PRICE_RISE_FACTOR,
    SALES_CHANNELS,
    SEGMENT_PARAMETERS,
)
from crm_analysis.data.synth.people import _categorical, _days_to_dates, _ids, _People


@dataclass
class _Orders:
    """One row per simulated order (before lines are expanded)."""

    cust: np.ndarray
    day: np.ndarray
    cancelled: np.ndarray
    returned: np.ndarray
    complaint: np.ndarray
    resolved: np.ndarray
    complaint_day: np.ndarray
    return_day: np.ndarray
    price_fired: np.ndarray


def _simulate(rng: np.random.Generator, people: _People, end_day: int, rise_day: int):
    """Buy till you die, one purchase round at a time across all customers of the chunk."""
    n = len(people.seg)
    t = people.signup.astype(float)
    churn_day = np.full(n, np.nan)
    reason = np.full(n, -1)
    bg_codes = np.array([REASON_CATEGORIES.index(r) for r in _BACKGROUND_REASONS])
    service, quality, price = (REASON_CATEGORIES.index(r) for r in ("service", "quality", "price"))
    parts: list[tuple[np.ndarray, ...]] = []
    active = np.arange(n)
    first = True
    while active.size:
        mean_gap = np.full(active.size, 5.0) if first else 365.0 / people.rate[active]
        first = False
        day = t[active] + rng.exponential(mean_gap)
        keep = day <= end_day
        active, day = active[keep], day[keep]
        m = active.size
        if m == 0:
            break
        t[active] = day
        u = rng.random((m, 8))
        cancelled = u[:, 0] < _CANCEL_P
        returned = ~cancelled & (u[:, 1] < people.p_return[active])
        complaint = u[:, 2] < people.p_complaint[active]
        resolved = complaint & (u[:, 3] < people.p_resolve[active])
        complaint_day = day + 1 + np.floor(u[:, 4] * 10)
        return_day = day + 3 + np.floor(u[:, 5] * 18)
        fire_service = complaint & ~resolved & (u[:, 6] < _HAZARD_SERVICE)
        fire_quality = returned & (u[:, 7] < _HAZARD_QUALITY)
        v = rng.random((m, 3))
        fire_price = people.sensitive[active] & (day >= rise_day) & (v[:, 0] < _HAZARD_PRICE)
        fire_base = v[:, 1] < people.p_drop[active]
        churn = fire_service | fire_quality | fire_price | fire_base
        code = np.select(
            [fire_service, fire_quality, fire_price], [service, quality, price], bg_codes[people.background[active]]
        )
        last = np.maximum(day, np.maximum(np.where(complaint, complaint_day, day), np.where(returned, return_day, day)))
        churn_day[active[churn]] = np.floor(last + 10 + v[:, 2] * 31)[churn]
        reason[active[churn]] = code[churn]
        parts.append((active, np.floor(day), cancelled, returned, complaint, resolved, complaint_day,
                      return_day, fire_price))  # fmt: skip
        active = active[~churn]
    if parts:
        cols = [np.concatenate(c) for c in zip(*parts, strict=True)]
    else:
        cols = [np.empty(0, int), np.empty(0)] + [np.empty(0, bool)] * 4 + [np.empty(0)] * 2 + [np.empty(0, bool)]
    return _Orders(*cols), churn_day, reason

def _transactions(
    rng: np.random.Generator,
    people: _People,
    orders: _Orders,
    cust_ids: np.ndarray,
    start: pd.Timestamp,
    end_day: int,
    rise_day: int,
    counters: _Counters,
) -> pd.DataFrame:
    """Order lines and return lines, sorted by date."""
    par = SEGMENT_PARAMETERS
    m = len(orders.cust)
    order_no = counters.order + 1 + np.arange(m)
    counters.order += m
    seg = people.seg[orders.cust]
    n_lines = 1 + np.minimum(rng.poisson(par["extra_lines"].to_numpy()[seg]), 3)
    main = rng.random(m) < _MAIN_CHANNEL_P
    sales = np.where(main, people.main_sales[orders.cust], _categorical(rng, _SALES_MIX[seg]))
    of_line = np.repeat(np.arange(m), n_lines)
    line_no = np.arange(of_line.size) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines)
    cust = orders.cust[of_line]
    cat = _categorical(rng, people.mix[cust])
    qty = 1 + rng.poisson(par["extra_units"].to_numpy()[seg[of_line]])
    unit = people.spend[cust] * _CATEGORY_PRICE[cat] * rng.gamma(8.0, 1 / 8.0, of_line.size)
    price = np.where(orders.day[of_line] >= rise_day, PRICE_RISE_FACTOR, 1.0)
    amount = np.maximum(np.round(unit * qty * price, 2), 0.01)
    # Two lines of one order must not coincide by chance: only injected copies are exact duplicates.
    same = pd.DataFrame({"o": of_line, "c": cat, "q": qty, "a": amount}).groupby(["o", "c", "q", "a"]).cumcount()
    amount = np.round(amount + 0.01 * same.to_numpy(), 2)
    status = np.where(orders.cancelled[of_line], "cancelled", "completed").astype(object)
    # A return takes back the first line of the order, as its own line, dated when it came back.
    back = np.flatnonzero((line_no == 0) & orders.returned[of_line] & (orders.return_day[of_line] <= end_day))
    lines = pd.DataFrame(
        {
            "order_no": np.concatenate([order_no[of_line], order_no[of_line[back]]]),
            "cust": np.concatenate([cust, cust[back]]),
            "day": np.concatenate([orders.day[of_line], orders.return_day[of_line[back]]]),
            "line_no": np.concatenate([line_no, np.full(back.size, 9)]),
            "product_category": np.array(CATEGORIES, dtype=object)[np.concatenate([cat, cat[back]])],
            "quantity": np.concatenate([qty, -qty[back]]).astype(float),
            "amount": np.concatenate([amount, -amount[back]]),
            "sales_channel": np.array(SALES_CHANNELS, dtype=object)[
                np.concatenate([sales[of_line], sales[of_line[back]]])
            ],
            "status": np.concatenate([status, np.full(back.size, "returned", dtype=object)]),
        }
    )
    lines = lines.sort_values(["day", "order_no", "line_no"], kind="stable").reset_index(drop=True)
    lines.insert(0, "order_id", _ids("O", lines["order_no"].to_numpy(), 9).astype(object))
    lines.insert(1, "customer_id", cust_ids[lines["cust"].to_numpy()].astype(object))
    lines.insert(2, "order_date", _days_to_dates(start, lines["day"].to_numpy()))
    return lines

def _interactions(
    rng: np.random.Generator,
    people: _People,
    orders: _Orders,
    keep_cust: np.ndarray,
    churn_day: np.ndarray,
    end_day: int,
    rise_day: int,
) -> pd.DataFrame:
    """Complaints, inquiries, price feedback, visits and care calls that follow from the orders."""
    par = SEGMENT_PARAMETERS
    m = len(orders.cust)
    seg, sens = people.seg[orders.cust], people.sensitive[orders.cust]
    u = rng.random((m, 12))
    unresolved = orders.complaint & ~orders.resolved
    score_hi = 3 + np.floor(u[:, 0] * 3)  # 3-5
    score_lo = 1 + np.floor(u[:, 1] * 2)  # 1-2
    parts = []

    def add(mask, day, kind, topic, satisfaction, resolved=None):
        parts.append(
            pd.DataFrame(
                {
                    "cust": orders.cust[mask],
                    "order": np.flatnonzero(mask),  # the order the contact follows from (for the care truth)
                    "day": day[mask],
                    "kind": kind,
                    "topic": np.asarray(topic, dtype=object)[mask],
                    "satisfaction": np.asarray(satisfaction, dtype=float)[mask],
                    "resolved": np.full(int(mask.sum()), None, dtype=object)
                    if resolved is None
                    else np.asarray(resolved, dtype=object)[mask],
                }
            )
        )

    def topics(name: str, col: int) -> np.ndarray:
        options = np.array(_TOPICS[name], dtype=object)
        return options[np.minimum((u[:, col] * len(options)).astype(int), len(options) - 1)]

    nan = np.full(m, np.nan)
    add(
        orders.complaint,
        orders.complaint_day,
        "complaint",
        topics("complaint", 2),
        np.where(u[:, 3] < 0.7, np.where(orders.resolved, score_hi, score_lo), nan),
        orders.resolved,
    )
    inquiry = u[:, 4] < np.where(sens, 0.30, 0.12)
    about_price = u[:, 5] < np.where(sens, 0.7, 0.05)
    inquiry_topic = np.where(about_price, topics("price_inquiry", 6), topics("inquiry", 7))
    inquiry_day = np.maximum(orders.day - np.floor(u[:, 8] * 6), people.signup[orders.cust])
    add(inquiry, inquiry_day, "inquiry", inquiry_topic, np.where(u[:, 9] < 0.4, score_hi, nan))
    v = rng.random((m, 8))
    after = orders.day >= rise_day
    feedback = sens & after & ((v[:, 0] < 0.35) | (orders.price_fired & (v[:, 1] < 0.8)))
    add(
        feedback,
        orders.day + np.floor(v[:, 2] * 8),
        "feedback",
        np.full(m, "price", dtype=object),
        1 + np.floor(v[:, 3] * 3),
    )
    visit = v[:, 4] < par["visit_p"].to_numpy()[seg]
    visit_day = np.maximum(orders.day - np.floor(v[:, 5] * 10), people.signup[orders.cust])
    add(visit, visit_day, "visit", topics("visit", 10), np.where(v[:, 6] < 0.5, score_hi, nan))
    w = rng.random((m, 4))
    care = w[:, 0] < par["care_p"].to_numpy()[seg] + 0.3 * unresolved
    care_score = np.where(unresolved, 1 + np.floor(w[:, 1] * 3), 4 + np.floor(w[:, 1] * 2))
    add(care, orders.day + 20 + np.floor(w[:, 2] * 21), "care_call", topics("care_call", 11),
        np.where(w[:, 3] < 0.8, care_score, nan))  # fmt: skip
    out = pd.concat(parts, ignore_index=True)
    cust = out["cust"].to_numpy()
    limit = np.where(np.isnan(churn_day[cust]), end_day, np.minimum(churn_day[cust], end_day))
    out = out[(out["day"].to_numpy() <= limit) & keep_cust[cust]]
    return out


def _exit_survey(
    rng: np.random.Generator, churned: np.ndarray, reason: np.ndarray, churn_day: np.ndarray, end_day: int
) -> pd.DataFrame:
    """Answers of a third of the churned customers: a noisy category and a short phrase."""
    n = len(churned)
    answered = churned & (rng.random(n) < _SURVEY_P)
    day = churn_day + 3 + np.floor(rng.random(n) * 28)
    answered &= day <= end_day
    who = np.flatnonzero(answered)
    k = who.size
    true = reason[who]
    wrong = (true + rng.integers(1, len(REASON_CATEGORIES), k)) % len(REASON_CATEGORIES)
    stated = np.where(rng.random(k) < _SURVEY_TRUE_P, true, wrong)
    text_reason = np.where(rng.random(k) < 0.9, true, stated)
    pick = rng.random(k)
    text = np.empty(k, dtype=object)
    for code, word in enumerate(REASON_CATEGORIES):
        phrases = np.array(_REASON_TEXTS[word], dtype=object)
        here = text_reason == code
        text[here] = phrases[np.minimum((pick[here] * len(phrases)).astype(int), len(phrases) - 1)]
    u = rng.random(k)
    category = np.array(REASON_CATEGORIES, dtype=object)[stated]
    category[u < 0.08] = None  # text only
    text[(u >= 0.08) & (u < 0.2)] = None  # category only
    return pd.DataFrame({"cust": who, "day": day[who], "reason_category": category, "reason_text": text})
