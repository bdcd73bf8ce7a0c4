"""Notices, the method note and the list of changes since last month."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from analysis.core.i18n import t
from analysis.reporting.render.components.base import (
    DIRECTIONS,
    Fragment,
    plain_text,
    render_fragment,
    tone_or_neutral,
)

_NOTICE_TEMPLATE = """
<div class="notice tone-{{ tone }}{% if synthetic %} synthetic{% endif %}" role="note">
{% if title %}<p class="notice-title">{{ title }}</p>{% endif %}
<p>{{ text }}</p>
</div>
"""


def notice_box(
    text: str, tone: str = "warning", title: str | None = None, synthetic: bool = False
) -> Fragment:
    """A highlighted note (``tone``: ``warning`` default, ``bad``, ``info``)."""
    return render_fragment(
        _NOTICE_TEMPLATE,
        text=plain_text(text),
        title=None if title is None else plain_text(title),
        tone=tone_or_neutral(tone),
        synthetic=synthetic,
    )


def synthetic_notice(lang: str | None = "vi") -> Fragment:
    """The synthetic-data notice box (the exporters add it on their own when metadata says so)."""
    return notice_box(
        t("notice.synthetic_detail", lang),
        tone="bad",
        title=t("notice.synthetic", lang),
        synthetic=True,
    )


_METHOD_TEMPLATE = """
<section class="method-note">
<h3>{{ title }}</h3>
<div class="method-full">
{% for p in paragraphs %}<p>{{ p }}</p>
{% endfor %}
</div>
<p class="method-short">{{ short }}</p>
</section>
"""

METHOD_NOTE_KEYS: tuple[str, ...] = (
    "method.data",
    "method.forecast",
    "method.status_rules",
    "method.after_deadline",
    "method.coverage",
)


def method_note(lang: str | None = "vi") -> Fragment:
    """The standard method note (data, forecast, status rules, coverage) from the catalog.

    Two versions in one section: the full note (the HTML on screen) and a short one of a few
    sentences (``method.short``) that the printed page shows instead (the stylesheet's print
    rules), so the PDF's reader gets the method in a few lines and the full note stays one
    click away in the HTML.

    The status thresholds and the minimum history for a forecast are the forecast engine's own
    values, the coverage threshold is the comparison's, and the calibration it quotes is the
    one measured for the shipped probability map (``probability_check.json``), so the note
    cannot drift from what the tables show or from what was measured.
    """
    from analysis.analyses.compare import COVERAGE_THRESHOLD
    from analysis.analyses.forecasting import (
        MIN_HISTORY_MONTHLY,
        MIN_HISTORY_OTHER,
        StatusThresholds,
    )
    from analysis.analyses.forecasting.probability import (
        calibrate_probability,
        load_check,
        quoted_share,
    )
    from analysis.core.i18n import PROBABILITY_STEP

    thr = StatusThresholds()
    check = load_check()
    # Measured on the accuracy benchmark's locked test part (the file says when), for the
    # probabilities each frequency reports: mapped where its map is applied, raw where not.
    if check["annual"]["map_applied"]:
        annual = t(
            "method.forecast_annual_calibrated",
            lang,
            band_met=quoted_share(check, "annual", "band_70_90"),
            on_met=quoted_share(check, "annual", "on_track"),
        )
    else:
        annual = t(
            "method.forecast_annual_raw", lang, on_met=quoted_share(check, "annual", "on_track")
        )
    if check["monthly"]["map_applied"]:
        # The highest probability a monthly forecast can report: the map at a share of 1.
        top = float(calibrate_probability(1.0, "M"))
        monthly = t(
            "method.forecast_monthly_calibrated",
            lang,
            raw_on_met=quoted_share(check, "monthly", "raw_on_track"),
            high_met=quoted_share(check, "monthly", "given_60_up"),
            low_met=quoted_share(check, "monthly", "off_track"),
        )
        if top < thr.on_track:
            monthly += " " + t(
                "method.forecast_monthly_below_on_track", lang, on_track=round(100 * thr.on_track)
            )
        else:
            cap = PROBABILITY_STEP * math.floor(100 * top / PROBABILITY_STEP)
            monthly += " " + t("method.forecast_monthly_cap", lang, cap=cap)
    else:
        monthly = t(
            "method.forecast_monthly_raw", lang, on_met=quoted_share(check, "monthly", "on_track")
        )
    numbers: dict[str, dict[str, Any]] = {
        "method.status_rules": {
            "on_track": round(100 * thr.on_track),
            "at_risk": round(100 * thr.at_risk),
        },
        "method.forecast": {
            "min_months": MIN_HISTORY_MONTHLY,
            "min_years": MIN_HISTORY_OTHER,
            "annual": annual,
            "monthly": monthly,
        },
        "method.coverage": {"share": round(100 * COVERAGE_THRESHOLD)},
    }
    return render_fragment(
        _METHOD_TEMPLATE,
        title=t("method.title", lang),
        paragraphs=[t(key, lang, **numbers.get(key, {})) for key in METHOD_NOTE_KEYS],
        short=t("method.short", lang, **numbers["method.status_rules"]),
    )


_VERDICT_TEMPLATE = """
<section class="verdict">
<h2>{{ title }}</h2>
{% for s in sentences %}<p>{{ s }}</p>
{% endfor %}
</section>
"""


def verdict_box(sentences: Iterable[str], lang: str | None = "vi") -> Fragment:
    """The few sentences a page opens with, under their heading ("Đánh giá chung")."""
    return render_fragment(
        _VERDICT_TEMPLATE,
        title=t("verdict.title", lang),
        sentences=[plain_text(s) for s in sentences],
    )


@dataclass(frozen=True)
class Change:
    """One line of "what changed since last month"."""

    text: str
    direction: str | None = None
    tone: str = "neutral"


_CHANGES_TEMPLATE = """
<section class="changes">
{% if title %}<h3>{{ title }}</h3>{% endif %}
{% if items %}
<ul>
{% for c in items %}<li class="tone-{{ c.tone }}">
  {%- if c.direction %}<span class="arrow arrow-{{ c.direction }}" aria-hidden="true"></span>
  {%- else %}<span class="bullet" aria-hidden="true"></span>{% endif %}{{ c.text }}</li>
{% endfor %}
</ul>
{% elif empty %}<p>{{ empty }}</p>
{% endif %}
</section>
"""


def changes_list(
    items: Iterable[str | Change | Mapping[str, Any]], lang: str | None = None
) -> Fragment:
    """A list of changes since last month.

    Parameters
    ----------
    items
        Plain strings, :class:`Change` objects or mappings (``text``, ``direction``, ``tone``).
    lang
        If given, adds the heading ("Những thay đổi so với tháng trước") and, for an empty list,
        the catalog's "no notable changes" sentence.
    """
    prepared = []
    for item in items:
        if isinstance(item, str):
            item = Change(item)
        data = asdict(item) if isinstance(item, Change) else dict(item)
        prepared.append(
            {
                "text": plain_text(data.get("text")),
                "direction": data.get("direction") if data.get("direction") in DIRECTIONS else None,
                "tone": tone_or_neutral(data.get("tone")),
            }
        )
    return render_fragment(
        _CHANGES_TEMPLATE,
        items=prepared,
        title=t("changes.title", lang) if lang else None,
        empty=t("changes.none", lang) if lang else None,
    )
