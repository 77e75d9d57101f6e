"""The service side of the customer log (issue 19): channel, response and resolution times, agent and
complaint text, with their ground truth.

Everything here is drawn from its own random stream (``numpy.random.default_rng([seed, 19, chunk])``), after
the rest of the chunk is made, so every other column of every table is the same as without it.

The story
---------
*Channel* by kind of contact (:data:`KIND_CHANNELS`): inquiries and complaints come in by phone, e-mail,
WeChat, the web form or in the store; visits are in person, care calls by phone, price feedback on the web or
WeChat.

*Times.* Inquiries and complaints get a first response: the contact arrives at a time of day between 08:00 and
20:00 of its date, and the reply follows after a log-normal delay whose median depends on the channel
(:data:`RESPONSE_MEDIAN_HOURS`) and on the team (:data:`AGENT_SPEED`). Resolved complaints get a resolution
time a log-normal delay (median :data:`RESOLUTION_MEDIAN_HOURS`) after the response; unresolved ones have
none; inquiries are answered, not "resolved". Timestamps are to the minute. The log records the contact's
day only, so the hours are counted from the start of that day (as :func:`crm_analysis.care.service_times`
counts them); the truth holds the same hours.

*Agent*: one of :data:`AGENTS` (teams) for inquiries and complaints.

*Text*: most complaints carry a short free text in Chinese or English written about their **true topic**;
the recorded ``topic`` is the true one except for :data:`MISRECORDED_P` of them (a clerk's slip), so topic
recovery from the text is scored against the truth, not against the recorded field.

*Service recovery.* Resolution times have **no** effect on churn; an unresolved complaint has: after the order
it followed, the customer drops out with the extra probability ``_HAZARD_SERVICE`` (0.55) on top of the other
causes (:func:`crm_analysis.data.synth.activity._simulate`). For every complaint the truth gives its effect on
the chance of a completed purchase within :data:`FOLLOW_DAYS` days after the complaint
(``kept_effect_180d``): ``-0.55 x P(no other cause fires at that order) x P(a completed order within the
window | still a customer)``, the second factor from the customer's own purchase rate (Poisson) and the
cancellation rate; 0 for resolved complaints.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.data.synth.parameters import _CANCEL_P, _HAZARD_PRICE, _HAZARD_QUALITY, _HAZARD_SERVICE

#: Channels a contact of each kind comes in by, with their probabilities.
KIND_CHANNELS: dict[str, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "inquiry": (("phone", "email", "wechat", "web"), (0.35, 0.20, 0.30, 0.15)),
    "complaint": (("phone", "email", "wechat", "web", "store"), (0.30, 0.25, 0.25, 0.12, 0.08)),
    "feedback": (("web", "wechat"), (0.5, 0.5)),
    "visit": (("in_person",), (1.0,)),
    "care_call": (("phone",), (1.0,)),
}
#: Median hours from arrival to the first response, by channel.
RESPONSE_MEDIAN_HOURS = {"phone": 1.5, "wechat": 5.0, "store": 3.0, "web": 14.0, "email": 20.0}
#: Service teams and how much slower (> 1) or faster than the median each answers.
AGENTS = ("team_1", "team_2", "team_3", "team_4", "team_5", "team_6")
AGENT_SPEED = (0.7, 0.85, 1.0, 1.0, 1.3, 2.0)
#: Median hours from the first response to the resolution of a resolved complaint.
RESOLUTION_MEDIAN_HOURS = 30.0
#: Share of complaints with a text; of those in Chinese; share whose recorded topic is not the true one.
TEXT_P, CHINESE_P, MISRECORDED_P = 0.85, 0.55, 0.10
#: The window of the recovery truth (the chapter's default ``follow_days``).
FOLLOW_DAYS = 180

_SERVICE = ("inquiry", "complaint")
_COMPLAINT_TOPICS = ("delivery", "product_quality", "billing", "staff_attitude", "refund")
_TEXTS = {
    "delivery": {
        "zh": ("快递一周还没到", "物流太慢了,订单迟迟不发货", "包裹送错地址了", "配送延误,快递员不接电话",
               "发货拖了十天才到"),
        "en": ("parcel still not delivered after a week", "delivery was late again", "the courier left the parcel "
               "at the wrong address", "shipping took ten days", "order not shipped yet, tracking never updates"),
    },
    "product_quality": {
        "zh": ("商品质量太差,用了两天就坏了", "收到的东西有破损", "做工粗糙,和图片不一样", "产品有瑕疵,颜色不对",
               "质量问题,开机就坏"),
        "en": ("the product broke after two days", "item arrived damaged and scratched", "poor quality, not like "
               "the photos", "defective unit, does not switch on", "the stitching came apart, cheap material"),
    },
    "billing": {
        "zh": ("扣款金额不对,多收了钱", "发票开错了", "重复扣费两次", "账单上有不认识的费用", "优惠券没有抵扣"),
        "en": ("I was charged twice for one order", "the invoice shows the wrong amount", "overcharged on my bill",
               "unknown fee on my statement", "the coupon was not applied to the payment"),
    },
    "staff_attitude": {
        "zh": ("客服态度很差", "店员不耐烦,说话很冲", "客服挂我电话", "销售人员爱答不理", "服务人员态度恶劣"),
        "en": ("the service agent was rude to me", "staff were impolite and impatient", "the agent hung up on me",
               "the shop assistant ignored me", "unfriendly and dismissive customer service"),
    },
    "refund": {
        "zh": ("退款一个月还没到账", "申请退货退款被拒绝", "退款迟迟不处理", "退货后钱没退回来", "要求退款没人理"),
        "en": ("still waiting for my refund after a month", "my refund request was rejected", "returned the item "
               "but got no money back", "refund has not been processed", "nobody answers about my refund"),
    },
}
_ENDINGS = {"zh": ("", "请尽快处理。", "太失望了。", "希望给个说法。", "第二次了。"),
            "en": ("", " Please fix this.", " Very disappointed.", " I expect an answer.", " Second time now.")}


def _pick(rng: np.random.Generator, options: tuple, n: int, p: tuple[float, ...] | None = None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), size=n, p=p)]


def _stamp(day: pd.Series, hours: np.ndarray) -> pd.Series:
    """``day`` (dates) plus ``hours``, to the minute; NaT where ``hours`` is NaN."""
    minutes = pd.to_timedelta(np.round(hours * 60), unit="min")
    return (day.to_numpy() + minutes).astype("datetime64[ns]")


def care_columns(rng: np.random.Generator, log: pd.DataFrame, orders, people, rise_day: int
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The new columns of a chunk's interactions and their truth rows.

    Parameters
    ----------
    rng : numpy.random.Generator
        The chunk's own stream for these columns.
    log : DataFrame
        The chunk's interactions (``interaction_id``, ``date``, ``kind``, ``topic``, ``resolved``) with ``order``
        (the simulated order each contact follows from) and ``day`` (day number of ``date``).
    orders, people
        The chunk's simulated orders and people (:mod:`crm_analysis.data.synth.activity`).
    rise_day : int
        Day number of the price rise.

    Returns
    -------
    (DataFrame, DataFrame)
        ``channel``, ``responded_at``, ``resolved_at``, ``agent``, ``text`` (aligned with ``log``); and the
        truth rows of the inquiries and complaints: ``interaction_id``, ``response_hours``,
        ``resolution_hours``, ``true_topic``, ``kept_effect_180d``.

    Examples
    --------
    >>> from crm_analysis.data.synth import generate
    >>> truth = generate(300, seed=7).truth.interactions
    >>> bool((truth["response_hours"] > 0).all())
    True
    """
    n = len(log)
    kind = log["kind"].to_numpy(dtype=object)
    channel = np.full(n, None, dtype=object)
    for name, (options, p) in KIND_CHANNELS.items():
        here = np.flatnonzero(kind == name)
        channel[here] = _pick(rng, options, here.size, p)
    service = np.isin(kind, _SERVICE)
    agent_idx = rng.choice(len(AGENTS), size=n)
    arrival = 8 + 12 * rng.random(n)
    median = np.array([RESPONSE_MEDIAN_HOURS.get(c, 1.0) for c in channel]) * np.asarray(AGENT_SPEED)[agent_idx]
    response = np.where(service, arrival + median * np.exp(0.9 * rng.standard_normal(n)), np.nan)
    response = np.round(response * 60) / 60
    resolved = log["resolved"].astype("boolean").fillna(False).to_numpy(dtype=bool) & (kind == "complaint")
    resolution = response + RESOLUTION_MEDIAN_HOURS * np.exp(0.8 * rng.standard_normal(n))
    resolution = np.where(resolved, np.round(resolution * 60) / 60, np.nan)
    # Complaint texts about the true topic; the recorded topic is it except for a clerk's slips.
    complaint = kind == "complaint"
    recorded = log["topic"].to_numpy(dtype=object)
    slip = complaint & (rng.random(n) < MISRECORDED_P)
    shift = rng.integers(1, len(_COMPLAINT_TOPICS), n)
    true_topic = np.where(complaint, recorded, None).astype(object)
    for i in np.flatnonzero(slip):
        true_topic[i] = _COMPLAINT_TOPICS[(_COMPLAINT_TOPICS.index(recorded[i]) + shift[i]) % len(_COMPLAINT_TOPICS)]
    has_text = complaint & (rng.random(n) < TEXT_P)
    lang = np.where(rng.random(n) < CHINESE_P, "zh", "en")
    phrase, ending = rng.integers(0, 5, n), rng.integers(0, len(_ENDINGS["zh"]), n)
    text = np.full(n, None, dtype=object)
    for i in np.flatnonzero(has_text):
        body = _TEXTS[true_topic[i]][lang[i]][phrase[i]]
        stop = ("。" if lang[i] == "zh" else ".") if ending[i] else ""
        text[i] = body + stop + _ENDINGS[lang[i]][ending[i]]
    columns = pd.DataFrame({
        "channel": channel,
        "responded_at": _stamp(log["date"], response),
        "resolved_at": _stamp(log["date"], resolution),
        "agent": np.where(service, np.asarray(AGENTS, dtype=object)[agent_idx], None),
        "text": text,
    }, index=log.index)
    effect = np.where(complaint & ~resolved, _kept_effect(log, orders, people, rise_day), 0.0)
    truth = pd.DataFrame({
        "interaction_id": log["interaction_id"].to_numpy(dtype=object),
        "response_hours": response,
        "resolution_hours": resolution,
        "true_topic": np.where(has_text, true_topic, None),
        "kept_effect_180d": np.where(complaint, effect, np.nan),
    })[service]
    return columns, truth.reset_index(drop=True)


