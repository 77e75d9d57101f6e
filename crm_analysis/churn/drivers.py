"""Behavioural drivers (行为驱动因素): churn models, their evaluation, gains and permutation drivers.

A logistic-regression baseline and gradient boosting, trained at one cut-off and tested at a later
one, judged by ROC-AUC, PR-AUC, calibration and lift; drivers by permutation importance.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.optimize import linprog
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from crm_analysis.churn.dataset import ChurnDataset, design_matrix
from crm_analysis.core import i18n
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.threads import single_threaded


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
    diagnostics : DataFrame
        The fit checks of :func:`diagnose_logistic_fit` (``check``, ``ok``, ``value``, ``limit``,
        ``features``); empty when not run.
    status : str
        "ok", or each problem found, separated by "; " (e.g. ``separation: days_since → ±∞``).
    converged : bool
        True only when the solver stopped normally and no check found a problem.
    """

    models: dict
    columns: list[str]
    X_test: pd.DataFrame
    y_test: pd.Series
    split: str
    diagnostics: pd.DataFrame = field(default_factory=pd.DataFrame)
    status: str = "ok"
    converged: bool = True

    @single_threaded
    def predict_proba(self, features: pd.DataFrame, model: str = "gradient_boosting") -> pd.Series:
        """Churn probability for customers described by ``features``."""
        X = design_matrix(features, self.columns)
        return pd.Series(self.models[model].predict_proba(X)[:, 1], index=features.index,
                         name="churn_probability")


def _signed_log(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


def churn_estimators(seed: int) -> dict:
    """The two unfitted churn models: logistic regression (on signed-log inputs) and gradient boosting.

    Parameters
    ----------
    seed : int
        Random state of gradient boosting.

    Returns
    -------
    dict
        "logistic_regression" and "gradient_boosting" to scikit-learn estimators.

    Examples
    --------
    >>> sorted(churn_estimators(0))
    ['gradient_boosting', 'logistic_regression']
    """
    # signed log keeps heavy-tailed spend usable by the linear model
    slog = FunctionTransformer(_signed_log)
    return {
        "logistic_regression": make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                                             slog, StandardScaler(), LogisticRegression(max_iter=2000)),
        "gradient_boosting": HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_depth=4,
                                                            l2_regularization=1.0, random_state=seed),
    }


@single_threaded
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
    models = {}
    with warnings.catch_warnings(record=True) as caught:  # a solver that stops early is named in the status
        warnings.simplefilter("always", ConvergenceWarning)
        for name, est in churn_estimators(seed).items():
            models[name] = est.fit(X, y.to_numpy())
    solver_warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    diagnostics = diagnose_logistic_fit(models["logistic_regression"], X, y, solver_warned=solver_warned)
    return ChurnModels(models, list(X.columns), X_test, y_test, split, diagnostics,
                       fit_status(diagnostics), bool(diagnostics["ok"].all()))


EVENTS_PER_FEATURE = 10  # fewest events (rarer outcome) per coefficient for stable estimates (Peduzzi et al. 1996)
MINORITY_SHARE = 0.10  # rarer outcome below this share: accuracy says nothing, a constant guess scores > 90%
CONDITION_LIMIT = 100.0  # condition index of the scaled design above this: strong collinearity (Belsley et al. 1980)
SINGULAR = 1e8  # condition index above this: the design is singular (a feature is a combination of others)
_SEPARATION_TOL = 1e-6  # margin (relative to the largest) below which a customer is not strictly separated


