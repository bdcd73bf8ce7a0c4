"""A province's observed series with its forecast to the deadline as a fan, and the target."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.core import i18n
from analysis.core.periods import to_month
from analysis.reference import geography
from analysis.reporting.charts.alt import set_alt, trend_alt
from analysis.reporting.charts.labels import (
    decimals_for,
    fmt_value,
    lang_of,
    month_label,
    tick_formatter,
)
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    FAINT,
    MUTED,
    PRIMARY,
    TARGET_COLOR,
    new_axes,
    themed,
)

_TARGET_STYLE = (0, (6, 2, 1.5, 2))  # dash-dot of target lines, here and in the rank chart


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


def _is_annual(index: pd.Index) -> bool:
    return isinstance(index, pd.PeriodIndex) and index.freqstr[0] in ("Y", "A")


def _month_ordinals(index: Iterable[Any]) -> np.ndarray:
    """Positions on the time axis: the month ordinal (a year or quarter at its last month)."""
    return np.array([to_month(p).ordinal for p in index], dtype=float)


def _clean_series(s: pd.Series | None) -> pd.Series:
    if s is None:
        return pd.Series(dtype=float)
    s = pd.to_numeric(s, errors="coerce").dropna()
    if isinstance(s.index, pd.DatetimeIndex):
        s.index = s.index.to_period("M")
    return s.sort_index()


@dataclass
class _Drawn:
    """What has been drawn so far: the x and y values to frame, and the legend's handles."""

    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    handles: list[Any] = field(default_factory=list)


