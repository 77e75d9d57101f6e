"""Every lost customer with a reason and the revenue lost; the segments used to break them down.

Lost customers are those with the churn flag (contractual) or silent for longer than the inactivity
window, plus exit-survey respondents who said they left before their window had passed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crm_analysis.churn.dataset import contract_features
from crm_analysis.churn.labels import _ts, customer_status, is_contractual, label_contractual
from crm_analysis.churn.reasons import infer_reasons, stated_reasons
from crm_analysis.core.arrow_text import isin
from crm_analysis.core.crmdata import CRMData
from crm_analysis.features.abc import abc_tiers
from crm_analysis.features.behaviour import behaviour_features, customer_attributes, transaction_lines
from crm_analysis.models.text import ReasonTextClassifier


def annualised_spend(features: pd.DataFrame, *, window_days: int) -> pd.Series:
    """Annualised spend before churn: revenue lost per year when the customer leaves.

    Spend in the 365 days before the cut-off, scaled to a year when the customer was active for
    less than a year (active period: first purchase to the moment they were declared lost, at
    least one inactivity window). A customer with a single purchase day counts that purchase once:
    one purchase is no evidence of a yearly rate.

    Parameters
    ----------
    features : pandas.DataFrame
        spend_last_year, tenure_days and (optionally) n_purchase_days per customer.
    window_days : int

    Returns
    -------
    pandas.Series
        ``annual_spend``, same index.

    Examples
    --------
    >>> f = pd.DataFrame({"spend_last_year": [100.0, 100.0, 100.0], "tenure_days": [400.0, 180.0, 90.0],
    ...                   "n_purchase_days": [5.0, 2.0, 1.0]})
    >>> annualised_spend(f, window_days=90).round(1).tolist()
    [100.0, 202.8, 100.0]
    """
    # a single purchase is no evidence of a buying rate: it counts once, not scaled up to a year
    floor = (np.where(features["n_purchase_days"] <= 1, 365, window_days) if "n_purchase_days" in features
             else window_days)
    active = features["tenure_days"].clip(lower=floor, upper=365)
    return (features["spend_last_year"] * 365.0 / active).rename("annual_spend")


def customer_segments(data: CRMData, as_of: str | pd.Timestamp, *, clusters: pd.DataFrame | None = None
                      ) -> tuple[pd.Series, str]:
    """A segment per customer for the breakdowns, and where it came from.

    Chapter 2's clusters when given (the ``segments`` hand-off, column ``cluster_name``); the
    contract type for contractual data; otherwise the ABC value tier of
    :func:`crm_analysis.features.abc.abc_tiers` on the net spend before ``as_of`` (A: customers
    making the top 80% of revenue, B: the next 15%, C: the rest).

    Parameters
    ----------
    data : CRMData
    as_of : str or Timestamp
    clusters : pandas.DataFrame, optional
        Chapter 2's hand-off (``crm_analysis.core.handoff.fetch("segments", ...).frame``), indexed by
        customer_id.

    Returns
    -------
    tuple of (pandas.Series, str)
        Segment by customer_id, and its source in words.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B", "C"], "amount": [80.0, 15.0, 5.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> customer_segments(CRMData(transactions=tx), "2024-02-01")[0].to_dict()
    {'A': 'A', 'B': 'B', 'C': 'C'}
    """
    if clusters is not None and "cluster_name" in clusters:
        seg = clusters["cluster_name"].astype("string")
        return seg.set_axis(seg.index.astype(str).rename("customer_id")), "chapter 2 clusters"
    c = data.customers
    if c is not None and "contract" in c and c["contract"].notna().any():
        c = c.drop_duplicates("customer_id")
        return (pd.Series(c["contract"].astype("string").to_numpy(), index=c["customer_id"].astype(str)),
                "contract type")
    if data.transactions is None:
        ids = c["customer_id"].drop_duplicates().astype(str)
        return pd.Series("all customers", index=ids, dtype="string"), "none (no contract type, no purchases)"
    tx = transaction_lines(data.transactions)
    spend = tx.loc[tx["order_date"] < _ts(as_of)].groupby("customer_id")["amount"].sum()
    return abc_tiers(spend), "ABC value tier (A = top 80% of revenue)"


@dataclass
class LostCustomers:
    """Every lost customer with a reason and the revenue lost.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by customer_id: reason_category, source (stated / inferred), rule_reason,
        lost_revenue, lost_by (inactivity / exit survey, non-contractual data), segment,
        acquisition_channel (when known).
    features : pandas.DataFrame
        Their behaviour up to the moment they were declared lost.
    method : str
        How missing reasons were inferred.
    status : pandas.DataFrame, optional
        Every customer's status at the as-of date (:func:`crm_analysis.churn.customer_status`; None for
        contractual data): the one source of the lost and active counts.
    """

    table: pd.DataFrame
    features: pd.DataFrame
    method: str
    status: pd.DataFrame | None = None


def explain_lost(
    data: CRMData,
    as_of: str | pd.Timestamp,
    *,
    window_days: int | None,
    segments: pd.Series | None = None,
    price_rise_date: str | None = None,
    seed: int = 42,
    classifier: ReasonTextClassifier | None = None,
) -> LostCustomers:
    """Who was lost, the reason of each (stated or inferred) and the annual revenue lost.

    Lost customers: the churn flag (contractual) or no purchase for ``window_days`` before
    ``as_of`` (:func:`crm_analysis.churn.lost_customers`), plus any exit-survey respondent who
    bought before (they said they left, even if their window has not passed yet; ``lost_by`` tells
    the two apart). Their behaviour is read up to the moment they were declared lost (last
    purchase + window), so what happened just before they left (a complaint, a return) is included.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B", "B"], "amount": [50.0, 10.0, 10.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-05-01", "2024-06-01"])})
    >>> survey = pd.DataFrame({"customer_id": ["A"], "reason_category": ["price"], "reason_text": ["太贵"]})
    >>> lost = explain_lost(CRMData(transactions=tx, exit_survey=survey), "2024-07-01", window_days=90)
    >>> lost.table[["reason_category", "source", "lost_revenue", "lost_by"]].values.tolist()
    [['price', 'stated', 50.0, 'inactivity']]
    """
    as_of = _ts(as_of)
    stated = stated_reasons(data.exit_survey, classifier)["reason_category"]
    lost_by = status = None
    if is_contractual(data):
        features = contract_features(data.customers)
        churned = label_contractual(data.customers)["churned"].reindex(features.index).fillna(False)
        features = features.loc[churned.to_numpy(dtype=bool)]
        revenue = (features["monthly_charges"] * 12 if "monthly_charges" in features
                   else pd.Series(np.nan, index=features.index))
    else:
        status = customer_status(data.transactions, as_of, window_days=window_days, said_left=stated.index)
        lost_ids = status.index[status["status"].eq("lost").to_numpy(dtype=bool)]
        lost_by = status.loc[lost_ids, "lost_by"]
        cut = status.loc[lost_ids, "lost_at"].clip(upper=as_of)
        features = behaviour_features(data, cut, price_rise_date=price_rise_date, customers=lost_ids)
        revenue = annualised_spend(features, window_days=window_days)
    inference = infer_reasons(features, stated, seed=seed, price_rise_date=price_rise_date)
    table = inference.reasons.assign(lost_revenue=revenue.reindex(inference.reasons.index).astype(float))
    if lost_by is not None:
        table["lost_by"] = lost_by.reindex(table.index)
    if segments is not None:
        table["segment"] = segments.reindex(table.index).astype("string").fillna("unknown")
    if data.customers is not None and "acquisition_channel" in data.customers:
        table["acquisition_channel"] = customer_attributes(data.customers, table.index)["acquisition_channel"]
    return LostCustomers(table, features, inference.method, status)


def churn_reasons_table(lost: LostCustomers) -> pd.DataFrame:
    """``churn_reasons.csv``: reason_category, customers, lost_revenue, source (stated / inferred).

    Lost customers whose reason cannot be inferred appear as reason ``unknown``, source ``none``.

    Examples
    --------
    >>> t = pd.DataFrame({"reason_category": ["price", "price", "service"], "source": ["stated", "inferred",
    ...                   "inferred"], "lost_revenue": [1.0, 2.0, 3.0]})
    >>> churn_reasons_table(LostCustomers(t, pd.DataFrame(), "")).shape
    (3, 4)
    """
    unknown = lost.table["reason_category"].isna()
    # customers whose reason cannot be inferred still cost money: keep them as "unknown"
    t = lost.table.assign(reason_category=lost.table["reason_category"].astype("string").fillna("unknown"),
                          source=lost.table["source"].astype("string").mask(unknown, "none"))
    out = (t.groupby(["reason_category", "source"], observed=True)
           .agg(customers=("reason_category", "size"), lost_revenue=("lost_revenue", "sum")).reset_index())
    out = out.sort_values(["customers", "lost_revenue"], ascending=False, ignore_index=True)
    return out[["reason_category", "customers", "lost_revenue", "source"]]


def churn_scores_table(
    probability: pd.Series, active_codes: pd.DataFrame, lost: LostCustomers, lost_codes: pd.DataFrame
) -> pd.DataFrame:
    """``churn_scores.csv``: one row per customer, active (model probability) or lost (1.0).

    A customer in both (an exit-survey answer within the inactivity window) counts as lost.

    Columns: customer_id, churn_probability, reason_1, reason_2, reason_3, inferred_reason
    (the lost customer's reason category, stated or inferred; blank for active customers),
    reason_source, status.

    Examples
    --------
    >>> codes = pd.DataFrame({"reason_1": ["x"], "reason_2": [None], "reason_3": [None]}, index=["A"])
    >>> lost = LostCustomers(pd.DataFrame({"reason_category": ["price"], "source": ["stated"]}, index=["B"]),
    ...                      pd.DataFrame(), "")
    >>> lost_codes = codes.rename(index={"A": "B"})
    >>> churn_scores_table(pd.Series({"A": 0.3}), codes, lost, lost_codes)["churn_probability"].tolist()
    [0.3, 1.0]
    """
    # a survey answer says the customer left even when the inactivity window has not yet passed
    active_codes = active_codes.loc[~isin(active_codes.index, lost.table.index)]
    active = active_codes.assign(churn_probability=probability.reindex(active_codes.index),
                                 inferred_reason=pd.NA, reason_source=pd.NA, status="active")
    gone = lost_codes.reindex(lost.table.index).assign(
        churn_probability=1.0, inferred_reason=lost.table["reason_category"],
        reason_source=lost.table["source"], status="lost")
    out = pd.concat([active, gone])
    out.index.name = "customer_id"
    cols = ["churn_probability", "reason_1", "reason_2", "reason_3", "inferred_reason", "reason_source", "status"]
    return out[cols].reset_index()
