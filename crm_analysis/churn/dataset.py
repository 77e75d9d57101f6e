"""Model data (建模数据): features strictly before a cut-off, the churn outcome after it.

Non-contractual data: train at ``as_of - 2 × window``, test at ``as_of - window`` (a time-based
split). Contractual snapshot data (no dates): the churn flag with a random split.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from crm_analysis.churn.labels import DAY, _ts, is_contractual, label_contractual, label_inactivity, lost_customers
from crm_analysis.core.checks import require_columns
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.features.behaviour import behaviour_features

# Columns never used as model features: identifiers, personal data, and anything that restates
# the outcome (Telco's churn score, status and CLTV are computed by IBM with knowledge of churn).
_NOT_FEATURES = re.compile(
    r"(customer_id|^name$|phone|email|birth|updated_at|signup_date|churn|status|cltv|reason|"
    r"lat|long|zip|^count$|quarter|^city$)",
    re.IGNORECASE,
)
_DROP_FROM_MODEL = ("first_purchase", "last_purchase")


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

    Raises
    ------
    CRMDataError
        If ``customer_id`` is missing.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["A", "B"], "tenure_months": [1.0, 30.0],
    ...                   "contract": ["Month-to-month", "Two year"], "churned": [True, False],
    ...                   "churn_score": [90, 10]})
    >>> list(contract_features(c).columns)
    ['tenure_months', 'contract']
    """
    customers = require_columns(customers, ["customer_id"], "table customers").drop_duplicates("customer_id")
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


def design_matrix(features: pd.DataFrame, columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Numeric model matrix: numbers as float, text columns one-hot encoded.

    Parameters
    ----------
    features : pandas.DataFrame
        Output of :func:`crm_analysis.features.behaviour_features` or :func:`contract_features`.
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
        Passed to :func:`crm_analysis.features.behaviour_features`.

    Returns
    -------
    ChurnDataset

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [5.0, 5.0, 7.0],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-01-15"])})
    >>> ds = churn_dataset(CRMData(transactions=tx), "2024-02-01", window_days=45)
    >>> ds.labels.to_dict(), float(ds.features.loc["A", "n_purchase_days"])
    ({'A': False, 'B': True}, 1.0)
    """
    cut = _ts(cut_off)
    labels = label_inactivity(data.transactions, cut, window_days=window_days)["churned"]
    features = behaviour_features(data, cut, trend_days=trend_days, recent_days=recent_days,
                                  price_rise_date=price_rise_date, customers=labels.index)
    features = features.reindex(labels.index)
    return ChurnDataset(features, labels.astype(bool), cut)


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

    Parameters
    ----------
    data : CRMData
    as_of : str or Timestamp
    window_days : int or None
        Inactivity window; required for non-contractual data.
    price_rise_date : str, optional
    trend_days : int, default 182
    min_customers : int, default 100
        Fewest labelled customers a cut-off needs (and 10 of each outcome).

    Returns
    -------
    ModelData

    Raises
    ------
    CRMDataError
        When not even one cut-off has enough customers of both outcomes.

    Examples
    --------
    >>> import numpy as np
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