def _kept_effect(log: pd.DataFrame, orders, people, rise_day: int) -> np.ndarray:
    """Per contact: the change an unresolved complaint causes in the chance of a completed purchase within
    :data:`FOLLOW_DAYS` days after it (see the module notes)."""
    o = log["order"].to_numpy(dtype=int)
    cust = orders.cust[o]
    others = ((1 - _HAZARD_QUALITY * orders.returned[o])
              * (1 - _HAZARD_PRICE * (people.sensitive[cust] & (orders.day[o] >= rise_day)))
              * (1 - people.p_drop[cust]))
    expected = people.rate[cust] / 365.0 * FOLLOW_DAYS  # orders expected in the window while a customer
    at_least_one = 1 - np.exp(-expected)
    at_least_two = 1 - np.exp(-expected) * (1 + expected)
    # The first order in the window is completed, or it is cancelled, the customer stays and the next one is.
    completed = (1 - _CANCEL_P) * at_least_one + _CANCEL_P * (1 - _CANCEL_P) * (1 - people.p_drop[cust]) * at_least_two
    return -_HAZARD_SERVICE * others * completed


#: The contact plan the generator follows (the chapter's default, :data:`crm_analysis.care.DEFAULT_PLAN_DAYS`):
#: days allowed between planned contacts per value tier, and the known probability that a customer of the tier
#: had their last planned contact on time at the as-of date (the plan is followed imperfectly).
PLAN_DAYS: dict[str, int] = {"A": 30, "B": 90, "C": 365}
PLAN_ON_TIME_P: dict[str, float] = {"A": 0.80, "B": 0.65, "C": 0.50}
#: Customers with a completed purchase within this many days before the as-of date are in the plan
#: (the chapter's default ``active_days``).
PLAN_ACTIVE_DAYS = 365
_PLAN_KIND = {"A": "visit", "B": "care_call", "C": "care_call"}
_PLAN_TOPIC = {"visit": "account_review", "care_call": "follow_up"}


