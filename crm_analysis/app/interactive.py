"""Interactive controls for the chapter notebooks ("Try it / 动手试试" cells).

Each ``explore_*`` function takes the notebook's parameter values as its starting
position. In a live Jupyter session it returns an :class:`ipywidgets.interactive`
(sliders plus an output area with the plot and a one-line result) that redraws as a
slider moves. In a batch run (papermill, ``nbconvert --execute``, ``crm-analysis run``)
nobody can move a slider, so it returns a :class:`View` instead: the same plot and line,
drawn once at the parameter values. No widget is created in batch, so the executed
notebook carries no widget state and its HTML report shows a plain image.

How batch mode is detected (:func:`is_batch`), in this order:

1. the environment variable ``CRM_ANALYSIS_WIDGETS`` (``0``/``off`` forces the static
   view, ``1``/``on`` forces widgets), for a teacher or a scheduler who wants to decide;
2. outside an IPython kernel (plain Python, pytest, a terminal IPython) there is no
   widget front end: static;
3. inside a kernel, the ``allow_stdin`` flag of the execute request being run. Every
   interactive front end (JupyterLab, Notebook, VS Code) sends ``allow_stdin=True``
   because a person can answer ``input()``; nbclient, which papermill and nbconvert use,
   always sends ``False`` because nobody is there. "Nobody can type" is exactly "nobody
   can move a slider". (Voilà also executes through nbclient: set the variable to ``1``
   there.) Papermill's presence in the call stack or its environment is not used: the
   kernel is a separate process and papermill sets nothing in it.

Recomputation per slider move stays well under a second on the teaching data:
clustering runs single-threaded (faster than contended threads on a small machine) and
each k is fitted once and cached; the CLV-by-horizon curve is cached per discount rate.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_score

from crm_analysis import churn, segment, value
from crm_analysis.core import plotting
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.threads import single_thread

ENV_VAR = "CRM_ANALYSIS_WIDGETS"
_ON = {"1", "true", "on", "yes"}
_OFF = {"0", "false", "off", "no"}

#: The classic eight RFM customer types: (recent, frequent, high spend) -> name.
RFM_TYPES: dict[tuple[bool, bool, bool], str] = {
    (True, True, True): "important value (重要价值客户)",
    (False, True, True): "important to keep (重要保持客户)",
    (True, False, True): "important to develop (重要发展客户)",
    (False, False, True): "important to win back (重要挽留客户)",
    (True, True, False): "general value (一般价值客户)",
    (False, True, False): "general to keep (一般保持客户)",
    (True, False, False): "general to develop (一般发展客户)",
    (False, False, False): "general to win back (一般挽留客户)",
}


# --------------------------------------------------------------------------- batch detection


def _kernel() -> Any | None:
    """The running ipykernel, or None outside a kernel."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return None
    shell = get_ipython()
    return getattr(shell, "kernel", None) if shell is not None else None


def _request_allows_stdin(kernel: Any) -> bool:
    """Whether the execute request the kernel is running lets the client answer ``input()``."""
    try:
        parent = kernel.get_parent("shell") or {}
    except (AttributeError, TypeError):  # ipykernel < 6
        parent = getattr(kernel, "_parent_header", {}) or {}
    content = parent.get("content", {}) if isinstance(parent, dict) else {}
    if "allow_stdin" in content:
        return bool(content["allow_stdin"])
    return bool(getattr(kernel, "_allow_stdin", False))


def is_batch() -> bool:
    """True when no person can move a slider: draw static plots instead of widgets.

    See the module docstring for the rules (environment variable ``CRM_ANALYSIS_WIDGETS``,
    then "inside a kernel?", then the execute request's ``allow_stdin``).

    Returns
    -------
    bool

    Examples
    --------
    >>> is_batch()  # doctests run outside a kernel
    True
    """
    setting = os.environ.get(ENV_VAR, "").strip().lower()
    if setting in _OFF:
        return True
    if setting in _ON:
        return False
    kernel = _kernel()
    return kernel is None or not _request_allows_stdin(kernel)


# --------------------------------------------------------------------------- the view


