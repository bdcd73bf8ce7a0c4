"""What the collection status says to people: the status table, and reminders to provinces.

:func:`status_text` is what ``python -m analysis status`` prints (Vietnamese by default,
English with ``--lang en``): one line per province with its state (complete, partial n of m,
nothing received, refused) and counts, then the details a person acts on, each naming the unit,
the indicator, the period, the value and what to do. :func:`write_reminders` writes who owes
what as a CSV and one ready-to-send text per province that owes anything; before the month is
over it writes none (:func:`month_not_over`: figures for a month are sent after it ends).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from analysis.analyses.completeness import MISSING
from analysis.analyses.receipts import CollectionStatus, IndicatorStatus, UnitStatus
from analysis.core.clock import today
from analysis.core.i18n import (
    fmt_date,
    fmt_decimal,
    fmt_percent,
    fmt_period,
    fmt_points,
    t,
    upper_first,
)
from analysis.core.periods import to_month
from analysis.files import write_atomic
from analysis.reference import catalog, workbook

COUNTED = ("on_time", "late", "missing", "refused", "partial")


def month_end(period: str) -> dt.date:
    """The last day of the collected month."""
    return to_month(period).end_time.date()


def month_not_over(status: CollectionStatus, on: dt.date | None = None) -> bool:
    """Whether the collected month is not over yet on ``on`` (default: today): its figures
    cannot be owed before it ends."""
    return (on or today()) <= month_end(status.period)


def timing_text(status: CollectionStatus, lang: str = "vi") -> str:
    """Where the month stands in its calendar: not over yet, over but not due yet, or past due
    (with how many days)."""
    now = today()
    period = fmt_period(status.period, lang)
    due = fmt_date(status.due_date, lang)
    if month_not_over(status, now):
        end = fmt_date(month_end(status.period), lang)
        return upper_first(
            t(
                "collection.status.not_over",
                lang,
                period=period,
                today=fmt_date(now, lang),
                end=end,
                due=due,
            )
        )
    if now <= status.due_date:
        return upper_first(t("collection.status.before_due", lang, period=period, due=due))
    days = (now - status.due_date).days
    return t("collection.status.past_due", lang, period=period, due=due, days=days)


def _action(status: CollectionStatus, lang: str) -> str:
    """When to send: by the due date, or now when it has passed."""
    due = fmt_date(status.due_date, lang)
    if today() > status.due_date:
        return t("collection.status.action_now", lang, due=due)
    return t("collection.status.action_by", lang, due=due)


def status_text(status: CollectionStatus, lang: str = "vi") -> str:
    """The status as a table and details, in ``lang``."""
    lines = [
        t(
            "collection.status.heading",
            lang,
            period=fmt_period(status.period, lang),
            due=fmt_date(status.due_date, lang),
        ),
        timing_text(status, lang),
        "",
    ]
    heads = [
        t("collection.col_province", lang),
        t("collection.status.col_status", lang),
        t("collection.status.col_received", lang),
        *(t(f"collection.status.{s}", lang) for s in COUNTED),
        t("collection.status.revised", lang),
        t("collection.status.implausible", lang),
    ]
    rows = [
        [
            u.name,
            u.label(lang),
            f"{u.n_received}/{len(u.indicators)}",
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
    nothing = [u for u in status.units if u.state == MISSING]
    lines += [
        "",
        t(
            "collection.status.summary",
            lang,
            count=complete,
            total=len(status.units),
            partial=len(status.units) - complete - len(nothing),
            missing=len(nothing),
        ),
    ]
    silent = [u for u in nothing if _sent_nothing(u)]
    details = [
        f"- {u.name}: {d}"
        for u in status.units
        if u not in silent
        for d in unit_details(u, lang, status)
    ]
    if silent:
        details.append(
            "- "
            + t(
                "collection.status.detail_missing_units",
                lang,
                count=len(silent),
                period=fmt_period(status.period, lang),
                due=len(silent[0].indicators),
                names=", ".join(u.name for u in silent),
                action=_action(status, lang),
            )
        )
    details += [
        "- " + t("collection.status.unattributed", lang, file=f, reason=r)
        for f, r in status.unattributed
    ]
    if status.waiting:
        details.append("- " + t("collection.status.waiting", lang, files=", ".join(status.waiting)))
    if details:
        lines += ["", t("collection.status.details", lang), *details]
    return "\n".join(lines)


def _sent_nothing(unit: UnitStatus) -> bool:
    """Nothing of the unit's month arrived: no figure, no part of one, no refused file."""
    return not unit.refused_files and all(s.status == "missing" for s in unit.indicators)


