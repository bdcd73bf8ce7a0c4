"""Ranking bars of every province on one indicator, and the bars beside the tile map."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from analysis.analyses import compare
from analysis.core import i18n
from analysis.reporting.charts.alt import rank_alt, set_alt
from analysis.reporting.charts.labels import (
    decimals_for,
    fmt_value,
    indicator_of,
    lang_of,
    name_key,
    rank_word,
    tick_formatter,
)
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    BAR,
    FAINT,
    HIGHLIGHT,
    INK,
    MUTED,
    TARGET_COLOR,
    figure_of,
    new_axes,
    themed,
)
from analysis.reporting.charts.tilemap import tile_map


@themed
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
        Provinces without data are listed at the bottom, marked "no data" (more than
        :data:`MAX_NO_DATA_ROWS` of them in one row that counts them: "33 tỉnh, thành chưa có số
        liệu"); the national value is a dashed line and the target (if any) a green dash-dot
        line, both labelled above the top bar. Fewer than
        :data:`~analysis.analyses.compare.MIN_RANKED` provinces with a value get no rank, and one
        province alone no national line (an "average" of one province is its own value).
    """
    lang = lang_of(lang)
    ind = indicator_of(comparison)
    unit = ind.unit if ind is not None else "%"
    if "indicator" in comparison and comparison["indicator"].nunique() > 1:
        raise ValueError("rank_bar_chart draws one indicator; filter the comparison first")

    df, have, missing = _rank_rows(comparison)
    named, others = _missing_rows(missing, highlight)
    n = len(have) + len(named) + (1 if len(others) else 0)
    fig, ax = new_axes(ax, figsize or (A4_WIDTH, 1.15 + 0.165 * max(n, 4)))
    _draw_bars(ax, have, highlight)
    show_rank = show_rank and compare.shows_rank(len(have))
    _province_labels(ax, have, named, others, show_rank, lang)
    bottom = _value_axis(ax, df, have, ind, lang, unit)
    # Room for at least MIN_ROWS rows: one or two bars keep a bar's width, not the whole panel.
    n_room = max(n, MIN_ROWS)
    ax.set_ylim(n_room - 0.4, -0.6)  # best on top
    _value_labels(ax, have, highlight, lang, unit, decimals, label_all)
    _no_data_labels(ax, range(len(have), len(have) + len(named)), bottom, lang)
    _style_names(ax, have, named, others, highlight)

    ax.set_xlabel(xlabel if xlabel is not None else _value_label(ind, lang), fontsize=7.5)
    if title:
        ax.set_title(title)
    ax.set_ylim(n_room - 0.4, -0.6 - 0.95)  # a free row for the line labels, refined below
    room = _reference_lines(ax, df, lang, unit, decimals, n_room)
    ax.set_ylim(n_room - 0.4, -0.6 - room)
    return set_alt(fig, _alt(comparison, highlight, lang, title, decimals))


def _alt(
    comparison: pd.DataFrame, highlight: str | None, lang: str, title: str | None, decimals: int
) -> str:
    """The ranking's text alternative, titled by ``title`` or the indicator's name."""
    ind = indicator_of(comparison)
    name = title or (ind.name(lang) if ind is not None else "")
    unit = ind.unit if ind is not None else "%"
    return rank_alt(comparison, highlight, title=name, lang=lang, unit=unit, decimals=decimals)