@themed
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
        Axes to draw on; by default a new figure of ``figsize`` (:data:`A4_WIDTH` x 3.3 in).
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
    """
    lang = lang_of(lang)
    own_figure = ax is None
    fig, ax = new_axes(ax, figsize or (A4_WIDTH, 3.3))
    hist = _clean_series(history)
    path = forecast_path if forecast_path is not None else pd.DataFrame()
    path = path.dropna(subset=["mean"]) if "mean" in path else pd.DataFrame()
    # Annual data (e.g. the digital-economy share): points at December, ticks by year.
    annual = _is_annual(hist.index if len(hist) else path.index)
    if deadline is not None and i18n.is_missing(deadline):
        deadline = None

    drawn = _Drawn()
    _plot_national(ax, _clean_series(national), lang, drawn)
    _plot_observed(ax, hist, series_label, lang, drawn)
    _plot_forecast(ax, hist, path, level, lang, drawn)
    if target is not None and pd.notna(target):
        _plot_target(ax, float(target), deadline, annual, lang, unit, decimals, drawn)

    if not drawn.xs:  # nothing to draw: an empty, labelled frame
        _empty_frame(ax, lang, unit)
    else:
        x_lo, x_hi = min(drawn.xs), max(drawn.xs)
        _frame(ax, drawn, upper_bound)
        _axes_style(ax, x_lo, x_hi, lang, annual, unit, ylabel)
        if show_merger:
            _merger_line(ax, x_lo, x_hi, lang, annual)
        if len(hist):
            _label_last(ax, hist, lang, unit, decimals)
        _legend(fig, ax, drawn.handles, own_figure)
    if title:
        ax.set_title(title)
    alt = trend_alt(
        hist,
        path,
        title=title or series_label or "",
        target=target,
        deadline=deadline,
        lang=lang,
        unit=unit,
        decimals=decimals,
    )
    return set_alt(fig, alt)


def _plot_national(ax: Axes, nat: pd.Series, lang: str, drawn: _Drawn) -> None:
    """The national series as a thin grey line."""
    if not len(nat):
        return
    x_nat = _month_ordinals(nat.index)
    (line,) = ax.plot(
        x_nat,
        nat.to_numpy(float),
        color=FAINT,
        lw=1.1,
        zorder=2,
        label=i18n.t("plots.national", lang),
    )
    drawn.handles.append(line)
    drawn.xs += list(x_nat)
    drawn.ys += list(nat)


def _plot_observed(
    ax: Axes, hist: pd.Series, series_label: str | None, lang: str, drawn: _Drawn
) -> None:
    """The observed series, its last point marked; first in the legend (as a point when the
    series is one point: the legend shows what is drawn)."""
    if not len(hist):
        return
    x_obs = _month_ordinals(hist.index)
    y_obs = hist.to_numpy(float)
    label = series_label or i18n.t("plots.observed", lang)
    if len(hist) == 1:
        (obs_line,) = ax.plot(x_obs, y_obs, "o", color=PRIMARY, ms=4, zorder=5, label=label)
    else:
        (obs_line,) = ax.plot(x_obs, y_obs, color=PRIMARY, lw=1.9, zorder=4, label=label)
        ax.plot(x_obs[-1:], y_obs[-1:], "o", color=PRIMARY, ms=4, zorder=5)
    drawn.handles.insert(0, obs_line)
    drawn.xs += list(x_obs)
    drawn.ys += list(y_obs)


def _plot_forecast(
    ax: Axes, hist: pd.Series, path: pd.DataFrame, level: float | None, lang: str, drawn: _Drawn
) -> None:
    """The forecast mean (dashed) and its interval (the fan), from the last observation on.

    The legend lists only what shows: a forecast of one point is a point, and an interval is
    listed only when it spans two periods or more and has a width (a band of one period, or of
    none, is not drawn).
    """
    if not len(path):
        return
    x_f = _month_ordinals(path.index)
    mean = path["mean"].to_numpy(float)
    lower = path.get("lower", path["mean"]).to_numpy(float)
    upper = path.get("upper", path["mean"]).to_numpy(float)
    if len(hist):
        x_last, y_last = _month_ordinals(hist.index[-1:])[0], float(hist.iloc[-1])
        if x_last < x_f[0]:  # start the forecast at the last observation
            x_f = np.r_[x_last, x_f]
            mean, lower, upper = (np.r_[y_last, a] for a in (mean, lower, upper))
    ok = ~(np.isnan(lower) | np.isnan(upper))
    fan = None
    if ok.sum() >= 2 and float(np.max(upper[ok] - lower[ok])) > 0:
        fan = ax.fill_between(
            x_f[ok], lower[ok], upper[ok], color=PRIMARY, alpha=0.16, lw=0, zorder=1
        )
        if level is not None:
            level_text = i18n.fmt_percent(100 * level, lang, 0)
            fan.set_label(i18n.t("plots.interval_level", lang, level=level_text))
        else:
            fan.set_label(i18n.t("plots.interval", lang))
        drawn.ys += list(lower[ok]) + list(upper[ok])
    style: dict[str, Any] = (
        {"lw": 1.6, "ls": (0, (4, 2))} if len(x_f) >= 2 else {"ls": "none", "marker": "o"}
    )
    (f_line,) = ax.plot(
        x_f,
        mean,
        color=PRIMARY,
        mfc="white",
        mec=PRIMARY,
        ms=4,
        zorder=4,
        label=i18n.t("plots.forecast", lang),
        **style,
    )
    ax.plot(x_f[-1:], mean[-1:], "o", mfc="white", mec=PRIMARY, ms=4, zorder=5)
    drawn.handles[1:1] = [f_line] + ([fan] if fan is not None else [])
    drawn.xs += list(x_f)
    drawn.ys += list(mean)


def _plot_target(
    ax: Axes,
    target: float,
    deadline: Any,
    annual: bool,
    lang: str,
    unit: str | None,
    decimals: int,
    drawn: _Drawn,
) -> None:
    """The target as a horizontal line, with a diamond at the deadline when there is one."""
    ax.axhline(target, color=TARGET_COLOR, lw=1.0, ls=_TARGET_STYLE, zorder=3)
    value = fmt_value(target, lang, unit, decimals_for(target, decimals))
    x_deadline = to_month(deadline).ordinal if deadline is not None else None
    if x_deadline is not None:
        ax.plot(
            [x_deadline], [target], "D", color=TARGET_COLOR, ms=5.5, mec="white", mew=0.8, zorder=6
        )
        due = to_month(deadline)
        when = str(due.year) if annual else month_label(due, lang)
        label = i18n.t("plots.target_deadline", lang, value=value, deadline=when)
        drawn.xs.append(float(x_deadline))
    else:
        label = i18n.t("plots.target_value", lang, value=value)
    drawn.handles.append(
        Line2D(
            [],
            [],
            color=TARGET_COLOR,
            lw=1.0,
            ls=_TARGET_STYLE,
            marker="D" if x_deadline is not None else None,
            ms=4.5,
            mec="white",
            label=label,
        )
    )
    drawn.ys.append(target)


def _empty_frame(ax: Axes, lang: str, unit: str | None) -> None:
    """An empty frame that says there is no data."""
    ax.text(
        0.5,
        0.5,
        i18n.t("plots.no_data", lang),
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=FAINT,
        fontstyle="italic",
    )
    ax.set_xticks([])
    ax.yaxis.set_major_formatter(tick_formatter(lang, unit if unit == "%" else None))


def _frame(ax: Axes, drawn: _Drawn, upper_bound: float | None) -> None:
    """Axis limits around everything drawn, stopping just above the natural maximum."""
    x_lo, x_hi = min(drawn.xs), max(drawn.xs)
    ax.set_xlim(x_lo - 0.8, x_hi + 1.2)
    y_lo, y_hi = float(np.nanmin(drawn.ys)), float(np.nanmax(drawn.ys))
    span = max(y_hi - y_lo, 1e-6)
    top = y_hi + 0.12 * span
    if upper_bound is not None and y_hi <= upper_bound + 1e-9:
        top = min(top, upper_bound + 0.04 * span + 0.5)
    ax.set_ylim(max(y_lo - 0.12 * span, 0.0) if y_lo >= 0 else y_lo - 0.12 * span, top)


def _axes_style(
    ax: Axes,
    x_lo: float,
    x_hi: float,
    lang: str,
    annual: bool,
    unit: str | None,
    ylabel: str | None,
) -> None:
    """Time ticks, value ticks in the reader's format, and the value label when one is due."""
    _month_axis(ax, x_lo, x_hi, lang, annual=annual)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
    ax.yaxis.set_major_formatter(tick_formatter(lang, unit if unit == "%" else None))
    ax.tick_params(labelsize=7.5)
    ax.grid(axis="x", visible=False)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=7.5)
    elif unit and unit != "%":
        ax.set_ylabel(unit, fontsize=7.5)


