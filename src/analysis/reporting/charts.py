"""Charts for the briefings: ranking bars, trend with forecast fan, tier heatmap, tile map.

Every chart is sized for the text width of an A4 page (:data:`A4_WIDTH` inches; the tile map,
tall like the country, is narrower), uses one calm theme (:func:`apply_theme`), writes numbers
the reader's way (``45,03`` in Vietnamese, via :mod:`.i18n`) and takes its words from
the message catalog (``plots.*``, ``status.*``) or from the caller, so the same call draws a
Vietnamese or an English chart.

Conventions
-----------
- Each function returns a :class:`matplotlib.figure.Figure`. Unless an ``ax`` is passed, the
  figure is created without pyplot: nothing is registered in pyplot's figure list, nothing needs
  closing, and a notebook shows it only when the cell returns it (or ``display(fig)``).
- The theme is applied around each call with :func:`matplotlib.rc_context`, so a call leaves the
  global ``rcParams`` alone; :func:`apply_theme` sets the same theme globally (for saving at the
  theme's dpi, or for the caller's own charts).
- Provinces are the 34 units in force since 1 July 2025, keyed by codename (``ha_noi``).
"""

from __future__ import annotations

import functools
import json
import textwrap
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ParamSpec, TypeVar

import matplotlib as mpl
import matplotlib.pyplot as plt  # Activates the notebook display integration
import numpy as np
import pandas as pd
import seaborn as sns
from cycler import cycler
from matplotlib import colors as mcolors
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis import paths
from analysis.reference import geography
from analysis.reference.names import fold
from analysis.reporting import i18n

# --------------------------------------------------------------------------------------------
# Palette and sizes
# --------------------------------------------------------------------------------------------

A4_WIDTH = 6.7
"""Text width of an A4 page with 2 cm margins, in inches: the default width of every chart."""

PRIMARY = "#1f3b63"
"""Navy: observed series, the colour of the theme."""

HIGHLIGHT = "#d35400"
"""Burnt orange: the province a briefing is written for."""

INK = "#1d2733"
MUTED = "#56616f"
FAINT = "#8a94a3"
RULE = "#d6dde6"
BAR = "#a9b9cc"
"""Bars of the other provinces (a light navy that lets the highlighted bar stand out)."""

MISSING_COLOR = "#e9ecf0"
"""Fill of cells and tiles without data."""

STATUS_COLORS: dict[str, str] = {
    "achieved": "#1a7f37",
    "on_track": "#2e86c1",
    "at_risk": "#d4a017",
    "off_track": "#c0392b",
}
"""Colour of each forecast status (see :mod:`analysis.forecast`)."""

STATUS_ORDER: tuple[str, ...] = ("achieved", "on_track", "at_risk", "off_track")

TARGET_COLOR = STATUS_COLORS["achieved"]
"""Targets are drawn in the colour of an achieved target."""

TIER_COLORS: dict[int, str] = {1: "#1a7f37", 2: "#8cc48f", 3: "#f2cf7e", 4: "#dc7a66"}
"""Quartile tiers: 1 (best quarter, dark green) to 4 (bottom quarter, muted red)."""

PALETTE: list[str] = [PRIMARY, HIGHLIGHT, "#2e86c1", "#1a7f37", "#d4a017", "#7d3c98", FAINT]
"""Colour cycle of the theme."""

TILE_CMAP = mcolors.LinearSegmentedColormap.from_list(
    "vndx_navy", ["#eef3f8", "#9fb9d6", "#4f77a3", PRIMARY]
)
"""Default sequential colour map of :func:`tile_map` (light = low, navy = high)."""

TIER_CMAP = mcolors.LinearSegmentedColormap.from_list(
    "vndx_tiers", [TIER_COLORS[4], TIER_COLORS[3], TIER_COLORS[2], TIER_COLORS[1]]
)
"""Worst (muted red) to best (dark green): :func:`heatmap` in ``value="value"`` mode."""

FONTS_DIR = paths.assets_dir() / "fonts"
"""Noto Sans files (Vietnamese coverage) shipped with the report templates."""

_FALLBACK_FONTS = ["DejaVu Sans", "Arial", "Liberation Sans", "sans-serif"]

# --------------------------------------------------------------------------------------------
# Tile grid of the 34 provincial units
# --------------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------------
# Theme
# --------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def register_fonts() -> str:
    """Register the shipped Noto Sans files with matplotlib and return the family to use.

    Returns
    -------
    str
        ``"Noto Sans"`` when the files could be registered, else ``"DejaVu Sans"`` (bundled with
        matplotlib, also covers Vietnamese).
    """
    family = "DejaVu Sans"
    for path in sorted(FONTS_DIR.glob("NotoSans-*.ttf")):
        try:
            font_manager.fontManager.addfont(str(path))
        except (OSError, RuntimeError, ValueError):  # unreadable file: keep the fallback
            continue
        family = "Noto Sans"
    return family


def theme_rc() -> dict[str, Any]:
    """The theme as rcParams: seaborn ``whitegrid``/``paper`` plus the briefing's settings."""
    family = register_fonts()
    rc: dict[str, Any] = {}
    rc.update(sns.axes_style("whitegrid"))
    rc.update(sns.plotting_context("paper"))
    rc.update(
        {
            # Concrete names, not the generic "sans-serif": texts keep them, so a figure saved
            # after the theme's context has ended still draws in the theme's font.
            "font.family": list(dict.fromkeys([family, "DejaVu Sans"])),
            "font.sans-serif": [family, *_FALLBACK_FONTS],
            "axes.prop_cycle": cycler(color=PALETTE),
            "axes.edgecolor": "#b6c0cc",
            "axes.linewidth": 0.8,
            "axes.labelcolor": INK,
            "axes.titlecolor": INK,
            "axes.titlesize": 10,
            "axes.titleweight": "bold",
            "axes.titlelocation": "left",
            "axes.titlepad": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.unicode_minus": True,
            "text.color": INK,
            "xtick.color": MUTED,
            "ytick.color": MUTED,
            "xtick.labelcolor": INK,
            "ytick.labelcolor": INK,
            "grid.color": "#e4e9ef",
            "grid.linewidth": 0.6,
            "legend.frameon": False,
            "legend.fontsize": 7.5,
            "figure.dpi": 110,
            "figure.figsize": (A4_WIDTH, 3.6),
            "figure.facecolor": "white",
            "savefig.dpi": 150,
            "savefig.facecolor": "white",
            "savefig.bbox": "tight",
            "savefig.pad_inches": 0.04,
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.fonttype": "path",
            "hatch.color": "#b9c1cb",
            "hatch.linewidth": 0.6,
        }
    )
    return rc


