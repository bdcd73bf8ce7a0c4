"""How many of a province's targets stand in each status."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analysis.core import i18n
from analysis.reference.targets import REPORT_STATUSES
from analysis.reporting.charts.alt import set_alt, status_alt
from analysis.reporting.charts.labels import lang_of
from analysis.reporting.charts.theme import (
    A4_WIDTH,
    FAINT,
    INK,
    STATUS_COLORS,
    STATUS_ORDER,
    new_axes,
    themed,
)


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


def _status_label(status: str, lang: str) -> str:
    """The status in words from the catalog; an unknown status as it is."""
    key = f"status.{status}"
    return i18n.t(key, lang) if i18n.has_message(key) else status


def _status_order(present: set[str]) -> list[str]:
    """The forecast statuses always; then the other report statuses present, then the rest."""
    order = list(STATUS_ORDER)
    order += [s for s in REPORT_STATUSES if s in present and s not in order]
    return order + sorted(present - set(order))


@themed
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
        One bar per status in the order achieved, on track, at risk, off track, then the other
        statuses present (met late, missed ... in their :data:`STATUS_COLORS`; unknown ones in
        grey), each labelled with its count.
    """
    lang = lang_of(lang)
    counts = pd.Series(_statuses(forecasts), dtype=object).value_counts()
    order = _status_order(set(counts.index))
    n = [int(counts.get(s, 0)) for s in order]
    fig, ax = new_axes(ax, figsize or (A4_WIDTH, 0.75 + 0.24 * len(order)))
    y = np.arange(len(order))
    ax.barh(y, n, height=0.62, color=[STATUS_COLORS.get(s, FAINT) for s in order], zorder=2)
    ax.set_yticks(y, [_status_label(s, lang) for s in order])
    ax.set_ylim(len(order) - 0.5, -0.5)
    top = max(n + [1])
    ax.set_xlim(0, top * 1.12 + 0.3)
    for yy, count in enumerate(n):
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
    ax.set_xlabel(i18n.t("plots.count_targets", lang), fontsize=7.5)
    if title:
        ax.set_title(title)
    labels = [_status_label(s, lang) for s in order]
    return set_alt(fig, status_alt(order, n, labels, lang))
