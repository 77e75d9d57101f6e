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
    # ---- course terms
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
    "information": "提示信息",
    "quality score": "质量得分",
    "quality_score": "质量得分",
    "field": "字段",
    "check": "检查项",
    "checks": "检查项",
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
    "rfm segment": "RFM 细分",
    "rfm_segment": "RFM 细分",
    "abc tier": "ABC 等级",
    "abc_tier": "ABC 等级",
    "revenue": "收入",
    "revenue share": "收入占比",
    "revenue_share": "收入占比",
    "cumulative share of revenue": "累计收入占比",
    "cumulative share of customers": "累计客户占比",
    "share of customers": "客户占比",
    "churn": "流失",
    "churned": "已流失",
    "churn rate": "流失率",
    "churn_rate": "流失率",
    "churn probability": "流失概率",
    "churn_probability": "流失概率",
    "reason": "原因",
    "reasons": "原因",
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
    "(other)": "（其他）",
    "(unknown)": "（未知）",
    "stated": "自述",
    "inferred": "推断",
    "keyword": "关键词",
    "retention": "留存率",
    "survival probability": "存活概率",
    "days since first purchase": "首次购买后天数",
    "hazard ratio": "风险比",
    "hazard_ratio": "风险比",
    "new": "新客户",
    "reactivated": "重新激活",
    "expansion": "增购",
    "contraction": "减购",
    "lost": "已流失客户",
    "start": "期初",
    "end": "期末",
    "component": "构成",
    "amount": "金额",
    "customer value": "客户价值",
    "clv": "客户终身价值",
    "historical value": "历史价值",
    "historical_value": "历史价值",
    "predicted value": "预测价值",
    "predicted_value": "预测价值",
    "p_alive": "存活概率",
    "probability alive": "存活概率",
    "expected purchases": "预期购买次数",
    "expected_purchases": "预期购买次数",
    "expected_order_value": "预期客单价",
    "value tier": "价值等级",
    "value_tier": "价值等级",
    "service level": "服务等级",
    "service_level": "服务等级",
    "service_level_zh": "服务等级（中文）",
    "value at risk": "风险价值",
    "value_at_risk": "风险价值",
    "one-to-one service": "一对一服务",
    "gold (proactive)": "金牌（主动）服务",
    "silver (responsive)": "银牌（响应）服务",
    "win-back": "挽回",
    "let go": "放弃",
    "one_to_one": "一对一服务",
    "proactive_gold": "主动式金牌服务",
    "responsive_silver": "响应式银牌服务",
    "win_back": "客户挽回",
    "let_go": "放弃/自然流失",
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
    "age_band": "年龄段",
    "customer_type": "客户类型",
    "lift": "提升度",
    "gini coefficient": "基尼系数",
    "gini": "基尼系数",
    # ---- canonical tables and their fields (schema.py)
    "transactions": "交易",
    "interactions": "互动记录",
    "exit_survey": "流失调查",
    "name": "姓名",
    "phone": "电话",
    "email": "电子邮箱",
    "signup_date": "注册日期",
    "updated_at": "更新日期",
    "birth_date": "出生日期",
    "marketing_consent": "营销许可",
    "industry": "行业",
    "order_id": "订单编号",
    "order_date": "下单日期",
    "product_category": "商品类别",
    "quantity": "数量",
    "sales_channel": "销售渠道",
    "status": "状态",
    "age": "年龄",
    "text": "文本",
    "category": "类别",
    "source": "来源",
    # ---- categories that appear as tick labels, legend entries and table values
    "purchased_list": "购买名单",
    "referral": "转介绍",
    "social_media": "社交媒体",
    "store_visit": "到店",
    "trade_show": "展会",
    "web_form": "网页表单",
    "online": "线上",
    "store": "门店",
    "app": "App",
    "apparel": "服装",
    "beauty": "美妆",
    "electronics": "电子产品",
    "groceries": "食品杂货",
    "home": "家居",
    "office": "办公用品",
    "sports": "运动",
    "business": "企业",
    "individual": "个人",
    "female": "女",
    "male": "男",
    "east": "华东",
    "south": "华南",
    "north": "华北",
    "southwest": "西南",
    "central": "华中",
    "northeast": "东北",
    "northwest": "西北",
    "key": "关键",
    "important": "重要",
    "nice_to_have": "可选",
    "active": "活跃",
    "cooling": "趋冷",
    "lapsed": "已沉睡",
    "high": "高",
    "mid": "中",
    "low": "低",
    "train": "训练集",
    "test": "测试集",
    "all": "全部",
    "moved up": "上升",
    "stayed": "不变",
    "slipped": "下滑",
    "rated": "参与评价",
    "satisfied": "满意",
    "repeat buyer": "重复购买",
    "repeat buyers": "重复购买客户",
    "recommender": "推荐者",
    "logistic_regression": "逻辑回归",
    "gradient_boosting": "梯度提升",
    "random": "随机",
    "perfect": "完美校准",
    # RFM segments (the same Chinese as segment.RFM_SEGMENT_ZH)
    "champions": "重要价值客户",
    "loyal": "忠诚客户",
    "potential loyalists": "潜力客户",
    "promising": "有希望的客户",
    "need attention": "需要关注",
    "about to sleep": "即将沉睡",
    "can't lose": "不能失去的客户",
    "at risk": "流失风险客户",
    "hibernating": "沉睡客户",
    "(not yet a customer)": "（尚未成为客户）",
    # cluster habits (segment.name_clusters)
    "business accounts": "企业客户",
    "loyal regulars": "忠实常客",
    "one-off buyers": "一次性购买客户",
    "bargain hunters": "价格敏感客户",
    "occasional buyers": "偶尔购买客户",
    # quality checks (quality.py)
    "missing_value": "缺失值",
    "invalid_phone": "无效电话",
    "invalid_email": "无效邮箱",
    "invalid_birth_date": "无效出生日期",
    "invalid_category": "无效类别",
    "invalid_date": "无效日期",
    "duplicate_customer": "重复客户",
    "stale_record": "过期记录",
    "city_region_mismatch": "城市与地区不符",
    "missing_customer_id": "缺少客户编号",
    "orphan_transaction": "孤立交易",
    "duplicate_order_line": "重复订单行",
    "unflagged_negative_amount": "未标记的负金额",
    "invalid_order_date": "无效下单日期",
    "amount_outlier": "金额异常值",
    "cancelled_order": "已取消订单",
    "duplicate_customer_pairs": "重复客户对",
    # ---- table headers (columns shown or saved by the chapters)
    "dimension": "维度",
    "description": "说明",
    "records_checked": "检查记录数",
    "records_flagged": "问题记录数",
    "share_flagged": "问题占比",
    "tier": "等级",
    "weight": "权重",
    "why": "原因说明",
    "records": "记录数",
    "collected": "已收集",
    "customer_id_a": "客户编号 A",
    "customer_id_b": "客户编号 B",
    "score": "得分",
    "name_a": "姓名 A",
    "phone_a": "电话 A",
    "email_a": "邮箱 A",
    "city_a": "城市 A",
    "birth_date_a": "出生日期 A",
    "name_b": "姓名 B",
    "phone_b": "电话 B",
    "email_b": "邮箱 B",
    "city_b": "城市 B",
    "birth_date_b": "出生日期 B",
    "buyer_share": "购买客户占比",
    "repeat_share": "复购客户占比",
    "revenue_per_customer": "客均收入",
    "record_id": "记录编号",
    "problems": "问题",
    "threshold": "阈值",
    "pairs": "客户对数",
    "share_never_bought": "从未购买占比",
    "consent": "许可",
    "contactable": "可联系",
    "reachable": "可触达",
    "channel": "渠道",
    "package": "软件包",
    "version": "版本",
    "mean": "均值",
    "std": "标准差",
    "min": "最小值",
    "max": "最大值",
    "sum": "合计",
    "segment_zh": "细分群体（中文）",
    "customer_share": "客户占比",
    "median_recency_days": "最近购买天数中位数",
    "median_frequency": "购买频率中位数",
    "median_monetary": "消费金额中位数",
    "median_avg_order_value": "客单价中位数",
    "median_age": "年龄中位数",
    "action": "建议行动",
    "value": "数值",
    "variable": "变量",
    "level": "水平",
    "silhouette": "轮廓系数",
    "davies_bouldin": "DB 指数",
    "calinski_harabasz": "CH 指数",
    "bic": "BIC",
    "mean_return_rate": "平均退货率",
    "mean_complaints": "平均投诉次数",
    "mean_satisfaction": "平均满意度",
    "share_business": "企业客户占比",
    "top_region": "主要地区",
    "top_acquisition_channel": "主要来源渠道",
    "top_sales_channel": "主要销售渠道",
    "top_category": "主要商品类别",
    "main_sales_channel": "主要销售渠道",
    "main_category": "主要商品类别",
    "bargain_hunter": "价格敏感型",
    "loyal_high_value": "忠诚高价值型",
    "one_off": "一次性购买型",
    "regular": "常客型",
    "method": "方法",
    "adjusted_rand_index": "调整兰德指数",
    "recency_days": "距最近购买天数",
    "gross_spend": "总消费额",
    "returns_value": "退货金额",
    "tenure_days": "客户时长（天）",
    "avg_order_value": "客单价",
    "mean_interpurchase_days": "平均购买间隔天数",
    "return_rate": "退货率",
    "spend_last_period": "近一期消费额",
    "spend_prev_period": "上一期消费额",
    "spend_trend": "消费趋势",
    "first_purchase": "首次购买",
    "last_purchase": "最近一次购买",
    "share_apparel": "服装占比",
    "share_beauty": "美妆占比",
    "share_electronics": "电子产品占比",
    "share_groceries": "食品杂货占比",
    "share_home": "家居占比",
    "share_office": "办公用品占比",
    "share_sports": "运动占比",
    "n_interactions": "互动次数",
    "n_complaints": "投诉次数",
    "unresolved_complaints": "未解决投诉数",
    "top_share_of_revenue": "前 20% 客户收入占比",
    "customer_share_for_80pct": "贡献 80% 收入的客户占比",
    "share_champions": "重要价值客户占比",
    "share_a": "A 类客户占比",
    "dataset": "数据集",
    "cut_off": "截止日期",
    "cumulative_share": "累计占比",
    "model": "模型",
    "roc_auc": "ROC-AUC",
    "pr_auc": "PR-AUC",
    "base_rate": "基准流失率",
    "top_decile_lift": "前 10% 提升度",
    "test_customers": "测试客户数",
    "reason_1": "原因 1",
    "reason_2": "原因 2",
    "reason_3": "原因 3",
    "inferred_reason": "推断原因",
    "reason_source": "原因来源",
    "accuracy": "准确率",
    "covariate": "协变量",
    "ci_lower": "置信区间下限",
    "ci_upper": "置信区间上限",
    "p_value": "p 值",
    "group": "组别",
    "percentile": "百分位",
    "window_days": "窗口天数",
    "lost_customers": "流失客户数",
    "share_lost": "流失占比",
    "gross_spend_sum": "总消费额合计",
    "price_contacts": "价格咨询次数",
    "orders_after_price_rise": "涨价后订单数",
    "overdue_ratio": "逾期比率",
    "spend_last_year": "近一年消费额",
    "avg_unit_price": "平均单价",
    "min_satisfaction": "最低满意度",
    "unresolved_around_last_purchase": "最近购买前后的未解决投诉",
    "mean_gap_days": "平均间隔天数",
    "returns_since_last_purchase": "最近购买后的退货数",
    "parameter": "参数",
    "parameters": "参数",
    "standard_error": "标准误",
    "ci_low": "置信区间下限",
    "ci_high": "置信区间上限",
    "log_likelihood": "对数似然",
    "n_customers": "客户数",
    "converged": "已收敛",
    "mean_p_alive": "平均存活概率",
    "predicted_holdout_purchases": "验证期预测购买次数",
    "actual_holdout_purchases": "验证期实际购买次数",
    "decile": "十分位",
    "predicted_purchases": "预测购买次数",
    "actual_purchases": "实际购买次数",
    "realised_value": "实现价值",
    "realised": "实现",
    "ratio": "比率",
    "published": "论文值",
    "fitted": "拟合值",
    "relative_difference": "相对差异",
    "auc": "AUC",
    "alive_share": "存活客户占比",
    "risk": "风险",
    "owner": "负责人",
    "contacts_per_year": "每年联系次数",
    "what": "内容",
    "contacts_needed_per_year": "每年所需联系次数",
    "mean_churn_risk": "平均流失风险",
    "share_of_value_at_risk": "风险价值占比",
    "stage": "阶段",
    "conversion": "转化率",
    "mean_historical_value": "平均历史价值",
    "mean_clv": "平均客户终身价值",
    "orders": "订单数",
    "churn_risk": "流失风险",
    "risk_source": "风险来源",
    "p_alive_bgnbd": "存活概率（BG/NBD）",
    "p_alive_pareto": "存活概率（Pareto/NBD）",
    "gross_revenue": "总收入",
    "average_order_value": "客单价",
    "returns": "退货数",
    "returned_value": "退货金额",
    "top_20pct_value_share": "前 20% 客户价值占比",
    "tier_a_customers": "A 级客户数",
    "tier_a_value_share": "A 级价值占比",
    "tier_b_customers": "B 级客户数",
    "tier_b_value_share": "B 级价值占比",
    "tier_c_customers": "C 级客户数",
    "tier_c_value_share": "C 级价值占比",
    "teaching data (data/teaching)": "教学数据 (data/teaching)",
    "chapter 3 churn model": "第 3 章流失模型",
    "behaviour rules only": "仅行为规则",
    "inferred reason (model or rules)": "推断原因（模型或规则）",
    "only one purchase so far": "目前只购买过一次",
    # ---- chart titles and axis labels
    "share of records with the field filled and valid": "字段已填写且有效的记录占比",
    "signup month": "注册月份",
    "order month": "下单月份",
    "data quality by month": "各月数据质量",
    "customer sources: data quality and value (bubble = customers)": "客户来源：数据质量与价值（气泡大小 = 客户数）",
    "fm score (frequency & monetary)": "FM 评分（频率与金额）",
    "r score (recency, 5 = most recent)": "R 评分（最近购买，5 = 最近）",
    "rfm segments: customers per cell": "RFM 细分：各单元客户数",
    "mean monetary": "平均消费金额",
    "% of customers (largest first)": "客户占比 %（从大到小）",
    "% of customers (smallest first)": "客户占比 %（从小到大）",
    "% of revenue": "收入占比 %",
    "lorenz curve": "洛伦兹曲线",
    "perfect equality": "绝对平均线",
    "number of clusters k": "聚类数 k",
    "silhouette (higher is better)": "轮廓系数（越高越好）",
    "davies–bouldin (lower is better)": "Davies–Bouldin 指数（越低越好）",
    "calinski–harabasz (higher is better)": "Calinski–Harabasz 指数（越高越好）",
    "bic of a gaussian mixture (lower is better)": "高斯混合模型 BIC（越低越好）",
    "choosing the number of clusters": "选择聚类数",
    "clusters in two dimensions (pca)": "二维聚类图（主成分分析）",
    "mean of standardised (log) value": "标准化（对数）值的均值",
    "snake plot: how the clusters differ": "蛇形图：各聚类的差异",
    "after (second date)": "之后（第二个日期）",
    "before (first date)": "之前（第一个日期）",
    "share of the row": "行内占比",
    "days between purchases (购买间隔天数)": "购买间隔天数",
    "repeat purchases": "重复购买次数",
    "inter-purchase times and the inactivity window (流失判定窗口)": "购买间隔与流失判定窗口",
    "predicted from text": "文本预测类别",
    "text classifier vs stated category": "文本分类器与自述类别对比",
    "lost customers": "流失客户数",
    "stated churn reasons (陈述的流失原因)": "自述的流失原因",
    "cumulative share": "累计占比",
    "predicted churn probability": "预测流失概率",
    "observed churn rate": "实际流失率",
    "calibration (校准曲线)": "校准曲线",
    "share of customers contacted (highest risk first)": "联系的客户占比（按风险从高到低）",
    "share of churners reached": "覆盖的流失客户占比",
    "cumulative gains (累积增益)": "累积增益",
    "drop in roc-auc when shuffled": "打乱后 ROC-AUC 的下降",
    "churn drivers (流失驱动因素, permutation importance)": "流失驱动因素（置换重要性）",
    "all lost customers, stated or inferred (全部流失客户的原因)": "全部流失客户的原因（自述或推断）",
    "months as a customer": "成为客户的月数",
    "share still a customer (留存率)": "留存率",
    "retention by segment (按细分群体)": "按细分群体的留存率",
    "retention by acquisition channel": "按来源渠道的留存率",
    "revenue bridge (收入桥)": "收入桥",
    "purchases in the calibration period (repeat)": "校准期购买次数（重复购买）",
    "mean purchases in the holdout": "验证期平均购买次数",
    "holdout: predicted vs actual by calibration frequency (验证期预测)": "验证期：按校准期频率的预测与实际",
    "bg/nbd predicted": "BG/NBD 预测",
    "bg/nbd forecast": "BG/NBD 预测",
    "end of calibration": "校准期结束",
    "cumulative repeat purchases": "累计重复购买",
    "weekly repeat purchases": "每周重复购买",
    "cumulative repeat purchases (累计重复购买)": "累计重复购买",
    "weekly repeat purchases (每周重复购买)": "每周重复购买",
    "decile of predicted value (10 = highest)": "预测价值十分位（10 = 最高）",
    "holdout value (sum)": "验证期价值（合计）",
    "clv backtest by decile (价值回测)": "按十分位的客户终身价值回测",
    "satisfaction → loyalty → recommendation (满意→忠诚→推荐)": "满意 → 忠诚 → 推荐",
    "revenue per customer": "客均收入",
    "% of customers": "客户占比 %",
    "horizon (weeks)": "预测期（周）",
    "total predicted clv": "预测客户终身价值合计",
    "no discounting": "不贴现",
    "clv per customer (log10; customers worth at least 1)": "每位客户的客户终身价值（log10；价值至少为 1 的客户）",
    "phone does not match the mobile-number pattern": "电话不符合手机号格式",
    "cdnow 1/10 sample (fader, hardie & lee 2005, figs 2-3)": "CDNOW 1/10 样本（Fader、Hardie 和 Lee 2005，图 2-3）",
    "the next year": "未来一年",
    # list items (joined with ", " or "; " in table cells)
    "same phone": "电话相同",
    "same e-mail": "邮箱相同",
    "same birth date": "出生日期相同",
    "same name": "姓名相同",
    # quality check descriptions (quality.py)
    "a field of the customer card is empty": "客户资料卡的字段为空",
    "phone number is not a valid mobile number": "电话号码不是有效的手机号",
    "e-mail address is malformed": "电子邮箱格式错误",
    "birth date is impossible or implausible": "出生日期不可能或不合理",
    "value is not one of the allowed categories": "取值不在允许的类别中",
    "signup/update date in the future or out of order": "注册/更新日期在未来或先后颠倒",
    "the same customer is recorded twice": "同一客户被记录了两次",
    "record not reviewed for too long": "记录太久未复核",
    "city filed under the wrong region": "城市归入了错误的地区",
    "order line without a customer id": "订单行缺少客户编号",
    "customer id not in the customers table": "客户编号不在客户表中",
    "order line recorded twice": "订单行被记录了两次",
    "negative amount on a completed order (should be a return)": "已完成订单的金额为负（应记为退货）",
    "order date missing or after the as-of date": "下单日期缺失或晚于分析日期",
    "amount far outside the usual range": "金额远超常见范围",
    "cancelled order line (not an error)": "已取消的订单行（不是错误）",
    # why each field of the customer card matters (quality.py)
    "identifies the customer in every table": "在所有表中识别客户",
    "addresses the customer; needed to recognise duplicates": "称呼客户；识别重复客户所需",
    "main contact channel; needed to recognise duplicates": "主要联系方式；识别重复客户所需",
    "where the customer is served": "客户在哪里接受服务",
    "which source brought the customer (客户来源)": "客户来源",
    "when the relationship started": "客户关系何时开始",
    "second contact channel": "第二联系方式",
    "individual or business: changes how to serve": "个人或企业：服务方式不同",
    "regional planning and reporting": "区域规划与报告",
    "shows whether the record is kept up to date": "显示记录是否及时更新",
    "age-based segmentation and care (individuals)": "按年龄细分与关怀（个人客户）",
    "whether marketing contact is allowed": "是否允许营销联系",
    "occasionally useful for offers": "偶尔用于优惠活动",
    "only meaningful for business customers": "仅对企业客户有意义",
    # what to do with each RFM segment (segment.RFM_SEGMENT_ACTIONS)
    "personal account care, early access, ask for referrals": "专人维护、抢先体验、请其推荐新客户",
    "loyalty rewards and cross-selling": "忠诚奖励与交叉销售",
    "membership offer, recommend a second category": "会员邀请，推荐第二个品类",
    "welcome series and a good first service experience": "欢迎系列活动和良好的首次服务体验",
    "a reason to come back soon (small incentive)": "给一个尽快回来的理由（小额激励）",
    "personalised reminder of what they liked": "个性化提醒其喜欢的商品",
    "reactivation offer before they lapse": "在沉睡前发出唤醒优惠",
    "personal call from the account manager: win them back": "客户经理亲自致电：挽回客户",
    "find out why they stopped (survey, call) and a targeted offer": "了解停止购买的原因（调查、电话）并给出针对性优惠",
    "low-cost reactivation campaign only": "只做低成本的唤醒活动",
    "do not spend much; include in occasional broad campaigns": "不多投入；纳入偶尔的大范围活动",
    # contact plan (value.CONTACT_PLAN)
    "dedicated account manager": "专属客户经理",
    "key-account team": "大客户团队",
    "service centre": "服务中心",
    "account manager + service lead": "客户经理 + 服务主管",
    "none (automated only)": "无（仅自动化）",
    "monthly visit or call, quarterly business review, tailored offers": "每月拜访或致电，每季度业务回顾，定制优惠",
    "quarterly proactive call, early access to new products": "每季度主动致电，新品抢先体验",
    "answer promptly when they call; yearly care call and newsletters": "来电及时响应；每年一次关怀电话和电子简报",
    "call within two weeks, find the reason, make a tailored offer, follow up twice":
        "两周内致电，找出原因，给出定制优惠，跟进两次",
    "no personal contact; keep in low-cost automated mailings": "不做人工联系；保留在低成本自动邮件中",
}

