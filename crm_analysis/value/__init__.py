"""Customer value (客户价值): historical and predicted lifetime value, its validation, and what to do with it.

The chapter-4 notebook calls these functions in order:

1. **Historical value** (历史价值): :func:`historical_value` (net revenue, orders, tenure,
   returns per customer) and its concentration (:func:`concentration_summary`,
   :func:`plot_concentration`: Pareto / ABC, Gini).
2. **Predicted value** (预测价值): :func:`fit_value_models` fits the buy-till-you-die
   models of :mod:`crm_analysis.models.clv` (BG/NBD, Gamma-Gamma, optionally Pareto/NBD) on
   :func:`crm_analysis.features.rfm_summary`; :func:`predict_value` gives P(alive),
   expected purchases, expected order value and the discounted CLV over a horizon.
3. **Validation** (模型验证): :func:`holdout_by_frequency`, :func:`tracking_table` (the
   cumulative and weekly tracking plots of Fader, Hardie & Lee 2005),
   :func:`clv_backtest_by_decile`, :func:`alive_auc` (teaching data: P(alive) against the
   generator's truth), :func:`model_fit_table` and :func:`parameter_drift` (scheduled runs).
4. **What to do** (客户分级服务): :func:`value_tiers` × churn risk -> :func:`service_levels`
   (one-to-one, proactive "gold", responsive "silver", win-back, let go), the contact
   plan :data:`CONTACT_PLAN` and :func:`value_at_risk`; :func:`manager_summary` says it in plain words.
   (The satisfaction -> loyalty -> recommendation funnel is chapter 5's, :func:`crm_analysis.care.loyalty_funnel`.)

Modules: :mod:`.periods` (time conventions), :mod:`.history`, :mod:`.fitting` (models, fit table,
drift), :mod:`.prediction` (CLV, churn risk, the customer value table), :mod:`.choice` (model choice on the
holdout against a naive baseline), :mod:`.checks` (holdout,
tracking, backtest, AUC, paper replication), :mod:`.actions` (tiers, service levels, contact plan,
value at risk, funnel), :mod:`.plots`, :mod:`.summary`. Chapter 4 reads chapter 3's churn scores and
chapter 2's segments, and publishes its own result, through :mod:`crm_analysis.core.handoff`.

Time conventions: ``as_of`` is the analysis date as :func:`crm_analysis.app.report.resolve_as_of`
gives it (by default the day *after* the last transaction), so the observation period ends
the day before (:func:`observation_end`); a calibration period ends on ``calibration_end``
(inclusive) and the holdout runs from the next day to the observation end.
"""

from crm_analysis.features import TIME_UNITS
from crm_analysis.value.actions import (
    CONTACT_PLAN,
    DEFAULT_TIER_SHARES,
    SERVICE_MATRIX,
    TIER_NAMES,
    action_matrix,
    contact_plan,
    segment_labels,
    service_levels,
    value_at_risk,
    value_tiers,
)
from crm_analysis.value.checks import (
    PUBLISHED_CDNOW,
    alive_auc,
    alive_auc_table,
    alive_vs_lost,
    backtest_readout,
    clv_backtest_by_decile,
    holdout_by_frequency,
    paper_replication,
    silent_but_alive_note,
    tracking_table,
)
from crm_analysis.value.choice import (
    ModelChoice,
    adapt_holdout,
    alive_calibration,
    compare_purchase_models,
    p_any_purchase,
)
from crm_analysis.value.fitting import (
    DriftCheck,
    ValueModels,
    drift_check,
    expected_purchases,
    find_previous_model_fit,
    fit_value_models,
    model_comparison,
    model_fit_table,
    parameter_drift,
    spend_model_is_finite,
    summary_table,
)
from crm_analysis.value.history import concentration_summary, historical_value, net_groups
from crm_analysis.value.periods import default_calibration_end, observation_end
from crm_analysis.value.plots import (
    plot_alive_calibration,
    plot_clv_backtest,
    plot_concentration,
    plot_holdout_by_frequency,
    plot_tracking,
    plot_value_at_risk,
)
from crm_analysis.value.prediction import (
    churn_risk,
    customer_value_table,
    expected_order_value,
    export_customer_value,
    predict_value,
    publish_customer_value,
    top_customers,
)
from crm_analysis.value.summary import manager_summary

__all__ = [
    "CONTACT_PLAN", "DEFAULT_TIER_SHARES", "PUBLISHED_CDNOW", "SERVICE_MATRIX", "TIER_NAMES", "TIME_UNITS",
    "DriftCheck", "ModelChoice", "ValueModels", "action_matrix", "adapt_holdout", "alive_auc", "alive_auc_table",
    "alive_calibration", "alive_vs_lost", "backtest_readout", "churn_risk", "clv_backtest_by_decile",
    "compare_purchase_models", "concentration_summary", "contact_plan", "customer_value_table",
    "default_calibration_end", "drift_check", "expected_order_value", "expected_purchases", "export_customer_value",
    "find_previous_model_fit", "fit_value_models", "historical_value", "holdout_by_frequency",
    "manager_summary", "model_comparison", "model_fit_table", "net_groups", "observation_end", "p_any_purchase",
    "paper_replication", "parameter_drift", "plot_alive_calibration", "plot_clv_backtest", "plot_concentration",
    "plot_holdout_by_frequency", "plot_tracking", "plot_value_at_risk", "predict_value",
    "publish_customer_value", "segment_labels", "service_levels", "silent_but_alive_note", "spend_model_is_finite",
    "summary_table", "top_customers", "tracking_table", "value_at_risk", "value_tiers"
]
