"""Charts of chapter 1.

Every function takes ``ax`` (matplotlib Axes, optional: where to draw; by default a new figure,
laid out and closed so that a notebook shows it once, by ``display``) and ``lang`` ({"en", "zh"},
optional: language of the texts, by default the report language), and returns the figure.
"""

from __future__ import annotations

import matplotlib.axes
import matplotlib.figure
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from crm_analysis.core.i18n import tr
from crm_analysis.core.plotting import annotate_cells, compact_axis
from crm_analysis.quality.findings import DIMENSIONS


def _canvas(ax: matplotlib.axes.Axes | None, figsize: tuple[float, float]) -> tuple[matplotlib.figure.Figure,
                                                                                     matplotlib.axes.Axes]:
    """The figure and axes to draw on: the caller's ``ax``, or a new figure of ``figsize``."""
    if ax is not None:
        return ax.figure, ax
    return plt.subplots(figsize=figsize)


def _finish(fig: matplotlib.figure.Figure, own: bool) -> matplotlib.figure.Figure:
    """Lay out and close a figure this module made (notebooks show it once, by display); leave the caller's."""
    if own:
        fig.tight_layout()
        plt.close(fig)
    return fig


def plot_field_channel_heatmap(matrix: pd.DataFrame, *, ax: matplotlib.axes.Axes | None = None,
                               lang: str | None = None) -> matplotlib.figure.Figure:
    """Heatmap of :func:`~crm_analysis.quality.field_channel_matrix`: where does each channel collect poor data?

    Parameters
    ----------
    matrix : pandas.DataFrame
        Share of records with the field filled and valid: fields (rows) by acquisition channel (columns).
    ax, lang : optional
        See the module.

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap, one row per field.

    Examples
    --------
    >>> m = pd.DataFrame({"web_form": [1.0, 0.5]}, index=["name", "phone"])
    >>> plot_field_channel_heatmap(m).axes[0].get_title()
    'Share of records with the field filled and valid'
    """
    own = ax is None
    fig, ax = _canvas(ax, (1.1 * max(matrix.shape[1], 3) + 2.5, 0.38 * max(len(matrix), 3) + 1.5))
    values = matrix.to_numpy(dtype=float)
    # Shares are usually high: start the colour scale near the worst cell so differences show.
    low = min(0.8, float(np.floor(np.nanmin(values, initial=1.0) * 20) / 20))
    image = ax.imshow(values, cmap="RdYlGn", vmin=low, vmax=1, aspect="auto")
    ax.grid(False)
    ax.set_xticks(range(matrix.shape[1]), [tr(str(c), lang) for c in matrix.columns], rotation=35, ha="right")
    ax.set_yticks(range(len(matrix)), [tr(str(i), lang) for i in matrix.index])
    annotate_cells(ax, image, [["" if np.isnan(v) else f"{v:.0%}" for v in row] for row in values], fontsize=8)
    ax.set_xlabel(tr("Acquisition channel", lang))
    ax.set_ylabel(tr("Field", lang))
    ax.set_title(tr("Share of records with the field filled and valid", lang))
    fig.colorbar(image, ax=ax, fraction=0.03)
    return _finish(fig, own)


def plot_quality_by_month(frame: pd.DataFrame, *, ax: matplotlib.axes.Axes | None = None,
                          lang: str | None = None) -> matplotlib.figure.Figure:
    """Line chart of :func:`~crm_analysis.quality.quality_by_month`: is collection getting better or worse?

    Parameters
    ----------
    frame : pandas.DataFrame
        Indexed by month: the dimensions and quality_score (customers) or share_clean (order lines).
    ax, lang : optional
        See the module.

    Returns
    -------
    matplotlib.figure.Figure
        One line per dimension and the overall score (or share clean).

    Examples
    --------
    >>> f = pd.DataFrame({"records": [3, 4], "share_clean": [0.9, 0.8]},
    ...                  index=pd.to_datetime(["2024-01-01", "2024-02-01"]))
    >>> plot_quality_by_month(f).axes[0].get_ylabel()
    'Share'
    """
    own = ax is None
    fig, ax = _canvas(ax, (9, 4))
    columns = [c for c in (*DIMENSIONS, "quality_score", "share_clean") if c in frame]
    for column in columns:
        width = 2.5 if column in ("quality_score", "share_clean") else 1.2
        ax.plot(frame.index, frame[column], label=tr(column.replace("_", " ").capitalize(), lang), linewidth=width)
    ax.set_ylim(max(0.0, float(np.nanmin(frame[columns].to_numpy(dtype=float), initial=1)) - 0.05), 1.01)
    ax.set_ylabel(tr("Share", lang))
    ax.set_xlabel(tr("Signup month" if "quality_score" in frame else "Order month", lang))
    ax.set_title(tr("Data quality by month", lang))
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    return _finish(fig, own)


def plot_source_value(table: pd.DataFrame, *, ax: matplotlib.axes.Axes | None = None,
                      lang: str | None = None) -> matplotlib.figure.Figure:
    """Scatter of :func:`~crm_analysis.quality.source_quality`: data quality against revenue per customer.

    Parameters
    ----------
    table : pandas.DataFrame
        Indexed by acquisition channel: customers, quality_score, revenue_per_customer.
    ax, lang : optional
        See the module.

    Returns
    -------
    matplotlib.figure.Figure
        One bubble per acquisition channel.

    Examples
    --------
    >>> t = pd.DataFrame({"customers": [10, 20], "quality_score": [0.9, 0.7],
    ...                   "revenue_per_customer": [100.0, 50.0]}, index=["referral", "purchased_list"])
    >>> plot_source_value(t).axes[0].get_xlabel()
    'Quality score'
    >>> fig, ax = plt.subplots(1, 2)
    >>> plot_source_value(t, ax=ax[1]) is fig
    True
    >>> plt.close(fig)
    """
    own = ax is None
    fig, ax = _canvas(ax, (7, 4.5))
    size = 600 * table["customers"] / max(table["customers"].max(), 1)
    ax.scatter(table["quality_score"], table["revenue_per_customer"], s=size, alpha=0.5)
    for channel, row in table.iterrows():
        ax.annotate(tr(str(channel), lang), (row["quality_score"], row["revenue_per_customer"]), fontsize=9,
                    xytext=(5, 5), textcoords="offset points")
    ax.set_xlabel(tr("Quality score", lang))
    ax.set_ylabel(tr("Revenue per customer", lang))
    compact_axis(ax.yaxis)
    ax.set_title(tr("Customer sources: data quality and value (bubble = customers)", lang))
    return _finish(fig, own)