#: Labels with numbers or names inside: ``(English template, Chinese template)``. ``{name}`` matches
#: any text, ``{name:regex}`` only text matching ``regex``; the captured text is translated in turn
#: (so a segment name inside a label is translated too), numbers and unknown words are kept as they
#: are. Matching ignores case; the first template that matches the whole label wins.
PATTERNS: list[tuple[str, str]] = [
    # charts
    ("window = {n} days", "判定窗口 = {n} 天"),
    ("{tiers} threshold {share}", "{tiers} 分界线 {share}"),
    ("pareto curve: top {top} bring {share}", "帕累托曲线：前 {top} 的客户带来 {share} 的收入"),
    ("lorenz curve: gini = {gini}", "洛伦兹曲线：基尼系数 = {gini}"),
    ("choosing the number of clusters (chosen k = {k})", "选择聚类数（选定 k = {k}）"),
    ("pc{i:\\d} ({share} of variance)", "主成分 {i}（解释 {share} 的方差）"),
    ("rfm segments: {before} → {after}", "RFM 细分的变化：{before} → {after}"),
    ("abc tiers: {before} → {after}", "ABC 等级的变化：{before} → {after}"),
    ("{n} customers, mean clv {clv}", "{n} 位客户，平均客户终身价值 {clv}"),
    ("value at risk (风险价值) by {by}", "按{by}的风险价值"),
    ("retention by {by}", "按{by}的留存率"),
    ("{label} (n={n})", "{label}（n={n}）"),
    # cluster names from segment.name_clusters: "active high-value loyal regulars"
    ("{activity:active|cooling|lapsed} {level:high|mid|low}-value {habit}", "{activity}、{level}价值的{habit}"),
    ("{name} #{n:\\d+}", "{name} #{n}"),
    ("{n:\\d+}: {share} of customers", "{n}: {share} 的客户"),
    ("{n:\\d+}: {name}", "{n}: {name}"),
    ("rfm types: recent ≤ {days} days, frequent ≥ {n} orders, high spend ≥ {spend}",
     "RFM 类型：近期 ≤ {days} 天，高频 ≥ {n} 单，高消费 ≥ {spend}"),
    ("k = {k} clusters ({method}) in two dimensions (pca)", "k = {k} 个聚类（{method}）的二维图（主成分分析）"),
    ("discount {rate} a year", "年贴现率 {rate}"),
    ("top {top} of customers hold {share} of clv", "前 {top} 的客户拥有 {share} 的客户终身价值"),
    # tables
    ("{variable}={level} (vs {baseline})", "{variable}={level}（对照：{baseline}）"),
    ("{n:[\\d,]+} days", "{n} 天"),
    ("{n:[\\d,.]+} weeks", "{n} 周"),
    ("{field} is empty", "{field}为空"),
    ("not updated for {n} days", "{n} 天未更新"),
    ("region {region} but the city is in {city_region}", "地区为{region}，但城市位于{city_region}"),
    ("duplicate of {id}", "与 {id} 重复"),
    ("exact duplicate of row {row}", "与第 {row} 行完全重复"),
    ("customer_id {id} not in the customers table (orphan transaction)", "客户编号 {id} 不在客户表中（孤立交易）"),
    ("no purchase for {days} days, {times}× the usual gap", "已 {days} 天未购买，是平常间隔的 {times} 倍"),
    ("{n} unresolved complaint{s:s?} in the last {days} days", "最近 {days} 天内有 {n} 个未解决的投诉"),
    ("{n} earlier unresolved complaint{s:s?}", "此前有 {n} 个未解决的投诉"),
    ("{n} returned order{s:s?} ({share} of orders)", "{n} 笔退货订单（占订单的 {share}）"),
    ("low satisfaction ({score} of {scale})", "满意度低（{score} / {scale}）"),
    ("{n} contact{s:s?} about prices", "{n} 次价格咨询"),
    ("spend down {share} vs the previous half-year", "消费比上半年下降 {share}"),
    ("bought {n} times before the price rise on {date}, at most once after",
     "涨价（{date}）前购买 {n} 次，涨价后至多 1 次"),
    ("majority class baseline ({label})", "多数类基线（{label}）"),
    # sentences
    ("the next {n} weeks", "未来 {n} 周"),
    # "check: detail" (quality findings); last, so that the templates above win
    ("{check:[a-z_]+}: {detail}", "{check}：{detail}"),
]


