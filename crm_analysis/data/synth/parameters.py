"""Parameters of the teaching-data generator: segments, mixes, churn causes, names, phones, defect rates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.schema import ACQUISITION_CHANNELS

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

# Customers generated (and written) per chunk: bounds the memory of any size.
_CHUNK_SIZE = 100_000
