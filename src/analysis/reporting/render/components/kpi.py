"""KPI cards: one headline figure each (value, change, rank), in a row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from analysis.reporting.i18n import is_missing
from analysis.reporting.render.components.base import DIRECTIONS, Fragment, _fragment, _text, _tone


@dataclass(frozen=True)
class KpiCard:
    """One headline figure.

    Parameters
    ----------
    label
        What is measured ("Tỷ lệ hồ sơ trực tuyến toàn trình").
    value
        The formatted value ("45,03%"): format with ``analysis.reporting.i18n.fmt_*``.
    change
        Formatted change text ("+1,20 điểm % so với tháng trước"), optional.
    rank
        Formatted rank text (``t("kpi.rank", lang, rank=3, of=34)``), optional.
    tone
        ``good`` / ``warning`` / ``bad`` / ``neutral``: colours the card's top rule and change.
    direction
        ``up`` / ``down`` / ``flat``: draws an arrow before the change (direction, not judgement:
        a fall can be good).
    note
        Small print under the card, optional.
    """

    label: str
    value: str
    change: str | None = None
    rank: str | None = None
    tone: str = "neutral"
    direction: str | None = None
    note: str | None = None


_KPI_TEMPLATE = """
<div class="kpi-cards cols-{{ cols }}">
{% for c in cards %}
  <div class="kpi-card tone-{{ c.tone }}">
    <div class="kpi-label">{{ c.label }}</div>
    <div class="kpi-value">{{ c.value }}</div>
    {% if c.change %}
    <div class="kpi-change">
      {%- if c.direction %}<span class="arrow arrow-{{ c.direction }}" aria-hidden="true"></span>
      {%- endif %}{{ c.change }}</div>
    {% endif %}
    {% if c.rank %}<div class="kpi-rank">{{ c.rank }}</div>{% endif %}
    {% if c.note %}<div class="kpi-note">{{ c.note }}</div>{% endif %}
  </div>
{% endfor %}
</div>
"""


def kpi_cards(cards: Iterable[KpiCard | Mapping[str, Any]]) -> Fragment:
    """A row of KPI cards (wraps onto a second row beyond four or five cards).

    Parameters
    ----------
    cards
        :class:`KpiCard` objects or mappings with the same keys (``label``, ``value``,
        ``change``, ``rank``, ``tone``, ``direction``, ``note``).

    Returns
    -------
    Fragment
        Displayable HTML.
    """
    prepared = []
    for card in cards:
        data = asdict(card) if isinstance(card, KpiCard) else dict(card)
        unknown = set(data) - set(KpiCard.__dataclass_fields__)
        if unknown:
            raise TypeError(f"unknown KPI card field(s): {sorted(unknown)}")
        prepared.append(
            {
                "label": _text(data.get("label")),
                "value": _text(data.get("value")),
                "change": None if is_missing(data.get("change")) else _text(data["change"]),
                "rank": None if is_missing(data.get("rank")) else _text(data["rank"]),
                "note": None if is_missing(data.get("note")) else _text(data["note"]),
                "tone": _tone(data.get("tone")),
                "direction": data.get("direction") if data.get("direction") in DIRECTIONS else None,
            }
        )
    # Up to five cards share one row; more continue on the next rows, four to a row.
    cols = len(prepared) if 1 <= len(prepared) <= 5 else 4
    return _fragment(_KPI_TEMPLATE, cards=prepared, cols=cols)