def apply_theme() -> None:
    """Set the briefing theme globally (seaborn theme plus :func:`theme_rc`).

    The plotting functions apply the theme themselves, temporarily; call this for the caller's
    own charts, or so that ``fig.savefig`` uses the theme's 150 dpi.
    """
    rc = theme_rc()
    sns.set_theme(style="whitegrid", context="paper", palette=PALETTE, rc=rc)
    mpl.rcParams.update(rc)


P = ParamSpec("P")
R = TypeVar("R")


def _themed(func: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function inside ``rc_context(theme_rc())``."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(theme_rc()):
            return func(*args, **kwargs)

    return wrapper


def _new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The caller's axes, or one axes on a new (pyplot-free) constrained-layout figure."""
    if ax is not None:  # the caller's axes were made outside the theme: apply its essentials
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return ax.get_figure(root=True), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


# --------------------------------------------------------------------------------------------
# Words and numbers
# --------------------------------------------------------------------------------------------

_DEFAULT_TEXT: dict[str, dict[str, str]] = {
    "plots.observed": {"vi": "Thực tế", "en": "Observed"},
    "plots.forecast": {"vi": "Dự báo", "en": "Forecast"},
    "plots.interval": {"vi": "Khoảng dự báo", "en": "Forecast interval"},
    "plots.interval_level": {"vi": "Khoảng dự báo {level}", "en": "{level} forecast interval"},
    "plots.target": {"vi": "Mục tiêu", "en": "Target"},
    "plots.target_value": {"vi": "Mục tiêu {value}", "en": "Target {value}"},
    "plots.target_deadline": {
        "vi": "Mục tiêu {value} ({deadline})",
        "en": "Target {value} ({deadline})",
    },
    "plots.national": {"vi": "Cả nước", "en": "National"},
    "plots.national_value": {"vi": "Cả nước {value}", "en": "National {value}"},
    "plots.merger": {"vi": "34 tỉnh, thành từ 07/2025", "en": "34 units from 07/2025"},
    "plots.no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "plots.tier_title": {
        "vi": "Nhóm xếp hạng (theo tứ phân vị)",
        "en": "Ranking group (quartiles)",
    },
    "plots.tier_1": {"vi": "Nhóm 1 (tốt nhất)", "en": "Top quarter"},
    "plots.tier_2": {"vi": "Nhóm 2", "en": "Second quarter"},
    "plots.tier_3": {"vi": "Nhóm 3", "en": "Third quarter"},
    "plots.tier_4": {"vi": "Nhóm 4 (kém nhất)", "en": "Bottom quarter"},
    "plots.worst": {"vi": "Kém nhất", "en": "Worst"},
    "plots.best": {"vi": "Tốt nhất", "en": "Best"},
    "plots.count_targets": {"vi": "Số mục tiêu", "en": "Number of targets"},
    "plots.hoang_sa": {"vi": "QĐ. Hoàng Sa", "en": "Hoàng Sa Is."},
    "plots.truong_sa": {"vi": "QĐ. Trường Sa", "en": "Trường Sa Is."},
    "status.achieved": {"vi": "Đã đạt", "en": "Achieved"},
    "status.on_track": {"vi": "Đúng tiến độ", "en": "On track"},
    "status.at_risk": {"vi": "Có nguy cơ", "en": "At risk"},
    "status.off_track": {"vi": "Chậm tiến độ", "en": "Off track"},
    "status.no_target": {"vi": "Chưa có mục tiêu", "en": "No target"},
    "status.no_data": {"vi": "Chưa có số liệu", "en": "No data"},
}
"""Labels used when the message catalog lacks them (the catalog wins when it has them)."""

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _lang(lang: str | None) -> str:
    return i18n.normalize_lang(lang)


def _text(key: str, lang: str, **kwargs: Any) -> str:
    """Message ``key`` from the catalog, else from :data:`_DEFAULT_TEXT`."""
    if i18n.has_message(key):
        return i18n.t(key, lang, **kwargs)
    return _DEFAULT_TEXT[key][lang].format(**kwargs)


def _decimals_for(x: float, max_decimals: int = 2) -> int:
    """The fewest decimals (up to ``max_decimals``) that write ``x`` exactly."""
    for d in range(max_decimals + 1):
        if abs(x - round(x, d)) < 1e-9:
            return d
    return max_decimals


def fmt_value(value: Any, lang: str = "vi", unit: str | None = "%", decimals: int = 1) -> str:
    """A value with its unit, the reader's way: ``45,0%`` (vi), ``45.0%`` (en), ``—`` if missing.

    Parameters
    ----------
    value
        The number (percentages in percent units: ``45.03`` for 45.03 %).
    lang
        ``"vi"`` or ``"en"``.
    unit
        ``"%"`` for percent formatting, another unit to append after a space, or ``None``.
    decimals
        Fixed number of decimals.
    """
    lang = _lang(lang)
    if i18n.is_missing(value):
        return i18n.MISSING
    if unit == "%":
        return i18n.fmt_percent(value, lang, decimals)
    text = i18n.fmt_decimal(value, lang, decimals)
    return f"{text} {unit}" if unit else text


def _tick_formatter(lang: str, unit: str | None = None) -> FuncFormatter:
    """Axis ticks with the reader's decimal mark and as few decimals as the tick needs."""

    def fmt(x: float, _pos: int | None = None) -> str:
        d = _decimals_for(x)
        if unit == "%":
            return i18n.fmt_percent(x, lang, d)
        return i18n.fmt_decimal(x, lang, d)

    return FuncFormatter(fmt)


def _month_label(period: pd.Period, lang: str) -> str:
    """``07/2025`` (vi) or ``Jul 2025`` (en)."""
    if lang == "en":
        return f"{_MONTHS_EN[period.month - 1]} {period.year}"
    return f"{period.month:02d}/{period.year}"