def _abc(value: np.ndarray, a: float = 0.80, b: float = 0.95) -> np.ndarray:
    """ABC tiers by cumulative share of net spend, the rule of :func:`crm_analysis.features.abc.abc_tiers`
    (largest first, ties by position; the customer crossing a threshold keeps the higher tier; <= 0 is C)."""
    value = np.clip(np.nan_to_num(value.astype(float)), 0, None)
    out = np.full(value.size, "C", dtype=object)
    total = value.sum()
    if total <= 0:
        return out
    order = np.lexsort((np.arange(value.size), -value))
    before = (np.cumsum(value[order]) - value[order]) / total
    positive = value[order] > 0
    out[order] = np.where(positive & (before < a), "A", np.where(positive & (before < b), "B", "C"))
    return out


def plan_contacts(rng: np.random.Generator, interactions: pd.DataFrame, lines: pd.DataFrame,
                  customer_ids: np.ndarray, as_of: pd.Timestamp, left: np.ndarray | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Planned visits and care calls per value tier, followed imperfectly, and the plan's truth.

    Each customer's tier is the ABC tier (80 % / 95 %) of their net spend before ``as_of`` (completed and
    returned lines of ``lines``, before any injected defect), the chapter's rule when it runs alone. A customer
    in the plan (a completed purchase within :data:`PLAN_ACTIVE_DAYS` days before ``as_of``) of tier ``T`` gets
    one planned contact (A: a visit, B and C: a care call): with probability ``PLAN_ON_TIME_P[T]`` on time, a
    uniform 1..``PLAN_DAYS[T]`` days before ``as_of``, else late, ``PLAN_DAYS[T]`` + 1..``PLAN_DAYS[T]`` days
    before it (and not at all when that is before the first purchase or after the customer left).

    Parameters
    ----------
    rng : numpy.random.Generator
        The plan's own stream.
    interactions : DataFrame
        The chunk's interactions so far (``customer_id``, ``date``, ``kind``): its earlier visits and care calls
        count for the truth too.
    lines : DataFrame
        The chunk's transaction lines before defects (``customer_id``, ``order_date``, ``amount``, ``status``).
    customer_ids : ndarray
        The chunk's customers (not deleted ones), in id order.
    as_of : Timestamp
        The analysis date the truth is for.
    left : ndarray of datetime64, optional
        Date each customer dropped out (NaT while a customer): no contact after it.

    Returns
    -------
    (DataFrame, DataFrame)
        The new contacts (``customer_id``, ``date``, ``kind``, ``topic``, ``channel``), by date then customer;
        and the truth, one row per customer: ``customer_id``, ``plan_tier``, ``in_plan``, ``on_time_p``,
        ``last_planned_contact`` (last visit or care call before ``as_of``, old rows and new), ``as_of``.

    Examples
    --------
    >>> from crm_analysis.data.synth import generate
    >>> plan = generate(300, seed=7).truth.care_plan
    >>> sorted(plan["plan_tier"].unique().tolist())
    ['A', 'B', 'C']
    """
    ids = pd.Index(customer_ids, dtype=object)
    before = lines[(lines["order_date"] < as_of) & (lines["status"] != "cancelled")]
    spend = before.groupby("customer_id")["amount"].sum().reindex(ids).fillna(0.0)
    bought = before[(before["status"] == "completed") & (before["amount"] > 0)].groupby("customer_id")["order_date"]
    last_buy, first_buy = bought.max().reindex(ids), bought.min().reindex(ids)
    tier = _abc(spend.to_numpy())
    in_plan = ((as_of - last_buy).dt.days <= PLAN_ACTIVE_DAYS).fillna(False).to_numpy(dtype=bool)
    days = np.array([PLAN_DAYS[t] for t in tier])
    p = np.array([PLAN_ON_TIME_P[t] for t in tier])
    on_time = rng.random(ids.size) < p
    gap = np.where(on_time, 1 + np.floor(rng.random(ids.size) * days),
                   days + 1 + np.floor(rng.random(ids.size) * days))
    date = as_of - pd.to_timedelta(gap, unit="D")
    keep = in_plan & (date >= first_buy.fillna(as_of)).to_numpy(dtype=bool)
    if left is not None:
        keep &= ~np.asarray(date > pd.DatetimeIndex(left), dtype=bool)  # NaT (still a customer) compares False
    kind = np.array([_PLAN_KIND[t] for t in tier], dtype=object)
    new = pd.DataFrame({"customer_id": ids.to_numpy()[keep], "date": date[keep].to_numpy(), "kind": kind[keep],
                        "topic": [_PLAN_TOPIC[k] for k in kind[keep]],
                        "channel": np.where(kind[keep] == "visit", "in_person", "phone")})
    new = new.sort_values(["date", "customer_id"], kind="stable").reset_index(drop=True)
    planned = pd.concat([interactions[["customer_id", "date", "kind"]], new[["customer_id", "date", "kind"]]])
    planned = planned[planned["kind"].isin(["visit", "care_call"]) & (planned["date"] < as_of)]
    last = planned.groupby("customer_id")["date"].max().reindex(ids)
    truth = pd.DataFrame({"customer_id": ids.to_numpy(), "plan_tier": tier, "in_plan": in_plan, "on_time_p": p,
                          "last_planned_contact": last.to_numpy(), "as_of": as_of})
    return new, truth
