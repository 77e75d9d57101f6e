"""Customer value (客户价值): historical and predicted lifetime value, its validation, and what to do with it.

The chapter-4 notebook calls these functions in order:

1. **Historical value** (历史价值): :func:`historical_value` (net revenue, orders, tenure,
   returns per customer) and its concentration (:func:`concentration_summary`,
   :func:`plot_concentration`: Pareto / ABC, Gini).
2. **Predicted value** (预测价值): :func:`fit_value_models` fits the buy-till-you-die
   models of :mod:`crm_analysis.models.clv` (BG/NBD, Gamma-Gamma, optionally Pareto/NBD) on
   :func:`crm_analysis.features.rfm_summary`; :func:`predict_value` gives P(alive),
   expected purchases, expected order value and the discounted CLV over a horizon.
3. **Validation** (模型验证): :func:`holdout_by_frequency`, :func:`tracking_table` (the
   cumulative and weekly tracking plots of Fader, Hardie & Lee 2005),
   :func:`clv_backtest_by_decile`, :func:`alive_auc` (teaching data: P(alive) against the
   generator's truth), :func:`model_fit_table` and :func:`parameter_drift` (scheduled runs).
4. **What to do** (客户分级服务): :func:`value_tiers` × churn risk -> :func:`service_levels`
   (one-to-one, proactive "gold", responsive "silver", win-back, let go), the contact
   plan :data:`CONTACT_PLAN`, :func:`value_at_risk` and the satisfaction -> loyalty ->
   recommendation funnel (:func:`loyalty_funnel`).

Time conventions: ``as_of`` is the analysis date as :func:`crm_analysis.app.report.resolve_as_of`
gives it (by default the day *after* the last transaction), so the observation period ends
the day before (:func:`observation_end`); a calibration period ends on ``calibration_end``
(inclusive) and the holdout runs from the next day to the observation end.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from crm_analysis.core.errors import CRMDataError
from crm_analysis.features import TIME_UNITS, rfm_summary
from crm_analysis.features.abc import abc_tiers, concentration, plot_pareto
from crm_analysis.models.clv import UndefinedValueWarning

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Value tiers by predicted CLV rank (the course's customer pyramid, 客户金字塔): the share of
# customers at the top of each tier. A = key accounts, B = major, C = ordinary customers.
DEFAULT_TIER_SHARES: tuple[float, float] = (0.10, 0.40)
TIER_NAMES = {"A": "A key (关键客户)", "B": "B major (主要客户)", "C": "C ordinary (普通客户)"}

# Action matrix: (value tier, high churn risk?) -> service level.
SERVICE_MATRIX: dict[tuple[str, bool], str] = {
    ("A", False): "one_to_one",
    ("A", True): "win_back",
    ("B", False): "proactive_gold",
    ("B", True): "win_back",
    ("C", False): "responsive_silver",
    ("C", True): "let_go",
}

# The visit plan by customer grade (客户分级拜访计划): how often each service level is contacted.
CONTACT_PLAN = pd.DataFrame(
    [
        ("one_to_one", "一对一服务", "dedicated account manager", 12,
         "monthly visit or call, quarterly business review, tailored offers"),
        ("proactive_gold", "主动式金牌服务", "key-account team", 4,
         "quarterly proactive call, early access to new products"),
        ("responsive_silver", "响应式银牌服务", "service centre", 1,
         "answer promptly when they call; yearly care call and newsletters"),
        ("win_back", "客户挽回", "account manager + service lead", 3,
         "call within two weeks, find the reason, make a tailored offer, follow up twice"),
        ("let_go", "放弃/自然流失", "none (automated only)", 0,
         "no personal contact; keep in low-cost automated mailings"),
    ],
    columns=["service_level", "service_level_zh", "owner", "contacts_per_year", "what"],
)

_TX_REQUIRED = ("customer_id", "order_date", "amount")
_SUMMARY_REQUIRED = ("frequency", "recency", "T", "monetary_value")
_HOLDOUT_REQUIRED = (*_SUMMARY_REQUIRED, "frequency_holdout", "monetary_value_holdout", "duration_holdout")


# --------------------------------------------------------------------------- helpers


def _require(frame: pd.DataFrame, columns: tuple[str, ...] | list[str], what: str) -> None:
    """Raise a clear error naming the missing columns (instead of a KeyError deep inside)."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise CRMDataError(
            f"{what}: missing required column(s) {', '.join(map(repr, missing))} "
            f"(columns present: {', '.join(map(str, frame.columns))})"
        )


def observation_end(as_of: str | pd.Timestamp) -> pd.Timestamp:
    """Last day of the observation period: the day before the analysis date ``as_of``.

    Examples
    --------
    >>> observation_end("1998-07-01")
    Timestamp('1998-06-30 00:00:00')
    """
    return pd.Timestamp(as_of).normalize() - pd.Timedelta(days=1)


def default_calibration_end(as_of: str | pd.Timestamp, holdout_weeks: int) -> pd.Timestamp:
    """Calibration end that leaves exactly ``holdout_weeks`` weeks of holdout before ``as_of``.

    Examples
    --------
    >>> default_calibration_end("1998-07-01", 39)  # CDNOW: the paper's 1997-09-30
    Timestamp('1997-09-30 00:00:00')
    """
    if holdout_weeks <= 0:
        raise ValueError(f"holdout_weeks must be positive, got {holdout_weeks}")
    return observation_end(as_of) - pd.Timedelta(weeks=holdout_weeks)


# --------------------------------------------------------------------------- historical value


def historical_value(transactions: pd.DataFrame, *, as_of: str | pd.Timestamp) -> pd.DataFrame:
    """Historical value per customer (历史价值): revenue, orders, tenure and returns before ``as_of``.

    Completed lines are purchases; returned lines (status ``returned``, or a negative amount
    when there is no status column) reduce revenue by their absolute value; cancelled lines
    are ignored.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions: ``customer_id``, ``order_date``, ``amount``; optional
        ``status`` and ``order_id`` (orders are distinct order ids when present, else distinct
        purchase days).
    as_of : date-like
        Analysis date; only lines strictly before it count.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``customer_id`` (customers with at least one purchase): ``revenue`` (net of
        returns), ``gross_revenue``, ``orders``, ``average_order_value``, ``returns`` (returned
        lines), ``returned_value``, ``return_rate`` (returns / orders), ``first_purchase``,
        ``last_purchase``, ``tenure_days`` (first purchase to ``as_of``), ``recency_days``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a required column is missing.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "A", "B"],
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-01-09", "2024-01-03"]),
    ...     "amount": [100.0, 50.0, -20.0, 30.0], "status": ["completed", "completed", "returned", "completed"]})
    >>> historical_value(tx, as_of="2024-01-11")[["revenue", "orders", "returns", "tenure_days"]]
                 revenue  orders  returns  tenure_days
    customer_id
    A              130.0       2        1           10
    B               30.0       1        0            8
    """
    _require(transactions, _TX_REQUIRED, "transactions")
    as_of = pd.Timestamp(as_of).normalize()
    tx = transactions.loc[transactions["order_date"] < as_of]
    amount = tx["amount"].astype("float64").fillna(0.0)
    if "status" in tx.columns:
        status = tx["status"].astype("string")
        completed = (status == "completed").fillna(False)
        returned = (status == "returned").fillna(False)
    else:
        completed = amount >= 0
        returned = amount < 0
    day = tx["order_date"].dt.normalize()
    has_order_id = "order_id" in tx.columns and tx["order_id"].notna().any()
    order_key = tx["order_id"].astype("string").fillna(day.astype("string")) if has_order_id else day
    parts = pd.DataFrame(
        {
            "customer_id": tx["customer_id"].astype("string"),
            "sale": amount.where(completed, 0.0),
            "refund": amount.abs().where(returned, 0.0),
            "is_return": returned.astype("int64"),
            "purchase_day": day.where(completed),
            "order_key": order_key.where(completed),
        }
    )
    grouped = parts.groupby("customer_id", sort=True)
    out = grouped.agg(
        gross_revenue=("sale", "sum"),
        returned_value=("refund", "sum"),
        returns=("is_return", "sum"),
        orders=("order_key", "nunique"),
        first_purchase=("purchase_day", "min"),
        last_purchase=("purchase_day", "max"),
    )
    out = out.loc[out["orders"] > 0].copy()
    out["revenue"] = out["gross_revenue"] - out["returned_value"]
    out["average_order_value"] = out["gross_revenue"] / out["orders"]
    out["return_rate"] = out["returns"] / out["orders"]
    out["tenure_days"] = (as_of - out["first_purchase"]).dt.days.astype("int64")
    out["recency_days"] = (as_of - out["last_purchase"]).dt.days.astype("int64")
    out["orders"] = out["orders"].astype("int64")
    out["returns"] = out["returns"].astype("int64")
    columns = ["revenue", "gross_revenue", "orders", "average_order_value", "returns", "returned_value",
               "return_rate", "first_purchase", "last_purchase", "tenure_days", "recency_days"]
    return out[columns]