def _indicator(frame: pd.DataFrame) -> Any | None:
    """The catalog entry of the (single) indicator in ``frame``, or ``None``."""
    if "indicator" not in frame or frame["indicator"].dropna().empty:
        return None
    from analysis.reference import catalog

    try:
        return catalog.get(str(frame["indicator"].dropna().iloc[0]))
    except KeyError:
        return None


def _luminance(color: Any) -> float:
    r, g, b = mcolors.to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_color_on(color: Any) -> str:
    return "white" if _luminance(color) < 0.56 else INK


def _name_key(name: str) -> str:
    return fold(str(name))


# --------------------------------------------------------------------------------------------
# Ranking bars
# --------------------------------------------------------------------------------------------


@_themed
def rank_bar_chart(
    comparison: pd.DataFrame,
    highlight: str | None,
    *,
    lang: str = "vi",
    title: str | None = None,
    ax: Axes | None = None,
    xlabel: str | None = None,
    decimals: int = 1,
    show_rank: bool = True,
    label_all: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Horizontal bars of every province on one indicator, best on top.

    Parameters
    ----------
    comparison
        One indicator's rows of :func:`analysis.analyses.compare.compare_indicator` (columns
        ``province``, ``province_name``, ``value``, ``rank``; optional ``national_value``,
        ``target``, ``indicator``).
    highlight
        Codename of the province the briefing is for (drawn in :data:`HIGHLIGHT`, value in bold),
        or ``None``.
    lang
        ``"vi"`` (default) or ``"en"``.
    title
        Axes title; ``None`` for none (reports usually caption the figure instead).
    ax
        Axes to draw on; by default a new figure :data:`A4_WIDTH` wide, tall enough for the rows.
    xlabel
        Value axis label; by default the indicator's short name and unit from the catalog.
    decimals
        Decimals of the value labels.
    show_rank
        Prefix province names with their rank (``5. Nghệ An``).
    label_all
        Write every bar's value (the highlighted one is always labelled).
    figsize
        Size of the new figure.

    Returns
    -------
    matplotlib.figure.Figure
        Provinces without data are listed at the bottom, marked "no data"; the national value
        is a dashed line and the target (if any) a green dash-dot line, both labelled above the
        top bar.
    """
    lang = _lang(lang)
    ind = _indicator(comparison)
    unit = ind.unit if ind is not None else "%"
    if "indicator" in comparison and comparison["indicator"].nunique() > 1:
        raise ValueError("rank_bar_chart draws one indicator; filter the comparison first")

    df = comparison.copy()
    df["sort_key_"] = df["province_name"].map(_name_key)
    df["rank_num_"] = pd.to_numeric(df.get("rank"), errors="coerce")
    have = df[df["value"].notna()].sort_values(
        ["rank_num_", "value", "sort_key_"], na_position="last"
    )
    missing = df[df["value"].isna()].sort_values("sort_key_")
    n = len(have) + len(missing)
    fig, ax = _new_axes(ax, figsize or (A4_WIDTH, 1.15 + 0.165 * max(n, 4)))

    y_have = np.arange(len(have))
    colors = [HIGHLIGHT if p == highlight else BAR for p in have["province"]]
    bars = ax.barh(y_have, have["value"].to_numpy(float), height=0.7, color=colors, zorder=2)
    for patch, province in zip(bars.patches, have["province"], strict=True):
        patch.set_gid(f"bar:{province}")

    labels = []
    for row in have.itertuples():
        rank = f"{int(row.rank_num_)}. " if show_rank and pd.notna(row.rank_num_) else ""
        labels.append(f"{rank}{row.province_name}")
    labels += list(missing["province_name"])
    ax.set_yticks(np.arange(n), labels)
    ax.tick_params(axis="y", length=0, pad=3, labelsize=7)
    ax.tick_params(axis="x", labelsize=7)

    # Value axis: from zero (or the lowest value when negative) with room for the labels.
    values = have["value"].to_numpy(float)
    refs = [v for v in (_first(df, "national_value"), _first(df, "target")) if pd.notna(v)]
    top = max([*values, *refs, 0.0]) if len(values) or refs else 1.0
    bottom = min([*values, 0.0]) if len(values) else 0.0
    span = (top - bottom) or 1.0
    ax.set_xlim(bottom, top + 0.13 * span)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    if ind is not None and ind.bounds[1] < ax.get_xlim()[1]:
        ticks = [t for t in ax.get_xticks() if bottom - 1e-9 <= t <= ind.bounds[1] + 1e-9]
        ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(_tick_formatter(lang, unit if unit == "%" else None))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.spines["left"].set_visible(False)
    ax.set_ylim(n - 0.4, -0.6)  # best on top

    pad = 0.006 * (ax.get_xlim()[1] - ax.get_xlim()[0])
    for yy, row in zip(y_have, have.itertuples(), strict=True):
        is_hl = row.province == highlight
        if not (label_all or is_hl):
            continue
        text = (
            fmt_value(row.value, lang, unit, decimals)
            if is_hl
            else i18n.fmt_decimal(row.value, lang, decimals)
        )
        ax.text(
            max(row.value, 0) + pad,
            yy,
            text,
            va="center",
            ha="left",
            fontsize=7 if is_hl else 6.3,
            color=HIGHLIGHT if is_hl else MUTED,
            fontweight="bold" if is_hl else "normal",
            zorder=4,
            bbox={"boxstyle": "square,pad=0.08", "fc": "white", "ec": "none", "alpha": 0.9},
        )
    for yy in range(len(have), n):
        ax.text(
            bottom + pad,
            yy,
            _text("plots.no_data", lang),
            va="center",
            ha="left",
            fontsize=6.5,
            color=FAINT,
            fontstyle="italic",
        )
    for tick, province in zip(
        ax.get_yticklabels(), [*have["province"], *missing["province"]], strict=True
    ):
        if province == highlight:
            tick.set_color(HIGHLIGHT)
            tick.set_fontweight("bold")
        elif province in set(missing["province"]):
            tick.set_color(FAINT)

    label_rows = _reference_lines(ax, df, lang, unit, decimals)
    ax.set_ylim(n - 0.4, -0.6 - 0.95 * label_rows)  # free rows for line labels
    ax.set_xlabel(xlabel if xlabel is not None else _value_label(ind, lang), fontsize=7.5)
    if title:
        ax.set_title(title)
    return fig


def _first(df: pd.DataFrame, column: str) -> float:
    if column not in df:
        return float("nan")
    s = pd.to_numeric(df[column], errors="coerce").dropna()
    return float(s.iloc[0]) if len(s) else float("nan")


def _value_label(ind: Any | None, lang: str) -> str:
    if ind is None:
        return ""
    return f"{ind.short(lang)} ({ind.unit})" if ind.unit else ind.short(lang)


def _reference_lines(ax: Axes, df: pd.DataFrame, lang: str, unit: str, decimals: int) -> int:
    """National (dashed) and target (dash-dot) lines, labelled in free rows above the bars.

    Returns the number of label rows used (0, 1 or 2): labels go beside their line, on the
    side with room, and onto a second row only when they would otherwise collide.
    """
    lo, hi = ax.get_xlim()
    lines = []
    national = _first(df, "national_value")
    if pd.notna(national):
        ax.axvline(national, color=INK, lw=0.9, ls=(0, (4, 2.5)), zorder=3)
        label = _text("plots.national_value", lang, value=fmt_value(national, lang, unit, decimals))
        lines.append((national, label, INK))
    target = _first(df, "target")
    if pd.notna(target):
        ax.axvline(target, color=TARGET_COLOR, lw=1.1, ls=(0, (6, 2, 1.5, 2)), zorder=3)
        value = fmt_value(target, lang, unit, _decimals_for(target, decimals))
        lines.append((target, _text("plots.target_value", lang, value=value), TARGET_COLOR))
    if not lines:
        return 0
    lines.sort(key=lambda item: item[0])

    # Label extents in axes fractions (7 pt bold: about 0.6 em a character; the axes take
    # about 78 % of the figure width beside the province names).
    axes_pt = ax.get_figure(root=True).get_figwidth() * 72 * 0.78
    off = 0.008
    fracs = [(x - lo) / (hi - lo) for x, _, _ in lines]
    widths = [len(text) * 7 * 0.6 / axes_pt for _, text, _ in lines]

    def span(i: int, side: str) -> tuple[float, float]:
        f, w = fracs[i], widths[i]
        return (f + off, f + off + w) if side == "right" else (f - off - w, f - off)

    def fits(i: int, side: str) -> bool:
        a, b = span(i, side)
        return a >= -0.02 and b <= 1.0

    if len(lines) == 1:
        plan = [("right" if fits(0, "right") else "left", 0)]
    else:
        plan = None
        for sides in (("left", "right"), ("right", "right"), ("left", "left")):
            if fits(0, sides[0]) and fits(1, sides[1]):
                if span(0, sides[0])[1] + 0.01 < span(1, sides[1])[0]:
                    plan = [(sides[0], 0), (sides[1], 0)]
                    break
        if plan is None:  # too close together: the second label one row higher
            plan = [
                ("right" if fits(0, "right") else "left", 0),
                ("right" if fits(1, "right") else "left", 1),
            ]
    for (x, label, color), (side, row) in zip(lines, plan, strict=True):
        dx = off * (hi - lo)
        ax.text(
            x + dx if side == "right" else x - dx,
            -1.05 - 0.95 * row,
            label,
            ha="left" if side == "right" else "right",
            va="center",
            fontsize=7,
            color=color,
            fontweight="bold",
            zorder=5,
            bbox={"boxstyle": "square,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )
    return 1 + max(row for _, row in plan)


# --------------------------------------------------------------------------------------------
# Trend with forecast fan
# --------------------------------------------------------------------------------------------


def path_from_json(path_json: Any) -> pd.DataFrame:
    """A forecast path from a batch row's ``path_json`` (index Period, mean/lower/upper).

    Parameters
    ----------
    path_json
        JSON text of a list of ``{period, mean, lower, upper}`` records (as written by
        :func:`analysis.forecast.forecast_batch`), the decoded list, or ``None``/NaN/``""``.

    Returns
    -------
    pandas.DataFrame
        Indexed by a ``PeriodIndex`` named ``period`` (monthly for ``2026-12``, annual for
        ``2026``); columns ``mean``, ``lower``, ``upper`` as floats (``null`` becomes NaN).
        Empty when there is no path.
    """
    empty = pd.DataFrame(
        {c: pd.Series(dtype=float) for c in ("mean", "lower", "upper")},
        index=pd.PeriodIndex([], freq="M", name="period"),
    )
    if path_json is None or (isinstance(path_json, float) and np.isnan(path_json)):
        return empty
    if isinstance(path_json, str | bytes):
        if not path_json.strip():
            return empty
        path_json = json.loads(path_json)
    records = list(path_json or [])
    if not records:
        return empty
    periods = [pd.Period(str(r["period"])) for r in records]
    out = pd.DataFrame(
        {
            c: [np.nan if r.get(c) is None else float(r[c]) for r in records]
            for c in ("mean", "lower", "upper")
        },
        index=pd.PeriodIndex(periods, name="period"),
    )
    return out


def _to_month(p: Any) -> pd.Period:
    """A month: monthly periods as they are, longer periods by their last month."""
    if isinstance(p, pd.Timestamp | np.datetime64):
        return pd.Period(pd.Timestamp(p), freq="M")
    per = p if isinstance(p, pd.Period) else pd.Period(str(p))
    return per if per.freqstr == "M" else per.asfreq("M", how="end")


def _is_annual(index: pd.Index) -> bool:
    return isinstance(index, pd.PeriodIndex) and index.freqstr[0] in ("Y", "A")


def _month_ordinals(index: Iterable[Any]) -> np.ndarray:
    return np.array([_to_month(p).ordinal for p in index], dtype=float)


def _clean_series(s: pd.Series | None) -> pd.Series:
    if s is None:
        return pd.Series(dtype=float)
    s = pd.to_numeric(s, errors="coerce").dropna()
    if isinstance(s.index, pd.DatetimeIndex):
        s.index = s.index.to_period("M")
    return s.sort_index()


@_themed
def trend_fan_chart(
    history: pd.Series,
    forecast_path: pd.DataFrame | None,
    *,
    target: float | None = None,
    deadline: pd.Period | str | None = None,
    title: str | None = None,
    lang: str = "vi",
    ax: Axes | None = None,
    national: pd.Series | None = None,
    unit: str | None = "%",
    decimals: int = 1,
    level: float | None = None,
    series_label: str | None = None,
    ylabel: str | None = None,
    upper_bound: float | None = 100.0,
    show_merger: bool = True,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """Observed monthly series, its forecast to the deadline as a fan, and the target.

    Parameters
    ----------
    history
        Observed values indexed by a monthly ``PeriodIndex`` (annual periods are drawn at their
        last month; a ``DatetimeIndex`` is read by month). History before 07/2025 is the one
        carried onto the 34 units.
    forecast_path
        ``ForecastResult.path`` or :func:`path_from_json` output (index Period, columns
        ``mean``, ``lower``, ``upper``); ``None`` or empty for no forecast.
    target
        Target value: a horizontal green line, with a diamond at the deadline.
    deadline
        Deadline of the target (``"2026-12"``, a Period, or a year).
    title
        Axes title, or ``None``.
    lang
        ``"vi"`` (default) or ``"en"``.
    ax
        Axes to draw on; by default a new figure :data:`A4_WIDTH` x 3.2 in.
    national
        National series, drawn as a thin grey line.
    unit
        ``"%"`` (tick labels ``80%``), another unit for the axis label, or ``None``.
    decimals
        Decimals of the value labels.
    level
        Coverage of the forecast interval (``0.8``), written in the legend when given.
    series_label
        Legend label of the observed line (e.g. the province name); default "Observed".
    ylabel
        Value axis label; by default none for percentages (the ticks carry ``%``).
    upper_bound
        Natural maximum of the quantity: the axis stops just above it (``None`` to disable).
    show_merger
        Mark 07/2025, the first month of the 34 units, with a dotted line when in range.
    figsize
        Size of the new figure.

    Returns
    -------
    matplotlib.figure.Figure
    """
    lang = _lang(lang)
    own_figure = ax is None
    fig, ax = _new_axes(ax, figsize or (A4_WIDTH, 3.3))
    hist = _clean_series(history)
    path = forecast_path if forecast_path is not None else pd.DataFrame()
    path = path.dropna(subset=["mean"]) if "mean" in path else pd.DataFrame()
    nat = _clean_series(national)
    # Annual data (e.g. the digital-economy share): points at December, ticks by year.
    annual = _is_annual(hist.index if len(hist) else path.index)

    xs: list[float] = []
    ys: list[float] = []
    handles: list[Any] = []
    if len(nat):
        x_nat = _month_ordinals(nat.index)
        (line,) = ax.plot(
            x_nat,
            nat.to_numpy(float),
            color=FAINT,
            lw=1.1,
            zorder=2,
            label=_text("plots.national", lang),
        )
        handles.append(line)
        xs += list(x_nat)
        ys += list(nat)

    x_obs = _month_ordinals(hist.index)
    y_obs = hist.to_numpy(float)
    if len(hist):
        (obs_line,) = ax.plot(
            x_obs,
            y_obs,
            color=PRIMARY,
            lw=1.9,
            zorder=4,
            label=series_label or _text("plots.observed", lang),
        )
        ax.plot(x_obs[-1:], y_obs[-1:], "o", color=PRIMARY, ms=4, zorder=5)
        handles.insert(0, obs_line)
        xs += list(x_obs)
        ys += list(y_obs)

    if len(path):
        x_f = _month_ordinals(path.index)
        mean = path["mean"].to_numpy(float)
        lower = path.get("lower", path["mean"]).to_numpy(float)
        upper = path.get("upper", path["mean"]).to_numpy(float)
        if len(hist) and x_obs[-1] < x_f[0]:  # start the forecast at the last observation
            x_f = np.r_[x_obs[-1], x_f]
            mean, lower, upper = (np.r_[y_obs[-1], a] for a in (mean, lower, upper))
        ok = ~(np.isnan(lower) | np.isnan(upper))
        if ok.any():
            fan = ax.fill_between(
                x_f[ok], lower[ok], upper[ok], color=PRIMARY, alpha=0.16, lw=0, zorder=1
            )
            if level is not None:
                fan.set_label(
                    _text(
                        "plots.interval_level", lang, level=i18n.fmt_percent(100 * level, lang, 0)
                    )
                )
            else:
                fan.set_label(_text("plots.interval", lang))
            ys += list(lower[ok]) + list(upper[ok])
        (f_line,) = ax.plot(
            x_f,
            mean,
            color=PRIMARY,
            lw=1.6,
            ls=(0, (4, 2)),
            zorder=4,
            label=_text("plots.forecast", lang),
        )
        ax.plot(x_f[-1:], mean[-1:], "o", mfc="white", mec=PRIMARY, ms=4, zorder=5)
        handles[1:1] = [f_line] + ([fan] if ok.any() else [])
        xs += list(x_f)
        ys += list(mean)

    if deadline is not None and i18n.is_missing(deadline):
        deadline = None
    x_deadline = _to_month(deadline).ordinal if deadline is not None else None
    if target is not None and pd.notna(target):
        ax.axhline(target, color=TARGET_COLOR, lw=1.0, ls=(0, (6, 2, 1.5, 2)), zorder=3)
        value = fmt_value(target, lang, unit, _decimals_for(float(target), decimals))
        if x_deadline is not None:
            ax.plot(
                [x_deadline],
                [target],
                "D",
                color=TARGET_COLOR,
                ms=5.5,
                mec="white",
                mew=0.8,
                zorder=6,
            )
            label = _text(
                "plots.target_deadline",
                lang,
                value=value,
                deadline=str(_to_month(deadline).year)
                if annual
                else _month_label(pd.Period(ordinal=int(x_deadline), freq="M"), lang),
            )
            xs.append(float(x_deadline))
        else:
            label = _text("plots.target_value", lang, value=value)
        handles.append(
            Line2D(
                [],
                [],
                color=TARGET_COLOR,
                lw=1.0,
                ls=(0, (6, 2, 1.5, 2)),
                marker="D" if x_deadline is not None else None,
                ms=4.5,
                mec="white",
                label=label,
            )
        )
        ys.append(float(target))

    if not xs:  # nothing to draw: an empty, labelled frame
        ax.text(
            0.5,
            0.5,
            _text("plots.no_data", lang),
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=FAINT,
            fontstyle="italic",
        )
        ax.set_xticks([])
        ax.yaxis.set_major_formatter(_tick_formatter(lang, unit if unit == "%" else None))
        if title:
            ax.set_title(title)
        return fig

    x_lo, x_hi = min(xs), max(xs)
    ax.set_xlim(x_lo - 0.8, x_hi + 1.2)
    y_lo, y_hi = float(np.nanmin(ys)), float(np.nanmax(ys))
    span = max(y_hi - y_lo, 1e-6)
    top = y_hi + 0.12 * span
    if upper_bound is not None and y_hi <= upper_bound + 1e-9:
        top = min(top, upper_bound + 0.04 * span + 0.5)
    ax.set_ylim(max(y_lo - 0.12 * span, 0.0) if y_lo >= 0 else y_lo - 0.12 * span, top)

    _month_axis(ax, x_lo, x_hi, lang, annual=annual)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(_tick_formatter(lang, unit if unit == "%" else None))
    ax.tick_params(labelsize=7.5)
    ax.grid(axis="x", visible=False)
    if ylabel is not None or (unit and unit != "%"):
        ax.set_ylabel(ylabel if ylabel is not None else unit, fontsize=7.5)

    if show_merger:
        _merger_line(ax, x_lo, x_hi, lang)
    if len(hist):  # the latest observed value, next to its dot
        ax.annotate(
            fmt_value(y_obs[-1], lang, unit, decimals),
            (x_obs[-1], y_obs[-1]),
            xytext=(-4, 6),
            textcoords="offset points",
            ha="right",
            va="bottom",
            fontsize=7,
            color=PRIMARY,
            fontweight="bold",
            zorder=7,
            bbox={"boxstyle": "square,pad=0.1", "fc": "white", "ec": "none", "alpha": 0.8},
        )
    if own_figure:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncol=min(len(handles), 5),
            fontsize=7,
            handlelength=2.4,
            columnspacing=1.6,
        )
    else:
        ax.legend(
            handles=handles,
            loc="best",
            ncol=2 if len(handles) > 3 else 1,
            fontsize=7,
            handlelength=2.4,
            borderaxespad=0.3,
        )
    if title:
        ax.set_title(title)
    return fig


def _month_axis(ax: Axes, x_lo: float, x_hi: float, lang: str, annual: bool = False) -> None:
    """Month ticks every 3, 6 or 12 months depending on the span; labels ``07/2025``.

    With ``annual``, one tick per year (or every other year) at December, labelled ``2025``.
    """
    if annual:
        years = range(
            pd.Period(ordinal=int(np.ceil(x_lo)), freq="M").year,
            pd.Period(ordinal=int(np.floor(x_hi)), freq="M").year + 1,
        )
        step = 1 if len(years) <= 10 else 2
        ticks = [pd.Period(f"{y}-12", freq="M").ordinal for y in years[::step]]
        ax.set_xticks(ticks)
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _pos: str(pd.Period(ordinal=int(round(x)), freq="M").year))
        )
        return
    months = x_hi - x_lo
    step = 3 if months <= 20 else 6 if months <= 54 else 12
    first = pd.Period(ordinal=int(np.floor(x_lo)), freq="M")
    start = first.ordinal + (-(first.month - 1) % step)
    ticks = np.arange(start, x_hi + 1, step)
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(
        FuncFormatter(
            lambda x, _pos: _month_label(pd.Period(ordinal=int(round(x)), freq="M"), lang)
        )
    )


def _merger_line(ax: Axes, x_lo: float, x_hi: float, lang: str) -> None:
    x = float(geography.MERGER_PERIOD.ordinal)
    if not (x_lo < x <= x_hi):
        return
    ax.axvline(x, color=MUTED, lw=0.9, ls=(0, (1, 1.6)), zorder=2)
    ax.text(
        x + 0.35,
        0.03,
        _text("plots.merger", lang),
        transform=ax.get_xaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=6.5,
        color=MUTED,
        zorder=6,
        bbox={"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
    )


# --------------------------------------------------------------------------------------------
# Heatmap of tiers
# --------------------------------------------------------------------------------------------


def _province_order() -> pd.DataFrame:
    """The 34 units ordered by region (reference order) then name."""
    prov = geography.provinces("34")[["code", "codename", "name", "region"]].copy()
    order = geography.regions().set_index("region")["order"].astype(int)
    prov["_region_order"] = prov["region"].map(order)
    prov["_key"] = prov["name"].map(_name_key)
    return prov.sort_values(["_region_order", "_key"]).reset_index(drop=True)


@_themed
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
    lang = _lang(lang)
    if value not in ("tier", "value"):
        raise ValueError("value must be 'tier' or 'value'")
    if comparison_all.empty or "indicator" not in comparison_all:
        raise ValueError("heatmap needs comparison rows of at least one indicator")
    from analysis.reference import catalog

    rows = _province_order()
    ids = indicators or list(dict.fromkeys(comparison_all["indicator"].dropna().astype(str)))
    frame = comparison_all[comparison_all["indicator"].isin(ids)]
    vals = frame.pivot_table(
        index="province", columns="indicator", values="value", aggfunc="first", dropna=False
    )
    vals = vals.reindex(index=rows["codename"], columns=ids).astype(float)
    tiers = frame.assign(tier=pd.to_numeric(frame["tier"], errors="coerce")).pivot_table(
        index="province", columns="indicator", values="tier", aggfunc="first", dropna=False
    )
    tiers = tiers.reindex(index=rows["codename"], columns=ids).astype(float)

    n_rows, n_cols = vals.shape
    fig, ax = _new_axes(ax, figsize or (A4_WIDTH, 1.9 + 0.168 * n_rows))

    if value == "tier":
        colour_index = tiers.to_numpy()
        cmap = mcolors.ListedColormap([TIER_COLORS[k] for k in (1, 2, 3, 4)])
        norm = mcolors.BoundaryNorm([0.5, 1.5, 2.5, 3.5, 4.5], cmap.N)
    else:
        scaled = pd.DataFrame(index=vals.index, columns=vals.columns, dtype=float)
        for col in ids:
            v = vals[col]
            lo, hi = v.min(), v.max()
            s = (v - lo) / (hi - lo) if hi > lo else v * 0 + 0.5
            try:
                if not catalog.get(col).higher_is_better:
                    s = 1 - s
            except KeyError:
                pass
            scaled[col] = s
        colour_index = scaled.to_numpy(float)
        cmap, norm = TIER_CMAP, mcolors.Normalize(0, 1)
    colour_index = colour_index.astype(float)

    # Row positions, with a gap between regions.
    gap = 0.35 if show_regions else 0.0
    region_codes = rows["region"].to_numpy()
    y_top = np.zeros(n_rows)
    pos = 0.0
    for i in range(n_rows):
        if i and region_codes[i] != region_codes[i - 1]:
            pos += gap
        y_top[i] = pos
        pos += 1.0
    # Annotations shrink with the cell width; below a legible size the colours speak alone.
    ax_w = ax.get_position().width * fig.get_figwidth()
    cell_pt = 72 * max(ax_w - 1.9, 0.5) / max(n_cols, 1)
    cell_font = min(5.8, cell_pt / 3.4)
    annotate = cell_font >= 4.2
    cells, faces = [], []
    for i in range(n_rows):
        for j in range(n_cols):
            c = colour_index[i, j]
            colour = cmap(norm(c)) if np.isfinite(c) else mcolors.to_rgba(MISSING_COLOR)
            cells.append(Rectangle((j, y_top[i]), 1, 1))
            faces.append(colour)
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
                color=_text_color_on(colour) if pd.notna(v) else FAINT,
            )
            label.set_in_layout(False)
    ax.add_collection(
        PatchCollection(cells, facecolors=faces, edgecolors="white", lw=0.7, gid="heatmap-cells"),
        autolim=False,
    )
    ax.set_xlim(0, n_cols)
    ax.set_ylim(pos, 0)

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

    if highlight is not None and highlight in set(rows["codename"]):
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

    if show_regions:
        for region, idx in rows.groupby("region", sort=False).groups.items():
            first, last = min(idx), max(idx)
            y0, y1 = y_top[first] + 0.1, y_top[last] + 0.9
            x = n_cols + 0.18
            ax.plot([x, x], [y0, y1], color=FAINT, lw=0.8, clip_on=False)
            label = "\n".join(textwrap.wrap(geography.region_name(region, lang), 14))
            ax.text(
                x + 0.15,
                (y0 + y1) / 2,
                label,
                ha="left",
                va="center",
                fontsize=6,
                color=MUTED,
                linespacing=1.1,
                clip_on=False,
            )

    if value == "tier":
        handles = [
            Patch(facecolor=TIER_COLORS[k], edgecolor="none", label=_text(f"plots.tier_{k}", lang))
            for k in (1, 2, 3, 4)
        ]
        handles.append(
            Patch(facecolor=MISSING_COLOR, edgecolor="none", label=_text("plots.no_data", lang))
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
            title=_text("plots.tier_title", lang),
            title_fontsize=6.5,
            borderaxespad=0.2,
        )
    else:
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
        cbar.set_ticks([0, 1], labels=[_text("plots.worst", lang), _text("plots.best", lang)])
        cbar.ax.tick_params(labelsize=6.5, length=0)
        cbar.outline.set_visible(False)
    if title:
        ax.set_title(title)
    return fig


def _column_name(indicator_id: str, lang: str) -> str:
    from analysis.reference import catalog

    try:
        name = catalog.get(indicator_id).short(lang)
    except KeyError:
        name = indicator_id
    return name


# --------------------------------------------------------------------------------------------
# Tile map
# --------------------------------------------------------------------------------------------


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


@_themed
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
        Colour scale limits; default the data's range.
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

    Returns
    -------
    matplotlib.figure.Figure
        Each tile shows the unit's abbreviation (:data:`TILE_ABBR`) and value; tiles without
        data are light grey and hatched.
    """
    lang = _lang(lang)
    data = _as_values(values)
    unknown = sorted(set(data) - set(TILE_GRID))
    if unknown:
        raise KeyError(f"not codenames of the 34 units: {', '.join(unknown)}")
    fig, ax = _new_axes(ax, figsize or (5.0, 6.4))
    colormap = mpl.colormaps[cmap] if isinstance(cmap, str) else (cmap or TILE_CMAP)
    finite = list(data.values())
    lo = vmin if vmin is not None else (min(finite) if finite else 0.0)
    hi = vmax if vmax is not None else (max(finite) if finite else 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    norm = mcolors.Normalize(lo, hi)
    fmt = fmt or (lambda v: i18n.fmt_decimal(v, lang, decimals))

    n_rows = max(r for r, _ in TILE_GRID.values()) + 1
    n_cols = max(c for _, c in TILE_GRID.values()) + 2  # one column of sea on the east
    inset = 0.05
    for codename, (row, col) in TILE_GRID.items():
        v = data.get(codename)
        has = v is not None
        face = colormap(norm(v)) if has else MISSING_COLOR
        is_hl = codename == highlight
        tile = FancyBboxPatch(
            (col + inset, row + inset),
            1 - 2 * inset,
            1 - 2 * inset,
            boxstyle="round,pad=0,rounding_size=0.07",
            facecolor=face,
            edgecolor=HIGHLIGHT if is_hl else ("#c5ccd5" if not has else "white"),
            lw=2.6 if is_hl else 0.6,
            hatch=None if has else "/////",
            zorder=3 if is_hl else 2,
            gid=f"tile:{codename}",
        )
        ax.add_patch(tile)
        ink = _text_color_on(face) if has else MUTED
        for text in (
            ax.text(
                col + 0.5,
                row + 0.40,
                TILE_ABBR[codename],
                ha="center",
                va="center",
                fontsize=8,
                fontweight="bold",
                color=ink,
                zorder=4,
            ),
            ax.text(
                col + 0.5,
                row + 0.71,
                fmt(v) if has else i18n.MISSING,
                ha="center",
                va="center",
                fontsize=6.8,
                color=ink,
                zorder=4,
            ),
        ):
            text.set_in_layout(False)

    if show_islands:
        for key, (row, col) in _ISLANDS.items():
            dx, dy = _ISLAND_DOTS.T
            ax.scatter(col + dx, row - 0.3 + dy, s=4, color=FAINT, lw=0, zorder=2)
            ax.text(
                col,
                row + 0.12,
                _text(f"plots.{key}", lang),
                ha="center",
                va="top",
                fontsize=6,
                color=FAINT,
                fontstyle="italic",
                zorder=2,
            )

    ax.set_xlim(-0.1, n_cols + 0.1)
    ax.set_ylim(n_rows + 0.1, -0.1)
    ax.set_aspect(_TILE_ASPECT)
    ax.axis("off")

    # Colour bar and the no-data key in the empty south-east (the sea), in data coordinates.
    cax = ax.inset_axes((4.05, 11.05, 2.7, 0.28), transform=ax.transData)
    sm = mpl.cm.ScalarMappable(norm=norm, cmap=colormap)
    cbar = fig.colorbar(sm, cax=cax, orientation="horizontal")
    cbar.ax.xaxis.set_major_locator(MaxNLocator(nbins=4, steps=[1, 2, 2.5, 5, 10]))
    cbar.ax.xaxis.set_major_formatter(_tick_formatter(lang, unit if unit == "%" else None))
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
        edgecolor="#c5ccd5",
        hatch="/////",
        lw=0.6,
    )
    ax.add_patch(key)
    ax.text(
        4.68, 12.27, _text("plots.no_data", lang), ha="left", va="center", fontsize=6.8, color=MUTED
    )
    if title:
        ax.set_title(title)
    return fig


