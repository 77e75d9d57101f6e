"""Churn-reason analysis (客户流失原因分析): who was lost, why, what it cost, how spend changed.

The chapter answers the course's request to "analyse every lost customer's reason, and the
reasons for changes in customers' purchase amounts" with six pieces:

1. **Labelling** (流失标记). Contractual data (Telco) carries an explicit ``churned`` flag.
   Non-contractual data (shops, CDNOW, Online Retail) has none: a customer counts as lost after
   an *inactivity window* with no purchase. The window is a high percentile (default the 90th)
   of the inter-purchase times, so only a few active customers pause that long by chance; it
   can be overridden. Model labels are built at a cut-off date: features use events strictly
   before it, the outcome (a purchase within the window after it, or not) only events after it.
2. **Stated reasons** (陈述原因). Exit-survey categories, with free text mapped to categories by
   :class:`ReasonTextClassifier` (bilingual keyword rules, then a TF-IDF character n-gram
   nearest-category model), a Pareto of reasons with the revenue lost (annualised spend before
   churn).
3. **Behavioural drivers** (行为驱动因素). A logistic-regression baseline and gradient boosting,
   trained at one cut-off and tested at a later one (a time-based split), with ROC-AUC, PR-AUC,
   calibration, lift / gains, permutation importance, and per-customer reason codes in words.
4. **A reason for every lost customer**. Customers who did not answer the survey get a category
   inferred from their behaviour by a model trained on those who did (rules when too few did).
5. **Survival** (生存分析). Kaplan–Meier curves and Cox hazard ratios with statsmodels (lifelines
   pins pandas < 3, which this project cannot use).
6. **Revenue bridge** (采购额变化). Revenue of two periods split into new, reactivated,
   expansion, contraction and lost; computed in integer cents so the parts add up exactly.

Examples
--------
>>> import pandas as pd
>>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"],
...                    "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-10"]),
...                    "amount": [10.0, 20.0, 5.0]})
>>> label_inactivity(tx, "2024-02-01", window_days=60)["churned"].to_dict()
{'A': False, 'B': True}
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from crm_analysis.core.arrow_text import isin
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.schema import REASON_CATEGORIES

DAY = pd.Timedelta(days=1)
BRIDGE_COMPONENTS = ("new", "reactivated", "expansion", "contraction", "lost")

# Columns never used as model features: identifiers, personal data, and anything that restates
# the outcome (Telco's churn score, status and CLTV are computed by IBM with knowledge of churn).
_NOT_FEATURES = re.compile(
    r"(customer_id|^name$|phone|email|birth|updated_at|signup_date|churn|status|cltv|reason|"
    r"lat|long|zip|^count$|quarter|^city$)",
    re.IGNORECASE,
)


def _single_thread(func):
    """Run ``func`` with one OpenMP / BLAS thread.

    The models here are small; with several notebooks running at once on a small machine,
    OpenMP's thread spinning in gradient boosting costs far more (measured: 8x slower) than the
    parallelism gains.
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=1):
            return func(*args, **kwargs)

    return wrapper


# --------------------------------------------------------------------------- validation helpers
def _require(frame: pd.DataFrame | None, columns: Sequence[str], table: str) -> pd.DataFrame:
    """Return ``frame`` or raise a CRMDataError naming the table and the missing columns."""
    if frame is None:
        raise CRMDataError(f"the {table} table is needed here but the data source has none")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CRMDataError(
            f"table {table}: missing column(s) {', '.join(missing)}; columns present: "
            f"{', '.join(map(str, frame.columns))}"
        )
    return frame


def _ts(value: str | pd.Timestamp) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _bool(series: pd.Series) -> np.ndarray:
    """A nullable boolean-ish column as a plain numpy bool array (missing counts as False)."""
    return series.astype("boolean").fillna(False).to_numpy(dtype=bool)


def _prepared_transactions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchases and returns with the columns every function here relies on.

    Cancelled lines are dropped (no money changed hands). A line is a return when its status
    says so or its amount is negative.
    """
    tx = _require(transactions, ["customer_id", "order_date", "amount"], "transactions")
    bad = tx["order_date"].isna() | tx["amount"].isna() | tx["customer_id"].isna()
    status = tx["status"].astype("string") if "status" in tx else pd.Series("completed", index=tx.index)
    keep = ~bad.to_numpy() & ~status.eq("cancelled").fillna(False).to_numpy(dtype=bool)
    tx = tx.loc[keep]
    status = status.loc[keep]
    amount = tx["amount"].astype(float).to_numpy()
    # Text columns stay Arrow-backed (``.array``): a round trip through numpy objects costs more
    # than everything else here on millions of lines.
    out = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].astype(str).array,
            "order_date": pd.to_datetime(tx["order_date"]).dt.normalize().to_numpy(),
            "amount": amount,
            "is_return": status.eq("returned").fillna(False).to_numpy(dtype=bool) | (amount < 0),
        }
    )
    out["order_key"] = tx["order_id"].astype(str).array if "order_id" in tx else (
        out["customer_id"] + "|" + out["order_date"].dt.strftime("%Y-%m-%d")
    )
    out["quantity"] = tx["quantity"].astype(float).to_numpy() if "quantity" in tx else np.nan
    out["product_category"] = (
        tx["product_category"].astype("string").fillna("unknown").array
        if "product_category" in tx else "all"
    )
    return out


# --------------------------------------------------------------------------- 1. labelling
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
    tx = _prepared_transactions(transactions)
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

    def describe(self) -> str:
        """One sentence explaining the window, for the report."""
        share = float((self.gaps <= self.days).mean()) if len(self.gaps) else float("nan")
        how = (f"the {self.percentile:.0%} percentile of {len(self.gaps):,} inter-purchase times"
               if self.chosen_by == "percentile" else "set by hand (override)")
        return (f"A customer counts as lost after {self.days} days without a purchase ({how}; "
                f"{share:.0%} of observed repeat purchases came sooner).")


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


def plot_interpurchase_times(window: InactivityWindow) -> Figure:
    """Histogram of inter-purchase times with the chosen window marked.

    Examples
    --------
    >>> w = InactivityWindow(30, 0.9, pd.Series([5.0, 10.0, 40.0]))
    >>> plot_interpurchase_times(w).axes[0].get_xlabel()
    'days between purchases (购买间隔天数)'
    """
    fig = Figure(figsize=(7, 3.5))
    ax = fig.add_subplot()
    gaps = window.gaps
    if len(gaps):
        upper = max(float(np.quantile(gaps, 0.99)), window.days * 1.2)
        ax.hist(gaps.clip(upper=upper), bins=50, color="#4C72B0")
    ax.axvline(window.days, color="#C44E52", linestyle="--", label=f"window = {window.days} days")
    ax.set_xlabel("days between purchases (购买间隔天数)")
    ax.set_ylabel("repeat purchases")
    ax.set_title("Inter-purchase times and the inactivity window (流失判定窗口)")
    ax.legend()
    fig.tight_layout()
    return fig


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
    customers = _require(customers, ["customer_id", "churned"], "customers")
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
    tx = _prepared_transactions(transactions)
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
    """Customers lost by ``as_of``: last purchase at least ``window_days`` before it.

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
    tx = _prepared_transactions(transactions)
    buys = tx.loc[~tx["is_return"] & (tx["order_date"] < as_of)]
    dates = buys.groupby("customer_id")["order_date"].agg(first_purchase="min", last_purchase="max")
    dates["lost"] = dates["last_purchase"] <= as_of - window_days * DAY
    dates["lost_at"] = dates["last_purchase"] + window_days * DAY
    dates.index.name = "customer_id"
    return dates


# --------------------------------------------------------------------------- features
def _cutoff_per_row(customer_ids: pd.Series, as_of: pd.Timestamp | pd.Series) -> np.ndarray:
    if isinstance(as_of, pd.Series):
        return pd.to_datetime(customer_ids.map(as_of)).to_numpy()
    return np.full(len(customer_ids), np.datetime64(_ts(as_of), "ns"))


