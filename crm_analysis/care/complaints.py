"""Complaints (投诉分析): Pareto of topics, repeat complainers, topics found in the complaint text."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.metrics import adjusted_rand_score

from crm_analysis.core.checks import require_columns


def complaints_of(interactions: pd.DataFrame) -> pd.DataFrame:
    """The complaint rows of the log (kind "complaint").

    Examples
    --------
    >>> len(complaints_of(pd.DataFrame({"kind": ["complaint", "visit"]})))
    1
    """
    require_columns(interactions, ["kind"], "table interactions")
    return interactions[interactions["kind"].astype("string").eq("complaint").fillna(False).astype(bool)]


def complaint_pareto(complaints: pd.DataFrame, *, by: str = "topic") -> pd.DataFrame:
    """Pareto table of complaint topics: count, share and cumulative share, largest first.

    Parameters
    ----------
    complaints : DataFrame
        Complaint rows with the column ``by``.
    by : str, default "topic"

    Returns
    -------
    DataFrame
        Columns ``by``, ``complaints``, ``share``, ``cumulative_share`` (0-1), ``vital_few`` (True for the
        topics that make up the first 80 %, the one crossing it included).

    Examples
    --------
    >>> c = pd.DataFrame({"topic": ["late"] * 6 + ["rude"] * 3 + ["price"]})
    >>> complaint_pareto(c)[["topic", "complaints", "vital_few"]].values.tolist()
    [['late', 6, True], ['rude', 3, True], ['price', 1, False]]
    """
    require_columns(complaints, [by], "complaints")
    counts = complaints[by].astype("string").fillna("(unknown)").value_counts(sort=False)
    counts = counts.sort_values(ascending=False, kind="stable")
    out = pd.DataFrame({by: counts.index.astype(str), "complaints": counts.to_numpy(dtype="int64")})
    out["share"] = out["complaints"] / max(int(out["complaints"].sum()), 1)
    out["cumulative_share"] = out["share"].cumsum()
    out["vital_few"] = (out["cumulative_share"] - out["share"]) < 0.8
    return out


def repeat_complainers(complaints: pd.DataFrame, *, at_least: int = 2) -> pd.DataFrame:
    """Customers with ``at_least`` complaints: how many, first and last date, and their topics.

    Returns
    -------
    DataFrame
        Columns ``customer_id``, ``complaints``, ``first``, ``last``, ``topics`` (distinct, "; "-joined),
        most complaints first.

    Examples
    --------
    >>> c = pd.DataFrame({"customer_id": ["C1", "C1", "C2"], "topic": ["a", "b", "a"],
    ...                   "date": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-02-01"])})
    >>> repeat_complainers(c)[["customer_id", "complaints", "topics"]].values.tolist()
    [['C1', 2, 'a; b']]
    """
    require_columns(complaints, ["customer_id", "date"], "complaints")
    topic = complaints["topic"].astype("string").fillna("(unknown)") if "topic" in complaints else "(unknown)"
    frame = complaints.assign(_topic=topic).dropna(subset=["customer_id"])
    out = frame.groupby("customer_id").agg(complaints=("date", "size"), first=("date", "min"),
                                           last=("date", "max"),
                                           topics=("_topic", lambda s: "; ".join(sorted(set(s)))))
    out = out[out["complaints"] >= at_least].sort_values(["complaints", "last"], ascending=False)
    return out.reset_index()


@dataclass
class FoundTopics:
    """Topics found in complaint text.

    Attributes
    ----------
    labels : Series
        The found topic of each text (its name), indexed like the input texts.
    topics : DataFrame
        One row per topic: ``topic`` (name), ``top_terms``, ``texts``.
    """

    labels: pd.Series
    topics: pd.DataFrame


#: Redaction marks that registers put in place of personal data ("XXXX", "XX/XX/2019"): not a topic.
REDACTED = r"[Xx]{2,}"


_LATIN_WORD = re.compile(r"[a-z][a-z']{2,}")
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")


def text_terms(text: str) -> list[str]:
    """The terms of a text for topic finding: English words (3+ letters, no stop words) and Chinese
    character bigrams (a segmenter-free reading of Chinese, the usual baseline; nothing to download).

    Examples
    --------
    >>> text_terms("The parcel was late! 快递太慢")
    ['parcel', 'late', '快递', '递太', '太慢']
    """
    lowered = text.lower()
    words = [w for w in _LATIN_WORD.findall(lowered) if w not in ENGLISH_STOP_WORDS]
    bigrams = [run[i:i + 2] for run in _CJK_RUN.findall(lowered) for i in range(len(run) - 1)]
    return words + bigrams


def find_topics(texts: pd.Series, *, n_topics: int = 6, seed: int = 42, n_terms: int = 4,
                max_features: int = 20000) -> FoundTopics:
    """Topics in free text: TF-IDF on words and Chinese character bigrams, then NMF; each named by its top terms.

    Method: scikit-learn ``TfidfVectorizer`` over :func:`text_terms` (terms in at least two texts and in at
    most half of them), then Lee & Seung (1999) non-negative matrix factorisation (``NMF``); a text's topic is
    its largest NMF weight. Deterministic for a given ``seed``.

    Parameters
    ----------
    texts : Series of str
        One text per complaint; empty or missing texts are left out, and redaction marks (:data:`REDACTED`)
        removed first.
    n_topics : int, default 6
        Topics to find (capped by the number of texts and terms).
    seed : int, default 42
        NMF initialisation seed.
    n_terms : int, default 4
        Terms in a topic's name.
    max_features : int, default 20000

    Returns
    -------
    FoundTopics

    Raises
    ------
    ValueError
        If fewer than two texts with usable terms are given.

    Examples
    --------
    >>> t = pd.Series(["parcel arrived late", "late parcel again", "staff was rude", "rude staff on phone"])
    >>> found = find_topics(t, n_topics=2, seed=0)
    >>> found.labels.nunique(), found.labels.iloc[0] == found.labels.iloc[1]
    (2, True)
    """
    clean = texts.astype("string").str.replace(REDACTED, " ", regex=True).str.strip()
    clean = clean[clean.notna() & clean.ne("")]
    clean = clean[clean.map(lambda t: len(text_terms(t)) > 0).astype(bool)]
    if len(clean) < 2:
        raise ValueError(f"topic finding needs at least two texts with words in them, got {len(clean)}")
    many = len(clean) >= 20
    vectorizer = TfidfVectorizer(analyzer=text_terms, max_features=max_features, min_df=2 if many else 1,
                                 max_df=0.5 if many else 1.0, sublinear_tf=True)
    matrix = vectorizer.fit_transform(clean.to_numpy(dtype=str))
    k = max(1, min(n_topics, matrix.shape[0] - 1, matrix.shape[1]))
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=400)
    weights = nmf.fit_transform(matrix)
    terms = np.asarray(vectorizer.get_feature_names_out())
    top = [" / ".join(terms[np.argsort(component)[::-1][:n_terms]]) for component in nmf.components_]
    names = [f"{i + 1}: {t}" for i, t in enumerate(top)]
    labels = pd.Series(np.asarray(names, dtype=object)[weights.argmax(axis=1)], index=clean.index,
                       name="found_topic", dtype="string")
    topics = pd.DataFrame({"topic": names, "top_terms": top, "texts": [int((labels == n).sum()) for n in names]})
    return FoundTopics(labels, topics)


def compare_topics(found: pd.Series, recorded: pd.Series) -> pd.DataFrame:
    """How well found topics match the recorded topic field: ARI, accuracy, and a majority baseline.

    Accuracy maps each found topic to the recorded topic most of its texts carry; the baseline
    labels every text with the most common recorded topic.

    Returns
    -------
    DataFrame
        One row each: ``texts``, ``adjusted_rand_index``, ``accuracy``, ``majority_baseline``,
        ``margin`` (accuracy - baseline).

    Examples
    --------
    >>> found = pd.Series(["t1", "t1", "t2", "t2"])
    >>> recorded = pd.Series(["late", "late", "rude", "late"])
    >>> compare_topics(found, recorded)[["accuracy", "majority_baseline"]].values.tolist()
    [[0.75, 0.75]]
    """
    both = pd.DataFrame({"found": found.astype("string"), "recorded": recorded.astype("string")}).dropna()
    mapped = both.groupby("found")["recorded"].agg(lambda s: s.value_counts().index[0])
    accuracy = float((both["found"].map(mapped) == both["recorded"]).mean())
    baseline = float(both["recorded"].value_counts(normalize=True).iloc[0])
    ari = float(adjusted_rand_score(both["recorded"], both["found"]))
    return pd.DataFrame([{"texts": len(both), "adjusted_rand_index": ari, "accuracy": accuracy,
                          "majority_baseline": baseline, "margin": accuracy - baseline}])