def _label_last(ax: Axes, hist: pd.Series, lang: str, unit: str | None, decimals: int) -> None:
    """The latest observed value, next to its dot."""
    x_last, y_last = _month_ordinals(hist.index[-1:])[0], float(hist.iloc[-1])
    ax.annotate(
        fmt_value(y_last, lang, unit, decimals),
        (x_last, y_last),
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


def _legend(fig: Figure, ax: Axes, handles: list[Any], own_figure: bool) -> None:
    """Below the chart on a figure of its own; inside the axes when drawn into the caller's."""
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
        ax.set_xticks([pd.Period(f"{y}-12", freq="M").ordinal for y in years[::step]])
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda x, _pos: str(pd.Period(ordinal=int(round(x)), freq="M").year))
        )
        return
    months = x_hi - x_lo
    step = 3 if months <= 20 else 6 if months <= 54 else 12
    first = pd.Period(ordinal=int(np.floor(x_lo)), freq="M")
    start = first.ordinal + (-(first.month - 1) % step)
    ax.set_xticks(np.arange(start, x_hi + 1, step))
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda x, _pos: month_label(pd.Period(ordinal=int(round(x)), freq="M"), lang))
    )


def _month_x(month: pd.Period, annual: bool) -> float:
    """Where a month falls on the time axis.

    On a monthly axis, at its ordinal. On an annual axis the years are drawn a point each, at
    the ordinal of their December, and the ticks say the year: a reader takes the tick
    ``2025`` as the start of 2025 and the space up to ``2026`` as the months of 2025, so a
    month falls ``month - 1`` twelfths of the way from its year's tick to the next one
    (07/2025 halfway between ``2025`` and ``2026``).
    """
    if not annual:
        return float(month.ordinal)
    year_x = pd.Period(f"{month.year}-12", freq="M").ordinal
    return float(year_x + (month.month - 1))


def _merger_line(ax: Axes, x_lo: float, x_hi: float, lang: str, annual: bool = False) -> None:
    """A dotted line at 07/2025, the first month of the 34 units, when it is in range."""
    x = _month_x(geography.MERGER_PERIOD, annual)
    if not (x_lo < x <= x_hi):
        return
    ax.axvline(x, color=MUTED, lw=0.9, ls=(0, (1, 1.6)), zorder=2, gid="merger")
    ax.text(
        x + 0.35,
        0.03,
        i18n.t("plots.merger", lang),
        transform=ax.get_xaxis_transform(),
        ha="left",
        va="bottom",
        fontsize=6.5,
        color=MUTED,
        zorder=6,
        bbox={"boxstyle": "square,pad=0.12", "fc": "white", "ec": "none", "alpha": 0.85},
    )
