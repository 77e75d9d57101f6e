"""The chapter's charts. Each draws into ``ax`` when given (else a new figure) and returns the figure.

Titles and labels are English message keys; in a Chinese report the display hook translates them
through the catalogue (:func:`crm_analysis.core.i18n.translate_figure`). A figure made here is closed
after drawing, so that a notebook shows it once, as the returned value.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from crm_analysis.core.plotting import compact_axis
from crm_analysis.features.abc import plot_pareto


def _axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """``ax`` and its figure, or a new figure of ``figsize`` (closed, so that it shows once)."""
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")  # laid out when drawn: no text cut off
    plt.close(fig)
    return fig, ax


def _paired_bars(ax: Axes, x: np.ndarray, left: pd.Series, right: pd.Series, labels: tuple[str, str]) -> None:
    """Two bars per x position (left and right of it), labelled for the legend."""
    ax.bar(x - 0.2, left, width=0.4, label=labels[0])
    ax.bar(x + 0.2, right, width=0.4, label=labels[1])


def plot_concentration(values: pd.Series, *, a_share: float = 0.80, b_share: float = 0.95) -> Figure:
    """Pareto and Lorenz curves of value (:func:`crm_analysis.features.abc.plot_pareto`, two panels).

    Parameters
    ----------
    values : pandas.Series
        Value per customer.
    a_share, b_share : float
        ABC thresholds marked on the Pareto curve.

    Returns
    -------
    matplotlib.figure.Figure
        Two panels (Pareto, Lorenz); no ``ax`` argument, as the figure is
        :func:`crm_analysis.features.abc.plot_pareto`'s.

    Examples
    --------
    >>> len(plot_concentration(pd.Series([5.0, 3.0, 1.0, 1.0])).axes)
    2
    """
    fig = plot_pareto(values, a=a_share, b=b_share)
    plt.close(fig)
    return fig


def plot_holdout_by_frequency(table: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Bar chart of :func:`crm_analysis.value.holdout_by_frequency`: actual against predicted per group.

    Parameters
    ----------
    table : pandas.DataFrame
        ``frequency``, ``actual``, ``predicted``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"frequency": ["0", "1+"], "customers": [5, 3], "actual": [0.2, 1.5],
    ...                   "predicted": [0.25, 1.4]})
    >>> len(plot_holdout_by_frequency(t).axes[0].patches)
    4
    """
    fig, ax = _axes(ax, (7, 4))
    x = np.arange(len(table))
    _paired_bars(ax, x, table["actual"], table["predicted"], ("actual", "BG/NBD predicted"))
    ax.set_xticks(x, table["frequency"])
    ax.set_xlabel("purchases in the calibration period (repeat)")
    ax.set_ylabel("mean purchases in the holdout")
    ax.set_title("Holdout: predicted vs actual by calibration frequency (验证期预测)")
    ax.legend()
    return fig


