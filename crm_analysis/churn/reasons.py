"""Why customers left (流失原因): stated reasons, their Pareto, and reasons inferred from behaviour.

Stated reasons come from the exit survey, free text mapped to categories by
:class:`crm_analysis.models.text.ReasonTextClassifier`. Customers who did not answer get a category
inferred from their behaviour by a model trained on those who did (rules when too few did).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import KFold

from crm_analysis.churn.dataset import design_matrix
from crm_analysis.core import i18n
from crm_analysis.core.checks import require_columns
from crm_analysis.core.schema import REASON_CATEGORIES
from crm_analysis.core.threads import single_threaded
from crm_analysis.models.text import ReasonTextClassifier

# Behaviour the rules of rule_reason read; without any of them no reason can be inferred.
_RULE_INPUTS = {"n_purchase_days", "returns", "unresolved_complaints", "price_contacts"}


def fit_text_classifier(exit_survey: pd.DataFrame | None) -> ReasonTextClassifier:
    """A :class:`~crm_analysis.models.text.ReasonTextClassifier` fitted on the keyword lists plus the survey.

    Parameters
    ----------
    exit_survey : pandas.DataFrame or None
        Canonical exit survey; its answers with both a text and a category are added.

    Returns
    -------
    ReasonTextClassifier

    Examples
    --------
    >>> fit_text_classifier(None).predict(["涨价了"])
    ['price']
    """
    if exit_survey is None or not {"reason_text", "reason_category"}.issubset(exit_survey.columns):
        return ReasonTextClassifier().fit()
    return ReasonTextClassifier().fit(exit_survey["reason_text"], exit_survey["reason_category"])


@single_threaded
def text_confusion(
    texts: Iterable[object], stated: Iterable[object], *, seed: int = 42, folds: int = 5
) -> pd.DataFrame:
    """Confusion matrix of the text classifier against stated categories (cross-validated).

    Each answer is classified by a model fitted without it (k-fold), so the matrix is honest.

    Parameters
    ----------
    texts, stated : iterable
        Free-text reasons and the stated categories of the same answers.
    seed : int, default 42
        Fold shuffling.
    folds : int, default 5

    Returns
    -------
    pandas.DataFrame
        Rows: stated category; columns: predicted category; cells: answers.

    Examples
    --------
    >>> cm = text_confusion(["太贵了", "too expensive", "客服差", "rude staff"],
    ...                     ["price", "price", "service", "service"], folds=2)
    >>> int(np.trace(cm.to_numpy()))
    4
    """
    frame = pd.DataFrame({"t": pd.Series(list(texts), dtype="string"),
                          "c": pd.Series(list(stated), dtype="string")}).dropna()
    frame = frame.loc[frame["t"].str.strip().ne("") & frame["c"].isin(REASON_CATEGORIES)].reset_index(drop=True)
    predicted = pd.Series(pd.NA, index=frame.index, dtype="string")
    n_folds = min(folds, len(frame))
    if n_folds >= 2:
        for train, test in KFold(n_folds, shuffle=True, random_state=seed).split(frame):
            clf = ReasonTextClassifier().fit(frame.loc[train, "t"], frame.loc[train, "c"])
            predicted.iloc[test] = clf.predict_frame(frame.loc[test, "t"])["category"].to_numpy()
    elif len(frame):
        predicted[:] = ReasonTextClassifier().fit().predict_frame(frame["t"])["category"].to_numpy()
    labels = [c for c in REASON_CATEGORIES if c in set(frame["c"]) | set(predicted.dropna())]
    cm = pd.crosstab(frame["c"], predicted).reindex(index=labels, columns=labels, fill_value=0)
    cm.index.name, cm.columns.name = "stated", "predicted from text"
    return cm


def stated_reasons(exit_survey: pd.DataFrame | None, classifier: ReasonTextClassifier | None = None) -> pd.DataFrame:
    """One stated reason per customer: the survey category, else the category of the text.

    Parameters
    ----------
    exit_survey : pandas.DataFrame or None
        Canonical exit survey.
    classifier : ReasonTextClassifier, optional
        Fitted classifier for answers with text only (default: fitted on the survey itself).

    Returns
    -------
    pandas.DataFrame
        Indexed by customer_id: ``reason_category``, ``reason_text``, ``category_from``
        (``survey`` or ``text``). Empty when there is no survey.

    Examples
    --------
    >>> s = pd.DataFrame({"customer_id": ["A", "B"], "reason_category": ["price", None],
    ...                   "reason_text": ["too dear", "客服态度差"]})
    >>> stated_reasons(s)["reason_category"].tolist()
    ['price', 'service']
    """
    empty = pd.DataFrame({"reason_category": pd.Series(dtype="string"),
                          "reason_text": pd.Series(dtype="string"),
                          "category_from": pd.Series(dtype="string")})
    empty.index.name = "customer_id"
    if exit_survey is None or exit_survey.empty:
        return empty
    s = require_columns(exit_survey, ["customer_id"], "table exit_survey").copy()
    s = s.loc[s["customer_id"].notna()]
    if "date" in s:
        s = s.sort_values("date", na_position="first")
    s = s.drop_duplicates("customer_id", keep="last")
    category = (s["reason_category"].astype("string") if "reason_category" in s
                else pd.Series(pd.NA, index=s.index, dtype="string"))
    category = category.where(category.isin(REASON_CATEGORIES))
    text = s["reason_text"].astype("string") if "reason_text" in s else pd.Series(pd.NA, index=s.index, dtype="string")
    clf = classifier or ReasonTextClassifier().fit(text, category)
    from_text = clf.predict_frame(text)["category"].to_numpy()
    out = pd.DataFrame({
        "reason_category": category.fillna(pd.Series(from_text, index=s.index, dtype="string")),
        "reason_text": text,
        "category_from": np.where(category.notna(), "survey", "text"),
    })
    out.index = pd.Index(s["customer_id"].astype(str), name="customer_id")
    out = out.loc[out["reason_category"].notna()]
    out["category_from"] = out["category_from"].astype("string")
    return out


def reason_pareto(reasons: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Pareto table of reasons: customers and lost revenue per category, cumulative share.

    Parameters
    ----------
    reasons : pandas.DataFrame
        One row per lost customer with ``reason_category``, ``lost_revenue`` (and ``by``).
    by : str, optional
        A grouping column (segment, acquisition_channel).

    Returns
    -------
    pandas.DataFrame
        reason_category, customers, lost_revenue, share, cumulative_share (within each group).

    Raises
    ------
    CRMDataError
        If a required column is missing.

    Examples
    --------
    >>> r = pd.DataFrame({"reason_category": ["price", "price", "service"], "lost_revenue": [1.0, 2.0, 9.0]})
    >>> reason_pareto(r)[["reason_category", "customers", "cumulative_share"]].values.tolist()
    [['price', 2, 0.6666666666666666], ['service', 1, 1.0]]
    """
    require_columns(reasons, ["reason_category", "lost_revenue"] + ([by] if by else []), "reasons")
    keys = ([by] if by else []) + ["reason_category"]
    frame = reasons.assign(**({by: reasons[by].astype("string").fillna("unknown")} if by else {}))
    table = frame.groupby(keys, observed=True).agg(customers=("reason_category", "size"),
                                                   lost_revenue=("lost_revenue", "sum")).reset_index()
    table = table.sort_values([*keys[:-1], "customers", "lost_revenue"],
                              ascending=[True] * len(keys[:-1]) + [False, False])
    group = table.groupby(by)["customers"] if by else table["customers"]
    total = group.transform("sum") if by else table["customers"].sum()
    table["share"] = table["customers"] / total
    table["cumulative_share"] = (table.groupby(by)["share"].cumsum() if by else table["share"].cumsum())
    return table.reset_index(drop=True)