# --------------------------------------------------------------------------------------------
# Status counts
# --------------------------------------------------------------------------------------------


def _statuses(forecasts: Any) -> list[str]:
    if isinstance(forecasts, pd.DataFrame):
        return [str(s) for s in forecasts["status"].dropna()]
    if isinstance(forecasts, pd.Series):
        return [str(s) for s in forecasts.dropna()]
    out = []
    for item in forecasts:
        s = getattr(item, "status", item)
        if isinstance(item, Mapping):
            s = item.get("status")
        if s is not None and not (isinstance(s, float) and np.isnan(s)):
            out.append(str(s))
    return out


@_themed
def status_bar(
    forecasts: pd.DataFrame | pd.Series | Iterable[Any],
    *,
    lang: str = "vi",
    title: str | None = None,
    ax: Axes | None = None,
    figsize: tuple[float, float] | None = None,
) -> Figure:
    """How many of a province's targets are achieved, on track, at risk or off track.

    Parameters
    ----------
    forecasts
        Forecast batch rows of one province (column ``status``), a Series of statuses, or an
        iterable of statuses, ``ForecastResult`` objects or dicts with a ``status``.
    lang
        ``"vi"`` (default) or ``"en"``.
    title
        Axes title, or ``None``.
    ax
        Axes to draw on; by default a new figure :data:`A4_WIDTH` x 1.7 in.
    figsize
        Size of the new figure.

    Returns
    -------
    matplotlib.figure.Figure
        One bar per status in the order achieved, on track, at risk, off track (other statuses
        after, in grey), each labelled with its count.
    """
    lang = _lang(lang)
    statuses = _statuses(forecasts)
    counts = pd.Series(statuses, dtype=object).value_counts()
    order = list(STATUS_ORDER) + sorted(set(counts.index) - set(STATUS_ORDER))
    n = [int(counts.get(s, 0)) for s in order]
    fig, ax = _new_axes(ax, figsize or (A4_WIDTH, 0.75 + 0.24 * len(order)))
    y = np.arange(len(order))
    ax.barh(y, n, height=0.62, color=[STATUS_COLORS.get(s, FAINT) for s in order], zorder=2)
    labels = [
        _text(f"status.{s}", lang)
        if (f"status.{s}" in _DEFAULT_TEXT or i18n.has_message(f"status.{s}"))
        else s
        for s in order
    ]
    ax.set_yticks(y, labels)
    ax.set_ylim(len(order) - 0.5, -0.5)
    top = max(n + [1])
    ax.set_xlim(0, top * 1.12 + 0.3)
    for yy, count in zip(y, n, strict=True):
        ax.text(
            count + top * 0.015 + 0.05,
            yy,
            i18n.fmt_number(count, lang),
            va="center",
            ha="left",
            fontsize=7.5,
            fontweight="bold",
            color=INK,
        )
    ax.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: i18n.fmt_number(x, lang)))
    ax.tick_params(axis="y", length=0, labelsize=7.5)
    ax.tick_params(axis="x", labelsize=7)
    ax.grid(axis="y", visible=False)
    ax.spines["left"].set_visible(False)
    ax.set_xlabel(_text("plots.count_targets", lang), fontsize=7.5)
    if title:
        ax.set_title(title)
    return fig