# --------------------------------------------------------------------------- concentration


def concentration_summary(values: pd.Series, *, a_share: float = 0.80, b_share: float = 0.95) -> pd.DataFrame:
    """Headline concentration figures, reusing chapter 2's Pareto / ABC (:mod:`crm_analysis.segment`).

    Parameters
    ----------
    values : pandas.Series
        Value per customer (net revenue; negative counts as 0).
    a_share, b_share : float
        ABC thresholds on the cumulative share of value.

    Returns
    -------
    pandas.DataFrame
        One column ``value`` indexed by figure: ``customers``, ``revenue``, ``gini``,
        ``top_20pct_value_share``, ``customer_share_for_80pct`` and, per ABC class,
        ``tier_X_customers`` and ``tier_X_value_share``.

    Examples
    --------
    >>> s = concentration_summary(pd.Series([80.0, 15.0, 5.0, 0.0], index=list("wxyz")))
    >>> float(s.loc["top_20pct_value_share", "value"]), float(s.loc["tier_A_customers", "value"])
    (0.8, 1.0)
    """
    stats = concentration(values).rename({"top_share_of_revenue": "top_20pct_value_share"})
    tiers = abc_tiers(values, a=a_share, b=b_share)
    clipped = values.astype("float64").fillna(0.0).clip(lower=0.0)
    total = clipped.sum()
    rows = stats.to_dict()
    for tier in "ABC":
        members = (tiers == tier).to_numpy()
        rows[f"tier_{tier}_customers"] = float(members.sum())
        rows[f"tier_{tier}_value_share"] = float(clipped[members].sum() / total) if total > 0 else 0.0
    return pd.DataFrame({"value": pd.Series(rows, dtype="float64")})


def plot_concentration(values: pd.Series, *, a_share: float = 0.80, b_share: float = 0.95) -> Figure:
    """Pareto and Lorenz curves of value (chapter 2's :func:`crm_analysis.segment.plot_pareto`).

    Examples
    --------
    >>> len(plot_concentration(pd.Series([5.0, 3.0, 1.0, 1.0])).axes)
    2
    """
    import matplotlib.pyplot as plt

    fig = plot_pareto(values, a=a_share, b=b_share)
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------- model fitting


@dataclass
class ValueModels:
    """The fitted buy-till-you-die models of one summary table.

    Attributes
    ----------
    bgnbd : crm_analysis.models.clv.BetaGeoModel
        Purchase and dropout process.
    gamma_gamma : crm_analysis.models.clv.GammaGammaModel or None
        Spend per order (None when fewer than 10 repeat buyers with positive spend).
    pareto_nbd : crm_analysis.models.clv.ParetoNBDModel or None
        The second purchase model, for comparison (None if not requested or it failed).
    time_unit : str
        Unit of recency, T and horizons ("D", "W", "M").
    notes : list of str
        What went wrong or was skipped, in plain words.
    """

    bgnbd: Any
    gamma_gamma: Any | None
    pareto_nbd: Any | None
    time_unit: str
    notes: list[str]


