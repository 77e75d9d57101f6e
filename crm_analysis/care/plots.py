"""Charts of chapter 5: the log over time, service figures by month, the complaint Pareto."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from crm_analysis.core import i18n


def plot_contacts_over_time(table: pd.DataFrame, *, title: str = "Contacts per month by kind") -> Figure:
    """Stacked area of contacts per period (:func:`crm_analysis.care.contacts_over_time` output).

    Examples
    --------
    >>> fig = plot_contacts_over_time(pd.DataFrame({"visit": [3, 4]}, index=["2024-01", "2024-02"]))
    >>> len(fig.axes)
    1
    """
    fig, ax = plt.subplots(figsize=(9, 3.5))
    ax.stackplot(range(len(table)), table.T.to_numpy(), labels=[i18n.tr(str(c)) for c in table.columns])
    step = max(1, len(table) // 12)
    ax.set_xticks(range(0, len(table), step), table.index[::step], rotation=45, ha="right")
    ax.set_ylabel(i18n.tr("contacts"))
    ax.set_title(i18n.tr(title))
    ax.legend(loc="upper left", fontsize="small", ncols=3)
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_standards_by_month(table: pd.DataFrame) -> Figure:
    """Share within standard and resolution rate by month (:func:`crm_analysis.care.service_standards`
    with ``by="month"``); series that are all missing are left out.

    Examples
    --------
    >>> t = pd.DataFrame({"resolution_rate": [0.5, 0.6], "response_on_time": [float("nan")] * 2},
    ...                  index=["2024-01", "2024-02"])
    >>> [line.get_label() for line in plot_standards_by_month(t).axes[0].get_lines()]
    ['resolution rate']
    """
    fig, ax = plt.subplots(figsize=(9, 3.5))
    for column in ("response_on_time", "resolution_rate", "resolved_on_time", "timely_share", "reopen_rate"):
        if column in table and table[column].notna().any():
            ax.plot(range(len(table)), table[column].to_numpy(dtype=float), marker=".",
                    label=i18n.tr(column.replace("_", " ")))
    step = max(1, len(table) // 12)
    ax.set_xticks(range(0, len(table), step), table.index[::step], rotation=45, ha="right")
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(i18n.tr("share"))
    ax.set_title(i18n.tr("Service standards by month"))
    ax.legend(loc="lower left", fontsize="small")
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_complaint_pareto(pareto: pd.DataFrame, *, by: str = "topic") -> Figure:
    """Pareto chart: complaints per topic (bars) and the cumulative share (line).

    Examples
    --------
    >>> p = pd.DataFrame({"topic": ["a", "b"], "complaints": [3, 1], "cumulative_share": [0.75, 1.0]})
    >>> len(plot_complaint_pareto(p).axes)
    2
    """
    fig, ax = plt.subplots(figsize=(9, 4.5))
    names = [i18n.tr(str(t)) for t in pareto[by]]  # long register names cut to fit
    ax.bar([n if len(n) <= 28 else n[:27] + "…" for n in names], pareto["complaints"], color="#4C72B0")
    ax.set_ylabel(i18n.tr("complaints"))
    ax.tick_params(axis="x", rotation=45)
    plt.setp(ax.get_xticklabels(), ha="right")
    twin = ax.twinx()
    twin.plot(range(len(pareto)), pareto["cumulative_share"], color="#C44E52", marker="o")
    twin.axhline(0.8, color="grey", linestyle=":")
    twin.set_ylim(0, 1.05)
    twin.set_ylabel(i18n.tr("cumulative share"))
    ax.set_title(i18n.tr("Complaints by topic (Pareto)"))
    fig.tight_layout()
    plt.close(fig)
    return fig


def plot_loyalty_funnel(table: pd.DataFrame, *, value_label: str = "mean value") -> Figure:
    """Funnel bars (customers per stage, first stage on top) labelled with each stage's mean value.

    Parameters
    ----------
    table : DataFrame
        :func:`crm_analysis.care.loyalty_funnel` output (``stage``, ``customers``, ``mean_value``).
    value_label : str
        What the value is (e.g. "mean CLV"), for the labels.

    Examples
    --------
    >>> t = pd.DataFrame({"stage": ["customers", "rated"], "customers": [10, 4], "mean_value": [5.0, 8.0]})
    >>> len(plot_loyalty_funnel(t).axes[0].patches)
    2
    """
    t = table.iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh([i18n.tr(str(s)) for s in t["stage"]], t["customers"], color="tab:green")
    for y, (n, worth) in enumerate(zip(t["customers"], t["mean_value"], strict=True)):
        ax.annotate(f"{n:,} · {i18n.tr(value_label)} {worth:,.0f}" if pd.notna(worth) else f"{n:,}",
                    (n, y), xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_xlabel(i18n.tr("customers"))
    ax.set_title(i18n.tr("Satisfaction → loyalty → recommendation (满意→忠诚→推荐)"))
    fig.tight_layout()
    plt.close(fig)
    return fig