def behaviour_features(
    data: CRMData,
    as_of: str | pd.Timestamp | pd.Series,
    *,
    trend_days: int = 182,
    recent_days: int = 90,
    price_rise_date: str | None = None,
    customers: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Per-customer behaviour strictly before ``as_of`` (the inputs of models and reason codes).

    Parameters
    ----------
    data : CRMData
        Cleaned data with a transactions table (interactions and customers are used when present).
    as_of : str, Timestamp or Series
        The cut-off. A Series indexed by customer_id gives each customer their own cut-off (used
        for lost customers, whose behaviour is read up to the moment they were declared lost).
    trend_days : int, default 182
        Length of the "last period" compared with the one before it (spend trend).
    recent_days : int, default 90
        Window for "recent" complaints and returns.
    price_rise_date : str, optional
        Date of a known price rise; adds counts of orders before / after it (only when the date
        falls inside the transactions' date range).
    customers : iterable of str, optional
        Restrict to these customer ids.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id. Only events dated strictly before the cut-off are used.

    Raises
    ------
    CRMDataError
        If the transactions table is missing or lacks a required column.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A"], "amount": [10.0, 30.0, 99.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-09-01"])})
    >>> f = behaviour_features(CRMData(transactions=tx), "2024-06-01")
    >>> f.loc["A", ["frequency", "monetary", "recency_days"]].tolist()
    [2.0, 40.0, 92.0]
    """
    tx = _prepared_transactions(_require(data.transactions, ["customer_id"], "transactions"))
    if customers is not None:
        tx = tx.loc[isin(tx["customer_id"], customers)]
    cut = _cutoff_per_row(tx["customer_id"], as_of)
    tx = tx.loc[tx["order_date"].to_numpy() < cut].assign(cut=cut[tx["order_date"].to_numpy() < cut])
    # orders are only counted: numeric codes, made once, keep the five counts below cheap
    # (a missing order id stays missing and is not counted)
    codes = pd.factorize(tx["order_key"])[0]
    tx = tx.assign(order_key=np.where(codes >= 0, codes, np.nan))
    age = (tx["cut"] - tx["order_date"]).dt.days
    buys = tx.loc[~tx["is_return"]]
    b_age = age.loc[buys.index]
    g = buys.groupby("customer_id")
    f = pd.DataFrame({
        "first_purchase": g["order_date"].min(),
        "last_purchase": g["order_date"].max(),
        "cut_off": g["cut"].first(),
        "frequency": g["order_date"].nunique().astype(float),
        "orders": g["order_key"].nunique().astype(float),
        "gross_spend": g["amount"].sum(),
    })
    f["monetary"] = tx.groupby("customer_id")["amount"].sum().reindex(f.index).fillna(0.0)
    f["recency_days"] = (f["cut_off"] - f["last_purchase"]).dt.days.astype(float)
    f["tenure_days"] = (f["cut_off"] - f["first_purchase"]).dt.days.astype(float)
    # Unknown, not infinite, when none of the customer's lines has an order id.
    f["avg_order_value"] = (f["gross_spend"] / f["orders"]).where(f["orders"] > 0)
    span = (f["last_purchase"] - f["first_purchase"]).dt.days.astype(float)
    f["mean_gap_days"] = (span / (f["frequency"] - 1)).where(f["frequency"] > 1)
    f["overdue_ratio"] = f["recency_days"] / f["mean_gap_days"]
    units = buys["quantity"].where(buys["quantity"] > 0)
    f["avg_unit_price"] = f["gross_spend"] / units.groupby(buys["customer_id"]).sum().reindex(f.index)
    recent = buys.loc[b_age < trend_days].groupby("customer_id")["amount"].sum()
    previous = buys.loc[(b_age >= trend_days) & (b_age < 2 * trend_days)].groupby("customer_id")["amount"].sum()
    f["spend_last_period"] = recent.reindex(f.index).fillna(0.0)
    f["spend_previous_period"] = previous.reindex(f.index).fillna(0.0)
    f["spend_change"] = ((f["spend_last_period"] - f["spend_previous_period"])
                         / f["spend_previous_period"]).where(f["spend_previous_period"] > 0)
    f["spend_last_year"] = buys.loc[b_age < 365].groupby("customer_id")["amount"].sum().reindex(f.index).fillna(0.0)
    rets = tx.loc[tx["is_return"]]
    r_age = age.loc[rets.index]
    f["returns"] = rets.groupby("customer_id")["order_key"].nunique().reindex(f.index).fillna(0.0)
    f["returns_recent"] = (rets.loc[r_age < recent_days].groupby("customer_id")["order_key"].nunique()
                           .reindex(f.index).fillna(0.0))
    f["return_rate"] = (f["returns"] / f["orders"]).clip(upper=1.0)
    # what happened around the last order is what most often precedes leaving
    since_last = rets["order_date"] >= rets["customer_id"].map(f["last_purchase"])
    f["returns_since_last_purchase"] = (rets.loc[since_last].groupby("customer_id")["order_key"].nunique()
                                        .reindex(f.index).fillna(0.0))
    rise = _ts(price_rise_date) if price_rise_date is not None else None
    # a price rise outside the data's dates (a default carried to another source) says nothing
    if rise is not None and tx["order_date"].min() < rise <= tx["order_date"].max():
        after = buys.loc[buys["order_date"] >= rise].groupby("customer_id")["order_key"].nunique()
        f["orders_after_price_rise"] = after.reindex(f.index).fillna(0.0)
        f["orders_before_price_rise"] = f["orders"] - f["orders_after_price_rise"]
        f["last_purchase_after_price_rise"] = (f["last_purchase"] >= rise).astype(float)
    f = f.join(_category_shares(buys), how="left")
    f = f.join(_interaction_features(data, as_of, recent_days, f["last_purchase"]), how="left")
    f = f.join(_customer_attributes(data.customers, f.index), how="left")
    return f.drop(columns=["cut_off"])


def _category_shares(buys: pd.DataFrame, max_categories: int = 8) -> pd.DataFrame:
    top = buys.groupby("product_category")["amount"].sum().nlargest(max_categories).index
    if len(top) <= 1:
        return pd.DataFrame(index=pd.Index(buys["customer_id"].unique(), name="customer_id"))
    cat = buys["product_category"].where(buys["product_category"].isin(top), "other_categories")
    table = buys.assign(cat=cat).pivot_table(index="customer_id", columns="cat", values="amount",
                                             aggfunc="sum", fill_value=0.0)
    shares = table.div(table.sum(axis=1).where(lambda s: s != 0), axis=0)
    shares.columns = [f"share_{c}" for c in shares.columns]
    return shares


def _interaction_features(data: CRMData, as_of, recent_days: int, last_purchase: pd.Series) -> pd.DataFrame:
    index = last_purchase.index
    it = data.interactions
    if it is None or not {"customer_id", "date", "kind"}.issubset(it.columns):
        return pd.DataFrame(index=index)
    it = it.loc[it["customer_id"].notna() & it["date"].notna()]
    ids = it["customer_id"].astype(str)
    cut = _cutoff_per_row(ids, as_of)
    dates = pd.to_datetime(it["date"]).dt.normalize().to_numpy()
    keep = dates < cut
    frame = pd.DataFrame({
        "customer_id": ids.to_numpy()[keep],
        "age": (cut[keep] - dates[keep]).astype("timedelta64[D]").astype(float),
        "complaint": it["kind"].astype("string").eq("complaint").fillna(False).to_numpy(dtype=bool)[keep],
        "resolved": _bool(it["resolved"])[keep] if "resolved" in it else np.ones(keep.sum(), bool),
        "satisfaction": (it["satisfaction"].astype(float).to_numpy()[keep]
                         if "satisfaction" in it else np.nan),
    })
    topic = (it["topic"].astype("string").str.lower() if "topic" in it
             else pd.Series(pd.NA, index=it.index, dtype="string"))
    # contacts about price (inquiries, feedback) reveal price sensitivity
    frame["price_topic"] = topic.str.contains("price|价", regex=True).fillna(False).to_numpy(dtype=bool)[keep]
    frame["unresolved"] = frame["complaint"] & ~frame["resolved"]
    frame["unresolved_recent"] = frame["unresolved"] & (frame["age"] < recent_days)
    last = pd.to_datetime(frame["customer_id"].map(last_purchase)).to_numpy()
    frame["after_last"] = frame["unresolved"] & (dates[keep] >= last - np.timedelta64(30, "D"))
    g = frame.groupby("customer_id")
    out = pd.DataFrame({
        "contacts": g.size().astype(float),
        "complaints": g["complaint"].sum().astype(float),
        "unresolved_complaints": g["unresolved"].sum().astype(float),
        "unresolved_complaints_recent": g["unresolved_recent"].sum().astype(float),
        "unresolved_around_last_purchase": g["after_last"].sum().astype(float),
        "price_contacts": g["price_topic"].sum().astype(float),
        "mean_satisfaction": g["satisfaction"].mean(),
        "min_satisfaction": g["satisfaction"].min(),
    }).reindex(index)
    counts = ["contacts", "complaints", "unresolved_complaints", "unresolved_complaints_recent", "price_contacts",
              "unresolved_around_last_purchase"]
    out[counts] = out[counts].fillna(0.0)
    return out


def _customer_attributes(customers: pd.DataFrame | None, index: pd.Index) -> pd.DataFrame:
    if customers is None or "customer_id" not in customers:
        return pd.DataFrame(index=index)
    cols = [c for c in ("customer_type", "acquisition_channel", "region") if c in customers]
    attrs = customers.loc[customers["customer_id"].notna()].drop_duplicates("customer_id")
    attrs = attrs.set_index(attrs["customer_id"].astype(str))[cols]
    return attrs.reindex(index)


def contract_features(customers: pd.DataFrame) -> pd.DataFrame:
    """Features of contractual customers: the customers table minus ids, PII and churn restatements.

    Parameters
    ----------
    customers : pandas.DataFrame
        Canonical customers (Telco: contract, tenure_months, monthly_charges, extras).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id; numeric columns as float, text columns with few values kept.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B"], "tenure_months": [1.0, 30.0],
    ...                   "contract": ["Month-to-month", "Two year"], "churned": [True, False],
    ...                   "churn_score": [90, 10]})
    >>> list(contract_features(c).columns)
    ['tenure_months', 'contract']
    """
    customers = _require(customers, ["customer_id"], "customers").drop_duplicates("customer_id")
    keep = {}
    for col in customers.columns:
        if _NOT_FEATURES.search(str(col)):
            continue
        values = customers[col]
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            keep[col] = values.astype(float).to_numpy()
        elif values.nunique(dropna=True) <= 12:
            keep[col] = values.astype("string").to_numpy()
    return pd.DataFrame(keep, index=pd.Index(customers["customer_id"].astype(str), name="customer_id"))


_DROP_FROM_MODEL = ("first_purchase", "last_purchase")


def design_matrix(features: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Numeric model matrix: numbers as float, text columns one-hot encoded.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of :func:`behaviour_features` or :func:`contract_features`.
    columns : sequence of str, optional
        The training matrix's columns; the result is aligned to them (unknown levels dropped).

    Returns
    -------
    pandas.DataFrame
        float64 columns, same index.

    Examples
    --------
    >>> f = pd.DataFrame({"x": [1.0, 2.0], "kind": ["a", "b"]})
    >>> list(design_matrix(f).columns)
    ['x', 'kind=a', 'kind=b']
    """
    f = features.drop(columns=[c for c in (*_DROP_FROM_MODEL, "churned") if c in features])
    parts = []
    for col in f.columns:
        values = f[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            continue
        if pd.api.types.is_bool_dtype(values) or pd.api.types.is_numeric_dtype(values):
            parts.append(values.astype(float).rename(col))
        else:
            dummies = pd.get_dummies(values.astype("string"), prefix=col, prefix_sep="=", dtype=float)
            parts.append(dummies)
    matrix = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=f.index)
    if columns is not None:
        matrix = matrix.reindex(columns=list(columns), fill_value=0.0)
    return matrix.astype(float)


@dataclass
class ChurnDataset:
    """Features strictly before a cut-off and the churn outcome after it.

    Attributes
    ----------
    features : pandas.DataFrame
        Indexed by customer_id.
    labels : pandas.Series
        bool, same index: churned in the outcome window.
    cut_off : pandas.Timestamp or None
        None for contractual (snapshot) data.
    """

    features: pd.DataFrame
    labels: pd.Series
    cut_off: pd.Timestamp | None


def churn_dataset(
    data: CRMData,
    cut_off: str | pd.Timestamp,
    *,
    window_days: int,
    trend_days: int = 182,
    recent_days: int = 90,
    price_rise_date: str | None = None,
) -> ChurnDataset:
    """Labels at ``cut_off`` (outcome after it) with features strictly before it.

    Parameters
    ----------
    data : CRMData
        Cleaned data with transactions.
    cut_off : str or Timestamp
        Cut-off date.
    window_days : int
        Inactivity window (also the outcome window).
    trend_days, recent_days, price_rise_date
        Passed to :func:`behaviour_features`.

    Returns
    -------
    ChurnDataset

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [5.0, 5.0, 7.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-01-15"])})
    >>> ds = churn_dataset(CRMData(transactions=tx), "2024-02-01", window_days=45)
    >>> ds.labels.to_dict(), float(ds.features.loc["A", "frequency"])
    ({'A': False, 'B': True}, 1.0)
    """
    cut = _ts(cut_off)
    labels = label_inactivity(data.transactions, cut, window_days=window_days)["churned"]
    features = behaviour_features(data, cut, trend_days=trend_days, recent_days=recent_days,
                                  price_rise_date=price_rise_date, customers=labels.index)
    features = features.reindex(labels.index)
    return ChurnDataset(features, labels.astype(bool), cut)