@dataclass
class View:
    """One drawing of a control: the plot, a one-line result and the numbers behind it.

    Attributes
    ----------
    figure : matplotlib.figure.Figure
        The plot.
    summary : str
        One line (Markdown) saying what the current setting gives.
    result : object
        The numbers behind the line (for tests and for readers who want them).
    """

    figure: Figure
    summary: str
    result: Any = field(default=None, repr=False)

    def _ipython_display_(self) -> None:
        from IPython.display import Markdown, display

        display(self.figure)
        display(Markdown(self.summary))

    def __repr__(self) -> str:
        return self.summary


def _ensure_cjk_font() -> None:
    """Apply the workbook's plot style unless a chapter already did, so Chinese labels render."""
    if plotting.CJK_FAMILY not in mpl.rcParams["font.family"]:
        plotting.setup("en")


def _finish(figure: Figure, summary: str, result: Any = None) -> View:
    figure.tight_layout()
    # Closed so the inline backend does not show it a second time at the end of the cell.
    plt.close(figure)
    return View(figure, summary, result)


@dataclass(frozen=True)
class _Slider:
    """A slider to build only when live: creating a widget in a kernel opens a comm, and
    nbclient would then store widget state in the executed notebook (noise in the report)."""

    value: float
    min: float
    max: float
    step: float
    description: str
    readout_format: str = ".2f"
    integer: bool = False

    def widget(self) -> Any:
        import ipywidgets

        if self.integer:
            return ipywidgets.IntSlider(value=int(self.value), min=int(self.min), max=int(self.max), step=1,
                                        description=self.description, continuous_update=False,
                                        style={"description_width": "initial"})
        return ipywidgets.FloatSlider(value=self.value, min=self.min, max=self.max, step=self.step,
                                      description=self.description, readout_format=self.readout_format,
                                      continuous_update=False, style={"description_width": "initial"})


def _int_slider(value: int, low: int, high: int, description: str) -> _Slider:
    value = int(value)
    return _Slider(value, min(low, value), max(high, value), 1, description, "d", integer=True)


def _float_slider(value: float, low: float, high: float, step: float, description: str,
                  readout_format: str = ".2f") -> _Slider:
    value = float(value)
    return _Slider(value, min(low, value), max(high, value), step, description, readout_format)


def _control(render: Callable[..., View], live: bool | None, **sliders: _Slider) -> View | Any:
    """Static view at the sliders' start values in batch; an ``ipywidgets.interactive`` when live."""
    _ensure_cjk_font()
    if live is None:
        live = not is_batch()
    if not live:
        return render(**{name: slider.value for name, slider in sliders.items()})
    import ipywidgets
    from IPython.display import display

    def show(**values: Any) -> View | None:
        try:
            view = render(**values)
        except ValueError as err:  # an impossible combination, e.g. ABC with b <= a: say so, keep going
            display(f"Not possible: {err}")
            return None
        display(view)
        return view

    return ipywidgets.interactive(show, **{name: slider.widget() for name, slider in sliders.items()})


# --------------------------------------------------------------------------- ABC thresholds


def abc_view(monetary: pd.Series, *, a: float = 0.80, b: float = 0.95) -> View:
    """Pareto / Lorenz curves with the ABC thresholds, and the size of each tier.

    Parameters
    ----------
    monetary : pandas.Series
        Revenue per customer.
    a, b : float
        Cumulative revenue shares that close tiers A and B (``0 < a < b <= 1``).

    Returns
    -------
    View
        ``result`` is a DataFrame indexed A/B/C with ``customers`` and ``revenue_share``.

    Raises
    ------
    ValueError
        If the thresholds are not ``0 < a < b <= 1``.

    Examples
    --------
    >>> abc_view(pd.Series([50.0, 30.0, 10.0, 6.0, 4.0]), a=0.8, b=0.95).result["customers"].tolist()
    [2, 2, 1]
    """
    _ensure_cjk_font()
    tiers = segment.abc_tiers(monetary, a=a, b=b)
    spend = monetary.astype("float64").fillna(0.0).clip(lower=0.0)
    table = pd.DataFrame({
        "customers": tiers.value_counts().reindex(["A", "B", "C"], fill_value=0),
        "revenue_share": spend.groupby(tiers).sum().reindex(["A", "B", "C"], fill_value=0.0) / max(spend.sum(), 1e-12),
    })
    share_a = table.at["A", "customers"] / max(len(tiers), 1)
    summary = (f"With A = {a:.0%} and B = {b:.0%}: **{table.at['A', 'customers']:,} A customers** "
               f"({share_a:.1%} of customers) bring {table.at['A', 'revenue_share']:.1%} of revenue; "
               f"B {table.at['B', 'customers']:,}, C {table.at['C', 'customers']:,}.")
    return _finish(segment.plot_pareto(monetary, a=a, b=b), summary, table)


