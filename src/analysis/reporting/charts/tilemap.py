"""A tile-grid map of the 34 provincial units: one tile a unit, coloured by value."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from matplotlib.ticker import FixedLocator, MaxNLocator

from analysis.core import i18n
from analysis.reporting.charts.alt import set_alt, tile_alt
from analysis.reporting.charts.labels import lang_of, text_color_on, tick_formatter
from analysis.reporting.charts.theme import (
    FAINT,
    HIGHLIGHT,
    MISSING_COLOR,
    MUTED,
    RULE,
    TILE_CMAP,
    new_axes,
    themed,
)

TILE_GRID: dict[str, tuple[int, int]] = {
    # North: the northern border, then the Red River delta and the north-east coast.
    "lai_chau": (0, 1),
    "lao_cai": (0, 2),
    "tuyen_quang": (0, 3),
    "cao_bang": (0, 4),
    "dien_bien": (1, 0),
    "son_la": (1, 1),
    "phu_tho": (1, 2),
    "thai_nguyen": (1, 3),
    "lang_son": (1, 4),
    "ha_noi": (2, 2),
    "bac_ninh": (2, 3),
    "quang_ninh": (2, 4),
    "thanh_hoa": (3, 1),
    "ninh_binh": (3, 2),
    "hung_yen": (3, 3),
    "hai_phong": (3, 4),
    # North Central and the central coast: the narrow waist, stepping south-east.
    "nghe_an": (4, 1),
    "ha_tinh": (4, 2),
    "quang_tri": (5, 2),
    "hue": (5, 3),
    "da_nang": (6, 3),
    "quang_ngai": (6, 4),
    # Central Highlands and the south-central coast.
    "gia_lai": (7, 4),
    "dak_lak": (8, 4),
    "khanh_hoa": (8, 5),
    "lam_dong": (9, 4),
    # South-east.
    "tay_ninh": (9, 2),
    "dong_nai": (9, 3),
    "ho_chi_minh": (10, 3),
    # Mekong delta.
    "an_giang": (10, 1),
    "dong_thap": (10, 2),
    "can_tho": (11, 1),
    "vinh_long": (11, 2),
    "ca_mau": (12, 1),
}
"""``codename -> (row, col)`` of each unit on a 13 x 6 tile grid; row 0 is the north.

