"""Tables: the traffic-light status table of one province, the national risk table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from analysis.core.i18n import (
    fmt_date,
    fmt_decimal,
    fmt_percent,
    fmt_period,
    fmt_probability,
    is_missing,
    normalize_lang,
    t,
)
from analysis.core.periods import to_period
from analysis.reference import catalog
from analysis.reporting.render.components.base import (
    STATUSES,
    Fragment,
    plain_text,
    render_fragment,
)


@dataclass(frozen=True)
class StatusRow:
    """One indicator's progress towards its target.

    Text fields are shown as given (format them with :mod:`.i18n`). For convenience, numbers
    are formatted too: ``value``/``target``/paces with :func:`~analysis.core.i18n.fmt_decimal`,
    ``probability`` as a *fraction* (0.72 → "70%", in 10-point steps rounded down, with
    :func:`~analysis.core.i18n.fmt_probability`), ``deadline`` as a (short) date or period.
    Missing values show as "—".

    ``status`` is one of :data:`STATUSES`; its label comes from the catalog (``status.<key>``)
    unless ``label`` gives other words for it ("Hoàn thành đúng hạn" for a target met by its
    deadline).
    """

    indicator: str
    value: Any
    target: Any
    deadline: Any
    probability: Any
    required_pace: Any
    current_pace: Any
    status: str
    note: str | None = None
    label: str | None = None


def _keep_unit(text: str) -> str:
    """No line break between a value and a trailing ``%`` ("+1,20 điểm %" keeps "điểm %")."""
    return text.replace(" %", "\u00a0%")


def _cell(value: Any, lang: str, kind: str = "number") -> Any:
    if isinstance(value, str):
        return _keep_unit(plain_text(value))
    if is_missing(value) or hasattr(value, "__html__"):
        return plain_text(value)
    if kind == "probability" and isinstance(value, int | float):
        return fmt_probability(float(value), lang)
    if kind == "deadline":
        if isinstance(value, dt.date):
            return fmt_date(value, lang, short=True)
        return fmt_period(value, lang)
    if isinstance(value, int | float) or hasattr(value, "__float__"):
        return fmt_decimal(value, lang, decimals=2)
    return plain_text(value)


_STATUS_TEMPLATE = """
<table class="status-table">
{% if caption %}<caption>{{ caption }}</caption>{% endif %}
<colgroup>
  <col class="col-indicator"><col class="col-value"><col class="col-target">
  <col class="col-deadline"><col class="col-probability"><col class="col-pace">
  <col class="col-pace"><col class="col-status">
</colgroup>
<thead>
<tr>
  <th scope="col">{{ h.indicator }}</th>
  <th scope="col" class="num">{{ h.value }}</th>
  <th scope="col" class="num">{{ h.target }}</th>
  <th scope="col">{{ h.deadline }}</th>
  <th scope="col" class="num">{{ h.probability }}</th>
  <th scope="col" class="num">{{ h.required_pace }}</th>
  <th scope="col" class="num">{{ h.current_pace }}</th>
  <th scope="col">{{ h.status }}</th>
</tr>
</thead>
<tbody>
{% for r in rows %}
<tr class="status-{{ r.status }}">
  <th scope="row" class="indicator">{{ r.indicator }}
    {%- if r.note %}<span class="row-note">{{ r.note }}</span>{% endif %}</th>
  <td class="num">{{ r.value }}</td>
  <td class="num">{{ r.target }}</td>
  <td>{{ r.deadline }}</td>
  <td class="num">{{ r.probability }}</td>
  <td class="num">{{ r.required_pace }}</td>
  <td class="num">{{ r.current_pace }}</td>
  <td class="status-cell"><span class="dot" aria-hidden="true"></span>
    <span class="status-text">{{ r.status_text }}</span></td>
