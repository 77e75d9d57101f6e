"""The check registry, the shape of a finding, and the result of :func:`~crm_analysis.quality.run_checks`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

# The check registry: which quality dimension a check measures, its table, and a plain reason.
CHECKS = pd.DataFrame(
    [
        ("missing_value", "completeness", "customers", "a field of the customer card is empty"),
        ("invalid_phone", "validity", "customers", "phone number is not a valid mobile number"),
        ("invalid_email", "validity", "customers", "e-mail address is malformed"),
        ("invalid_birth_date", "validity", "customers", "birth date is impossible or implausible"),
        ("invalid_category", "validity", "customers", "value is not one of the allowed categories"),
        ("invalid_date", "validity", "customers", "signup/update date in the future or out of order"),
        ("duplicate_customer", "uniqueness", "customers", "the same customer is recorded twice"),
        ("stale_record", "timeliness", "customers", "record not reviewed for too long"),
        ("city_region_mismatch", "consistency", "customers", "city filed under the wrong region"),
        ("missing_customer_id", "completeness", "transactions", "order line without a customer id"),
        ("orphan_transaction", "consistency", "transactions", "customer id not in the customers table"),
        ("duplicate_order_line", "uniqueness", "transactions", "order line recorded twice"),
        ("unflagged_negative_amount", "consistency", "transactions",
         "negative amount on a completed order (should be a return)"),
        ("invalid_order_date", "validity", "transactions", "order date missing or after the as-of date"),
        ("amount_outlier", "validity", "transactions", "amount far outside the usual range"),
        ("cancelled_order", "information", "transactions", "cancelled order line (not an error)"),
    ],
    columns=["check", "dimension", "table", "description"],
)
DIMENSIONS = ("completeness", "validity", "uniqueness", "timeliness", "consistency")
FINDING_COLUMNS = ["table", "source_row", "record_id", "check", "column", "detail"]
PAIR_COLUMNS = ["customer_id_a", "customer_id_b", "source_row_a", "source_row_b", "score", "reason"]


@dataclass
class QualityChecks:
    """Everything :func:`run_checks` found.

    Attributes
    ----------
    findings : pandas.DataFrame
        One row per problem: table, source_row, record_id, check, column, detail.
        ``detail`` never holds raw personal data.
    duplicate_pairs : pandas.DataFrame
        Likely duplicate customers: customer_id_a, customer_id_b, source_row_a, source_row_b,
        score (0–1) and reason (which fields agree). ``b`` is the later record.
    city_regions : pandas.Series
        The learned city → region map (majority vote per city).
    notes : list of str
        What could not be checked, and why.
    as_of : pandas.Timestamp
        The date timeliness is measured against.
    params : dict
        The thresholds used.
    duplicate_candidates : pandas.DataFrame, optional
        Every scored candidate pair that passes the field rules, whatever its score (the columns of
        ``duplicate_pairs``, score unrounded): :func:`duplicates_at_thresholds` re-thresholds these
        without searching again.
    """

    findings: pd.DataFrame
    duplicate_pairs: pd.DataFrame
    city_regions: pd.Series
    notes: list[str] = field(default_factory=list)
    as_of: pd.Timestamp | None = None
    params: dict = field(default_factory=dict)
    duplicate_candidates: pd.DataFrame | None = None


def _finding(frame: pd.DataFrame, mask: pd.Series | np.ndarray, *, table: str, check: str, column: str | None,
             id_column: str, detail: pd.Series | str | Callable[[np.ndarray], object] = "") -> pd.DataFrame:
    """One finding per row where ``mask`` holds; ``detail`` may be a function of the hit positions."""
    flags = mask.fillna(False).to_numpy(dtype=bool) if isinstance(mask, pd.Series) else np.asarray(mask, dtype=bool)
    return _finding_at(frame, np.flatnonzero(flags), table=table, check=check, column=column,
                       id_column=id_column, detail=detail)


def _finding_at(frame: pd.DataFrame, hit: np.ndarray, *, table: str, check: str, column: str | None,
                id_column: str, detail: pd.Series | str | Callable[[np.ndarray], object] = "") -> pd.DataFrame:
    # Only the hit rows' key and id are taken: copying whole wide rows per check cost gigabytes at 1M customers.
    if callable(detail):
        detail = detail(hit)
    elif isinstance(detail, pd.Series):
        detail = detail.iloc[hit]
    if isinstance(detail, pd.Series):
        detail = detail.to_numpy()
    return pd.DataFrame({
        "table": table,
        "source_row": frame.index.to_numpy(dtype="int64")[hit],
        "record_id": frame[id_column].iloc[hit].astype("string").to_numpy() if id_column in frame else pd.NA,
        "check": check,
        "column": column if column is not None else pd.NA,
        "detail": detail,
    })


def _dimension_of(findings: pd.DataFrame) -> pd.Series:
    """The quality dimension of each finding's check (``information`` for cancelled orders)."""
    return findings["check"].map(CHECKS.set_index("check")["dimension"]).astype("string")