def explore_abc(monetary: pd.Series, *, a: float = 0.80, b: float = 0.95, live: bool | None = None) -> View | Any:
    """ABC thresholds on a slider (ABC 分类阈值): move A and B, see the Pareto curve and the tiers.

    Parameters
    ----------
    monetary : pandas.Series
        Revenue per customer.
    a, b : float
        Starting thresholds (the notebook's ``abc_a``, ``abc_b``).
    live : bool, optional
        True: widget; False: static :class:`View`; None (default): decided by :func:`is_batch`.

    Returns
    -------
    View or ipywidgets.interactive

    Examples
    --------
    >>> int(explore_abc(pd.Series([50.0, 30.0, 10.0, 6.0, 4.0]), live=False).result.loc["A", "customers"])
    2
    """
    return _control(
        lambda a, b: abc_view(monetary, a=a, b=b), live,
        a=_float_slider(a, 0.50, 0.95, 0.01, "A closes at"),
        b=_float_slider(b, 0.60, 1.00, 0.01, "B closes at"),
    )


# --------------------------------------------------------------------------- RFM thresholds


def rfm_types(features: pd.DataFrame, *, recency_days: float, n_orders: float, monetary: float) -> pd.Series:
    """The eight classic RFM customer types from three thresholds (RFM 八类客户).

    A customer is *recent* if ``recency_days <= recency_days`` threshold, *frequent* if
    ``n_orders >= n_orders`` and a *high spender* if ``monetary >= monetary``; the
    combination names the type (:data:`RFM_TYPES`).

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``recency_days``, ``n_orders``, ``monetary``.
    recency_days, n_orders, monetary : float
        The thresholds.

    Returns
    -------
    pandas.Series
        Type name per customer (string dtype), same index.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If a column is missing.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [5, 200], "n_orders": [4, 1], "monetary": [900.0, 20.0]})
    >>> rfm_types(f, recency_days=30, n_orders=2, monetary=100).tolist()
    ['important value (重要价值客户)', 'general to win back (一般挽留客户)']
    """

    missing = [c for c in ("recency_days", "n_orders", "monetary") if c not in features]
    if missing:
        raise CRMDataError(f"customer features: missing column(s) {missing} needed for the RFM types")
    recent = (features["recency_days"].astype("float64") <= recency_days).to_numpy()
    frequent = (features["n_orders"].astype("float64") >= n_orders).to_numpy()
    high = (features["monetary"].astype("float64") >= monetary).to_numpy()
    code = recent.astype(int) * 4 + frequent.astype(int) * 2 + high.astype(int)
    names = np.empty(8, dtype=object)
    for (r, f, m), name in RFM_TYPES.items():
        names[int(r) * 4 + int(f) * 2 + int(m)] = name
    return pd.Series(names[code], index=features.index, dtype="string", name="rfm_type")


def rfm_view(features: pd.DataFrame, *, recency_days: float, n_orders: float, monetary: float) -> View:
    """Share of customers and of revenue in each of the eight RFM types at the given thresholds.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``recency_days``, ``n_orders``, ``monetary``.
    recency_days, n_orders, monetary : float
        The thresholds (see :func:`rfm_types`).

    Returns
    -------
    View
        ``result`` is a DataFrame indexed by type with ``customers``, ``customer_share``, ``revenue_share``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [5, 200], "n_orders": [4, 1], "monetary": [900.0, 20.0]})
    >>> int(rfm_view(f, recency_days=30, n_orders=2, monetary=100).result["customers"].sum())
    2
    """
    _ensure_cjk_font()
    types = rfm_types(features, recency_days=recency_days, n_orders=n_orders, monetary=monetary)
    spend = features["monetary"].astype("float64").fillna(0.0).clip(lower=0.0)
    order = list(RFM_TYPES.values())
    table = pd.DataFrame({"customers": types.value_counts().reindex(order, fill_value=0)})
    table["customer_share"] = table["customers"] / max(len(types), 1)
    table["revenue_share"] = spend.groupby(types).sum().reindex(order, fill_value=0.0) / max(spend.sum(), 1e-12)
    fig = Figure(figsize=(9, 4.2))
    ax = fig.add_subplot()
    y = np.arange(len(order))
    ax.barh(y - 0.2, table["customer_share"] * 100, height=0.4, label="% of customers", color="#4C72B0")
    ax.barh(y + 0.2, table["revenue_share"] * 100, height=0.4, label="% of revenue", color="#DD8452")
    ax.set_yticks(y, order)
    ax.invert_yaxis()
    ax.set(xlabel="%", title=f"RFM types: recent ≤ {recency_days:,.0f} days, frequent ≥ {n_orders:,.0f} orders, "
                             f"high spend ≥ {monetary:,.0f}")
    ax.legend(loc="lower right")
    top = table.loc[order[0]]
    summary = (f"**{int(top['customers']):,} important value customers** (重要价值客户, "
               f"{top['customer_share']:.1%} of customers) bring {top['revenue_share']:.1%} of revenue; "
               f"{int(table.loc[order[3], 'customers']):,} high spenders are neither recent nor frequent "
               "(important to win back, 重要挽留客户).")
    return _finish(fig, summary, table)


