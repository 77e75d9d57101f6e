"""Chapter 1: the quality of collected customer information (客户信息收集与质量).

The checks look at the data **as collected** (``chapter.loaded``, before cleaning), because that
is what the collection process produced; cleaning then fixes or quarantines what it can.

Five quality dimensions (质量维度) are measured:

* **completeness** (完整性): are the fields of the customer information card filled? Fields are
  weighted by importance (:data:`FIELD_WEIGHTS`): the key fields of the card count three times as
  much as nice-to-have ones, because the course warns against collecting everything without focus.
* **validity** (有效性): phone numbers, e-mail addresses, birth dates, categories and dates.
* **uniqueness** (唯一性): the same person recorded twice, found by fuzzy matching of names,
  phones, e-mails and birth dates within blocks (:func:`find_duplicate_customers`), and
  duplicated order lines.
* **timeliness** (及时性): records not reviewed for more than ``stale_after_days`` before the
  as-of date (the "dynamic database" the course asks for).
* **consistency** (一致性): orphan transactions, a city filed under the wrong region (the
  city → region map is learned from the data by majority vote), completed orders with negative
  amounts.

:func:`run_checks` returns every finding as one row (table, source_row, record_id, check,
column, detail); the other functions summarise findings per field, per acquisition channel,
per signup month, and list the records to fix. No check reads the ground truth:
:func:`defect_detection` compares findings with ``truth.defects`` afterwards.

Modules: ``fields`` (the customer card and its weights), ``findings`` (check registry, result type),
``customer_checks`` and ``transaction_checks`` (the checks), ``duplicates`` (fuzzy duplicate search),
``checks`` (:func:`run_checks`), ``scorecards`` (per field, record, channel, month, check),
``fixlist``, ``detection`` (precision/recall against the truth), ``plots`` and ``summary``.

Examples
--------
>>> import pandas as pd
>>> from crm_analysis.core.crmdata import CRMData
>>> tx = pd.DataFrame({"customer_id": ["C1", None], "order_date": pd.to_datetime(["2024-01-02"] * 2),
...                    "amount": [10.0, -5.0], "status": ["completed", "completed"]},
...                   index=pd.Index([2, 3], name="source_row"))
>>> checks = run_checks(CRMData(transactions=tx), as_of="2024-02-01")
>>> sorted(checks.findings["check"])
['missing_customer_id', 'unflagged_negative_amount']
"""

from crm_analysis.quality.checks import recheck_staleness, run_checks
from crm_analysis.quality.customer_checks import learn_city_regions
from crm_analysis.quality.detection import defect_detection
from crm_analysis.quality.duplicates import (
    duplicate_candidates,
    duplicate_examples,
    duplicates_at_thresholds,
    find_duplicate_customers,
    normalise_name,
    select_duplicates,
)
from crm_analysis.quality.fields import EMAIL_PATTERN, FIELD_WEIGHTS, PHONE_PATTERN, normalised_phones
from crm_analysis.quality.findings import CHECKS, DIMENSIONS, FINDING_COLUMNS, PAIR_COLUMNS, QualityChecks
from crm_analysis.quality.fixlist import fix_list
from crm_analysis.quality.plots import plot_field_channel_heatmap, plot_quality_by_month, plot_source_value
from crm_analysis.quality.scorecards import (
    channel_scorecard,
    check_summary,
    field_channel_matrix,
    field_scorecard,
    quality_by_month,
    record_scores,
    source_quality,
)
from crm_analysis.quality.summary import manager_summary

__all__ = [
    "CHECKS",
    "DIMENSIONS",
    "EMAIL_PATTERN",
    "FIELD_WEIGHTS",
    "FINDING_COLUMNS",
    "PAIR_COLUMNS",
    "PHONE_PATTERN",
    "QualityChecks",
    "channel_scorecard",
    "check_summary",
    "defect_detection",
    "duplicate_candidates",
    "duplicate_examples",
    "duplicates_at_thresholds",
    "field_channel_matrix",
    "field_scorecard",
    "find_duplicate_customers",
    "fix_list",
    "learn_city_regions",
    "manager_summary",
    "normalise_name",
    "normalised_phones",
    "plot_field_channel_heatmap",
    "plot_quality_by_month",
    "plot_source_value",
    "quality_by_month",
    "recheck_staleness",
    "record_scores",
    "run_checks",
    "select_duplicates",
    "source_quality",
]
