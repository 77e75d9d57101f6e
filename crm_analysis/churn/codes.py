"""Reason codes (原因代码): up to three reasons per customer, in plain words, strongest first."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _plural(n: pd.Series, word: str) -> pd.Series:
    return n.astype(int).astype(str) + " " + word + np.where(n == 1, "", "s")


def reason_codes(features: pd.DataFrame, *, top: int = 3, price_rise_date: str | None = None) -> pd.DataFrame:
    """Up to ``top`` reasons per customer, in plain words, strongest first.

    Each rule fires on one behaviour and carries a strength (how far the behaviour is from
    normal); the strongest fired rules become reason_1..reason_3.

    Parameters
    ----------
    features : pandas.DataFrame
        :func:`crm_analysis.features.behaviour_features` or
        :func:`crm_analysis.churn.contract_features` output.
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
    ...                   "n_purchase_days": [5.0, 1.0]}, index=["A", "B"])
    >>> reason_codes(f).loc["A"].tolist()
    ['2 unresolved complaints in the last 90 days', 'spend down 60% vs the previous half-year', None]
    >>> reason_codes(f).loc["B", "reason_1"]
    'only one purchase so far'
    """
    n = len(features)

    def col(name: str) -> pd.Series:
        return features[name].astype(float) if name in features else pd.Series(np.nan, index=features.index)

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
    add(col("n_purchase_days") == 1, pd.Series(2.0, index=features.index),
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