_state: dict[str, Any] = {"lang": "en"}
_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^{}]+))?\}")
# Above this many distinct values a column is not translated at display time (ids, free text).
_MAX_UNIQUE_VALUES = 2000
_BILINGUAL = re.compile(r"[^()（）]*[A-Za-z][^()（）]*[(（]([^()（）A-Za-z]*[\u4e00-\u9fff][^()（）A-Za-z]*)[)）]")


def language() -> str:
    """The current report language ("en" or "zh").

    Examples
    --------
    >>> language() in ("en", "zh")
    True
    """
    return _state["lang"]


def resolve_language(lang: str | None = None) -> str:
    """``lang`` checked, or the current language (:func:`language`) when it is None.

    Parameters
    ----------
    lang : {"en", "zh"}, optional

    Returns
    -------
    str
        "en" or "zh".

    Raises
    ------
    ValueError
        If ``lang`` is another value.

    Examples
    --------
    >>> resolve_language("zh")
    'zh'
    >>> resolve_language(None) == language()
    True
    """
    lang = language() if lang is None else lang
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    return lang


def _compile(template: str) -> re.Pattern[str]:
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position:match.start()]))
        parts.append(f"(?P<{match.group(1)}>{match.group(2) or '.+?'})")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def _compiled_patterns() -> list[tuple[re.Pattern[str], str, bool]]:
    # Recompiled when PATTERNS changes (users may append their own templates).
    key = tuple(PATTERNS)
    if _state.get("patterns_key") != key:
        compiled = []
        for source, target in PATTERNS:
            literal = _PLACEHOLDER.sub("", source)
            # A template with no words of its own ("{n}: {name}") only applies when it translates something.
            needs_word = re.search(r"[a-z]{2}", literal, re.IGNORECASE) is None
            compiled.append((_compile(source), _PLACEHOLDER.sub(r"{\1}", target), needs_word))
        _state["patterns_key"], _state["patterns"] = key, compiled
    return _state["patterns"]


