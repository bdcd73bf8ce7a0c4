"""The charts' look: palette, status colours, fonts, the rcParams theme, figure sizes.

Every chart module takes its colours from here, so a colour means the same thing in every
chart (and :data:`STATUS_COLORS` is the one status palette other code colours statuses from).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar, cast

import matplotlib as mpl
import seaborn as sns
from cycler import cycler
from matplotlib import colors as mcolors
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import RcKeyType

from analysis import paths

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
    # Forecast statuses (analysis.reference.targets.FORECAST_STATUSES).
    "achieved": "#1a7f37",
    "on_track": "#2e86c1",
    "at_risk": "#d4a017",
    "off_track": "#c0392b",
    # Met before the deadline, but may fall back below the target by then: yellow-green, between
    # the green of a target held and the ochre of one at risk.
    "achieved_at_risk": "#a4b82c",
    # After the deadline, and what a report shows without a forecast.
    "achieved_late": "#6aae7b",  # met, but after the deadline: a lighter green
    "missed": "#c0392b",  # deadline passed, not met: the off-track red
    "awaiting_deadline_figure": "#5d6d7e",  # deadline reached, its figure not in: slate
    "insufficient_history": FAINT,  # no forecast can be given yet
    "no_target": "#b6c0cc",
    "no_data": "#c5ccd5",
}
"""The one status palette: a colour for every status a report can show.

Keys are :data:`analysis.reference.targets.REPORT_STATUSES`; charts, tables and cards colour a
status from here, so a status has the same colour everywhere.
"""

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
"""Default sequential colour map of :func:`~.tilemap.tile_map` (light = low, navy = high)."""

TIER_CMAP = mcolors.LinearSegmentedColormap.from_list(
    "vndx_tiers", [TIER_COLORS[4], TIER_COLORS[3], TIER_COLORS[2], TIER_COLORS[1]]
)
"""Worst (muted red) to best (dark green): :func:`~.heatmap.heatmap` in ``value="value"`` mode."""

FONTS_DIR = paths.assets_dir() / "fonts"
"""Noto Sans files (Vietnamese coverage) shipped with the report templates."""

_FALLBACK_FONTS = ["DejaVu Sans", "Arial", "Liberation Sans", "sans-serif"]


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


def theme_rc() -> dict[RcKeyType, Any]:
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
    # Seaborn's style dicts are typed with plain string keys; every key above is an rcParam.
    return cast(dict[RcKeyType, Any], rc)


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


def themed(func: Callable[P, R]) -> Callable[P, R]:
    """Run a plotting function inside ``rc_context(theme_rc())``."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with mpl.rc_context(theme_rc()):
            return func(*args, **kwargs)

    return wrapper


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """The caller's axes, or one axes on a new (pyplot-free) constrained-layout figure."""
    if ax is not None:  # the caller's axes were made outside the theme: apply its essentials
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return figure_of(ax), ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def figure_of(ax: Axes) -> Figure:
    """The (root) figure ``ax`` is drawn on; axes made by these charts always have one."""
    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("the axes are not on a figure: create them with Figure.add_subplot")
    return fig
