"""ABC grading and the 80/20 rule (ABC 分类 / 二八法则): who brings the revenue.

One definition used by every chapter: chapter 2 grades customers by their spend, chapter 3 by
the revenue lost customers brought, chapter 4 by lifetime value.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from crm_analysis.core.i18n import tr

__all__ = ["abc_tiers", "concentration", "lorenz_curve", "plot_pareto"]


def abc_tiers(monetary: pd.Series, *, a: float = 0.80, b: float = 0.95) -> pd.Series:
    """ABC classification (ABC 分类) by cumulative share of revenue.

    Customers are sorted by value, largest first (ties by index, so the result is
    deterministic). A customer is ``A`` while the revenue of the customers *before*
    them is below ``a`` of the total (so the customer who crosses the threshold is
    still A), ``B`` while it is below ``b``, else ``C``. Negative values (net
    returners) count as 0 and are C.

    Parameters
    ----------
    monetary : pandas.Series
        Revenue per customer.
    a, b : float
        Cumulative share thresholds, ``0 < a < b <= 1`` (default 80 % and 95 %).

    Returns
    -------
    pandas.Series
        ``"A"``, ``"B"`` or ``"C"`` (string dtype), same index as ``monetary``.

    Raises
    ------
    ValueError
        If the thresholds are not ``0 < a < b <= 1``.

    Examples
    --------
    >>> abc_tiers(pd.Series([50.0, 30.0, 10.0, 6.0, 4.0], index=list("vwxyz"))).tolist()
    ['A', 'A', 'B', 'B', 'C']
    """
    if not 0 < a < b <= 1:
        raise ValueError(f"ABC thresholds must satisfy 0 < a < b <= 1, got a={a}, b={b}")
    value = monetary.astype("float64").fillna(0.0).clip(lower=0.0)
    total = value.sum()
    if total <= 0:
        return pd.Series("C", index=monetary.index, dtype="string", name="abc_tier")
    order = np.lexsort((np.arange(len(value)), -value.to_numpy()))
    before = (np.cumsum(value.to_numpy()[order]) - value.to_numpy()[order]) / total
    # Zero-value customers are never A or B, even when rounding leaves the total short of 100 %.
    positive = value.to_numpy()[order] > 0
    tiers_sorted = np.where(positive & (before < a), "A", np.where(positive & (before < b), "B", "C"))
    tiers = np.empty(len(value), dtype=object)
    tiers[order] = tiers_sorted
    return pd.Series(tiers, index=monetary.index, dtype="string", name="abc_tier")


def lorenz_curve(monetary: pd.Series) -> pd.DataFrame:
    """Points of the Lorenz curve: share of customers (poorest first) vs share of revenue.

    Examples
    --------
    >>> lorenz_curve(pd.Series([1.0, 3.0])).round(2).to_dict("list")
    {'customer_share': [0.0, 0.5, 1.0], 'revenue_share': [0.0, 0.25, 1.0]}
    """
    value = np.sort(monetary.astype("float64").fillna(0.0).clip(lower=0.0).to_numpy())
    total = value.sum()
    cum = np.r_[0.0, np.cumsum(value)] / (total if total > 0 else 1.0)
    return pd.DataFrame({"customer_share": np.linspace(0.0, 1.0, len(value) + 1), "revenue_share": cum})


def concentration(monetary: pd.Series, *, top_share: float = 0.20) -> pd.Series:
    """How concentrated revenue is: Gini coefficient, top-20 % share, customers for 80 %.

    ``revenue`` is the net total over all customers (a customer whose returns exceed their purchases
    lowers it, so it equals the net spend every chapter reports); the shares and the Gini coefficient
    rank the customers with negative values counted as 0. The Gini coefficient is
    ``sum_i (2 i - n - 1) x_(i) / (n * sum x)`` over values sorted ascending
    (0 = everyone spends the same, close to 1 = one customer has everything).

    Parameters
    ----------
    monetary : pandas.Series
        Revenue per customer.
    top_share : float, default 0.20
        Size of the top group (the "20" of 80/20).

    Returns
    -------
    pandas.Series
        ``customers``, ``revenue``, ``gini``, ``top_share_of_revenue`` and
        ``customer_share_for_80pct`` (smallest share of customers that brings 80 %).

    Examples
    --------
    >>> concentration(pd.Series([1.0, 1.0, 1.0, 1.0, 96.0])).round(3).to_dict()
    {'customers': 5.0, 'revenue': 100.0, 'gini': 0.76, 'top_share_of_revenue': 0.96, 'customer_share_for_80pct': 0.2}
    """
    x = np.sort(monetary.astype("float64").fillna(0.0).clip(lower=0.0).to_numpy())
    n, total = len(x), x.sum()
    if n == 0 or total <= 0:
        gini = top = need80 = float("nan")
    else:
        ranks = np.arange(1, n + 1)
        gini = float(((2 * ranks - n - 1) * x).sum() / (n * total))
        k = max(1, int(np.ceil(top_share * n)))
        top = float(x[::-1][:k].sum() / total)
        need80 = float((np.searchsorted(np.cumsum(x[::-1]) / total, 0.80 - 1e-12) + 1) / n)
    net = float(monetary.astype("float64").fillna(0.0).sum())
    return pd.Series({"customers": float(n), "revenue": net, "gini": gini,
                      "top_share_of_revenue": top, "customer_share_for_80pct": need80})


def plot_pareto(
    monetary: pd.Series, *, a: float = 0.80, b: float = 0.95, axes: Sequence[Axes] | np.ndarray | None = None,
    lang: str | None = None,
) -> Figure:
    """Pareto curve (customers sorted by revenue, ABC thresholds marked) and Lorenz curve.

    Parameters
    ----------
    monetary : pandas.Series
        Revenue per customer.
    a, b : float
        The ABC thresholds marked on the Pareto curve (as in :func:`abc_tiers`).
    axes : two matplotlib Axes, optional
        Where to draw the Pareto and the Lorenz curve; None: a new figure with both side by side, laid
        out and closed (a notebook shows it once, when it is displayed).
    lang : {"en", "zh"}, optional
        Language of titles, labels and legend; None: the report language.

    Returns
    -------
    matplotlib.figure.Figure
        The figure of the two curves (that of ``axes`` when given).

    Examples
    --------
    >>> len(plot_pareto(pd.Series([5.0, 3.0, 1.0, 1.0])).axes)
    2
    >>> from crm_analysis.core import plotting
    >>> plotting.setup("en")  # the house style: Latin text first, Chinese glyphs from Noto Sans CJK
    >>> plot_pareto(pd.Series([5.0, 3.0, 1.0, 1.0]), lang="zh").axes[1].get_title()
    '洛伦兹曲线：基尼系数 = 0.35'
    """
    lorenz = lorenz_curve(monetary)
    stats = concentration(monetary)
    pareto_x = lorenz["customer_share"].to_numpy()
    pareto_y = 1 - lorenz["revenue_share"].to_numpy()[::-1]
    owned = axes is None
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    left, right = np.ravel(axes)
    fig = left.figure
    left.plot(pareto_x * 100, pareto_y * 100, color="tab:blue")
    for level, name in ((a, "A/B"), (b, "B/C")):
        left.axhline(level * 100, ls="--", color="grey", lw=0.8)
        left.text(1, level * 100 + 1, tr(f"{name} threshold {level:.0%}", lang), fontsize=8)
    left.axvline(20, ls=":", color="tab:red", lw=0.8)
    left.set(xlabel=tr("% of customers (largest first)", lang), ylabel=tr("% of revenue", lang),
             title=tr(f"Pareto curve: top 20% bring {stats['top_share_of_revenue']:.0%}", lang))
    right.plot(pareto_x * 100, lorenz["revenue_share"] * 100, color="tab:green", label=tr("Lorenz curve", lang))
    right.plot([0, 100], [0, 100], ls="--", color="grey", label=tr("perfect equality", lang))
    right.set(xlabel=tr("% of customers (smallest first)", lang), ylabel=tr("% of revenue", lang),
              title=tr(f"Lorenz curve: Gini = {stats['gini']:.2f}", lang))
    right.legend(loc="upper left")
    if owned:
        fig.tight_layout()
        plt.close(fig)
    return fig
