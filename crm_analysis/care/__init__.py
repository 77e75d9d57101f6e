"""Customer care and the service log (客户维护与服务 / 客户日志): chapter 5.

The chapter-5 notebook calls these functions in order:

1. **The customer log** (客户日志): :func:`contacts_over_time`, :func:`contacts_per_customer` by value tier,
   :func:`log_gaps` (buyers never contacted, contacts with no customer).
2. **Visit plan kept?** (访问计划): :func:`customer_tiers` (chapter 4's value tiers through the hand-off,
   else ABC tiers on revenue), :func:`plan_adherence` against :data:`DEFAULT_PLAN_DAYS`,
   :func:`adherence_by_tier`, :func:`overdue_list` (masked).
3. **Service standards** (服务标准): :func:`service_times`, :func:`service_standards` (overall, by channel,
   topic, month) against :data:`DEFAULT_STANDARDS`, :func:`breaches`.
4. **Complaints** (投诉分析): :func:`complaint_pareto`, :func:`repeat_complainers`, :func:`find_topics`
   (TF-IDF character n-grams + NMF) and :func:`compare_topics` (against the recorded topic).
5. **Service recovery** (服务补救): :func:`recovery_frame` (each complaining customer's first complaint: resolved
   in time, late, or not, and whether they bought in the following days) and :func:`recovery_effect` (kept share
   and spend, adjusted for value tier and tenure by exact stratification, with bootstrap intervals).
6. **Satisfaction** (满意度): :func:`satisfaction_by`, and the satisfaction -> loyalty -> recommendation
   :func:`loyalty_funnel` (moved here from chapter 4).
7. **What to do** (管理建议): :func:`care_call_list`, :func:`manager_summary`.

Modules: :mod:`.log`, :mod:`.visits`, :mod:`.standards`, :mod:`.complaints`, :mod:`.satisfaction`,
:mod:`.recovery`, :mod:`.plots`, :mod:`.summary`, :mod:`.truth` (on the teaching data: the figures against the
generator's truth, :func:`check_against_truth`). The chapter reads chapter 4's ``customer_value`` through
:mod:`crm_analysis.core.handoff`; it imports no other chapter.
"""

from crm_analysis.care.complaints import (
    FoundTopics,
    compare_topics,
    complaint_pareto,
    complaints_of,
    find_topics,
    repeat_complainers,
)
from crm_analysis.care.log import contacts_over_time, contacts_per_customer, log_gaps
from crm_analysis.care.plots import (
    plot_complaint_pareto,
    plot_contacts_over_time,
    plot_loyalty_funnel,
    plot_standards_by_month,
)
from crm_analysis.care.recovery import RECOVERY_GROUPS, recovery_effect, recovery_frame
from crm_analysis.care.satisfaction import loyalty_funnel, satisfaction_by
from crm_analysis.care.standards import (
    DEFAULT_STANDARDS,
    SERVICE_KINDS,
    breaches,
    missing_columns_note,
    service_standards,
    service_times,
)
from crm_analysis.care.summary import care_call_list, manager_summary
from crm_analysis.care.truth import TOPIC_MARGIN, check_against_truth, truth_sentence
from crm_analysis.care.visits import (
    DEFAULT_PLAN_DAYS,
    PLAN_KINDS,
    Tiers,
    adherence_by_tier,
    customer_tiers,
    overdue_list,
    plan_adherence,
    with_contact_details,
)

__all__ = [
    "DEFAULT_PLAN_DAYS",
    "DEFAULT_STANDARDS",
    "PLAN_KINDS",
    "RECOVERY_GROUPS",
    "SERVICE_KINDS",
    "TOPIC_MARGIN",
    "FoundTopics",
    "Tiers",
    "adherence_by_tier",
    "breaches",
    "care_call_list",
    "check_against_truth",
    "compare_topics",
    "complaint_pareto",
    "complaints_of",
    "contacts_over_time",
    "contacts_per_customer",
    "customer_tiers",
    "find_topics",
    "log_gaps",
    "loyalty_funnel",
    "manager_summary",
    "missing_columns_note",
    "overdue_list",
    "plan_adherence",
    "plot_complaint_pareto",
    "plot_contacts_over_time",
    "plot_loyalty_funnel",
    "plot_standards_by_month",
    "recovery_effect",
    "recovery_frame",
    "repeat_complainers",
    "satisfaction_by",
    "service_standards",
    "service_times",
    "truth_sentence",
    "with_contact_details",
]
