"""The commune comparison's one chart: every commune of a province on every indicator.

Small multiples, one thin panel per indicator: each commune a dot (jittered a little so 170 of
them stay visible), the province's value (from its communes) a solid line, the target a dashed
line. Readable on A4 for 60 to 170 communes, where a bar per commune would not be.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import rc_context
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.analyses import commune_standings
from analysis.reference import catalog
from analysis.reporting.charts.labels import fmt_value
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    BAR,
    HIGHLIGHT,
    MUTED,
    PRIMARY,
    TARGET_COLOR,
    theme_rc,
)


def distribution_chart(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    lang: str = "vi",
    highlight: str | None = None,
    panel_height: float = 0.62,
) -> Figure:
    """One row per indicator: the province's communes as dots, the province and the target.

    ``table`` is :func:`analysis.analyses.commune_standings.standings`, ``summary`` its
    :func:`~analysis.analyses.commune_standings.summary`; ``highlight`` a commune code to mark.
    """
    order = commune_standings.indicator_order(table)
    with rc_context(theme_rc()):
        fig = Figure(figsize=(A4_WIDTH, 0.35 + panel_height * len(order)), layout="constrained")
        axes = fig.subplots(len(order), 1, squeeze=False)[:, 0]
        for ax, ind in zip(axes, order, strict=True):
            rows = table[(table["indicator"] == ind) & table["value"].notna()]
            line = summary[summary["indicator"] == ind].iloc[0]
            _panel(ax, rows, line, catalog.get(ind).short(lang), lang, highlight)
    return fig


def _panel(ax, rows: pd.DataFrame, line: pd.Series, label: str, lang: str, highlight) -> None:
    # Jitter from the commune code, so a commune sits at the same height every month.
    codes = rows["commune_code"].astype(int).to_numpy()
    jitter = ((codes * 7919) % 101) / 100.0 - 0.5
    ax.scatter(rows["value"], jitter * 0.6, s=9, color=BAR, edgecolor="none", alpha=0.9)
    if highlight is not None:
        own = rows[rows["commune_code"] == highlight]
        ax.scatter(own["value"], [0] * len(own), s=30, color=HIGHLIGHT, zorder=3)
    ax.axvline(line["province_value"], color=PRIMARY, linewidth=1.6)
    values = [*rows["value"], line["province_value"]]
    if pd.notna(line["target"]):
        ax.axvline(line["target"], color=TARGET_COLOR, linewidth=1.2, linestyle=(0, (3, 2)))
        values.append(line["target"])
    lo, hi = float(np.nanmin(values)), float(np.nanmax(values))
    pad = max((hi - lo) * 0.05, 0.5)
    ax.set_xlim(lo - pad, hi + pad)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=7.5, color=MUTED)
    ax.xaxis.set_major_locator(MaxNLocator(6))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: fmt_value(v, lang, decimals=0)))
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="y", visible=False)