def _tr_zh(text: str, glossary: Mapping[str, str]) -> str:
    """Chinese for one label, or the label itself: glossary, then templates, lists, a unit suffix."""
    if "\n" in text:  # "champions\n243" (heatmap cells): line by line
        return "\n".join(_tr_zh(line, glossary) for line in text.split("\n"))
    label = re.sub(r"[ \t]+", " ", text.strip())
    key = label.lower()
    if not key:
        return text
    if key in glossary:
        return glossary[key]
    for pattern, target, needs_word in _compiled_patterns():
        match = pattern.fullmatch(label)
        if match:
            groups = {name: _tr_zh(value, glossary) for name, value in match.groupdict().items()}
            if not needs_word or any(groups[n] != match.group(n) for n in groups):
                return target.format(**groups)
    # "important value (重要价值客户)": a bilingual label keeps its Chinese part
    match = _BILINGUAL.fullmatch(label)
    if match:
        return match.group(1).strip()
    for separator, joiner in (("; ", "；"), (", ", "、")):
        if separator in label:  # "missing_value, stale_record": a list of known words
            items = label.split(separator)
            translated = [_tr_zh(item, glossary) for item in items]
            if all(t != i for t, i in zip(translated, items, strict=True)):
                return joiner.join(translated)
    # "Revenue share (%)": translate the words, keep the unit in brackets
    match = re.fullmatch(r"(.+?)\s*(\([^()]*\))", label)
    if match and match.group(1).lower() in glossary:
        return f"{glossary[match.group(1).lower()]} {match.group(2)}"
    return text


