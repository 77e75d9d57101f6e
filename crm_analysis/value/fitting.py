"""Fitting the buy-till-you-die models on the RFM summary; the fit table, its drift between runs."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns
from crm_analysis.core.errors import TooLittleData
from crm_analysis.features import rfm_summary, rfm_summary_with
from crm_analysis.models.clv import (
    BetaGeoModel,
    ConvergenceWarning,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
)
from crm_analysis.models.clv.base import log_scale_interval
from crm_analysis.value.periods import _SUMMARY_REQUIRED, _TX_REQUIRED, _holdout_length, observation_end

_ = i18n.gettext


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
    mbgnbd : crm_analysis.models.clv.ModifiedBetaGeoModel or None
        MBG/NBD (one-time buyers may have dropped out), for the comparison (None if not requested).
    """

    bgnbd: Any
    gamma_gamma: Any | None
    pareto_nbd: Any | None
    time_unit: str
    notes: list[str]
    mbgnbd: Any | None = None

    def purchase_models(self) -> dict[str, Any]:
        """The fitted purchase models by key ("bgnbd", "pareto_nbd", "mbgnbd").

        Examples
        --------
        >>> ValueModels(None, None, None, "W", []).purchase_models()
        {}
        """
        pairs = (("bgnbd", self.bgnbd), ("pareto_nbd", self.pareto_nbd), ("mbgnbd", self.mbgnbd))
        return {key: model for key, model in pairs if model is not None}


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
    require_columns(transactions, _TX_REQUIRED, "transactions")
    if engine != "pandas":
        return rfm_summary_with(engine, transactions, as_of=observation_end(as_of),
                                calibration_end=calibration_end, time_unit=time_unit)
    return rfm_summary(transactions, as_of=observation_end(as_of), calibration_end=calibration_end,
                       time_unit=time_unit)


