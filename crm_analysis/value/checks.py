"""Validation (模型验证): holdout by frequency, tracking, CLV backtest, P(alive) AUC, the paper replication."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load
from crm_analysis.features.lines import purchase_occasions
from crm_analysis.models.clv import cumulative_repeat_forecast
from crm_analysis.value.fitting import ValueModels, expected_purchases, fit_value_models, model_fit_table, summary_table
from crm_analysis.value.periods import _HOLDOUT_REQUIRED, _TX_REQUIRED, _holdout_length, observation_end
from crm_analysis.value.prediction import expected_order_value

_ = i18n.gettext


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
    require_columns(summary, _HOLDOUT_REQUIRED, "calibration/holdout summary")
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    predicted = expected_purchases(model, _holdout_length(summary), f, r, t)
    group = np.minimum(f, max_frequency).astype(int)
    frame = pd.DataFrame({"group": group, "actual": summary["frequency_holdout"].to_numpy(dtype="float64"),
                          "predicted": predicted})
    out = frame.groupby("group").agg(customers=("actual", "size"), actual=("actual", "mean"),
                                     predicted=("predicted", "mean")).reset_index()
    out["frequency"] = out["group"].astype(str).where(out["group"] < max_frequency, f"{max_frequency}+")
    return out[["frequency", "customers", "actual", "predicted"]]


def _repeat_occasions(transactions: pd.DataFrame) -> pd.DataFrame:
    """Purchase occasions (customer, day) under the one line rule (features.lines), first day flagged."""
    return purchase_occasions(transactions)


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
    require_columns(transactions, _TX_REQUIRED, "transactions")
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


def clv_backtest_by_decile(
    summary: pd.DataFrame, models: ValueModels, *, n_groups: int = 10, purchase_model: Any = None
) -> pd.DataFrame:
    """Predicted vs realised holdout value by decile of predicted value (monetary value included).

    Predicted value = expected holdout purchases (``purchase_model``, by default BG/NBD; e.g. the
    model chosen on the holdout or :class:`crm_analysis.models.clv.NaiveRateModel`) x expected
    order value (:func:`crm_analysis.value.expected_order_value`), undiscounted so it is
    comparable with what was actually spent; realised value = holdout purchases x their mean
    spend. :func:`backtest_readout` says it in words.

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
    >>> s = pd.DataFrame({"frequency": [0, 2, 9], "recency": [0.0, 30.43, 35.0], "monetary_value": [0.0, 22.35, 40.0]})
    >>> s = s.assign(T=38.86, frequency_holdout=[0, 1, 6], monetary_value_holdout=[0.0, 20.0, 35.0],
    ...              duration_holdout=39.0)
    >>> table = clv_backtest_by_decile(s, ValueModels(bg, None, None, "W", []), n_groups=3)
    >>> table[["decile", "customers", "realised_value"]].to_dict("list")
    {'decile': [1, 2, 3], 'customers': [1, 1, 1], 'realised_value': [0.0, 20.0, 210.0]}
    """
    require_columns(summary, _HOLDOUT_REQUIRED, "calibration/holdout summary")
    f, r, t = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    forecaster = models.bgnbd if purchase_model is None else purchase_model
    purchases = expected_purchases(forecaster, _holdout_length(summary), f, r, t)
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
    require_columns(truth_customers, ("customer_id", "is_churned"), "truth customers")
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
        transactions = clean(load("cdnow_sample")).transactions
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


ALIVE_BANDS = (0.0, 0.2, 0.5, 0.8, 0.999, 1.0)  # the last band is "1.000" as the report rounds it


def alive_vs_lost(p_alive: pd.Series, lost: pd.Series) -> pd.DataFrame:
    """Customers by P(alive) band (rows) and lost / active (columns): do chapters 3 and 4 agree?

    Parameters
    ----------
    p_alive : pandas.Series
        Chapter 4's P(alive) (or its stand-in, see :func:`crm_analysis.value.predict_value`), by customer.
    lost : pandas.Series of bool
        Chapter 3's lost label by customer (its hand-off ``status == "lost"``, or silence longer
        than the inactivity window).

    Returns
    -------
    pandas.DataFrame
        Index ``p_alive`` band ("0.00-0.20", ..., "0.999-1.000"); columns ``active``, ``lost`` (customers)
        and ``lost_share``. Customers in only one of the two are left out.

    Examples
    --------
    >>> p = pd.Series([0.1, 0.9, 1.0, 1.0], index=list("abcd"))
    >>> alive_vs_lost(p, pd.Series([True, False, True, False], index=list("abcd")))["lost"].tolist()
    [1, 0, 0, 0, 1]
    """
    joined = pd.DataFrame({"p": p_alive.astype("float64"), "lost": lost.astype("boolean")}).dropna()
    labels = [f"{lo:.3g}-{hi:.3g}" for lo, hi in itertools.pairwise(ALIVE_BANDS)]
    band = pd.cut(joined["p"], list(ALIVE_BANDS), labels=labels, include_lowest=True)
    table = pd.crosstab(band, joined["lost"].map({True: "lost", False: "active"}), dropna=False)
    table = table.reindex(index=labels, columns=["active", "lost"], fill_value=0).rename_axis("p_alive")
    table.columns.name = None
    total = table.sum(axis=1)
    table["lost_share"] = (table["lost"] / total.where(total > 0)).astype("float64")
    return table


def silent_but_alive_note(
    p_alive: pd.Series, lost: pd.Series, *, alive_model: str, measure: str, lang: str | None = None
) -> str | None:
    """A sentence when customers counted lost are shown with P(alive) = 1.000, saying why and what to use.

    Returns None when no lost customer has P(alive) of 0.999 or more.

    Examples
    --------
    >>> p = pd.Series([1.0, 0.4], index=["a", "b"])
    >>> silent_but_alive_note(p, pd.Series([True, True], index=["a", "b"]), alive_model="bgnbd",
    ...                       measure="P(alive)")[:40]
    '1 customer(s) counted as lost by chapter'
    """
    joined = pd.DataFrame({"p": p_alive.astype("float64"), "lost": lost.astype("boolean")}).dropna()
    n = int(((joined["p"] >= 0.999) & joined["lost"].astype(bool)).sum())
    if n == 0:
        return None
    why = {
        "bgnbd": _("BG/NBD lets a customer drop out only right after a purchase, so every one-time buyer is "
                   "'certainly alive' however long ago they bought", lang),
        "pareto_nbd": _("the Pareto/NBD fit finds almost no dropout in these data, so it keeps everyone alive", lang),
        "mbgnbd": _("the MBG/NBD fit finds almost no dropout in these data, so it keeps everyone alive", lang),
    }.get(alive_model, "")
    return _("{n:,} customer(s) counted as lost by chapter 3 (no purchase for longer than the inactivity window) "
             "have {measure} = 1.000: {why}. For who has left, use chapter 3's lost label (or the probability of a "
             "purchase in the next 13 weeks); use P(alive) only to rank customers who still buy.", lang).format(
                 n=n, measure=measure, why=why)


def backtest_readout(backtest: pd.DataFrame, *, tolerance: float = 0.2, lang: str | None = None) -> list[str]:
    """The CLV backtest in words: where the model over- or under-predicts, and by how much.

    Deciles whose predicted / realised ratio is within ``1 +- tolerance`` are "about right";
    neighbouring deciles in the same direction are named together with their range.

    Parameters
    ----------
    backtest : pandas.DataFrame
        :func:`clv_backtest_by_decile` output (``decile``, ``predicted_value``, ``realised_value``).
    tolerance : float, default 0.2
    lang : {"en", "zh"}, optional

    Returns
    -------
    list of str

    Examples
    --------
    >>> t = pd.DataFrame({"decile": [1, 2, 3, 4], "predicted_value": [10.0, 30.0, 40.0, 100.0],
    ...                   "realised_value": [30.0, 100.0, 40.0, 60.0]})
    >>> backtest_readout(t)[0]
    'Deciles 1-2: the model predicts 30-33% of the value realised (under-predicts by 67-70%).'
    """
    require_columns(backtest, ("decile", "predicted_value", "realised_value"), "CLV backtest")
    realised = backtest["realised_value"].astype("float64")
    ratio = (backtest["predicted_value"].astype("float64") / realised.where(realised > 0)).to_numpy()
    kind = np.where(np.isnan(ratio), "none", np.where(ratio < 1 - tolerance, "under",
                                                      np.where(ratio > 1 + tolerance, "over", "ok")))
    sentences = []
    deciles = backtest["decile"].to_numpy()
    start = 0
    for i in range(1, len(kind) + 1):
        if i < len(kind) and kind[i] == kind[start]:
            continue
        group = slice(start, i)
        first, last = deciles[start], deciles[i - 1]
        label = _("Decile {a}", lang).format(a=first) if first == last else _("Deciles {a}-{b}", lang).format(
            a=first, b=last)
        values = ratio[group]
        span = _span(np.nanmin(values), np.nanmax(values)) if kind[start] != "none" else ""
        if kind[start] == "under":
            off = _span(1 - np.nanmax(values), 1 - np.nanmin(values))
            sentences.append(_("{label}: the model predicts {span} of the value realised (under-predicts by {off}).",
                               lang).format(label=label, span=span, off=off))
        elif kind[start] == "over":
            sentences.append(_("{label}: the model predicts {span} of the value realised (over-predicts).",
                               lang).format(label=label, span=span))
        elif kind[start] == "ok":
            sentences.append(_("{label}: predicted and realised value agree within {tol:.0%}.", lang).format(
                label=label, tol=tolerance))
        else:
            sentences.append(_("{label}: nothing was realised in the holdout, so there is no ratio.", lang).format(
                label=label))
        start = i
    total_p, total_r = float(backtest["predicted_value"].sum()), float(realised.sum())
    if total_r > 0:
        sentences.append(_("Over all customers the model predicts {ratio:.0%} of the value realised in the holdout.",
                           lang).format(ratio=total_p / total_r))
    return sentences


def _span(low: float, high: float) -> str:
    """"30%" or "30-33%"."""
    return f"{low:.0%}" if round(low * 100) == round(high * 100) else f"{low * 100:.0f}-{high:.0%}"
