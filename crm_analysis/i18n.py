"""Report language: English (default) or Chinese (中文) chart text, table headers and sentences.

The package's functions label their charts and tables in English. With ``lang="zh"`` the
glossary below translates every title, axis label, legend entry, tick label and table header
that it knows, at the moment a figure or table is shown in a notebook (an IPython display hook
installed by :func:`use_language`), so the same analysis code serves both languages. Labels not
in the glossary are left as they are; the glossary is also the course's Chinese-English term list
(``docs/course-map.md``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

GLOSSARY: dict[str, str] = {
    # course terms
    "customer": "客户",
    "customers": "客户数",
    "customer information card": "客户资料卡",
    "collection channel": "收集渠道",
    "acquisition channel": "客户来源渠道",
    "acquisition_channel": "客户来源渠道",
    "data quality": "数据质量",
    "completeness": "完整性",
    "validity": "有效性",
    "uniqueness": "唯一性",
    "timeliness": "及时性",
    "consistency": "一致性",
    "quality score": "质量得分",
    "field": "字段",
    "check": "检查项",
    "precision": "精确率",
    "recall": "召回率",
    "support": "样本数",
    "segment": "细分群体",
    "segmentation": "客户细分",
    "cluster": "聚类",
    "cluster_name": "聚类名称",
    "recency": "最近购买",
    "frequency": "购买频率",
    "monetary": "消费金额",
    "monetary value": "消费金额",
    "rfm score": "RFM 评分",
    "rfm_score": "RFM 评分",
    "rfm_segment": "RFM 细分",
    "abc tier": "ABC 等级",
    "abc_tier": "ABC 等级",
    "revenue": "收入",
    "revenue share": "收入占比",
    "cumulative share of revenue": "累计收入占比",
    "cumulative share of customers": "累计客户占比",
    "share of customers": "客户占比",
    "churn": "流失",
    "churned": "已流失",
    "churn rate": "流失率",
    "churn probability": "流失概率",
    "churn_probability": "流失概率",
    "reason": "原因",
    "reason_category": "原因类别",
    "lost revenue": "流失收入",
    "lost_revenue": "流失收入",
    "price": "价格",
    "service": "服务",
    "quality": "质量",
    "competitor": "竞争对手",
    "relocation": "搬迁",
    "no_longer_needed": "不再需要",
    "other": "其他",
    "stated": "自述",
    "inferred": "推断",
    "retention": "留存率",
    "survival probability": "存活概率",
    "days since first purchase": "首次购买后天数",
    "hazard ratio": "风险比",
    "new": "新客户",
    "reactivated": "重新激活",
    "expansion": "增购",
    "contraction": "减购",
    "lost": "流失",
    "start": "期初",
    "end": "期末",
    "component": "构成",
    "amount": "金额",
    "customer value": "客户价值",
    "clv": "客户终身价值",
    "historical value": "历史价值",
    "historical_value": "历史价值",
    "predicted value": "预测价值",
    "p_alive": "存活概率",
    "probability alive": "存活概率",
    "expected purchases": "预期购买次数",
    "expected_purchases": "预期购买次数",
    "expected_order_value": "预期客单价",
    "value tier": "价值等级",
    "value_tier": "价值等级",
    "service level": "服务等级",
    "service_level": "服务等级",
    "value at risk": "风险价值",
    "one-to-one service": "一对一服务",
    "gold (proactive)": "金牌（主动）服务",
    "silver (responsive)": "银牌（响应）服务",
    "win-back": "挽回",
    "let go": "放弃",
    "satisfaction": "满意度",
    "loyalty": "忠诚度",
    "recommendation": "推荐",
    "week": "周",
    "weeks": "周",
    "month": "月",
    "date": "日期",
    "actual": "实际",
    "forecast": "预测",
    "predicted": "预测",
    "count": "数量",
    "share": "占比",
    "table": "表",
    "rows_in": "读入行数",
    "rows_clean": "清洗后行数",
    "rows_quarantined": "隔离行数",
    "source_row": "源文件行号",
    "customer_id": "客户编号",
    "region": "地区",
    "city": "城市",
    "gender": "性别",
    "age band": "年龄段",
    "customer_type": "客户类型",
    "lift": "提升度",
    "gini coefficient": "基尼系数",
}

_state: dict[str, Any] = {"lang": "en"}


def language() -> str:
    """The current report language ("en" or "zh").

    Examples
    --------
    >>> language() in ("en", "zh")
    True
    """
    return _state["lang"]


def tr(text: Any, lang: str | None = None, glossary: Mapping[str, str] = GLOSSARY) -> Any:
    """Translate a label if the glossary knows it (case-insensitive, whole label); else return it unchanged.

    Parameters
    ----------
    text : str or any
        A label. Non-strings are returned as they are.
    lang : {"en", "zh"}, optional
        Defaults to the current language.

    Examples
    --------
    >>> tr("Revenue share", "zh")
    '收入占比'
    >>> tr("Revenue share", "en")
    'Revenue share'
    >>> tr("Something else", "zh")
    'Something else'
    """
    if (lang or language()) != "zh" or not isinstance(text, str):
        return text
    key = re.sub(r"\s+", " ", text.strip()).lower()
    if key in glossary:
        return glossary[key]
    # "Revenue share (%)": translate the words, keep the unit in brackets
    match = re.fullmatch(r"(.+?)\s*(\([^()]*\))", key)
    if match and match.group(1) in glossary:
        return f"{glossary[match.group(1)]} {match.group(2)}"
    return text


def translate_frame(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with known column and index names (and category labels) translated.

    Examples
    --------
    >>> translate_frame(pd.DataFrame({"reason_category": ["price"], "customers": [3]}), "zh").columns.tolist()
    ['原因类别', '客户数']
    """
    if (lang or language()) != "zh":
        return frame
    out = frame.rename(columns=lambda c: tr(c, "zh"))
    out.index.names = [tr(n, "zh") for n in out.index.names]
    for column in out.columns:
        if isinstance(out[column].dtype, pd.StringDtype) or out[column].dtype == object:
            values = out[column]
            known = values.isin(list(GLOSSARY))
            if known.any():
                out[column] = values.where(~known, values.map(lambda v: tr(v, "zh")))
    return out