# --------------------------------------------------------------------------- 2. stated reasons
# Keyword rules, English stems and Chinese words. Order matters for ties: the more specific
# categories come first (a competitor's better price is a competitor reason).
REASON_KEYWORDS: dict[str, tuple[str, ...]] = {
    "competitor": ("competitor", "other brand", "another brand", "switched", "better offer",
                   "better deal", "rival", "竞争", "对手", "别家", "其他品牌", "别的品牌", "换了", "转投"),
    "relocation": ("moved", "moving", "relocat", "another city", "abroad", "搬家", "搬到", "搬走",
                   "移居", "出国", "外地", "离开本地", "另一个城市"),
    "no_longer_needed": ("no longer need", "don't need", "do not need", "not needed", "no need",
                         "needs changed", "不需要", "不再需要", "用不到", "用不上", "没有需求", "不用了"),
    "service": ("service", "support", "staff", "attitude", "rude", "call back", "called back",
                "complain", "waiting", "no one", "nobody", "expertise", "客服", "服务", "态度", "投诉",
                "没人", "回电", "售后", "不理", "等了"),
    "quality": ("quality", "broken", "defect", "faulty", "damaged", "poor product", "product",
                "reliab", "return", "质量", "坏", "次品", "破损", "瑕疵", "退货", "不好用", "故障"),
    "price": ("price", "expensive", "cost", "charge", "afford", "cheap", "fee", "too much money",
              "价格", "太贵", "贵", "涨价", "费用", "便宜", "性价比"),
    "other": ("deceased", "don't know", "dont know", "unknown", "其他", "不知道", "去世"),
}


def keyword_reason(texts: Iterable[object]) -> pd.Series:
    """Category by keyword rules, or missing when no keyword matches.

    The category with the most matching keywords wins; ties go to the category listed first in
    :data:`REASON_KEYWORDS`.

    Examples
    --------
    >>> keyword_reason(["价格太高", "support never called back", "hello"]).tolist()
    ['price', 'service', <NA>]
    """
    texts = pd.Series(list(texts), dtype="string").str.lower()
    counts = np.column_stack([
        sum(texts.str.contains(k, regex=False).fillna(False).to_numpy(dtype=int) for k in words)
        for words in REASON_KEYWORDS.values()
    ])
    best = counts.argmax(axis=1)
    labels = np.array(list(REASON_KEYWORDS), dtype=object)[best]
    return pd.Series(labels, dtype="string").where(counts.max(axis=1) > 0)


class ReasonTextClassifier:
    """Map free-text exit reasons (Chinese or English) to reason categories.

    Method (documented and testable): (1) keyword rules (:data:`REASON_KEYWORDS`); (2) for text no
    keyword matches, the nearest category centroid in a TF-IDF space of character 1–3-grams
    (characters work for Chinese without word segmentation, and for English stems), fitted on
    the keyword lists plus any labelled answers; (3) ``"other"`` when nothing is similar enough.

    Parameters
    ----------
    min_similarity : float, default 0.1
        Cosine similarity below which the TF-IDF step gives up and answers ``"other"``.

    Examples
    --------
    >>> clf = ReasonTextClassifier().fit()
    >>> clf.predict(["太贵了", "moved to another city", "客服态度差", "found a better offer elsewhere"])
    ['price', 'relocation', 'service', 'competitor']
    """

    def __init__(self, min_similarity: float = 0.1) -> None:
        self.min_similarity = min_similarity

    def fit(self, texts: Iterable[object] = (), categories: Iterable[object] = ()) -> ReasonTextClassifier:
        """Fit the TF-IDF centroids on the keyword lists plus labelled texts; returns self."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        docs = [w for words in REASON_KEYWORDS.values() for w in words]
        labels = [c for c, words in REASON_KEYWORDS.items() for _ in words]
        pairs = pd.DataFrame({"t": pd.Series(list(texts), dtype="string"),
                              "c": pd.Series(list(categories), dtype="string")}).dropna()
        pairs = pairs.loc[pairs["c"].isin(REASON_CATEGORIES)]
        docs += pairs["t"].str.lower().tolist()
        labels += pairs["c"].tolist()
        self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        matrix = self.vectorizer_.fit_transform(docs)
        self.categories_ = np.array(sorted(set(labels)))
        label_arr = np.array(labels)
        centroids = np.vstack([np.asarray(matrix[label_arr == c].mean(axis=0)) for c in self.categories_])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids_ = centroids / np.where(norms == 0, 1, norms)
        return self

    def predict_frame(self, texts: Iterable[object]) -> pd.DataFrame:
        """Category, method (keyword / tfidf / none) and similarity for each text."""
        if not hasattr(self, "vectorizer_"):
            raise RuntimeError("call fit() before predict()")
        texts = pd.Series(list(texts), dtype="string")
        by_rule = keyword_reason(texts)
        sims = np.asarray(self.vectorizer_.transform(texts.fillna("").str.lower()) @ self.centroids_.T)
        nearest = self.categories_[sims.argmax(axis=1)] if len(texts) else np.array([], dtype=object)
        best_sim = sims.max(axis=1) if len(texts) else np.array([])
        use_tfidf = by_rule.isna().to_numpy() & (best_sim >= self.min_similarity)
        category = by_rule.fillna("other").to_numpy(dtype=object)
        category[use_tfidf] = nearest[use_tfidf]
        method = np.where(by_rule.notna(), "keyword", np.where(use_tfidf, "tfidf", "none"))
        empty = texts.fillna("").str.strip().eq("").to_numpy(dtype=bool)
        category[empty] = None
        method[empty] = "no text"
        return pd.DataFrame({"category": pd.array(category, dtype="string"), "method": method,
                             "similarity": best_sim})

    def predict(self, texts: Iterable[object]) -> list:
        """Predicted category per text (None for blank text)."""
        return [None if pd.isna(c) else str(c) for c in self.predict_frame(texts)["category"]]


def fit_text_classifier(exit_survey: pd.DataFrame | None) -> ReasonTextClassifier:
    """A :class:`ReasonTextClassifier` fitted on the keyword lists plus the survey's labelled answers.

    Examples
    --------
    >>> fit_text_classifier(None).predict(["涨价了"])
    ['price']
    """
    if exit_survey is None or not {"reason_text", "reason_category"}.issubset(exit_survey.columns):
        return ReasonTextClassifier().fit()
    return ReasonTextClassifier().fit(exit_survey["reason_text"], exit_survey["reason_category"])


@_single_thread
def text_confusion(
    texts: Iterable[object], stated: Iterable[object], *, seed: int = 42, folds: int = 5
) -> pd.DataFrame:
    """Confusion matrix of the text classifier against stated categories (cross-validated).

    Each answer is classified by a model fitted without it (k-fold), so the matrix is honest.

    Parameters
    ----------
    texts, stated : iterable
        Free-text reasons and the stated categories of the same answers.
    seed : int, default 42
        Fold shuffling.
    folds : int, default 5

    Returns
    -------
    pandas.DataFrame
        Rows: stated category; columns: predicted category; cells: answers.

    Examples
    --------
    >>> cm = text_confusion(["太贵了", "too expensive", "客服差", "rude staff"],
    ...                     ["price", "price", "service", "service"], folds=2)
    >>> int(np.trace(cm.to_numpy()))
    4
    """
    from sklearn.model_selection import KFold

    frame = pd.DataFrame({"t": pd.Series(list(texts), dtype="string"),
                          "c": pd.Series(list(stated), dtype="string")}).dropna()
    frame = frame.loc[frame["t"].str.strip().ne("") & frame["c"].isin(REASON_CATEGORIES)].reset_index(drop=True)
    predicted = pd.Series(pd.NA, index=frame.index, dtype="string")
    n_folds = min(folds, len(frame))
    if n_folds >= 2:
        for train, test in KFold(n_folds, shuffle=True, random_state=seed).split(frame):
            clf = ReasonTextClassifier().fit(frame.loc[train, "t"], frame.loc[train, "c"])
            predicted.iloc[test] = clf.predict_frame(frame.loc[test, "t"])["category"].to_numpy()
    elif len(frame):
        predicted[:] = ReasonTextClassifier().fit().predict_frame(frame["t"])["category"].to_numpy()
    labels = [c for c in REASON_CATEGORIES if c in set(frame["c"]) | set(predicted.dropna())]
    cm = pd.crosstab(frame["c"], predicted).reindex(index=labels, columns=labels, fill_value=0)
    cm.index.name, cm.columns.name = "stated", "predicted from text"
    return cm


def plot_confusion(matrix: pd.DataFrame, title: str = "Text classifier vs stated category") -> Figure:
    """Heat map of a confusion matrix (counts written in the cells).

    Examples
    --------
    >>> cm = pd.DataFrame([[3, 1], [0, 2]], index=["price", "service"], columns=["price", "service"])
    >>> len(plot_confusion(cm).axes)
    2
    """
    fig = Figure(figsize=(6, 5))
    ax = fig.add_subplot()
    values = matrix.to_numpy()
    image = ax.imshow(values, cmap="Blues")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    for i, j in np.ndindex(values.shape):
        ax.text(j, i, int(values[i, j]), ha="center", va="center",
                color="white" if values[i, j] > values.max() / 2 else "black")
    ax.set_xlabel(matrix.columns.name or "predicted")
    ax.set_ylabel(matrix.index.name or "stated")
    ax.set_title(title)
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    return fig


def stated_reasons(exit_survey: pd.DataFrame | None, classifier: ReasonTextClassifier | None = None) -> pd.DataFrame:
    """One stated reason per customer: the survey category, else the category of the text.

    Parameters
    ----------
    exit_survey : pandas.DataFrame or None
        Canonical exit survey.
    classifier : ReasonTextClassifier, optional
        Fitted classifier for answers with text only (default: fitted on the survey itself).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``reason_category``, ``reason_text``, ``category_from``
        (``survey`` or ``text``). Empty when there is no survey.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["A", "B"], "reason_category": ["price", None],
    ...                   "reason_text": ["too dear", "客服态度差"]})
    >>> stated_reasons(s)["reason_category"].tolist()
    ['price', 'service']
    """
    empty = pd.DataFrame({"reason_category": pd.Series(dtype="string"),
                          "reason_text": pd.Series(dtype="string"),
                          "category_from": pd.Series(dtype="string")})
    empty.index.name = "customer_id"
    if exit_survey is None or exit_survey.empty:
        return empty
    s = _require(exit_survey, ["customer_id"], "exit_survey").copy()
    s = s.loc[s["customer_id"].notna()]
    if "date" in s:
        s = s.sort_values("date", na_position="first")
    s = s.drop_duplicates("customer_id", keep="last")
    category = (s["reason_category"].astype("string") if "reason_category" in s
                else pd.Series(pd.NA, index=s.index, dtype="string"))
    category = category.where(category.isin(REASON_CATEGORIES))
    text = s["reason_text"].astype("string") if "reason_text" in s else pd.Series(pd.NA, index=s.index, dtype="string")
    clf = classifier or ReasonTextClassifier().fit(text, category)
    from_text = clf.predict_frame(text)["category"].to_numpy()
    out = pd.DataFrame({
        "reason_category": category.fillna(pd.Series(from_text, index=s.index, dtype="string")),
        "reason_text": text,
        "category_from": np.where(category.notna(), "survey", "text"),
    })
    out.index = pd.Index(s["customer_id"].astype(str), name="customer_id")
    out = out.loc[out["reason_category"].notna()]
    out["category_from"] = out["category_from"].astype("string")
    return out


def annualised_spend(features: pd.DataFrame, *, window_days: int) -> pd.Series:
    """Annualised spend before churn: revenue lost per year when the customer leaves.

    Spend in the 365 days before the cut-off, scaled to a year when the customer was active for
    less than a year (active period: first purchase to the moment they were declared lost, at
    least one inactivity window). A customer with a single purchase counts that purchase once:
    one order is no evidence of a yearly rate.

    Examples
    --------
    >>> f = pd.DataFrame({"spend_last_year": [100.0, 100.0, 100.0], "tenure_days": [400.0, 180.0, 90.0],
    ...                   "frequency": [5.0, 2.0, 1.0]})
    >>> annualised_spend(f, window_days=90).round(1).tolist()
    [100.0, 202.8, 100.0]
    """
    # a single purchase is no evidence of a buying rate: it counts once, not scaled up to a year
    floor = np.where(features["frequency"] <= 1, 365, window_days) if "frequency" in features else window_days
    active = features["tenure_days"].clip(lower=floor, upper=365)
    return (features["spend_last_year"] * 365.0 / active).rename("annual_spend")


def reason_pareto(reasons: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Pareto table of reasons: customers and lost revenue per category, cumulative share.

    Parameters
    ----------
    reasons : pandas.DataFrame
        One row per lost customer with ``reason_category``, ``lost_revenue`` (and ``by``).
    by : str, optional
        A grouping column (segment, acquisition_channel).

    Returns
    -------
    pandas.DataFrame
        reason_category, customers, lost_revenue, share, cumulative_share (within each group).

    Examples
    --------
    >>> r = pd.DataFrame({"reason_category": ["price", "price", "service"], "lost_revenue": [1.0, 2.0, 9.0]})
    >>> reason_pareto(r)[["reason_category", "customers", "cumulative_share"]].values.tolist()
    [['price', 2, 0.6666666666666666], ['service', 1, 1.0]]
    """
    _require(reasons, ["reason_category", "lost_revenue"] + ([by] if by else []), "reasons")
    keys = ([by] if by else []) + ["reason_category"]
    frame = reasons.assign(**({by: reasons[by].astype("string").fillna("unknown")} if by else {}))
    table = frame.groupby(keys, observed=True).agg(customers=("reason_category", "size"),
                                                   lost_revenue=("lost_revenue", "sum")).reset_index()
    table = table.sort_values([*keys[:-1], "customers", "lost_revenue"],
                              ascending=[True] * len(keys[:-1]) + [False, False])
    group = table.groupby(by)["customers"] if by else table["customers"]
    total = group.transform("sum") if by else table["customers"].sum()
    table["share"] = table["customers"] / total
    table["cumulative_share"] = (table.groupby(by)["share"].cumsum() if by else table["share"].cumsum())
    return table.reset_index(drop=True)


