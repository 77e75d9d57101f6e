"""Behavioural drivers (行为驱动因素): churn models, their evaluation, gains and permutation drivers.

A logistic-regression baseline and gradient boosting, trained at one cut-off and tested at a later
one, judged by ROC-AUC, PR-AUC, calibration and lift; drivers by permutation importance.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from crm_analysis.churn.dataset import ChurnDataset, design_matrix
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
    """

    models: dict
    columns: list[str]
    X_test: pd.DataFrame
    y_test: pd.Series
    split: str

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
    models = {name: est.fit(X, y.to_numpy()) for name, est in churn_estimators(seed).items()}
    return ChurnModels(models, list(X.columns), X_test, y_test, split)


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