def explore_rfm(
    features: pd.DataFrame,
    *,
    recency_days: float | None = None,
    n_orders: float | None = None,
    monetary: float | None = None,
    live: bool | None = None,
) -> View | Any:
    """RFM thresholds on sliders: the eight classic customer types as the thresholds move.

    Parameters
    ----------
    features : pandas.DataFrame
        One row per customer with ``recency_days``, ``n_orders``, ``monetary``.
    recency_days, n_orders, monetary : float, optional
        Starting thresholds. Defaults: the medians (n_orders at least two orders, a repeat
        buyer); the textbook's mean is pulled up by a few big spenders.
    live : bool, optional
        True: widget; False: static :class:`View`; None (default): decided by :func:`is_batch`.

    Returns
    -------
    View or ipywidgets.interactive

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [5, 200, 40], "n_orders": [4, 1, 2], "monetary": [900.0, 20.0, 60.0]})
    >>> int(explore_rfm(f, live=False).result["customers"].sum())
    3
    """
    rec, freq, spend = (features[c].astype("float64") for c in ("recency_days", "n_orders", "monetary"))
    recency_days = float(rec.median()) if recency_days is None else recency_days
    n_orders = max(2.0, float(freq.median())) if n_orders is None else n_orders
    monetary = float(spend.median()) if monetary is None else monetary
    spend_top = float(np.ceil(spend.quantile(0.99)))
    return _control(
        lambda recency_days, n_orders, monetary: rfm_view(
            features, recency_days=recency_days, n_orders=n_orders, monetary=monetary),
        live,
        recency_days=_int_slider(round(recency_days), 0, int(np.ceil(rec.quantile(0.99))), "recent ≤ days"),
        n_orders=_int_slider(round(n_orders), 1, max(int(np.ceil(freq.quantile(0.99))), 2), "frequent ≥ orders"),
        monetary=_float_slider(monetary, 0.0, spend_top, max(spend_top / 200, 0.01), "high spend ≥", ",.0f"),
    )


# --------------------------------------------------------------------------- k for clustering


