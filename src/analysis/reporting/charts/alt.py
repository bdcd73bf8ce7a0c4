"""Text alternatives of the charts, written from the data each chart draws.

A screen reader, a text-only e-mail client or a PDF reader's "read out loud" cannot see a chart;
the ``alt`` text of its image says what the chart says, in one or two sentences: for a ranking
where the province stands ("Nghệ An xếp thứ 32/34, 82,5%, mục tiêu 90%"), for a trend the last
value, its change, the target and the forecast, for the heat map, tile map and status bars a
summary. Every chart function stores its text on the figure (:func:`set_alt`);
:func:`analysis.reporting.charts.output.show` puts it in the notebook output's metadata, the
briefing template writes it as the ``alt`` of the ``<img>``, and WeasyPrint writes that as the
``/Alt`` of the figure in the tagged PDF.

Words come from the message catalog (``alt.*``, ``status.*``), numbers from the i18n formatters.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analysis.analyses.compare import MIN_RANKED
from analysis.core import i18n
from analysis.core.periods import to_month
from analysis.reference import geography
from analysis.reporting.charts.labels import decimals_for, fmt_value

# Figures are plain objects built without pyplot; a weak map keeps the text exactly as long as
# the figure lives, without adding attributes to matplotlib's class.
_ALT: weakref.WeakKeyDictionary[Figure, str] = weakref.WeakKeyDictionary()


def set_alt(fig: Figure, text: str) -> Figure:
    """Store ``text`` as the text alternative of ``fig`` (replacing any before) and return it."""
    _ALT[fig] = " ".join(str(text).split())
    return fig


def alt_text(fig: Figure) -> str | None:
    """The text alternative stored for ``fig``, or ``None``."""
    return _ALT.get(fig)


def sentence(head: str, parts: Iterable[str]) -> str:
    """``"head: a, b, c."``; just ``"head."`` without parts."""
    body = ", ".join(p for p in parts if p)
    return f"{head}: {body}." if body else f"{head}."


def unit_name(codename: Any) -> str:
    """The display name of a unit (``"TP. Hồ Chí Minh"``), or the key itself if unknown."""
    try:
        return geography.by_codename(str(codename)).display_name
    except (KeyError, ValueError):
        return str(codename)


def _value(x: Any, lang: str, unit: str | None, decimals: int) -> str:
    return fmt_value(x, lang, unit, decimals_for(float(x), decimals))


def _change(delta: float, lang: str, unit: str | None, decimals: int) -> str:
    """A signed change: percentage points for a percentage, else the number and unit."""
    if unit == "%":
        return i18n.fmt_points(delta, lang, decimals)
    text = i18n.fmt_signed(delta, lang, decimals)
    return f"{text} {unit}" if unit else text


# --------------------------------------------------------------------------------- ranking


def rank_alt(
    rows: pd.DataFrame,
    highlight: str | None,
    *,
    title: str,
    lang: str,
    unit: str | None,
    decimals: int,
) -> str:
    """Where ``highlight`` stands, with the target, the national value, first and last.

    ``rows`` are one indicator's comparison rows (``province``, ``province_name``, ``value``,
    ``rank``; optional ``target``, ``national_value``).
    """
    have = rows[rows["value"].notna()].copy()
    have["rank_num_"] = pd.to_numeric(have.get("rank"), errors="coerce")
    have = have.sort_values(["rank_num_", "value"], na_position="last")
    n_units = len(rows)
    parts = [_position(rows, have, highlight, lang, unit, decimals, n_units)]
    target = _first_number(rows, "target")
    if target is not None:
        parts.append(i18n.t("alt.target", lang, value=_value(target, lang, unit, decimals)))
    national = _first_number(rows, "national_value")
    if national is not None:
        parts.append(i18n.t("alt.national", lang, value=_value(national, lang, unit, decimals)))
    if len(have) < n_units:
        parts.append(i18n.t("alt.coverage", lang, n=len(have), units=n_units))
    head = sentence(i18n.t("alt.rank_chart", lang, title=title), parts)
    if len(have) < 2:
        return head
    first, last = have.iloc[0], have.iloc[-1]
    ends = i18n.t(
        "alt.first_last",
        lang,
        first=first["province_name"],
        first_value=_value(first["value"], lang, unit, decimals),
        last=last["province_name"],
        last_value=_value(last["value"], lang, unit, decimals),
    )
    return f"{head} {ends}."


def _position(
    rows: pd.DataFrame,
    have: pd.DataFrame,
    highlight: str | None,
    lang: str,
    unit: str | None,
    decimals: int,
    n_units: int,
) -> str:
    """``"Nghệ An xếp thứ 32/34, 82,5%"``; empty without a highlighted province."""
    mine = rows[rows["province"] == highlight] if highlight else rows.iloc[0:0]
    if mine.empty:
        return ""
    row = mine.iloc[0]
    name = str(row["province_name"])
    if pd.isna(row["value"]):
        return i18n.t("alt.no_value", lang, province=name)
    value = _value(row["value"], lang, unit, decimals)
    rank = pd.to_numeric(pd.Series([row.get("rank")]), errors="coerce").iloc[0]
    if pd.isna(rank) or len(have) < MIN_RANKED:
        return i18n.t("alt.value_of", lang, province=name, value=value)
    tied = int((have["rank_num_"] == rank).sum()) > 1
    key = "alt.position_tied" if tied else "alt.position"
    shown = i18n.ordinal(int(rank), lang) if tied else int(rank)
    return i18n.t(key, lang, province=name, rank=shown, of=n_units, value=value)


def _first_number(rows: pd.DataFrame, column: str) -> float | None:
    if column not in rows:
        return None
    s = pd.to_numeric(rows[column], errors="coerce").dropna()
    return float(s.iloc[0]) if len(s) else None


# ----------------------------------------------------------------------------------- trend


def trend_alt(
    hist: pd.Series,
    path: pd.DataFrame,
    *,
    title: str,
    target: float | None,
    deadline: Any,
    lang: str,
    unit: str | None,
    decimals: int,
) -> str:
    """Last value and period, change since the observation before, target, forecast.

    The forecast is told only when it ends after the last observation (a path to a deadline
    already past says nothing about the future).
    """
    parts: list[str] = []
    if len(hist):
        parts += _latest_parts(hist, lang, unit, decimals)
    else:
        parts.append(i18n.t("alt.no_data", lang))
    if target is not None and not i18n.is_missing(target):
        parts.append(_target_part(float(target), deadline, lang, unit, decimals))
    if len(path) and (not len(hist) or to_month(path.index[-1]) > to_month(hist.index[-1])):
        parts.append(_forecast_part(path, lang, unit, decimals))
    return sentence(i18n.t("alt.trend_chart", lang, title=title), parts)


def _latest_parts(hist: pd.Series, lang: str, unit: str | None, decimals: int) -> list[str]:
    """``"mới nhất 82,5% (tháng 10/2026)"`` and the change since the observation before."""
    last = float(hist.iloc[-1])
    value = _value(last, lang, unit, decimals)
    parts = [i18n.t("alt.latest", lang, value=value, period=i18n.fmt_period(hist.index[-1], lang))]
    if len(hist) > 1:
        before = i18n.fmt_period(hist.index[-2], lang)
        delta = round(last - float(hist.iloc[-2]), decimals)
        if delta == 0:
            parts.append(i18n.t("alt.unchanged", lang, period=before))
        else:
            change = _change(delta, lang, unit, decimals)
            parts.append(i18n.t("alt.change", lang, change=change, period=before))
    return parts


def _forecast_part(path: pd.DataFrame, lang: str, unit: str | None, decimals: int) -> str:
    """The forecast at the end of the path, with its interval when it has a width."""
    end = path.iloc[-1]
    value = _value(end["mean"], lang, unit, decimals)
    period = i18n.fmt_period(to_month(path.index[-1]), lang)
    lower, upper = (
        _value(end[c], lang, unit, decimals) if c in end and pd.notna(end[c]) else value
        for c in ("lower", "upper")
    )
    if lower == upper:
        return i18n.t("alt.forecast_point", lang, value=value, period=period)
    return i18n.t("alt.forecast", lang, value=value, period=period, lower=lower, upper=upper)


def _target_part(target: float, deadline: Any, lang: str, unit: str | None, decimals: int) -> str:
    value = _value(target, lang, unit, decimals)
    if deadline is None or i18n.is_missing(deadline):
        return i18n.t("alt.target", lang, value=value)
    when = i18n.fmt_period(to_month(deadline), lang)
    return i18n.t("alt.target_deadline", lang, value=value, deadline=when)


# ---------------------------------------------------------------------------- heat map etc.


def heatmap_alt(tiers: pd.DataFrame, names: Mapping[str, str], *, by_value: bool, lang: str) -> str:
    """Size, colouring, cells without data, and who is most often in the top and bottom tier.

    ``tiers`` is the province (codename) x indicator table of quartile tiers (1 best ... 4).
    """
    n_rows, n_cols = tiers.shape
    key = "alt.heatmap_value" if by_value else "alt.heatmap_tier"
    parts = []
    missing = int(tiers.isna().sum().sum())
    if missing:
        parts.append(i18n.t("alt.missing_cells", lang, n=missing))
    for tier, msg in ((1, "alt.most_top"), (4, "alt.most_bottom")):
        counts = (tiers == tier).sum(axis=1)
        best = int(counts.max()) if len(counts) else 0
        if best > 0:
            who = ", ".join(names.get(c, c) for c in counts.index[counts == best])
            parts.append(i18n.t(msg, lang, names=who, n=best, of=n_cols))
    return sentence(i18n.t(key, lang, rows=n_rows, cols=n_cols), parts)


def tile_alt(
    data: Mapping[str, float],
    *,
    title: str | None,
    highlight: str | None,
    n_units: int,
    lang: str,
    unit: str | None,
    decimals: int,
) -> str:
    """Coverage, highest and lowest unit, and the highlighted unit's value."""
    head = (
        i18n.t("alt.tile_map", lang, title=title) if title else i18n.t("alt.tile_map_plain", lang)
    )
    parts = [i18n.t("alt.coverage", lang, n=len(data), units=n_units)]
    if data:
        top = max(data, key=lambda k: data[k])
        low = min(data, key=lambda k: data[k])
        parts.append(
            i18n.t(
                "alt.highest_lowest",
                lang,
                high=unit_name(top),
                high_value=_value(data[top], lang, unit, decimals),
                low=unit_name(low),
                low_value=_value(data[low], lang, unit, decimals),
            )
        )
    if highlight:
        name, value = unit_name(highlight), data.get(highlight)
        if value is None:
            parts.append(i18n.t("alt.no_value", lang, province=name))
        else:
            shown = _value(value, lang, unit, decimals)
            parts.append(i18n.t("alt.value_of", lang, province=name, value=shown))
    return sentence(head, parts)


def status_alt(order: list[str], counts: list[int], labels: list[str], lang: str) -> str:
    """``"Trạng thái 8 mục tiêu: Đã đạt 3, Đúng tiến độ 2, ..."`` (statuses with none left out)."""
    parts = [
        i18n.t("alt.status_count", lang, status=label, n=i18n.fmt_number(n, lang))
        for _, n, label in zip(order, counts, labels, strict=True)
        if n
    ]
    return sentence(i18n.t("alt.status_chart", lang, n=sum(counts)), parts)