def expected_purchases(model: Any, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
    """The model's conditional expected purchases in the next ``t``, as a float array.

    :mod:`crm_analysis.models.clv` keeps this finite in the BG/NBD limit too, where the fit lets
    ``a`` and ``b`` grow without bound (only ``p = a / (a + b)`` is identified).

    Examples
    --------
    >>> from crm_analysis.models.clv import BetaGeoModel
    >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> round(float(expected_purchases(m, 39, [2], [30.43], [38.86])[0]), 3)
    1.226
    """
    f, rec, age = (np.asarray(v, dtype="float64").ravel() for v in (frequency, recency, T))
    return np.array(model.expected_purchases(t, f, rec, age), dtype="float64", ndmin=1)


def summary_table(
    transactions: pd.DataFrame,
    *,
    as_of: str | pd.Timestamp,
    calibration_end: str | pd.Timestamp | None = None,
    time_unit: str = "W",
    engine: str = "pandas",
) -> pd.DataFrame:
    """:func:`crm_analysis.features.rfm_summary` over the period ending the day before ``as_of``.

    ``engine`` ("pandas", "duckdb" or "spark") picks who computes it; the table is the same
    (see :func:`crm_analysis.features.rfm_summary_with`).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["A", "A"], "order_date": pd.to_datetime(["2024-01-01", "2024-01-08"]),
    ...                    "amount": [10.0, 20.0]})
    >>> summary_table(tx, as_of="2024-01-16")[["frequency", "recency", "T"]]
                 frequency  recency    T
    customer_id
    A                    1      1.0  2.0
    """
    _require(transactions, _TX_REQUIRED, "transactions")
    if engine != "pandas":
        from crm_analysis.features import rfm_summary_with

        return rfm_summary_with(engine, transactions, as_of=observation_end(as_of),
                                calibration_end=calibration_end, time_unit=time_unit)
    return rfm_summary(transactions, as_of=observation_end(as_of), calibration_end=calibration_end,
                       time_unit=time_unit)


def fit_value_models(
    summary: pd.DataFrame, *, time_unit: str = "W", pareto: bool = True, min_repeat_buyers: int = 10
) -> ValueModels:
    """Fit BG/NBD and Gamma-Gamma (and Pareto/NBD for comparison) on an RFM summary.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`crm_analysis.features.rfm_summary` output (frequency, recency, T, monetary_value).
    time_unit : str, default "W"
        The unit the summary was computed in (recorded for horizons).
    pareto : bool, default True
        Also fit the Pareto/NBD model. A failed Pareto/NBD fit is recorded in ``notes``
        rather than stopping the chapter.
    min_repeat_buyers : int, default 10
        Gamma-Gamma is fitted only with at least this many customers with frequency > 0 and
        positive monetary value.

    Returns
    -------
    ValueModels

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If columns are missing or there are too few customers to fit.

    Examples
    --------
    >>> from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma
    >>> summary = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=500, seed=1)
    >>> summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6, q=4, v=15, seed=1)
    >>> models = fit_value_models(summary, pareto=False)
    >>> sorted(models.bgnbd.params_.index), models.pareto_nbd is None
    (['a', 'alpha', 'b', 'r'], True)
    """
    from crm_analysis.models.clv import BetaGeoModel, GammaGammaModel, ParetoNBDModel

    _require(summary, _SUMMARY_REQUIRED, "RFM summary")
    if len(summary) < 20 or int((summary["frequency"] > 0).sum()) < 5:
        raise CRMDataError(
            f"RFM summary: {len(summary)} customers and {int((summary['frequency'] > 0).sum())} repeat buyers "
            "are too few to fit the purchase models (need at least 20 customers and 5 repeat buyers)"
        )
    notes: list[str] = []
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    bgnbd = BetaGeoModel().fit(f, r, t)
    if not getattr(bgnbd, "converged_", True):
        notes.append("BG/NBD: the optimiser did not report convergence; treat its figures with care.")
    repeat = summary.loc[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    gamma_gamma = None
    if len(repeat) >= min_repeat_buyers:
        gamma_gamma = GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
        if not getattr(gamma_gamma, "converged_", True):
            notes.append("Gamma-Gamma: the optimiser did not report convergence.")
        if float(gamma_gamma.params_["q"]) <= 1:
            notes.append(
                f"Gamma-Gamma: q = {float(gamma_gamma.params_['q']):.2f} <= 1, so spend per order is so "
                "heavy-tailed that the population mean is infinite; one-time buyers get the median "
                "repeat spend as their expected order value."
            )
    else:
        notes.append(f"Gamma-Gamma not fitted: only {len(repeat)} repeat buyers with positive spend.")
    pareto_nbd = None
    if pareto:
        try:
            pareto_nbd = ParetoNBDModel().fit(f, r, t)
        except (ValueError, ArithmeticError, RuntimeError) as exc:  # a comparison model must not stop the chapter
            notes.append(f"Pareto/NBD could not be fitted: {exc}")
    return ValueModels(bgnbd=bgnbd, gamma_gamma=gamma_gamma, pareto_nbd=pareto_nbd, time_unit=time_unit,
                       notes=notes)


def expected_order_value(models: ValueModels, summary: pd.DataFrame) -> pd.Series:
    """Expected spend per order: Gamma-Gamma's conditional mean, with documented fallbacks.

    For repeat buyers it is ``p (v + x m) / (p x + q - 1)``, a weighted mean of the
    customer's own mean ``m`` and the population mean ``p v / (q - 1)``, which is what
    one-time buyers get. When the fitted ``q`` is at most 1 the population mean is infinite
    (spend per order is extremely heavy-tailed, e.g. a mix of consumers and businesses), so
    one-time buyers get the median observed repeat spend instead; without a Gamma-Gamma model
    everyone gets their own observed mean (the median for one-time buyers).

    Examples
    --------
    >>> from crm_analysis.models.clv import GammaGammaModel
    >>> models = ValueModels(None, GammaGammaModel.from_params(p=6.25, q=3.74, v=15.44), None, "W", [])
    >>> summary = pd.DataFrame({"frequency": [0, 2], "monetary_value": [0.0, 22.35]})
    >>> expected_order_value(models, summary).round(2).tolist()
    [35.22, 24.66]
    """
    f = summary["frequency"].to_numpy(dtype="float64")
    m = summary["monetary_value"].to_numpy(dtype="float64")
    positive = (f > 0) & (m > 0)
    fallback = float(np.median(m[positive])) if positive.any() else 0.0
    if models.gamma_gamma is None:
        value = np.where(positive, m, fallback)
    else:
        x, mean = np.where(positive, f, 0.0), np.where(positive, m, 0.0)
        with warnings.catch_warnings():
            # NaN where the Gamma-Gamma mean does not exist (q <= 1); the fallback fills it, and
            # the notebook says so in a visible note.
            warnings.simplefilter("ignore", UndefinedValueWarning)
            value = np.asarray(models.gamma_gamma.expected_order_value(x, mean), dtype="float64")
        value = np.where(np.isfinite(value), value, fallback)
    return pd.Series(value, index=summary.index, name="expected_order_value")


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
        Pareto/NBD was not fitted, BG/NBD is used with a warning. Expected purchases and CLV
        always come from BG/NBD.

    Returns
    -------
    pandas.DataFrame
        Same index: ``p_alive``, ``expected_purchases`` (within ``horizon``),
        ``expected_order_value``, ``clv`` (discounted expected value of the purchases within
        ``horizon``), ``p_alive_bgnbd``, and ``p_alive_pareto`` when a Pareto/NBD model was
        fitted. ``attrs["alive_model"]`` names the model behind ``p_alive``.

    Raises
    ------
    ValueError
        If ``horizon`` is not positive or ``alive_model`` is unknown.

    Examples
    --------
    >>> from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma
    >>> summary = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=500, seed=1)
    >>> summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6, q=4, v=15, seed=1)
    >>> value = predict_value(summary, fit_value_models(summary, pareto=False), horizon=52)
    >>> bool(value["p_alive"].between(0, 1).all()), bool((value["clv"] >= 0).all())
    (True, True)
    """
    from crm_analysis.models.clv import customer_lifetime_value

    _require(summary, _SUMMARY_REQUIRED, "RFM summary")
    if horizon <= 0:
        raise ValueError(f"horizon must be positive, got {horizon}")
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    if alive_model not in ("bgnbd", "pareto_nbd"):
        raise ValueError(f"alive_model must be 'bgnbd' or 'pareto_nbd', not {alive_model!r}")
    if alive_model == "pareto_nbd" and models.pareto_nbd is None:
        warnings.warn("Pareto/NBD was not fitted: p_alive comes from BG/NBD", UserWarning, stacklevel=2)
        alive_model = "bgnbd"
    out = pd.DataFrame(index=summary.index)
    out["p_alive"] = np.nan
    out["expected_purchases"] = expected_purchases(models.bgnbd, horizon, f, r, t)
    out["expected_order_value"] = expected_order_value(models, summary)
    # Discount month by month: one period = a month in the data's unit, rate = monthly equivalent.
    month = TIME_UNITS["M"] / TIME_UNITS[models.time_unit]
    clv = customer_lifetime_value(
        models.bgnbd, _KnownOrderValue(out["expected_order_value"].to_numpy()), f, r, t,
        summary["monetary_value"].to_numpy(dtype="float64"),
        horizon=horizon / month, discount_rate=(1.0 + discount_rate) ** (1.0 / 12.0) - 1.0, time_unit=month,
    )
    out["clv"] = np.asarray(clv, dtype="float64")
    out["p_alive_bgnbd"] = np.asarray(models.bgnbd.probability_alive(f, r, t), dtype="float64")
    if models.pareto_nbd is not None:
        out["p_alive_pareto"] = np.asarray(models.pareto_nbd.probability_alive(f, r, t), dtype="float64")
    out["p_alive"] = out["p_alive_pareto" if alive_model == "pareto_nbd" else "p_alive_bgnbd"]
    out.attrs["alive_model"] = alive_model
    return out


# --------------------------------------------------------------------------- model tables and drift


def _params_and_errors(model: Any) -> tuple[dict[str, float], dict[str, float]]:
    params = {k: float(v) for k, v in dict(model.params_).items()}
    errors_raw = getattr(model, "standard_errors_", None)
    errors = {k: float(v) for k, v in dict(errors_raw).items()} if errors_raw is not None else {}
    return params, errors


def model_fit_table(models: ValueModels, *, source: str = "") -> pd.DataFrame:
    """One row per fitted parameter: the content of ``tables/model_fit.csv``.

    Parameters
    ----------
    models : ValueModels
        Fitted models.
    source : str, optional
        The data source description, recorded so that drift is only checked between runs on
        the same source (:func:`find_previous_model_fit`).

    Returns
    -------
    pandas.DataFrame
        ``model``, ``parameter``, ``value``, ``standard_error``, ``ci_low``, ``ci_high``
        (value ± 1.96 standard errors, a Wald interval), ``log_likelihood``, ``n_customers``,
        ``converged``, ``source``.

    Examples
    --------
    >>> from crm_analysis.models.clv import BetaGeoModel
    >>> models = ValueModels(BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426), None, None, "W", [])
    >>> model_fit_table(models)[["model", "parameter", "value"]].head(2)
        model parameter  value
    0  BG/NBD         r  0.243
    1  BG/NBD     alpha  4.414
    """
    rows = []
    for name, model in (("BG/NBD", models.bgnbd), ("Gamma-Gamma", models.gamma_gamma),
                        ("Pareto/NBD", models.pareto_nbd)):
        if model is None:
            continue
        params, errors = _params_and_errors(model)
        for parameter, value in params.items():
            se = errors.get(parameter, np.nan)
            rows.append({
                "model": name, "parameter": parameter, "value": value, "standard_error": se,
                "ci_low": value - 1.96 * se, "ci_high": value + 1.96 * se,
                "log_likelihood": float(getattr(model, "log_likelihood_", np.nan)),
                "n_customers": int(getattr(model, "n_customers_", 0) or 0),
                "converged": bool(getattr(model, "converged_", True)),
                "source": source,
            })
    return pd.DataFrame(rows, columns=["model", "parameter", "value", "standard_error", "ci_low", "ci_high",
                                       "log_likelihood", "n_customers", "converged", "source"])


def _same_source(path: Path, source: str | None) -> bool:
    """Whether a model_fit.csv was written for ``source`` (files without a source column match)."""
    if source is None:
        return True
    try:
        recorded = pd.read_csv(path, usecols=lambda c: c == "source", dtype="string")
    except (OSError, ValueError, pd.errors.ParserError):
        return False
    if "source" not in recorded.columns or recorded["source"].isna().all():
        return True
    return bool((recorded["source"].fillna("") == source).all())


def find_previous_model_fit(output_dir: str | Path, *, source: str | None = None) -> Path | None:
    """The previous run's ``tables/model_fit.csv``: the latest one among sibling run folders.

    Scheduled runs write to sibling folders (``reports/<timestamp>/``); the current
    ``output_dir`` itself is excluded, and "latest" means the most recently written file.
    With ``source``, only runs on the same data source count (a run on other data is not a
    "previous" run of this one).

    Examples
    --------
    >>> import tempfile
    >>> find_previous_model_fit(Path(tempfile.mkdtemp()) / "run-2") is None
    True
    """
    current = Path(output_dir).resolve()
    parent = current.parent
    if not parent.is_dir():
        return None
    candidates = [
        p / "tables" / "model_fit.csv"
        for p in parent.iterdir()
        if p.is_dir() and p.resolve() != current and (p / "tables" / "model_fit.csv").is_file()
    ]
    candidates = [c for c in candidates if _same_source(c, source)]
    if not candidates:
        return None
    return max(candidates, key=lambda p: (p.stat().st_mtime, str(p)))


def parameter_drift(current: pd.DataFrame, previous: pd.DataFrame, *, threshold: float = 0.25) -> pd.DataFrame:
    """Compare fitted parameters with a previous run's; flag relative changes beyond ``threshold``.

    Parameters
    ----------
    current, previous : pandas.DataFrame
        ``model_fit.csv`` tables (model, parameter, value).
    threshold : float, default 0.25
        Relative change ``|current - previous| / |previous|`` above which a parameter drifted.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``parameter``, ``previous``, ``current``, ``relative_change``, ``drifted``
        (parameters present in only one run are listed with ``drifted`` True).

    Examples
    --------
    >>> now = pd.DataFrame({"model": ["BG/NBD"] * 2, "parameter": ["r", "a"], "value": [0.25, 1.2]})
    >>> before = pd.DataFrame({"model": ["BG/NBD"] * 2, "parameter": ["r", "a"], "value": [0.24, 0.8]})
    >>> parameter_drift(now, before)[["parameter", "drifted"]].to_dict("list")
    {'parameter': ['a', 'r'], 'drifted': [True, False]}
    """
    for frame, what in ((current, "current model_fit"), (previous, "previous model_fit")):
        _require(frame, ("model", "parameter", "value"), what)
    keys = ["model", "parameter"]
    merged = current[[*keys, "value"]].merge(previous[[*keys, "value"]], on=keys, how="outer",
                                             suffixes=("_current", "_previous"), sort=True)
    merged = merged.rename(columns={"value_current": "current", "value_previous": "previous"})
    prev = merged["previous"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        change = (merged["current"].astype("float64") - prev).abs() / prev.abs()
    merged["relative_change"] = change
    merged["drifted"] = (change > threshold) | change.isna()
    return merged[[*keys, "previous", "current", "relative_change", "drifted"]].reset_index(drop=True)


def model_comparison(models: ValueModels, summary: pd.DataFrame) -> pd.DataFrame:
    """BG/NBD against Pareto/NBD: log-likelihood, parameters, and mean holdout forecast if available.

    Returns
    -------
    pandas.DataFrame
        One row per model: ``model``, ``log_likelihood``, ``parameters`` (text),
        ``mean_p_alive``, and with holdout columns in ``summary`` also
        ``predicted_holdout_purchases`` and ``actual_holdout_purchases``.

    Examples
    --------
    >>> from crm_analysis.models.clv import BetaGeoModel
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [0, 2, 9], "recency": [0.0, 30.43, 35.0], "T": [38.86] * 3,
    ...                   "monetary_value": [0.0, 22.35, 40.0], "frequency_holdout": [0, 1, 6],
    ...                   "monetary_value_holdout": [0.0, 20.0, 35.0], "duration_holdout": [39.0] * 3})
    >>> model_comparison(ValueModels(bg, None, None, "W", []), s)[["model", "actual_holdout_purchases"]]
        model  actual_holdout_purchases
    0  BG/NBD                       7.0
    """
    rows = []
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    for name, model in (("BG/NBD", models.bgnbd), ("Pareto/NBD", models.pareto_nbd)):
        if model is None:
            continue
        params, _ = _params_and_errors(model)
        row = {
            "model": name,
            "log_likelihood": float(getattr(model, "log_likelihood_", np.nan)),
            "parameters": ", ".join(f"{k} = {v:.3f}" for k, v in params.items()),
            "mean_p_alive": float(np.mean(model.probability_alive(f, r, t))),
        }
        if "duration_holdout" in summary.columns:
            duration = _holdout_length(summary)
            row["predicted_holdout_purchases"] = float(np.sum(expected_purchases(model, duration, f, r, t)))
            row["actual_holdout_purchases"] = float(summary["frequency_holdout"].sum())
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- holdout validation


def _holdout_length(summary: pd.DataFrame) -> float:
    """The (common) length of the holdout period of a calibration/holdout summary."""
    duration = summary["duration_holdout"].to_numpy(dtype="float64")
    if len(duration) == 0 or not np.allclose(duration, duration[0]):
        raise CRMDataError("calibration/holdout summary: duration_holdout must be the same for every customer")
    return float(duration[0])


def holdout_by_frequency(summary: pd.DataFrame, model: Any, *, max_frequency: int = 7) -> pd.DataFrame:
    """Mean predicted and actual holdout purchases by calibration-period frequency (FHL 2005, fig. 4).

    Parameters
    ----------
    summary : pandas.DataFrame
        Calibration/holdout summary (``rfm_summary`` with ``calibration_end``).
    model : fitted purchase model
        Has ``expected_purchases(t, frequency, recency, T)``.
    max_frequency : int, default 7
        Frequencies at or above are pooled into one group labelled ``"7+"``.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (label), ``customers``, ``actual`` and ``predicted`` (mean holdout
        purchases per customer).

    Examples
    --------
    >>> from crm_analysis.models.clv import BetaGeoModel
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [0, 2, 9], "recency": [0.0, 30.43, 35.0], "T": [38.86] * 3,
    ...                   "monetary_value": [0.0, 22.35, 40.0], "frequency_holdout": [0, 1, 6],
    ...                   "monetary_value_holdout": [0.0, 20.0, 35.0], "duration_holdout": [39.0] * 3})
    >>> holdout_by_frequency(s, bg, max_frequency=2).round(3)
      frequency  customers  actual  predicted
    0         0          1     0.0      0.195
    1        2+          2     3.5      3.403
    """
    _require(summary, _HOLDOUT_REQUIRED, "calibration/holdout summary")
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    predicted = expected_purchases(model, _holdout_length(summary), f, r, t)
    group = np.minimum(f, max_frequency).astype(int)
    frame = pd.DataFrame({"group": group, "actual": summary["frequency_holdout"].to_numpy(dtype="float64"),
                          "predicted": predicted})
    out = frame.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     predicted=("predicted", "mean")).reset_index()
    out["frequency"] = out["group"].astype(str).where(out["group"] < max_frequency, f"{max_frequency}+")
    return out[["frequency", "customers", "actual", "predicted"]]


def plot_holdout_by_frequency(table: pd.DataFrame) -> Figure:
    """Bar chart of :func:`holdout_by_frequency`: actual against predicted per frequency group.

    Examples
    --------
    >>> t = pd.DataFrame({"frequency": ["0", "1+"], "customers": [5, 3], "actual": [0.2, 1.5],
    ...                   "predicted": [0.25, 1.4]})
    >>> len(plot_holdout_by_frequency(t).axes[0].patches)
    4
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["actual"], width=0.4, label="actual")
    ax.bar(x + 0.2, table["predicted"], width=0.4, label="BG/NBD predicted")
    ax.set_xticks(x, table["frequency"])
    ax.set_xlabel("purchases in the calibration period (repeat)")
    ax.set_ylabel("mean purchases in the holdout")
    ax.set_title("Holdout: predicted vs actual by calibration frequency (验证期预测)")
    ax.legend()
    plt.close(fig)
    return fig