The grid follows the map loosely: north at the top, the S shape of the country, and neighbours
on adjacent tiles where the shape allows (Hà Nội between Phú Thọ, Bắc Ninh and Ninh Bình; Hải
Phòng under Quảng Ninh; Huế between Quảng Trị and Đà Nẵng; Hồ Chí Minh between Đồng Nai, Đồng
Tháp and Vĩnh Long; Cà Mau at the southern tip).
"""

TILE_ABBR: dict[str, str] = {
    "ha_noi": "HN",
    "cao_bang": "CB",
    "tuyen_quang": "TQ",
    "dien_bien": "ĐB",
    "lai_chau": "LCh",
    "son_la": "SL",
    "lao_cai": "LCa",
    "thai_nguyen": "TN",
    "lang_son": "LS",
    "quang_ninh": "QNi",
    "bac_ninh": "BN",
    "phu_tho": "PT",
    "hai_phong": "HP",
    "hung_yen": "HY",
    "ninh_binh": "NB",
    "thanh_hoa": "TH",
    "nghe_an": "NA",
    "ha_tinh": "HT",
    "quang_tri": "QT",
    "hue": "Huế",
    "da_nang": "ĐNg",
    "quang_ngai": "QNg",
    "gia_lai": "GL",
    "khanh_hoa": "KH",
    "dak_lak": "ĐL",
    "lam_dong": "LĐ",
    "dong_nai": "ĐNa",
    "ho_chi_minh": "HCM",
    "tay_ninh": "TNi",
    "dong_thap": "ĐT",
    "vinh_long": "VL",
    "an_giang": "AG",
    "can_tho": "CT",
    "ca_mau": "CM",
}
"""Short label of each unit on the tile map."""

# Where the two archipelagos are marked on the tile map (row, col of the label's centre).
_ISLANDS = {"hoang_sa": (5.55, 5.35), "truong_sa": (9.95, 6.0)}
# A fixed scatter of small islands around each label (offsets in tile units).
_ISLAND_DOTS = np.array(
    [
        (-0.24, -0.05),
        (-0.12, 0.06),
        (-0.02, -0.08),
        (0.1, 0.03),
        (0.2, -0.1),
        (0.26, 0.07),
        (0.02, 0.12),
        (-0.18, 0.14),
    ]
)
_TILE_ASPECT = 0.74  # tile height / width on paper: room for two lines of text
_TILE_INSET = 0.05  # white margin around each tile, in tile units
_NO_DATA_EDGE = "#c5ccd5"


def _as_values(values: Mapping[str, Any] | pd.Series) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, v in dict(values).items():
        try:
            f = float(v)
        except (TypeError, ValueError):
            continue
        if np.isfinite(f):
            out[str(key)] = f
    return out


@themed
def tile_map(
    values: Mapping[str, Any] | pd.Series,
    *,
    highlight: str | None = None,
    lang: str = "vi",
    title: str | None = None,
    cmap: str | mcolors.Colormap | None = None,
    ax: Axes | None = None,
    fmt: Callable[[float], str] | None = None,
    vmin: float | None = None,
    vmax: float | None = None,
    unit: str | None = "%",
    decimals: int = 1,
    legend_label: str | None = None,
    show_islands: bool = True,
    figsize: tuple[float, float] | None = None,
    bounds: tuple[float, float] | None = None,
) -> Figure:
    """A tile-grid map of the 34 provincial units (:data:`TILE_GRID`), coloured by value.

    Parameters
    ----------
    values
        Values keyed by codename (dict or Series); missing, None or NaN means no data.
    highlight
        Codename of the province to frame with a thick :data:`HIGHLIGHT` border.
    lang
        ``"vi"`` (default) or ``"en"``.
    title
        Axes title, or ``None``.
    cmap
        Colour map (name or object); default :data:`TILE_CMAP`, light (low) to navy (high).
        Pass a reversed map for indicators where lower is better.
    ax
        Axes to draw on; by default a new figure 5.0 x 6.4 in (the country is tall: at A4 text
        width the map would not fit half a page).
    fmt
        Formats a tile's value; default: the number with ``decimals`` decimals, vi-VN style.
    vmin, vmax
        Colour scale limits; default the data's range (widened when one value, or values all
        equal, would give it no width), kept within ``bounds``.
    unit
        Unit shown on the colour bar (``"%"`` for percent tick labels).
    decimals
        Decimals of the default ``fmt``.
    legend_label
        Colour bar label (e.g. the indicator's short name).
    show_islands
        Mark the Hoàng Sa (Đà Nẵng) and Trường Sa (Khánh Hòa) archipelagos in the sea.
    figsize
        Size of the new figure.
    bounds
        The quantity's natural range (``(0, 100)`` for a percentage): the colour scale never
        reaches beyond it (no "100,5 %" on a share).

    Returns
    -------
    matplotlib.figure.Figure
        Each tile shows the unit's abbreviation (:data:`TILE_ABBR`) and value; tiles without
        data are light grey and hatched.
    """
    lang = lang_of(lang)
    data = _as_values(values)
    unknown = sorted(set(data) - set(TILE_GRID))
    if unknown:
        raise KeyError(f"not codenames of the 34 units: {', '.join(unknown)}")
    fig, ax = new_axes(ax, figsize or (5.0, 6.4))
    colormap = mpl.colormaps[cmap] if isinstance(cmap, str) else (cmap or TILE_CMAP)
    norm = _value_norm(list(data.values()), vmin, vmax, bounds)
    write = fmt or (lambda v: i18n.fmt_decimal(v, lang, decimals))
    for codename, (row, col) in TILE_GRID.items():
        v = data.get(codename)
        face = colormap(norm(v)) if v is not None else MISSING_COLOR
        _draw_tile(ax, codename, (row, col), face, v, write, codename == highlight)
    if show_islands:
        _draw_islands(ax, lang)

    n_rows = max(r for r, _ in TILE_GRID.values()) + 1
    n_cols = max(c for _, c in TILE_GRID.values()) + 2  # one column of sea on the east
    ax.set_xlim(-0.1, n_cols + 0.1)
    ax.set_ylim(n_rows + 0.1, -0.1)
    ax.set_aspect(_TILE_ASPECT)
    ax.axis("off")
    _map_key(fig, ax, colormap, norm, lang, unit, legend_label, len(set(data.values())))
    if title:
        ax.set_title(title)
    alt = tile_alt(
        data,
        title=title or legend_label,
        highlight=highlight,
        n_units=len(TILE_GRID),
        lang=lang,
        unit=unit,
        decimals=decimals,
    )
    return set_alt(fig, alt)


def _value_norm(
    finite: list[float],
    vmin: float | None,
    vmax: float | None,
    bounds: tuple[float, float] | None = None,
) -> mcolors.Normalize:
    """The colour scale: the data's range unless given, never of zero width, and never beyond
    the quantity's ``bounds``.

    One value (or all equal) gives the scale a width of one unit (or 1 % of the bounds' span,
    if larger) on the side the bounds leave room for: 100 % on a share is shown on 99-100 %,
    never on 99,5-100,5 %.
    """
    lo = vmin if vmin is not None else (min(finite) if finite else 0.0)
    hi = vmax if vmax is not None else (max(finite) if finite else 1.0)
    b_lo, b_hi = bounds if bounds is not None else (-np.inf, np.inf)
    if hi <= lo:
        width = max(1.0, 0.01 * (b_hi - b_lo)) if np.isfinite(b_hi - b_lo) else 1.0
        lo, hi = lo - width / 2, hi + width / 2
        if hi > b_hi:
            lo, hi = b_hi - width, b_hi
        elif lo < b_lo:
            lo, hi = b_lo, b_lo + width
    return mcolors.Normalize(max(lo, b_lo), min(hi, b_hi))


def _draw_tile(
    ax: Axes,
    codename: str,
    cell: tuple[int, int],
    face: Any,
    value: float | None,
    write: Callable[[float], str],
    is_hl: bool,
) -> None:
    """One unit's tile (``gid="tile:<codename>"``) with its abbreviation and value."""
    row, col = cell
    has = value is not None
    tile = FancyBboxPatch(
        (col + _TILE_INSET, row + _TILE_INSET),
        1 - 2 * _TILE_INSET,
        1 - 2 * _TILE_INSET,
        boxstyle="round,pad=0,rounding_size=0.07",
        facecolor=face,
        edgecolor=HIGHLIGHT if is_hl else (_NO_DATA_EDGE if not has else "white"),
        lw=2.6 if is_hl else 0.6,
        hatch=None if has else "/////",
        zorder=3 if is_hl else 2,
        gid=f"tile:{codename}",
    )
    ax.add_patch(tile)
    ink = text_color_on(face) if has else MUTED
    lines = [(0.40, TILE_ABBR[codename], 8.0, "bold")]
    lines.append((0.71, write(value) if value is not None else i18n.MISSING, 6.8, "normal"))
    for dy, text, size, weight in lines:
        label = ax.text(
            col + 0.5,
            row + dy,
            text,
            ha="center",
            va="center",
            fontsize=size,
            fontweight=weight,
            color=ink,
            zorder=4,
        )
        label.set_in_layout(False)


def _draw_islands(ax: Axes, lang: str) -> None:
    """Hoàng Sa and Trường Sa: a scatter of small islands and their name, in the sea."""
    for key, (row, col) in _ISLANDS.items():
        dx, dy = _ISLAND_DOTS.T
        ax.scatter(col + dx, row - 0.3 + dy, s=4, color=FAINT, lw=0, zorder=2)
        ax.text(
            col,
            row + 0.12,
            i18n.t(f"plots.{key}", lang),
            ha="center",
            va="top",
            fontsize=6,
            color=FAINT,
            fontstyle="italic",
            zorder=2,
        )


def _map_key(
    fig: Figure,
    ax: Axes,
    colormap: mcolors.Colormap,
    norm: mcolors.Normalize,
    lang: str,
    unit: str | None,
    legend_label: str | None,
    n_values: int = 3,
) -> None:
    """Colour bar and the no-data key in the empty south-east (the sea), in data coordinates.

    With fewer than three distinct values the bar is ticked at its two ends only: a few labels
    that fit, never a crowd of fractions of one point.
    """
    cax = ax.inset_axes((4.05, 11.05, 2.7, 0.28), transform=ax.transData)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=colormap)
    cbar = fig.colorbar(sm, cax=cax, orientation="horizontal")
    if n_values < 3:
        cbar.ax.xaxis.set_major_locator(
            FixedLocator([float(norm.vmin or 0), float(norm.vmax or 1)])
        )
    else:
        cbar.ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    cbar.ax.xaxis.set_major_formatter(tick_formatter(lang, unit if unit == "%" else None))
    cbar.ax.tick_params(labelsize=6.5, length=2, pad=1.5)
    cbar.outline.set_linewidth(0.4)
    cbar.outline.set_edgecolor(RULE)
    label = legend_label if legend_label is not None else (unit if unit and unit != "%" else "")
    if label:
        cax.set_title(label, fontsize=7, loc="left", pad=3, fontweight="normal")
    key = FancyBboxPatch(
        (4.1, 12.05),
        0.45,
        0.42,
        boxstyle="round,pad=0,rounding_size=0.05",
        facecolor=MISSING_COLOR,
        edgecolor=_NO_DATA_EDGE,
        hatch="/////",
        lw=0.6,
    )
    ax.add_patch(key)
    ax.text(
        4.68,
        12.27,
        i18n.t("plots.no_data", lang),
        ha="left",
        va="center",
        fontsize=6.8,
        color=MUTED,
    )