def translate_figure(figure: Any, lang: str | None = None) -> Any:
    """Translate, in place, every text of a matplotlib figure that the glossary knows.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set_xlabel("Recency")
    >>> translate_figure(fig, "zh").axes[0].get_xlabel()
    '最近购买'
    """
    if (lang or language()) != "zh":
        return figure
    from matplotlib.text import Text

    for text in figure.findobj(Text):
        translated = tr(text.get_text(), "zh")
        if translated != text.get_text():
            text.set_text(translated)
    return figure


def use_language(lang: str = "en") -> None:
    """Set the report language and, inside IPython, translate figures and tables as they are shown.

    Parameters
    ----------
    lang : {"en", "zh"}

    Examples
    --------
    >>> use_language("en"); language()
    'en'
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    _state["lang"] = lang
    from crm_analysis import plotting

    plotting.setup(lang)
    _install_display_hooks()


def _install_display_hooks() -> None:
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    from matplotlib.figure import Figure

    formatters = shell.display_formatter.formatters

    def figure_png(fig: Figure) -> bytes:
        from IPython.core.pylabtools import print_figure

        return print_figure(translate_figure(fig), "png", bbox_inches="tight")

    def frame_html(frame: pd.DataFrame) -> str:
        return translate_frame(frame)._repr_html_()

    # Registered in both languages: the printers translate only in Chinese. Registering the PNG
    # printer also makes figures built without pyplot (matplotlib.figure.Figure) display as images.
    formatters["image/png"].for_type(Figure, figure_png)
    formatters["text/html"].for_type(pd.DataFrame, frame_html)
