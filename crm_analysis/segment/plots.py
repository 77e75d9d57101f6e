"""Chapter 2's charts: the RFM grid, choosing k, clusters in two dimensions, snake plot, movement.

Every function draws on the axes it is given (``ax=`` or ``axes=``) or on a new figure (laid out
and closed, so that a notebook shows it once, when it is displayed), and returns the figure.
Titles, labels, tick labels and legends are English message keys translated with
:func:`crm_analysis.core.i18n.tr` into ``lang`` (by default the report language).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from sklearn.decomposition import PCA

from crm_analysis.core.i18n import tr
from crm_analysis.core.plotting import annotate_cells
from crm_analysis.segment.rfm import RFM_SEGMENT_GRID

__all__ = ["plot_clusters_pca", "plot_k_selection", "plot_migration", "plot_rfm_heatmap", "plot_snake"]


def _figure(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes, bool]:
    """The figure and axes to draw on, and whether this call created them (and so lays them out)."""
    if ax is not None:
        return ax.figure, ax, False
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax, True


def _finish(fig: Figure, owned: bool) -> Figure:
    """Lay out and close a figure made here (a notebook shows it once, when displayed); leave the caller's."""
    if owned:
        fig.tight_layout()
        plt.close(fig)
    return fig


def _legend_label(cluster: object, names: pd.Series | None, lang: str | None) -> str:
    return tr(f"{cluster}: {names[cluster]}", lang) if names is not None else str(cluster)


def _heatmap(
    fig: Figure, ax: Axes, colour: np.ndarray, texts: list[list[str]], *, cmap: str, colour_label: str,
    fontsize: float, **imshow: object,
) -> None:
    """An image of ``colour`` with a text in every cell (light on dark cells) and a colour bar."""
    image = ax.imshow(colour, cmap=cmap, aspect="auto", **imshow)
    ax.grid(False)
    annotate_cells(ax, image, texts, fontsize=fontsize)
    fig.colorbar(image, ax=ax, label=colour_label)


def plot_rfm_heatmap(
    scores: pd.DataFrame, features: pd.DataFrame | None = None, *, ax: Axes | None = None, lang: str | None = None,
) -> Figure:
    """Heatmap of customers over the R × FM grid, labelled with the segment names.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`crm_analysis.segment.rfm_scores` (``r_score``, ``fm_score``).
    features : pandas.DataFrame, optional
        If given (with ``monetary``), cells are coloured by mean spend instead of count.
    ax : matplotlib.axes.Axes, optional
        Where to draw the grid; a new figure when None.
    lang : {"en", "zh"}, optional
        Language of the labels and the segment names in the cells; None: the report language.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the grid and its colour bar.

    Examples
    --------
    >>> from crm_analysis.segment.rfm import rfm_scores
    >>> f = pd.DataFrame({"recency_days": [1, 90], "n_orders": [5, 1], "monetary": [50.0, 5.0]})
    >>> plot_rfm_heatmap(rfm_scores(f)).axes[0].get_xlabel()
    'FM score (orders & monetary)'
    """
    counts = pd.crosstab(scores["r_score"], scores["fm_score"]).reindex(
        index=range(5, 0, -1), columns=range(1, 6), fill_value=0
    )
    colour, label = counts.to_numpy(dtype=float), tr("customers", lang)
    if features is not None:
        mean_m = features["monetary"].groupby([scores["r_score"], scores["fm_score"]]).mean().unstack()
        colour = mean_m.reindex(index=range(5, 0, -1), columns=range(1, 6)).to_numpy(dtype=float)
        label = tr("mean monetary", lang)
    fig, ax, owned = _figure(ax, (7.5, 5.5))
    texts = [[f"{tr(RFM_SEGMENT_GRID[r][j], lang)}\n{counts.iat[i, j]:,}" for j in range(5)]
             for i, r in enumerate(range(5, 0, -1))]
    _heatmap(fig, ax, colour, texts, cmap="YlGnBu", colour_label=label, fontsize=7.5)
    ax.set_xticks(range(5), [str(c) for c in range(1, 6)])
    ax.set_yticks(range(5), [str(r) for r in range(5, 0, -1)])
    ax.set_xlabel(tr("FM score (orders & monetary)", lang))
    ax.set_ylabel(tr("R score (recency, 5 = most recent)", lang))
    ax.set_title(tr("RFM segments: customers per cell", lang))
    return _finish(fig, owned)


