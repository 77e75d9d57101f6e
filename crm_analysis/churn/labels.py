"""Who counts as lost (流失标记): the inactivity window, churn labels at a cut-off, lost customers.

Contractual data (Telco) carries an explicit ``churned`` flag. Non-contractual data (shops, CDNOW,
Online Retail) has none: a customer counts as lost after an *inactivity window* with no purchase,
a high percentile (default the 90th) of the inter-purchase times, so only a few active customers
pause that long by chance.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from crm_analysis.core.arrow_text import isin
from crm_analysis.core.checks import require_columns
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.i18n import _
from crm_analysis.features.behaviour import transaction_lines

DAY = pd.Timedelta(days=1)


def _ts(value: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def interpurchase_times(transactions: pd.DataFrame) -> pd.Series:
    """Days between a customer's consecutive purchase days (all customers pooled).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (customer_id, order_date, amount).

    Returns
    -------
    pandas.Series
        One value per repeat purchase day, in days (float).

    Raises
    ------
    CRMDataError
        If a required column is missing.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A"], "amount": [1.0, 1.0, 1.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-11", "2024-01-31"])})
    >>> interpurchase_times(tx).tolist()
    [10.0, 20.0]
    """
    tx = transaction_lines(transactions)
    days = tx.loc[~tx["is_return"], ["customer_id", "order_date"]].drop_duplicates()
    days = days.sort_values(["customer_id", "order_date"])
    gaps = days.groupby("customer_id")["order_date"].diff().dt.days.dropna()
    return gaps.astype(float).reset_index(drop=True).rename("gap_days")


@dataclass
class InactivityWindow:
    """The inactivity window after which a customer without a contract counts as lost.

    Attributes
    ----------
    days : int
        Window length in days.
    percentile : float
        Percentile of the inter-purchase times the window was taken from.
    gaps : pandas.Series
        The inter-purchase times (days) it was chosen from.
    chosen_by : str
        ``"percentile"`` or ``"override"``.
    """

    days: int
    percentile: float
    gaps: pd.Series = field(repr=False)
    chosen_by: str = "percentile"

    def describe(self, lang: str | None = None) -> str:
        """One sentence explaining the window, for the report (in the report language)."""
        share = float((self.gaps <= self.days).mean()) if len(self.gaps) else float("nan")
        how = (_("the {percentile:.0%} percentile of {n:,} inter-purchase times", lang).format(
                   percentile=self.percentile, n=len(self.gaps))
               if self.chosen_by == "percentile" else _("set by hand (override)", lang))
        return _("A customer counts as lost after {days} days without a purchase ({how}; "
                 "{share:.0%} of observed repeat purchases came sooner).", lang).format(
                     days=self.days, how=how, share=share)


def choose_inactivity_window(
    transactions: pd.DataFrame,
    *,
    percentile: float = 0.9,
    override_days: int | None = None,
    min_days: int = 30,
) -> InactivityWindow:
    """Choose the inactivity window from the inter-purchase-time distribution.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    percentile : float, default 0.9
        A high percentile: only this share of repeat purchases come later than the window, so
        few active customers are mislabelled as lost.
    override_days : int, optional
        Use this window instead (the distribution is still returned for the plot).
    min_days : int, default 30
        Lower bound, so very frequent buyers do not produce a uselessly short window.

    Returns
    -------
    InactivityWindow

    Raises
    ------
    CRMDataError
        If no customer bought twice and no override is given.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("AAABB"), "amount": [1.0] * 5,
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-04-10", "2024-01-01", "2024-03-01"])})
    >>> choose_inactivity_window(tx, percentile=0.5).days
    60
    >>> choose_inactivity_window(tx, override_days=120).chosen_by
    'override'
    """
    if not 0 < percentile < 1:
        raise ValueError(f"percentile must be between 0 and 1, not {percentile}")
    gaps = interpurchase_times(transactions)
    if override_days is not None:
        return InactivityWindow(int(override_days), percentile, gaps, "override")
    if gaps.empty:
        raise CRMDataError("transactions: no customer bought twice, so no inactivity window can be "
                           "chosen from inter-purchase times; pass override_days")
    days = max(int(np.ceil(np.quantile(gaps, percentile))), min_days)
    return InactivityWindow(days, percentile, gaps, "percentile")


def is_contractual(data: CRMData) -> bool:
    """True when the customers table carries an explicit churn flag (contractual data).

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A"], "churned": pd.array([True], dtype="boolean")})
    >>> is_contractual(CRMData(customers=c))
    True
    """
    c = data.customers
    return c is not None and "churned" in c and bool(c["churned"].notna().any())


def label_contractual(customers: pd.DataFrame) -> pd.DataFrame:
    """Churn labels from an explicit flag (contractual data such as Telco).

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers with ``customer_id`` and ``churned``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id, one bool column ``churned``; rows with no flag are dropped.

    Raises
    ------
    CRMDataError
        If the ``churned`` column is missing.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B", "C"],
    ...                   "churned": pd.array([True, False, None], dtype="boolean")})
    >>> label_contractual(c)["churned"].tolist()
    [True, False]
    """
    customers = require_columns(customers, ["customer_id", "churned"], "table customers")
    known = customers["churned"].notna().to_numpy()
    out = pd.DataFrame(
        {"churned": customers.loc[known, "churned"].astype(bool).to_numpy()},
        index=pd.Index(customers.loc[known, "customer_id"].astype(str).to_numpy(), name="customer_id"),
    )
    return out[~out.index.duplicated()]


def label_inactivity(
    transactions: pd.DataFrame, cut_off: str | pd.Timestamp, *, window_days: int
) -> pd.DataFrame:
    """Churn labels at a cut-off for non-contractual data.

    The population is the customers *active at the cut-off*: at least one purchase in the
    ``window_days`` before it (customers silent longer were already lost). A customer is
    labelled churned when they make no purchase in ``[cut_off, cut_off + window_days)``.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    cut_off : str or Timestamp
        The cut-off date.
    window_days : int
        Inactivity window in days.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``last_purchase`` (before the cut-off) and ``churned``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B", "C"], "amount": [1.0] * 4,
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-15", "2024-01-20", "2023-01-01"])})
    >>> label_inactivity(tx, "2024-02-01", window_days=45)["churned"].to_dict()
    {'A': False, 'B': True}
    """
    cut = _ts(cut_off)
    tx = transaction_lines(transactions)
    buys = tx.loc[~tx["is_return"]]
    before = buys.loc[buys["order_date"] < cut].groupby("customer_id")["order_date"].max()
    active = before[before >= cut - window_days * DAY]
    after = buys.loc[(buys["order_date"] >= cut) & (buys["order_date"] < cut + window_days * DAY)]
    returned = isin(active.index, after["customer_id"].unique())
    out = pd.DataFrame({"last_purchase": active, "churned": ~returned})
    out.index.name = "customer_id"
    return out


def lost_customers(
    transactions: pd.DataFrame, as_of: str | pd.Timestamp, *, window_days: int
) -> pd.DataFrame:
    """Customers lost by inactivity at ``as_of``: last purchase at least ``window_days`` before it.

    This is the inactivity definition alone. The chapter's list of lost customers
    (:func:`crm_analysis.churn.explain_lost`) adds the exit-survey respondents who said they left
    before their window had passed.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    as_of : str or Timestamp
    window_days : int

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``first_purchase``, ``last_purchase``, ``lost`` (bool) for every
        customer with a purchase before ``as_of``, and ``lost_at`` (last purchase + window).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B"], "amount": [1.0, 1.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-06-01"])})
    >>> lost_customers(tx, "2024-07-01", window_days=90)["lost"].to_dict()
    {'A': True, 'B': False}
    """
    as_of = _ts(as_of)
    tx = transaction_lines(transactions)
    buys = tx.loc[~tx["is_return"] & (tx["order_date"] < as_of)]
    dates = buys.groupby("customer_id")["order_date"].agg(first_purchase="min", last_purchase="max")
    dates["lost"] = dates["last_purchase"] <= as_of - window_days * DAY
    dates["lost_at"] = dates["last_purchase"] + window_days * DAY
    dates.index.name = "customer_id"
    return dates


def customer_status(
    transactions: pd.DataFrame, as_of: str | pd.Timestamp, *, window_days: int,
    said_left: pd.Index | None = None,
) -> pd.DataFrame:
    """The one definition of lost and active customers at ``as_of`` (non-contractual data).

    A customer with a purchase before ``as_of`` is **lost** when silent for at least ``window_days``
    (:func:`lost_customers`) or when they said in the exit survey that they left (``said_left``), even
    before their window has passed; every other customer is **active**. Chapter 3's list of lost
    customers, its churn scores, chapter 4's comparison and the run's key figures all count from it.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (lines read by the one rule of :mod:`crm_analysis.features.lines`).
    as_of : str or Timestamp
        Analysis date.
    window_days : int
        Inactivity window in days.
    said_left : pandas.Index, optional
        Customer ids with an exit-survey answer.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id, every customer with a purchase before ``as_of``: the columns of
        :func:`lost_customers`, ``status`` (``"lost"`` or ``"active"``) and ``lost_by``
        (``"inactivity"``, ``"exit survey"`` or missing for active customers).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B", "C"], "amount": [1.0, 1.0, 1.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-06-01", "2024-06-02"])})
    >>> customer_status(tx, "2024-07-01", window_days=90, said_left=pd.Index(["B"]))[["status", "lost_by"]]
    ...                                                   # doctest: +NORMALIZE_WHITESPACE
                status      lost_by
    customer_id
    A             lost   inactivity
    B             lost  exit survey
    C           active         <NA>
    """
    status = lost_customers(transactions, as_of, window_days=window_days)
    silent = status["lost"].to_numpy(dtype=bool)
    said = isin(status.index, said_left) if said_left is not None else np.zeros(len(status), dtype=bool)
    status["status"] = pd.array(np.where(silent | said, "lost", "active"), dtype="string")
    status["lost_by"] = pd.array(np.where(silent, "inactivity", np.where(said, "exit survey", None)), dtype="string")
    return status


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    """Customers, active, lost, and lost by inactivity / by the exit survey, from :func:`customer_status`.

    Examples
    --------
    >>> status_counts(pd.DataFrame({"status": ["lost", "lost", "active"],
    ...                             "lost_by": ["inactivity", "exit survey", None]}))
    {'customers': 3, 'active': 1, 'lost': 2, 'lost_by_inactivity': 1, 'lost_by_survey': 1}
    """
    by = status["lost_by"].astype("string")
    return {"customers": len(status), "active": int(status["status"].eq("active").sum()),
            "lost": int(status["status"].eq("lost").sum()), "lost_by_inactivity": int(by.eq("inactivity").sum()),
            "lost_by_survey": int(by.eq("exit survey").sum())}
