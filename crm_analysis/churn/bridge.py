"""Purchase-amount change (客户采购额的变化): the revenue bridge between two periods.

Revenue of two periods split into new, reactivated, expansion, contraction and lost, computed in
integer cents so the parts add up exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis.churn.labels import DAY, _ts
from crm_analysis.core.arrow_text import isin
from crm_analysis.core.errors import CRMDataError
from crm_analysis.features.behaviour import transaction_lines

BRIDGE_COMPONENTS = ("new", "reactivated", "expansion", "contraction", "lost")


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

    Raises
    ------
    ValueError
        If the periods overlap or are out of order.
    CRMDataError
        If ``by`` is not a transactions column.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B", "C", "D", "D"],
    ...     "order_date": pd.to_datetime(["2024-01-05", "2024-02-05", "2024-01-10", "2024-02-01",
    ...                                   "2023-06-01", "2024-02-02"]),
    ...     "amount": [10.0, 15.0, 7.0, 4.0, 9.0, 3.0]})
    >>> revenue_bridge(tx, ("2024-01-01", "2024-02-01"), ("2024-02-01", "2024-03-01")).iloc[0].to_dict()
    {'start': 17.0, 'new': 4.0, 'reactivated': 3.0, 'expansion': 5.0, 'contraction': 0.0, 'lost': -7.0, 'end': 22.0}
    """
    tx = transaction_lines(transactions)
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


def default_periods(transactions: pd.DataFrame, as_of: str | pd.Timestamp,
                    period_days: int = 365) -> tuple[tuple[pd.Timestamp, pd.Timestamp], ...]:
    """Two consecutive periods ending at ``as_of``; shorter halves when the data is too short.

    Raises
    ------
    CRMDataError
        If the data covers less than two days.

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