def plot_pareto(pareto: pd.DataFrame, title: str = "Churn reasons (流失原因帕累托图)") -> Figure:
    """Bars of customers per reason with the cumulative share line (a Pareto chart).

    Examples
    --------
    >>> p = pd.DataFrame({"reason_category": ["price"], "customers": [3], "cumulative_share": [1.0]})
    >>> plot_pareto(p).axes[0].get_title()
    'Churn reasons (流失原因帕累托图)'
    """
    fig = Figure(figsize=(7, 3.8))
    ax = fig.add_subplot()
    ax.bar(pareto["reason_category"], pareto["customers"], color="#4C72B0")
    ax.set_ylabel("lost customers")
    ax.tick_params(axis="x", rotation=30)
    twin = ax.twinx()
    twin.plot(pareto["reason_category"], pareto["cumulative_share"], color="#C44E52", marker="o")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("cumulative share")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def pareto_heatmap(reasons: pd.DataFrame, by: str, *, value: str = "customers") -> pd.DataFrame:
    """Cross-table of reason share within each group (rows: group, columns: reason).

    Examples
    --------
    >>> r = pd.DataFrame({"reason_category": ["price", "service", "price"], "seg": ["a", "a", "b"],
    ...                   "lost_revenue": [1.0, 1.0, 1.0]})
    >>> float(pareto_heatmap(r, "seg").loc["a", "price"])
    0.5
    """
    table = reason_pareto(reasons, by).pivot_table(index=by, columns="reason_category", values=value,
                                                    aggfunc="sum", fill_value=0)
    return table.div(table.sum(axis=1), axis=0)


# --------------------------------------------------------------------------- 3. models
@dataclass
class ChurnModels:
    """Fitted churn models and the evaluation data.

    Attributes
    ----------
    models : dict
        Name to fitted scikit-learn estimator (pipeline).
    columns : list of str
        Design-matrix columns the models were trained on.
    X_test, y_test : DataFrame, Series
        The held-out (later cut-off) evaluation data.
    split : str
        How train and test were separated, in words.
    """

    models: dict
    columns: list[str]
    X_test: pd.DataFrame
    y_test: pd.Series
    split: str

    @_single_thread
    def predict_proba(self, features: pd.DataFrame, model: str = "gradient_boosting") -> pd.Series:
        """Churn probability for customers described by ``features``."""
        X = design_matrix(features, self.columns)
        return pd.Series(self.models[model].predict_proba(X)[:, 1], index=features.index,
                         name="churn_probability")


def _estimators(seed: int) -> dict:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    # signed log keeps heavy-tailed spend usable by the linear model
    slog = FunctionTransformer(lambda x: np.sign(x) * np.log1p(np.abs(x)))
    return {
        "logistic_regression": make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                             slog, StandardScaler(), LogisticRegression(max_iter=2000)),
        "gradient_boosting": HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_depth=4,
                                                            l2_regularization=1.0, random_state=seed),
    }


@_single_thread
def fit_churn_models(train: ChurnDataset, test: ChurnDataset | None = None, *, seed: int = 42,
                     test_size: float = 0.3) -> ChurnModels:
    """Fit the logistic baseline and gradient boosting; hold out a later cut-off when given.

    Parameters
    ----------
    train : ChurnDataset
        Training data (the earlier cut-off).
    test : ChurnDataset, optional
        Evaluation data from a later cut-off (time-based split). Without it (snapshot data such
        as Telco) a stratified random split of ``train`` is used, and ``split`` says so.
    seed : int, default 42
    test_size : float, default 0.3
        Share held out in the random split.

    Returns
    -------
    ChurnModels

    Raises
    ------
    CRMDataError
        If the training labels have a single class.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"x": rng.normal(size=200)})
    >>> y = pd.Series(f["x"] + rng.normal(size=200) > 0)
    >>> m = fit_churn_models(ChurnDataset(f, y, None), seed=0)
    >>> sorted(m.models), m.split.startswith("random")
    (['gradient_boosting', 'logistic_regression'], True)
    """
    from sklearn.model_selection import train_test_split

    X = design_matrix(train.features)
    X = X.loc[:, X.notna().any().to_numpy()]  # an all-missing column carries nothing and breaks binning
    y = train.labels.astype(bool)
    if y.nunique() < 2:
        raise CRMDataError(f"churn labels at {train.cut_off} have a single class; a model cannot be trained")
    if test is None:
        X, X_test, y, y_test = train_test_split(X, y, test_size=test_size, stratify=y, random_state=seed)
        split = f"random stratified split ({1 - test_size:.0%} train / {test_size:.0%} test): no dates"
    else:
        X_test = design_matrix(test.features, X.columns)
        y_test = test.labels.astype(bool)
        split = (f"time-based: trained on labels at {train.cut_off:%Y-%m-%d}, tested on labels at "
                 f"{test.cut_off:%Y-%m-%d}")
    models = {name: est.fit(X, y.to_numpy()) for name, est in _estimators(seed).items()}
    return ChurnModels(models, list(X.columns), X_test, y_test, split)


