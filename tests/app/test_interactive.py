"""The interactive controls: static views in batch, widgets when live, and batch detection in a real kernel."""

from __future__ import annotations

import nbformat
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from crm_analysis import churn, value
from crm_analysis.app import interactive
from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma

ipywidgets = pytest.importorskip("ipywidgets")

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


# --------------------------------------------------------------------------- fixtures (built here, seeded)


@pytest.fixture(scope="module")
def features() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 400
    return pd.DataFrame(
        {
            "recency_days": rng.integers(0, 720, n),
            "n_orders": rng.geometric(0.4, n),
            "monetary": np.round(rng.lognormal(5, 1.2, n), 2),
        },
        index=pd.Index([f"C{i:04d}" for i in range(n)], name="customer_id"),
    )


@pytest.fixture(scope="module")
def cluster_matrix() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 6.0, 0.0], [0.0, 6.0, 6.0], [6.0, 0.0, 6.0]])
    points = np.vstack([c + rng.normal(scale=0.6, size=(60, 3)) for c in centres])
    return pd.DataFrame(np.exp(points), columns=["a", "b", "c"])  # the segmenter logs them back


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rows = []
    for i in range(150):
        n_orders = int(rng.integers(1, 8))
        gaps = rng.exponential(rng.uniform(20, 120), n_orders).cumsum()
        for gap in gaps:
            rows.append({"customer_id": f"C{i:03d}", "amount": float(rng.uniform(10, 200)),
                         "order_date": pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(gap))})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def clv_inputs() -> tuple[pd.DataFrame, value.ValueModels]:
    summary = simulate_bgnbd(39.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=600, seed=5)
    summary["monetary_value"] = simulate_gamma_gamma(summary["frequency"], p=6, q=4, v=15, seed=5)
    return summary, value.fit_value_models(summary, pareto=False)


def _now(widget):
    """What the widget shows now: the numbers behind its current view (None if it shows a message)."""
    return widget.result.result if widget.result is not None else None


def _sliders(widget) -> dict[str, object]:
    return {child.description: child for child in widget.children if isinstance(child, ipywidgets.widgets.ValueWidget)}


# --------------------------------------------------------------------------- batch detection


def test_outside_a_kernel_is_batch(monkeypatch):
    monkeypatch.delenv(interactive.ENV_VAR, raising=False)
    assert interactive.is_batch()


@pytest.mark.parametrize(("setting", "batch"), [("0", True), ("off", True), ("1", False), ("ON", False)])
def test_environment_variable_decides(monkeypatch, setting, batch):
    monkeypatch.setenv(interactive.ENV_VAR, setting)
    assert interactive.is_batch() is batch


class _FakeKernel:
    def __init__(self, allow_stdin: bool) -> None:
        self.allow_stdin = allow_stdin

    def get_parent(self, channel=None):
        return {"header": {"msg_type": "execute_request"}, "content": {"code": "", "allow_stdin": self.allow_stdin}}


@pytest.mark.parametrize(("allow_stdin", "batch"), [(True, False), (False, True)])
def test_kernel_request_without_stdin_is_batch(monkeypatch, allow_stdin, batch):
    monkeypatch.delenv(interactive.ENV_VAR, raising=False)
    monkeypatch.setattr(interactive, "_kernel", lambda: _FakeKernel(allow_stdin))
    assert interactive.is_batch() is batch


def test_batch_default_returns_a_static_view(monkeypatch, features):
    monkeypatch.delenv(interactive.ENV_VAR, raising=False)
    view = interactive.explore_abc(features["monetary"], a=0.8, b=0.95)  # live=None: decided by is_batch()
    assert isinstance(view, interactive.View)
    assert isinstance(view.figure, Figure)


# --------------------------------------------------------------------------- ABC


def test_abc_static_view_at_the_parameter_values(features):
    view = interactive.explore_abc(features["monetary"], a=0.7, b=0.9, live=False)
    assert isinstance(view.figure, Figure) and len(view.figure.axes) == 2
    assert "A = 70%" in view.summary and "B = 90%" in view.summary
    assert view.result["customers"].sum() == len(features)
    assert view.result.at["A", "revenue_share"] == pytest.approx(0.7, abs=0.05)