</tr>
{% endfor %}
</tbody>
</table>
"""


def status_table(
    rows: Iterable[StatusRow | Mapping[str, Any]],
    lang: str | None = "vi",
    caption: str | None = None,
) -> Fragment:
    """The traffic-light table: value, target, deadline, probability, paces and status.

    The status is shown as a coloured dot *and* its text ("Đúng tiến độ"), never colour alone.

    Parameters
    ----------
    rows
        :class:`StatusRow` objects or mappings with its field names.
    lang
        Language of the headers and status labels.
    caption
        Optional caption above the table (plain text).

    Raises
    ------
    ValueError
        For a status that is not one of :data:`STATUSES`.
    """
    lang = normalize_lang(lang)
    headers = {
        name: t(f"table.{name}", lang)
        for name in (
            "indicator",
            "value",
            "target",
            "deadline",
            "probability",
            "required_pace",
            "current_pace",
            "status",
        )
    }
    prepared = []
    for row in rows:
        data = asdict(row) if isinstance(row, StatusRow) else dict(row)
        status = str(data.get("status", "no_data"))
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}; use one of {STATUSES}")
        prepared.append(
            {
                "indicator": plain_text(data.get("indicator")),
                "value": _cell(data.get("value"), lang),
                "target": _cell(data.get("target"), lang),
                "deadline": _cell(data.get("deadline"), lang, "deadline"),
                "probability": _cell(data.get("probability"), lang, "probability"),
                "required_pace": _cell(data.get("required_pace"), lang),
                "current_pace": _cell(data.get("current_pace"), lang),
                "status": status,
                "status_text": plain_text(data["label"])
                if data.get("label")
                else t(f"status.{status}", lang),
                "note": None if is_missing(data.get("note")) else plain_text(data.get("note")),
            }
        )
    return render_fragment(
        _STATUS_TEMPLATE,
        rows=prepared,
        h=headers,
        caption=None if caption is None else plain_text(caption),
    )


_RISK_TEMPLATE = """
<table class="status-table risk-table">
<thead><tr><th scope="col" class="col-indicator">{{ h.indicator }}</th>
<th scope="col" class="col-target">{{ h.target }}</th>
<th scope="col" class="col-deadline">{{ h.deadline }}</th>
<th scope="col" class="col-status">{{ h.summary }}</th>
<th scope="col" class="col-wide">{{ h.provinces }}</th>
</tr></thead>
<tbody>
{% for r in rows %}<tr>
<th scope="row" class="col-indicator">{{ r.indicator }}</th><td class="num">{{ r.target }}</td>
<td>{{ r.deadline }}</td>
<td class="status-{{ r.tone }}"><span class="dot" aria-hidden="true"></span>{{ r.summary }}</td>
<td class="col-wide">{{ r.provinces }}</td></tr>
{% endfor %}
</tbody></table>
"""


def _risk_summary(r: Any, lang: str) -> tuple[str, str, int]:
    """Summary text, tone and count of provinces needing attention for one target.

    A deadline reached (this month or before) is counted from the figures: missed, met late,
    awaiting the deadline's figure; a deadline ahead, at risk or off track and too little data.
    """
    total = int(r.n_total)
    missed, late = int(getattr(r, "n_missed", 0)), int(getattr(r, "n_late", 0))
    awaiting = int(getattr(r, "n_awaiting", 0))
    insufficient = int(getattr(r, "n_insufficient", 0))
    open_bad = int(r.n_at_risk + r.n_off_track + getattr(r, "n_met_at_risk", 0))
    if getattr(r, "deadline_reached", getattr(r, "deadline_passed", False)):
        parts = [t("risk.missed_summary", lang, count=missed, total=total)]
        achieved = int(getattr(r, "n_achieved", 0))
        if achieved:
            parts.append(t("risk.met_summary", lang, count=achieved))
        if late:
            parts.append(t("risk.late_summary", lang, count=late))
        if awaiting:
            parts.append(t("risk.awaiting_summary", lang, count=awaiting))
        tone = "missed" if missed else "awaiting_deadline_figure" if awaiting else "achieved"
        return "; ".join(parts), tone, missed + awaiting
    parts = [t("risk.summary", lang, count=open_bad + missed, total=total)]
    if insufficient:
        parts.append(t("risk.insufficient_summary", lang, count=insufficient))
    tone = (
        "missed"
        if missed
        else "off_track"
        if r.n_off_track
        else "at_risk"
        if open_bad
        else "on_track"
    )
    return "; ".join(parts), tone, open_bad + missed


def risk_table(risk: Any, lang: str | None = "vi") -> Fragment:
    """For each target, how many provinces are at risk, off track or missed it, and which.

    ``risk`` is :func:`analysis.reporting.report_tables.provinces_at_risk` (a DataFrame with
    indicator, target, deadline, deadline_reached, n_at_risk, n_off_track, n_missed, n_late,
    n_awaiting, n_insufficient, n_total and provinces). A deadline reached counts who missed
    it, who met it late and whose deadline figure is awaited; a deadline ahead, who is at risk
    or off track and who has too little data.
    """

    lang = normalize_lang(lang)
    rows = []
    for r in risk.itertuples():
        summary, tone, n_bad = _risk_summary(r, lang)
        reached = getattr(r, "deadline_reached", getattr(r, "deadline_passed", False))
        rows.append(
            {
                "indicator": catalog.get(r.indicator).short(lang),
                "target": fmt_percent(r.target, lang, 0),
                "deadline": fmt_period(to_period(r.deadline), lang),
                "summary": summary,
                "provinces": ", ".join(r.provinces)
                if n_bad
                else t("risk.none_missed" if reached else "risk.none", lang),
                "tone": tone,
            }
        )
    headers = {
        "indicator": t("table.indicator", lang),
        "target": t("table.target", lang),
        "deadline": t("table.deadline", lang),
        "summary": t("table.status", lang),
        "provinces": t("risk.provinces", lang),
    }
    return render_fragment(_RISK_TEMPLATE, rows=rows, h=headers)


@dataclass(frozen=True)
class VerdictRow:
    """One target due this year in the national overview's verdict table (text as shown).

    ``counts`` lists ``(status, number of units, label)`` in the order the bar draws them;
    ``status`` is the country's own status (one of :data:`STATUSES`), ``label`` its words.
    """

    indicator: str
    target: str
    deadline: str
    national: str
    coverage: str
    forecast: str
    probability: str
    status: str
    label: str
    counts: list[tuple[str, int, str]]


_VERDICT_TABLE = """
<table class="status-table verdict-table">
<colgroup>
  <col class="col-indicator"><col class="col-target"><col class="col-national">
  <col class="col-forecast"><col class="col-probability"><col class="col-status">
  <col class="col-bar">