def pareto_heatmap(reasons: pd.DataFrame, by: str, *, value: str = "customers") -> pd.DataFrame:
    """Cross-table of reason share within each group (rows: group, columns: reason).

    Examples
    --------
    >>> r = pd.DataFrame({"reason_category": ["price", "service", "price"], "seg": ["a", "a", "b"],
    ...                   "lost_revenue": [1.0, 1.0, 1.0]})
    >>> float(pareto_heatmap(r, "seg").loc["a", "price"])
    0.5
    """
    table = reason_pareto(reasons, by).pivot_table(index=by, columns="reason_category", values=value,
                                                    aggfunc="sum", fill_value=0)
    return table.div(table.sum(axis=1), axis=0)


def rule_reason(features: pd.DataFrame, *, price_rise_date: str | None = None) -> pd.Series:
    """A transparent rule-based reason category from behaviour (fallback without survey answers).

    Checked in this order: an unresolved complaint from 30 days before the last purchase onwards →
    service; a return after the last purchase → quality; contacts about prices and a last purchase
    after the price rise → price; a single purchase day → no_longer_needed; any earlier unresolved
    complaint → service; any return → quality; otherwise other (behaviour gives no clue).

    Examples
    --------
    >>> f = pd.DataFrame({"unresolved_complaints": [1.0, 0.0, 0.0], "returns": [0.0, 2.0, 0.0],
    ...                   "n_purchase_days": [3.0, 3.0, 1.0]})
    >>> rule_reason(f).tolist()
    ['service', 'quality', 'no_longer_needed']
    """
    def col(name: str) -> pd.Series:
        return features[name].astype(float).fillna(0) if name in features else pd.Series(0.0, index=features.index)

    choice = np.select(
        [col("unresolved_around_last_purchase") > 0, col("returns_since_last_purchase") > 0,
         (col("price_contacts") > 0) & (col("last_purchase_after_price_rise") > 0),
         col("n_purchase_days") <= 1, col("unresolved_complaints") > 0, col("returns") > 0],
        ["service", "quality", "price", "no_longer_needed", "service", "quality"], default="other")
    return pd.Series(choice, index=features.index, dtype="string", name="inferred_reason")