def gains_table(y_true: Sequence[bool], score: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Lift / gains by score decile (decile 1 = the highest scores).

    Examples
    --------
    >>> g = gains_table([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], [.9, .8, .1, .1, .7, .1, .1, .1, .1, .1], bins=5)
    >>> float(g.loc[0, "lift"]), float(g["cumulative_share_of_churners"].iloc[-1])
    (2.5, 1.0)
    """
    y = np.asarray(y_true, dtype=float)
    order = np.argsort(-np.asarray(score, dtype=float), kind="stable")
    decile = np.empty(len(y), dtype=int)
    decile[order] = np.arange(len(y)) * bins // max(len(y), 1) + 1
    frame = pd.DataFrame({"decile": decile, "y": y})
    table = frame.groupby("decile")["y"].agg(customers="size", churners="sum").reset_index()
    base = y.mean() if len(y) else np.nan
    table["churn_rate"] = table["churners"] / table["customers"]
    table["lift"] = table["churn_rate"] / base
    table["cumulative_share_of_customers"] = table["customers"].cumsum() / len(y)
    table["cumulative_share_of_churners"] = table["churners"].cumsum() / y.sum()
    return table


@_single_thread
def evaluate_models(models: ChurnModels) -> pd.DataFrame:
    """ROC-AUC, PR-AUC, base rate and top-decile lift of each model on the held-out data.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = pd.DataFrame({"x": rng.normal(size=300)})
    >>> m = fit_churn_models(ChurnDataset(f, pd.Series(f["x"] + rng.normal(size=300) > 0), None))
    >>> bool(evaluate_models(m).set_index("model").loc["logistic_regression", "roc_auc"] > 0.7)
    True
    """
    from sklearn.metrics import average_precision_score, roc_auc_score

    rows = []
    y = models.y_test.to_numpy(dtype=bool)
    for name, model in models.models.items():
        p = model.predict_proba(models.X_test)[:, 1]
        two = len(np.unique(y)) == 2
        rows.append({
            "model": name,
            "roc_auc": roc_auc_score(y, p) if two else np.nan,
            "pr_auc": average_precision_score(y, p) if two else np.nan,
            "base_rate": y.mean(),
            "top_decile_lift": gains_table(y, p).loc[0, "lift"],
            "test_customers": len(y),
        })
    return pd.DataFrame(rows)


@_single_thread
def plot_model_checks(models: ChurnModels, bins: int = 10) -> Figure:
    """Calibration plot (left) and cumulative gains chart (right) for each model.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> f = pd.DataFrame({"x": rng.normal(size=200)})
    >>> m = fit_churn_models(ChurnDataset(f, pd.Series(f["x"] > 0), None))
    >>> len(plot_model_checks(m).axes)
    2
    """
    from sklearn.calibration import calibration_curve

    fig = Figure(figsize=(11, 4.2))
    cal, gains = fig.subplots(1, 2)
    y = models.y_test.to_numpy(dtype=bool)
    cal.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    gains.plot([0, 1], [0, 1], color="grey", linestyle=":", label="random")
    for name, model in models.models.items():
        p = model.predict_proba(models.X_test)[:, 1]
        frac, mean = calibration_curve(y, p, n_bins=bins, strategy="quantile")
        cal.plot(mean, frac, marker="o", label=name)
        g = gains_table(y, p, bins)
        gains.plot(np.r_[0, g["cumulative_share_of_customers"]], np.r_[0, g["cumulative_share_of_churners"]],
                   marker="o", label=name)
    cal.set(xlabel="predicted churn probability", ylabel="observed churn rate",
            title="Calibration (校准曲线)")
    gains.set(xlabel="share of customers contacted (highest risk first)", ylabel="share of churners reached",
              title="Cumulative gains (累积增益)")
    cal.legend()
    gains.legend()
    fig.tight_layout()
    return fig


@_single_thread
def permutation_drivers(models: ChurnModels, model: str = "gradient_boosting", *, seed: int = 42,
                        n_repeats: int = 5, max_rows: int = 4000, top: int = 15) -> pd.DataFrame:
    """Drivers of churn: drop in ROC-AUC when a feature is shuffled (permutation importance).

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> f = pd.DataFrame({"signal": rng.normal(size=300), "noise": rng.normal(size=300)})
    >>> m = fit_churn_models(ChurnDataset(f, pd.Series(f["signal"] > 0), None))
    >>> permutation_drivers(m, n_repeats=2).iloc[0]["feature"]
    'signal'
    """
    from sklearn.inspection import permutation_importance

    X, y = models.X_test, models.y_test.to_numpy(dtype=bool)
    if len(X) > max_rows:  # a sample keeps this fast; the ranking is stable well before that
        pick = np.random.default_rng(seed).choice(len(X), max_rows, replace=False)
        X, y = X.iloc[pick], y[pick]
    result = permutation_importance(models.models[model], X, y, scoring="roc_auc", n_repeats=n_repeats,
                                    random_state=seed)
    table = pd.DataFrame({"feature": X.columns, "importance": result.importances_mean,
                          "std": result.importances_std})
    return table.sort_values("importance", ascending=False).head(top).reset_index(drop=True)


def plot_drivers(drivers: pd.DataFrame) -> Figure:
    """Horizontal bars of permutation importance.

    Examples
    --------
    >>> plot_drivers(pd.DataFrame({"feature": ["a"], "importance": [0.1], "std": [0.01]})).axes[0].get_xlabel()
    'drop in ROC-AUC when shuffled'
    """
    fig = Figure(figsize=(7, 0.35 * len(drivers) + 1.5))
    ax = fig.add_subplot()
    d = drivers.iloc[::-1]
    ax.barh(d["feature"], d["importance"], xerr=d["std"], color="#55A868")
    ax.set_xlabel("drop in ROC-AUC when shuffled")
    ax.set_title("Churn drivers (流失驱动因素, permutation importance)")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- reason codes
def _plural(n: pd.Series, word: str) -> pd.Series:
    return n.astype(int).astype(str) + " " + word + np.where(n == 1, "", "s")


def reason_codes(features: pd.DataFrame, *, top: int = 3, price_rise_date: str | None = None) -> pd.DataFrame:
    """Up to ``top`` reasons per customer, in plain words, strongest first.

    Each rule fires on one behaviour and carries a strength (how far the behaviour is from
    normal); the strongest fired rules become reason_1..reason_3.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`behaviour_features` or :func:`contract_features` output.
    top : int, default 3
    price_rise_date : str, optional
        Names the price rise in the words.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``features``: reason_1 .. reason_top (missing when fewer fired).

    Examples
    --------
    >>> f = pd.DataFrame({"unresolved_complaints_recent": [2.0, 0.0], "spend_change": [-0.6, 0.1],
    ...                   "frequency": [5.0, 1.0]}, index=["A", "B"])
    >>> reason_codes(f).loc["A"].tolist()
    ['2 unresolved complaints in the last 90 days', 'spend down 60% vs the previous half-year', None]
    >>> reason_codes(f).loc["B", "reason_1"]
    'only one purchase so far'
    """
    n = len(features)
    col = lambda name: (features[name].astype(float) if name in features  # noqa: E731
                        else pd.Series(np.nan, index=features.index))
    rules: list[tuple[pd.Series, pd.Series]] = []  # (strength, text); strength NaN = not fired

    def add(fired: pd.Series, strength: pd.Series, text: pd.Series) -> None:
        fired = fired.fillna(False).astype(bool)
        rules.append((strength.where(fired), text.where(fired)))

    unresolved = col("unresolved_complaints_recent")
    add(unresolved > 0, 10 + unresolved, _plural(unresolved.fillna(0), "unresolved complaint") + " in the last 90 days")
    older = col("unresolved_complaints") - unresolved.fillna(0)
    add(older > 0, 6 + older, _plural(older.fillna(0), "earlier unresolved complaint"))
    returns = col("returns")
    add(returns > 0, 5 + 5 * col("return_rate").fillna(0),
        _plural(returns.fillna(0), "returned order") + " (" + (100 * col("return_rate").fillna(0)).round().astype(int)
        .astype(str) + "% of orders)")
    change = col("spend_change")
    add(change <= -0.3, 4 + 4 * change.abs(),
        "spend down " + (100 * change.abs()).round().fillna(0).astype(int).astype(str) + "% vs the previous half-year")
    overdue = col("overdue_ratio")
    add(overdue >= 1.5, 3 + overdue.clip(upper=10) / 2,
        "no purchase for " + col("recency_days").fillna(0).astype(int).astype(str) + " days, "
        + overdue.round(1).astype(str) + "× the usual gap")
    after_rise = col("orders_after_price_rise")
    before_rise = col("orders_before_price_rise")
    rise = f" on {price_rise_date}" if price_rise_date else ""
    add((before_rise > 0) & (after_rise <= 1), 5 + before_rise.clip(upper=5) / 5,
        "bought " + before_rise.fillna(0).astype(int).astype(str) + f" times before the price rise{rise}, "
        "at most once after")
    price_contacts = col("price_contacts")
    add(price_contacts > 0, 4 + price_contacts.clip(upper=5) / 5,
        _plural(price_contacts.fillna(0), "contact") + " about prices")
    satisfaction = col("mean_satisfaction").combine_first(col("satisfaction_score"))
    add(satisfaction <= 2.5, 7 - satisfaction, "low satisfaction (" + satisfaction.round(1).astype(str) + " of 5)")
    add(col("frequency") == 1, pd.Series(2.0, index=features.index),
        pd.Series("only one purchase so far", index=features.index))
    contract = (features["contract"].astype("string") if "contract" in features
                else pd.Series(pd.NA, index=features.index, dtype="string"))
    add(contract.str.lower().str.contains("month").fillna(False), pd.Series(6.0, index=features.index),
        pd.Series("month-to-month contract (can leave any month)", index=features.index))
    tenure = col("tenure_months")
    add(tenure < 12, 5 + (12 - tenure) / 12, "new customer: " + tenure.fillna(0).astype(int).astype(str) + " months")
    charges = col("monthly_charges")
    high = charges.quantile(0.75) if charges.notna().any() else np.inf
    add(charges > high, 4 + charges / max(high, 1), "high monthly charge (" + charges.round(0).astype(str) + ")")

    strength = np.column_stack([s.to_numpy(dtype=float) for s, _ in rules]) if rules else np.empty((n, 0))
    texts = np.column_stack([t.astype(object).to_numpy() for _, t in rules]) if rules else np.empty((n, 0))
    order = np.argsort(-np.nan_to_num(strength, nan=-np.inf), axis=1, kind="stable")
    out = {}
    for k in range(top):
        if k < strength.shape[1]:
            pick = order[:, k]
            fired = ~np.isnan(strength[np.arange(n), pick])
            out[f"reason_{k + 1}"] = np.where(fired, texts[np.arange(n), pick], None)
        else:
            out[f"reason_{k + 1}"] = np.full(n, None, dtype=object)
    return pd.DataFrame(out, index=features.index)


# --------------------------------------------------------------------------- 4. inferred reasons
def rule_reason(features: pd.DataFrame, *, price_rise_date: str | None = None) -> pd.Series:
    """A transparent rule-based reason category from behaviour (fallback without survey answers).

    Checked in this order: an unresolved complaint from 30 days before the last purchase onwards →
    service; a return after the last purchase → quality; contacts about prices and a last purchase
    after the price rise → price; a single purchase → no_longer_needed; any earlier unresolved
    complaint → service; any return → quality; otherwise other (behaviour gives no clue).

    Examples
    --------
    >>> f = pd.DataFrame({"unresolved_complaints": [1.0, 0.0, 0.0], "returns": [0.0, 2.0, 0.0],
    ...                   "frequency": [3.0, 3.0, 1.0]})
    >>> rule_reason(f).tolist()
    ['service', 'quality', 'no_longer_needed']
    """
    def col(name: str) -> pd.Series:
        return features[name].astype(float).fillna(0) if name in features else pd.Series(0.0, index=features.index)

    choice = np.select(
        [col("unresolved_around_last_purchase") > 0, col("returns_since_last_purchase") > 0,
         (col("price_contacts") > 0) & (col("last_purchase_after_price_rise") > 0),
         col("frequency") <= 1, col("unresolved_complaints") > 0, col("returns") > 0],
        ["service", "quality", "price", "no_longer_needed", "service", "quality"], default="other")
    return pd.Series(choice, index=features.index, dtype="string", name="inferred_reason")


_RULE_INPUTS = {"frequency", "returns", "unresolved_complaints", "price_contacts"}


@dataclass
class ReasonInference:
    """Reasons for every lost customer: stated where answered, inferred otherwise.

    Attributes
    ----------
    reasons : pandas.DataFrame
        Indexed by customer_id: reason_category, source (stated / inferred), plus the rule-based
        category ``rule_reason`` for comparison.
    method : str
        How the inferred categories were obtained, in words.
    """

    reasons: pd.DataFrame
    method: str


@_single_thread
def infer_reasons(
    lost_features: pd.DataFrame,
    stated: pd.Series,
    *,
    seed: int = 42,
    min_answers: int = 30,
    price_rise_date: str | None = None,
) -> ReasonInference:
    """Infer a reason category for lost customers who gave none, from their behaviour.

    A gradient-boosting classifier is trained on the lost customers who did answer (their stated
    category is the label, their behaviour before leaving the input) and predicts the others.
    With fewer than ``min_answers`` answers or a single category, the rules of
    :func:`rule_reason` are used instead.

    Parameters
    ----------
    lost_features : pandas.DataFrame
        Behaviour of the lost customers up to when they were declared lost.
    stated : pandas.Series
        Stated category by customer_id (any customers; aligned on the index).
    seed : int, default 42
    min_answers : int, default 30
    price_rise_date : str, optional
        For the rules.

    Returns
    -------
    ReasonInference

    Examples
    --------
    >>> f = pd.DataFrame({"unresolved_complaints": [1.0, 0.0], "returns": [0.0, 0.0],
    ...                   "frequency": [4.0, 1.0]}, index=["A", "B"])
    >>> r = infer_reasons(f, pd.Series({"A": "service"}))
    >>> r.reasons.loc["B", ["reason_category", "source"]].tolist()
    ['no_longer_needed', 'inferred']
    """
    from sklearn.ensemble import HistGradientBoostingClassifier

    stated = stated.astype("string").reindex(lost_features.index)
    rules = rule_reason(lost_features, price_rise_date=price_rise_date)
    answered = stated.notna().to_numpy()
    labels = stated[answered]
    inferred = rules.copy()
    if answered.sum() >= min_answers and labels.nunique() >= 2:
        X = design_matrix(lost_features)
        X = X.loc[:, X.notna().any().to_numpy()]
        model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=3,
                                               l2_regularization=1.0, random_state=seed)
        model.fit(X[answered], labels.to_numpy(dtype=str))
        if (~answered).any():
            inferred[~answered] = model.predict(X[~answered])
        method = (f"gradient boosting trained on the {answered.sum():,} lost customers who answered the "
                  "exit survey (their behaviour before leaving → their stated category)")
    elif not _RULE_INPUTS.intersection(lost_features.columns):
        inferred[:] = pd.NA
        method = (f"not inferred: only {answered.sum()} survey answers to learn from, and no purchase or "
                  "contact history for the behaviour rules")
    else:
        method = (f"behaviour rules (only {answered.sum()} survey answers, too few to learn from): "
                  "unresolved complaint around the last purchase → service, return after it → quality, "
                  "price contacts and a last purchase after the price rise → price, "
                  "single purchase → no_longer_needed, else other")
    reasons = pd.DataFrame({
        "reason_category": stated.fillna(inferred),
        "source": pd.Series(np.where(answered, "stated", "inferred"), index=lost_features.index, dtype="string"),
        "rule_reason": rules,
    })
    reasons.index.name = "customer_id"
    return ReasonInference(reasons, method)


def reason_accuracy(reasons: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of the inferred reasons against the true ones (teaching data only).

    Scored on inferred (not stated) customers whom the truth also knows as churned.

    Parameters
    ----------
    reasons : pandas.DataFrame
        ``ReasonInference.reasons``.
    truth : pandas.DataFrame
        ``Truth.customers`` (customer_id, churn_reason).

    Returns
    -------
    pandas.DataFrame
        One row per method (model / rules / majority baseline): customers, accuracy.

    Examples
    --------
    >>> r = pd.DataFrame({"reason_category": ["price", "service"], "source": ["inferred"] * 2,
    ...                   "rule_reason": ["price", "price"]}, index=["A", "B"])
    >>> t = pd.DataFrame({"customer_id": ["A", "B"], "churn_reason": ["price", "service"]})
    >>> reason_accuracy(r, t)["accuracy"].tolist()
    [1.0, 0.5, 0.5]
    """
    truth = truth.drop_duplicates("customer_id")
    true = pd.Series(truth["churn_reason"].astype("string").to_numpy(), index=truth["customer_id"].astype(str))
    scored = reasons.loc[reasons["source"].eq("inferred").to_numpy(dtype=bool)].join(true.rename("true"), how="inner")
    scored = scored.loc[scored["true"].notna()]
    truth_vals = scored["true"].astype(str)
    majority = truth_vals.value_counts().index[0] if len(scored) else None
    rows = [
        ("inferred reason (model or rules)", (scored["reason_category"].astype(str) == truth_vals).mean()),
        ("behaviour rules only", (scored["rule_reason"].astype(str) == truth_vals).mean()),
        (f"majority class baseline ({majority})", (truth_vals == majority).mean()),
    ]
    return pd.DataFrame([{"method": m, "customers": len(scored), "accuracy": float(a)} for m, a in rows])


# --------------------------------------------------------------------------- 5. survival
def survival_frame(data: CRMData, as_of: str | pd.Timestamp, *, window_days: int | None) -> pd.DataFrame:
    """Duration (months) and churn event per customer, for Kaplan–Meier and Cox.

    Contractual data: tenure in months and the churn flag. Non-contractual: months from first
    purchase to the last one for lost customers (event), or to ``as_of`` (censored).

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
                              "event": _bool(cust["churned"])},
                             index=pd.Index(cust["customer_id"].astype(str), name="customer_id"))
    else:
        if window_days is None:
            raise CRMDataError("no churn flag and no inactivity window: survival cannot be measured")
        lost = lost_customers(data.transactions, as_of, window_days=window_days)
        end = lost["last_purchase"].where(lost["lost"], _ts(as_of))
        frame = pd.DataFrame({"duration": (end - lost["first_purchase"]).dt.days / 30.4375 + 1 / 30.4375,
                              "event": lost["lost"].to_numpy(dtype=bool)}, index=lost.index)
    frame = frame.loc[frame["duration"].notna() & (frame["duration"] >= 0)]
    if cust is not None:
        frame = frame.join(_customer_attributes(cust, frame.index).drop(columns=["region"], errors="ignore"))
        if "contract" in cust and cust["contract"].notna().any():
            contract = cust.drop_duplicates("customer_id").set_index("customer_id")["contract"]
            frame["contract"] = contract.reindex(frame.index)
    return frame[~frame.index.duplicated()]


def kaplan_meier(frame: pd.DataFrame, by: str | None = None, *, min_group: int = 20) -> pd.DataFrame:
    """Kaplan–Meier retention curves (statsmodels ``SurvfuncRight``), one per group.

    Groups smaller than ``min_group`` customers are left out (their curves are noise).

    Returns
    -------
    pandas.DataFrame
        group, time (months), retention, se, customers.

    Examples
    --------
    >>> f = pd.DataFrame({"duration": [1.0, 2.0, 3.0, 4.0], "event": [True, False, True, True]})
    >>> kaplan_meier(f, min_group=1)["retention"].round(3).tolist()
    [0.75, 0.375, 0.0]
    """
    from statsmodels.duration.survfunc import SurvfuncRight

    groups = frame.groupby(frame[by].astype("string").fillna("unknown")) if by else [("all", frame)]
    parts = []
    for name, g in groups:
        if len(g) < min_group or not g["event"].any():
            continue
        sf = SurvfuncRight(g["duration"].to_numpy(dtype=float), g["event"].to_numpy(dtype=float))
        parts.append(pd.DataFrame({"group": name, "time": sf.surv_times, "retention": sf.surv_prob,
                                   "se": sf.surv_prob_se, "customers": len(g)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["group", "time", "retention", "se", "customers"])


def plot_kaplan_meier(curves: pd.DataFrame, title: str) -> Figure:
    """Step plot of Kaplan–Meier curves.

    Examples
    --------
    >>> c = pd.DataFrame({"group": ["a", "a"], "time": [1.0, 2.0], "retention": [0.8, 0.5],
    ...                   "se": [0.1, 0.1], "customers": [5, 5]})
    >>> plot_kaplan_meier(c, "t").axes[0].get_ylabel()
    'share still a customer (留存率)'
    """
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    for name, g in curves.groupby("group"):
        ax.step(np.r_[0, g["time"]], np.r_[1, g["retention"]], where="post",
                label=f"{name} (n={int(g['customers'].iloc[0]):,})")
    ax.set(xlabel="months as a customer", ylabel="share still a customer (留存率)", ylim=(0, 1.02), title=title)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _distinct_columns(values: np.ndarray) -> np.ndarray:
    """Mask keeping the first of each group of identical columns.

    ``DataFrame.T.duplicated()`` does the same but builds a one-million-column frame and loops over
    it; ``np.unique`` over the (few) columns sorts them as whole vectors instead.
    """
    keep = np.zeros(values.shape[1], dtype=bool)
    if values.shape[1]:
        # NaN never equals itself; a sentinel lets two identical columns with gaps match
        filled = np.where(np.isnan(values), np.inf, values)
        _, first = np.unique(np.ascontiguousarray(filled.T), axis=0, return_index=True)
        keep[first] = True
    return keep


def cox_hazard_ratios(frame: pd.DataFrame, covariates: Sequence[str], *, min_level: int = 20) -> pd.DataFrame:
    """Cox proportional-hazards model (statsmodels ``PHReg``): hazard ratios with 95% intervals.

    Text covariates are one-hot encoded against their most common level (the reference); levels
    with fewer than ``min_level`` customers are pooled into "other". Numeric covariates enter as
    they are (a ratio per unit).

    Returns
    -------
    pandas.DataFrame
        covariate, hazard_ratio, ci_lower, ci_upper, p_value.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(["a", "b"], 200)
    >>> t = rng.exponential(np.where(g == "a", 10, 5))
    >>> f = pd.DataFrame({"duration": t, "event": True, "grp": g})
    >>> hr = cox_hazard_ratios(f, ["grp"]).iloc[0]
    >>> hr["covariate"], bool(1.5 < hr["hazard_ratio"] < 2.7)
    ('grp=b (vs a)', True)
    """
    from statsmodels.duration.hazard_regression import PHReg

    parts = []
    for col in covariates:
        values = frame[col]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            parts.append(values.astype(float).rename(col))
            continue
        values = values.astype("string").fillna("unknown")
        counts = values.value_counts()
        values = values.where(values.isin(counts[counts >= min_level].index), "other")
        reference = values.value_counts().index[0]
        dummies = pd.get_dummies(values, dtype=float).drop(columns=reference)
        dummies.columns = [f"{col}={c} (vs {reference})" for c in dummies.columns]
        parts.append(dummies)
    X = pd.concat(parts, axis=1)
    X = X.loc[:, X.std() > 0]
    X = X.loc[:, _distinct_columns(X.to_numpy())]  # e.g. segment = contract type: identical columns are singular
    ok = X.notna().all(axis=1).to_numpy()
    result = PHReg(frame["duration"].to_numpy(dtype=float)[ok], X.to_numpy()[ok],
                   status=frame["event"].to_numpy(dtype=float)[ok], ties="efron").fit()
    ci = np.exp(np.asarray(result.conf_int()))
    return pd.DataFrame({"covariate": X.columns, "hazard_ratio": np.exp(result.params),
                         "ci_lower": ci[:, 0], "ci_upper": ci[:, 1], "p_value": result.pvalues})


# --------------------------------------------------------------------------- 6. revenue bridge
def _cents(amount: pd.Series) -> np.ndarray:
    return np.round(amount.astype(float).to_numpy() * 100).astype(np.int64)


def revenue_bridge(
    transactions: pd.DataFrame,
    period_1: tuple[str | pd.Timestamp, str | pd.Timestamp],
    period_2: tuple[str | pd.Timestamp, str | pd.Timestamp],
    *,
    by: str | None = None,
    groups: pd.Series | None = None,
) -> pd.DataFrame:
    """Revenue bridge from period 1 to period 2: new, reactivated, expansion, contraction, lost.

    Per customer (or per customer × ``by`` value, e.g. product category): no purchase in period 1
    but one in period 2 → *new* if nothing was bought before period 2 else *reactivated*; bought
    in both → the change is *expansion* if positive, *contraction* if negative; bought in period 1
    only → *lost* (minus its period-1 revenue). Amounts are summed in integer cents, so
    ``start + new + reactivated + expansion + contraction + lost == end`` holds exactly.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (returns count as negative revenue; cancellations are ignored).
    period_1, period_2 : tuple of dates
        Half-open ``[start, end)`` periods.
    by : str, optional
        A transactions column (``product_category``) to split the bridge by; the unit becomes the
        customer × category pair (a first purchase in a category counts as new).
    groups : pandas.Series, optional
        Customer attribute by customer_id (a segment) to split the bridge by.

    Returns
    -------
    pandas.DataFrame
        Columns group (when split), start, new, reactivated, expansion, contraction, lost, end.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B", "C", "D", "D"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-10", "2024-02-01",
    ...                                   "2023-06-01", "2024-02-02"]),
    ...     "amount": [10.0, 15.0, 7.0, 4.0, 9.0, 3.0]})
    >>> revenue_bridge(tx, ("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01")).iloc[0].to_dict()
    {'start': 17.0, 'new': 4.0, 'reactivated': 3.0, 'expansion': 5.0, 'contraction': 0.0, 'lost': -7.0, 'end': 22.0}
    """
    tx = _prepared_transactions(transactions)
    tx["cents"] = _cents(tx["amount"])
    p1 = (_ts(period_1[0]), _ts(period_1[1]))
    p2 = (_ts(period_2[0]), _ts(period_2[1]))
    if not p1[0] < p1[1] <= p2[0] < p2[1]:
        raise ValueError(f"periods must be ordered and not overlap: {p1} then {p2}")
    keys = ["customer_id"] + ([by] if by else [])
    if by and by not in tx:
        raise CRMDataError(f"transactions: no column {by!r} to split the revenue bridge by")
    d = tx["order_date"]
    in1 = (d >= p1[0]) & (d < p1[1])
    in2 = (d >= p2[0]) & (d < p2[1])
    r1 = tx.loc[in1].groupby(keys)["cents"].sum().rename("r1")
    r2 = tx.loc[in2].groupby(keys)["cents"].sum().rename("r2")
    history = tx.loc[d < p2[0], keys].drop_duplicates().set_index(keys).index
    unit = pd.concat([r1, r2], axis=1)
    has1 = unit["r1"].notna().to_numpy()
    has2 = unit["r2"].notna().to_numpy()
    a, b = unit["r1"].fillna(0).to_numpy(np.int64), unit["r2"].fillna(0).to_numpy(np.int64)
    seen = isin(unit.index, history)
    diff = b - a
    parts = pd.DataFrame({
        "start": a,
        "new": np.where(~has1 & has2 & ~seen, b, 0),
        "reactivated": np.where(~has1 & has2 & seen, b, 0),
        "expansion": np.where(has1 & has2 & (diff > 0), diff, 0),
        "contraction": np.where(has1 & has2 & (diff < 0), diff, 0),
        "lost": np.where(has1 & ~has2, -a, 0),
        "end": b,
    }, index=unit.index)
    if groups is not None:
        customer = parts.index.get_level_values("customer_id")
        label = pd.Series(groups.astype("string"), copy=False).reindex(customer).fillna("unknown").to_numpy()
        totals = parts.groupby(label).sum()
    elif by:
        totals = parts.groupby(level=by).sum()
    else:
        totals = parts.sum().to_frame().T
    out = (totals / 100).astype(float)
    if groups is not None or by:
        out.index.name = "group"
        return out.reset_index()
    return out.reset_index(drop=True)


def bridge_table(bridge: pd.DataFrame) -> pd.DataFrame:
    """A one-row bridge as the (component, amount) table written to revenue_bridge.csv.

    Examples
    --------
    >>> b = pd.DataFrame([{"start": 10.0, "new": 1.0, "reactivated": 0.0, "expansion": 2.0,
    ...                    "contraction": -1.0, "lost": -3.0, "end": 9.0}])
    >>> bridge_table(b)["component"].tolist()
    ['start', 'new', 'reactivated', 'expansion', 'contraction', 'lost', 'end']
    """
    row = bridge.iloc[0]
    names = ["start", *BRIDGE_COMPONENTS, "end"]
    return pd.DataFrame({"component": names, "amount": [float(row[n]) for n in names]})


def plot_waterfall(table: pd.DataFrame, title: str = "Revenue bridge (收入桥)") -> Figure:
    """Waterfall chart of a revenue bridge (start, components, end).

    Examples
    --------
    >>> t = pd.DataFrame({"component": ["start", "new", "lost", "end"], "amount": [10.0, 3.0, -4.0, 9.0]})
    >>> len(plot_waterfall(t).axes[0].patches)
    4
    """
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    level = 0.0
    for i, (name, amount) in enumerate(zip(table["component"], table["amount"], strict=True)):
        if name in ("start", "end"):
            bottom, height, color = 0.0, amount, "#4C72B0"
            level = amount
        else:
            bottom, height = level, amount
            color = "#55A868" if amount >= 0 else "#C44E52"
            level += amount
        ax.bar(i, height, bottom=bottom, color=color)
        ax.text(i, bottom + height, f"{amount:,.0f}", ha="center", va="bottom" if amount >= 0 else "top",
                fontsize=8)
    ax.set_xticks(range(len(table)), table["component"])
    ax.set_ylabel("revenue")
    ax.set_title(title)
    fig.tight_layout()
    return fig


def default_periods(transactions: pd.DataFrame, as_of: str | pd.Timestamp,
                    period_days: int = 365) -> tuple[tuple[pd.Timestamp, pd.Timestamp], ...]:
    """Two consecutive periods ending at ``as_of``; shorter halves when the data is too short.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A"], "amount": [1.0], "order_date": pd.to_datetime(["2024-01-01"])})
    >>> p1, p2 = default_periods(tx, "2024-03-01")
    >>> p1[0].date(), p2[0].date()
    (datetime.date(2024, 1, 1), datetime.date(2024, 1, 31))
    """
    as_of = _ts(as_of)
    first = pd.to_datetime(transactions["order_date"]).min().normalize()
    days = min(period_days, (as_of - first).days // 2)
    if days < 1:
        raise CRMDataError("transactions: the data covers less than two days; no revenue bridge")
    start2 = as_of - days * DAY
    return (start2 - days * DAY, start2), (start2, as_of)


# --------------------------------------------------------------------------- segments
def customer_segments(data: CRMData, as_of: str | pd.Timestamp, *, segments_file: str | Path | None = None
                      ) -> tuple[pd.Series, str]:
    """A segment per customer for the breakdowns, and where it came from.

    Chapter 2's clusters when its ``segments.csv`` is given and exists; the contract type for
    contractual data; otherwise an ABC value tier (A: customers making the top 80% of revenue
    before ``as_of``, B: the next 15%, C: the rest).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B", "C"], "amount": [80.0, 15.0, 5.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01"] * 3)})
    >>> customer_segments(CRMData(transactions=tx), "2024-02-01")[0].to_dict()
    {'A': 'A', 'B': 'B', 'C': 'C'}
    """
    if segments_file is not None and Path(segments_file).is_file():
        seg = pd.read_csv(segments_file, dtype={"customer_id": str})
        if {"customer_id", "cluster_name"}.issubset(seg.columns):
            return seg.set_index("customer_id")["cluster_name"].astype("string"), "chapter 2 clusters"
    c = data.customers
    if c is not None and "contract" in c and c["contract"].notna().any():
        c = c.drop_duplicates("customer_id")
        return (pd.Series(c["contract"].astype("string").to_numpy(), index=c["customer_id"].astype(str)),
                "contract type")
    if data.transactions is None:
        ids = c["customer_id"].drop_duplicates().astype(str)
        return pd.Series("all customers", index=ids, dtype="string"), "none (no contract type, no purchases)"
    tx = _prepared_transactions(data.transactions)
    spend = tx.loc[tx["order_date"] < _ts(as_of)].groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    share = spend.clip(lower=0).cumsum() / max(spend.clip(lower=0).sum(), 1e-9)
    tier = np.select([share.shift(fill_value=0) < 0.8, share.shift(fill_value=0) < 0.95], ["A", "B"], "C")
    return pd.Series(tier, index=spend.index, dtype="string"), "ABC value tier (A = top 80% of revenue)"


# --------------------------------------------------------------------------- chapter workflow
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


@dataclass
class ModelData:
    """Training and evaluation data for the churn models, and how they were split.

    Attributes
    ----------
    train : ChurnDataset
    test : ChurnDataset or None
        A later cut-off (time-based split); None means a random split of ``train``.
    note : str
        The split in words (shown in the report).
    """

    train: ChurnDataset
    test: ChurnDataset | None
    note: str


def model_data(
    data: CRMData,
    as_of: str | pd.Timestamp,
    *,
    window_days: int | None,
    price_rise_date: str | None = None,
    trend_days: int = 182,
    min_customers: int = 100,
) -> ModelData:
    """Datasets for the churn models.

    Non-contractual data: train at ``as_of - 2 × window``, test at ``as_of - window`` (every
    outcome window ends by ``as_of``), features strictly before each cut-off. When the data is
    too short for two cut-offs, a single cut-off with a random split. Contractual snapshot data
    (no dates): the churn flag with a random split.

    Raises
    ------
    CRMDataError
        When not even one cut-off has enough customers of both outcomes.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> days = rng.integers(0, 720, 3000)
    >>> tx = pd.DataFrame({"customer_id": (np.arange(3000) % 300).astype(str), "amount": 10.0,
    ...                    "order_date": pd.Timestamp("2023-01-01") + pd.to_timedelta(days, "D")})
    >>> md = model_data(CRMData(transactions=tx), "2025-01-01", window_days=120)
    >>> md.note.startswith("time-based"), md.train.cut_off.date()
    (True, datetime.date(2024, 5, 6))
    """
    as_of = _ts(as_of)
    if is_contractual(data):
        features = contract_features(data.customers)
        labels = label_contractual(data.customers)["churned"].reindex(features.index)
        keep = labels.notna().to_numpy()
        ds = ChurnDataset(features[keep], labels[keep].astype(bool), None)
        return ModelData(ds, None, "contractual snapshot without dates: random stratified split of the "
                                   "customers (a time-based split needs dated history)")
    if window_days is None:
        raise ValueError("window_days is needed for non-contractual data")
    kwargs = {"window_days": window_days, "price_rise_date": price_rise_date, "trend_days": trend_days}

    def usable(ds: ChurnDataset) -> bool:
        return len(ds.labels) >= min_customers and ds.labels.nunique() == 2 and ds.labels.value_counts().min() >= 10

    test_cut = as_of - window_days * DAY
    test = churn_dataset(data, test_cut, **kwargs)
    train = churn_dataset(data, test_cut - window_days * DAY, **kwargs)
    if usable(train) and usable(test):
        return ModelData(train, test, f"time-based: trained on labels at {train.cut_off:%Y-%m-%d}, tested on "
                                      f"labels at {test.cut_off:%Y-%m-%d} (features strictly before each)")
    if usable(test):
        return ModelData(test, None, f"the data is too short for two cut-offs: one cut-off at {test_cut:%Y-%m-%d}"
                                     " with a random stratified split (less honest than a time split)")
    raise CRMDataError(f"transactions: too few active customers of both outcomes at {test_cut:%Y-%m-%d} "
                       f"({len(test.labels)} customers) to train a churn model")


@dataclass
class LostCustomers:
    """Every lost customer with a reason and the revenue lost.

    Attributes
    ----------
    table : pandas.DataFrame
        Indexed by customer_id: reason_category, source (stated / inferred), rule_reason,
        lost_revenue, segment, acquisition_channel (when known).
    features : pandas.DataFrame
        Their behaviour up to the moment they were declared lost.
    method : str
        How missing reasons were inferred.
    """

    table: pd.DataFrame
    features: pd.DataFrame
    method: str


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
    ``as_of``, plus any exit-survey respondent who bought before. Their behaviour is read up to
    the moment they were declared lost (last purchase + window), so what happened just before
    they left (a complaint, a return) is included.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B", "B"], "amount": [50.0, 10.0, 10.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-05-01", "2024-06-01"])})
    >>> survey = pd.DataFrame({"customer_id": ["A"], "reason_category": ["price"], "reason_text": ["太贵"]})
    >>> lost = explain_lost(CRMData(transactions=tx, exit_survey=survey), "2024-07-01", window_days=90)
    >>> lost.table[["reason_category", "source", "lost_revenue"]].values.tolist()
    [['price', 'stated', 50.0]]
    """
    as_of = _ts(as_of)
    stated = stated_reasons(data.exit_survey, classifier)["reason_category"]
    if is_contractual(data):
        features = contract_features(data.customers)
        churned = label_contractual(data.customers)["churned"].reindex(features.index).fillna(False)
        features = features.loc[churned.to_numpy(dtype=bool)]
        revenue = (features["monthly_charges"] * 12 if "monthly_charges" in features
                   else pd.Series(np.nan, index=features.index))
    else:
        status = lost_customers(data.transactions, as_of, window_days=window_days)
        lost_ids = status.index[status["lost"].to_numpy(dtype=bool) | isin(status.index, stated.index)]
        cut = status.loc[lost_ids, "lost_at"].clip(upper=as_of)
        features = behaviour_features(data, cut, price_rise_date=price_rise_date, customers=lost_ids)
        revenue = annualised_spend(features, window_days=window_days)
    inference = infer_reasons(features, stated, seed=seed, price_rise_date=price_rise_date)
    table = inference.reasons.assign(lost_revenue=revenue.reindex(inference.reasons.index).astype(float))
    if segments is not None:
        table["segment"] = segments.reindex(table.index).astype("string").fillna("unknown")
    if data.customers is not None and "acquisition_channel" in data.customers:
        table["acquisition_channel"] = _customer_attributes(data.customers, table.index)["acquisition_channel"]
    return LostCustomers(table, features, inference.method)


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


