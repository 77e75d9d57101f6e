"""Every chapter chart, drawn on the teaching data and on small hostile inputs, in English and Chinese, is
checked with the renderer: no two texts overlap, no text leaves the figure, no axis uses offset notation.

Also the shared helpers of crm_analysis.core.plotting: cell text colour against the cell colour, the one
compact tick formatter, the overflow label of a histogram's last bin.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from crm_analysis import churn, quality, segment, value
from crm_analysis.core import i18n
from crm_analysis.core.display import translate_figure
from crm_analysis.core.paths import TEACHING_DIR
from crm_analysis.core.plotting import layout_problems, setup, text_colour_on

LONG = ["purchased_list", "social_media", "store_visit", "trade_show", "web_form", "referral", "phone"]


def _hostile() -> dict:
    """Inputs that broke charts before: long and many labels, zero components, amounts in the tens of millions."""
    rng = np.random.default_rng(7)
    fields = ["name", "phone", "email", "city", "birth_date", "id_number", "address", "postcode"]
    matrix = pd.DataFrame(rng.uniform(0.3, 1.0, (len(fields), len(LONG))), index=fields, columns=LONG)
    matrix.iloc[2, 3] = np.nan
    months = pd.DataFrame({"records": rng.integers(1, 9_000, 24), "completeness": rng.uniform(0.5, 1, 24),
                           "quality_score": rng.uniform(0.5, 1, 24)},
                          index=pd.date_range("2023-01-01", periods=24, freq="MS"))
    sources = pd.DataFrame({"customers": rng.integers(10, 900, len(LONG)),
                            "quality_score": rng.uniform(0.6, 1, len(LONG)),
                            "revenue_per_customer": rng.uniform(2e5, 4e7, len(LONG))}, index=LONG)
    bridge = pd.DataFrame({"component": ["start", *churn.BRIDGE_COMPONENTS, "end"],  # nobody reactivated
                           "amount": [32_632_540.0, 4_100_000.0, 0.0, 2_000_000.0, -1_500_000.0, -6_250_000.0,
                                      30_982_540.0]})
    gaps = pd.Series(np.r_[rng.exponential(40, 5_000), [900.0, 1_500.0, 2_200.0]])
    reasons = ["price", "service", "product quality", "delivery", "moved away", "competitor offer", "other"]
    pareto = pd.DataFrame({"reason_category": reasons, "customers": [900, 700, 400, 150, 90, 40, 10]})
    pareto["cumulative_share"] = pareto["customers"].cumsum() / pareto["customers"].sum()
    features = ["recency_days", "n_orders", "monetary", "avg_order_value", "tenure_days", "return_rate",
                "complaints", "mean_gap_days"]
    Z = pd.DataFrame(rng.normal(size=(600, len(features))), columns=features)
    labels = rng.integers(0, 5, 600)
    names = pd.Series({0: "champions", 1: "at risk", 2: "hibernating", 3: "new customers", 4: "lapsed"})
    segments = ["champions", "loyal", "potential loyalists", "new customers", "at risk", "hibernating", "lost"]
    migration = pd.DataFrame(rng.integers(0, 3_000, (7, 7)), index=segments, columns=segments)
    return {"matrix": matrix, "months": months, "sources": sources, "bridge": bridge, "gaps": gaps,
            "pareto": pareto, "Z": Z, "labels": labels, "names": names, "migration": migration,
            "monetary": pd.Series(rng.pareto(1.2, 4_000) * 3e4)}


def _model_checks():
    rng = np.random.default_rng(3)
    f = pd.DataFrame({"recency_days": rng.exponential(90, 800), "n_orders": rng.poisson(4, 800)})
    y = pd.Series(f["recency_days"] + rng.normal(0, 60, 800) > 120)
    return churn.fit_churn_models(churn.ChurnDataset(f, y, None), seed=0)


def _value_tables() -> dict:
    weeks = np.arange(1, 79)
    weekly = 2_000 + 1_500 * np.sin(weeks / 8.0) ** 2
    tracking = pd.DataFrame({"week": weeks, "actual_weekly": weekly, "predicted_weekly": weekly * 1.05,
                             "period": np.where(weeks <= 39, "calibration", "holdout")})
    tracking["actual_cumulative"] = tracking["actual_weekly"].cumsum()
    tracking["predicted_cumulative"] = tracking["predicted_weekly"].cumsum()
    return {
        "holdout": pd.DataFrame({"frequency": [str(i) for i in range(7)] + ["7+"], "customers": range(8000, 0, -1000),
                                 "actual": np.linspace(0.1, 6, 8), "predicted": np.linspace(0.15, 5.5, 8)}),
        "tracking": tracking,
        "backtest": pd.DataFrame({"decile": range(1, 11), "predicted_value": np.geomspace(2e4, 3e7, 10),
                                  "realised_value": np.geomspace(1e4, 3.3e7, 10)}),
        "at_risk": pd.DataFrame({"segment": ["champions", "at risk", "hibernating", "lapsed", None],
                                 "clv": [3.2e7, 8.1e6, 2.4e6, 4.0e5, 1e3],
                                 "value_at_risk": [2.1e6, 3.9e6, 1.9e6, 3.8e5, 0]}),
        "calibration": pd.DataFrame({"mean_score": np.linspace(0.05, 0.95, 10),
                                     "purchased_again": np.linspace(0, 0.9, 10), "customers": range(100, 1100, 100)}),
    }


def _charts(d: dict) -> dict:
    """Each chapter chart function, called on the inputs ``d``."""
    window = churn.InactivityWindow(90, 0.9, d["gaps"])
    v = _value_tables()
    k_scores = pd.DataFrame({"silhouette": [0.31, 0.35, 0.33, 0.30, 0.29], "davies_bouldin": [1.1, 0.9, 1.0, 1.2, 1.3],
                             "calinski_harabasz": [9e4, 1.2e5, 1.1e5, 1.0e5, 9.5e4],
                             "bic": [-3.1e6, -3.3e6, -3.35e6, -3.37e6, -3.38e6]}, index=range(2, 7))
    reasons = d["pareto"]["reason_category"][:6]
    confusion = pd.DataFrame(np.random.default_rng(2).integers(0, 900, (6, 6)), index=reasons, columns=reasons)
    months = np.arange(0, 37.0)
    curves = pd.concat([pd.DataFrame({"group": g, "time": months, "retention": np.exp(-months / scale), "se": 0.02,
                                      "customers": 500}) for g, scale in zip(LONG[:4], (20, 30, 45, 60), strict=True)])
    drivers = pd.DataFrame({"feature": ["unresolved_complaints_recent", "days_since_last_purchase", "n_orders",
                                        "spend_change", "share_electronics"],
                            "importance": [0.12, 0.08, 0.03, 0.01, 0.0], "std": [0.01, 0.01, 0.005, 0.004, 0.001]})
    value_table = pd.DataFrame({"segment": ["champions", "at risk", "hibernating", "lapsed"],
                                "clv": [3.2e7, 8.1e6, 2.4e6, 4.0e5], "value_at_risk": [2.1e6, 3.9e6, 1.9e6, 3.8e5]})
    return {
        "quality.field_channel_heatmap": lambda: quality.plot_field_channel_heatmap(d["matrix"]),
        "quality.quality_by_month": lambda: quality.plot_quality_by_month(d["months"]),
        "quality.source_value": lambda: quality.plot_source_value(d["sources"]),
        "segment.rfm_heatmap": lambda: segment.plot_rfm_heatmap(d["rfm"]) if "rfm" in d else None,
        "segment.snake": lambda: segment.plot_snake(d["Z"], d["labels"], d["names"]),
        "segment.migration": lambda: segment.plot_migration(d["migration"]),
        "churn.interpurchase_times": lambda: churn.plot_interpurchase_times(window),
        "churn.pareto": lambda: churn.plot_pareto(d["pareto"]),
        "churn.waterfall": lambda: churn.plot_waterfall(d["bridge"]),
        "value.concentration": lambda: value.plot_concentration(d["monetary"]),
        "value.value_at_risk": lambda: value.plot_value_at_risk(value_table, "segment"),
        "value.value_at_risk (a missing group)": lambda: value.plot_value_at_risk(v["at_risk"], "segment"),
        "value.holdout_by_frequency": lambda: value.plot_holdout_by_frequency(v["holdout"]),
        "value.tracking": lambda: value.plot_tracking(v["tracking"], title="Weekly repeat purchases (每周重复购买)"),
        "value.clv_backtest": lambda: value.plot_clv_backtest(v["backtest"]),
        "value.alive_calibration": lambda: value.plot_alive_calibration(v["calibration"]),
        "segment.k_selection": lambda: segment.plot_k_selection(k_scores, 6),
        "segment.clusters_pca": lambda: segment.plot_clusters_pca(d["Z"].to_numpy(), d["labels"], d["names"]),
        "churn.confusion": lambda: churn.plot_confusion(confusion),
        "churn.model_checks": lambda: churn.plot_model_checks(_model_checks()),
        "churn.drivers": lambda: churn.plot_drivers(drivers),
        "churn.kaplan_meier": lambda: churn.plot_kaplan_meier(curves, "Retention by acquisition channel"),
    }


@pytest.fixture(scope="module")
def teaching() -> dict:
    """The hostile inputs with the teaching data's own where a chart reads the data (bridge, gaps, RFM, spend)."""
    if not (TEACHING_DIR / "transactions.csv").exists():
        pytest.skip("data/teaching/ is not generated yet (crm-analysis generate writes it)")
    from crm_analysis.app.report import prepare
    from crm_analysis.features import customer_features

    data = prepare("teaching")
    tx = data.clean.transactions
    features = customer_features(data.clean, as_of=data.as_of)
    d = _hostile()
    d["bridge"] = churn.bridge_table(churn.revenue_bridge(tx, *churn.default_periods(tx, data.as_of)))
    d["gaps"] = churn.choose_inactivity_window(tx).gaps
    d["rfm"] = segment.rfm_scores(features)
    d["monetary"] = features["monetary"]
    return d


