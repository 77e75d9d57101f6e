"""How well the checks find the defects injected into the teaching data (precision and recall)."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core.checks import require_columns
from crm_analysis.quality.findings import CHECKS, QualityChecks


def defect_detection(checks_result: QualityChecks, truth_defects: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of every check against the defects injected into the teaching data.

    A finding matches an injected defect when table, source_row and defect code agree (for
    ``missing_value`` also the column). ``duplicate_customer`` is scored on the later record of
    each pair (the one to merge away), which is what the truth marks; the row
    ``duplicate_customer_pairs`` scores the pairs themselves (unordered record_id, detail).
    Only checks with a defect code in the truth are scored: the others have nothing to
    compare with.

    Parameters
    ----------
    checks_result : QualityChecks
        Result of :func:`run_checks` on the loaded teaching data.
    truth_defects : pandas.DataFrame
        ``data.truth.defects``: table, record_id, source_row, defect, column, detail.

    Returns
    -------
    pandas.DataFrame
        Columns exactly ``check, precision, recall, support`` (support = injected defects).

    Raises
    ------
    CRMDataError
        If ``truth_defects`` lacks a required column.

    Examples
    --------
    >>> from crm_analysis.core.crmdata import CRMData
    >>> from crm_analysis.quality import run_checks
    >>> truth = pd.DataFrame({"table": ["transactions"] * 2, "record_id": ["O1", "O2"],
    ...                       "source_row": [3, 4], "defect": ["unflagged_negative_amount"] * 2,
    ...                       "column": ["amount"] * 2, "detail": [""] * 2})
    >>> tx = pd.DataFrame({"customer_id": ["C1"] * 3, "amount": [1.0, -2.0, 3.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05"] * 3), "status": "completed"},
    ...                   index=pd.Index([2, 3, 4], name="source_row"))
    >>> defect_detection(run_checks(CRMData(transactions=tx), as_of="2024-03-01"), truth)
                           check  precision  recall  support
    0  unflagged_negative_amount        1.0     0.5        2
    """
    require_columns(truth_defects, ["table", "record_id", "source_row", "defect", "column", "detail"],
                    "truth defects")
    findings = checks_result.findings
    order = [c for c in CHECKS["check"] if c in set(truth_defects["defect"])]
    order += sorted(set(truth_defects["defect"]) - set(order))
    rows = []
    for check in order:
        truth = truth_defects[truth_defects["defect"] == check]
        found = findings[findings["check"] == check]
        keys = ["table", "source_row", "column"] if check == "missing_value" else ["table", "source_row"]
        rows.append((check, *_precision_recall(_keyset(found, keys), _keyset(truth, keys))))
        if check == "duplicate_customer":
            pairs = checks_result.duplicate_pairs
            got = {frozenset(p) for p in zip(pairs["customer_id_a"], pairs["customer_id_b"], strict=True)}
            want = {frozenset(p) for p in zip(truth["record_id"].astype(str), truth["detail"].astype(str),
                                              strict=True)}
            rows.append(("duplicate_customer_pairs", *_precision_recall(got, want)))
    return pd.DataFrame(rows, columns=["check", "precision", "recall", "support"])


def _keyset(frame: pd.DataFrame, keys: list[str]) -> set[tuple]:
    parts = [frame[k].astype("int64") if k == "source_row" else frame[k].astype("string") for k in keys]
    return set(zip(*parts, strict=True))


def _precision_recall(found: set, truth: set) -> tuple[float, float, int]:
    hit = len(found & truth)
    precision = hit / len(found) if found else (1.0 if not truth else 0.0)
    recall = hit / len(truth) if truth else float("nan")
    return round(precision, 4), round(recall, 4), len(truth)