def _repeat_occasions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase occasions (customer, day) of completed lines, flagged as first or repeat."""
    tx = transactions
    if "status" in tx.columns:
        tx = tx.loc[(tx["status"].astype("string") == "completed").fillna(False)]
    occ = pd.DataFrame({"customer_id": tx["customer_id"].astype("string"),
                        "day": tx["order_date"].dt.normalize()}).drop_duplicates()
    occ["first_day"] = occ.groupby("customer_id")["day"].transform("min")
    return occ


def tracking_table(
    transactions: pd.DataFrame,
    model: Any,
    *,
    calibration_end: str | pd.Timestamp,
    as_of: str | pd.Timestamp,
    start: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Weekly and cumulative repeat purchases, actual and forecast (FHL 2005, figures 2 and 3).

    The cohort is every customer whose first purchase is on or before ``calibration_end``
    (the customers the model was fitted on). Week ``w`` covers days ``7(w-1) .. 7w-1`` after
    ``start`` (default: the cohort's first purchase day); only whole weeks up to the day
    before ``as_of`` are shown. The cumulative forecast at week
    ``w`` is the sum over customers of the new-customer expectation E[X(w - t0_i)], with
    ``t0_i`` the customer's first purchase in weeks after ``start``
    (:func:`crm_analysis.models.clv.cumulative_repeat_forecast`).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    model : fitted purchase model, in weeks
        Has ``expected_purchases_new_customer(t)``.
    calibration_end : date-like
        Last day of the calibration period.
    as_of : date-like
        Analysis date; the last week shown ends the day before it.
    start : date-like, optional
        Day 0 of week 1.

    Returns
    -------
    pandas.DataFrame
        ``week``, ``week_end`` (date), ``actual_weekly``, ``predicted_weekly``,
        ``actual_cumulative``, ``predicted_cumulative``, ``period`` ("calibration"/"holdout").

    Examples
    --------
    >>> from crm_analysis.models.clv import BetaGeoModel
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> tx = pd.DataFrame({"customer_id": ["A", "A", "B"], "amount": [5.0, 7.0, 3.0],
    ...                    "order_date": pd.to_datetime(["2024-01-01", "2024-01-10", "2024-01-02"])})
    >>> tracking_table(tx, bg, calibration_end="2024-01-07", as_of="2024-01-16")["actual_cumulative"].tolist()
    [0, 1]
    """
    from crm_analysis.models.clv import cumulative_repeat_forecast

    _require(transactions, _TX_REQUIRED, "transactions")
    end = observation_end(as_of)
    cal_end = pd.Timestamp(calibration_end).normalize()
    occ = _repeat_occasions(transactions.loc[transactions["order_date"] < end + pd.Timedelta(days=1)])
    occ = occ.loc[occ["first_day"] <= cal_end]
    if occ.empty:
        raise CRMDataError("transactions: no customer made a first purchase by the calibration end")
    day0 = pd.Timestamp(start).normalize() if start is not None else occ["first_day"].min()
    # Whole weeks only: a last, partial week would show a spurious drop in actual purchases.
    n_weeks = int(((end - day0).days + 1) // 7)
    if n_weeks < 1:
        raise CRMDataError("transactions: less than one whole week between the first purchase and the end")
    first = occ.drop_duplicates("customer_id")["first_day"]
    t0 = ((first - day0).dt.days / 7.0).to_numpy()
    weeks = np.arange(1, n_weeks + 1)
    cumulative = cumulative_repeat_forecast(model, t0, horizon=n_weeks, step=1).to_numpy()
    repeat = occ.loc[occ["day"] > occ["first_day"]]
    week_of = ((repeat["day"] - day0).dt.days // 7 + 1).to_numpy()
    actual_weekly = np.bincount(week_of[(week_of >= 1) & (week_of <= n_weeks)], minlength=n_weeks + 1)[1:]
    week_end = day0 + pd.to_timedelta(weeks * 7 - 1, unit="D")
    return pd.DataFrame({
        "week": weeks,
        "week_end": week_end,
        "actual_weekly": actual_weekly,
        "predicted_weekly": np.diff(np.r_[0.0, cumulative]),
        "actual_cumulative": np.cumsum(actual_weekly),
        "predicted_cumulative": cumulative,
        "period": np.where(week_end <= cal_end, "calibration", "holdout"),
    })


def plot_tracking(table: pd.DataFrame, *, title: str = "") -> Figure:
    """The paper's two tracking plots: cumulative and weekly repeat purchases, actual vs forecast.

    Examples
    --------
    >>> t = pd.DataFrame({"week": [1, 2, 3], "actual_weekly": [1, 2, 1], "predicted_weekly": [1.2, 1.5, 1.1],
    ...                   "period": ["calibration", "calibration", "holdout"]})
    >>> t["actual_cumulative"], t["predicted_cumulative"] = t["actual_weekly"].cumsum(), t["predicted_weekly"].cumsum()
    >>> len(plot_tracking(t).axes)
    2
    """
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
    boundary = table.loc[table["period"] == "calibration", "week"].max()
    for ax, kind in ((ax1, "cumulative"), (ax2, "weekly")):
        ax.plot(table["week"], table[f"actual_{kind}"], label="actual", color="black")
        ax.plot(table["week"], table[f"predicted_{kind}"], label="BG/NBD forecast", ls="--", color="tab:red")
        if pd.notna(boundary):
            ax.axvline(boundary, color="grey", ls=":", lw=1)
            ax.annotate("end of calibration", (boundary, ax.get_ylim()[1] * 0.95), fontsize=8, ha="right")
        ax.set_xlabel("week")
        ax.set_ylabel(f"{kind} repeat purchases")
        ax.legend(loc="upper left")
    ax1.set_title("Cumulative repeat purchases (累计重复购买)")
    ax2.set_title("Weekly repeat purchases (每周重复购买)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.close(fig)
    return fig


def clv_backtest_by_decile(summary: pd.DataFrame, models: ValueModels, *, n_groups: int = 10) -> pd.DataFrame:
    """Predicted vs realised holdout value by decile of predicted value (monetary value included).

    Predicted value = expected holdout purchases (BG/NBD) x expected order value
    (Gamma-Gamma), undiscounted so it is comparable with what was actually spent; realised
    value = holdout purchases x their mean spend.

    Returns
    -------
    pandas.DataFrame
        ``decile`` (``n_groups`` = highest predicted value), ``customers``,
        ``predicted_purchases``, ``actual_purchases``, ``predicted_value``, ``realised_value``
        (sums per decile), ``ratio`` (predicted / realised).

    Examples
    --------
    >>> from crm_analysis.models.clv import BetaGeoModel
    >>> bg = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> s = pd.DataFrame({"frequency": [0, 2, 9], "recency": [0.0, 30.43, 35.0], "T": [38.86] * 3,
    ...                   "monetary_value": [0.0, 22.35, 40.0], "frequency_holdout": [0, 1, 6],
    ...                   "monetary_value_holdout": [0.0, 20.0, 35.0], "duration_holdout": [39.0] * 3})
    >>> table = clv_backtest_by_decile(s, ValueModels(bg, None, None, "W", []), n_groups=3)
    >>> table[["decile", "customers", "realised_value"]].to_dict("list")
    {'decile': [1, 2, 3], 'customers': [1, 1, 1], 'realised_value': [0.0, 20.0, 210.0]}
    """
    _require(summary, _HOLDOUT_REQUIRED, "calibration/holdout summary")
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    purchases = expected_purchases(models.bgnbd, _holdout_length(summary), f, r, t)
    predicted = purchases * expected_order_value(models, summary).to_numpy()
    realised = (summary["frequency_holdout"] * summary["monetary_value_holdout"]).to_numpy(dtype="float64")
    # Rank first so ties (many identical one-time buyers) still split into equal-sized groups.
    rank = pd.Series(predicted).rank(method="first")
    decile = pd.qcut(rank, n_groups, labels=False) + 1
    frame = pd.DataFrame({"decile": decile.to_numpy(), "predicted_purchases": purchases,
                          "actual_purchases": summary["frequency_holdout"].to_numpy(dtype="float64"),
                          "predicted_value": predicted, "realised_value": realised})
    out = frame.groupby("decile").agg(
        customers=("predicted_value", "size"), predicted_purchases=("predicted_purchases", "sum"),
        actual_purchases=("actual_purchases", "sum"), predicted_value=("predicted_value", "sum"),
        realised_value=("realised_value", "sum")).reset_index()
    out["ratio"] = out["predicted_value"] / out["realised_value"].where(out["realised_value"] > 0)
    return out


def plot_clv_backtest(table: pd.DataFrame) -> Figure:
    """Bars of predicted vs realised holdout value per decile.

    Examples
    --------
    >>> t = pd.DataFrame({"decile": [1, 2], "predicted_value": [5.0, 9.0], "realised_value": [4.0, 11.0]})
    >>> len(plot_clv_backtest(t).axes[0].patches)
    4
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4))
    x = table["decile"].to_numpy()
    ax.bar(x - 0.2, table["realised_value"], width=0.4, label="realised")
    ax.bar(x + 0.2, table["predicted_value"], width=0.4, label="predicted")
    ax.set_xticks(x)
    ax.set_xlabel("decile of predicted value (10 = highest)")
    ax.set_ylabel("holdout value (sum)")
    ax.set_title("CLV backtest by decile (价值回测)")
    ax.legend()
    plt.close(fig)
    return fig


def alive_auc(p_alive: pd.Series, truth_customers: pd.DataFrame) -> dict[str, float]:
    """ROC-AUC of P(alive) against the generator's truth (alive = not churned), teaching data only.

    Parameters
    ----------
    p_alive : pandas.Series
        Indexed by customer_id.
    truth_customers : pandas.DataFrame
        ``customer_id`` and ``is_churned``.

    Returns
    -------
    dict
        ``auc``, ``customers`` (scored customers with truth), ``alive_share``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If the columns are missing or only one class is present.

    Examples
    --------
    >>> truth = pd.DataFrame({"customer_id": ["a", "b", "c"], "is_churned": [False, True, True]})
    >>> alive_auc(pd.Series([0.9, 0.2, 0.4], index=["a", "b", "c"]), truth)["auc"]
    1.0
    """
    from sklearn.metrics import roc_auc_score

    _require(truth_customers, ("customer_id", "is_churned"), "truth customers")
    truth = truth_customers.set_index(truth_customers["customer_id"].astype("string"))["is_churned"]
    truth = truth[~truth.index.duplicated()]
    joined = pd.DataFrame({"p": p_alive}).join(truth.rename("churned"), how="inner").dropna()
    alive = ~joined["churned"].astype(bool)
    if alive.nunique() < 2:
        raise CRMDataError("truth customers: need both alive and churned customers to compute ROC-AUC")
    return {"auc": float(roc_auc_score(alive, joined["p"])), "customers": len(joined),
            "alive_share": float(alive.mean())}


def alive_auc_table(prediction: pd.DataFrame, truth_customers: pd.DataFrame) -> pd.DataFrame:
    """ROC-AUC of each model's P(alive) against the truth, overall and among repeat buyers.

    Parameters
    ----------
    prediction : pandas.DataFrame
        :func:`predict_value` output (``p_alive_bgnbd``, optional ``p_alive_pareto``), joined
        with the summary's ``frequency`` if the repeat-buyer row is wanted.
    truth_customers : pandas.DataFrame
        ``customer_id`` and ``is_churned``.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``customers`` ("all" or "repeat buyers"), ``auc``, ``n``, ``alive_share``.

    Examples
    --------
    >>> pred = pd.DataFrame({"p_alive_bgnbd": [0.9, 0.8, 0.1], "frequency": [2, 0, 1]}, index=["a", "b", "c"])
    >>> truth = pd.DataFrame({"customer_id": ["a", "b", "c"], "is_churned": [False, True, True]})
    >>> alive_auc_table(pred, truth)[["model", "customers", "auc"]]
        model      customers  auc
    0  BG/NBD            all  1.0
    1  BG/NBD  repeat buyers  1.0
    """
    rows = []
    groups = {"all": pd.Series(True, index=prediction.index)}
    if "frequency" in prediction.columns:
        groups["repeat buyers"] = prediction["frequency"] > 0
    for column, name in (("p_alive_bgnbd", "BG/NBD"), ("p_alive_pareto", "Pareto/NBD")):
        if column not in prediction.columns:
            continue
        for label, mask in groups.items():
            try:
                result = alive_auc(prediction.loc[mask, column], truth_customers)
            except CRMDataError:
                continue
            rows.append({"model": name, "customers": label, "auc": result["auc"], "n": result["customers"],
                         "alive_share": result["alive_share"]})
    return pd.DataFrame(rows, columns=["model", "customers", "auc", "n", "alive_share"])


# Published CDNOW-sample estimates (weeks, calibration ending 1997-09-30).
PUBLISHED_CDNOW = pd.DataFrame(
    [("BG/NBD", "r", 0.243), ("BG/NBD", "alpha", 4.414), ("BG/NBD", "a", 0.793), ("BG/NBD", "b", 2.426),
     ("Gamma-Gamma", "p", 6.25), ("Gamma-Gamma", "q", 3.74), ("Gamma-Gamma", "v", 15.44),
     ("Pareto/NBD", "r", 0.553), ("Pareto/NBD", "alpha", 10.578), ("Pareto/NBD", "s", 0.606),
     ("Pareto/NBD", "beta", 11.669)],
    columns=["model", "parameter", "published"],
)


def paper_replication(transactions: pd.DataFrame | None = None) -> dict[str, Any]:
    """Reproduce Fader, Hardie & Lee (2005) on the CDNOW sample: parameters and tracking at week 78.

    Parameters
    ----------
    transactions : pandas.DataFrame, optional
        The CDNOW 1/10 sample's transactions; by default loaded and cleaned with
        ``crm_analysis.load("cdnow_sample")`` (the file ships in ``data/cdnow/``).

    Returns
    -------
    dict
        ``parameters`` (model, parameter, published, fitted, relative_difference),
        ``tracking`` (:func:`tracking_table`, weeks 1-78), ``week_78`` (forecast and actual
        cumulative repeat purchases at week 78; published: about 4,166 vs 4,339),
        ``models`` and ``summary``.

    Examples
    --------
    >>> paper = paper_replication()
    >>> round(paper["week_78"]["forecast"]), paper["week_78"]["actual"]
    (4166, 4339)
    """
    if transactions is None:
        import crm_analysis

        transactions = crm_analysis.clean(crm_analysis.load("cdnow_sample")).transactions
    as_of, calibration_end = pd.Timestamp("1998-07-01"), pd.Timestamp("1997-09-30")
    summary = summary_table(transactions, as_of=as_of, calibration_end=calibration_end, time_unit="W")
    models = fit_value_models(summary, time_unit="W", pareto=True)
    fitted = model_fit_table(models)[["model", "parameter", "value"]].rename(columns={"value": "fitted"})
    parameters = PUBLISHED_CDNOW.merge(fitted, on=["model", "parameter"], how="left")
    parameters["relative_difference"] = (parameters["fitted"] - parameters["published"]) / parameters["published"]
    tracking = tracking_table(transactions, models.bgnbd, calibration_end=calibration_end, as_of=as_of,
                              start="1997-01-01")
    row = tracking.loc[tracking["week"] == 78].iloc[0]
    return {"parameters": parameters, "tracking": tracking, "models": models, "summary": summary,
            "week_78": {"forecast": float(row["predicted_cumulative"]), "actual": int(row["actual_cumulative"])}}


# --------------------------------------------------------------------------- tiers, risk and actions


def value_tiers(clv: pd.Series, *, shares: tuple[float, float] = DEFAULT_TIER_SHARES) -> pd.Series:
    """Value tier by CLV rank: A = top ``shares[0]`` of customers, B = up to ``shares[1]``, C = the rest.

    Examples
    --------
    >>> value_tiers(pd.Series(range(10), dtype="float64")).value_counts().sort_index().tolist()
    [1, 3, 6]
    """
    a, b = shares
    if not 0 < a < b <= 1:
        raise ValueError(f"tier shares must satisfy 0 < A < B <= 1, got {shares}")
    top_share = clv.rank(ascending=False, method="first") / max(len(clv), 1)
    tier = np.select([top_share <= a + 1e-12, top_share <= b + 1e-12], ["A", "B"], "C")
    return pd.Series(tier, index=clv.index, name="value_tier", dtype="string")


def churn_risk(p_alive: pd.Series, churn_scores: str | Path | pd.DataFrame | None = None) -> pd.DataFrame:
    """Churn risk per customer: chapter 3's churn probability when available, else 1 - P(alive).

    Parameters
    ----------
    p_alive : pandas.Series
        Indexed by customer_id.
    churn_scores : path or DataFrame, optional
        Chapter 3's ``tables/churn_scores.csv`` (customer_id, churn_probability). Customers it
        does not score fall back to 1 - P(alive).

    Returns
    -------
    pandas.DataFrame
        ``churn_risk`` and ``risk_source`` ("chapter 3 churn model" or "1 - P(alive)").

    Examples
    --------
    >>> churn_risk(pd.Series([0.8], index=["a"]))["churn_risk"].round(2).tolist()
    [0.2]
    """
    out = pd.DataFrame({"churn_risk": 1.0 - p_alive.astype("float64"), "risk_source": "1 - P(alive)"},
                       index=p_alive.index)
    scores = churn_scores
    if isinstance(scores, (str, Path)):
        scores = pd.read_csv(scores, dtype={"customer_id": "string"}) if Path(scores).is_file() else None
    if scores is not None and {"customer_id", "churn_probability"} <= set(scores.columns):
        prob = scores.set_index(scores["customer_id"].astype("string"))["churn_probability"].astype("float64")
        prob = prob[~prob.index.duplicated()].reindex(out.index)
        known = prob.notna()
        out.loc[known, "churn_risk"] = prob[known]
        out.loc[known, "risk_source"] = "chapter 3 churn model"
    return out


def service_levels(value_tier: pd.Series, risk: pd.Series, *, risk_threshold: float = 0.5) -> pd.Series:
    """Service level from value tier × churn risk (the action matrix, :data:`SERVICE_MATRIX`).

    Examples
    --------
    >>> tiers = pd.Series(["A", "A", "B", "C", "C"])
    >>> service_levels(tiers, pd.Series([0.1, 0.9, 0.2, 0.3, 0.8])).tolist()
    ['one_to_one', 'win_back', 'proactive_gold', 'responsive_silver', 'let_go']
    """
    high = (risk.astype("float64") >= risk_threshold).to_numpy()
    tiers = value_tier.astype("string").to_numpy()
    result = np.full(len(tiers), "", dtype=object)
    for (tier, is_high), level in SERVICE_MATRIX.items():
        result[(tiers == tier) & (high == is_high)] = level
    return pd.Series(result, index=value_tier.index, name="service_level", dtype="string")


def action_matrix(frame: pd.DataFrame, *, risk_threshold: float = 0.5) -> pd.DataFrame:
    """Customers, total CLV and service level for each value tier × risk cell.

    Parameters
    ----------
    frame : pandas.DataFrame
        ``value_tier``, ``churn_risk``, ``clv`` per customer.

    Returns
    -------
    pandas.DataFrame
        ``value_tier``, ``risk`` ("low"/"high"), ``service_level``, ``customers``, ``clv``.

    Examples
    --------
    >>> f = pd.DataFrame({"value_tier": ["A", "A", "C"], "churn_risk": [0.1, 0.2, 0.9], "clv": [50.0, 30.0, 1.0]})
    >>> action_matrix(f)[["value_tier", "service_level", "customers"]]
      value_tier service_level  customers
    0          A    one_to_one          2
    1          C        let_go          1
    """
    _require(frame, ("value_tier", "churn_risk", "clv"), "customer value")
    risk = np.where(frame["churn_risk"] >= risk_threshold, "high", "low")
    grouped = frame.assign(risk=risk).groupby(["value_tier", "risk"], observed=True).agg(
        customers=("clv", "size"), clv=("clv", "sum")).reset_index()
    grouped["service_level"] = [SERVICE_MATRIX[(t, r == "high")] for t, r in
                                zip(grouped["value_tier"], grouped["risk"], strict=True)]
    return grouped[["value_tier", "risk", "service_level", "customers", "clv"]]


def contact_plan(service_level: pd.Series | None = None) -> pd.DataFrame:
    """The recommended contact plan per service level, with customers and contacts per year.

    Examples
    --------
    >>> contact_plan(pd.Series(["one_to_one", "let_go", "one_to_one"]))[["service_level", "customers"]].iloc[0]
    service_level    one_to_one
    customers                 2
    Name: 0, dtype: object
    """
    plan = CONTACT_PLAN.copy()
    if service_level is not None:
        counts = service_level.value_counts()
        plan["customers"] = plan["service_level"].map(counts).fillna(0).astype("int64")
        plan["contacts_needed_per_year"] = plan["customers"] * plan["contacts_per_year"]
    return plan


def segment_labels(
    customer_ids: pd.Index, *, output_dir: str | Path | None = None, customers: pd.DataFrame | None = None
) -> tuple[pd.Series, str]:
    """The segment of each customer for value-at-risk tables, from the best source available.

    In order: chapter 2's ``output_dir/tables/segments.csv`` (``cluster_name``, else
    ``rfm_segment``); the customers table's ``customer_type``; otherwise ``None`` (the caller
    then groups by value tier).

    Returns
    -------
    (pandas.Series, str)
        Labels indexed like ``customer_ids`` and the name of their source ("" when none).

    Examples
    --------
    >>> ids = pd.Index(["a", "b"], name="customer_id")
    >>> cards = pd.DataFrame({"customer_id": ["a"], "customer_type": ["business"]})
    >>> labels, source = segment_labels(ids, customers=cards)
    >>> labels.tolist(), source
    (['business', <NA>], 'customer_type')
    """
    path = Path(output_dir) / "tables" / "segments.csv" if output_dir is not None else None
    if path is not None and path.is_file():
        segments = pd.read_csv(path, dtype="string")
        for column in ("cluster_name", "rfm_segment"):
            if {"customer_id", column} <= set(segments.columns):
                labels = segments.drop_duplicates("customer_id").set_index("customer_id")[column]
                return labels.reindex(customer_ids).rename("segment"), f"chapter 2 {column}"
    if customers is not None and {"customer_id", "customer_type"} <= set(customers.columns) \
            and customers["customer_type"].notna().any():
        labels = customers.drop_duplicates("customer_id").set_index(
            customers.drop_duplicates("customer_id")["customer_id"].astype("string"))["customer_type"]
        return labels.astype("string").reindex(customer_ids).rename("segment"), "customer_type"
    return pd.Series(pd.NA, index=customer_ids, dtype="string", name="segment"), ""


def value_at_risk(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Value at risk (CLV × churn risk) by a grouping column, largest first.

    Examples
    --------
    >>> f = pd.DataFrame({"seg": ["x", "x", "y"], "clv": [100.0, 50.0, 10.0], "churn_risk": [0.5, 0.2, 1.0]})
    >>> value_at_risk(f, "seg")[["seg", "value_at_risk"]].to_dict("list")
    {'seg': ['x', 'y'], 'value_at_risk': [60.0, 10.0]}
    """
    _require(frame, (by, "clv", "churn_risk"), "customer value")
    work = frame.assign(value_at_risk=frame["clv"] * frame["churn_risk"])
    out = work.groupby(by, observed=True, dropna=False).agg(
        customers=("clv", "size"), clv=("clv", "sum"), value_at_risk=("value_at_risk", "sum"),
        mean_churn_risk=("churn_risk", "mean")).reset_index()
    total = out["value_at_risk"].sum()
    out["share_of_value_at_risk"] = out["value_at_risk"] / total if total > 0 else 0.0
    return out.sort_values("value_at_risk", ascending=False, kind="stable").reset_index(drop=True)


def plot_value_at_risk(table: pd.DataFrame, by: str) -> Figure:
    """Horizontal bars: CLV and the part of it at risk, per group.

    Examples
    --------
    >>> t = pd.DataFrame({"seg": ["x", "y"], "clv": [100.0, 40.0], "value_at_risk": [30.0, 20.0]})
    >>> len(plot_value_at_risk(t, "seg").axes[0].patches)
    4
    """
    import matplotlib.pyplot as plt

    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(t) + 1.5))
    labels = t[by].astype("string").fillna("(none)")
    ax.barh(labels, t["clv"], color="tab:blue", alpha=0.35, label="CLV")
    ax.barh(labels, t["value_at_risk"], color="tab:red", label="value at risk")
    ax.set_xlabel("predicted value")
    ax.set_title("Value at risk (风险价值) by " + by)
    ax.legend(loc="lower right")
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------- satisfaction -> loyalty -> recommendation