@pytest.fixture(autouse=True)
def _close_all():
    yield
    plt.close("all")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("source", ["hostile", "teaching"])
def test_every_chart_reads_cleanly(source: str, lang: str, request: pytest.FixtureRequest) -> None:
    inputs = _hostile() if source == "hostile" else request.getfixturevalue("teaching")
    setup(lang)
    i18n.use_language(lang)
    try:
        problems = {}
        for name, draw in _charts(inputs).items():
            figure = draw()
            if figure is None:
                continue
            found = layout_problems(translate_figure(figure, lang))
            if found:
                problems[name] = found
    finally:
        i18n.use_language("en")
        setup("en")
    assert not problems, problems


def test_the_layout_check_finds_what_it_should() -> None:
    fig, ax = plt.subplots(figsize=(3, 2))
    ax.plot([0, 1], [0, 3.2e7])
    ax.set_xticks([0, 0.01], ["a long tick label", "another long one"])
    ax.set_title("title")
    fig.tight_layout()
    found = layout_problems(fig)
    assert "axes 0 y axis: offset notation 1e7" in found
    assert any("overlaps" in p and "a long tick label" in p for p in found)
    ax.text(5.0, 0.0, "far outside")
    assert any("'far outside' reaches outside the figure" in p for p in layout_problems(fig))


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(("cmap", "at", "expected"), [("YlGnBu", 0.0, "black"), ("YlGnBu", 1.0, "white"),
                                                        ("Blues", 0.0, "black"), ("Blues", 1.0, "white"),
                                                        ("RdYlGn", 0.0, "white"), ("RdYlGn", 0.5, "black"),
                                                        ("RdYlGn", 1.0, "white")])
