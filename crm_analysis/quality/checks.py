"""Run every check on the data as collected, and re-run timeliness alone."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from crm_analysis.core.checks import require_columns
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.i18n import _
from crm_analysis.quality.customer_checks import _check_city_region, _check_missing, _check_stale, _check_validity
from crm_analysis.quality.duplicates import duplicate_candidates, select_duplicates
from crm_analysis.quality.fields import PHONE_PATTERN, normalised_phones
from crm_analysis.quality.findings import FINDING_COLUMNS, PAIR_COLUMNS, QualityChecks
from crm_analysis.quality.transaction_checks import _check_transactions


def run_checks(data: CRMData, *, as_of: str | pd.Timestamp, stale_after_days: int = 730,
               duplicate_threshold: float = 0.7, min_age: int = 16, max_age: int = 110,
               outlier_iqr: float = 3.0, phone_pattern: str = PHONE_PATTERN) -> QualityChecks:
    """Run every quality check on the data as collected.

    Parameters
    ----------
    data : CRMData
        The loaded tables (``chapter.loaded``), before cleaning.
    as_of : str or Timestamp
        Analysis date: timeliness and future dates are judged against it.
    stale_after_days : int, default 730
        A record not updated for longer than this is stale (需要更新).
    duplicate_threshold : float, default 0.7
        Minimum fuzzy score of a duplicate pair (see :func:`find_duplicate_customers`).
    min_age, max_age : int, default 16 and 110
        Plausible ages: younger than ``min_age`` at signup, older than ``max_age`` at ``as_of``,
        or born after ``as_of`` is invalid.
    outlier_iqr : float, default 3.0
        Width of the outlier fence on log10 |amount|, in inter-quartile ranges.
    phone_pattern : str
        Regular expression a phone normalised by :func:`crm_analysis.data.cleaning.normalize_phone`
        must match (default: Chinese mobile). A filled phone that normalisation rejects is invalid.

    Returns
    -------
    QualityChecks

    Raises
    ------
    CRMDataError
        If the transactions table lacks ``customer_id``, ``order_date`` or ``amount``.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1"], "name": ["Li Na"], "phone": ["12345"]},
    ...                  index=pd.Index([2], name="source_row"))
    >>> run_checks(CRMData(customers=c), as_of="2025-01-01").findings[["check", "column"]].values.tolist()
    [['invalid_phone', 'phone']]
    """
    as_of = pd.Timestamp(as_of).normalize()
    notes: list[str] = []
    found: list[pd.DataFrame] = []
    pairs = pd.DataFrame(columns=PAIR_COLUMNS)
    regions = pd.Series(dtype="string", name="region")
    customers, tx = data.customers, data.transactions
    candidates = None
    if customers is not None:
        # Normalised once: the phone check and the duplicate search both need it.
        phone = normalised_phones(customers["phone"]) if "phone" in customers else None
        found += _check_missing(customers, notes)
        found += _check_validity(customers, as_of, min_age=min_age, max_age=max_age,
                                 phone_pattern=phone_pattern, phone=phone)
        found += _check_stale(customers, as_of, stale_after_days, notes)
        city_found, regions = _check_city_region(customers, notes)
        found += city_found
        if "name" in customers:
            candidates = duplicate_candidates(customers, phone=phone)
            pairs = select_duplicates(candidates, duplicate_threshold)
            found.append(_duplicate_findings(pairs))
        else:
            notes.append(_("customers has no 'name': duplicate customers cannot be found."))
    else:
        notes.append(_("No customers table: completeness of the customer card, validity of phones, "
                       "e-mails and birth dates, duplicate customers, timeliness and city/region "
                       "consistency cannot be checked."))
    if tx is not None:
        source = data.source_files.get("transactions", data.source or "transactions")
        require_columns(tx, ["customer_id", "order_date", "amount"], f"{source}: transactions")
        found += _check_transactions(tx, customers, as_of, outlier_iqr, notes)
    else:
        notes.append(_("No transactions table: order-line checks cannot be run."))
    findings = pd.concat([f for f in found if len(f)] or [pd.DataFrame(columns=FINDING_COLUMNS)],
                         ignore_index=True)[FINDING_COLUMNS]
    findings = findings.astype({"table": "string", "source_row": "int64", "record_id": "string",
                                "check": "string", "column": "string", "detail": "string"})
    params = {"stale_after_days": stale_after_days, "duplicate_threshold": duplicate_threshold,
              "min_age": min_age, "max_age": max_age, "outlier_iqr": outlier_iqr,
              "phone_pattern": phone_pattern}
    return QualityChecks(findings, pairs, regions, notes, as_of, params, candidates)


def _duplicate_findings(pairs: pd.DataFrame) -> pd.DataFrame:
    """One ``duplicate_customer`` finding per later record of a pair (the one to merge away)."""
    dup = pd.DataFrame({"table": "customers", "source_row": pairs["source_row_b"].astype("int64"),
                        "record_id": pairs["customer_id_b"], "check": "duplicate_customer",
                        "column": pd.NA, "detail": "duplicate of " + pairs["customer_id_a"]})
    return dup.drop_duplicates("source_row")


def recheck_staleness(checks: QualityChecks, customers: pd.DataFrame, stale_after_days: int) -> QualityChecks:
    """The same checks with only timeliness re-run under another staleness limit.

    Everything else (the duplicate search above all) is kept, so comparing limits costs one column
    comparison instead of a full :func:`run_checks`.

    Parameters
    ----------
    checks : QualityChecks
        Result of :func:`run_checks` on the data ``customers`` belongs to.
    customers : pandas.DataFrame
        The loaded customers table.
    stale_after_days : int
        The new limit.

    Returns
    -------
    QualityChecks
        A copy whose ``stale_record`` findings and ``params["stale_after_days"]`` follow the new limit.

    Raises
    ------
    CRMDataError
        If ``checks`` has no as-of date.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "updated_at": pd.to_datetime(["2024-06-01", "2022-01-01"])},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> checks = run_checks(CRMData(customers=c), as_of="2025-01-01")
    >>> len(checks.findings), len(recheck_staleness(checks, c, 180).findings)
    (1, 2)
    """
    if checks.as_of is None:
        raise CRMDataError("recheck_staleness needs the as-of date of run_checks (checks.as_of is None)")
    notes: list[str] = []
    kept = checks.findings[checks.findings["check"] != "stale_record"]
    stale = _check_stale(customers, checks.as_of, stale_after_days, notes)
    findings = pd.concat([kept, *[f.astype(kept.dtypes.to_dict()) for f in stale if len(f)]], ignore_index=True)
    return replace(checks, findings=findings, params={**checks.params, "stale_after_days": stale_after_days})
