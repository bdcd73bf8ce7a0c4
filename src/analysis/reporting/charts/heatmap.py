"""Provinces x indicators, coloured by quartile tier (or by value), values written in."""

from __future__ import annotations

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from analysis.core import i18n
from analysis.reference import catalog, geography
from analysis.reporting.charts.alt import heatmap_alt, set_alt
from analysis.reporting.charts.labels import (
    lang_of,
    name_key,
    region_labels,
    row_positions,
    text_color_on,
)
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    FAINT,
    HIGHLIGHT,
    MISSING_COLOR,
    TIER_CMAP,
    TIER_COLORS,
    new_axes,
    themed,
)


def _province_order() -> pd.DataFrame:
    """The 34 units ordered by region (reference order) then name."""
    prov = geography.provinces("34")[["code", "codename", "name", "region"]].copy()
    order = geography.regions().set_index("region")["order"].astype(int)
    prov["_region_order"] = prov["region"].map(order)
    prov["_key"] = prov["name"].map(name_key)  # sorted by name, "TP." aside
    shown = {u.codename: u.display_name for u in geography.units() if u.basis == "34"}
    prov["name"] = prov["codename"].map(shown).fillna(prov["name"])
    return prov.sort_values(["_region_order", "_key"]).reset_index(drop=True)