def _name(indicator: str, lang: str) -> str:
    return catalog.get(indicator).short(lang)


def _value(indicator: str, value: float | None, lang: str) -> str:
    """A figure as its indicator shows it (45,03%)."""
    if catalog.get(indicator).unit == "%":
        return fmt_percent(value, lang)
    return fmt_decimal(value, lang)


def _owed_item(s: IndicatorStatus, lang: str) -> str:
    """A missing indicator with its latest figure: "Số hóa hồ sơ địa chính (số liệu gần nhất:
    99,55%, tháng 11/2026)"."""
    if s.latest_value is None or s.latest_period is None:
        latest = t("collection.status.no_latest", lang)
    else:
        latest = t(
            "collection.status.latest",
            lang,
            value=_value(s.indicator, s.latest_value, lang),
            period=fmt_period(s.latest_period, lang),
        )
    return f"{_name(s.indicator, lang)} ({latest})"


def unit_details(
    unit: UnitStatus, lang: str = "vi", status: CollectionStatus | None = None
) -> list[str]:
    """One line per thing to act on in a unit's month, each naming the indicator, its period,
    the value and what to do (``status`` gives the due date and the workbook's name)."""
    out = []
    period = unit.indicators[0].period if unit.indicators else ""
    when = fmt_period(period, lang) if period else ""
    action = _action(status, lang) if status is not None else ""
    book = workbook.file_name(unit.province, status.period) if status is not None else ""
    missing = [s for s in unit.indicators if s.status == "missing"]
    if missing and len(missing) == len(unit.indicators):
        out.append(
            t(
                "collection.status.detail_missing_all",
                lang,
                count=len(missing),
                period=when,
                unit=unit.name,
                workbook=book,
                action=action,
            )
        )
    elif missing:
        out.append(
            t(
                "collection.status.detail_missing",
                lang,
                received=unit.n_received,
                due=len(unit.indicators),
                period=when,
                count=len(missing),
                indicators="; ".join(_owed_item(s, lang) for s in missing),
                unit=unit.name,
                workbook=book,
                action=action,
            )
        )
    for refusal in unit.refused_files:
        out.append(
            t(
                "collection.status.detail_refused",
                lang,
                file=refusal.file,
                reason=refusal.reason,
                unit=unit.name,
                action=action,
            )
        )
    out += _late_details(unit, lang)
    for s in unit.indicators:
        out += _indicator_details(s, unit, lang, action)
    return out


def _late_details(unit: UnitStatus, lang: str) -> list[str]:
    """Figures received late, one line per arrival date: their names and values."""
    by_date: dict[tuple[str, int], list[IndicatorStatus]] = {}
    for s in unit.indicators:
        if s.status == "late" and s.received:
            by_date.setdefault((s.received, int(s.days_late or 0)), []).append(s)
    out = []
    for (received, days), items in by_date.items():
        first = items[0]
        if len(items) == 1:
            out.append(
                t(
                    "collection.status.detail_late",
                    lang,
                    indicator=_name(first.indicator, lang),
                    period=fmt_period(first.period, lang),
                    value=_value(first.indicator, first.value, lang),
                    date=fmt_date(received, lang),
                    days=days,
                )
            )
            continue
        listed = "; ".join(
            f"{_name(s.indicator, lang)} {_value(s.indicator, s.value, lang)}" for s in items
        )
        out.append(
            t(
                "collection.status.detail_late_many",
                lang,
                count=len(items),
                period=fmt_period(first.period, lang),
                date=fmt_date(received, lang),
                days=days,
                indicators=listed,
            )
        )
    return out