def loyalty_funnel(
    interactions: pd.DataFrame,
    value: pd.DataFrame,
    *,
    satisfied_at: float = 4.0,
    recommender_score: float = 5.0,
) -> pd.DataFrame:
    """Satisfaction -> loyalty -> recommendation funnel (满意 -> 忠诚 -> 推荐) and value along it.

    Stages, each a subset of the one before:

    1. *customers*: every customer with a purchase (``value`` rows);
    2. *rated*: gave at least one satisfaction score in the interactions;
    3. *satisfied*: mean score >= ``satisfied_at``;
    4. *repeat buyer* (loyal): satisfied and at least 2 orders;
    5. *recommender*: a repeat buyer who gave the top score ``recommender_score`` at least
       once. The data model has no "referred by" link, so who actually brought in the
       referral-channel customers is unknown; a top score from a loyal customer is the
       usual proxy for a promoter (as in the Net Promoter Score, where only the top marks
       count as promoters).

    Parameters
    ----------
    interactions : pandas.DataFrame
        ``customer_id`` and ``satisfaction`` (1–5; missing allowed).
    value : pandas.DataFrame
        Indexed by customer_id with ``orders``, ``historical_value`` and ``clv``.

    Returns
    -------
    pandas.DataFrame
        ``stage``, ``customers``, ``conversion`` (share of the previous stage),
        ``mean_historical_value``, ``mean_clv``.

    Examples
    --------
    >>> inter = pd.DataFrame({"customer_id": ["a", "b", "c"], "satisfaction": [5.0, 4.0, 2.0]})
    >>> val = pd.DataFrame({"orders": [3, 1, 2], "historical_value": [300.0, 50.0, 80.0],
    ...                     "clv": [200.0, 20.0, 10.0]}, index=["a", "b", "c"])
    >>> loyalty_funnel(inter, val)["customers"].tolist()
    [3, 3, 2, 1, 1]
    """
    _require(interactions, ("customer_id", "satisfaction"), "interactions")
    _require(value, ("orders", "historical_value", "clv"), "customer value")
    scores = pd.DataFrame({"customer_id": interactions["customer_id"].astype("string"),
                           "s": interactions["satisfaction"].astype("float64")}).dropna()
    per = scores.groupby("customer_id")["s"].agg(["mean", "max"]).reindex(value.index)
    rated = per["mean"].notna()
    satisfied = rated & (per["mean"] >= satisfied_at)
    repeat = satisfied & (value["orders"] >= 2)
    recommender = repeat & (per["max"] >= recommender_score)
    stages = [("customers", pd.Series(True, index=value.index)), ("rated", rated), ("satisfied", satisfied),
              ("repeat buyer", repeat), ("recommender", recommender)]
    rows, previous = [], None
    for name, mask in stages:
        members = value.loc[mask.to_numpy(dtype=bool)]
        n = len(members)
        rows.append({"stage": name, "customers": n,
                     "conversion": n / previous if previous else np.nan,
                     "mean_historical_value": members["historical_value"].mean() if n else np.nan,
                     "mean_clv": members["clv"].mean() if n else np.nan})
        previous = n
    return pd.DataFrame(rows)