def fit_value_models(
    summary: pd.DataFrame, *, time_unit: str = "W", pareto: bool = True, min_repeat_buyers: int = 10,
    mbgnbd: bool = False,
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
    mbgnbd : bool, default False
        Also fit MBG/NBD (the holdout comparison may choose it).

    A fit that is not interior and identified (``status_`` not "ok": a parameter running to 0 or
    infinity, a flat likelihood) is named in ``notes`` in words; so is a Gamma-Gamma q not safely
    above 1 (:func:`spend_model_is_finite`), with what the chapter does about it.

    Returns
    -------
    ValueModels

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If columns are missing.
    crm_analysis.core.errors.TooLittleData
        If there are fewer than 20 customers or 5 repeat buyers (the chapter stops there with a note).

    Examples
    --------
    >>> from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma
    >>> summary = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=500, seed=1)
    >>> summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6, q=4, v=15, seed=1)
    >>> models = fit_value_models(summary, pareto=False)
    >>> sorted(models.bgnbd.params_.index), models.pareto_nbd is None
    (['a', 'alpha', 'b', 'r'], True)
    """
    require_columns(summary, _SUMMARY_REQUIRED, "RFM summary")
    if len(summary) < 20 or int((summary["frequency"] > 0).sum()) < 5:
        raise TooLittleData(
            f"RFM summary: {len(summary)} customers and {int((summary['frequency'] > 0).sum())} repeat buyers "
            "are too few to fit the purchase models (need at least 20 customers and 5 repeat buyers)"
        )
    notes: list[str] = []
    f, r, t = summary["frequency"], summary["recency"], summary["T"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # each fit's status_ goes into the notes instead
        bgnbd = BetaGeoModel().fit(f, r, t)
        _note_status("BG/NBD", bgnbd, notes)
        repeat = summary.loc[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
        gamma_gamma = None
        if len(repeat) >= min_repeat_buyers:
            gamma_gamma = GammaGammaModel().fit(repeat["frequency"], repeat["monetary_value"])
            _note_status("Gamma-Gamma", gamma_gamma, notes)
            if not spend_model_is_finite(gamma_gamma):
                notes.append(_(
                    "Gamma-Gamma: q = {q:.2f} (95% interval {low:.2f}-{high:.2f}) is not safely above 1, so the "
                    "model's average spend per order is infinite or nearly so and its expected order values would "
                    "explode for customers with few orders. The chapter uses each customer's own mean shrunk towards "
                    "the median customer's mean spend instead, capped at {cap:g} times the customer's own mean."
                ).format(
                        q=float(gamma_gamma.params_["q"]), low=_q_interval(gamma_gamma)[0],
                        high=_q_interval(gamma_gamma)[1], cap=SPEND_CAP))
        else:
            notes.append(f"Gamma-Gamma not fitted: only {len(repeat)} repeat buyers with positive spend.")
        pareto_nbd = _optional_fit(ParetoNBDModel, "Pareto/NBD", f, r, t, notes) if pareto else None
        mbg = _optional_fit(ModifiedBetaGeoModel, "MBG/NBD", f, r, t, notes) if mbgnbd else None
    return ValueModels(bgnbd=bgnbd, gamma_gamma=gamma_gamma, pareto_nbd=pareto_nbd, time_unit=time_unit,
                       notes=notes, mbgnbd=mbg)


# Unless Gamma-Gamma is safe, a customer's expected order value is at most this many times their own mean.
SPEND_CAP = 3.0


def _q_interval(model: Any) -> tuple[float, float]:
    row = model.summary().set_index("parameter").loc["q"]
    return float(row["lower_95"]), float(row["upper_95"])


def spend_model_is_finite(model: Any) -> bool:
    """Whether a Gamma-Gamma fit gives finite, usable expected order values.

    True when the fit converged to an identified interior point and the 95% interval of q
    (log scale) lies above 1: then the population mean p v / (q - 1) exists and is estimated.
    Given (published) parameters without standard errors need only q > 1.

    Examples
    --------
    >>> from crm_analysis.models.clv import GammaGammaModel
    >>> spend_model_is_finite(GammaGammaModel.from_params(p=6.25, q=0.61, v=15.44))
    False
    """
    if model is None or float(model.params_["q"]) <= 1.0:
        return False
    if str(getattr(model, "status_", "")).startswith("given"):  # published parameters: no interval to check
        return True
    low = _q_interval(model)[0]
    return bool(getattr(model, "converged_", False) and np.isfinite(low) and low > 1.0)


def _note_status(name: str, model: Any, notes: list[str]) -> None:
    """A note in words when a fit is not interior and identified (its ``status_``)."""
    if not getattr(model, "converged_", True):
        notes.append(_("{model}: {status}. Its parameters are not reliable as they stand; the holdout comparison "
                       "decides which forecast the chapter uses.").format(model=name, status=model.status_))


def _optional_fit(cls: type, name: str, f: Any, r: Any, t: Any, notes: list[str]) -> Any | None:
    """A comparison model; a failure is a note, not the end of the chapter."""
    try:
        model = cls().fit(f, r, t)
    except (ValueError, ArithmeticError, RuntimeError) as exc:
        notes.append(f"{name} could not be fitted: {exc}")
        return None
    _note_status(name, model, notes)
    return model


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
        ``model``, ``parameter``, ``value``, ``standard_error``, ``ci_low``, ``ci_high`` (95%
        interval on the log scale, :func:`crm_analysis.models.clv.base.log_scale_interval`: positive),
        ``log_likelihood``, ``n_customers``, ``converged`` (stopped normally and identified),
        ``status`` (what is wrong, in words), ``source``.

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
                        ("Pareto/NBD", models.pareto_nbd), ("MBG/NBD", models.mbgnbd)):
        if model is None:
            continue
        params, errors = _params_and_errors(model)
        for parameter, value in params.items():
            se = errors.get(parameter, np.nan)
            low, high = log_scale_interval(value, se)
            rows.append({
                "model": name, "parameter": parameter, "value": value, "standard_error": se,
                "ci_low": low, "ci_high": high,
                "log_likelihood": float(getattr(model, "log_likelihood_", np.nan)),
                "n_customers": int(getattr(model, "n_customers_", 0) or 0),
                "converged": bool(getattr(model, "converged_", True)),
                "status": str(getattr(model, "status_", "")),
                "source": source,
            })
    return pd.DataFrame(rows, columns=["model", "parameter", "value", "standard_error", "ci_low", "ci_high",
                                       "log_likelihood", "n_customers", "converged", "status", "source"])


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
        # Hidden siblings are a run still being written (.DIR.partial) or set aside (.DIR.private).
        if p.is_dir() and not p.name.startswith(".") and p.resolve() != current
        and (p / "tables" / "model_fit.csv").is_file()
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
        require_columns(frame, ("model", "parameter", "value"), what)
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


@dataclass
class DriftCheck:
    """The parameters of this run against the previous run's, or why they cannot be compared.

    Attributes
    ----------
    table : DataFrame or None
        :func:`parameter_drift` output; None when there is no previous run.
    note : str
        One sentence for the report (in the report language).
    kind : {"note", "warning", "ok"}
        How the report shows ``note``: "warning" when a parameter drifted.
    previous_run : str or None
        Name of the previous run folder.
    """

    table: pd.DataFrame | None
    note: str
    kind: str
    previous_run: str | None


def drift_check(
    model_fit: pd.DataFrame,
    output_dir: str | Path,
    *,
    source: str | None = None,
    threshold: float = 0.25,
    lang: str | None = None,
) -> DriftCheck:
    """Compare this run's ``model_fit`` with the previous run's (a sibling of ``output_dir``).

    Chapter 4's own history: scheduled runs write to sibling folders (``reports/<timestamp>/``);
    :func:`find_previous_model_fit` finds the latest earlier one on the same data source.

    Parameters
    ----------
    model_fit : DataFrame
        :func:`model_fit_table` of this run.
    output_dir : str or Path
        This run's folder.
    source : str, optional
        The data source; only runs on the same source count.
    threshold : float, default 0.25
        Relative change that counts as drift (:func:`parameter_drift`).
    lang : {"en", "zh"}, optional
        Language of the note; defaults to the report language.

    Returns
    -------
    DriftCheck

    Examples
    --------
    >>> import tempfile
    >>> check = drift_check(pd.DataFrame(columns=["model", "parameter", "value"]), Path(tempfile.mkdtemp()) / "run")
    >>> check.table is None, check.kind
    (True, 'note')
    """
    previous = find_previous_model_fit(output_dir, source=source)
    if previous is None:
        return DriftCheck(None, _("No earlier run on this data source next to this one (tables/model_fit.csv): "
                                  "drift cannot be checked yet.", lang), "note", None)
    run = previous.parent.parent.name
    table = parameter_drift(model_fit, pd.read_csv(previous), threshold=threshold)
    drifted = table.loc[table["drifted"]]
    if len(drifted):
        note = _("{n} parameter(s) moved more than {threshold:.0%} since the previous run ({run}): {parameters}",
                 lang).format(n=len(drifted), threshold=threshold, run=run,
                              parameters=", ".join(drifted["model"] + " " + drifted["parameter"]))
        return DriftCheck(table, note, "warning", run)
    note = _("No parameter moved more than {threshold:.0%} since {run}.", lang).format(threshold=threshold, run=run)
    return DriftCheck(table, note, "ok", run)


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
    >>> s = pd.DataFrame({"frequency": [0, 2, 9], "recency": [0.0, 30.43, 35.0], "T": 38.86,
    ...                   "monetary_value": [0.0, 22.35, 40.0], "frequency_holdout": [0, 1, 6],
    ...                   "duration_holdout": 39.0})
    >>> model_comparison(ValueModels(bg, None, None, "W", []), s)[["model", "actual_holdout_purchases"]]
        model  actual_holdout_purchases
    0  BG/NBD                       7.0
    """
    rows = []
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    for name, model in (("BG/NBD", models.bgnbd), ("Pareto/NBD", models.pareto_nbd), ("MBG/NBD", models.mbgnbd)):
        if model is None:
            continue
        params, _errors = _params_and_errors(model)
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
