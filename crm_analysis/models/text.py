"""Reason-text classifier (文本原因分类): free-text exit reasons, Chinese or English, to categories.

Keyword rules first (:data:`REASON_KEYWORDS`, English stems and Chinese words), then the nearest
category centroid in a TF-IDF space of character 1–3-grams (characters work for Chinese without
word segmentation), then ``"other"`` when nothing is similar enough.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from crm_analysis.core.schema import REASON_CATEGORIES

__all__ = ["REASON_KEYWORDS", "ReasonTextClassifier", "keyword_reason"]

# Keyword rules, English stems and Chinese words. Order matters for ties: the more specific
# categories come first (a competitor's better price is a competitor reason).
REASON_KEYWORDS: dict[str, tuple[str, ...]] = {
    "competitor": ("competitor", "other brand", "another brand", "switched", "better offer",
                   "better deal", "rival", "竞争", "对手", "别家", "其他品牌", "别的品牌", "换了", "转投"),
    "relocation": ("moved", "moving", "relocat", "another city", "abroad", "搬家", "搬到", "搬走",
                   "移居", "出国", "外地", "离开本地", "另一个城市"),
    "no_longer_needed": ("no longer need", "don't need", "do not need", "not needed", "no need",
                         "needs changed", "不需要", "不再需要", "用不到", "用不上", "没有需求", "不用了"),
    "service": ("service", "support", "staff", "attitude", "rude", "call back", "called back",
                "complain", "waiting", "no one", "nobody", "expertise", "客服", "服务", "态度", "投诉",
                "没人", "回电", "售后", "不理", "等了"),
    "quality": ("quality", "broken", "defect", "faulty", "damaged", "poor product", "product",
                "reliab", "return", "质量", "坏", "次品", "破损", "瑕疵", "退货", "不好用", "故障"),
    "price": ("price", "expensive", "cost", "charge", "afford", "cheap", "fee", "too much money",
              "价格", "太贵", "贵", "涨价", "费用", "便宜", "性价比"),
    "other": ("deceased", "don't know", "dont know", "unknown", "其他", "不知道", "去世"),
}


def keyword_reason(texts: Iterable[object]) -> pd.Series:
    """Category by keyword rules, or missing when no keyword matches.

    The category with the most matching keywords wins; ties go to the category listed first in
    :data:`REASON_KEYWORDS`.

    Parameters
    ----------
    texts : iterable
        Free texts (missing values allowed).

    Returns
    -------
    pandas.Series
        string dtype, one category per text, missing where no keyword matches.

    Examples
    --------
    >>> keyword_reason(["价格太高", "support never called back", "hello"]).tolist()
    ['price', 'service', <NA>]
    """
    texts = pd.Series(list(texts), dtype="string").str.lower()
    counts = np.column_stack([
        sum(texts.str.contains(k, regex=False).fillna(False).to_numpy(dtype=int) for k in words)
        for words in REASON_KEYWORDS.values()
    ])
    best = counts.argmax(axis=1)
    labels = np.array(list(REASON_KEYWORDS), dtype=object)[best]
    return pd.Series(labels, dtype="string").where(counts.max(axis=1) > 0)


class ReasonTextClassifier:
    """Map free-text exit reasons (Chinese or English) to reason categories.

    Method (documented and testable): (1) keyword rules (:data:`REASON_KEYWORDS`); (2) for text no
    keyword matches, the nearest category centroid in a TF-IDF space of character 1–3-grams
    (characters work for Chinese without word segmentation, and for English stems), fitted on
    the keyword lists plus any labelled answers; (3) ``"other"`` when nothing is similar enough.

    Parameters
    ----------
    min_similarity : float, default 0.1
        Cosine similarity below which the TF-IDF step gives up and answers ``"other"``.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
    categories_ : numpy.ndarray
        The categories with a centroid.
    centroids_ : numpy.ndarray
        Unit-length centroid of each category.

    Examples
    --------
    >>> clf = ReasonTextClassifier().fit()
    >>> clf.predict(["太贵了", "moved to another city", "客服态度差", "found a better offer elsewhere"])
    ['price', 'relocation', 'service', 'competitor']
    """

    def __init__(self, min_similarity: float = 0.1) -> None:
        self.min_similarity = min_similarity

    def fit(self, texts: Iterable[object] = (), categories: Iterable[object] = ()) -> ReasonTextClassifier:
        """Fit the TF-IDF centroids on the keyword lists plus labelled texts; returns self."""
        docs = [w for words in REASON_KEYWORDS.values() for w in words]
        labels = [c for c, words in REASON_KEYWORDS.items() for _ in words]
        pairs = pd.DataFrame({"t": pd.Series(list(texts), dtype="string"),
                              "c": pd.Series(list(categories), dtype="string")}).dropna()
        pairs = pairs.loc[pairs["c"].isin(REASON_CATEGORIES)]
        docs += pairs["t"].str.lower().tolist()
        labels += pairs["c"].tolist()
        self.vectorizer_ = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        matrix = self.vectorizer_.fit_transform(docs)
        self.categories_ = np.array(sorted(set(labels)))
        label_arr = np.array(labels)
        centroids = np.vstack([np.asarray(matrix[label_arr == c].mean(axis=0)) for c in self.categories_])
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self.centroids_ = centroids / np.where(norms == 0, 1, norms)
        return self

    def predict_frame(self, texts: Iterable[object]) -> pd.DataFrame:
        """Category, method (keyword / tfidf / none / no text) and similarity for each text."""
        if not hasattr(self, "vectorizer_"):
            raise RuntimeError("call fit() before predict()")
        texts = pd.Series(list(texts), dtype="string")
        by_rule = keyword_reason(texts)
        sims = np.asarray(self.vectorizer_.transform(texts.fillna("").str.lower()) @ self.centroids_.T)
        nearest = self.categories_[sims.argmax(axis=1)] if len(texts) else np.array([], dtype=object)
        best_sim = sims.max(axis=1) if len(texts) else np.array([])
        use_tfidf = by_rule.isna().to_numpy() & (best_sim >= self.min_similarity)
        category = by_rule.fillna("other").to_numpy(dtype=object)
        category[use_tfidf] = nearest[use_tfidf]
        method = np.where(by_rule.notna(), "keyword", np.where(use_tfidf, "tfidf", "none"))
        empty = texts.fillna("").str.strip().eq("").to_numpy(dtype=bool)
        category[empty] = None
        method[empty] = "no text"
        return pd.DataFrame({"category": pd.array(category, dtype="string"), "method": method,
                             "similarity": best_sim})

    def predict(self, texts: Iterable[object]) -> list:
        """Predicted category per text (None for blank text)."""
        return [None if pd.isna(c) else str(c) for c in self.predict_frame(texts)["category"]]