__all__ = [
    "A4_WIDTH",
    "HIGHLIGHT",
    "PALETTE",
    "PRIMARY",
    "STATUS_COLORS",
    "STATUS_ORDER",
    "TIER_COLORS",
    "TILE_ABBR",
    "TILE_GRID",
    "apply_theme",
    "fmt_value",
    "heatmap",
    "path_from_json",
    "rank_bar_chart",
    "register_fonts",
    "status_bar",
    "theme_rc",
    "tile_map",
    "trend_fan_chart",
]


def show(fig: Figure, dpi: int = 200) -> None:
    """Display a figure as an embedded PNG and release it.

    Figures here are built without pyplot, so IPython's inline hook may not know them; an
    explicit PNG (sharp at print size) works the same in JupyterLab, papermill, HTML and PDF.
    """
    import io

    from IPython.display import Image, display

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    display(Image(data=buf.getvalue(), format="png", width=int(fig.get_figwidth() * 96)))
    plt.close(fig)  # a no-op for figures built without pyplot


@_themed
def rank_and_map(
    comparison: pd.DataFrame,
    highlight: str | None,
    *,
    lang: str = "vi",
    title: str | None = None,
    figsize: tuple[float, float] = (A4_WIDTH, 5.0),
) -> Figure:
    """The rank bars and the tile map of one indicator side by side (one briefing figure)."""
    fig = Figure(figsize=figsize, layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.0, 1.0]})
    rank_bar_chart(comparison, highlight, lang=lang, ax=left, label_all=False)
    values = comparison.set_index("province")["value"]
    tile_map(values, highlight=highlight, lang=lang, ax=right, show_islands=False)
    if title:
        fig.suptitle(title, fontsize=10, fontweight="bold", x=0.0, ha="left")
    return fig