def plot_k_selection(
    scores: pd.DataFrame, chosen_k: int | None = None, *, axes: Sequence[Axes] | np.ndarray | None = None,
    lang: str | None = None,
) -> Figure:
    """The four criteria against k, the chosen k marked.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`crm_analysis.models.clustering.select_k` (indexed by k).
    chosen_k : int, optional
        Marked with a dashed line.
    axes : sequence of four matplotlib Axes, optional
        Where to draw (any shape, read row by row); a new 2 × 2 figure when None.
    lang : {"en", "zh"}, optional
        Language of the panel titles; None: the report language.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the four panels.

    Examples
    --------
    >>> s = pd.DataFrame({"silhouette": [0.5, 0.6], "davies_bouldin": [0.9, 0.7],
    ...                   "calinski_harabasz": [100, 150], "bic": [900, 800]}, index=[2, 3])
    >>> len(plot_k_selection(s, 3).axes)
    4
    """
    titles = {"silhouette": "Silhouette (higher is better)",
              "davies_bouldin": "Davies–Bouldin (lower is better)",
              "calinski_harabasz": "Calinski–Harabasz (higher is better)",
              "bic": "BIC of a Gaussian mixture (lower is better)"}
    owned = axes is None
    if axes is None:
        fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), sharex=True)
    axes = list(np.ravel(axes))
    fig = axes[0].figure
    for ax, (column, title) in zip(axes, titles.items(), strict=True):
        ax.plot(scores.index, scores[column], marker="o")
        if chosen_k is not None:
            ax.axvline(chosen_k, color="tab:red", ls="--", lw=1)
        ax.set_title(tr(title, lang), fontsize=10)
        ax.set_xlabel(tr("number of clusters k", lang))
        if column in ("calinski_harabasz", "bic"):  # large values that differ little: full numbers, no 1e6 offset
            ax.yaxis.set_major_formatter(ticker.StrMethodFormatter("{x:,.0f}"))
    if owned:
        fig.suptitle(tr("Choosing the number of clusters" + (f" (chosen k = {chosen_k})" if chosen_k else ""), lang))
    return _finish(fig, owned)


def plot_clusters_pca(
    Z: np.ndarray, labels: Sequence[int], names: pd.Series | None = None, *,
    max_points: int = 4000, random_state: int = 0, ax: Axes | None = None, lang: str | None = None,
) -> Figure:
    """Customers in the first two principal components of the clustering space.

    At most ``max_points`` customers are drawn (a seeded sample) so the picture stays readable.

    Parameters
    ----------
    Z : ndarray
        The transformed features (:meth:`crm_analysis.models.clustering.CustomerSegmenter.preprocess`).
    labels : sequence of int
        Cluster of each row.
    names : pandas.Series, optional
        Cluster name by cluster, shown in the legend.
    max_points : int, default 4000
        Largest number of customers drawn.
    random_state : int, default 0
        Seed of the PCA and of the sample drawn.
    ax : matplotlib.axes.Axes, optional
        Where to draw the scatter; a new figure when None.
    lang : {"en", "zh"}, optional
        Language of the axis labels, title and legend; None: the report language.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the scatter.

    Examples
    --------
    >>> Z = np.random.default_rng(0).normal(size=(20, 3))
    >>> plot_clusters_pca(Z, [0] * 10 + [1] * 10).axes[0].get_xlabel()[:3]
    'PC1'
    """
    labels = np.asarray(labels)
    pca = PCA(n_components=2, random_state=random_state).fit(Z)
    points = pca.transform(Z)
    rng = np.random.default_rng(random_state)
    shown = rng.choice(len(Z), size=min(len(Z), max_points), replace=False)
    fig, ax, owned = _figure(ax, (7.5, 5.5))
    for cluster in np.unique(labels):
        mask = labels[shown] == cluster
        ax.scatter(points[shown][mask, 0], points[shown][mask, 1], s=8, alpha=0.5,
                   label=_legend_label(cluster, names, lang))
    var = pca.explained_variance_ratio_
    ax.set(xlabel=tr(f"PC1 ({var[0]:.0%} of variance)", lang), ylabel=tr(f"PC2 ({var[1]:.0%} of variance)", lang),
           title=tr("Clusters in two dimensions (PCA)", lang))
    ax.legend(fontsize=8, markerscale=2)
    return _finish(fig, owned)


