"""Generate the teaching dataset: a simulated CRM with known ground truth.

The embedded default dataset of the workbook (``data/teaching/``) is made here,
so that every method of the later chapters (data-quality checks, duplicate
detection, clustering, churn-reason inference, customer-value models) can be
scored against the truth that produced the data.

The generative story
--------------------
*Customers and segments.* ``n_customers`` people sign up between ``start`` and
``end`` (half of them in the first third of the period). Each belongs to one of
five latent segments (:data:`SEGMENTS`): ``loyal_high_value``, ``regular``,
``bargain_hunter``, ``one_off`` and ``business`` (business accounts with an
``industry`` and large orders; a few ``regular`` customers are small businesses
too). Segments differ in purchase rate, spend, dropout probability, product
category mix, return and complaint rates, price sensitivity, acquisition and
sales channel (:data:`SEGMENT_PARAMETERS`). Individual parameters are drawn
from segment-level distributions (gamma for purchase rate and spend, beta for
dropout, return and complaint probabilities, Dirichlet for the category mix),
so the segments overlap as real ones do.

*Buy till you die.* The first order follows signup within days. While a
customer is alive, orders arrive as a Poisson process (exponential gaps with the
customer's own rate). After each order the customer may drop out, through
competing causes that are checked in this order of precedence:

1. ``service``: the order led to a complaint that was not resolved
   (dropout probability 0.55);
2. ``quality``: the order was returned (0.30);
3. ``price``: the customer is price sensitive and the order came after the
   price rise of :data:`PRICE_RISE_DATE` (amounts are 15 % higher from then on)
   (0.15 per order);
4. a background cause with the customer's own base probability ``p_i``; its
   reason is ``no_longer_needed`` for most one-off buyers and otherwise one of
   ``competitor``, ``relocation``, ``no_longer_needed``, ``other``.

The dropout date (``truth.customers.churn_date``) lies 10–40 days after the last
event of the last order (the order itself, its complaint or its return), and
``is_churned`` is true when that date is on or before ``end``. Price-sensitive
customers ask about prices and, after the rise, leave price feedback, so price
sensitivity can be observed in the interactions; unresolved complaints and
returns are visible in the interactions and transactions.

*Tables.* Transactions have one to four lines per order (category, quantity,
amount, sales channel); a return is a separate line with the order's id, a
negative quantity and amount and status ``returned``; about 2 % of orders are
cancelled. Interactions (客户日志) hold inquiries, complaints (with ``topic``
and ``resolved``), price feedback, visits and care calls, with a satisfaction
score on some (low after an unresolved complaint). The exit survey is answered
by about a third of the churned customers, 3–30 days after churn; its category
is the true reason with probability 0.8 (sometimes blank), its text a short
phrase in Chinese or English.

*Data-quality defects* are injected into the customer card (客户资料卡) at rates
that depend on the acquisition channel (:func:`expected_defect_rates`): blanked
fields, invalid phones, e-mails and birth dates, stale records, city/region
mismatches and duplicate customers; into transactions: orphan lines (customers
deleted from the customer table), duplicated lines and returns booked as
completed. Every injected defect is one row of ``truth.defects``; nothing else
is missing or invalid, so the truth is complete.

Ground truth: ``truth.customers`` has one row per real customer (duplicate
records are not customers: they appear in ``truth.defects`` with the id of their
original in ``detail``); ``truth.defects`` has one row per injected defect.

*Reproducibility and scale.* Customers are simulated in chunks (100,000 by
default); chunk ``i`` draws from the ``i``-th child of
``numpy.random.SeedSequence(seed)``, so the same seed gives byte-identical
files. Within a chunk the simulation is vectorised over customers and loops
over purchase rounds only; :func:`generate_to_dir` appends chunk after chunk to
the files, so a million customers take about a minute and stay under ~1.2 GB.

Examples
--------
>>> data = generate(200, seed=1)
>>> sorted(data.truth.customers["segment"].unique())[:2]
['bargain_hunter', 'business']
>>> int(data.customers.index[0])
2
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from crm_analysis.core.crmdata import CRMData, Truth
from crm_analysis.core.paths import TABLE_FILES, TRUTH_FILES, TRUTH_SUBDIR
from crm_analysis.core.schema import ACQUISITION_CHANNELS, PANDERA_DTYPES, REASON_CATEGORIES, TABLES, TRUTH_TABLES

DEFAULT_SEED: int = 20230101
"""Seed of the committed teaching data in ``data/teaching/``."""

PRICE_RISE_DATE = "2024-07-01"
"""Date of the price rise; if it is outside the period, the middle of the period is used."""
PRICE_RISE_FACTOR = 1.15

SEGMENTS = ("loyal_high_value", "regular", "bargain_hunter", "one_off", "business")
CATEGORIES = ("electronics", "home", "apparel", "beauty", "groceries", "office", "sports")
SALES_CHANNELS = ("online", "store", "phone", "app")
CHANNELS = tuple(c for c in ACQUISITION_CHANNELS if c != "other")
INDUSTRIES = ("retail", "manufacturing", "IT", "education", "healthcare", "hospitality", "logistics", "finance")

# One row per segment. rate: orders per year (gamma mean, shape); spend: value of one unit
# (gamma mean, shape); drop_a/b: beta of the base dropout probability per order; return_p,
# complaint_p: beta means; price_sensitive: share of price-sensitive customers; lines/units:
# Poisson means of the extra lines per order and extra units per line.
SEGMENT_PARAMETERS = pd.DataFrame(
    {
        "share": [0.12, 0.32, 0.22, 0.24, 0.10],
        "rate_mean": [12.0, 4.0, 6.0, 0.5, 7.0],
        "rate_shape": [6.0, 5.0, 5.0, 3.0, 6.0],
        "spend_mean": [260.0, 75.0, 12.0, 120.0, 300.0],
        "spend_shape": [6.0, 6.0, 6.0, 4.0, 6.0],
        "drop_a": [1.0, 1.0, 1.0, 8.0, 1.0],
        "drop_b": [100.0, 90.0, 90.0, 2.0, 100.0],
        "return_p": [0.03, 0.04, 0.16, 0.06, 0.03],
        "complaint_p": [0.05, 0.07, 0.08, 0.08, 0.06],
        "resolve_p": [0.65, 0.55, 0.50, 0.50, 0.70],
        "price_sensitive": [0.08, 0.20, 0.70, 0.15, 0.10],
        "extra_lines": [1.3, 0.3, 0.6, 0.1, 1.0],
        "extra_units": [0.3, 0.2, 0.5, 0.1, 5.0],
        "visit_p": [0.06, 0.01, 0.01, 0.01, 0.25],
        "care_p": [0.15, 0.06, 0.05, 0.05, 0.10],
    },
    index=pd.Index(SEGMENTS, name="segment"),
)

# Category mix per segment (Dirichlet means, concentration _MIX_CONCENTRATION).
_CATEGORY_MIX = np.array(
    [
        [0.10, 0.45, 0.10, 0.20, 0.05, 0.03, 0.07],
        [0.05, 0.10, 0.10, 0.10, 0.52, 0.05, 0.08],
        [0.03, 0.05, 0.45, 0.20, 0.15, 0.02, 0.10],
        [0.72, 0.08, 0.05, 0.02, 0.01, 0.02, 0.10],
        [0.30, 0.10, 0.02, 0.01, 0.05, 0.50, 0.02],
    ]
)
_MIX_CONCENTRATION = 20.0
_CATEGORY_PRICE = np.array([1.4, 1.1, 0.9, 0.8, 0.6, 1.0, 1.0])

# Acquisition channel per segment, in the order of CHANNELS
# (store_visit, phone, web_form, referral, trade_show, purchased_list, social_media).
_ACQUISITION_MIX = np.array(
    [
        [0.35, 0.10, 0.15, 0.25, 0.03, 0.02, 0.10],
        [0.25, 0.10, 0.25, 0.10, 0.05, 0.05, 0.20],
        [0.10, 0.03, 0.30, 0.05, 0.02, 0.15, 0.35],
        [0.15, 0.02, 0.30, 0.03, 0.05, 0.20, 0.25],
        [0.05, 0.25, 0.10, 0.15, 0.35, 0.10, 0.00],
    ]
)
# Sales channel per segment (online, store, phone, app).
_SALES_MIX = np.array(
    [
        [0.30, 0.35, 0.05, 0.30],
        [0.40, 0.30, 0.05, 0.25],
        [0.45, 0.10, 0.00, 0.45],
        [0.55, 0.30, 0.05, 0.10],
        [0.25, 0.10, 0.55, 0.10],
    ]
)
_MAIN_CHANNEL_P = 0.75

# Churn causes.
_HAZARD_SERVICE, _HAZARD_QUALITY, _HAZARD_PRICE = 0.55, 0.30, 0.15
_BACKGROUND_REASONS = ("competitor", "relocation", "no_longer_needed", "other")
_BACKGROUND_MIX = np.array(
    [
        [0.50, 0.20, 0.12, 0.18],
        [0.50, 0.20, 0.12, 0.18],
        [0.50, 0.20, 0.12, 0.18],
        [0.05, 0.05, 0.85, 0.05],
        [0.50, 0.20, 0.12, 0.18],
    ]
)
_CANCEL_P = 0.02
_SURVEY_P = 0.35
_SURVEY_TRUE_P = 0.8

CITY_REGION: dict[str, str] = {
    "上海": "East", "杭州": "East", "南京": "East", "苏州": "East", "宁波": "East", "合肥": "East",
    "北京": "North", "天津": "North", "石家庄": "North", "太原": "North",
    "广州": "South", "深圳": "South", "东莞": "South", "南宁": "South",
    "武汉": "Central", "长沙": "Central", "郑州": "Central",
    "成都": "Southwest", "重庆": "Southwest", "昆明": "Southwest",
    "西安": "Northwest", "兰州": "Northwest",
    "沈阳": "Northeast", "哈尔滨": "Northeast", "大连": "Northeast",
}  # fmt: skip
"""The city -> region mapping of the teaching data (the ``city_region_mismatch`` check uses it)."""
_CITY_WEIGHT = np.array([10, 5, 4, 5, 3, 3, 9, 4, 2, 2, 8, 8, 3, 2, 5, 3, 3, 5, 5, 2, 3, 1, 2, 2, 2], float)
_REGIONS = tuple(dict.fromkeys(CITY_REGION.values()))

_SURNAMES = (
    "王wang7 李li7 张zhang7 刘liu5 陈chen5 杨yang3 黄huang2 赵zhao2 吴wu2 周zhou2 徐xu2 孙sun2 马ma1 朱zhu1 "
    "胡hu1 郭guo1 何he1 高gao1 林lin1 罗luo1 郑zheng1 梁liang1 谢xie1 宋song1 唐tang1 许xu1 韩han1 "
    "冯feng1 邓deng1 曹cao1 彭peng1 曾zeng1 肖xiao1 田tian1 董dong1 袁yuan1 潘pan1 于yu1 蒋jiang1 蔡cai1 "
    "余yu1 杜du1 叶ye1 程cheng1 苏su1 魏wei1 吕lv1 丁ding1 任ren1 沈shen1 姚yao1 卢lu1 姜jiang1 崔cui1 "
    "钟zhong1 谭tan1 陆lu1 汪wang1 范fan1 金jin1 石shi1 廖liao1 贾jia1 夏xia1 韦wei1 付fu1 方fang1 "
    "白bai1 邹zou1 孟meng1 熊xiong1 秦qin1 邱qiu1 江jiang1 尹yin1 薛xue1 闫yan1 段duan1 雷lei1 侯hou1 "
    "龙long1 史shi1 陶tao1 黎li1 贺he1 顾gu1 毛mao1 郝hao1 龚gong1 邵shao1 万wan1 钱qian1 严yan1 武wu1 "
    "戴dai1 莫mo1 孔kong1 向xiang1 汤tang1 常chang1 温wen1 康kang1 施shi1 文wen1 牛niu1 樊fan1 葛ge1"
).split()
_SURNAME_CHARS = np.array([s[0] for s in _SURNAMES])
_SURNAME_PINYIN = np.array([s[1:].rstrip("0123456789") for s in _SURNAMES])
_SURNAME_WEIGHT = np.array([float(s[-1]) for s in _SURNAMES])
_GIVEN_CHARS = np.array(
    list(
        dict.fromkeys(
            "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华玉兰萍红建文辉鹏飞云峰燕晨宇浩凯鑫欣怡佳琪雪婷"
            "倩颖晶慧玲莉丹萱梓涵轩博俊泽睿嘉瑞子宁思雨彤悦晓梦璐瑶楠鸣志国海林成斌波宏立健亮坤东阳旭帆航天"
            "毅诚晗安然可馨蕾露薇妍琳菲媛蓉巧美春秋冬亚凤清洁岚冰贝诗语昊铭哲远振家德福荣生龙泉江山川松柏兵光"
        )
    )
)
# Characters that sound alike (同音字): the usual slips when a name is typed from hearing.
_HOMOPHONE_GROUPS = (
    "伟玮炜 丽莉俐 静婧 明铭鸣 华桦 军君 敏闵 芳方 娜纳 杰洁 强蔷 磊垒 洋阳扬 勇涌 艳燕雁 涛韬 斌彬 辉晖 "
    "俊峻 玲灵 红虹鸿 平萍 刚钢 霞侠 建剑健 峰锋 文雯 颖莹 婷亭 琪琦 怡宜 欣馨新 佳嘉家 宇雨语 晨辰 浩皓昊 "
    "睿瑞 瑶遥 璐露 彤桐 悦月 晓小 楠南 志智 林琳霖 成诚城 波博 亮靓 东冬 旭煦 帆凡 航杭 毅义 然冉 蕾雷 "
    "薇微 菲飞 媛圆 蓉荣 美梅 春纯 清青 岚兰 冰兵 贝蓓 振震 福富 生升 龙隆 泉全 江姜蒋 山珊 松嵩 光广 鹏朋 "
    "云芸 英莹 玉钰 桂贵 秀绣 娟鹃 萱宣轩 梓紫子 涵寒 泽则 宁凝 思丝 倩茜 慧惠 坤昆 凯恺 王汪 张章 徐许 "
    "李黎 吴武 何贺 于余 陆卢 石史 秦覃 严闫 刘柳 周舟 孙荪"
).split()
_HOMOPHONES = {ch: [o for o in group if o != ch] for group in _HOMOPHONE_GROUPS for ch in group}

_EMAIL_DOMAINS = np.array(["163.com", "126.com", "qq.com", "sina.com", "gmail.com", "outlook.com", "foxmail.com"])
_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
_MOBILE_PREFIXES = np.array(
    [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 153, 155, 156, 157, 158, 159,
     166, 173, 175, 176, 177, 178, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 191, 198, 199]
)  # fmt: skip
# Phone formats: 0 plain, 1 spaces, 2 dashes, 3 "+86 " with spaces, 4 "+86" glued. Rows: CHANNELS.
_PHONE_FORMAT_MIX = np.array(
    [
        [0.80, 0.10, 0.10, 0.00, 0.00],
        [0.50, 0.30, 0.20, 0.00, 0.00],
        [0.60, 0.00, 0.30, 0.00, 0.10],
        [0.70, 0.20, 0.10, 0.00, 0.00],
        [0.30, 0.30, 0.00, 0.40, 0.00],
        [0.30, 0.00, 0.20, 0.20, 0.30],
        [0.60, 0.20, 0.00, 0.00, 0.20],
    ]
)
_CONSENT_P = np.array([0.55, 0.45, 0.60, 0.55, 0.40, 0.15, 0.50])

# Data-quality defects: base rate per record, times the channel multiplier.
CHANNEL_QUALITY = {
    "store_visit": 0.5,
    "phone": 1.0,
    "web_form": 1.0,
    "referral": 0.5,
    "trade_show": 2.5,
    "purchased_list": 3.0,
    "social_media": 1.5,
}
"""Multiplier of every customer-card defect rate per acquisition channel (worst: purchased lists)."""
_CHANNEL_MULT = np.array([CHANNEL_QUALITY[c] for c in CHANNELS])
_CUSTOMER_DEFECTS = (
    # (defect, column, base rate)
    ("missing_value", "phone", 0.015),
    ("invalid_phone", "phone", 0.012),
    ("missing_value", "email", 0.025),
    ("invalid_email", "email", 0.012),
    ("missing_value", "birth_date", 0.025),
    ("invalid_birth_date", "birth_date", 0.006),
    ("missing_value", "city", 0.012),
    ("city_region_mismatch", "region", 0.008),
    ("missing_value", "gender", 0.015),
    ("missing_value", "industry", 0.06),
    ("stale_record", "updated_at", 0.03),
    ("duplicate_customer", "customer_id", 0.012),
)
_ORPHAN_P = 0.004  # share of customers deleted from the customer table, their transactions kept
_DUPLICATE_LINE_P = 0.004  # share of lines imported twice
_UNFLAGGED_RETURN_P = 0.10  # share of return lines booked with status "completed"
_STALE_DAYS = 730

_REASON_TEXTS = {
    "price": ["价格太高", "太贵了", "涨价后不划算", "too expensive", "prices went up too much", "涨价了"],
    "service": ["客服态度差", "投诉一直没人处理", "support never called back", "complaint never resolved",
                "服务太差", "bad customer service"],
    "quality": ["质量有问题", "商品质量差", "product broke quickly", "poor quality", "退货太麻烦",
                "items arrived damaged"],
    "competitor": ["换了别家", "其他平台活动更多", "switched to another shop", "competitor offered a better deal"],
    "relocation": ["搬家了", "搬到外地了", "moved to another city", "relocated abroad"],
    "no_longer_needed": ["不需要了", "用不上了", "no longer need it", "only needed it once"],
    "other": ["个人原因", "没什么特别原因", "personal reasons", "other"],
}  # fmt: skip

_TOPICS = {
    "complaint": ("delivery", "product_quality", "billing", "staff_attitude", "refund"),
    "inquiry": ("product_info", "delivery", "invoice", "warranty"),
    "price_inquiry": ("price", "promotion"),
    "visit": ("account_review", "product_demo"),
    "care_call": ("follow_up", "birthday", "satisfaction_survey"),
}


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- customers


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


# --------------------------------------------------------------------------- simulation


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


# --------------------------------------------------------------------------- tables of one chunk


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


def _chunk(
    rng: np.random.Generator, n: int, start: pd.Timestamp, end_day: int, rise_day: int, counters: _Counters
) -> _Chunk:
    """Simulate ``n`` customers (plus a few deleted ones and duplicates) and build all their tables."""
    n_deleted = int(rng.binomial(n, _ORPHAN_P))
    total = n + n_deleted
    people = _draw_people(rng, total, end_day)
    orders, churn_day, reason = _simulate(rng, people, end_day, rise_day)
    deleted = np.zeros(total, dtype=bool)
    deleted[rng.choice(total, n_deleted, replace=False)] = True
    card = _customer_card(rng, people, start, end_day)
    src, dup = _duplicates(rng, card, people, end_day, deleted)

    # Number every record (people, deleted or not, and duplicates) in order of signup.
    signup = np.concatenate([people.signup, dup["signup_day"].to_numpy()])
    order = np.argsort(signup, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    numbers = counters.customer + 1 + rank
    counters.customer += order.size
    ids = _ids("C", numbers, 7).astype(object)
    person_ids, dup_ids = ids[:total], ids[total:]

    card["customer_id"] = person_ids
    card["channel_idx"] = people.channel
    card["in_dup"] = np.isin(np.arange(total), src)
    card["number"] = numbers[:total]
    dup["customer_id"] = dup_ids
    dup["channel_idx"] = pd.Series(dup["acquisition_channel"]).map({c: i for i, c in enumerate(CHANNELS)}).to_numpy()
    dup["in_dup"] = True
    dup["number"] = numbers[total:]
    dup["original"] = person_ids[src]
    # Orders numbered by date, then customer.
    by_date = np.lexsort((numbers[orders.cust], orders.day))
    orders = _Orders(*(getattr(orders, f.name)[by_date] for f in fields(_Orders)))
    cust = pd.concat([card[~deleted], dup], ignore_index=True).sort_values("number", kind="stable")
    cust = cust.reset_index(drop=True)
    cust, found = _inject_customer_defects(rng, cust, start, end_day)
    first = counters.rows["customers"] + 2
    row = first + np.arange(len(cust))
    cid = cust["customer_id"].to_numpy(dtype=object)
    is_dup = cust["original"].notna().to_numpy()
    blocks = [_defect_rows("customers", cid[m], row[m], d, c) for m, d, c in found]
    blocks.append(_defect_rows("customers", cid[is_dup], row[is_dup], "duplicate_customer", "customer_id",
                               cust["original"].to_numpy(dtype=object)[is_dup]))  # fmt: skip
    cust_defects = pd.concat(blocks).sort_values(["source_row", "defect", "column"], kind="stable")
    customers = cust.assign(
        signup_date=_days_to_dates(start, cust["signup_day"].to_numpy()),
        updated_at=_days_to_dates(start, cust["updated_day"].to_numpy()),
    )[[f.name for f in TABLES["customers"] if f.name in _CARD_COLUMNS]]
    customers.index = pd.RangeIndex(first, first + len(customers), name="source_row")

    lines = _transactions(rng, people, orders, person_ids, start, end_day, rise_day, counters)
    transactions, tx_defects = _inject_transaction_defects(rng, lines, deleted, counters.rows["transactions"] + 2)
    transactions = transactions[[f.name for f in TABLES["transactions"]]]

    churned = ~np.isnan(churn_day) & (churn_day <= end_day)
    inter = _interactions(rng, people, orders, ~deleted, np.where(churned, churn_day, np.nan), end_day, rise_day)
    inter = inter.assign(number=numbers[inter["cust"].to_numpy()])
    inter = inter.sort_values(["day", "number"], kind="stable").reset_index(drop=True)
    interactions = pd.DataFrame(
        {
            "interaction_id": _ids("I", counters.interaction + 1 + np.arange(len(inter)), 9).astype(object),
            "customer_id": person_ids[inter["cust"].to_numpy()],
            "date": _days_to_dates(start, inter["day"].to_numpy()),
            "kind": inter["kind"].to_numpy(dtype=object),
            "topic": inter["topic"].to_numpy(dtype=object),
            "satisfaction": inter["satisfaction"].to_numpy(),
            "resolved": inter["resolved"].to_numpy(dtype=object),
        }
    )
    counters.interaction += len(inter)
    interactions.index = pd.RangeIndex(len(interactions)) + counters.rows["interactions"] + 2

    survey = _exit_survey(rng, churned & ~deleted, reason, churn_day, end_day)
    survey = survey.assign(number=numbers[survey["cust"].to_numpy()]).sort_values(["day", "number"], kind="stable")
    exit_survey = pd.DataFrame(
        {
            "customer_id": person_ids[survey["cust"].to_numpy()],
            "date": _days_to_dates(start, survey["day"].to_numpy()),
            "reason_category": survey["reason_category"].to_numpy(dtype=object),
            "reason_text": survey["reason_text"].to_numpy(dtype=object),
        }
    )
    exit_survey.index = pd.RangeIndex(len(exit_survey)) + counters.rows["exit_survey"] + 2

    keep = np.flatnonzero(~deleted)
    keep = keep[np.argsort(numbers[keep], kind="stable")]
    truth_customers = pd.DataFrame(
        {
            "customer_id": person_ids[keep],
            "segment": np.array(SEGMENTS, dtype=object)[people.seg[keep]],
            "is_churned": churned[keep],
            "churn_date": _days_to_dates(start, np.where(churned, churn_day, np.nan)[keep]),
            "churn_reason": np.where(churned[keep], np.array(REASON_CATEGORIES, dtype=object)[reason[keep]], None),
        }
    )
    tables = {
        "customers": _typed(customers, "customers"),
        "transactions": _typed(transactions, "transactions"),
        "interactions": _typed(interactions, "interactions"),
        "exit_survey": _typed(exit_survey, "exit_survey"),
    }
    for name, table in tables.items():
        table.index.name = "source_row"
        counters.rows[name] += len(table)
    defects = pd.concat([cust_defects, tx_defects], ignore_index=True)
    defects["column"] = defects["column"].replace("", None)
    return _Chunk(tables, _typed(truth_customers, "customers", truth=True), _typed(defects, "defects", truth=True))


_CARD_COLUMNS = (
    "customer_id", "name", "gender", "birth_date", "phone", "email", "city", "region", "customer_type",
    "industry", "acquisition_channel", "signup_date", "updated_at", "marketing_consent",
)  # fmt: skip


# --------------------------------------------------------------------------- public API


def _period(start: str, end: str) -> tuple[pd.Timestamp, int, int]:
    """Start timestamp, last day number and price-rise day number of the period."""
    t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if t1 <= t0 + pd.Timedelta(days=60):
        raise ValueError(f"end ({end}) must be at least 60 days after start ({start})")
    rise = pd.Timestamp(PRICE_RISE_DATE)
    if not t0 < rise < t1:
        rise = t0 + (t1 - t0) / 2
    return t0, (t1 - t0).days, (rise.normalize() - t0).days


def _chunks(n_customers: int, seed: int, chunk_size: int, start: str, end: str):
    """Yield the chunks of a dataset; chunk ``i`` uses the ``i``-th child of ``SeedSequence(seed)``."""
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, not {n_customers}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    t0, end_day, rise_day = _period(start, end)
    sizes = [min(chunk_size, n_customers - i) for i in range(0, n_customers, chunk_size)]
    counters = _Counters()
    for child, size in zip(np.random.SeedSequence(seed).spawn(len(sizes)), sizes, strict=True):
        yield _chunk(np.random.default_rng(child), size, t0, end_day, rise_day, counters)


def _source(seed: int) -> str:
    return f"teaching (generated, seed={seed})"


def generate(
    n_customers: int = 5000, *, seed: int = DEFAULT_SEED, start: str = "2023-01-01", end: str = "2025-12-31"
) -> CRMData:
    """Generate the teaching dataset in memory, with its ground truth.

    The result is what reading the files of :func:`generate_to_dir` (same
    arguments) back gives: canonical dtypes, each table indexed by
    ``source_row`` as in the written CSV.

    Parameters
    ----------
    n_customers : int
        Number of real customers (rows of ``truth.customers``). The customer
        table also holds duplicate records; a few deleted customers leave
        orphan transactions.
    seed : int
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same data.
    start, end : str
        First and last day of the period (ISO dates).

    Returns
    -------
    CRMData
        customers, transactions, interactions, exit_survey and ``truth``.

    Raises
    ------
    ValueError
        If ``n_customers`` < 1 or the period is shorter than 60 days.

    Examples
    --------
    >>> data = generate(300, seed=7)
    >>> len(data.truth.customers)
    300
    >>> data.truth.defects.columns.tolist()
    ['table', 'record_id', 'source_row', 'defect', 'column', 'detail']
    """
    chunks = list(_chunks(n_customers, seed, _CHUNK_SIZE, start, end))
    tables = {name: pd.concat([c.tables[name] for c in chunks]) for name in TABLE_FILES}
    truth = Truth(
        customers=pd.concat([c.truth_customers for c in chunks], ignore_index=True),
        defects=pd.concat([c.defects for c in chunks], ignore_index=True),
    )
    return CRMData(**tables, truth=truth, source=_source(seed))


_CHUNK_SIZE = 100_000


class _Sink:
    """Appends table chunks to CSV or Parquet files."""

    def __init__(self, out_dir: str | Path, fmt: str) -> None:
        if fmt not in ("csv", "parquet"):
            raise ValueError(f"fmt must be 'csv' or 'parquet', not {fmt!r}")
        self.dir = Path(out_dir)
        self.fmt = fmt
        self.started: set[str] = set()
        self.writers: dict[str, object] = {}
        (self.dir / TRUTH_SUBDIR).mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        kind, name = key.split("/")
        rel = TABLE_FILES[name] if kind == "tables" else f"{TRUTH_SUBDIR}/{TRUTH_FILES[name]}"
        return self.dir / (rel if self.fmt == "csv" else rel.removesuffix(".csv") + ".parquet")

    def write(self, key: str, frame: pd.DataFrame) -> None:
        path = self.path(key)
        if self.fmt == "csv":
            mode = "a" if key in self.started else "w"
            with open(path, mode, encoding="utf-8", newline="") as handle:
                frame.to_csv(handle, header=mode == "w", index=False, date_format="%Y-%m-%d", lineterminator="\n")
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            spec = TRUTH_TABLES if key.startswith("truth") else TABLES
            # Dates in microseconds: Spark cannot read nanosecond Parquet timestamps.
            arrow = {"string": pa.string(), "category": pa.string(), "date": pa.timestamp("us"),
                     "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}  # fmt: skip
            kinds = {f.name: f.kind for f in spec[key.split("/")[1]]}
            schema = pa.schema([(c, arrow[kinds[c]]) for c in frame.columns])
            if key not in self.writers:
                self.writers[key] = pq.ParquetWriter(path, schema)
            self.writers[key].write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
        self.started.add(key)

    def write_data(self, tables: dict[str, pd.DataFrame], truth_customers, defects) -> None:
        for name, table in tables.items():
            self.write(f"tables/{name}", table)
        self.write("truth/customers", truth_customers)
        self.write("truth/defects", defects)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()


def write_dataset(data: CRMData, out_dir: str | Path, *, fmt: str = "csv") -> Path:
    """Write a generated dataset as a canonical folder with its truth.

    Parameters
    ----------
    data : CRMData
        A dataset from :func:`generate` (the four tables and ``truth``).
    out_dir : str or Path
        Folder to write; created if needed. Files are named as in
        :data:`crm_analysis.core.paths.TABLE_FILES` and, under ``truth/``,
        :data:`crm_analysis.core.paths.TRUTH_FILES`.
    fmt : {"csv", "parquet"}
        CSV (UTF-8, ISO dates, no index column) or Parquet (same names, ``.parquet``).

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        If ``fmt`` is unknown or ``data`` has no truth.

    Examples
    --------
    >>> import tempfile
    >>> out = write_dataset(generate(100, seed=3), tempfile.mkdtemp())
    >>> sorted(p.name for p in out.glob("*.csv"))
    ['customers.csv', 'exit_survey.csv', 'interactions.csv', 'transactions.csv']
    """
    if data.truth is None:
        raise ValueError("write_dataset needs a generated dataset with truth (data.truth is None)")
    sink = _Sink(out_dir, fmt)
    try:
        sink.write_data(data.tables(), data.truth.customers, data.truth.defects)
    finally:
        sink.close()
    return Path(out_dir)


def generate_to_dir(
    out_dir: str | Path,
    *,
    n_customers: int = 5000,
    seed: int = DEFAULT_SEED,
    fmt: str = "csv",
    chunk_size: int = _CHUNK_SIZE,
    start: str = "2023-01-01",
    end: str = "2025-12-31",
    progress: bool = False,
) -> Path:
    """Generate a dataset chunk by chunk straight into files, with bounded memory.

    Customers are simulated in chunks of ``chunk_size``; chunk ``i`` draws from
    the ``i``-th child of ``numpy.random.SeedSequence(seed)``. Ids and source
    rows keep counting across chunks. With the default ``chunk_size`` the files
    equal ``write_dataset(generate(n_customers, seed=seed), out_dir)``. The
    committed teaching data is ``generate_to_dir(paths.TEACHING_DIR)``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write (created if needed; files in it are replaced).
    n_customers, seed, start, end
        As in :func:`generate`.
    fmt : {"csv", "parquet"}
        Output format.
    chunk_size : int
        Customers per chunk (memory grows with it).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        For a bad ``fmt``, ``n_customers``, ``chunk_size`` or period.

    Examples
    --------
    >>> import tempfile
    >>> out = generate_to_dir(tempfile.mkdtemp(), n_customers=120, chunk_size=50, seed=5)
    >>> (out / "truth" / "customers.csv").read_text(encoding="utf-8").count("\\n")
    121
    """
    sink = _Sink(out_dir, fmt)
    chunks = _chunks(n_customers, seed, chunk_size, start, end)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n_customers, unit="customers", desc="generating")
    try:
        for chunk in chunks:
            sink.write_data(chunk.tables, chunk.truth_customers, chunk.defects)
            if bar is not None:
                bar.update(len(chunk.truth_customers))
    finally:
        sink.close()
        if bar is not None:
            bar.close()
    return Path(out_dir)


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


__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "CHANNEL_QUALITY",
    "CITY_REGION",
    "DEFAULT_SEED",
    "PRICE_RISE_DATE",
    "PRICE_RISE_FACTOR",
    "SALES_CHANNELS",
    "SEGMENTS",
    "SEGMENT_PARAMETERS",
    "expected_defect_rates",
    "generate",
    "generate_to_dir",
    "write_dataset",
]
