"""Header aliases: which source column is which canonical column, and which file is which table.

Headers are compared after :func:`normalize_header` (NFKC, lower case, no spaces, underscores or
hyphens); :data:`ALIASES` includes common Chinese CRM headers (客户编号, 手机, 订单日期, 金额).
Columns the model does not name are kept as extras with :func:`snake_case` names.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

import pandas as pd

from crm_analysis.core import schema

_ID_ALIASES = [
    "customerid",
    "custid",
    "clientid",
    "customerno",
    "客户编号",
    "客户id",
    "客户号",
    "会员编号",
    "会员id",
]


#: Alias table: for each table, canonical column -> accepted header spellings, in priority order.
#: Headers are compared after :func:`normalize_header`; the canonical name itself always matches first.
ALIASES: dict[str, dict[str, list[str]]] = {
    "customers": {
        "customer_id": _ID_ALIASES,
        "name": ["fullname", "customername", "姓名", "客户名称", "客户姓名", "名称"],
        "gender": ["sex", "性别"],
        "birth_date": ["birthdate", "dateofbirth", "dob", "birthday", "出生日期", "生日"],
        "phone": [
            "mobile",
            "mobilephone",
            "phonenumber",
            "telephone",
            "tel",
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "联系电话",
        ],
        "email": ["emailaddress", "mail", "邮箱", "电子邮件", "电子邮箱"],
        "city": ["城市", "所在城市"],
        "region": ["地区", "区域", "大区", "所属区域"],
        "customer_type": ["type", "客户类型", "客户类别"],
        "industry": ["行业", "所属行业"],
        "acquisition_channel": [
            "leadsource",
            "source",
            "channel",
            "客户来源",
            "来源渠道",
            "获客渠道",
            "来源",
        ],
        "signup_date": [
            "registrationdate",
            "registerdate",
            "createdat",
            "createdate",
            "joindate",
            "注册日期",
            "注册时间",
            "建档日期",
            "创建日期",
            "开户日期",
        ],
        "updated_at": ["updatedate", "lastupdated", "modifiedat", "更新日期", "更新时间", "最后更新"],
        "marketing_consent": ["consent", "optin", "marketingoptin", "是否同意营销", "同意营销", "营销许可"],
        "contract": ["contracttype", "合同类型", "合约类型"],
        "tenure_months": ["tenure", "在网时长", "在网月数"],
        "monthly_charges": ["monthlycharge", "月费", "月消费"],
        "total_charges": ["totalcharge", "累计消费", "总费用"],
        "churned": ["churn", "是否流失", "流失"],
    },
    "transactions": {
        "order_id": ["orderno", "ordernumber", "invoiceno", "invoice", "订单号", "订单编号", "单号"],
        "customer_id": _ID_ALIASES,
        "order_date": [
            "date",
            "orderdatetime",
            "purchasedate",
            "transactiondate",
            "invoicedate",
            "下单日期",
            "订单日期",
            "下单时间",
            "交易日期",
            "购买日期",
        ],
        "product_category": ["category", "品类", "商品类别", "商品类目", "产品类别", "类别"],
        "quantity": ["qty", "数量", "购买数量"],
        "amount": [
            "value",
            "total",
            "sales",
            "revenue",
            "金额",
            "订单金额",
            "交易金额",
            "实付金额",
            "销售额",
        ],
        "sales_channel": ["channel", "渠道", "销售渠道", "下单渠道"],
        "status": ["orderstatus", "状态", "订单状态"],
    },
    "interactions": {
        "interaction_id": ["contactid", "ticketid", "互动编号", "记录编号", "工单号"],
        "customer_id": _ID_ALIASES,
        "date": ["contactdate", "interactiondate", "日期", "联系日期", "互动日期"],
        "kind": ["type", "interactiontype", "contacttype", "类型", "互动类型", "联系类型"],
        "topic": ["subject", "主题", "事由"],
        "satisfaction": ["satisfactionscore", "csat", "rating", "满意度", "满意度评分", "评分"],
        "resolved": ["isresolved", "是否解决", "已解决"],
        "channel": ["contactchannel", "渠道", "联系渠道"],
        "responded_at": ["firstresponseat", "firstresponsetime", "首次响应时间", "响应时间"],
        "resolved_at": ["resolvedtime", "resolutiontime", "解决时间"],
        "agent": ["handledby", "处理人", "负责人"],
        "text": ["description", "内容", "描述"],
        "timely_response": ["timely", "是否及时"],
    },
    "exit_survey": {
        "customer_id": _ID_ALIASES,
        "date": ["surveydate", "日期", "调查日期"],
        "reason_category": ["churncategory", "原因类别", "流失原因类别"],
        "reason_text": ["reason", "churnreason", "原因", "流失原因", "离开原因"],
    },
}


#: File stems / sheet names accepted for each table (after :func:`normalize_header`).
TABLE_ALIASES: dict[str, list[str]] = {
    "customers": ["customers", "customer", "客户", "客户表", "客户信息"],
    "transactions": ["transactions", "transaction", "orders", "订单", "交易", "订单表", "交易记录"],
    "interactions": ["interactions", "interaction", "contacts", "互动", "联系记录", "服务记录"],
    "exit_survey": ["exitsurvey", "流失调查", "退出调查", "流失原因"],
}


# --------------------------------------------------------------------------- small helpers
def normalize_header(name: object) -> str:
    """Normalise a column header for matching: NFKC, lower case, no spaces, underscores or hyphens.

    Parameters
    ----------
    name : object
        A header as read from a file.

    Returns
    -------
    str
        The comparison key.

    Examples
    --------
    >>> normalize_header("Customer_ID"), normalize_header("客户 编号")
    ('customerid', '客户编号')
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return re.sub(r"[\s_\-]+", "", text)


def snake_case(name: object) -> str:
    """Name an extra column in snake_case (``"Churn Score"`` -> ``"churn_score"``).

    Parameters
    ----------
    name : object
        The source header.

    Returns
    -------
    str
        Lower-case words joined by underscores; non-Latin letters are kept.

    Examples
    --------
    >>> snake_case("customerID"), snake_case("StreamingTV"), snake_case("Lat Long")
    ('customer_id', 'streaming_tv', 'lat_long')
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^\w]+", "_", text.lower())
    return text.strip("_") or "column"


# --------------------------------------------------------------------------- mapping and typing
def _match_columns(columns: Iterable[str], table: str) -> dict[str, str]:
    """Source column -> canonical name for ``table``; the best-ranked alias wins, others stay extras."""
    keys = {c: normalize_header(c) for c in columns}
    chosen: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        ranked = [normalize_header(canonical), *[normalize_header(a) for a in aliases]]
        hits = [(ranked.index(k), c) for c, k in keys.items() if k in ranked and c not in chosen]
        if hits:
            chosen[min(hits)[1]] = canonical
    return chosen


def _rename(frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Canonical names via the alias table; extras in snake_case (made unique)."""
    chosen = _match_columns(frame.columns, table)
    names, used = {}, set(chosen.values())
    for column in frame.columns:
        if column in chosen:
            names[column] = chosen[column]
            continue
        base = snake_case(column)
        name, i = base, 2
        while name in used or name in schema.column_kinds(table):
            name, i = f"{base}_{i}", i + 1
        names[column] = name
        used.add(name)
    renamed = frame.set_axis([names[c] for c in frame.columns], axis=1)
    return renamed, {v: str(k) for k, v in names.items()}


# --------------------------------------------------------------------------- folders and workbooks
def _table_of(stem: str) -> str | None:
    key = normalize_header(stem)
    return next((t for t, names in TABLE_ALIASES.items() if key in names), None)
