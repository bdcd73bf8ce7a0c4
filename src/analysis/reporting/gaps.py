"""What the reports say about figures that did not come in: never a unit silently dropped.

Every sentence here comes from one rule (:mod:`analysis.analyses.completeness`): a unit-month
is complete when every indicator due that month has a figure, partial when some have (n of m),
missing when none has. A leadership briefing opens with a notice when its unit's month is not
complete, naming each missing indicator ("Số hóa hồ sơ địa chính: chưa có số liệu tháng
12/2026; số liệu gần nhất: tháng 11/2026"); the national overview says how many units reported
("1/34 tỉnh, thành phố có số liệu tháng 12/2026 ...") and names what each lacks, and, when the
store records who sent what (the ``submissions`` table), shows the month's receipts by unit.
The index pages say the same per unit.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from analysis.analyses import compare, monthly
from analysis.analyses.completeness import (
    COMPLETE,
    MISSING,
    PARTIAL,
    Gap,
    MonthCompleteness,
    UnitMonth,
    month_completeness,
)
from analysis.analyses.monthly import PeriodResults
from analysis.analyses.receipts import collection_status
from analysis.core.i18n import fmt_period, t, upper_first
from analysis.reference import catalog
from analysis.reporting.render import components


def completeness(results: PeriodResults) -> MonthCompleteness:
    """The rule applied to the results' period and dataset.

    Computed once per process for results read from the store (:func:`.monthly.derived`): a
    reused kernel makes one briefing after another, each with its own copy of the period's
    results, and each asks for every unit's month to tell its own.
    """
    return monthly.derived(
        results,
        "completeness",
        lambda: month_completeness(results.observations, str(results.period), results.dataset),
    )


def gaps(results: PeriodResults) -> dict[str, list[Gap]]:
    """Every unit's missing figures in the results' period: codename -> gaps (units whose
    month is complete are absent)."""
    return {u.province: list(u.gaps) for u in completeness(results).units if u.gaps}


def gap_text(gap: Gap, lang: str = "vi") -> str:
    """One missing figure in words, with its period and the latest period that has one."""
    latest = fmt_period(gap.latest, lang) if gap.latest else t("collection.gaps.none_yet", lang)
    when = fmt_period(gap.period, lang)
    name = catalog.get(gap.indicator).short(lang)
    if gap.missing_former:
        return t(
            "collection.gaps.partial",
            lang,
            indicator=name,
            period=when,
            former=", ".join(gap.missing_former),
            latest=latest,
        )
    return t("collection.gaps.indicator_missing", lang, indicator=name, period=when, latest=latest)


def unit_lines(unit: UnitMonth, period: str, lang: str = "vi") -> list[str]:
    """A unit's month in words: nothing for a complete month; how many of the figures due came
    in and each one missing for a partial month; the month missing, with the latest month
    that has figures, for a unit without any."""
    when = fmt_period(period, lang)
    if unit.state == COMPLETE:
        return []
    if unit.state == MISSING:
        if unit.latest is None:
            return [t("collection.gaps.month_none", lang, period=when)]
        latest = fmt_period(unit.latest, lang)
        return [t("collection.gaps.month_missing", lang, period=when, latest=latest)]
    head = t(
        "collection.gaps.partial_count",
        lang,
        received=unit.n_received,
        due=unit.n_due,
        period=when,
        missing=unit.n_due - unit.n_received,
    )
    return [head, *(gap_text(g, lang) for g in unit.gaps)]


def gap_notice(results: PeriodResults, province: str, lang: str = "vi") -> object | None:
    """The notice a unit's briefing opens with when its month is not complete; ``None`` if it
    is (every indicator due that month has a figure)."""
    unit = completeness(results).unit(province)
    lines = unit_lines(unit, str(results.period), lang)
    if not lines:
        return None
    # One line each: trusted markup of escaped texts (notice_box keeps a Fragment as is).
    text: Any = components.Fragment("<br>".join(html.escape(upper_first(line)) for line in lines))
    return components.notice_box(
        text,
        tone="warning",
        title=t("collection.gaps.title", lang, period=fmt_period(results.period, lang)),
    )


def summary_text(found: MonthCompleteness, lang: str = "vi") -> str:
    """One sentence on the month: all complete, or how many units reported (complete and
    partial) and how many sent nothing."""
    when = fmt_period(found.period, lang)
    total = len(found.units)
    if found.complete:
        return t("collection.gaps.complete", lang, total=total, period=when)
    return t(
        "collection.gaps.summary",
        lang,
        reported=found.n_reported,
        total=total,
        period=when,
        complete=len(found.with_state(COMPLETE)),
        partial=len(found.with_state(PARTIAL)),
        due=found.n_due,
        missing=len(found.with_state(MISSING)),
    )


def coverage_note(results: PeriodResults, lang: str = "vi") -> str | None:
    """A sentence for the top of a national page when not every unit reported: the counts
    below are of the units that did (``None`` when all 34 have figures)."""
    found = completeness(results)
    if found.n_reported == len(found.units):
        return None
    return t(
        "collection.gaps.coverage_note",
        lang,
        reported=found.n_reported,
        total=len(found.units),
        period=fmt_period(found.period, lang),
        missing=len(found.units) - found.n_reported,
    )


def too_few_to_group(results: PeriodResults) -> bool:
    """Whether too few units reported for ranks and ranking groups to mean anything
    (:data:`~analysis.analyses.compare.MIN_RANKED`)."""
    return not compare.shows_rank(completeness(results).n_reported)


def too_few_text(results: PeriodResults, lang: str = "vi") -> str:
    """Why a national page shows no ranking groups (:func:`too_few_to_group`)."""
    found = completeness(results)
    return t(
        "collection.gaps.too_few_to_group",
        lang,
        period=fmt_period(found.period, lang),
        reported=found.n_reported,
        total=len(found.units),
        minimum=compare.MIN_RANKED,
    )


def completeness_section(results: PeriodResults, lang: str = "vi") -> str:
    """The national overview's completeness section as HTML: how many units reported, what
    each partial unit lacks, the units with nothing (those that never reported in one line),
    then the receipts."""
    found = completeness(results)
    period = found.period
    when = fmt_period(period, lang)
    parts = [
        f"<h2>{html.escape(t('collection.gaps.section', lang))}</h2>",
        f"<p>{html.escape(summary_text(found, lang))}</p>",
    ]
    if not found.complete:
        intro = html.escape(t("collection.gaps.intro", lang, period=when))
        parts.append(f"<p class='small-note'>{intro}</p><ul>")
        never = []
        for unit in found.units:
            if unit.state == MISSING and unit.latest is None:
                never.append(unit.name)
                continue
            lines = unit_lines(unit, period, lang)
            if lines:
                text = f"{unit.name}: " + "; ".join(lines)
                parts.append(f"<li>{html.escape(text)}</li>")
        if never:
            text = t(
                "collection.gaps.none_units",
                lang,
                count=len(never),
                period=when,
                names=", ".join(never),
            )
            parts.append(f"<li>{html.escape(text)}</li>")
        parts.append("</ul>")
    receipts = receipts_table(results, lang)
    if receipts is not None:
        table, others = receipts
        parts.append(f"<h3>{html.escape(t('collection.gaps.receipts', lang))}</h3>")
        parts.append(table.to_html(index=False, escape=True, classes="data-table compact"))
        if others:
            text = t("collection.gaps.receipts_others", lang, count=others)
            parts.append(f"<p class='small-note'>{html.escape(text)}</p>")
    return "\n".join(parts)


def receipts_table(results: PeriodResults, lang: str = "vi") -> tuple[pd.DataFrame, int] | None:
    """Received, late, missing and implausible figures of the units that sent something, and
    how many units sent nothing; ``None`` without submissions."""

    if results.dataset != "submitted":
        return None
    status = collection_status(results.period, check_files=False)
    if not any(s.files for u in status.units for s in u.indicators):
        return None
    shown = [u for u in status.units if u.state != MISSING or u.refused_files]
    rows = [
        {
            t("collection.col_province", lang): u.name,
            t("collection.status.col_status", lang): u.label(lang),
            t("collection.gaps.received", lang): f"{u.n_received}/{len(u.indicators)}",
            t("collection.status.late", lang): u.count("late"),
            t("collection.status.missing", lang): (
                u.count("missing") + u.count("refused") + u.count("partial")
            ),
            t("collection.status.implausible", lang): u.implausible,
        }
        for u in shown
    ]
    return pd.DataFrame(rows), len(status.units) - len(shown)


__all__ = [
    "completeness",
    "completeness_section",
    "coverage_note",
    "too_few_text",
    "too_few_to_group",
    "gap_notice",
    "gap_text",
    "gaps",
    "receipts_table",
    "summary_text",
    "unit_lines",
]
