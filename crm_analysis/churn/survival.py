"""Survival view (生存分析) of chapter 3: duration and churn event per customer.

The estimators (Kaplan–Meier, Cox) live in :mod:`crm_analysis.models.survival`.
"""

from __future__ import annotations

import pandas as pd

from crm_analysis.churn.labels import _ts, is_contractual, lost_customers
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.features.behaviour import customer_attributes

DAYS_PER_MONTH = 30.4375


def survival_frame(data: CRMData, as_of: str | pd.Timestamp, *, window_days: int | None) -> pd.DataFrame:
    """Duration (months) and churn event per customer, for Kaplan–Meier and Cox.

    Contractual data: tenure in months and the churn flag. Non-contractual: months from first
    purchase to the last one for customers lost by inactivity (event), or to ``as_of`` (censored).

    Parameters
    ----------
    data : CRMData
    as_of : str or Timestamp
    window_days : int or None
        Inactivity window; required for non-contractual data.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: duration, event, and the customer attributes (type, channel,
        contract) when known.

    Raises
    ------
    CRMDataError
        Contractual data without tenure, or non-contractual data without a window.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [1.0, 1.0, 1.0],
    ...     "order_date": pd.to_datetime(["2023-01-01", "2023-03-02", "2024-01-01"])})
    >>> s = survival_frame(CRMData(transactions=tx), "2024-03-01", window_days=90)
    >>> s["event"].tolist()
    [True, False]
    """
    cust = data.customers
    if is_contractual(data) and not ("tenure_months" in cust and cust["tenure_months"].notna().any()):
        raise CRMDataError("customers: contractual data without tenure_months; no duration for survival curves")
    if is_contractual(data):
        frame = pd.DataFrame({"duration": cust["tenure_months"].astype(float).to_numpy(),
                              "event": cust["churned"].astype("boolean").fillna(False).to_numpy(dtype=bool)},
                             index=pd.Index(cust["customer_id"].astype(str), name="customer_id"))
    else:
        if window_days is None:
            raise CRMDataError("no churn flag and no inactivity window: survival cannot be measured")
        lost = lost_customers(data.transactions, as_of, window_days=window_days)
        end = lost["last_purchase"].where(lost["lost"], _ts(as_of))
        frame = pd.DataFrame({"duration": (end - lost["first_purchase"]).dt.days / DAYS_PER_MONTH
                              + 1 / DAYS_PER_MONTH,
                              "event": lost["lost"].to_numpy(dtype=bool)}, index=lost.index)
    frame = frame.loc[frame["duration"].notna() & (frame["duration"] >= 0)]
    if cust is not None:
        frame = frame.join(customer_attributes(cust, frame.index).drop(columns=["region"], errors="ignore"))
        if "contract" in cust and cust["contract"].notna().any():
            contract = cust.drop_duplicates("customer_id").set_index("customer_id")["contract"]
            frame["contract"] = contract.reindex(frame.index)
    return frame[~frame.index.duplicated()]