def plot_tracking(table: pd.DataFrame, *, title: str = "", ax: Sequence[Axes] | None = None) -> Figure:
    """The paper's two tracking plots: cumulative and weekly repeat purchases, actual vs forecast.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`crm_analysis.value.tracking_table` output.
    title : str, optional
        Title over both panels.
    ax : pair of matplotlib.axes.Axes, optional
        Where to draw the cumulative and the weekly panel; a new figure by default.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> t = pd.DataFrame({"week": [1, 2, 3], "actual_weekly": [1, 2, 1], "predicted_weekly": [1.2, 1.5, 1.1],
    ...                   "period": ["calibration", "calibration", "holdout"]})
    >>> t["actual_cumulative"], t["predicted_cumulative"] = t["actual_weekly"].cumsum(), t["predicted_weekly"].cumsum()
    >>> len(plot_tracking(t).axes)
    2
    """
    if ax is None:
        fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(12, 4))
        plt.close(fig)
    else:
        ax1, ax2 = ax
        fig = ax1.figure
    boundary = table.loc[table["period"] == "calibration", "week"].max()
    for panel, kind in ((ax1, "cumulative"), (ax2, "weekly")):
        panel.plot(table["week"], table[f"actual_{kind}"], label="actual", color="black")
        panel.plot(table["week"], table[f"predicted_{kind}"], label="BG/NBD forecast", ls="--", color="tab:red")
        if pd.notna(boundary):
            panel.axvline(boundary, color="grey", ls=":", lw=1)
            # at the foot of the line, clear of the legend (upper left) and of the rising curves
            panel.annotate("end of calibration", (boundary, 0.02), xycoords=("data", "axes fraction"), xytext=(-3, 0),
                           textcoords="offset points", fontsize=8, ha="right", va="bottom")
        panel.set_xlabel("week")
        panel.set_ylabel(f"{kind} repeat purchases")
        compact_axis(panel.yaxis)
        panel.legend(loc="upper left")
    ax1.set_title("Cumulative repeat purchases (累计重复购买)")
    ax2.set_title("Weekly repeat purchases (每周重复购买)")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_clv_backtest(table: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Bars of predicted vs realised holdout value per decile.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`crm_analysis.value.clv_backtest_by_decile` output: ``decile``, ``predicted_value``
        and ``realised_value``.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``, or a new one.

    Examples
    --------
    >>> t = pd.DataFrame({"decile": [1, 2], "predicted_value": [5.0, 9.0], "realised_value": [4.0, 11.0]})
    >>> len(plot_clv_backtest(t).axes[0].patches)
    4
    """
    fig, ax = _axes(ax, (7, 4))
    x = table["decile"].to_numpy()
    _paired_bars(ax, x, table["realised_value"], table["predicted_value"], ("realised", "predicted"))
    ax.set_xticks(x)
    ax.set_xlabel("decile of predicted value (10 = highest)")
    ax.set_ylabel("holdout value (sum)")
    compact_axis(ax.yaxis)
    ax.set_title("CLV backtest by decile (价值回测)")
    ax.legend()
    return fig


def plot_value_at_risk(table: pd.DataFrame, by: str, *, ax: Axes | None = None) -> Figure:
    """Horizontal bars: CLV and the part of it at risk, per group.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`crm_analysis.value.value_at_risk` output.
    by : str
        Its grouping column; missing groups are labelled "(none)".
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (its height grows with the number of groups) by default.

    Returns
    -------
    matplotlib.figure.Figure
        Light bars: CLV; dark bars: the part of it at risk.

    Examples
    --------
    >>> t = pd.DataFrame({"seg": ["x", "y"], "clv": [100.0, 40.0], "value_at_risk": [30.0, 20.0]})
    >>> len(plot_value_at_risk(t, "seg").axes[0].patches)
    4
    """
    t = table.iloc[::-1]
    fig, ax = _axes(ax, (7, 0.4 * len(t) + 1.5))
    labels = t[by].astype("string").fillna("(none)")
    ax.barh(labels, t["clv"], color="tab:blue", alpha=0.35, label="CLV")
    ax.barh(labels, t["value_at_risk"], color="tab:red", label="value at risk")
    ax.set_xlabel("predicted value")
    compact_axis(ax.xaxis)
    ax.set_title("Value at risk (风险价值) by " + by)
    ax.legend(loc="lower right")
    return fig



__all__ = ["plot_clv_backtest", "plot_concentration", "plot_holdout_by_frequency",
           "plot_tracking", "plot_value_at_risk"]


def plot_alive_calibration(table: pd.DataFrame, *, measure: str = "P(alive)", ax: Axes | None = None) -> Figure:
    """Calibration plot: mean alive score against the share who purchased again, per score band.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`crm_analysis.value.alive_calibration` output (``mean_score``, ``purchased_again``,
        ``customers``).
    measure : str
        What the score is, for the axis label.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.figure.Figure
        The figure of ``ax``, or a new one.

    Examples
    --------
    >>> t = pd.DataFrame({"mean_score": [0.1, 0.8], "purchased_again": [0.05, 0.6], "customers": [50, 20]})
    >>> len(plot_alive_calibration(t).axes[0].lines)
    2
    """
    fig, ax = _axes(ax, (5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(table["mean_score"], table["purchased_again"], marker="o", label="customers by score band")
    ax.set_xlabel(f"{measure} (mean of the band)")
    ax.set_ylabel("share who purchased again in the holdout")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title("P(alive) against what happened (验证)")
    ax.legend()
    return fig
