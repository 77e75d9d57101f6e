"""Churn-reason analysis (客户流失原因分析): who was lost, why, what it cost, how spend changed.

The chapter answers the course's request to "analyse every lost customer's reason, and the
reasons for changes in customers' purchase amounts" with six pieces, one module each:

1. :mod:`~crm_analysis.churn.labels` (流失标记): the inactivity window (a high percentile of the
   inter-purchase times) or the explicit ``churned`` flag; labels at a cut-off date.
2. :mod:`~crm_analysis.churn.reasons` (陈述原因): exit-survey reasons, free text mapped to
   categories by :class:`crm_analysis.models.text.ReasonTextClassifier`, Pareto tables, and
   reasons inferred from behaviour for customers who did not answer; :mod:`~crm_analysis.churn.lost`
   puts every lost customer together with the revenue lost.
3. :mod:`~crm_analysis.churn.dataset` and :mod:`~crm_analysis.churn.drivers` (行为驱动因素):
   features strictly before a cut-off (:func:`crm_analysis.features.behaviour_features`), churn
   models on a time-based split, gains, permutation drivers; :mod:`~crm_analysis.churn.codes`
   turns behaviour into reason codes in words.
4. :mod:`~crm_analysis.churn.survival` (生存分析): durations for Kaplan–Meier and Cox
   (:mod:`crm_analysis.models.survival`).
5. :mod:`~crm_analysis.churn.bridge` (采购额变化): the revenue bridge in integer cents.
6. :mod:`~crm_analysis.churn.plots` and :mod:`~crm_analysis.churn.summary`: charts and the
   manager's sentences.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-10"]),
...                    "amount": [10.0, 20.0, 5.0]})
>>> label_inactivity(tx, "2024-02-01", window_days=60)["churned"].to_dict()
{'A': False, 'B': True}
"""

from crm_analysis.churn.bridge import BRIDGE_COMPONENTS, bridge_table, default_periods, revenue_bridge
from crm_analysis.churn.codes import reason_codes
from crm_analysis.churn.dataset import (
    ChurnDataset,
    ModelData,
    active_customer_features,
    churn_dataset,
    contract_features,
    design_matrix,
    label_summary,
    model_data,
)
from crm_analysis.churn.drivers import (
    ChurnModels,
    diagnose_logistic_fit,
    evaluate_models,
    fit_churn_models,
    fit_note,
    gains_table,
    permutation_drivers,
)
from crm_analysis.churn.labels import (
    DAY,
    InactivityWindow,
    choose_inactivity_window,
    customer_status,
    interpurchase_times,
    is_contractual,
    label_contractual,
    label_inactivity,
    lost_customers,
    status_counts,
)
from crm_analysis.churn.lost import (
    LostCustomers,
    annualised_spend,
    churn_reasons_table,
    churn_scores_table,
    customer_segments,
    explain_lost,
)
from crm_analysis.churn.plots import (
    plot_confusion,
    plot_drivers,
    plot_interpurchase_times,
    plot_kaplan_meier,
    plot_model_checks,
    plot_pareto,
    plot_waterfall,
)
from crm_analysis.churn.reasons import (
    ReasonInference,
    fit_text_classifier,
    infer_reasons,
    pareto_heatmap,
    reason_accuracy,
    reason_label,
    reason_pareto,
    rule_reason,
    stated_reasons,
    text_confusion,
)
from crm_analysis.churn.summary import manager_summary, status_sentence
from crm_analysis.churn.survival import survival_frame
from crm_analysis.features.behaviour import behaviour_features
from crm_analysis.models.survival import cox_hazard_ratios, kaplan_meier
from crm_analysis.models.text import REASON_KEYWORDS, ReasonTextClassifier, keyword_reason

__all__ = [
    "BRIDGE_COMPONENTS", "DAY", "REASON_KEYWORDS",
    "ChurnDataset", "ChurnModels", "InactivityWindow", "LostCustomers", "ModelData", "ReasonInference",
    "ReasonTextClassifier",
    "active_customer_features", "annualised_spend", "behaviour_features", "bridge_table", "choose_inactivity_window",
    "churn_dataset", "churn_reasons_table", "churn_scores_table", "contract_features", "cox_hazard_ratios",
    "customer_segments", "customer_status", "default_periods", "design_matrix", "diagnose_logistic_fit",
    "evaluate_models", "explain_lost",
    "fit_churn_models", "fit_note",
    "fit_text_classifier", "gains_table", "infer_reasons", "interpurchase_times", "is_contractual", "kaplan_meier",
    "keyword_reason", "label_contractual", "label_inactivity", "label_summary", "lost_customers", "manager_summary",
    "model_data", "pareto_heatmap", "permutation_drivers", "plot_confusion", "plot_drivers",
    "plot_interpurchase_times", "plot_kaplan_meier", "plot_model_checks", "plot_pareto", "plot_waterfall",
    "reason_accuracy", "reason_codes", "reason_label", "reason_pareto", "revenue_bridge", "rule_reason",
    "stated_reasons",
    "status_counts", "status_sentence", "survival_frame", "text_confusion",
]