def active_customer_features(
    data: CRMData, as_of: str | pd.Timestamp, *, window_days: int | None, price_rise_date: str | None = None,
    trend_days: int = 182,
) -> pd.DataFrame:
    """Features at ``as_of`` of the customers still active (to score their churn risk).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "B"], "amount": [1.0, 1.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-06-01"])})
    >>> list(active_customer_features(CRMData(transactions=tx), "2024-07-01", window_days=90).index)
    ['B']
    """
    if is_contractual(data):
        features = contract_features(data.customers)
        churned = label_contractual(data.customers)["churned"].reindex(features.index).fillna(False)
        return features.loc[~churned.to_numpy(dtype=bool)]
    status = lost_customers(data.transactions, as_of, window_days=window_days)
    active = status.index[~status["lost"].to_numpy(dtype=bool)]
    return behaviour_features(data, as_of, price_rise_date=price_rise_date, trend_days=trend_days,
                              customers=active).reindex(active)


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


def label_summary(model_input: ModelData) -> pd.DataFrame:
    """Customers, churners and churn rate of the training and test labels.

    Examples
    --------
    >>> ds = ChurnDataset(pd.DataFrame(index=["A", "B"]), pd.Series([True, False], index=["A", "B"]), None)
    >>> label_summary(ModelData(ds, None, ""))["churn_rate"].tolist()
    [0.5]
    """
    rows = []
    for name, ds in (("train", model_input.train), ("test", model_input.test)):
        if ds is None:
            continue
        rows.append({"dataset": name, "cut_off": ds.cut_off, "customers": len(ds.labels),
                     "churned": int(ds.labels.sum()), "churn_rate": float(ds.labels.mean())})
    return pd.DataFrame(rows)


