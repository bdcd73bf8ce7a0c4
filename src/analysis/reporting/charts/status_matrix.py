"""Units x targets, each cell coloured by the unit's status on the target, its value written in.

The national overview's main figure: a row per unit, grouped by region in the official order,
a column per target; the colours are :data:`~.theme.STATUS_COLORS` (the same as every table and
card), and a legend under the matrix names each status shown.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from analysis.core import i18n
from analysis.reference.targets import MET_FIRST, REPORT_STATUSES
from analysis.reporting.charts.alt import set_alt
from analysis.reporting.charts.labels import (
    lang_of,
    region_labels,
    row_positions,
    text_color_on,
)
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    FAINT,
    MISSING_COLOR,
    STATUS_COLORS,
    new_axes,
    themed,
)

LEGEND_ORDER: tuple[str, ...] = MET_FIRST
"""Best first, as the national overview counts them."""


def _cell_text(value: float, lang: str, stale: bool) -> str:
    if pd.isna(value):
        return i18n.MISSING
    decimals = 0 if abs(value - round(value)) < 0.05 and abs(value) >= 99.5 else 1
    text = i18n.fmt_decimal(value, lang, decimals)
    return text + "*" if stale else text


@themed
def status_matrix(
    cells: pd.DataFrame,
    units: pd.DataFrame,
    columns: Sequence[tuple[str, str]],
    *,
    lang: str = "vi",
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """The status matrix.

    Parameters
    ----------
    cells
        One row per (unit, target): ``province`` (codename), ``indicator``, ``status`` (a
        report status, ``no_data`` for a unit without a figure), ``value``, ``stale`` (the
        value is of an earlier period: marked ``*``).
    units
        The rows in order: ``codename``, ``name``, ``region`` (consecutive units of a region
        are grouped, with the region named on the right).
    columns
        ``(indicator, label)`` of each column, in order.
    lang
        ``"vi"`` (default) or ``"en"``.
    ax, figsize
        Axes to draw on, or the size of a new figure (default :data:`A4_WIDTH` wide).

    Returns
    -------
    matplotlib.figure.Figure
    """
    lang = lang_of(lang)
    ids = [c for c, _ in columns]
    key = cells.set_index(["province", "indicator"])
    regions = units["region"].to_numpy()
    y_top, height = row_positions(regions, 0.45)
    fig, ax = new_axes(ax, figsize or (A4_WIDTH, 2.3 + 0.158 * height))
    n_cols = len(ids)
    ax_w = A4_WIDTH - 2.2
    font = min(5.6, 72 * ax_w / max(n_cols, 1) / 3.3)
    rects, faces, present = [], [], set()
    for i, unit in enumerate(units["codename"]):
        for j, indicator in enumerate(ids):
            if (unit, indicator) in key.index:
                cell = key.loc[(unit, indicator)]
                status, value, stale = str(cell["status"]), cell["value"], bool(cell["stale"])
            else:
                status, value, stale = "no_data", np.nan, False
            present.add(status)
            face = MISSING_COLOR if status == "no_data" else STATUS_COLORS.get(status, FAINT)
            rects.append(Rectangle((j, y_top[i]), 1, 1))
            faces.append(face)
            label = ax.text(
                j + 0.5,
                y_top[i] + 0.54,
                _cell_text(value, lang, stale),
                ha="center",
                va="center",
                fontsize=font,
                color=text_color_on(face) if status != "no_data" else FAINT,
            )
            label.set_in_layout(False)
    ax.add_collection(
        PatchCollection(rects, facecolors=faces, edgecolors="white", lw=0.6), autolim=False
    )
    ax.set_xlim(0, n_cols)
    ax.set_ylim(height, 0)
    ax.set_yticks(y_top + 0.5, list(units["name"]))
    ax.tick_params(axis="y", length=0, pad=2, labelsize=6.3)
    ax.xaxis.tick_top()
    ax.set_xticks(
        np.arange(n_cols) + 0.5,
        [label for _, label in columns],
        rotation=90,
        ha="left",
        va="center",
        rotation_mode="anchor",
    )
    ax.tick_params(axis="x", length=0, pad=2, labelsize=5.8)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)
    region_labels(ax, units, y_top, n_cols, lang, width=13, gap=(0.2, 0.2), fontsize=5.8)
    _legend(ax, present, lang, any(cells.get("stale", pd.Series(dtype=bool)).fillna(False)))
    return set_alt(fig, _alt(cells, units, len(ids), lang))


def _legend(ax: Axes, present: set[str], lang: str, stale: bool) -> None:
    order = [s for s in LEGEND_ORDER if s in present]
    order += [s for s in REPORT_STATUSES if s in present and s not in order]
    handles = [
        Patch(
            facecolor=MISSING_COLOR if s == "no_data" else STATUS_COLORS.get(s, FAINT),
            edgecolor="none",
            label=i18n.t(f"status.{s}", lang),
        )
        for s in order
    ]
    # The legend fills column by column: put the statuses in so that rows read best first.
    ncol = min(4, len(handles)) or 1
    nrow = -(-len(handles) // ncol)
    grid = [
        handles[r * ncol + c]
        for c in range(ncol)
        for r in range(nrow)
        if r * ncol + c < len(handles)
    ]
    handles = grid
    title = i18n.t("plots.matrix_legend", lang)
    if stale:
        title += " " + i18n.t("plots.matrix_stale", lang)
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.004),
        ncol=ncol,
        fontsize=6.2,
        handlelength=1.3,
        handleheight=1.0,
        columnspacing=1.0,
        title=title,
        title_fontsize=6.2,
        borderaxespad=0.2,
    )


def _alt(cells: pd.DataFrame, units: pd.DataFrame, n_targets: int, lang: str) -> str:
    """How many units x targets, and how many cells in each status."""
    counts = cells["status"].value_counts()
    parts = [
        f"{i18n.t(f'status.{s}', lang)} {int(counts[s])}" for s in LEGEND_ORDER if counts.get(s)
    ]
    head = i18n.t("plots.matrix_alt", lang, units=len(units), n=n_targets)
    return f"{head}: {', '.join(parts)}."
