"""KPI cards: one headline figure each (value, change, rank), in a row, and their colour legend.

A card's colour says one thing: the status of the indicator's target (the palette of
``analysis.reporting.charts.STATUS_COLORS``, the same in charts, tables and cards), or, for an
indicator without a target, whether it got better or worse for its direction. The legend under
the cards says so in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from analysis.core.i18n import is_missing, t
from analysis.reporting.render.components.base import (
    DIRECTIONS,
    STATUSES,
    Fragment,
    plain_text,
    render_fragment,
    tone_or_neutral,
)

TRENDS: frozenset[str] = frozenset({"better", "worse"})
"""Change judged by the indicator's direction (a fall is better when lower is better)."""

CARD_STATUSES: tuple[str, ...] = (*STATUSES, "better", "worse", "neutral", "stale")
"""What a card can be coloured by: a report status, better / worse, neutral, or stale (a figure
of an earlier period, or none this period)."""


@dataclass(frozen=True)
class KpiCard:
    """One headline figure.

    Parameters
    ----------
    label
        What is measured ("Tỷ lệ hồ sơ trực tuyến toàn trình").
    value
        The formatted value ("45,03%"): format with ``analysis.core.i18n.fmt_*``.
    change
        Formatted change text ("+1,20 điểm % so với tháng trước"), optional.
    rank
        Formatted rank text (``analysis.core.i18n.rank_text``), optional.
    tone
        ``good`` / ``warning`` / ``bad`` / ``neutral``: used only when ``status`` is not given.
    direction
        ``up`` / ``down`` / ``flat``: draws an arrow before the change (direction, not judgement:
        a fall can be good).
    note
        Small print under the card, optional.
    status
        One of :data:`CARD_STATUSES`: colours the card's top rule.
    trend
        ``better`` / ``worse``: colours the change text.
    change_year
        Formatted change against the same period a year earlier ("+5,10 điểm % so với cùng
        kỳ năm trước"), optional (the card of an annual figure says it in ``change``).
    trend_year
        ``better`` / ``worse``: colours the year-over-year change text.
    """

    label: str
    value: str
    change: str | None = None
    rank: str | None = None
    tone: str = "neutral"
    direction: str | None = None
    note: str | None = None
    status: str | None = None
    trend: str | None = None
    change_year: str | None = None
    trend_year: str | None = None


_KPI_TEMPLATE = """
<div class="kpi-cards cols-{{ cols }}">
{% for c in cards %}
  <div class="kpi-card tone-{{ c.tone }}{% if c.status %} status-{{ c.status }}{% endif %}">
    <div class="kpi-label">{{ c.label }}</div>
    <div class="kpi-value">{{ c.value }}</div>
    {% if c.change %}
    <div class="kpi-change{% if c.trend %} trend-{{ c.trend }}{% endif %}">
      {%- if c.direction %}<span class="arrow arrow-{{ c.direction }}" aria-hidden="true"></span>
      {%- endif %}{{ c.change }}</div>
    {% endif %}
    {% if c.change_year %}
    <div class="kpi-change kpi-change-year
      {%- if c.trend_year %} trend-{{ c.trend_year }}{% endif %}">{{ c.change_year }}</div>
    {% endif %}
    {% if c.rank %}<div class="kpi-rank">{{ c.rank }}</div>{% endif %}
    {% if c.note %}<div class="kpi-note">{{ c.note }}</div>{% endif %}
  </div>
{% endfor %}
</div>
"""


def _optional(data: Mapping[str, Any], key: str) -> Any:
    return None if is_missing(data.get(key)) else plain_text(data[key])


def _prepare(card: KpiCard | Mapping[str, Any]) -> dict[str, Any]:
    data = asdict(card) if isinstance(card, KpiCard) else dict(card)
    unknown = set(data) - set(KpiCard.__dataclass_fields__)
    if unknown:
        raise TypeError(f"unknown KPI card field(s): {sorted(unknown)}")
    status = data.get("status")
    if status is not None and status not in CARD_STATUSES:
        raise ValueError(f"unknown KPI card status {status!r}; use one of {CARD_STATUSES}")
    return {
        "label": plain_text(data.get("label")),
        "value": plain_text(data.get("value")),
        "change": _optional(data, "change"),
        "rank": _optional(data, "rank"),
        "note": _optional(data, "note"),
        "tone": tone_or_neutral(data.get("tone")),
        "direction": data.get("direction") if data.get("direction") in DIRECTIONS else None,
        "status": status,
        "trend": data.get("trend") if data.get("trend") in TRENDS else None,
        "change_year": _optional(data, "change_year"),
        "trend_year": data.get("trend_year") if data.get("trend_year") in TRENDS else None,
    }


def kpi_cards(cards: Iterable[KpiCard | Mapping[str, Any]]) -> Fragment:
    """A row of KPI cards (two rows of three for six cards; rows of four beyond).

    Parameters
    ----------
    cards
        :class:`KpiCard` objects or mappings with the same keys.

    Returns
    -------
    Fragment
        Displayable HTML.

    Raises
    ------
    TypeError, ValueError
        For an unknown field, or a status not in :data:`CARD_STATUSES`.
    """
    prepared = [_prepare(card) for card in cards]
    # Up to five cards share one row; six make two rows of three; more, rows of four.
    n = len(prepared)
    cols = n if 1 <= n <= 5 else 3 if n == 6 else 4
    return render_fragment(_KPI_TEMPLATE, cards=prepared, cols=cols)


_LEGEND_TEMPLATE = """
<p class="kpi-legend"><span class="legend-title">{{ title }}</span>
{% for key, text in items %}<span class="legend-item status-{{ key }}">
<span class="swatch" aria-hidden="true"></span>{{ text }}</span>
{% endfor %}</p>
"""


def kpi_legend(cards: Iterable[KpiCard | Mapping[str, Any]], lang: str | None = "vi") -> Fragment:
    """What the colours of ``cards`` mean, one entry per colour used, in words."""
    used = []
    for card in cards:
        status = card.status if isinstance(card, KpiCard) else card.get("status")
        if status and status not in used:
            used.append(status)
    order = [s for s in CARD_STATUSES if s in used]
    items = []
    for key in order:
        if key in ("better", "worse", "neutral"):
            text = t(f"kpi.legend_{key}", lang)
        elif key == "stale":
            continue  # the card says it in words ("số liệu tháng 9/2026")
        else:
            text = t(f"status.{key}", lang)
        items.append((key, text))
    return render_fragment(_LEGEND_TEMPLATE, title=t("kpi.legend_title", lang), items=items)