def test_abc_widget_starts_at_the_parameters_and_moves(features):
    widget = interactive.explore_abc(features["monetary"], a=0.8, b=0.95, live=True)
    assert isinstance(widget, ipywidgets.interactive)
    sliders = _sliders(widget)
    a, b = sliders["A closes at"], sliders["B closes at"]
    assert (a.value, b.value) == (0.8, 0.95)
    assert a.min <= 0.8 <= a.max and b.min <= 0.95 <= b.max
    before = int(_now(widget).at["A", "customers"])
    a.value = 0.6
    after = int(_now(widget).at["A", "customers"])
    assert after < before


def test_abc_impossible_thresholds_do_not_raise(features):
    widget = interactive.explore_abc(features["monetary"], a=0.8, b=0.95, live=True)
    _sliders(widget)["A closes at"].value = 0.95  # b is no longer above a
    assert _now(widget) is None


def test_parameter_outside_the_default_range_widens_it(features):
    widget = interactive.explore_abc(features["monetary"], a=0.3, b=0.99, live=True)
    a = _sliders(widget)["A closes at"]
    assert a.min <= 0.3 and a.value == pytest.approx(0.3)


# --------------------------------------------------------------------------- RFM


def test_rfm_types_by_hand():
    f = pd.DataFrame({"recency_days": [10, 10, 300, 300], "n_orders": [5, 1, 5, 1], "monetary": [500.0, 500, 500, 5]})
    types = interactive.rfm_types(f, recency_days=30, n_orders=2, monetary=100).tolist()
    assert types == [
        "important value (重要价值客户)",
        "important to develop (重要发展客户)",
        "important to keep (重要保持客户)",
        "general to win back (一般挽留客户)",
    ]


def test_rfm_types_missing_column_is_a_clear_error():
    from crm_analysis.core.errors import CRMDataError

    with pytest.raises(CRMDataError, match="n_orders"):
        interactive.rfm_types(pd.DataFrame({"recency_days": [1], "monetary": [1.0]}),
                              recency_days=1, n_orders=1, monetary=1)


def test_rfm_thresholds_change_the_types(features):
    loose = interactive.explore_rfm(features, recency_days=720, n_orders=1, monetary=0, live=False)
    strict = interactive.explore_rfm(features, recency_days=30, n_orders=3, monetary=500, live=False)
    assert loose.result.iloc[0]["customers"] == len(features)  # every customer passes every threshold
    assert strict.result.iloc[0]["customers"] < loose.result.iloc[0]["customers"]
    assert strict.result["customer_share"].sum() == pytest.approx(1.0)
    assert isinstance(strict.figure, Figure)


def test_rfm_widget_defaults_are_medians_and_move(features):
    widget = interactive.explore_rfm(features, live=True)
    sliders = _sliders(widget)
    recency = sliders["recent ≤ days"]
    assert recency.value == round(features["recency_days"].median())
    assert sliders["frequent ≥ orders"].value == 2
    assert sliders["high spend ≥"].value == pytest.approx(features["monetary"].median())
    before = int(_now(widget).iloc[0]["customers"])
    recency.value = recency.max
    assert int(_now(widget).iloc[0]["customers"]) > before


# --------------------------------------------------------------------------- k


def test_k_static_view_clusters_at_k(cluster_matrix):
    view = interactive.explore_k(cluster_matrix, k=4, seed=0, live=False)
    assert view.result.nunique() == 4
    assert len(view.result) == len(cluster_matrix)
    assert "k = 4" in view.summary and isinstance(view.figure, Figure)


def test_k_widget_range_includes_k_and_moves(cluster_matrix):
    widget = interactive.explore_k(cluster_matrix, k=9, seed=0, k_range=(2, 6), live=True)
    k = _sliders(widget)["k"]
    assert k.value == 9 and k.min == 2 and k.max == 9
    k.value = 3
    assert _now(widget).nunique() == 3


def test_k_is_reproducible_with_a_seed(cluster_matrix):
    first = interactive.explore_k(cluster_matrix, k=3, seed=1, live=False).result
    second = interactive.explore_k(cluster_matrix, k=3, seed=1, live=False).result
    pd.testing.assert_series_equal(first, second)


# --------------------------------------------------------------------------- inactivity window