def tr(text: Any, lang: str | None = None, glossary: Mapping[str, str] = GLOSSARY) -> Any:
    """Translate a label if the glossary or a template knows it; else return it unchanged.

    Lookup order: the whole label in ``glossary`` (case-insensitive, spaces collapsed); the
    templates in :data:`PATTERNS` (labels with numbers or names inside); a list of known words
    separated by ", " or "; "; a known label followed by a unit in brackets. A label of several
    lines is translated line by line.

    Parameters
    ----------
    text : str or any
        A label. Non-strings are returned as they are.
    lang : {"en", "zh"}, optional
        Defaults to the current language.
    glossary : mapping, optional
        Lower-case English label -> Chinese; defaults to :data:`GLOSSARY`.

    Returns
    -------
    str or any
        The Chinese label in Chinese mode when known, else ``text``.

    Examples
    --------
    >>> tr("Revenue share", "zh")
    '收入占比'
    >>> tr("Revenue share", "en")
    'Revenue share'
    >>> tr("Something else", "zh")
    'Something else'
    >>> tr("the next 52 weeks", "zh")
    '未来 52 周'
    >>> tr("phone (n=430)", "zh")
    '电话（n=430）'
    >>> tr("champions\\n243", "zh")
    '重要价值客户\\n243'
    """
    if resolve_language(lang) != "zh" or not isinstance(text, str):
        return text
    return _tr_zh(text, glossary)