def test_heatmap_text_is_light_on_dark_cells(cmap: str, at: float, expected: str, lang: str) -> None:
    """Each chapter colour map at its ends (and RdYlGn's pale yellow middle): light text on dark red, navy, green."""
    assert text_colour_on(plt.get_cmap(cmap)(at)) == expected
    matrix = pd.DataFrame([[0, 10], [200, 3_000]], index=["a", "b"], columns=["a", "b"])
    ax = segment.plot_migration(matrix, lang=lang).axes[0]
    colour = {t.get_text(): t.get_color() for t in ax.texts}
    assert colour["10"] == "white" and colour["0"] == "black"  # row shares 1.0 (navy) and 0.0 (white)


def test_waterfall_shows_a_zero_bar_and_keeps_the_label_below_the_title() -> None:
    d = _hostile()
    fig = churn.plot_waterfall(d["bridge"])
    ax = fig.axes[0]
    zero = [t for t in ax.texts if t.get_text() == "0"]
    assert len(zero) == 1 and len(ax.lines) >= 1  # 'reactivated' is drawn as a line and labelled 0
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    top = max(t.get_window_extent(renderer).y1 for t in ax.texts)
    assert top < ax.title.get_window_extent(renderer).y0
    assert max(p.get_y() + p.get_height() for p in ax.patches) < ax.get_ylim()[1]  # the top bar is not clipped


def test_histogram_says_what_its_last_bin_holds() -> None:
    gaps = pd.Series(np.r_[np.arange(1.0, 200.0), [5_000.0, 9_000.0]])
    ax = churn.plot_interpurchase_times(churn.InactivityWindow(90, 0.9, gaps)).axes[0]
    upper = max(float(np.quantile(gaps, 0.99)), 90 * 1.2)
    assert [t.get_text() for t in ax.texts] == [f"≥ {upper:,.0f} days: 2"]
    ax = churn.plot_interpurchase_times(churn.InactivityWindow(90, 0.9, pd.Series([5.0, 10.0]))).axes[0]
    assert not ax.texts  # nothing beyond the axis, nothing said


def test_chinese_text_is_drawn_heavier_than_the_thin_variable_font_default() -> None:
    """The bundled CJK font renders at weight 100; embolden_cjk must put clearly more ink on the page."""
    import matplotlib.pyplot as plt
    import numpy as np

    from crm_analysis.core import plotting

    plotting.setup("zh")

    def ink(bold: bool) -> int:
        fig = plt.figure(figsize=(3, 1), dpi=100)
        fig.text(0.05, 0.3, "客户流失原因", fontsize=20, color="black")
        if bold:
            plotting.embolden_cjk(fig)
        fig.canvas.draw()
        pixels = np.asarray(fig.canvas.buffer_rgba())[..., :3].mean(axis=2)
        plt.close(fig)
        return int((pixels < 128).sum())

    thin, heavy = ink(False), ink(True)
    plotting.setup("en")
    assert thin > 0
    assert heavy > 1.3 * thin