def reason_label(category: object, lang: str | None = None) -> str:
    """The display label of a reason category: its catalogue label, or the key with spaces for underscores.

    Parameters
    ----------
    category : str
        A reason category key (:data:`crm_analysis.core.schema.REASON_CATEGORIES`), e.g. ``no_longer_needed``.
    lang : {"en", "zh"}, optional
        Defaults to the report language.

    Returns
    -------
    str
        The label to put in a sentence; never the raw key with underscores.

    Examples
    --------
    >>> reason_label("no_longer_needed", "en"), reason_label("no_longer_needed", "zh"), reason_label("price", "en")
    ('no longer needed', '不再需要', 'price')
    """
    label = i18n.tr(str(category), lang)
    return label.replace("_", " ") if label == str(category) else label


@dataclass
class ReasonInference:
    """Reasons for every lost customer: stated where answered, inferred otherwise.

    Attributes
    ----------
    reasons : pandas.DataFrame
        Indexed by customer_id: reason_category, source (stated / inferred), plus the rule-based
        category ``rule_reason`` for comparison.
    method : str
        How the inferred categories were obtained, in words.
    """

    reasons: pd.DataFrame
    method: str


@single_threaded
def infer_reasons(
    lost_features: pd.DataFrame,
    stated: pd.Series,
    *,
    seed: int = 42,
    min_answers: int = 30,
    price_rise_date: str | None = None,
) -> ReasonInference:
    """Infer a reason category for lost customers who gave none, from their behaviour.

    A gradient-boosting classifier is trained on the lost customers who did answer (their stated
    category is the label, their behaviour before leaving the input) and predicts the others.
    With fewer than ``min_answers`` answers or a single category, the rules of
    :func:`rule_reason` are used instead.

    Parameters
    ----------
    lost_features : pandas.DataFrame
        Behaviour of the lost customers up to when they were declared lost.
    stated : pandas.Series
        Stated category by customer_id (any customers; aligned on the index).
    seed : int, default 42
    min_answers : int, default 30
    price_rise_date : str, optional
        For the rules.

    Returns
    -------
    ReasonInference

    Examples
    --------
    >>> f = pd.DataFrame({"unresolved_complaints": [1.0, 0.0], "returns": [0.0, 0.0],
    ...                   "n_purchase_days": [4.0, 1.0]}, index=["A", "B"])
    >>> r = infer_reasons(f, pd.Series({"A": "service"}))
    >>> r.reasons.loc["B", ["reason_category", "source"]].tolist()
    ['no_longer_needed', 'inferred']
    """
    stated = stated.astype("string").reindex(lost_features.index)
    rules = rule_reason(lost_features, price_rise_date=price_rise_date)
    answered = stated.notna().to_numpy()
    labels = stated[answered]
    inferred = rules.copy()
    if answered.sum() >= min_answers and labels.nunique() >= 2:
        X = design_matrix(lost_features)
        X = X.loc[:, X.notna().any().to_numpy()]
        model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.05, max_depth=3,
                                               l2_regularization=1.0, random_state=seed)
        model.fit(X[answered], labels.to_numpy(dtype=str))
        if (~answered).any():
            inferred[~answered] = model.predict(X[~answered])
        method = (f"gradient boosting trained on the {answered.sum():,} lost customers who answered the "
                  "exit survey (their behaviour before leaving → their stated category)")
    elif not _RULE_INPUTS.intersection(lost_features.columns):
        inferred[:] = pd.NA
        method = (f"not inferred: only {answered.sum()} survey answers to learn from, and no purchase or "
                  "contact history for the behaviour rules")
    else:
        method = i18n._("behaviour rules (only {n} survey answers, too few to learn from): unresolved complaint "
                        "around the last purchase → {service}, return after it → {quality}, price contacts and a "
                        "last purchase after the price rise → {price}, single purchase → {single}, "
                        "else {other}").format(n=int(answered.sum()), **{
                            key: reason_label(value) for key, value in (
                                ("service", "service"), ("quality", "quality"), ("price", "price"),
                                ("single", "no_longer_needed"), ("other", "other"))})
    reasons = pd.DataFrame({
        "reason_category": stated.fillna(inferred),
        "source": pd.Series(np.where(answered, "stated", "inferred"), index=lost_features.index, dtype="string"),
        "rule_reason": rules,
    })
    reasons.index.name = "customer_id"
    return ReasonInference(reasons, method)