def plot_loyalty_funnel(table: pd.DataFrame) -> Figure:
    """Funnel bars (customers per stage) with the mean CLV of each stage as labels.

    Examples
    --------
    >>> t = pd.DataFrame({"stage": ["customers", "rated"], "customers": [10, 4], "mean_clv": [5.0, 8.0]})
    >>> len(plot_loyalty_funnel(t).axes[0].patches)
    2
    """
    import matplotlib.pyplot as plt

    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh(t["stage"], t["customers"], color="tab:green")
    for y, (n, clv) in enumerate(zip(t["customers"], t["mean_clv"], strict=True)):
        ax.annotate(f"{n:,} customers, mean CLV {clv:,.0f}" if pd.notna(clv) else f"{n:,}",
                    (n, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel("customers")
    ax.set_title("Satisfaction → loyalty → recommendation (满意→忠诚→推荐)")
    plt.close(fig)
    return fig


# --------------------------------------------------------------------------- the chapter's output tables


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
        ``clv``, ``value_tier``, ``service_level``; then ``orders``, ``churn_risk``,
        ``risk_source``.

    Examples
    --------
    >>> history = pd.DataFrame({"revenue": [500.0, 20.0], "orders": [5, 1]}, index=["a", "b"])
    >>> pred = pd.DataFrame({"p_alive": [0.9, 0.2], "expected_purchases": [3.0, 0.1],
    ...                      "expected_order_value": [100.0, 20.0], "clv": [280.0, 1.5]}, index=["a", "b"])
    >>> table = customer_value_table(history, pred, tier_shares=(0.5, 0.9))
    >>> export_customer_value(table)[["customer_id", "clv", "value_tier", "service_level"]]
      customer_id    clv value_tier service_level
    0           a  280.0          A    one_to_one
    1           b    1.5          C        let_go
    """
    _require(history, ("revenue", "orders"), "historical value")
    _require(prediction, ("p_alive", "expected_purchases", "expected_order_value", "clv"), "predicted value")
    out = prediction[["p_alive", "expected_purchases", "expected_order_value", "clv"]].join(
        history[["revenue", "orders"]].rename(columns={"revenue": "historical_value"}), how="left")
    out["historical_value"] = out["historical_value"].fillna(0.0)
    out["orders"] = out["orders"].fillna(0).astype("int64")
    if risk is None:
        risk = churn_risk(out["p_alive"])
    out = out.join(risk[["churn_risk", "risk_source"]], how="left")
    out["value_tier"] = value_tiers(out["clv"], shares=tier_shares)
    out["service_level"] = service_levels(out["value_tier"], out["churn_risk"], risk_threshold=risk_threshold)
    first = ["historical_value", "p_alive", "expected_purchases", "expected_order_value", "clv",
             "value_tier", "service_level"]
    return out[[*first, "orders", "churn_risk", "risk_source"]].sort_values("clv", ascending=False, kind="stable")


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
    from crm_analysis.data.privacy import mask_pii

    top = table.nlargest(n, by).rename_axis("customer_id").reset_index()
    if customers is not None and "customer_id" in customers.columns:
        keep = [c for c in ("customer_id", "name", "phone", "email", "city", "customer_type") if c in customers]
        info = customers[keep].drop_duplicates("customer_id").astype({"customer_id": "string"})
        top = top.astype({"customer_id": "string"}).merge(info, on="customer_id", how="left")
    return mask_pii(top, show_pii=show_pii)


def manager_sentences(
    value: pd.DataFrame,
    concentration: pd.DataFrame | None = None,
    var_table: pd.DataFrame | None = None,
    *,
    by: str | None = None,
    horizon_label: str = "the next year",
    lang: str | None = None,
) -> list[str]:
    """Plain-words findings for the closing "what to do" section, generated from the results.

    Parameters
    ----------
    value : DataFrame
        Customer value table with ``clv``, ``churn_risk``, ``value_tier`` and ``service_level``.
    concentration, var_table : DataFrame, optional
        Concentration summary and value at risk by the column ``by``.
    by : str, optional
        Column of ``var_table`` that names the groups.
    horizon_label : str
        The CLV horizon in words (English; translated in Chinese through :func:`crm_analysis.core.i18n.tr`).
    lang : {"en", "zh"}, optional
        Language of the sentences; defaults to the report language (:func:`crm_analysis.core.i18n.language`).

    Returns
    -------
    list of str

    Raises
    ------
    CRMDataError
        If ``value`` lacks a needed column.

    Examples
    --------
    >>> v = pd.DataFrame({"clv": [100.0, 10.0], "churn_risk": [0.6, 0.1], "value_tier": ["A", "C"],
    ...                   "service_level": ["win_back", "responsive_silver"]})
    >>> manager_sentences(v)[0]
    'The top value tier (A) is 1 customers (50%) and holds 91% of the predicted value for the next year.'
    >>> manager_sentences(v, lang="zh")[0]
    '最高价值等级（A）有 1 位客户（50%），占未来一年预测价值的 91%。'
    """
    from crm_analysis.core import i18n

    zh = i18n.resolve_language(lang) == "zh"
    _require(value, ("clv", "churn_risk", "value_tier", "service_level"), "customer value")
    total = value["clv"].sum()
    a = value["value_tier"] == "A"
    n_a, a_value = int(a.sum()), value.loc[a, "clv"].sum() / total if total > 0 else 0
    out = [
        f"最高价值等级（A）有 {n_a:,} 位客户（{a.mean():.0%}），"
        f"占{i18n.tr(horizon_label, 'zh')}预测价值的 {a_value:.0%}。" if zh else
        f"The top value tier (A) is {n_a:,} customers ({a.mean():.0%}) and holds "
        f"{a_value:.0%} of the predicted value for {horizon_label}."
    ]
    n_win_back = int((value["service_level"] == "win_back").sum())
    at_risk = (value["clv"] * value["churn_risk"]).sum()
    risk_share = at_risk / total if total > 0 else 0
    out.append(
        f"有 {n_win_back:,} 位有价值的客户流失风险高（挽回名单）；共有 {at_risk:,.0f} 的预测价值"
        f"（{risk_share:.0%}）面临风险。" if zh else
        f"{n_win_back:,} valuable customers are at high risk of leaving (win-back list); "
        f"in total {at_risk:,.0f} of predicted value ({risk_share:.0%}) is at risk."
    )
    if concentration is not None and "top_20pct_value_share" in concentration.index:
        share = float(concentration.loc["top_20pct_value_share", "value"])
        out.append(f"历史上，前 20% 的客户带来了 {share:.0%} 的收入。" if zh else
                   f"Historically the top 20% of customers brought {share:.0%} of revenue.")
    if var_table is not None and by is not None and len(var_table):
        top = var_table.iloc[0]
        group, share = top[by], top["share_of_value_at_risk"]
        out.append(f"风险价值最集中在{i18n.tr(by, 'zh')}“{i18n.tr(str(group), 'zh')}”（占 {share:.0%}）。" if zh else
                   f"The most value at risk is in {by} '{group}' ({share:.0%} of it).")
    n_let_go = int((value["service_level"] == "let_go").sum())
    out.append(f"有 {n_let_go:,} 位低价值、高风险的客户无需人工联系（放弃/自然流失）。" if zh else
               f"{n_let_go:,} low-value, high-risk customers need no personal contact (let go).")
    return out


__all__ = [
    "CONTACT_PLAN", "DEFAULT_TIER_SHARES", "PUBLISHED_CDNOW", "SERVICE_MATRIX", "TIER_NAMES",
    "TIME_UNITS", "ValueModels", "action_matrix", "alive_auc", "alive_auc_table", "churn_risk",
    "clv_backtest_by_decile", "concentration_summary", "contact_plan", "customer_value_table",
    "default_calibration_end", "expected_order_value", "expected_purchases", "export_customer_value",
    "find_previous_model_fit", "fit_value_models", "historical_value", "holdout_by_frequency",
    "loyalty_funnel", "manager_sentences", "model_comparison", "model_fit_table", "observation_end",
    "paper_replication", "parameter_drift", "plot_clv_backtest", "plot_concentration",
    "plot_holdout_by_frequency", "plot_loyalty_funnel", "plot_tracking", "plot_value_at_risk",
    "predict_value", "segment_labels", "service_levels", "summary_table", "top_customers",
    "tracking_table", "value_at_risk", "value_tiers",
]
