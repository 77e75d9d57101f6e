"""Predicted value (预测价值) per customer: P(alive), expected purchases and order value, CLV, churn risk."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.core import handoff
from crm_analysis.core.checks import require_columns
from crm_analysis.data.privacy import mask_pii
from crm_analysis.features import TIME_UNITS
from crm_analysis.models.clv import NaiveRateModel, UndefinedValueWarning, customer_lifetime_value
from crm_analysis.value.actions import DEFAULT_TIER_SHARES, service_levels, value_tiers
from crm_analysis.value.choice import BASELINE, PURCHASE_MODELS, alive_score
from crm_analysis.value.fitting import SPEND_CAP, ValueModels, expected_purchases, spend_model_is_finite
from crm_analysis.value.periods import _SUMMARY_REQUIRED


def expected_order_value(models: ValueModels, summary: pd.DataFrame) -> pd.Series:
    """Expected spend per order: Gamma-Gamma's conditional mean when it is safe, else a finite shrinkage rule.

    When the Gamma-Gamma fit is interior and identified and the 95% interval of its ``q`` lies
    above 1 (:func:`crm_analysis.value.fitting.spend_model_is_finite`), repeat buyers get
    ``p (v + x m) / (p x + q - 1)``, a weighted mean of their own mean ``m`` and the population
    mean ``p v / (q - 1)``, which is what one-time buyers get.

    Otherwise (q <= 1, or its interval reaching 1: spend so heavy-tailed that the population mean
    is infinite and the weights above blow up for customers with few orders) the rule is the
    observed-mean shrinkage with a finite, robust population mean: ``(x m + mu) / (x + 1)``,
    ``mu`` = the median of the repeat buyers' mean spends (one pseudo-order at the typical
    customer's spend), capped at ``SPEND_CAP`` (3) times the customer's own mean, so no repeat
    buyer's expected order value exceeds three times their own largest purchase (``monetary_value``
    is the mean spend per repeat purchase day, as BG/NBD counts purchases: a day with two orders
    is one purchase, so a single order can be smaller than that). One-time buyers get
    ``mu``. Without a Gamma-Gamma model everyone gets their own observed mean (``mu`` for
    one-time buyers). ``attrs["spend_rule"]`` names the rule used.

    Examples
    --------
    >>> from crm_analysis.models.clv import GammaGammaModel
    >>> models = ValueModels(None, GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44), None, "W", [])
    >>> summary = pd.DataFrame({"frequency": [0, 2], "monetary_value": [0.0, 22.35]})
    >>> expected_order_value(models, summary).round(2).tolist()
    [35.22, 24.66]
    >>> heavy = ValueModels(None, GammaGammaModel.from_params(p=3.2, q=0.61, v=11.0), None, "W", [])
    >>> out = expected_order_value(heavy, pd.DataFrame({"frequency": [0, 1, 3], "monetary_value": [0.0, 20.0, 400.0]}))
    >>> out.round(2).tolist(), out.attrs["spend_rule"]
    ([210.0, 60.0, 352.5], 'shrinkage to the median (Gamma-Gamma q not safely above 1)')
    """
    f = summary["frequency"].to_numpy(dtype="float64")
    m = summary["monetary_value"].to_numpy(dtype="float64")
    positive = (f > 0) & (m > 0)
    typical = float(np.median(m[positive])) if positive.any() else 0.0
    if models.gamma_gamma is None:
        value, rule = np.where(positive, m, typical), "own mean (no Gamma-Gamma model)"
    elif spend_model_is_finite(models.gamma_gamma):
        x, mean = np.where(positive, f, 0.0), np.where(positive, m, 0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UndefinedValueWarning)
            value = np.asarray(models.gamma_gamma.expected_order_value(x, mean), dtype="float64")
        value, rule = np.where(np.isfinite(value), value, typical), "Gamma-Gamma"
    else:
        shrunk = (f * m + typical) / (f + 1.0)
        value = np.where(positive, np.minimum(shrunk, SPEND_CAP * m), typical)
        rule = "shrinkage to the median (Gamma-Gamma q not safely above 1)"
    out = pd.Series(value, index=summary.index, name="expected_order_value")
    out.attrs["spend_rule"] = rule
    return out


class _KnownOrderValue:
    """Stands in for the spend model in :func:`crm_analysis.models.clv.customer_lifetime_value`.

    It returns order values computed beforehand (with the fallbacks of
    :func:`expected_order_value`), so the discounting lives in one place, the clv module.
    """

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def expected_order_value(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        return self.values


def predict_value(
    summary: pd.DataFrame,
    models: ValueModels,
    *,
    horizon: float = 52.0,
    discount_rate: float = 0.10,
    alive_model: str = "bgnbd",
    purchase_model: str = "bgnbd",
) -> pd.DataFrame:
    """P(alive), expected purchases and order value, and the discounted CLV per customer.

    Parameters
    ----------
    summary : pandas.DataFrame
        RFM summary the models apply to (usually the one they were fitted on).
    models : ValueModels
        From :func:`fit_value_models`.
    horizon : float, default 52
        Forecast horizon in the summary's time unit (52 weeks = one year).
    discount_rate : float, default 0.10
        Annual discount rate. Purchases are discounted month by month at the equivalent
        monthly rate ``(1 + d) ** (1 / 12) - 1`` (:func:`crm_analysis.models.clv.customer_lifetime_value`).
    alive_model : {"bgnbd", "pareto_nbd"}, default "bgnbd"
        Model behind the ``p_alive`` column. BG/NBD lets customers drop out only right after
        a purchase, so it calls *every* one-time buyer certainly alive however long ago they
        bought; Pareto/NBD (dropout at any time) does not, which matters for churn risk. If
        Pareto/NBD was not fitted, BG/NBD is used with a warning. "mbgnbd" (MBG/NBD, one-time
        buyers may have left) when it was fitted. Where the model measures no dropout at all
        (every P(alive) above 0.999, e.g. s -> 0), ``p_alive`` is instead the probability of at
        least one purchase in the next 13 weeks (:func:`crm_analysis.value.choice.p_any_purchase`)
        and ``attrs["alive_measure"]`` says so.
    purchase_model : {"bgnbd", "pareto_nbd", "mbgnbd", "baseline"}, default "bgnbd"
        Model behind expected purchases and CLV; "baseline" is each customer's past purchase
        rate (:class:`crm_analysis.models.clv.NaiveRateModel`), chosen when no model beats it on
        the holdout (:func:`crm_analysis.value.choice.compare_purchase_models`).

    Returns
    -------
    pandas.DataFrame
        Same index: ``p_alive``, ``expected_purchases`` (within ``horizon``),
        ``expected_order_value``, ``clv`` (discounted expected value of the purchases within
        ``horizon``), ``p_alive_bgnbd``, and ``p_alive_pareto`` when a Pareto/NBD model was
        fitted (``p_alive_mbgnbd`` for MBG/NBD). ``attrs``: ``alive_model``, ``alive_measure``
        ("P(alive)" or "P(purchase in next 13 weeks)"), ``purchase_model``, ``spend_rule``.

    Raises
    ------
    ValueError
        If ``horizon`` is not positive or ``alive_model`` or ``purchase_model`` is unknown.

    Examples
    --------
    >>> from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma
    >>> from crm_analysis.value import fit_value_models
    >>> summary = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=500, seed=1)
    >>> summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6, q=4, v=15, seed=1)
    >>> value = predict_value(summary, fit_value_models(summary, pareto=False), horizon=52)
    >>> bool(value["p_alive"].between(0, 1).all()), bool((value["clv"] >= 0).all())
    (True, True)
    """
    require_columns(summary, _SUMMARY_REQUIRED, "RFM summary")
    if horizon <= 0:
        raise ValueError(f"horizon must be positive, got {horizon}")
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    fitted = models.purchase_models()
    if alive_model not in PURCHASE_MODELS:
        raise ValueError(f"alive_model must be one of {', '.join(PURCHASE_MODELS)}, not {alive_model!r}")
    if alive_model not in fitted:
        warnings.warn(f"{PURCHASE_MODELS[alive_model][0]} was not fitted: p_alive comes from BG/NBD", UserWarning,
                      stacklevel=2)
        alive_model = "bgnbd"
    if purchase_model != BASELINE and purchase_model not in PURCHASE_MODELS:
        raise ValueError(f"purchase_model must be one of {', '.join([*PURCHASE_MODELS, BASELINE])}, "
                         f"not {purchase_model!r}")
    forecaster = NaiveRateModel() if purchase_model == BASELINE else fitted.get(purchase_model, models.bgnbd)
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = np.nan
    out["expected_purchases"] = expected_purchases(forecaster, horizon, f, r, t)
    spend = expected_order_value(models, summary)
    out["expected_order_value"] = spend
    # Discount month by month: one period = a month in the data's unit, rate = monthly equivalent.
    month = TIME_UNITS["M"] / TIME_UNITS[models.time_unit]
    clv = customer_lifetime_value(
        forecaster, _KnownOrderValue(out["expected_order_value"].to_numpy()), f, r, t,
        summary["monetary_value"].to_numpy(dtype="float64"),
        horizon=horizon / month, discount_rate=(1.0 + discount_rate) ** (1.0 / 12.0) - 1.0, time_unit=month,
    )
    out["clv"] = np.asarray(clv, dtype="float64")
    for key, column in (("bgnbd", "p_alive_bgnbd"), ("pareto_nbd", "p_alive_pareto"), ("mbgnbd", "p_alive_mbgnbd")):
        if key in fitted:
            out[column] = np.asarray(fitted[key].probability_alive(f, r, t), dtype="float64")
    weeks_13 = 13.0 * TIME_UNITS["W"] / TIME_UNITS[models.time_unit]
    score, measure = alive_score(fitted[alive_model], weeks_13, f, r, t)
    out["p_alive"] = score
    out.attrs.update({"alive_model": alive_model, "alive_measure": measure.replace(f"{weeks_13:g} weeks", "13 weeks"),
                      "purchase_model": purchase_model, "spend_rule": spend.attrs["spend_rule"]})
    return out


def churn_risk(p_alive: pd.Series, churn_scores: pd.DataFrame | None = None) -> pd.DataFrame:
    """Churn risk per customer: chapter 3's churn probability when available, else 1 - P(alive).

    Parameters
    ----------
    p_alive : pandas.Series
        Indexed by customer_id.
    churn_scores : pandas.DataFrame, optional
        Chapter 3's scores with ``churn_probability``, indexed by customer_id as
        ``crm_analysis.core.handoff.fetch("churn_scores", ...).frame`` returns them (a
        ``customer_id`` column also works). Customers it does not score fall back to 1 - P(alive).

    Returns
    -------
    pandas.DataFrame
        ``churn_risk`` and ``risk_source`` ("chapter 3 churn model" or "1 - P(alive)").

    Examples
    --------
    >>> churn_risk(pd.Series([0.8], index=["a"]))["churn_risk"].round(2).tolist()
    [0.2]
    >>> scores = pd.DataFrame({"churn_probability": [0.9]}, index=pd.Index(["a"], name="customer_id"))
    >>> churn_risk(pd.Series([0.8, 0.5], index=["a", "b"]), scores)["risk_source"].tolist()
    ['chapter 3 churn model', '1 - P(alive)']
    """
    out = pd.DataFrame({"churn_risk": 1.0 - p_alive.astype("float64"), "risk_source": "1 - P(alive)"},
                       index=p_alive.index)
    if churn_scores is not None and "churn_probability" in churn_scores.columns:
        scores = churn_scores.set_index("customer_id") if "customer_id" in churn_scores.columns else churn_scores
        prob = scores["churn_probability"].astype("float64")
        prob.index = prob.index.astype("string")
        prob = prob[~prob.index.duplicated()].reindex(out.index)
        known = prob.notna()
        out.loc[known, "churn_risk"] = prob[known]
        out.loc[known, "risk_source"] = "chapter 3 churn model"
    return out


def customer_value_table(
    history: pd.DataFrame,
    prediction: pd.DataFrame,
    *,
    risk: pd.DataFrame | None = None,
    tier_shares: tuple[float, float] = DEFAULT_TIER_SHARES,
    risk_threshold: float = 0.5,
) -> pd.DataFrame:
    """Join history and prediction, add value tier, risk and service level per customer.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`historical_value` output.
    prediction : pandas.DataFrame
        :func:`predict_value` output (customers of the fitted summary).
    risk : pandas.DataFrame, optional
        :func:`churn_risk` output; by default 1 - P(alive).
    tier_shares, risk_threshold
        See :func:`value_tiers` and :func:`service_levels`.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id; first the columns of ``tables/customer_value.csv``:
        ``historical_value``, ``p_alive``, ``expected_purchases``, ``expected_order_value``,
        ``clv``, ``value_tier``, ``service_level``; then ``n_orders``, ``churn_risk``,
        ``risk_source``.

    Examples
    --------
    >>> history = pd.DataFrame({"revenue": [500.0, 20.0], "n_orders": [5, 1]}, index=["a", "b"])
    >>> pred = pd.DataFrame({"p_alive": [0.9, 0.2], "expected_purchases": [3.0, 0.1],
    ...                      "expected_order_value": [100.0, 20.0], "clv": [280.0, 1.5]}, index=["a", "b"])
    >>> table = customer_value_table(history, pred, tier_shares=(0.5, 0.9))
    >>> export_customer_value(table)[["customer_id", "clv", "value_tier", "service_level"]]
      customer_id    clv value_tier service_level
    0           a  280.0          A    one_to_one
    1           b    1.5          C        let_go
    """
    require_columns(history, ("revenue", "n_orders"), "historical value")
    require_columns(prediction, ("p_alive", "expected_purchases", "expected_order_value", "clv"), "predicted value")
    out = prediction[["p_alive", "expected_purchases", "expected_order_value", "clv"]].join(
        history[["revenue", "n_orders"]].rename(columns={"revenue": "historical_value"}), how="left")
    out["historical_value"] = out["historical_value"].fillna(0.0)
    out["n_orders"] = out["n_orders"].fillna(0).astype("int64")
    if risk is None:
        risk = churn_risk(out["p_alive"])
    out = out.join(risk[["churn_risk", "risk_source"]], how="left")
    out["value_tier"] = value_tiers(out["clv"], shares=tier_shares, net_spend=out["historical_value"])
    out["service_level"] = service_levels(out["value_tier"], out["churn_risk"], risk_threshold=risk_threshold)
    first = ["historical_value", "p_alive", "expected_purchases", "expected_order_value", "clv",
             "value_tier", "service_level"]
    return out[[*first, "n_orders", "churn_risk", "risk_source"]].sort_values("clv", ascending=False, kind="stable")


def export_customer_value(table: pd.DataFrame) -> pd.DataFrame:
    """The exact ``tables/customer_value.csv`` layout: customer_id first, values rounded.

    See :func:`customer_value_table` for an example.
    """
    columns = ["historical_value", "p_alive", "expected_purchases", "expected_order_value", "clv",
               "value_tier", "service_level"]
    out = table[columns].copy()
    for c in ("historical_value", "expected_order_value", "clv"):
        out[c] = out[c].round(2)
    for c in ("p_alive", "expected_purchases"):
        out[c] = out[c].round(4)
    return out.rename_axis("customer_id").reset_index()


def publish_customer_value(table: pd.DataFrame, output_dir: str | Path, *, source: str) -> Path:
    """Hand chapter 4's result to later chapters: ``handoff.publish(..., "customer_value", ...)``.

    Parameters
    ----------
    table : DataFrame
        :func:`customer_value_table` output (indexed by customer_id).
    output_dir : str or Path
        The run folder.
    source : str
        The data source (``CRMData.source``).

    Returns
    -------
    Path
        The file written.

    Examples
    --------
    >>> import tempfile
    >>> t = pd.DataFrame({"historical_value": [1.0], "clv": [5.0], "p_alive": [0.9], "value_tier": ["A"],
    ...                   "service_level": ["one_to_one"], "churn_risk": [0.1]}, index=pd.Index(["a"]))
    >>> publish_customer_value(t, tempfile.mkdtemp(), source="teaching").name
    'customer_value.parquet'
    """
    columns = ["clv", "p_alive", "value_tier", "historical_value", "churn_risk", "service_level"]
    frame = table[[c for c in columns if c in table.columns]].rename_axis("customer_id")
    return handoff.publish(frame, "customer_value", output_dir, source=source)


def top_customers(
    table: pd.DataFrame,
    customers: pd.DataFrame | None = None,
    *,
    n: int = 10,
    by: str = "clv",
    show_pii: bool = False,
) -> pd.DataFrame:
    """The ``n`` most valuable customers with contact details, personal data masked unless ``show_pii``.

    Examples
    --------
    >>> t = pd.DataFrame({"clv": [5.0, 9.0]}, index=pd.Index(["a", "b"], name="customer_id"))
    >>> c = pd.DataFrame({"customer_id": ["a", "b"], "name": ["张伟", "李娜"], "phone": ["13812345678"] * 2})
    >>> top_customers(t, c, n=1)[["customer_id", "name", "phone"]].to_dict("records")
    [{'customer_id': 'b', 'name': '李*', 'phone': '138****5678'}]
    """
    ranked = table["historical_value"].round(2) > 0 if "historical_value" in table else slice(None)
    top = table.loc[ranked].nlargest(n, by).rename_axis("customer_id").reset_index()  # net spend ≤ 0: never top
    if customers is not None and "customer_id" in customers.columns:
        keep = [c for c in ("customer_id", "name", "phone", "email", "city", "customer_type") if c in customers]
        info = customers[keep].drop_duplicates("customer_id").astype({"customer_id": "string"})
        top = top.astype({"customer_id": "string"}).merge(info, on="customer_id", how="left")
    return mask_pii(top, show_pii=show_pii)