def management_summary(
    lost: LostCustomers | None, evaluation: pd.DataFrame | None, bridge: pd.DataFrame | None,
    *, lang: str | None = None,
) -> list[str]:
    """Plain-language findings for managers, generated from the chapter's results.

    Parameters
    ----------
    lost, evaluation, bridge
        Lost customers with reasons, the model evaluation table and the revenue bridge; each optional.
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Examples
    --------
    >>> t = pd.DataFrame({"reason_category": ["price", "price", "service"], "source": ["stated"] * 3,
    ...                   "lost_revenue": [10.0, 10.0, 50.0]})
    >>> management_summary(LostCustomers(t, pd.DataFrame(), ""), None, None)[0]
    'The most common reason for leaving is price (2 of 3 lost customers, 67%); the most costly is service (50 a year).'
    >>> management_summary(LostCustomers(t, pd.DataFrame(), ""), None, None, lang="zh")[0]
    '最常见的流失原因是价格（3 位流失客户中有 2 位，67%）；损失最大的原因是服务（每年 50）。'
    """
    from crm_analysis.core import i18n

    zh = i18n.resolve_language(lang) == "zh"
    lines = []
    if lost is not None and lost.table["reason_category"].notna().any():
        t = lost.table.dropna(subset=["reason_category"])
        counts = t["reason_category"].value_counts()
        money = t.groupby("reason_category")["lost_revenue"].sum().sort_values(ascending=False)
        top, n = counts.index[0], int(counts.iloc[0])
        costly, amount = money.index[0], money.iloc[0]
        lines.append(
            f"最常见的流失原因是{i18n.tr(top, 'zh')}（{len(t):,} 位流失客户中有 {n:,} 位，{n / len(t):.0%}）；"
            f"损失最大的原因是{i18n.tr(costly, 'zh')}（每年 {amount:,.0f}）。" if zh else
            f"The most common reason for leaving is {top} ({n:,} of {len(t):,} lost customers, "
            f"{n / len(t):.0%}); the most costly is {costly} ({amount:,.0f} a year).")
    if evaluation is not None and len(evaluation):
        best = evaluation.sort_values("roc_auc", ascending=False).iloc[0]
        lift, auc = best["top_decile_lift"], best["roc_auc"]
        lines.append(
            f"致电流失风险最高的 10% 活跃客户，触达的未来流失客户是随机致电的 {lift:.1f} 倍"
            f"（{i18n.tr(best['model'], 'zh')}，ROC-AUC {auc:.2f}）。" if zh else
            f"Calling the 10% of active customers with the highest churn risk reaches "
            f"{lift:.1f}× as many future churners as calling at random "
            f"({best['model'].replace('_', ' ')}, ROC-AUC {auc:.2f}).")
    if bridge is not None and len(bridge):
        row = bridge.set_index("component")["amount"]
        change = row["end"] - row["start"]
        lines.append(
            f"收入从 {row['start']:,.0f} 变为 {row['end']:,.0f}（{change:+,.0f}）：新客户带来 {row['new']:,.0f}，"
            f"回流客户带来 {row['reactivated']:,.0f}，现有客户多消费 {row['expansion']:,.0f}、"
            f"少消费 {-row['contraction']:,.0f}，流失客户带走了 {-row['lost']:,.0f}。" if zh else
            f"Revenue went from {row['start']:,.0f} to {row['end']:,.0f} ({change:+,.0f}): new customers "
            f"brought {row['new']:,.0f}, returning ones {row['reactivated']:,.0f}, existing customers "
            f"spent {row['expansion']:,.0f} more and {-row['contraction']:,.0f} less, and lost "
            f"customers took {-row['lost']:,.0f} with them.")
    return lines