def _margins(Z: np.ndarray, y: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Signed margin of each row along ``direction`` (intercept first): positive on the churn side for churners."""
    return np.where(y, 1.0, -1.0) * (direction[0] + Z @ direction[1:])


def _separating_direction(Z: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The sparsest direction (intercept, weights) that puts every churner on one side and every other
    customer on the other, some strictly; zeros when none exists (Konis 2007).

    A linear programme: minimise the summed absolute weights subject to no margin below zero and the
    margins summing to one. It is feasible exactly when the data are (quasi-)completely separated, in
    which case unpenalised maximum likelihood sends those weights to infinity (Albert & Anderson 1984);
    the L1 objective names the fewest features that do it.
    """
    signed = np.where(y, 1.0, -1.0)[:, None] * np.column_stack([np.ones(len(Z)), Z])
    k = Z.shape[1]
    # variables: intercept, positive parts, negative parts of the weights
    design = np.column_stack([signed[:, :1], signed[:, 1:], -signed[:, 1:]])
    result = linprog(np.r_[0.0, np.ones(2 * k)], A_ub=-design, b_ub=np.zeros(len(Z)),
                     A_eq=design.sum(axis=0)[None, :], b_eq=[1.0],
                     bounds=[(None, None)] + [(0.0, None)] * (2 * k), method="highs")
    if result.status != 0:
        return np.zeros(k + 1)
    direction = np.r_[result.x[0], result.x[1:k + 1] - result.x[k + 1:]]
    return np.where(np.abs(direction) > 1e-9 * np.abs(direction).max(), direction, 0.0)


def _reference_levels(columns: Sequence[str]) -> set[int]:
    """One column per one-hot group (``name=level``) and of the category shares: they add to one by design."""
    groups: dict[str, int] = {}
    for i, column in enumerate(columns):
        key = column.split("=")[0] + "=" if "=" in column else ("share_" if column.startswith("share_") else "")
        if key:
            groups.setdefault(key, i)
    return set(groups.values())


def diagnose_logistic_fit(pipeline, X: pd.DataFrame, y: pd.Series, *, solver_warned: bool = False) -> pd.DataFrame:
    """Fit checks of the logistic churn model: solver, separation, collinearity, events per feature, balance.

    Parameters
    ----------
    pipeline : sklearn Pipeline
        The fitted logistic model of :func:`churn_estimators` (its steps before the last transform ``X``).
    X : DataFrame
        Training design matrix (customers x features).
    y : Series of bool
        Training labels (True = churned).
    solver_warned : bool, default False
        Whether scikit-learn warned that the solver did not converge.

    Returns
    -------
    DataFrame
        One row per check (``solver``, ``separation``, ``collinearity``, ``events_per_feature``,
        ``class_balance``) with ``ok``, ``value``, ``limit`` and ``features`` (the features named,
        comma-separated). Separation: share of customers that a linear direction in the features puts
        strictly on their own side while no customer is on the wrong side (a linear programme, Konis
        2007); above 0 the data are (quasi-)completely separated and unpenalised weights run to
        infinity (Albert & Anderson 1984). Collinearity: condition index of the scaled design
        without constant columns and one reference column per one-hot group (Belsley, Kuh & Welsch
        1980): above 100 ill-conditioned, above 1e8 singular; the features named load on the
        smallest singular vector. Events per feature: count of the rarer outcome per design column
        (at least 10, Peduzzi et al. 1996). Balance: share of the rarer outcome (at least 10%).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"x": rng.normal(size=400)})
    >>> y = pd.Series(f["x"] + rng.normal(size=400) > 0)
    >>> lr = churn_estimators(0)["logistic_regression"].fit(f, y)
    >>> diagnose_logistic_fit(lr, f, y)["ok"].all()
    np.True_
    """
    y = np.asarray(y, dtype=bool)
    final = pipeline[-1]
    Z = np.asarray(pipeline[:-1].transform(X), dtype=float)
    columns = list(X.columns)
    varying = Z.std(axis=0) > 1e-12
    n_iter, max_iter = int(np.max(final.n_iter_)), int(final.max_iter)
    rows = [{"check": "solver", "ok": not solver_warned and n_iter < max_iter, "value": float(n_iter),
             "limit": float(max_iter), "features": ""}]
    direction = _separating_direction(Z[:, varying], y)
    weight = np.zeros(len(columns))
    weight[varying] = np.abs(direction[1:])
    margins = _margins(Z[:, varying], y, direction)
    separated = float(np.mean(margins > _SEPARATION_TOL * max(float(margins.max(initial=0.0)), 1e-300)))
    rows.append({"check": "separation", "ok": separated == 0.0, "value": separated, "limit": 0.0,
                 "features": ", ".join(c for c, w in zip(columns, weight, strict=True) if w > 1e-6)})
    keep = [i for i in range(len(columns)) if varying[i] and i not in _reference_levels(columns)]
    condition, named = 1.0, ""
    if len(keep) > 1:
        _, singular, vt = np.linalg.svd(Z[:, keep] / np.sqrt(len(Z)), full_matrices=False)
        condition = float(singular[0] / singular[-1]) if singular[-1] > 0 else np.inf
        named = ", ".join(columns[keep[i]] for i in np.flatnonzero(np.abs(vt[-1]) > 0.3))
    rows.append({"check": "collinearity", "ok": condition <= CONDITION_LIMIT, "value": condition,
                 "limit": CONDITION_LIMIT if condition <= SINGULAR else SINGULAR,
                 "features": named if condition > CONDITION_LIMIT else ""})
    rarer = float(min(y.sum(), (~y).sum()))
    rows.append({"check": "events_per_feature", "ok": rarer / max(int(varying.sum()), 1) >= EVENTS_PER_FEATURE,
                 "value": rarer / max(int(varying.sum()), 1), "limit": float(EVENTS_PER_FEATURE), "features": ""})
    rows.append({"check": "class_balance", "ok": rarer / len(y) >= MINORITY_SHARE, "value": rarer / len(y),
                 "limit": MINORITY_SHARE, "features": ""})
    return pd.DataFrame(rows)


def fit_status(diagnostics: pd.DataFrame) -> str:
    """One line naming each failed check of :func:`diagnose_logistic_fit` ("ok" when none failed).

    Examples
    --------
    >>> d = pd.DataFrame({"check": ["solver", "separation"], "ok": [True, False], "value": [9.0, 0.05],
    ...                   "limit": [2000.0, 0.0], "features": ["", "complaints"]})
    >>> fit_status(d)
    'separation: complaints → ±∞ (5.0% of customers perfectly separated)'
    """
    words = {"solver": "not converged: solver stopped after {value:.0f} of {limit:.0f} iterations",
             "separation": "separation: {features} → ±∞ ({value:.1%} of customers perfectly separated)",
             "collinearity": "collinear: {features} (condition index {value:.3g} > {limit:g})",
             "events_per_feature": "too few events: {value:.1f} per feature < {limit:g}",
             "class_balance": "class imbalance: rarer outcome {value:.1%} < {limit:.0%}"}
    failed = diagnostics.loc[~diagnostics["ok"].astype(bool)]
    if failed.empty:
        return "ok"
    return "; ".join(words[row["check"]].format(**row) for _, row in failed.iterrows())


def fit_note(models: ChurnModels) -> str:
    """The churn model's fit checks in a manager's words, with what the chapter does about each problem.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> f = pd.DataFrame({"x": rng.normal(size=300)})
    >>> m = fit_churn_models(ChurnDataset(f, pd.Series(f["x"] + rng.normal(size=300) > 0), None))
    >>> fit_note(m).startswith("The churn model's fit checks passed")
    True
    """
    d = models.diagnostics.set_index("check")
    if models.converged or d.empty:
        return i18n._("The churn model's fit checks passed: the solver converged, no feature separates churners "
                      "perfectly, the features are not collinear, and there are enough churners ({events:.0f} per "
                      "feature).").format(events=d.loc["events_per_feature", "value"] if len(d) else np.nan)
    texts = {
        "solver": i18n._("The logistic model's solver stopped after {value:,.0f} iterations without converging, so "
                         "its coefficients are approximate; the chapter ranks customers with gradient boosting, which "
                         "does not use this solver."),
        "separation": i18n._("Some features ({features}) separate churners from the others (almost) perfectly: "
                             "without a penalty their weights would grow without limit. The chapter's logistic model "
                             "is penalised, so it still fits, but these weights are not sizes of effect; check "
                             "whether the features leak the outcome."),
        "collinearity": i18n._("Some features ({features}) move almost together (condition index {value:,.0f}, limit "
                               "{limit:,.0f}): their separate effects cannot be told apart. The penalised model still "
                               "fits; read these drivers as one group."),
        "singular": i18n._("Some features ({features}) carry the same information (one is a combination of the "
                           "others in these data): their separate effects cannot be told apart. The penalised model "
                           "still fits; read these drivers as one group."),
        "events_per_feature": i18n._("Only {value:.1f} churners per feature (at least {limit:.0f} are needed for "
                                     "stable weights): the model may learn noise. The chapter judges it on the later "
                                     "cut-off only; treat the drivers as indicative."),
        "class_balance": i18n._("Only {value:.1%} of the training customers are in the rarer group: a model that "
                                "always guesses the common outcome would be {accuracy:.1%} accurate, so accuracy "
                                "means nothing here. The chapter judges the models by ROC-AUC, PR-AUC and lift."),
    }
    failed = d.loc[~d["ok"].astype(bool)]
    return " ".join(texts["singular" if check == "collinearity" and row["value"] > SINGULAR else check].format(
        **row, accuracy=1 - row["value"]) for check, row in failed.iterrows())


def gains_table(y_true: Sequence[bool], score: Sequence[float], bins: int = 10) -> pd.DataFrame:
    """Lift / gains by score decile (decile 1 = the highest scores).

    Parameters
    ----------
    y_true : sequence of bool
    score : sequence of float
    bins : int, default 10

    Returns
    -------
    pandas.DataFrame
        decile, customers, churners, churn_rate, lift, cumulative_share_of_customers,
        cumulative_share_of_churners.

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


@single_threaded
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


@single_threaded
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
    X, y = models.X_test, models.y_test.to_numpy(dtype=bool)
    if len(X) > max_rows:  # a sample keeps this fast; the ranking is stable well before that
        pick = np.random.default_rng(seed).choice(len(X), max_rows, replace=False)
        X, y = X.iloc[pick], y[pick]
    result = permutation_importance(models.models[model], X, y, scoring="roc_auc", n_repeats=n_repeats,
                                    random_state=seed)
    table = pd.DataFrame({"feature": X.columns, "importance": result.importances_mean,
                          "std": result.importances_std})
    return table.sort_values("importance", ascending=False).head(top).reset_index(drop=True)
