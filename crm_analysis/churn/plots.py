"""Charts of chapter 3. Each takes an optional ``ax`` (draw there) and returns the figure.

Labels are in English; in a Chinese report they are translated when the figure is shown
(:func:`crm_analysis.core.i18n.translate_figure`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.calibration import calibration_curve

from crm_analysis.churn.drivers import ChurnModels, gains_table
from crm_analysis.churn.labels import InactivityWindow
from crm_analysis.core.plotting import annotate_cells, compact_axis, overflow_label
from crm_analysis.core.threads import single_threaded


def _canvas(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes, bool]:
    """The axes to draw on: ``ax``, or a new figure's; and whether the figure is ours to lay out."""
    if ax is not None:
        return ax.figure, ax, False
    fig = Figure(figsize=figsize)
    return fig, fig.add_subplot(), True


def plot_interpurchase_times(window: InactivityWindow, ax: Axes | None = None) -> Figure:
    """Histogram of inter-purchase times with the chosen window marked.

    Examples
    --------
    >>> w = InactivityWindow(30, 0.9, pd.Series([5.0, 10.0, 40.0]))
    >>> plot_interpurchase_times(w).axes[0].get_xlabel()
    'days between purchases (购买间隔天数)'
    """
    fig, ax, own = _canvas(ax, (7, 3.5))
    gaps = window.gaps
    if len(gaps):
        upper = max(float(np.quantile(gaps, 0.99)), window.days * 1.2)
        ax.hist(gaps.clip(upper=upper), bins=50, color="#4C72B0")
        beyond = int((gaps > upper).sum())
        if beyond:  # the last bin holds every longer gap: say so instead of silently
            ax.annotate(f"{overflow_label(upper, 'days')}: {beyond:,}", (upper, 0), xytext=(0, 12),
                        textcoords="offset points", ha="right", fontsize=8, color="#4C72B0")
    ax.axvline(window.days, color="#C44E52", linestyle="--", label=f"window = {window.days} days")
    compact_axis(ax.yaxis)
    ax.set_xlabel("days between purchases (购买间隔天数)")
    ax.set_ylabel("repeat purchases")
    ax.set_title("Inter-purchase times and the inactivity window (流失判定窗口)")
    ax.legend()
    if own:
        fig.tight_layout()
    return fig


def plot_confusion(matrix: pd.DataFrame, title: str = "Text classifier vs stated category",
                   ax: Axes | None = None) -> Figure:
    """Heat map of a confusion matrix (counts written in the cells), with a colour bar.

    Examples
    --------
    >>> cm = pd.DataFrame([[3, 1], [0, 2]], index=["price", "service"], columns=["price", "service"])
    >>> len(plot_confusion(cm).axes)
    2
    """
    fig, ax, own = _canvas(ax, (6, 5))
    values = matrix.to_numpy()
    image = ax.imshow(values, cmap="Blues")
    ax.set_xticks(range(matrix.shape[1]), matrix.columns, rotation=45, ha="right")
    ax.set_yticks(range(matrix.shape[0]), matrix.index)
    ax.grid(False)
    annotate_cells(ax, image, [[f"{int(v):,}" for v in row] for row in values])
    ax.set_xlabel(matrix.columns.name or "predicted")
    ax.set_ylabel(matrix.index.name or "stated")
    ax.set_title(title)
    fig.colorbar(image, ax=ax)
    if own:
        fig.tight_layout()
    return fig


def plot_pareto(pareto: pd.DataFrame, title: str = "Churn reasons (流失原因帕累托图)",
                ax: Axes | None = None) -> Figure:
    """Bars of customers per reason with the cumulative share line (a Pareto chart).

    Examples
    --------
    >>> p = pd.DataFrame({"reason_category": ["price"], "customers": [3], "cumulative_share": [1.0]})
    >>> plot_pareto(p).axes[0].get_title()
    'Churn reasons (流失原因帕累托图)'
    """
    fig, ax, own = _canvas(ax, (7, 3.8))
    ax.bar(pareto["reason_category"], pareto["customers"], color="#4C72B0")
    ax.set_ylabel("lost customers")
    compact_axis(ax.yaxis)
    ax.tick_params(axis="x", rotation=30)
    twin = ax.twinx()
    twin.plot(pareto["reason_category"], pareto["cumulative_share"], color="#C44E52", marker="o")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel("cumulative share")
    ax.set_title(title)
    if own:
        fig.tight_layout()
    return fig