def _is_text(values: pd.Series | pd.Index) -> bool:
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        dtype = dtype.categories.dtype
    return isinstance(dtype, pd.StringDtype) or pd.api.types.is_object_dtype(dtype)


def _translate_values(values: pd.Series) -> pd.Series:
    """The values translated through :func:`tr`, looked up once per distinct value."""
    try:
        uniques = values.dropna().unique()
    except TypeError:  # unhashable cells (lists): not labels
        return values
    if len(uniques) > _MAX_UNIQUE_VALUES:
        return values
    mapping = {u: t for u in uniques if isinstance(u, str) and (t := _tr_zh(u, GLOSSARY)) != u}
    if not mapping:
        return values
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object)
    return values.replace(mapping)


def _translate_index(index: pd.Index) -> pd.Index:
    names = [tr(name, "zh") for name in index.names]
    if isinstance(index, pd.MultiIndex):
        try:
            levels = [_translate_index(level) if _is_text(level) else level for level in index.levels]
            index = index.set_levels(levels)
        except ValueError:  # two labels of a level translate alike: keep them apart in English
            pass
    elif _is_text(index):
        index = pd.Index(_translate_values(pd.Series(index, dtype=index.dtype)).to_numpy(), dtype=object)
    return index.set_names(names)


def translate_frame(frame: pd.DataFrame, lang: str | None = None) -> pd.DataFrame:
    """A copy of ``frame`` with column names, index labels and text values translated (Chinese only).

    Only labels the glossary or a template knows change; numbers, ids and names stay as they are.

    Parameters
    ----------
    frame : DataFrame
    lang : {"en", "zh"}, optional
        Defaults to the current language; in English ``frame`` itself is returned.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> translate_frame(pd.DataFrame({"reason_category": ["price"], "customers": [3]}), "zh").columns.tolist()
    ['原因类别', '客户数']
    >>> translate_frame(pd.DataFrame({"n": [1]}, index=pd.Index(["champions"], name="rfm_segment")), "zh").index
    Index(['重要价值客户'], dtype='object', name='RFM 细分')
    """
    if resolve_language(lang) != "zh":
        return frame
    out = frame.copy()
    out.columns = _translate_index(out.columns)
    out.index = _translate_index(out.index)
    for position in range(out.shape[1]):
        column = out.iloc[:, position]
        if _is_text(column):
            out.isetitem(position, _translate_values(column))
    return out