def _rank_rows(comparison: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The rows with sort keys; those with a value by rank, those without by name."""
    df = comparison.copy()
    df["sort_key_"] = df["province_name"].map(name_key)
    df["rank_num_"] = pd.to_numeric(df.get("rank"), errors="coerce")
    have = df[df["value"].notna()].sort_values(
        ["rank_num_", "value", "sort_key_"], na_position="last"
    )
    missing = df[df["value"].isna()].sort_values("sort_key_")
    return df, have, missing


MAX_NO_DATA_ROWS = 5
"""Provinces without data named one a row, up to this many; more are counted in one row."""
MIN_ROWS = 8
"""The chart keeps room for this many rows, so that a month with one or two units reporting
draws bars of the usual width rather than one bar filling the panel."""


def _missing_rows(
    missing: pd.DataFrame, highlight: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The provinces without data to name one a row, and those counted together in one row
    (when more than :data:`MAX_NO_DATA_ROWS`; the highlighted province keeps its own row)."""
    if len(missing) <= MAX_NO_DATA_ROWS:
        return missing, missing.iloc[0:0]
    own = missing["province"] == highlight
    return missing[own], missing[~own]


def _draw_bars(ax: Axes, have: pd.DataFrame, highlight: str | None) -> None:
    """One bar a province, tagged ``bar:<codename>`` so tests and readers can find it."""
    y_have = np.arange(len(have))
    colors = [HIGHLIGHT if p == highlight else BAR for p in have["province"]]
    bars = ax.barh(y_have, have["value"].to_numpy(float), height=0.7, color=colors, zorder=2)
    for patch, province in zip(bars.patches, have["province"], strict=True):
        patch.set_gid(f"bar:{province}")


def _province_labels(
    ax: Axes,
    have: pd.DataFrame,
    missing: pd.DataFrame,
    others: pd.DataFrame,
    show_rank: bool,
    lang: str,
) -> None:
    """Province names on the value axis with their rank: ``5. Nghệ An``; the provinces without
    data counted together last (``33 tỉnh, thành chưa có số liệu``).

    A rank several provinces share says so (``Nghệ An (đồng hạng 1)``): without it, 29
    provinces at 100 % would each read as first of 34.
    """
    ranks = have["rank_num_"].dropna()
    tied = set(ranks[ranks.duplicated(keep=False)])
    labels = []
    for row in have.itertuples():
        name = str(row.province_name)
        if not (show_rank and pd.notna(row.rank_num_)):
            labels.append(name)
        elif row.rank_num_ in tied:
            rank = rank_word(int(row.rank_num_), lang)
            labels.append(i18n.t("plots.rank_tied", lang, name=name, rank=rank))
        else:
            labels.append(i18n.t("plots.rank_name", lang, name=name, rank=int(row.rank_num_)))
    labels += list(missing["province_name"])
    if len(others):
        labels.append(i18n.t("plots.no_data_count", lang, n=len(others)))
    ax.set_yticks(np.arange(len(labels)), labels)
    ax.tick_params(axis="y", length=0, pad=3, labelsize=7)
    ax.tick_params(axis="x", labelsize=7)


def _value_axis(
    ax: Axes, df: pd.DataFrame, have: pd.DataFrame, ind: Any | None, lang: str, unit: str
) -> float:
    """Value axis from zero (or the lowest value) with room for the labels; returns its start."""
    values = have["value"].to_numpy(float)
    refs = [v for v in (_first(df, "national_value"), _first(df, "target")) if pd.notna(v)]
    top = max([*values, *refs, 0.0]) if len(values) or refs else 1.0
    bottom = min([*values, 0.0]) if len(values) else 0.0
    span = (top - bottom) or 1.0
    ax.set_xlim(bottom, top + 0.13 * span)
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]))
    if ind is not None and ind.bounds[1] < ax.get_xlim()[1]:  # no tick past the natural maximum
        ticks = [t for t in ax.get_xticks() if bottom - 1e-9 <= t <= ind.bounds[1] + 1e-9]
        ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(tick_formatter(lang, unit if unit == "%" else None))
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", visible=True)
    ax.spines["left"].set_visible(False)
    return float(bottom)


def _value_labels(
    ax: Axes,
    have: pd.DataFrame,
    highlight: str | None,
    lang: str,
    unit: str,
    decimals: int,
    label_all: bool,
) -> None:
    """Each bar's value at its end; the highlighted one bold, with its unit."""
    pad = 0.006 * (ax.get_xlim()[1] - ax.get_xlim()[0])
    for yy, row in enumerate(have.itertuples()):
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


def _no_data_labels(ax: Axes, rows: range, bottom: float, lang: str) -> None:
    """The words "no data" in the rows of the provinces without a value."""
    pad = 0.006 * (ax.get_xlim()[1] - ax.get_xlim()[0])
    for yy in rows:
        ax.text(
            bottom + pad,
            yy,
            i18n.t("plots.no_data", lang),
            va="center",
            ha="left",
            fontsize=6.5,
            color=FAINT,
            fontstyle="italic",
        )