def reason_accuracy(reasons: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of the inferred reasons against the true ones (teaching data only).

    Scored on inferred (not stated) customers whom the truth also knows as churned.

    Parameters
    ----------
    reasons : pandas.DataFrame
        ``ReasonInference.reasons``.
    truth : pandas.DataFrame
        ``Truth.customers`` (customer_id, churn_reason).

    Returns
    -------
    pandas.DataFrame
        One row per method (model / rules / majority baseline): customers, accuracy.

    Examples
    --------
    >>> r = pd.DataFrame({"reason_category": ["price", "service"], "source": ["inferred"] * 2,
    ...                   "rule_reason": ["price", "price"]}, index=["A", "B"])
    >>> t = pd.DataFrame({"customer_id": ["A", "B"], "churn_reason": ["price", "service"]})
    >>> reason_accuracy(r, t)["accuracy"].tolist()
    [1.0, 0.5, 0.5]
    """
    truth = truth.drop_duplicates("customer_id")
    true = pd.Series(truth["churn_reason"].astype("string").to_numpy(), index=truth["customer_id"].astype(str))
    scored = reasons.loc[reasons["source"].eq("inferred").to_numpy(dtype=bool)].join(true.rename("true"), how="inner")
    scored = scored.loc[scored["true"].notna()]
    truth_vals = scored["true"].astype(str)
    majority = truth_vals.value_counts().index[0] if len(scored) else None
    rows = [
        ("inferred reason (model or rules)", (scored["reason_category"].astype(str) == truth_vals).mean()),
        ("behaviour rules only", (scored["rule_reason"].astype(str) == truth_vals).mean()),
        (f"majority class baseline ({majority})", (truth_vals == majority).mean()),
    ]
    return pd.DataFrame([{"method": m, "customers": len(scored), "accuracy": float(a)} for m, a in rows])
