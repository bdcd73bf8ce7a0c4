"""Words and numbers on the charts: values with units, tick labels, month labels, text colour.

All words come from the message catalog (:mod:`analysis.core.i18n`); numbers are written
the reader's way (``45,03`` in Vietnamese, ``45.03`` in English).
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import colors as mcolors
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from analysis.core import i18n
from analysis.reference import catalog, geography
from analysis.reference.names import fold
from analysis.reporting.charts.theme import FAINT, INK, MUTED

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def lang_of(lang: str | None) -> str:
    """``"vi"`` or ``"en"`` for any accepted spelling (``"vi-VN"``, ``None`` ...)."""
    return i18n.normalize_lang(lang)


def decimals_for(x: float, max_decimals: int = 2) -> int:
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
    lang = lang_of(lang)
    if i18n.is_missing(value):
        return i18n.MISSING
    if unit == "%":
        return i18n.fmt_percent(value, lang, decimals)
    text = i18n.fmt_decimal(value, lang, decimals)
    return f"{text} {unit}" if unit else text


def tick_formatter(lang: str, unit: str | None = None) -> FuncFormatter:
    """Axis ticks with the reader's decimal mark and as few decimals as the tick needs."""

    def fmt(x: float, _pos: int | None = None) -> str:
        d = decimals_for(x)
        if unit == "%":
            return i18n.fmt_percent(x, lang, d)
        return i18n.fmt_decimal(x, lang, d)

    return FuncFormatter(fmt)


def month_label(period: pd.Period, lang: str) -> str:
    """``07/2025`` (vi) or ``Jul 2025`` (en)."""
    if lang == "en":
        return f"{_MONTHS_EN[period.month - 1]} {period.year}"
    return f"{period.month:02d}/{period.year}"


def rank_word(rank: int, lang: str) -> str:
    """A rank as a sentence says it after "tied": ``1`` (vi, "đồng hạng 1"), ``1st`` (en)."""
    if lang != "en":
        return str(rank)
    suffix = "th" if 10 <= rank % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(rank % 10, "th")
    return f"{rank}{suffix}"


def indicator_of(frame: pd.DataFrame) -> Any | None:
    """The catalog entry of the (single) indicator in ``frame``, or ``None``."""
    if "indicator" not in frame or frame["indicator"].dropna().empty:
        return None

    try:
        return catalog.get(str(frame["indicator"].dropna().iloc[0]))
    except KeyError:
        return None


def _luminance(color: Any) -> float:
    r, g, b = mcolors.to_rgb(color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def text_color_on(color: Any) -> str:
    """White on dark fills, ink on light ones."""
    return "white" if _luminance(color) < 0.56 else INK


def name_key(name: str) -> str:
    """Sort key of a province name (accents folded, so Đ sorts with D)."""
    return fold(str(name))


def row_positions(regions: np.ndarray, gap: float) -> tuple[np.ndarray, float]:
    """Top of each row of a units-by-columns chart, with ``gap`` between regions; and the
    total height."""
    y_top = np.zeros(len(regions))
    pos = 0.0
    for i in range(len(regions)):
        if i and regions[i] != regions[i - 1]:
            pos += gap
        y_top[i] = pos
        pos += 1.0
    return y_top, pos


def region_labels(
    ax: Axes,
    rows: pd.DataFrame,
    y_top: np.ndarray,
    n_cols: int,
    lang: str,
    *,
    width: int = 14,
    gap: tuple[float, float] = (0.18, 0.15),
    fontsize: float = 6,
) -> None:
    """A bracket and the region's name to the right of each region's rows (``rows`` carries a
    ``region`` column, in the order drawn; ``gap``: bracket after the last column, name after
    the bracket; names wrapped at ``width`` characters)."""
    for region, idx in rows.groupby("region", sort=False).groups.items():
        first, last = min(idx), max(idx)
        y0, y1 = y_top[first] + 0.1, y_top[last] + 0.9
        x = n_cols + gap[0]
        ax.plot([x, x], [y0, y1], color=FAINT, lw=0.8, clip_on=False)
        label = "\n".join(textwrap.wrap(geography.region_name(str(region), lang), width))
        ax.text(
            x + gap[1],
            (y0 + y1) / 2,
            label,
            ha="left",
            va="center",
            fontsize=fontsize,
            color=MUTED,
            linespacing=1.1,
            clip_on=False,
        )
