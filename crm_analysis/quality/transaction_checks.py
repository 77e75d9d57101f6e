"""Checks of the order lines: missing and orphan customer ids, duplicate lines, amounts and dates."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.arrow_text import isin
from crm_analysis.core.i18n import _
from crm_analysis.quality.fields import _blank
from crm_analysis.quality.findings import _finding, _finding_at


def _check_transactions(tx: pd.DataFrame, customers: pd.DataFrame | None, as_of: pd.Timestamp,
                        outlier_iqr: float, notes: list[str]) -> list[pd.DataFrame]:
    found = []
    kw = {"table": "transactions", "id_column": "order_id" if "order_id" in tx else "customer_id"}
    cid = tx["customer_id"].astype("string")
    blank = _blank(cid)
    found.append(_finding(tx, blank, check="missing_customer_id", column="customer_id",
                          detail="customer id is empty", **kw))
    if customers is not None and "customer_id" in customers:
        bad = ~blank & ~pd.Series(isin(cid, customers["customer_id"]), index=cid.index)
        found.append(_finding(tx, bad, check="orphan_transaction", column="customer_id",
                              detail="customer id not in the customers table", **kw))
    else:
        notes.append(_("No customers table: orphan transactions (order lines of unknown customers) "
                       "cannot be checked."))
    found.append(_duplicate_lines(tx, kw))
    if "status" in tx:
        status = tx["status"].astype("string").str.strip().fillna("")  # missing: neither completed nor cancelled
        neg = (tx["amount"] < 0) & (status == "completed")
        found.append(_finding(tx, neg, check="unflagged_negative_amount", column="amount",
                              detail="negative amount with status completed", **kw))
        found.append(_finding(tx, status == "cancelled", check="cancelled_order", column="status",
                              detail="cancelled", **kw))
    else:
        notes.append(_("Transactions have no 'status': negative amounts cannot be told from returns."))
    bad_date = tx["order_date"].isna() | (tx["order_date"] > as_of)
    found.append(_finding(tx, bad_date, check="invalid_order_date", column="order_date",
                          detail="order date missing or after the as-of date", **kw))
    found.append(_amount_outliers(tx, outlier_iqr, kw))
    return found


def _row_hash(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """A 64-bit hash of each row over ``columns``, column by column (no copy of the frame)."""
    out = np.zeros(len(frame), dtype=np.uint64)
    for column in columns:
        h = pd.util.hash_pandas_object(frame[column], index=False).to_numpy()
        out = out * np.uint64(1_000_003) ^ h  # wraps modulo 2**64, as hashes do
    return out


def _is_unique(values: pd.Series, probe: int = 100_000) -> bool:
    """``values.is_unique``, answered from the first rows when they already repeat (real order keys do)."""
    return values.iloc[:probe].is_unique and values.is_unique


def _duplicate_lines(tx: pd.DataFrame, kw: dict) -> pd.DataFrame:
    """Lines identical in every column; a generated per-row ``order_id`` is ignored."""
    others = [c for c in tx.columns if c != "order_id"]
    # Identical lines have identical numbers and dates, which hash fast: only lines sharing those
    # (a few percent) have their text columns hashed too.
    numeric = [c for c in others if not (pd.api.types.is_string_dtype(tx[c]) or tx[c].dtype == object)]
    if numeric:
        pre = pd.Series(_row_hash(tx, numeric))
        maybe = np.flatnonzero(pre.duplicated(keep=False).to_numpy())
    else:
        maybe = np.arange(len(tx))
    hashed = pd.Series(_row_hash(tx.iloc[maybe], others))
    if "order_id" in tx:
        with_id = pd.Series(_row_hash(tx.iloc[maybe], [*others, "order_id"]))
        # The order id matters only if it splits lines that agree on everything else; then the
        # (costly) question whether it is a generated per-row key decides.
        splits = with_id.nunique() > hashed.nunique()
        if splits and not _is_unique(tx["order_id"]):
            hashed = with_id
    dup = hashed.duplicated(keep="first").to_numpy()
    rows = tx.index.to_numpy(dtype="int64")[maybe]
    first_row = pd.Series(rows).groupby(hashed.to_numpy()).transform("first").to_numpy()
    detail = "same as row " + pd.Series(first_row[dup], dtype="int64").astype("string")
    return _finding_at(tx, maybe[dup], check="duplicate_order_line", column=None, detail=detail.to_numpy(),
                       **kw)


def _amount_outliers(tx: pd.DataFrame, outlier_iqr: float, kw: dict) -> pd.DataFrame:
    """Tukey's far-out fence on log10 |amount| (amounts are right-skewed, so use the log)."""
    size = np.log10(tx["amount"].abs().astype("float64").where(lambda s: s > 0))
    q1, q3 = size.quantile([0.25, 0.75])
    upper = q3 + outlier_iqr * (q3 - q1)
    detail = f"|amount| above {10 ** upper:,.2f}"
    return _finding(tx, size > upper, check="amount_outlier", column="amount", detail=detail, **kw)