def test_window_view_matches_the_churn_module(transactions):
    view = interactive.explore_inactivity_window(transactions, percentile=0.8, as_of="2024-06-01", live=False)
    expected = churn.choose_inactivity_window(transactions, percentile=0.8).days
    lost = churn.lost_customers(transactions, "2024-06-01", window_days=expected)["lost"].sum()
    customers = transactions.loc[transactions["order_date"] < "2024-06-01", "customer_id"].nunique()
    assert view.result == {"window_days": expected, "lost": int(lost), "customers": customers}
    assert f"{expected}-day window" in view.summary and isinstance(view.figure, Figure)


def test_window_widget_moves(transactions):
    widget = interactive.explore_inactivity_window(transactions, percentile=0.9, live=True)
    percentile = _sliders(widget)["percentile"]
    assert percentile.min <= 0.9 <= percentile.max and percentile.value == pytest.approx(0.9)
    long_window = _now(widget)
    percentile.value = 0.5
    assert _now(widget)["window_days"] < long_window["window_days"]
    assert _now(widget)["lost"] >= long_window["lost"]  # a shorter window calls more customers lost


# --------------------------------------------------------------------------- CLV


@pytest.mark.parametrize(("horizon", "rate"), [(52.0, 0.10), (30.0, 0.20), (104.0, 0.0), (4.0, 0.3)])
def test_clv_slider_arithmetic_equals_predict_value(clv_inputs, horizon, rate):
    summary, models = clv_inputs
    fast = interactive._ClvCurves(summary, models, max_weeks=156).clv(horizon, rate)
    reference = value.predict_value(summary, models, horizon=horizon, discount_rate=rate)["clv"]
    np.testing.assert_allclose(fast.to_numpy(), reference.to_numpy(), rtol=1e-10, atol=1e-9)


def test_clv_static_view_and_widget(clv_inputs):
    summary, models = clv_inputs
    view = interactive.explore_clv(summary, models, horizon_weeks=52, discount_rate=0.1, live=False)
    reference = value.predict_value(summary, models, horizon=52, discount_rate=0.1)["clv"].sum()
    assert view.result["total_clv"] == pytest.approx(reference)
    assert isinstance(view.figure, Figure) and len(view.figure.axes) == 2
    widget = interactive.explore_clv(summary, models, horizon_weeks=52, discount_rate=0.1, live=True)
    sliders = _sliders(widget)
    horizon, rate = sliders["horizon (weeks)"], sliders["discount rate / year"]
    assert horizon.min <= 52 <= horizon.max and rate.min <= 0.1 <= rate.max
    horizon.value = 104
    longer = _now(widget)["total_clv"]
    assert reference < longer < 2 * reference  # customers drop out: not simply double
    rate.value = 0.3
    assert _now(widget)["total_clv"] < longer


# --------------------------------------------------------------------------- in a real kernel


def _cell_pattern() -> str:
    return (
        "import pandas as pd\n"
        "from crm_analysis.app import interactive\n"
        "print('batch:', interactive.is_batch())\n"
        "interactive.explore_abc(pd.Series([50.0, 30.0, 10.0, 6.0, 4.0]), a=0.8, b=0.95)"
    )


@pytest.mark.slow
def test_notebook_cell_runs_in_batch_with_a_static_plot(tmp_path, monkeypatch):
    from nbclient import NotebookClient

    monkeypatch.delenv(interactive.ENV_VAR, raising=False)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(_cell_pattern())]
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    outputs = notebook.cells[0].outputs
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("batch: True" in o.get("text", "") for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)
    assert any("2 A customers" in o.get("data", {}).get("text/markdown", "") for o in outputs)
    assert not any(WIDGET_MIME in o.get("data", {}) for o in outputs)
    assert "widgets" not in notebook.metadata  # no widget state stored in the executed notebook


@pytest.mark.slow
def test_a_front_end_that_allows_stdin_gets_the_widget(monkeypatch):
    from jupyter_client.manager import start_new_kernel

    monkeypatch.delenv(interactive.ENV_VAR, raising=False)
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        outputs: list[dict] = []
        client.execute_interactive(_cell_pattern(), allow_stdin=True, timeout=120,
                                   output_hook=lambda msg: outputs.append(msg["content"]))
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert any("batch: False" in o.get("text", "") for o in outputs)
    assert any(WIDGET_MIME in o.get("data", {}) for o in outputs)