def _style_names(
    ax: Axes,
    have: pd.DataFrame,
    missing: pd.DataFrame,
    others: pd.DataFrame,
    highlight: str | None,
) -> None:
    """The highlighted province's name in bold orange, those without data faint."""
    no_data = {*missing["province"], ""}
    rows = [*have["province"], *missing["province"], *([""] if len(others) else [])]
    for tick, province in zip(ax.get_yticklabels(), rows, strict=True):
        if province == highlight:
            tick.set_color(HIGHLIGHT)
            tick.set_fontweight("bold")
        elif province in no_data:
            tick.set_color(FAINT)


def _national_label(df: pd.DataFrame, lang: str, value: str) -> str:
    """ "Cả nước 81,3 %" only when enough units reported; else the mean of those that did.

    Coverage comes from the comparison's own columns when present (:func:`compare.with_coverage`),
    otherwise from the rows drawn (one row per unit, those without data included).
    """
    if {"n_reporting", "n_units"} <= set(df.columns) and len(df):
        n, units = df["n_reporting"].iloc[0], df["n_units"].iloc[0]
    else:
        n, units = int(df["value"].notna().sum()), len(df)
    if compare.covers(n, units):
        return i18n.t("plots.national_value", lang, value=value)
    return i18n.t("plots.reporting_mean", lang, n=int(n), units=int(units), value=value)


def _first(df: pd.DataFrame, column: str) -> float:
    if column not in df:
        return float("nan")
    s = pd.to_numeric(df[column], errors="coerce").dropna()
    return float(s.iloc[0]) if len(s) else float("nan")


def _value_label(ind: Any | None, lang: str) -> str:
    if ind is None:
        return ""
    return f"{ind.short(lang)} ({ind.unit})" if ind.unit else ind.short(lang)


# One reference line: (x value, label, colour).
_Line = tuple[float, str, str]

_LABEL_GAP_PT = 4.0  # between a line and its label, in points
_LABEL_ROW_Y = -1.05  # centre of the first label row, in bar rows (the top bar is row 0)
_LABEL_SIZE = 7.0  # points
_LABEL_PAD = 0.15  # the labels' white box, in units of the font size
# Between the text of a stacked label and the one below it: their two white boxes and 1 pt.
_STACK_GAP_PT = 2 * _LABEL_PAD * _LABEL_SIZE + 1.0
_LABEL_STYLE: dict[str, Any] = {
    "fontsize": _LABEL_SIZE,
    "fontweight": "bold",
    "zorder": 5,
    "annotation_clip": False,
    "bbox": {"boxstyle": f"square,pad={_LABEL_PAD}", "fc": "white", "ec": "none", "alpha": 0.85},
}


def _reference_lines(
    ax: Axes, df: pd.DataFrame, lang: str, unit: str, decimals: int, n_rows: int
) -> float:
    """National (dashed) and target (dash-dot) lines, labelled in free rows above the bars.

    Labels go beside their line, on the side with room; when two labels cannot share a row
    without touching, the second is stacked on top of the first (anchored to its box, so
    they cannot overlap whatever the final layout). Returns the room above the top bar the
    labels need, in bar rows.
    """
    lines: list[_Line] = []
    national = _first(df, "national_value")
    if pd.notna(national) and int(df["value"].notna().sum()) >= 2:  # a mean of one is itself
        ax.axvline(national, color=INK, lw=0.9, ls=(0, (4, 2.5)), zorder=3)
        value = fmt_value(national, lang, unit, decimals)
        lines.append((national, _national_label(df, lang, value), INK))
    target = _first(df, "target")
    if pd.notna(target):
        ax.axvline(target, color=TARGET_COLOR, lw=1.1, ls=(0, (6, 2, 1.5, 2)), zorder=3)
        value = fmt_value(target, lang, unit, decimals_for(target, decimals))
        lines.append((target, i18n.t("plots.target_value", lang, value=value), TARGET_COLOR))
    if not lines:
        return 0.0
    lines.sort(key=lambda item: item[0])
    # Measure in the laid-out figure: the axes' width is known only after the layout.
    figure_of(ax).draw_without_rendering()
    sides, stacked = _label_plan(ax, lines)
    anchor: Any = None
    for k, ((x, label, color), side) in enumerate(zip(lines, sides, strict=True)):
        dx = _LABEL_GAP_PT if side == "right" else -_LABEL_GAP_PT
        on_top = stacked and k == 1
        anchor = ax.annotate(
            label,
            xy=(x, 1.0 if on_top else _LABEL_ROW_Y),
            xycoords=("data", anchor) if on_top else "data",
            xytext=(dx, _STACK_GAP_PT if on_top else 0.0),
            textcoords="offset points",
            ha="left" if side == "right" else "right",
            va="bottom" if on_top else "center",
            color=color,
            **_LABEL_STYLE,
        )
    return _label_room(ax, anchor, n_rows, stacked)