def _indicator_details(s: IndicatorStatus, unit: UnitStatus, lang: str, action: str) -> list[str]:
    name = _name(s.indicator, lang)
    when = fmt_period(s.period, lang)
    out = []
    if s.status == "partial":
        former = ", ".join(s.missing_former) or (s.reason or "")
        out.append(
            t(
                "collection.status.detail_partial",
                lang,
                indicator=name,
                period=when,
                former=former,
                unit=unit.name,
                action=action,
            )
        )
    for r in s.revisions:
        out.append(
            t(
                "collection.status.detail_revised",
                lang,
                indicator=name,
                period=when,
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
                period=when,
                value=_value(s.indicator, s.value, lang),
                change=fmt_points(i.change, lang),
                median=fmt_points(i.median, lang),
                limit=fmt_decimal(i.limit, lang),
                unit=unit.name,
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
    "latest_value",
    "latest_period",
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
            "latest_value": "" if s.latest_value is None else f"{s.latest_value:g}",
            "latest_period": s.latest_period or "",
            "due_date": status.due_date.isoformat(),
        }
        for u in status.units
        for s in u.indicators
        if s.status in OWED
    ]


def reminder_text(unit: UnitStatus, status: CollectionStatus, lang: str = "vi") -> str | None:
    """The message to a unit that owes figures (subject line first); ``None`` if it owes none.

    Before the due date it asks for the figures by that date; after it, it says by how many
    days the date has passed and asks for them now.
    """
    owed = [s for s in unit.indicators if s.status in OWED]
    if not owed:
        return None
    items = []
    for s in owed:
        item = {
            "indicator": catalog.get(s.indicator).name(lang),
            "period": fmt_period(s.period, lang),
            "latest": _owed_item(s, lang).removeprefix(_name(s.indicator, lang)).strip(),
        }
        if s.status == "refused":
            item["reason"] = s.reason or ""
        elif s.status == "partial":
            item["former"] = ", ".join(s.missing_former)
        items.append(t(f"collection.reminder.item_{s.status}", lang, **item))
    now = today()
    late = now > status.due_date
    subject = t(
        "collection.reminder.subject_late" if late else "collection.reminder.subject",
        lang,
        period=fmt_period(status.period, lang),
        province=unit.name,
    )
    body = t(
        "collection.reminder.body_late" if late else "collection.reminder.body",
        lang,
        province=unit.name,
        today=fmt_date(now, lang),
        period=fmt_period(status.period, lang),
        due=fmt_date(status.due_date, lang),
        days=(now - status.due_date).days,
        received=unit.n_received,
        total=len(unit.indicators),
        count=len(owed),
        items="\n".join(items),
        workbook=workbook.file_name(unit.province, status.period),
    )
    return f"{subject}\n\n{body}\n"


def write_reminders(status: CollectionStatus, folder: Path, lang: str = "vi") -> list[Path]:
    """``reminders_<period>.csv`` and ``<province>_<period>.txt`` per unit that owes figures.

    Nothing is written before the month is over (:func:`month_not_over`): no figure of it can
    be owed yet.
    """
    if month_not_over(status):
        return []
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


def not_over_text(status: CollectionStatus, lang: str = "vi") -> str:
    """Why no reminder is written before the month is over, and when to run ``remind``."""
    end = fmt_date(month_end(status.period), lang)
    return t(
        "collection.status.reminders_not_over",
        lang,
        period=fmt_period(status.period, lang),
        today=fmt_date(today(), lang),
        end=end,
        due=fmt_date(status.due_date, lang),
    )


__all__ = [
    "month_end",
    "not_over_text",
    "month_not_over",
    "reminder_rows",
    "reminder_text",
    "status_text",
    "timing_text",
    "unit_details",
    "write_reminders",
]
