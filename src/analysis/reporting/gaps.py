"""What the reports say about figures that did not come in: never a unit silently dropped.

A leadership briefing opens with a notice when its unit's month is partial (an indicator not
reported, or a merged unit whose former province has not reported); the national overview
lists every unit with a gap ("chưa có số liệu tháng 10/2026; số liệu gần nhất: tháng 9/2026")
and, when the store records who sent what (the ``submissions`` table), how the month's
collection stands by province. The gaps come from
:func:`analysis.analyses.completeness.unit_gaps`.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from analysis.analyses.completeness import Gap, unit_gaps
from analysis.analyses.monthly import PeriodResults
from analysis.analyses.receipts import collection_status
from analysis.core.i18n import fmt_period, t
from analysis.reference import catalog, geography
from analysis.reporting.render import components


def gaps(results: PeriodResults) -> dict[str, list[Gap]]:
    """Every unit's gaps in the results' period (see :func:`unit_gaps`)."""
    return unit_gaps(results.observations, str(results.period), results.dataset)


def gap_text(gap: Gap, period: str, lang: str = "vi") -> str:
    """One gap in words, with its period and the latest period that has a figure."""
    latest = fmt_period(gap.latest, lang) if gap.latest else t("collection.gaps.none_yet", lang)
    when = fmt_period(period, lang)
    if gap.indicator is None:
        return t("collection.gaps.month_missing", lang, period=when, latest=latest)
    name = catalog.get(gap.indicator).short(lang)
    if gap.kind == "partial":
        return t(
            "collection.gaps.partial",
            lang,
            indicator=name,
            period=when,
            former=", ".join(gap.missing_former),
            latest=latest,
        )
    return t("collection.gaps.indicator_missing", lang, indicator=name, period=when, latest=latest)


def gap_notice(results: PeriodResults, province: str, lang: str = "vi") -> object | None:
    """The notice a unit's briefing opens with when its month is partial; ``None`` if complete."""
    mine = gaps(results).get(province)
    if not mine:
        return None
    period = str(results.period)
    # One line per gap: trusted markup of escaped texts (notice_box keeps a Fragment as is).
    lines: Any = components.Fragment(
        "<br>".join(html.escape(gap_text(g, period, lang)) for g in mine)
    )
    return components.notice_box(
        lines,
        tone="warning",
        title=t("collection.gaps.title", lang, period=fmt_period(period, lang)),
    )


def completeness_section(results: PeriodResults, lang: str = "vi") -> str:
    """The national overview's completeness section as HTML: gaps by unit, then receipts."""
    period = str(results.period)
    when = fmt_period(period, lang)
    found = gaps(results)
    parts = [f"<h2>{html.escape(t('collection.gaps.section', lang))}</h2>"]
    if not found:
        parts.append(f"<p>{html.escape(t('collection.gaps.complete', lang, period=when))}</p>")
    else:
        intro = html.escape(t("collection.gaps.intro", lang, period=when))
        parts.append(f"<p class='small-note'>{intro}</p><ul>")
        for unit in (u for u in geography.units() if u.basis == "34"):
            for gap in found.get(unit.codename, []):
                text = f"{unit.display_name}: {gap_text(gap, period, lang)}"
                parts.append(f"<li>{html.escape(text)}</li>")
        parts.append("</ul>")
    receipts = receipts_table(results, lang)
    if receipts is not None:
        parts.append(f"<h3>{html.escape(t('collection.gaps.receipts', lang))}</h3>")
        parts.append(receipts.to_html(index=False, escape=True, classes="data-table compact"))
    return "\n".join(parts)


def receipts_table(results: PeriodResults, lang: str = "vi") -> pd.DataFrame | None:
    """Received, late, missing and implausible figures by unit; ``None`` without submissions."""

    if results.dataset != "submitted":
        return None
    status = collection_status(results.period, check_files=False)
    if not any(s.files for u in status.units for s in u.indicators):
        return None
    rows = [
        {
            t("collection.col_province", lang): u.name,
            t("collection.status.col_status", lang): t(f"collection.status.{u.summary}", lang),
            t("collection.gaps.received", lang): u.count("on_time") + u.count("late"),
            t("collection.status.late", lang): u.count("late"),
            t("collection.status.missing", lang): (
                u.count("missing") + u.count("refused") + u.count("partial")
            ),
            t("collection.status.implausible", lang): u.implausible,
        }
        for u in status.units
    ]
    return pd.DataFrame(rows)
