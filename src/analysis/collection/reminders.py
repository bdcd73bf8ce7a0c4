"""What the collection status says to people: the status table, and reminders to provinces.

:func:`status_text` is the table ``python -m analysis status`` prints (Vietnamese by default):
one line per province with its counts, then the details a person acts on (late, partial,
refused, revised, implausible). :func:`write_reminders` writes who owes what as a CSV and one
ready-to-send text per province that owes anything.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from analysis.analyses.receipts import CollectionStatus, IndicatorStatus, UnitStatus
from analysis.core.clock import today
from analysis.core.i18n import fmt_date, fmt_decimal, fmt_period, fmt_points, t
from analysis.files import write_atomic
from analysis.reference import catalog, workbook

COUNTED = ("on_time", "late", "missing", "refused", "partial")


def status_text(status: CollectionStatus, lang: str = "vi") -> str:
    """The status as a table and details, in ``lang``."""
    lines = [
        t(
            "collection.status.heading",
            lang,
            period=fmt_period(status.period, lang),
            due=fmt_date(status.due_date, lang),
        ),
        "",
    ]
    heads = [
        t("collection.col_province", lang),
        t("collection.status.col_status", lang),
        *(t(f"collection.status.{s}", lang) for s in COUNTED),
        t("collection.status.revised", lang),
        t("collection.status.implausible", lang),
    ]
    rows = [
        [
            u.name,
            t(f"collection.status.{u.summary}", lang),
            *(str(u.count(s)) for s in COUNTED),
            str(u.revised),
            str(u.implausible),
        ]
        for u in status.units
    ]
    widths = [max(len(r[i]) for r in [heads, *rows]) for i in range(len(heads))]
    for row in [heads, *rows]:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    complete = sum(u.complete for u in status.units)
    lines += ["", t("collection.status.summary", lang, count=complete, total=len(status.units))]
    details = [f"- {u.name}: {d}" for u in status.units for d in unit_details(u, lang)]
    details += [
        "- " + t("collection.status.unattributed", lang, file=f, reason=r)
        for f, r in status.unattributed
    ]
    if status.waiting:
        details.append("- " + t("collection.status.waiting", lang, files=", ".join(status.waiting)))
    if details:
        lines += ["", t("collection.status.details", lang), *details]
    return "\n".join(lines)


def _name(indicator: str, lang: str) -> str:
    return catalog.get(indicator).short(lang)


def unit_details(unit: UnitStatus, lang: str = "vi") -> list[str]:
    """One line per thing to act on in a unit's month."""
    out = []
    missing = [s for s in unit.indicators if s.status == "missing"]
    if missing and len(missing) == len(unit.indicators):
        out.append(t("collection.status.detail_missing_all", lang, count=len(missing)))
    elif missing:
        out.append(
            t(
                "collection.status.detail_missing",
                lang,
                count=len(missing),
                indicators=", ".join(_name(s.indicator, lang) for s in missing),
            )
        )
    for refusal in unit.refused_files:
        out.append(
            t("collection.status.detail_refused", lang, file=refusal.file, reason=refusal.reason)
        )
    for s in unit.indicators:
        out += _indicator_details(s, lang)
    return out


def _indicator_details(s: IndicatorStatus, lang: str) -> list[str]:
    name = _name(s.indicator, lang)
    out = []
    if s.status == "late" and s.received:
        out.append(
            t(
                "collection.status.detail_late",
                lang,
                indicator=name,
                date=fmt_date(s.received, lang),
                days=s.days_late,
            )
        )
    if s.status == "partial":
        former = ", ".join(s.missing_former) or (s.reason or "")
        out.append(t("collection.status.detail_partial", lang, indicator=name, former=former))
    for r in s.revisions:
        out.append(
            t(
                "collection.status.detail_revised",
                lang,
                indicator=name,
                old=fmt_decimal(r.old, lang),
                new=fmt_decimal(r.new, lang),
                file=r.file,
                new_file=r.revised_by,
                sender=r.sender,
            )
        )
    if s.implausible is not None:
        i = s.implausible
        out.append(
            t(
                "collection.status.detail_implausible",
                lang,
                indicator=name,
                change=fmt_points(i.change, lang),
                median=fmt_points(i.median, lang),
                limit=fmt_decimal(i.limit, lang),
            )
        )
    return out


OWED = ("missing", "refused", "partial")
CSV_COLUMNS = [
    "province_code",
    "province",
    "province_name",
    "indicator",
    "indicator_name",
    "period",
    "status",
    "reason",
    "due_date",
]


def reminder_rows(status: CollectionStatus, lang: str = "vi") -> list[dict]:
    """Who owes what: one row per unit and indicator not received."""
    return [
        {
            "province_code": u.code,
            "province": u.province,
            "province_name": u.name,
            "indicator": s.indicator,
            "indicator_name": catalog.get(s.indicator).name(lang),
            "period": s.period,
            "status": s.status,
            "reason": ", ".join(s.missing_former) if s.status == "partial" else (s.reason or ""),
            "due_date": status.due_date.isoformat(),
        }
        for u in status.units
        for s in u.indicators
        if s.status in OWED
    ]


def reminder_text(unit: UnitStatus, status: CollectionStatus, lang: str = "vi") -> str | None:
    """The message to a unit that owes figures (subject line first); ``None`` if it owes none."""
    owed = [s for s in unit.indicators if s.status in OWED]
    if not owed:
        return None
    items = []
    for s in owed:
        item = {
            "indicator": catalog.get(s.indicator).name(lang),
            "period": fmt_period(s.period, lang),
        }
        if s.status == "refused":
            item["reason"] = s.reason or ""
        elif s.status == "partial":
            item["former"] = ", ".join(s.missing_former)
        items.append(t(f"collection.reminder.item_{s.status}", lang, **item))
    subject = t(
        "collection.reminder.subject",
        lang,
        period=fmt_period(status.period, lang),
        province=unit.name,
    )
    body = t(
        "collection.reminder.body",
        lang,
        province=unit.name,
        today=fmt_date(today(), lang),
        period=fmt_period(status.period, lang),
        due=fmt_date(status.due_date, lang),
        items="\n".join(items),
        workbook=workbook.file_name(unit.province, status.period),
    )
    return f"{subject}\n\n{body}\n"


def write_reminders(status: CollectionStatus, folder: Path, lang: str = "vi") -> list[Path]:
    """``reminders_<period>.csv`` and ``<province>_<period>.txt`` per unit that owes figures."""
    folder = Path(folder)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(reminder_rows(status, lang))
    written = [write_atomic(folder / f"reminders_{status.period}.csv", buffer.getvalue())]
    for unit in status.units:
        text = reminder_text(unit, status, lang)
        if text is not None:
            written.append(write_atomic(folder / f"{unit.province}_{status.period}.txt", text))
    return written


__all__ = [
    "reminder_rows",
    "reminder_text",
    "status_text",
    "unit_details",
    "write_reminders",
]
