"""Summaries of the findings: per record, field, channel (customer source), signup month and check."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.quality.fields import FIELD_WEIGHTS, _applies, _blank, _collected
from crm_analysis.quality.findings import CHECKS, DIMENSIONS, QualityChecks, _dimension_of


def record_scores(customers: pd.DataFrame, checks: QualityChecks) -> pd.DataFrame:
    """Quality of each customer record on the five dimensions, and their mean.

    ``completeness`` is the weighted share of the card's fields that are filled (fields that do
    not apply, e.g. industry for a person, are left out); each other dimension is 1 when no check
    of that dimension flagged the record, else 0. ``quality_score`` is the mean of the five.

    Parameters
    ----------
    customers : pandas.DataFrame
        The loaded customers table.
    checks : QualityChecks
        Result of :func:`run_checks` on the same data.

    Returns
    -------
    pandas.DataFrame
        Indexed by source_row: customer_id, acquisition_channel, signup_month, the five
        dimensions and quality_score.

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["Li Na", None]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> record_scores(c, run_checks(CRMData(customers=c), as_of="2025-01-01"))["completeness"].tolist()
    [1.0, 0.5]
    """
    weights = FIELD_WEIGHTS.set_index("field")["weight"]
    present = [f for f in weights.index if f in customers]
    filled = pd.DataFrame({f: ~_blank(customers[f]) for f in present})
    applies = pd.DataFrame({f: _applies(customers, f) for f in present})
    w = weights[present]
    completeness = (filled & applies).astype(float).mul(w).sum(axis=1) / applies.astype(float).mul(w).sum(axis=1)
    out = pd.DataFrame(index=customers.index)
    out["customer_id"] = customers["customer_id"].astype("string") if "customer_id" in customers else pd.NA
    channel = customers["acquisition_channel"] if "acquisition_channel" in customers else None
    out["acquisition_channel"] = (channel.astype("string").fillna("(missing)") if channel is not None
                                  else "(not recorded)")
    signup = customers["signup_date"] if "signup_date" in customers else pd.Series(pd.NaT, index=out.index)
    out["signup_month"] = pd.to_datetime(signup).dt.to_period("M").dt.to_timestamp()
    out["completeness"] = completeness
    mine = checks.findings[checks.findings["table"] == "customers"]
    dims = _dimension_of(mine)
    for dim in DIMENSIONS[1:]:
        flagged = mine.loc[dims == dim, "source_row"].unique()
        out[dim] = (~out.index.isin(flagged)).astype(float)
    out["quality_score"] = out[list(DIMENSIONS)].mean(axis=1)
    return out


def _field_validity(customers: pd.DataFrame, checks: QualityChecks) -> pd.DataFrame:
    """Boolean frame: True where a field was flagged by a validity or consistency check."""
    mine = checks.findings[(checks.findings["table"] == "customers") & checks.findings["column"].notna()]
    mine = mine[_dimension_of(mine).isin(["validity", "consistency"])]
    bad = pd.DataFrame(False, index=customers.index, columns=customers.columns)
    for column, rows in mine.groupby("column")["source_row"]:
        if column in bad:
            bad[column] = bad.index.isin(rows.unique())
    return bad


def field_scorecard(data: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """Per field of the customer card: importance, completeness and validity.

    Parameters
    ----------
    data : CRMData
        The loaded tables.
    checks : QualityChecks
        Result of :func:`run_checks`.

    Returns
    -------
    pandas.DataFrame
        table, field, tier, weight, records, completeness (share filled where the field applies),
        validity (share of filled values that pass the checks; NaN where no rule exists),
        collected (False when the source has no such column). Transactions fields follow.

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "phone": ["13812345678", "1"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> card = field_scorecard(CRMData(customers=c), run_checks(CRMData(customers=c), as_of="2025-01-01"))
    >>> card.set_index("field").loc["phone", ["completeness", "validity"]].tolist()
    [1.0, 0.5]
    """
    rows = []
    ruled = {"phone", "email", "birth_date", "gender", "customer_type", "acquisition_channel",
             "signup_date", "updated_at", "region"}
    if data.customers is not None:
        customers = data.customers
        bad = _field_validity(customers, checks)
        for f in FIELD_WEIGHTS.itertuples():
            applies = _applies(customers, f.field)
            if not _collected(customers, f.field):
                rows.append(("customers", f.field, f.tier, f.weight, int(applies.sum()), 0.0, np.nan, False))
                continue
            filled = ~_blank(customers[f.field]) & applies
            completeness = filled.sum() / max(applies.sum(), 1)
            validity = (1 - bad.loc[filled, f.field].mean()) if f.field in ruled and filled.any() else np.nan
            rows.append(("customers", f.field, f.tier, f.weight, int(applies.sum()), completeness, validity, True))
    if data.transactions is not None:
        tx = data.transactions
        tx_bad = {"customer_id": {"missing_customer_id", "orphan_transaction"},
                  "order_date": {"invalid_order_date"},
                  "amount": {"amount_outlier", "unflagged_negative_amount"}}
        tx_found = checks.findings[checks.findings["table"] == "transactions"]
        for column in tx.columns:
            filled = ~_blank(tx[column])
            validity = np.nan
            if column in tx_bad:
                flagged = tx.index.isin(tx_found.loc[tx_found["check"].isin(tx_bad[column]), "source_row"])
                validity = 1 - (flagged & filled.to_numpy()).sum() / max(filled.sum(), 1)
            rows.append(("transactions", column, "", np.nan, len(tx), filled.mean() if len(tx) else np.nan,
                         validity, True))
    return pd.DataFrame(rows, columns=["table", "field", "tier", "weight", "records", "completeness",
                                       "validity", "collected"])


def field_channel_matrix(customers: pd.DataFrame, checks: QualityChecks) -> pd.DataFrame:
    """Share of records whose field is filled **and** valid, per field (rows) and channel (columns).

    Fields are ordered by importance; this is the table behind :func:`plot_field_channel_heatmap`.

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "phone": ["13812345678", None],
    ...                   "acquisition_channel": ["web_form", "referral"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> m = field_channel_matrix(c, run_checks(CRMData(customers=c), as_of="2025-01-01"))
    >>> m.loc["phone"].to_dict()
    {'referral': 0.0, 'web_form': 1.0}
    """
    bad = _field_validity(customers, checks)
    fields_ = [f for f in FIELD_WEIGHTS["field"] if f in customers]
    good = pd.DataFrame({f: (~_blank(customers[f]) & ~bad[f]).where(_applies(customers, f)) for f in fields_},
                        dtype="float64")
    channel = (customers["acquisition_channel"].astype("string").fillna("(missing)")
               if "acquisition_channel" in customers else pd.Series("(not recorded)", index=customers.index))
    matrix = good.groupby(channel.to_numpy()).mean().T
    matrix.index.name = "field"
    matrix.columns.name = "acquisition_channel"
    return matrix


def channel_scorecard(scores: pd.DataFrame) -> pd.DataFrame:
    """Mean quality per acquisition channel (from :func:`record_scores`), worst channel first.

    Examples
    --------
    >>> s = pd.DataFrame({"acquisition_channel": ["a", "a", "b"], "completeness": [1, .5, 1],
    ...                   "validity": 1.0, "uniqueness": 1.0, "timeliness": 1.0, "consistency": 1.0,
    ...                   "quality_score": [1, .9, 1]})
    >>> channel_scorecard(s)["customers"].tolist()
    [2, 1]
    """
    grouped = scores.groupby("acquisition_channel")
    out = grouped[[*DIMENSIONS, "quality_score"]].mean()
    out.insert(0, "customers", grouped.size())
    return out.sort_values("quality_score").round(3)


def quality_by_month(data: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """Quality per month: by signup month of customer records, or by order month without customers.

    Returns
    -------
    pandas.DataFrame
        Indexed by month: records, then the dimensions and quality_score (customers), or
        share_clean (share of order lines without any finding) for transactions-only data.

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> tx = pd.DataFrame({"customer_id": ["C1", None], "amount": [1.0, 2.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05", "2024-02-05"])},
    ...                   index=pd.Index([2, 3], name="source_row"))
    >>> quality_by_month(CRMData(transactions=tx), run_checks(CRMData(transactions=tx), as_of="2024-03-01"))
                records  share_clean
    month
    2024-01-01        1          1.0
    2024-02-01        1          0.0
    """
    if data.customers is not None and "signup_date" in data.customers:
        scores = record_scores(data.customers, checks)
        grouped = scores.groupby("signup_month")
        out = grouped[[*DIMENSIONS, "quality_score"]].mean()
        out.insert(0, "records", grouped.size())
        out.index.name = "month"
        return out
    tx = data.transactions
    if tx is None:
        return pd.DataFrame(columns=["records", "share_clean"])
    found = checks.findings[(checks.findings["table"] == "transactions")
                            & (_dimension_of(checks.findings) != "information")]
    clean = ~tx.index.isin(found["source_row"].unique())
    month = tx["order_date"].dt.to_period("M").dt.to_timestamp()
    out = pd.DataFrame({"records": 1, "share_clean": clean.astype(float)}, index=tx.index)
    out = out.groupby(month.to_numpy()).agg(records=("records", "sum"), share_clean=("share_clean", "mean"))
    out.index.name = "month"
    return out


def check_summary(data: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """How many records each check flagged, and the share of the table.

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> tx = pd.DataFrame({"customer_id": ["C1", None], "amount": [1.0, 2.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05"] * 2)},
    ...                   index=pd.Index([2, 3], name="source_row"))
    >>> s = check_summary(CRMData(transactions=tx), run_checks(CRMData(transactions=tx), as_of="2024-03-01"))
    >>> s.set_index("check").loc["missing_customer_id", "share_flagged"]
    np.float64(0.5)
    """
    sizes = {name: len(t) for name, t in data.tables().items()}
    flagged = checks.findings.groupby("check")["source_row"].nunique()
    out = CHECKS[CHECKS["table"].isin(sizes)].copy()
    out["records_checked"] = out["table"].map(sizes)
    out["records_flagged"] = out["check"].map(flagged).fillna(0).astype(int)
    out["share_flagged"] = (out["records_flagged"] / out["records_checked"].clip(lower=1)).round(4)
    return out.reset_index(drop=True)


def source_quality(loaded: CRMData, clean: CRMData, checks: QualityChecks) -> pd.DataFrame:
    """Customer-source quality (客户源的质量): per channel, data quality and customer value.

    Parameters
    ----------
    loaded : CRMData
        Tables as collected (for the quality scores).
    clean : CRMData
        Cleaned tables (for purchases: duplicates and broken lines removed by cleaning).
    checks : QualityChecks
        Result of :func:`run_checks` on ``loaded``.

    Returns
    -------
    pandas.DataFrame
        Indexed by acquisition_channel: customers, quality_score, buyer_share (at least one clean
        order line), repeat_share (order lines on two or more different days), revenue_per_customer
        (net revenue of the clean transactions divided by all customers of the channel), revenue.
        Every clean line counts here, returned and cancelled ones too (``n_order_days``); this is
        not the ``n_purchase_days`` of :mod:`crm_analysis.features`, which leaves returns out.
        Sorted by revenue per customer, best first.

    Raises
    ------
    CRMDataError
        If there is no customers table (channels are a property of customers).

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> c = pd.DataFrame({"customer_id": ["C1", "C2"], "acquisition_channel": ["web_form", "referral"]},
    ...                  index=pd.Index([2, 3], name="source_row"))
    >>> tx = pd.DataFrame({"customer_id": ["C1", "C1"], "amount": [10.0, 5.0],
    ...                    "order_date": pd.to_datetime(["2024-01-05", "2024-02-05"])},
    ...                   index=pd.Index([2, 3], name="source_row"))
    >>> d = CRMData(customers=c, transactions=tx)
    >>> source_quality(d, d, run_checks(d, as_of="2024-03-01"))[["customers", "repeat_share"]]
                         customers  repeat_share
    acquisition_channel
    web_form                     1           1.0
    referral                     1           0.0
    """
    if loaded.customers is None:
        raise CRMDataError(f"{loaded.source or 'this source'}: no customers table, so customer sources "
                           "(acquisition channels) cannot be compared")
    scores = record_scores(loaded.customers, checks)
    per_customer = scores.drop_duplicates("customer_id").set_index("customer_id")
    channel = per_customer["acquisition_channel"]
    tx = clean.transactions if clean.transactions is not None else loaded.transactions
    value = _value_per_customer(tx) if tx is not None and len(tx) else pd.DataFrame({"revenue": [], "n_order_days": []})
    value = value.reindex(channel.index)
    frame = pd.DataFrame({"channel": channel, "revenue": value["revenue"].astype("float64").fillna(0.0),
                          "n_order_days": value["n_order_days"].astype("float64").fillna(0)})
    grouped = frame.groupby("channel")
    out = pd.DataFrame({
        "customers": grouped.size(),
        "quality_score": scores.groupby("acquisition_channel")["quality_score"].mean(),
        "buyer_share": (frame["n_order_days"] >= 1).groupby(frame["channel"]).mean(),
        "repeat_share": (frame["n_order_days"] >= 2).groupby(frame["channel"]).mean(),
        "revenue_per_customer": grouped["revenue"].mean(),
        "revenue": grouped["revenue"].sum(),
    })
    out.index.name = "acquisition_channel"
    return out.sort_values("revenue_per_customer", ascending=False).round(3)


def _value_per_customer(tx: pd.DataFrame) -> pd.DataFrame:
    """Net revenue and ``n_order_days`` (distinct days with any order line) per customer id, on integer
    codes (no string group-bys)."""
    codes, ids = pd.factorize(tx["customer_id"].astype("string"))
    have = codes >= 0
    codes = codes[have].astype(np.int64)
    day = pd.factorize(tx["order_date"].to_numpy(dtype="datetime64[ns]")[have].astype("datetime64[D]"))[0]
    day[day < 0] = day.max(initial=-1) + 1  # a missing date counts as one day of its own
    span = int(day.max(initial=0)) + 1
    visits = pd.unique(codes * span + day)  # one per (customer, day)
    amount = tx["amount"].astype("float64").fillna(0.0).to_numpy()[have]
    return pd.DataFrame({
        "revenue": np.bincount(codes, weights=amount, minlength=len(ids)),
        "n_order_days": np.bincount(visits // span, minlength=len(ids)),
    }, index=pd.Index(ids, dtype="string"))