@themed
def heatmap(
    comparison_all: pd.DataFrame,
    *,
    lang: str = "vi",
    value: str = "tier",
    ax: Axes | None = None,
    highlight: str | None = None,
    indicators: list[str] | None = None,
    decimals: int = 1,
    show_regions: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Provinces (rows) x indicators (columns), coloured by quartile tier, values written in.

    Parameters
    ----------
    comparison_all
        Stacked :func:`analysis.analyses.compare.compare_indicator` rows (as from
        :func:`analysis.analyses.compare.compare_period`): ``province``, ``indicator``, ``value``,
        ``tier``.
    lang
        ``"vi"`` (default) or ``"en"``.
    value
        ``"tier"``: cells coloured by tier (1 best = dark green ... 4 = muted red; the tier
        already accounts for the indicator's direction). ``"value"``: coloured by the value
        scaled within its column, worst to best (direction-aware).
    ax
        Axes to draw on; by default a new figure :data:`A4_WIDTH` wide, about 7.6 in tall.
    highlight
        Codename of a province whose row is framed and its name set in bold.
    indicators
        Indicator ids (columns) in order; default: those in the frame, in order of appearance.
    decimals
        Decimals of the cell values.
    show_regions
        Separate region groups with a white gap and name them on the right.
    title
        Axes title, or ``None``.
    figsize
        Size of the new figure.

    Returns
    -------
    matplotlib.figure.Figure
        34 rows (every unit, missing cells light grey with a dash), ordered by region then
        name.

    Raises
    ------
    ValueError
        For an unknown ``value`` mode or a frame without any indicator rows.
    """
    lang = lang_of(lang)
    if value not in ("tier", "value"):
        raise ValueError("value must be 'tier' or 'value'")
    if comparison_all.empty or "indicator" not in comparison_all:
        raise ValueError("heatmap needs comparison rows of at least one indicator")

    rows = _province_order()
    ids = indicators or list(dict.fromkeys(comparison_all["indicator"].dropna().astype(str)))
    vals, tiers = _pivot(comparison_all, rows, ids)
    fig, ax = new_axes(ax, figsize or (A4_WIDTH, 1.9 + 0.168 * len(vals)))
    if value == "tier":
        colour_index = tiers.to_numpy().astype(float)
        cmap: mcolors.Colormap = mcolors.ListedColormap([TIER_COLORS[k] for k in (1, 2, 3, 4)])
        norm: mcolors.Normalize = mcolors.BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5], cmap.N)
    else:
        colour_index = _scaled_by_column(vals).to_numpy(float)
        cmap, norm = TIER_CMAP, mcolors.Normalize(0, 1)

    y_top, height = row_positions(rows["region"].to_numpy(), 0.35 if show_regions else 0.0)
    faces = [
        cmap(norm(c)) if np.isfinite(c) else mcolors.to_rgba(MISSING_COLOR)
        for c in colour_index.ravel()
    ]
    _draw_cells(fig, ax, vals, faces, y_top, lang, decimals)
    ax.set_xlim(0, vals.shape[1])
    ax.set_ylim(height, 0)
    _axis_labels(ax, rows, ids, y_top, lang)
    if highlight is not None and highlight in set(rows["codename"]):
        _frame_row(ax, rows, y_top, vals.shape[1], highlight)
    if show_regions:
        region_labels(ax, rows, y_top, vals.shape[1], lang)
    if value == "tier":
        _tier_legend(ax, lang)
    else:
        _value_colorbar(fig, ax, norm, lang)
    if title:
        ax.set_title(title)
    names = dict(zip(rows["codename"], rows["name"], strict=True))
    return set_alt(fig, heatmap_alt(tiers, names, by_value=value == "value", lang=lang))


def _pivot(
    frame: pd.DataFrame, rows: pd.DataFrame, ids: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Values and tiers as province x indicator tables, in the rows' and ids' order."""
    frame = frame[frame["indicator"].isin(ids)]
    vals = frame.pivot_table(
        index="province", columns="indicator", values="value", aggfunc="first", dropna=False
    )
    vals = vals.reindex(index=rows["codename"], columns=ids).astype(float)
    tiers = frame.assign(tier=pd.to_numeric(frame["tier"], errors="coerce")).pivot_table(
        index="province", columns="indicator", values="tier", aggfunc="first", dropna=False
    )
    tiers = tiers.reindex(index=rows["codename"], columns=ids).astype(float)
    return vals, tiers


def _scaled_by_column(vals: pd.DataFrame) -> pd.DataFrame:
    """Each column scaled to 0 (worst) .. 1 (best), following the indicator's direction."""

    scaled = pd.DataFrame(index=vals.index, columns=vals.columns, dtype=float)
    for col in vals.columns:
        v = vals[col]
        lo, hi = v.min(), v.max()
        s = (v - lo) / (hi - lo) if hi > lo else v * 0 + 0.5
        try:
            if not catalog.get(col).higher_is_better:
                s = 1 - s
        except KeyError:  # not in the catalog: higher is better
            pass
        scaled[col] = s
    return scaled


def _draw_cells(
    fig: Figure,
    ax: Axes,
    vals: pd.DataFrame,
    faces: list[tuple[float, float, float, float]],
    y_top: np.ndarray,
    lang: str,
    decimals: int,
) -> None:
    """The coloured cells, with their values written in while the cells are wide enough."""
    n_rows, n_cols = vals.shape
    # Annotations shrink with the cell width; below a legible size the colours speak alone.
    ax_w = ax.get_position().width * fig.get_figwidth()
    cell_pt = 72 * max(ax_w - 1.9, 0.5) / max(n_cols, 1)
    cell_font = min(5.8, cell_pt / 3.4)
    annotate = cell_font >= 4.2
    cells = []
    for i in range(n_rows):
        for j in range(n_cols):
            cells.append(Rectangle((j, y_top[i]), 1, 1))
            v = vals.iat[i, j]
            if not annotate:
                continue
            txt = i18n.fmt_decimal(v, lang, decimals) if pd.notna(v) else i18n.MISSING
            label = ax.text(
                j + 0.5,
                y_top[i] + 0.52,
                txt,
                ha="center",
                va="center",
                fontsize=cell_font,
                color=text_color_on(faces[i * n_cols + j]) if pd.notna(v) else FAINT,
            )
            label.set_in_layout(False)
    ax.add_collection(
        PatchCollection(cells, facecolors=faces, edgecolors="white", lw=0.7, gid="heatmap-cells"),
        autolim=False,
    )


def _axis_labels(
    ax: Axes, rows: pd.DataFrame, ids: list[str], y_top: np.ndarray, lang: str
) -> None:
    """Province names on the left, indicator names on top."""
    n_cols = len(ids)
    ax.set_yticks(y_top + 0.5, list(rows["name"]))
    ax.tick_params(axis="y", length=0, pad=2, labelsize=6.5)
    names = [_column_name(c, lang) for c in ids]
    ax.xaxis.tick_top()
    # Slanted names while they have room; upright (vertical) once columns get narrow.
    steep = n_cols > 16
    ax.set_xticks(
        np.arange(n_cols) + 0.5,
        names,
        rotation=90 if steep else 45,
        ha="left",
        va="center" if steep else "baseline",
        rotation_mode="anchor",
    )
    ax.tick_params(axis="x", length=0, pad=2, labelsize=6 if steep else 6.5)
    ax.grid(False)
    for side in ax.spines.values():
        side.set_visible(False)


def _frame_row(
    ax: Axes, rows: pd.DataFrame, y_top: np.ndarray, n_cols: int, highlight: str
) -> None:
    """Frame the highlighted province's row and set its name in bold orange."""
    i = int(np.flatnonzero(rows["codename"].to_numpy() == highlight)[0])
    ax.add_patch(
        Rectangle(
            (0, y_top[i]),
            n_cols,
            1,
            fill=False,
            edgecolor=HIGHLIGHT,
            lw=1.6,
            zorder=5,
            clip_on=False,
        )
    )
    tick = ax.get_yticklabels()[i]
    tick.set_color(HIGHLIGHT)
    tick.set_fontweight("bold")


def _tier_legend(ax: Axes, lang: str) -> None:
    """The four tiers and "no data", below the table."""
    handles = [
        Patch(facecolor=TIER_COLORS[k], edgecolor="none", label=i18n.t(f"plots.tier_{k}", lang))
        for k in (1, 2, 3, 4)
    ]
    handles.append(
        Patch(facecolor=MISSING_COLOR, edgecolor="none", label=i18n.t("plots.no_data", lang))
    )
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.004),
        ncol=5,
        fontsize=6.5,
        handlelength=1.4,
        handleheight=1.0,
        columnspacing=1.2,
        title=i18n.t("plots.tier_title", lang),
        title_fontsize=6.5,
        borderaxespad=0.2,
    )


def _value_colorbar(fig: Figure, ax: Axes, norm: mcolors.Normalize, lang: str) -> None:
    """A short worst-to-best colour bar below the table."""
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=TIER_CMAP)
    cbar = fig.colorbar(
        sm,
        ax=ax,
        orientation="horizontal",
        fraction=0.02,
        pad=0.01,
        aspect=40,
        shrink=0.5,
        location="bottom",
    )
    cbar.set_ticks([0, 1], labels=[i18n.t("plots.worst", lang), i18n.t("plots.best", lang)])
    cbar.ax.tick_params(labelsize=6.5, length=0)
    cbar.outline.set_visible(False)


def _column_name(indicator_id: str, lang: str) -> str:

    try:
        name = catalog.get(indicator_id).short(lang)
    except KeyError:
        name = indicator_id
    return name