class _Clusterings:
    """Fits one segmentation per k, once, and a fixed PCA picture to colour."""

    def __init__(self, X: pd.DataFrame, *, method: str, seed: int, max_points: int) -> None:
        self.X, self.method, self.seed = X, method, seed
        self.fits: dict[int, Any] = {}
        first = self.fit(2 if len(X) >= 2 else 1)
        Z = first.preprocess(X)
        rng = np.random.default_rng(seed)
        self.shown = np.sort(rng.choice(len(Z), size=min(len(Z), max_points), replace=False))
        pca = PCA(n_components=2, random_state=seed).fit(Z)
        self.points = pca.transform(Z[self.shown])
        self.variance = pca.explained_variance_ratio_
        self.Z = Z

    def fit(self, k: int) -> Any:
        if k not in self.fits:
            # One thread: on a shared small machine, contended BLAS/OpenMP threads are ~50x slower.
            with single_thread():
                self.fits[k] = segment.CustomerSegmenter(self.method, k, random_state=self.seed).fit(self.X)
        return self.fits[k]

    def view(self, k: int) -> View:
        labels = pd.Series(self.fit(k).labels_, index=self.X.index, name="cluster")
        sizes = labels.value_counts(normalize=True).sort_index()
        silhouette = (float(silhouette_score(self.Z, labels.to_numpy(), sample_size=min(len(labels), 2000),
                                             random_state=self.seed)) if labels.nunique() > 1 else float("nan"))
        fig = Figure(figsize=(7.5, 5))
        ax = fig.add_subplot()
        shown = labels.to_numpy()[self.shown]
        for cluster in np.unique(labels):
            mask = shown == cluster
            ax.scatter(self.points[mask, 0], self.points[mask, 1], s=8, alpha=0.5,
                       label=f"{cluster}: {sizes[cluster]:.0%} of customers")
        ax.set(xlabel=f"PC1 ({self.variance[0]:.0%} of variance)", ylabel=f"PC2 ({self.variance[1]:.0%} of variance)",
               title=f"k = {k} clusters ({self.method}) in two dimensions (PCA)")
        ax.legend(fontsize=8, markerscale=2)
        summary = (f"k = {k}: silhouette {silhouette:.3f} (higher is better); the smallest cluster holds "
                   f"{sizes.min():.1%} of customers, the largest {sizes.max():.1%}.")
        return _finish(fig, summary, labels)


def explore_k(
    features_matrix: pd.DataFrame,
    *,
    k: int = 4,
    seed: int = 42,
    k_range: tuple[int, int] = (2, 8),
    method: str = "kmeans",
    max_points: int = 3000,
    live: bool | None = None,
) -> View | Any:
    """The number of clusters on a slider (聚类数 k): the same customers, coloured by cluster.

    The PCA projection is fixed, so as k moves the points stay put and only the colours
    change; each k is fitted once (single-threaded, cached).

    Parameters
    ----------
    features_matrix : pandas.DataFrame
        The clustering matrix (:func:`crm_analysis.segment.cluster_matrix`).
    k : int, default 4
        Starting number of clusters (the notebook's chosen k).
    seed : int, default 42
        Seed of the clustering, the PCA sample and the silhouette sample.
    k_range : (int, int), default (2, 8)
        Slider range; widened to include ``k``.
    method : {"kmeans", "gmm"}, default "kmeans"
        Clustering algorithm (:class:`crm_analysis.segment.CustomerSegmenter`).
    max_points : int, default 3000
        Customers drawn (a seeded sample) so the picture stays readable.
    live : bool, optional
        True: widget; False: static :class:`View`; None (default): decided by :func:`is_batch`.

    Returns
    -------
    View or ipywidgets.interactive

    Examples
    --------
    >>> X = pd.DataFrame(np.r_[np.zeros((5, 2)), np.full((5, 2), 9.0)] + np.arange(10)[:, None] * 0.01)
    >>> explore_k(X, k=2, seed=0, live=False).result.nunique()
    2
    """
    fits = _Clusterings(features_matrix, method=method, seed=seed, max_points=max_points)
    low, high = k_range
    return _control(fits.view, live, k=_int_slider(k, max(low, 1), min(high, len(features_matrix)), "k"))


# --------------------------------------------------------------------------- churn inactivity window


def inactivity_view(
    transactions: pd.DataFrame, *, percentile: float = 0.9, as_of: str | pd.Timestamp | None = None
) -> View:
    """Inter-purchase times with the window at a percentile, and how many customers count as lost.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions (customer_id, order_date, amount).
    percentile : float, default 0.9
        Percentile of the inter-purchase times that sets the window (``0 < percentile < 1``).
    as_of : str or pandas.Timestamp, optional
        Analysis date; default the day after the last order.

    Returns
    -------
    View
        ``result`` is a dict with ``window_days``, ``lost``, ``customers``.

    Raises
    ------
    crm_analysis.core.errors.CRMDataError
        If no customer bought twice.
    ValueError
        If ``percentile`` is not between 0 and 1.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("AAABB"), "amount": [1.0] * 5,
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-04-10", "2024-01-01", "2024-03-01"])})
    >>> inactivity_view(tx, percentile=0.5, as_of="2024-06-01").result
    {'window_days': 60, 'lost': 1, 'customers': 2}
    """
    _ensure_cjk_font()
    as_of = pd.Timestamp(as_of) if as_of is not None else transactions["order_date"].max() + pd.Timedelta(days=1)
    window = churn.choose_inactivity_window(transactions, percentile=percentile)
    status = churn.lost_customers(transactions, as_of, window_days=window.days)
    lost, customers = int(status["lost"].sum()), len(status)
    summary = (f"The {percentile:.0%} percentile gives a **{window.days}-day window**: {lost:,} of {customers:,} "
               f"customers ({lost / max(customers, 1):.1%}) count as lost on {as_of.date()}; "
               f"{(window.gaps > window.days).mean():.1%} of repeat purchases came later than the window.")
    return _finish(churn.plot_interpurchase_times(window), summary,
                   {"window_days": window.days, "lost": lost, "customers": customers})