</colgroup>
<thead><tr>
<th scope="col">{{ h.indicator }}</th>
<th scope="col">{{ h.target }}</th>
<th scope="col" class="num">{{ h.national }}</th>
<th scope="col" class="num">{{ h.forecast }}</th>
<th scope="col" class="num">{{ h.probability }}</th>
<th scope="col">{{ h.status }}</th>
<th scope="col">{{ h.units }}</th>
</tr></thead>
<tbody>
{% for r in rows %}<tr class="status-{{ r.status }}">
<th scope="row" class="indicator">{{ r.indicator }}</th>
<td>{{ r.target }}<span class="row-note">{{ r.deadline }}</span></td>
<td class="num">{{ r.national }}
{%- if r.coverage %}<span class="row-note">{{ r.coverage }}</span>{% endif %}</td>
<td class="num">{{ r.forecast }}</td>
<td class="num">{{ r.probability }}</td>
<td class="status-cell"><span class="dot" aria-hidden="true"></span>
<span class="status-text">{{ r.label }}</span></td>
<td class="bar-cell"><div class="count-bar" role="img" aria-label="{{ r.bar_text }}">
{%- for status, n, label, width in r.segments -%}
<span class="seg status-{{ status }}" style="width: {{ width }}%" title="{{ label }}: {{ n }}">
{%- if n >= r.min_shown %}{{ n }}{% endif %}</span>
{%- endfor -%}
</div></td>
</tr>
{% endfor %}</tbody>
</table>
<p class="kpi-legend bar-legend"><span class="legend-title">{{ legend_title }}</span>
{% for status, label in legend %}<span class="legend-item status-{{ status }}">
<span class="swatch" aria-hidden="true"></span>{{ label }}</span>
{% endfor %}</p>
"""


def verdict_table(rows: Iterable[VerdictRow], lang: str | None = "vi") -> Fragment:
    """The national verdict: per target due this year, the country's value, forecast to the
    deadline, probability and status, and the units by status as a bar (each segment's count
    written in it when it has room; every count in the bar's text alternative and title)."""
    lang = normalize_lang(lang)
    prepared, used = [], []
    for row in rows:
        if row.status not in STATUSES:
            raise ValueError(f"unknown status {row.status!r}; use one of {STATUSES}")
        total = sum(n for _, n, _ in row.counts) or 1
        segments = [
            (s, n, plain_text(label), round(100 * n / total, 3)) for s, n, label in row.counts
        ]
        used += [s for s, _, _ in row.counts if s not in used]
        prepared.append(
            {
                **{k: plain_text(v) for k, v in asdict(row).items() if k != "counts"},
                "coverage": plain_text(row.coverage) if row.coverage else None,
                "status": row.status,
                "segments": segments,
                "bar_text": "; ".join(f"{label}: {n}" for _, n, label in row.counts),
                # A count is written in its segment from 2 units of 34 up (one is too narrow).
                "min_shown": 2 if total > 20 else 1,
            }
        )
    headers = {
        "indicator": t("table.indicator", lang),
        "target": t("overview.col_target", lang),
        "national": t("overview.col_national", lang),
        "forecast": t("overview.col_forecast", lang),
        "probability": t("overview.col_probability", lang),
        "status": t("overview.col_status", lang),
        "units": t("overview.col_units", lang),
    }
    order = [s for s in STATUSES if s in used]
    return render_fragment(
        _VERDICT_TABLE,
        rows=prepared,
        h=headers,
        legend=[(s, t(f"status.{s}", lang)) for s in order],
        legend_title=t("overview.legend_units", lang),
    )


_SIMPLE_TABLE = """
<table class="data-table {{ css }}">
<thead><tr>{% for h in headers %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr><th scope="row">{{ row[0] }}</th>
{%- for cell in row[1:] %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
"""


def simple_table(headers: list[str], rows: list[list[Any]], css: str = "compact") -> Fragment:
    """A plain table of text cells, the first cell of each row its header."""
    return render_fragment(
        _SIMPLE_TABLE,
        headers=[plain_text(h) for h in headers],
        rows=[[plain_text(c) for c in row] for row in rows],
        css=css,
    )