def plot_snake(
    Z: pd.DataFrame, labels: Sequence[int], names: pd.Series | None = None, *, ax: Axes | None = None,
    lang: str | None = None,
) -> Figure:
    """Snake plot: mean of each standardised feature per cluster, one line per cluster.

    Parameters
    ----------
    Z : pandas.DataFrame
        The transformed features, one column per feature.
    labels : sequence of int
        Cluster of each row.
    names : pandas.Series, optional
        Legend text per cluster (its name), indexed by cluster.
    ax : matplotlib.axes.Axes, optional
        Where to draw the lines; a new figure when None.
    lang : {"en", "zh"}, optional
        Language of the feature names, title and legend; None: the report language.

    Returns
    -------
    matplotlib.figure.Figure
        The figure holding the snake plot.

    Examples
    --------
    >>> Z = pd.DataFrame({"recency_days": [1.0, -1.0], "n_orders": [-1.0, 1.0]})
    >>> len(plot_snake(Z, [0, 1]).axes[0].get_legend().get_texts())
    2
    """
    means = Z.groupby(np.asarray(labels)).mean()
    fig, ax, owned = _figure(ax, (8, 4.5))
    for cluster, row in means.iterrows():
        ax.plot(range(len(row)), row.to_numpy(), marker="o", label=_legend_label(cluster, names, lang))
    ax.axhline(0, color="grey", lw=0.8)
    # slanted, right-aligned feature names: long (or translated) names do not run into their neighbours
    ax.set_xticks(range(len(means.columns)), [tr(str(c), lang) for c in means.columns], rotation=35, ha="right",
                  rotation_mode="anchor")
    ax.set(ylabel=tr("mean of standardised (log) value", lang), title=tr("Snake plot: how the clusters differ", lang))
    # the legend beside the lines, not over them or over the labels
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    return _finish(fig, owned)


def plot_migration(
    matrix: pd.DataFrame, *, title: str = "Movement between segments", ax: Axes | None = None,
    lang: str | None = None,
) -> Figure:
    """Heatmap of a migration matrix: row shares as colour, customer counts as text.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Output of :func:`crm_analysis.segment.migration_matrix` (before in rows, after in columns).
    title : str
        Chart title.
    ax : matplotlib.axes.Axes, optional
        Where to draw the matrix; a new figure (sized to the matrix) when None.
    lang : {"en", "zh"}, optional
        Language of the title, axis labels and the segment names; None: the report language.

    Returns
    -------
    matplotlib.figure.Figure
        The figure: row shares as colours, customer counts written in the cells.

    Examples
    --------
    >>> m = pd.DataFrame([[3, 1], [0, 2]], index=["A", "B"], columns=["A", "B"])
    >>> plot_migration(m).axes[0].get_ylabel()
    'before (first date)'
    """
    shares = matrix.div(matrix.sum(axis=1).replace(0, np.nan), axis=0).fillna(0.0)
    fig, ax, owned = _figure(ax, (1.0 + 0.85 * matrix.shape[1] + 2, 1.0 + 0.5 * matrix.shape[0] + 1))
    texts = [[f"{matrix.iat[i, j]:,}" for j in range(matrix.shape[1])] for i in range(matrix.shape[0])]
    _heatmap(fig, ax, shares.to_numpy(), texts, cmap="Blues", colour_label=tr("share of the row", lang),
             fontsize=7, vmin=0, vmax=1)
    ax.set_xticks(range(matrix.shape[1]), [tr(str(c), lang) for c in matrix.columns], rotation=40, ha="right")
    ax.set_yticks(range(matrix.shape[0]), [tr(str(i), lang) for i in matrix.index])
    ax.set(xlabel=tr("after (second date)", lang), ylabel=tr("before (first date)", lang), title=tr(title, lang))
    return _finish(fig, owned)