def _label_plan(ax: Axes, lines: list[_Line]) -> tuple[list[str], bool]:
    """Side (``"left"``/``"right"``) of each label (lines sorted by x), and whether to stack.

    Two labels share a row as (left, right): disjoint by construction, as the first line is
    left of the second. Same-side pairs share a row only with a clear margin (the layout may
    still shift a little); otherwise the second label is stacked on the first.
    """
    fig = figure_of(ax)
    box = ax.get_window_extent()
    pad = 2 * _LABEL_PAD * _LABEL_SIZE * fig.dpi / 72
    gap = _LABEL_GAP_PT * fig.dpi / 72
    xs = [float(ax.transData.transform((x, 0))[0]) for x, _, _ in lines]
    widths = [_text_width(ax, text) + pad for _, text, _ in lines]

    def span(i: int, side: str) -> tuple[float, float]:
        x, w = xs[i], widths[i]
        return (x + gap, x + gap + w) if side == "right" else (x - gap - w, x - gap)

    def fits(i: int, side: str) -> bool:
        a, b = span(i, side)
        return a >= box.x0 - 0.02 * box.width and b <= box.x1

    def side_of(i: int) -> str:
        return "right" if fits(i, "right") else "left"

    if len(lines) == 1:
        return [side_of(0)], False
    if fits(0, "left") and fits(1, "right"):
        return ["left", "right"], False
    margin = 6 + 0.1 * box.width
    for sides in (("right", "right"), ("left", "left")):
        if fits(0, sides[0]) and fits(1, sides[1]):
            if span(0, sides[0])[1] + margin < span(1, sides[1])[0]:
                return list(sides), False
    return [side_of(0), side_of(1)], True


def _text_width(ax: Axes, text: str) -> float:
    """Width in pixels of ``text`` set in the labels' font."""
    probe = ax.text(0, 0, text, fontsize=_LABEL_SIZE, fontweight="bold")
    width = float(probe.get_window_extent().width)
    probe.remove()
    return width


def _label_room(ax: Axes, top_label: Any, n_rows: int, stacked: bool) -> float:
    """Bar rows above the top bar that hold the labels (one row, or two stacked labels)."""
    if not stacked:
        return 0.95
    # Two label heights and a gap above the first row's centre, in rows of the final axes.
    height = float(top_label.get_window_extent().height) * 1.25
    per_row = height / max(float(ax.get_window_extent().height), 1.0)
    span = n_rows + 0.2  # the bars' rows, as set by the caller before the room is added
    need = (-_LABEL_ROW_Y - 0.6) + 1.5 * per_row * span
    return max(1.9, need / (1 - 1.5 * per_row))


@themed
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
    ind = indicator_of(comparison)
    bounds = ind.bounds if ind is not None else None
    tile_map(values, highlight=highlight, lang=lang, ax=right, show_islands=False, bounds=bounds)
    if title:
        fig.suptitle(title, fontsize=10, fontweight="bold", x=0.0, ha="left")
    # The map shows the same values as the bars: the ranking's text says what both show.
    return set_alt(fig, _alt(comparison, highlight, lang, title, decimals=1))
