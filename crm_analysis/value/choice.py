"""Model choice on the holdout (模型选择): BG/NBD, Pareto/NBD, MBG/NBD and the naive baseline side by side.

The holdout adapts to the history (:func:`adapt_holdout`); each model is fitted on the calibration
period and scored on the holdout by per-customer mean absolute error of purchases and the aggregate
tracking error; P(alive) is scored against "purchased again in the holdout" (ROC-AUC). The model
with the smallest error is chosen, and the naive baseline when no model beats it.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns
from crm_analysis.core.errors import CRMDataError
from crm_analysis.models.clv import (
    BetaGeoModel,
    ConvergenceWarning,
    ModifiedBetaGeoModel,
    NaiveRateModel,
    ParetoNBDModel,
)
from crm_analysis.value.fitting import expected_purchases
from crm_analysis.value.periods import _HOLDOUT_REQUIRED, _TX_REQUIRED, _holdout_length, observation_end

_ = i18n.gettext

PURCHASE_MODELS: dict[str, tuple[str, type]] = {
    "bgnbd": ("BG/NBD", BetaGeoModel),
    "pareto_nbd": ("Pareto/NBD", ParetoNBDModel),
    "mbgnbd": ("MBG/NBD", ModifiedBetaGeoModel),
}
BASELINE = "baseline"
MIN_HOLDOUT_WEEKS = 4  # a shorter holdout says too little about a forecast
NO_DROPOUT = 0.999  # every customer's P(alive) above this: the model measures no dropout


def adapt_holdout(
    transactions: pd.DataFrame, as_of: str | pd.Timestamp, holdout_weeks: int, *, max_share: float = 1 / 3
) -> tuple[pd.Timestamp | None, float, str | None]:
    """Calibration end for a holdout of ``holdout_weeks``, shortened to fit a short history.

    The holdout is at most ``max_share`` of the weeks between the first transaction and the
    observation end (so the calibration period keeps two thirds of the history), and at least
    4 weeks; with less history there is no holdout.

    Returns
    -------
    tuple
        ``(calibration_end, holdout weeks, note)``: ``calibration_end`` is None when the history
        is too short for any holdout; ``note`` says what was shortened (None when nothing was).

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a required column is missing.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": ["a", "b"], "amount": [1.0, 2.0],
    ...                    "order_date": pd.to_datetime(["2010-12-01", "2011-08-30"])})
    >>> end, weeks, note = adapt_holdout(tx, "2011-09-01", 39)
    >>> str(end.date()), weeks
    ('2011-06-01', 13.0)
    """
    require_columns(transactions, _TX_REQUIRED, "transactions")
    end = observation_end(as_of)
    first = pd.Timestamp(transactions["order_date"].min()).normalize()
    history = ((end - first).days + 1) / 7.0
    allowed = float(np.floor(history * max_share))
    if allowed < MIN_HOLDOUT_WEEKS:
        note = _("The history ({weeks:.0f} weeks) is too short for a holdout of at least {min} weeks: the models "
                 "are not validated on later data.").format(weeks=history, min=MIN_HOLDOUT_WEEKS)
        return None, 0.0, note
    weeks = float(min(holdout_weeks, allowed))
    note = None
    if weeks < holdout_weeks:
        note = _("The history is {history:.0f} weeks long, so the holdout is shortened from {asked} to {weeks:.0f} "
                 "weeks (at most a third of the history) to leave enough calibration data.").format(
                     history=history, asked=holdout_weeks, weeks=weeks)
    return end - pd.Timedelta(weeks=weeks), weeks, note


def p_any_purchase(model: Any, t: float, frequency: Any, T: Any) -> np.ndarray:
    """P(at least one purchase in the next ``t`` | alive) = 1 - ((alpha + T) / (alpha + T + t))^(r + x).

    The negative-binomial purchase process shared by BG/NBD, MBG/NBD and Pareto/NBD (gamma(r, alpha)
    rates updated by x purchases in T): the figure to rank customers by when a model measures no
    dropout (everyone "alive").

    Examples
    --------
    >>> m = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> p_any_purchase(m, 13, [0, 5], [38.86, 38.86]).round(3).tolist()
    [0.062, 0.748]
    """
    r, alpha = float(model.params_["r"]), float(model.params_["alpha"])
    x, age = np.asarray(frequency, dtype="float64"), np.asarray(T, dtype="float64")
    return -np.expm1((r + x) * (np.log(alpha + age) - np.log(alpha + age + t)))


def alive_score(model: Any, t: float, frequency: Any, recency: Any, T: Any) -> tuple[np.ndarray, str]:
    """P(alive), or P(at least one purchase in the next ``t``) where the model measures no dropout.

    "No dropout": the fit's status names it (a dropout parameter at its bound), or every P(alive)
    is above 0.999, so P(alive) cannot rank anybody.

    Returns
    -------
    tuple
        The score per customer and what it is ("P(alive)" or "P(purchase in next 13 weeks)").

    Examples
    --------
    >>> m = BetaGeoModel.from_params(r=0.5, alpha=5.0, a=1e-6, b=1e3)
    >>> alive_score(m, 13, [0, 5], [0, 30.0], [38.86, 38.86])[1]
    'P(purchase in next 13 weeks)'
    """
    f, r, age = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    alive = np.asarray(model.probability_alive(f, r, age), dtype="float64")
    no_dropout = "no measurable dropout" in str(getattr(model, "status_", ""))
    if no_dropout or (len(alive) and float(np.min(alive)) > NO_DROPOUT):
        return p_any_purchase(model, t, f, age), f"P(purchase in next {t:g} weeks)"
    return alive, "P(alive)"


def _auc(purchased: np.ndarray, score: np.ndarray) -> float:
    if len(np.unique(purchased)) < 2 or not np.isfinite(score).all():
        return float("nan")
    return float(roc_auc_score(purchased, score))


@dataclass
class ModelChoice:
    """The holdout comparison and what the chapter uses.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model and the baseline: ``model``, ``key``, ``status``, ``mae`` (per-customer mean
        absolute error of holdout purchases), ``tracking_error`` ((predicted - actual) / actual total),
        ``predicted_purchases``, ``actual_purchases``, ``alive_auc`` and ``alive_measure``; plus the
        reference rankings "recency alone" and "frequency alone" (AUC only).
    chosen : str
        Key of the purchase forecast used: "bgnbd", "pareto_nbd", "mbgnbd" or "baseline".
    alive_model : str
        Key of the model behind P(alive): the best holdout AUC among the models.
    note : str
        What was chosen and why, in the report language.
    holdout_weeks : float
    scores : pandas.DataFrame
        Per customer: ``purchased_again`` and each model's alive score (for the calibration plot).
    models : dict
        The calibration fits by key.
    """

    table: pd.DataFrame
    chosen: str
    alive_model: str
    note: str
    holdout_weeks: float
    scores: pd.DataFrame
    models: dict[str, Any] = field(default_factory=dict)


def compare_purchase_models(holdout_summary: pd.DataFrame, *, lang: str | None = None) -> ModelChoice:
    """Fit BG/NBD, Pareto/NBD and MBG/NBD on the calibration period and score them on the holdout.

    Parameters
    ----------
    holdout_summary : pandas.DataFrame
        :func:`crm_analysis.features.rfm_summary` with ``calibration_end`` (``frequency_holdout``,
        ``duration_holdout``, ...).
    lang : {"en", "zh"}, optional
        Language of the note.

    Returns
    -------
    ModelChoice

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If columns are missing or no model could be fitted.

    Examples
    --------
    >>> from crm_analysis.models.clv import simulate_bgnbd
    >>> s = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=400, seed=1)
    >>> later = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=400, seed=2)
    >>> s = s.assign(monetary_value=1.0, frequency_holdout=later["frequency"] // 3, monetary_value_holdout=1.0,
    ...              duration_holdout=13.0)
    >>> choice = compare_purchase_models(s)
    >>> choice.table["model"].tolist()[:4]
    ['BG/NBD', 'Pareto/NBD', 'MBG/NBD', 'baseline: past purchase rate']
    """
    require_columns(holdout_summary, _HOLDOUT_REQUIRED, "calibration/holdout summary")
    duration = _holdout_length(holdout_summary)
    f, r, t = (holdout_summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    actual = holdout_summary["frequency_holdout"].to_numpy(dtype="float64")
    purchased = (actual > 0).astype(int)
    rows, fitted, scores = [], {}, {"purchased_again": purchased}
    for key, (name, cls) in PURCHASE_MODELS.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)  # the status column says it
                model = cls().fit(f, r, t)
        except (ValueError, ArithmeticError, RuntimeError) as exc:
            rows.append({"model": name, "key": key, "status": f"not fitted: {exc}"})
            continue
        fitted[key] = model
        predicted = expected_purchases(model, duration, f, r, t)
        score, measure = alive_score(model, duration, f, r, t)
        scores[key] = score
        rows.append({"model": name, "key": key, "status": model.status_, **_errors(predicted, actual),
                     "alive_auc": _auc(purchased, score), "alive_measure": measure})
    if not fitted:
        raise CRMDataError("calibration/holdout summary: none of the purchase models could be fitted")
    naive = np.asarray(NaiveRateModel().expected_purchases(duration, f, r, t), dtype="float64")
    rows.append({"model": "baseline: past purchase rate", "key": BASELINE, "status": "ok", **_errors(naive, actual),
                 "alive_auc": _auc(purchased, naive), "alive_measure": "past purchase rate"})
    rows.append({"model": "recency alone", "key": "recency", "alive_auc": _auc(purchased, -(t - r)),
                 "alive_measure": "weeks since last purchase (fewer = higher)"})
    rows.append({"model": "frequency alone", "key": "frequency", "alive_auc": _auc(purchased, f),
                 "alive_measure": "repeat purchases"})
    table = pd.DataFrame(rows, columns=["model", "key", "status", "mae", "tracking_error", "predicted_purchases",
                                        "actual_purchases", "alive_auc", "alive_measure"])
    candidates = table.loc[table["key"].isin(list(fitted)) & table["mae"].notna()]
    best = candidates.loc[candidates["mae"].idxmin()]
    baseline_mae = float(table.loc[table["key"] == BASELINE, "mae"].iloc[0])
    alive = candidates.loc[candidates["alive_auc"].fillna(-1).idxmax(), "key"]
    if float(best["mae"]) < baseline_mae:
        chosen = str(best["key"])
        note = _("{model} forecasts the {weeks:g}-week holdout best (mean absolute error {mae:.3f} purchases per "
                 "customer, baseline {base:.3f}); it is used for the purchase forecast.", lang).format(
                     model=best["model"], weeks=duration, mae=float(best["mae"]), base=baseline_mae)
    else:
        chosen = BASELINE
        note = _("No model beats the naive baseline on the {weeks:g}-week holdout (best: {model}, mean absolute "
                 "error {mae:.3f} against {base:.3f} purchases per customer): the purchase forecast uses each "
                 "customer's past purchase rate instead.", lang).format(
                     weeks=duration, model=best["model"], mae=float(best["mae"]), base=baseline_mae)
    return ModelChoice(table=table, chosen=chosen, alive_model=str(alive), note=note, holdout_weeks=duration,
                       scores=pd.DataFrame(scores, index=holdout_summary.index), models=fitted)


def _errors(predicted: np.ndarray, actual: np.ndarray) -> dict[str, float]:
    total = float(actual.sum())
    return {"mae": float(np.mean(np.abs(predicted - actual))),
            "tracking_error": (float(predicted.sum()) - total) / total if total > 0 else float("nan"),
            "predicted_purchases": float(predicted.sum()), "actual_purchases": total}


def alive_calibration(score: pd.Series | np.ndarray, purchased_again: Any, *, n_bins: int = 10) -> pd.DataFrame:
    """Calibration table of an alive score against "purchased again in the holdout".

    Customers are cut into ``n_bins`` bands of the score (0-0.1, ..., 0.9-1); per band the mean
    score and the share who purchased again. A calibrated P(alive) is at or above the share (an
    alive customer need not buy within a short holdout); a P(purchase in the holdout) should match it.

    Returns
    -------
    pandas.DataFrame
        ``band``, ``customers``, ``mean_score``, ``purchased_again``.

    Examples
    --------
    >>> alive_calibration([0.05, 0.15, 0.95, 0.92], [0, 0, 1, 1], n_bins=2)[["band", "customers", "purchased_again"]]
          band  customers  purchased_again
    0  0.0-0.5          2              0.0
    1  0.5-1.0          2              1.0
    """
    s = np.asarray(score, dtype="float64")
    y = np.asarray(purchased_again, dtype="float64")
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    band = np.clip(np.digitize(s, edges[1:-1]), 0, n_bins - 1)
    frame = pd.DataFrame({"band": band, "score": s, "y": y})
    out = frame.groupby("band").agg(customers=("y", "size"), mean_score=("score", "mean"),
                                    purchased_again=("y", "mean")).reset_index()
    out["band"] = [f"{edges[b]:.1f}-{edges[b + 1]:.1f}" for b in out["band"]]
    return out