@single_threaded
def plot_model_checks(models: ChurnModels, bins: int = 10, axes: Sequence[Axes] | None = None) -> Figure:
    """Calibration plot (left) and cumulative gains chart (right) for each model.

    Parameters
    ----------
    models : ChurnModels
    bins : int, default 10
    axes : pair of Axes, optional
        Where to draw the two charts; a new figure by default.

    Returns
    -------
    Figure

    Examples
    --------
    >>> from crm_analysis.churn.dataset import ChurnDataset
    >>> from crm_analysis.churn.drivers import fit_churn_models
    >>> rng = np.random.default_rng(2)
    >>> f = pd.DataFrame({"x": rng.normal(size=200)})
    >>> m = fit_churn_models(ChurnDataset(f, pd.Series(f["x"] > 0), None))
    >>> len(plot_model_checks(m).axes)
    2
    """
    if axes is None:
        fig = Figure(figsize=(11, 4.2))
        cal, gains = fig.subplots(1, 2)
    else:
        cal, gains = axes
        fig = cal.figure
    y = models.y_test.to_numpy(dtype=bool)
    cal.plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfect")
    gains.plot([0, 1], [0, 1], color="grey", linestyle=":", label="random")
    for name, model in models.models.items():
        p = model.predict_proba(models.X_test)[:, 1]
        frac, mean = calibration_curve(y, p, n_bins=bins, strategy="quantile")
        cal.plot(mean, frac, marker="o", label=name)
        g = gains_table(y, p, bins)
        gains.plot(np.r_[0, g["cumulative_share_of_customers"]], np.r_[0, g["cumulative_share_of_churners"]],
                   marker="o", label=name)
    cal.set(xlabel="predicted churn probability", ylabel="observed churn rate",
            title="Calibration (校准曲线)")
    gains.set(xlabel="share of customers contacted (highest risk first)", ylabel="share of churners reached",
              title="Cumulative gains (累积增益)")
    cal.legend()
    gains.legend()
    if axes is None:
        fig.tight_layout()
    return fig


def plot_drivers(drivers: pd.DataFrame, ax: Axes | None = None) -> Figure:
    """Horizontal bars of permutation importance.

    Examples
    --------
    >>> plot_drivers(pd.DataFrame({"feature": ["a"], "importance": [0.1], "std": [0.01]})).axes[0].get_xlabel()
    'drop in ROC-AUC when shuffled'
    """
    fig, ax, own = _canvas(ax, (7, 0.35 * len(drivers) + 1.5))
    d = drivers.iloc[::-1]
    ax.barh(d["feature"], d["importance"], xerr=d["std"], color="#55A868")
    ax.set_xlabel("drop in ROC-AUC when shuffled")
    ax.set_title("Churn drivers (流失驱动因素, permutation importance)")
    if own:
        fig.tight_layout()
    return fig


def plot_kaplan_meier(curves: pd.DataFrame, title: str, ax: Axes | None = None) -> Figure:
    """Step plot of Kaplan–Meier curves (:func:`crm_analysis.models.survival.kaplan_meier` output).

    Examples
    --------
    >>> c = pd.DataFrame({"group": ["a", "a"], "time": [1.0, 2.0], "retention": [0.8, 0.5],
    ...                   "se": [0.1, 0.1], "customers": [5, 5]})
    >>> plot_kaplan_meier(c, "t").axes[0].get_ylabel()
    'share still a customer (留存率)'
    """
    fig, ax, own = _canvas(ax, (7, 4))
    for name, g in curves.groupby("group"):
        ax.step(np.r_[0, g["time"]], np.r_[1, g["retention"]], where="post",
                label=f"{name} (n={int(g['customers'].iloc[0]):,})")
    ax.set(xlabel="months as a customer", ylabel="share still a customer (留存率)", ylim=(0, 1.02), title=title)
    ax.legend(fontsize=8)
    if own:
        fig.tight_layout()
    return fig


def plot_waterfall(table: pd.DataFrame, title: str = "Revenue bridge (收入桥)", ax: Axes | None = None) -> Figure:
    """Waterfall chart of a revenue bridge (start, components, end).

    Examples
    --------
    >>> t = pd.DataFrame({"component": ["start", "new", "lost", "end"], "amount": [10.0, 3.0, -4.0, 9.0]})
    >>> len(plot_waterfall(t).axes[0].patches)
    4
    """
    fig, ax, own = _canvas(ax, (8, 4.5))
    level, span = 0.0, float(np.nanmax(np.abs(table["amount"]), initial=0.0)) or 1.0
    for i, (name, amount) in enumerate(zip(table["component"], table["amount"], strict=True)):
        if name in ("start", "end"):
            bottom, height, color = 0.0, amount, "#4C72B0"
            level = amount
        else:
            bottom, height = level, amount
            color = "#55A868" if amount >= 0 else "#C44E52"
            level += amount
        ax.bar(i, height, bottom=bottom, color=color)
        if amount == 0:  # a zero component (e.g. nobody reactivated) is drawn as a line, never left invisible
            ax.plot([i - 0.4, i + 0.4], [bottom, bottom], color="#55A868", lw=2)
        ax.text(i, bottom + height, f"{amount:,.0f}", ha="center", va="bottom" if amount >= 0 else "top",
                fontsize=8)
    ax.set_xticks(range(len(table)), table["component"])
    ax.set_ylabel("revenue")
    compact_axis(ax.yaxis)
    # head room above the highest bar for its value label, so neither the label nor the bar meets the title
    low, high = ax.get_ylim()
    ax.set_ylim(min(low, 0.0), high + 0.12 * span)
    ax.set_title(title, pad=10)
    if own:
        fig.tight_layout()
    return fig