def _translate_ticks(axis: Any) -> None:
    """Category tick labels are drawn by the axis formatter at draw time: translate through it."""
    from matplotlib import category, ticker

    formatter = axis.get_major_formatter()
    if getattr(formatter, "crm_translated", False):
        return
    # set_xticklabels (pandas, seaborn heatmaps) installs a FixedFormatter or a FuncFormatter over
    # the labels; ax.bar(["price", ...]) a StrCategoryFormatter. Numeric and date formatters stay.
    if not isinstance(formatter, ticker.FixedFormatter | ticker.FuncFormatter | category.StrCategoryFormatter):
        return
    new = ticker.FuncFormatter(lambda x, pos=None, old=formatter: tr(old(x, pos), "zh"))
    new.crm_translated = True
    axis.set_major_formatter(new)


def translate_figure(figure: Any, lang: str | None = None) -> Any:
    """Translate, in place, the texts of a matplotlib figure that the glossary or a template knows.

    Titles, axis labels, legend entries, annotations (including the numbers seaborn writes in
    heatmap cells, left as they are) and category tick labels are translated.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    lang : {"en", "zh"}, optional
        Defaults to the current language; in English nothing changes.

    Returns
    -------
    Figure
        The same figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots(); _ = ax.set_xlabel("Recency"); _ = ax.bar(["price", "service"], [2, 1])
    >>> _ = translate_figure(fig, "zh")
    >>> ax.get_xlabel(), ax.xaxis.get_major_formatter()(1, 1)  # the tick label drawn at x = 1
    ('最近购买', '服务')
    >>> plt.close(fig)
    """
    if resolve_language(lang) != "zh":
        return figure
    from matplotlib.text import Text

    for axes in figure.axes:
        for axis in (axes.xaxis, axes.yaxis):
            _translate_ticks(axis)
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

    Raises
    ------
    ValueError
        If ``lang`` is not "en" or "zh".

    Examples
    --------
    >>> use_language("en"); language()
    'en'
    """
    if lang not in ("en", "zh"):
        raise ValueError(f"lang must be 'en' or 'zh', not {lang!r}")
    _state["lang"] = lang
    from crm_analysis.core import plotting

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
    # The inline backend is activated lazily, at the first pyplot figure, and then registers its own PNG
    # printer for figures; activate it now (a throwaway figure) so ours, registered below, is not replaced.
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    plt.close(plt.figure())

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
