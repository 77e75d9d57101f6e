"""Segmentation on the real files in ../shared/data (read here in tests only, never at run time)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crm_analysis import segment as S

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"
ONLINE_RETAIL = SHARED / "uci-online-retail" / "online_retail.csv.gz"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not ONLINE_RETAIL.exists(), reason=f"{ONLINE_RETAIL} is absent (real files are optional)"),
]


def test_online_retail_segments_without_demographics():
    import crm_analysis
    from crm_analysis.app.report import resolve_as_of
    from crm_analysis.features import customer_features

    data = crm_analysis.clean(crm_analysis.load(ONLINE_RETAIL))
    features = customer_features(data, as_of=resolve_as_of(data))
    X = S.cluster_matrix(features)
    k = S.choose_k(S.select_k(X, range(2, 7), random_state=42))
    seg = S.CustomerSegmenter("kmeans", k, random_state=42).fit(X)

    # 4,372 customer ids in the file; a few have no completed purchase
    assert 4000 < len(features) <= 4372
    assert S.basis_summary(features, "demographics").empty
    labels = pd.Series(seg.labels_, index=X.index)
    profiles = S.cluster_profiles(features, labels)
    assert profiles["customers"].sum() == len(features)
    concentration = S.concentration(features["monetary"])
    assert 0.5 < concentration["top_share_of_revenue"] <= 1.0
