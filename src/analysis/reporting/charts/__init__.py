"""Charts for the briefings: ranking bars, trend with forecast fan, tier heatmap, tile map.

Every chart is sized for the text width of an A4 page (:data:`A4_WIDTH` inches; the tile map,
tall like the country, is narrower), uses one calm theme (:func:`apply_theme`), writes numbers
the reader's way (``45,03`` in Vietnamese, via :mod:`analysis.core.i18n`) and takes its
words from the message catalog (``plots.*``, ``status.*``) or from the caller, so the same call
draws a Vietnamese or an English chart. Each also writes its text alternative from its data
(:mod:`.alt`), which :func:`show` passes on as the image's ``alt``.

One module a kind: :mod:`.theme` (palette, fonts, rcParams), :mod:`.labels` (numbers and
words), :mod:`.rank`, :mod:`.trend`, :mod:`.heatmap`, :mod:`.status_matrix`, :mod:`.tilemap`,
:mod:`.status_bars`. Every
public name is importable from this package (``charts.rank_bar_chart``).

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

from analysis.reporting.charts.alt import alt_text, set_alt
from analysis.reporting.charts.heatmap import heatmap
from analysis.reporting.charts.labels import fmt_value
from analysis.reporting.charts.output import show
from analysis.reporting.charts.rank import rank_and_map, rank_bar_chart
from analysis.reporting.charts.status_bars import status_bar
from analysis.reporting.charts.status_matrix import status_matrix
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    BAR,
    FAINT,
    FONTS_DIR,
    HIGHLIGHT,
    INK,
    MISSING_COLOR,
    MUTED,
    PALETTE,
    PRIMARY,
    RULE,
    STATUS_COLORS,
    STATUS_ORDER,
    TARGET_COLOR,
    TIER_CMAP,
    TIER_COLORS,
    TILE_CMAP,
    apply_theme,
    register_fonts,
    theme_rc,
)
from analysis.reporting.charts.tilemap import TILE_ABBR, TILE_GRID, tile_map
from analysis.reporting.charts.trend import path_from_json, trend_fan_chart

__all__ = [
    "A4_WIDTH",
    "BAR",
    "FAINT",
    "FONTS_DIR",
    "HIGHLIGHT",
    "INK",
    "MISSING_COLOR",
    "MUTED",
    "PALETTE",
    "PRIMARY",
    "RULE",
    "STATUS_COLORS",
    "STATUS_ORDER",
    "TARGET_COLOR",
    "TIER_CMAP",
    "TIER_COLORS",
    "TILE_ABBR",
    "TILE_CMAP",
    "TILE_GRID",
    "alt_text",
    "apply_theme",
    "fmt_value",
    "heatmap",
    "path_from_json",
    "rank_and_map",
    "rank_bar_chart",
    "register_fonts",
    "set_alt",
    "show",
    "status_bar",
    "status_matrix",
    "theme_rc",
    "tile_map",
    "trend_fan_chart",
]