def explore_inactivity_window(
    transactions: pd.DataFrame,
    *,
    percentile: float = 0.9,
    as_of: str | pd.Timestamp | None = None,
    live: bool | None = None,
) -> View | Any:
    """The churn inactivity window on a slider (流失判定窗口): percentile → window → customers lost.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions.
    percentile : float, default 0.9
        Starting percentile (the notebook's ``inactivity_percentile``).
    as_of : str or pandas.Timestamp, optional
        Analysis date; default the day after the last order.
    live : bool, optional
        True: widget; False: static :class:`View`; None (default): decided by :func:`is_batch`.

    Returns
    -------
    View or ipywidgets.interactive

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("AAABB"), "amount": [1.0] * 5,
    ...     "order_date": pd.to_datetime(["2024-01-01", "2024-02-10", "2024-04-10", "2024-01-01", "2024-03-01"])})
    >>> explore_inactivity_window(tx, percentile=0.5, live=False).result["window_days"]
    60
    """
    return _control(lambda percentile: inactivity_view(transactions, percentile=percentile, as_of=as_of), live,
                    percentile=_float_slider(percentile, 0.50, 0.99, 0.01, "percentile"))


# --------------------------------------------------------------------------- CLV horizon and discount rate

class _ClvCurves:
    """CLV at any horizon and discount rate from expected purchases cached at month ends.

    :func:`crm_analysis.value.predict_value` sums, month by month, the expected purchases of
    each month times the expected order value, discounted at the monthly equivalent rate.
    The expected purchases do not depend on the slider values, so they are computed once
    (one vectorised call per month) and every slider move is a weighted sum: instant.
    ``tests/test_interactive.py`` pins the result to ``predict_value``.
    """

    def __init__(self, summary: pd.DataFrame, models: Any, max_weeks: float) -> None:
        self.summary, self.models = summary, models
        self.month = value.TIME_UNITS["M"] / value.TIME_UNITS[models.time_unit]
        self.order_value = np.asarray(value.expected_order_value(models, summary), dtype="float64")
        self.frv = tuple(summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
        self.cumulative: dict[float, np.ndarray] = {0.0: np.zeros(len(summary))}
        self.months = np.arange(1, int(np.ceil(max_weeks / self.month)) + 1, dtype="float64")
        for end in self.months:
            self.expected(end)

    def expected(self, end_month: float) -> np.ndarray:
        """Cumulative expected purchases per customer by ``end_month`` months from now (cached)."""
        if end_month not in self.cumulative:
            self.cumulative[end_month] = value.expected_purchases(self.models.bgnbd, end_month * self.month, *self.frv)
        return self.cumulative[end_month]

    def monthly_values(self, horizon_weeks: float, discount_rate: float) -> np.ndarray:
        """Discounted expected value per (month, customer) within the horizon, shape (months, customers)."""
        horizon = horizon_weeks / self.month
        steps = np.arange(1, int(np.ceil(horizon)) + 1, dtype="float64")
        ends = np.minimum(steps, horizon)
        cumulative = np.vstack([self.expected(0.0)] + [self.expected(float(end)) for end in ends])
        monthly_rate = (1.0 + discount_rate) ** (1.0 / 12.0) - 1.0
        discount = (1.0 + monthly_rate) ** steps
        return np.diff(cumulative, axis=0) * self.order_value / discount[:, None]

    def clv(self, horizon_weeks: float, discount_rate: float) -> pd.Series:
        """CLV per customer, as :func:`crm_analysis.value.predict_value` computes it."""
        return pd.Series(self.monthly_values(horizon_weeks, discount_rate).sum(axis=0), index=self.summary.index,
                         name="clv")

    def curve(self, discount_rate: float) -> pd.Series:
        """Total CLV at every whole-month horizon, indexed by the horizon in weeks."""
        totals = self.monthly_values(self.months[-1] * self.month, discount_rate).sum(axis=1).cumsum()
        return pd.Series(totals, index=self.months * self.month)

    def view(self, horizon_weeks: float, discount_rate: float) -> View:
        clv = self.clv(horizon_weeks, discount_rate)
        total = float(clv.sum())
        curve, undiscounted = self.curve(discount_rate), self.curve(0.0)
        top = clv.nlargest(max(len(clv) // 10, 1)).sum() / total if total > 0 else float("nan")
        fig = Figure(figsize=(11, 4))
        left, right = fig.subplots(1, 2)
        left.plot(undiscounted.index, undiscounted.to_numpy(), ls="--", color="grey", label="no discounting")
        left.plot(curve.index, curve.to_numpy(), color="#4C72B0", label=f"discount {discount_rate:.0%} a year")
        left.plot([horizon_weeks], [total], marker="*", ms=14, color="#C44E52", ls="none",
                  label=f"{horizon_weeks:g} weeks")
        left.set(xlabel="horizon (weeks)", ylabel="total predicted CLV", title="Total CLV by horizon (客户终身价值)")
        left.legend(fontsize=8)
        worth_one = clv[clv >= 1]  # below one currency unit the log scale only stretches noise
        if len(worth_one):
            right.hist(np.log10(worth_one), bins=40, color="#55A868")
        right.set(xlabel="CLV per customer (log10; customers worth at least 1)", ylabel="customers",
                  title=f"Top 10% of customers hold {top:.0%} of CLV")
        summary = (f"Horizon {horizon_weeks:g} weeks at {discount_rate:.0%} a year: **total CLV {total:,.0f}**, "
                   f"{clv.mean():,.0f} per customer on average; the top 10% hold {top:.0%}.")
        return _finish(fig, summary, {"total_clv": total, "mean_clv": float(clv.mean()), "top10_share": top,
                                      "clv": clv})


def explore_clv(
    summary: pd.DataFrame,
    models: Any,
    *,
    horizon_weeks: float = 52.0,
    discount_rate: float = 0.10,
    live: bool | None = None,
) -> View | Any:
    """The CLV horizon and the discount rate on sliders (预测期与折现率).

    Parameters
    ----------
    summary : pandas.DataFrame
        The weekly RFM summary the models were fitted on (:func:`crm_analysis.value.summary_table`).
    models : crm_analysis.value.ValueModels
        From :func:`crm_analysis.value.fit_value_models`.
    horizon_weeks : float, default 52
        Starting horizon in weeks (the notebook's ``horizon_weeks``).
    discount_rate : float, default 0.10
        Starting annual discount rate (the notebook's ``discount_rate``).
    live : bool, optional
        True: widget; False: static :class:`View`; None (default): decided by :func:`is_batch`.

    Returns
    -------
    View or ipywidgets.interactive

    Examples
    --------
    >>> from crm_analysis import value
    >>> from crm_analysis.models.clv import simulate_bgnbd, simulate_gamma_gamma
    >>> s = simulate_bgnbd(30.0, r=0.5, alpha=5.0, a=0.8, b=2.5, n_customers=300, seed=1)
    >>> s["monetary_value"] = simulate_gamma_gamma(s["frequency"], p=6, q=4, v=15, seed=1)
    >>> models = value.fit_value_models(s, pareto=False)
    >>> explore_clv(s, models, live=False).result["total_clv"] > 0
    True
    """
    horizon = _float_slider(horizon_weeks, 4.0, 156.0, 1.0, "horizon (weeks)", ".0f")
    curves = _ClvCurves(summary, models, max_weeks=horizon.max)
    return _control(
        curves.view, live,
        horizon_weeks=horizon,
        discount_rate=_float_slider(discount_rate, 0.0, 0.30, 0.01, "discount rate / year"),
    )


__all__ = [
    "ENV_VAR",
    "RFM_TYPES",
    "View",
    "abc_view",
    "explore_abc",
    "explore_clv",
    "explore_inactivity_window",
    "explore_k",
    "explore_rfm",
    "inactivity_view",
    "is_batch",
    "rfm_types",
    "rfm_view",
]
