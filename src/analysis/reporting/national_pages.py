"""What the national overview shows: the verdict per target due this year, the status of every
unit on every target, and what changed since last month.

The national working group reads the overview's first page and its status matrix; every value
goes to the spreadsheet annex (:mod:`.overview_annex`). Every status comes from the one rule
(:func:`analysis.reference.targets.target_status`, through :func:`.briefing.target_rows`), so a
unit's cell in the matrix is its own briefing's status; the country's own status is the same
rule applied to the national series' forecast (:func:`analysis.analyses.monthly.
national_forecasts`).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses import compare, month_changes, monthly
from analysis.analyses.monthly import PeriodResults
from analysis.core import i18n
from analysis.reference import catalog, geography, targets
from analysis.reference.targets import AWAITING, MET_FIRST, MISSED
from analysis.reporting import gaps
from analysis.reporting.render import components
from analysis.reporting.report_tables import comparison, forecast_rows, province_name

NO_DATA = "no_data"

COUNT_ORDER: tuple[str, ...] = MET_FIRST
"""The order of the statuses in the counts, the bars and the legend: met first, no data last."""

BEHIND: frozenset[str] = frozenset({"at_risk", "off_track", MISSED})
"""Statuses the verdict names units for ("at risk of not meeting ... : Lai Châu 57,7 %")."""

MAX_NAMES = 8
"""Units named in one sentence or cell; the others are counted ("và 5 địa phương khác")."""


def official_order() -> pd.DataFrame:
    """The 34 units in the official order: by region (reference order), then by code.

    Columns: code, codename, name (the name pages show), region, region_order.
    """
    units = geography.provinces("34")[["code", "codename", "region"]].copy()
    order = geography.regions().set_index("region")["order"].astype(int)
    units["region_order"] = units["region"].map(order)
    units["name"] = units["codename"].map(lambda c: province_name(c))
    return units.sort_values(["region_order", "code"]).reset_index(drop=True)


def tracked_targets(results: PeriodResults) -> pd.DataFrame:
    """The target each indicator tracks in the period (:func:`catalog.targets_frame`), in
    catalog order, with ``deadline_on`` (the last day of the deadline period)."""
    table = catalog.targets_frame(results.period)
    if table.empty:
        return table
    table = table.copy()
    table["deadline_on"] = [
        targets.deadline_date(i, d)
        for i, d in zip(table["indicator"], table["deadline"], strict=True)
    ]
    return table.reset_index(drop=True)


def due_this_year(results: PeriodResults) -> pd.DataFrame:
    """The tracked targets whose deadline falls in the report's calendar year."""
    table = tracked_targets(results)
    if table.empty:
        return table
    year = results.period.year
    return table[[d.year == year for d in table["deadline_on"]]].reset_index(drop=True)


def unit_statuses(results: PeriodResults) -> pd.DataFrame:
    """Every unit on every tracked target: its status by the one rule, and its latest value.

    One row per (unit, target) for the 34 units, in :func:`official_order`. ``status`` is the
    unit's own briefing's (from its latest figure); ``current`` is the status this month's
    overview counts: ``no_data`` when the unit has no figure of the period the report should
    show (none at all, or only an older one: ``stale``). Columns: province, indicator, status,
    current, value, last_period, stale, prob_target_met. Computed once per results object.
    """
    cached = results.__dict__.get("_unit_statuses")
    if cached is not None:
        return cached
    rows = targets.target_status(forecast_rows(results), results.period)
    by_key = {(r.province, r.indicator): r for r in rows.itertuples()}
    out = []
    for unit in official_order()["codename"]:
        for indicator in tracked_targets(results)["indicator"]:
            r = by_key.get((unit, indicator))
            if r is None or (pd.isna(r.last_value) and r.status != AWAITING):
                out.append(
                    {
                        "province": unit,
                        "indicator": indicator,
                        "status": NO_DATA,
                        "current": NO_DATA,
                        "value": np.nan,
                        "last_period": None,
                        "stale": False,
                        "prob_target_met": np.nan,
                    }
                )
                continue
            out.append(
                {
                    "province": unit,
                    "indicator": indicator,
                    "status": str(r.status),
                    "current": NO_DATA if r.stale else str(r.status),
                    "value": float(r.last_value) if pd.notna(r.last_value) else np.nan,
                    "last_period": r.last_period,
                    "stale": bool(r.stale),
                    "prob_target_met": r.prob_target_met,
                }
            )
    frame = pd.DataFrame(out)
    results.__dict__["_unit_statuses"] = frame
    return frame


def status_counts(results: PeriodResults, indicator: str) -> dict[str, int]:
    """How many of the 34 units stand in each status on one target this month (``current``):
    the counts add up to the 34 units, those other than ``no_data`` to the units that reported
    a figure of it for the period (or, for a target due now, that owe its deadline figure)."""
    rows = unit_statuses(results)
    counts = rows[rows["indicator"] == indicator]["current"].value_counts()
    return {s: int(counts[s]) for s in COUNT_ORDER if counts.get(s, 0)}


def status_label(status: str, lang: str) -> str:
    """A status in words, ``no_data`` included."""
    return i18n.t(f"status.{status}", lang)


# --- the verdict -----------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetVerdict:
    """One target due this year, for the country: its figures and the units' statuses."""

    indicator: str
    target: float
    deadline: Any
    national: float
    n_reporting: int
    n_units: int
    point: float
    lower: float
    upper: float
    probability: float
    status: str
    counts: dict[str, int] = field(default_factory=dict)


def _national_rows(results: PeriodResults) -> pd.DataFrame:
    """The country's forecasts with the report's status (the one rule)."""
    found = monthly.national_forecasts(results)
    if found.empty:
        return found
    return targets.target_status(found, results.period).set_index("indicator")


def verdicts(results: PeriodResults) -> list[TargetVerdict]:
    """Every target due this year (:func:`due_this_year`), for the country, in catalog order."""
    due = due_this_year(results)
    national = _national_rows(results)
    c = comparison(results).drop_duplicates("indicator").set_index("indicator")
    out = []
    for t in due.itertuples():
        nat = national.loc[t.indicator] if t.indicator in national.index else None
        row = c.loc[t.indicator] if t.indicator in c.index else None
        covered = row is not None and compare.covers(row["n_reporting"], row["n_units"])
        if row is None or not covered:
            national_value = np.nan
        else:
            national_value = float(row["national_value"])
        out.append(
            TargetVerdict(
                indicator=t.indicator,
                target=float(t.target),
                deadline=t.deadline,
                national=national_value,
                n_reporting=int(row["n_reporting"]) if row is not None else 0,
                n_units=int(row["n_units"]) if row is not None else len(official_order()),
                point=_number(nat, "point", deadline_ahead=True),
                lower=_number(nat, "lower", deadline_ahead=True),
                upper=_number(nat, "upper", deadline_ahead=True),
                probability=_number(nat, "prob_target_met", deadline_ahead=True),
                status=str(nat["status"]) if nat is not None else NO_DATA,
                counts=status_counts(results, t.indicator),
            )
        )
    return out


def _number(row: Any, column: str, deadline_ahead: bool) -> float:
    if row is None or pd.isna(row[column]) or (deadline_ahead and row["deadline_reached"]):
        return np.nan
    return float(row[column])


def verdict_rows(results: PeriodResults, lang: str = "vi") -> list[components.VerdictRow]:
    """The verdict table's rows (:func:`~.components.verdict_table`), in words and numbers.

    The probability is the country's chance of meeting the target at the deadline, also for a
    target met now (the chance it holds); how many units a national value stands for is said
    in the cell when not every unit reported (the opening sentence says when all did)."""
    out = []
    for v in verdicts(results):
        ind = catalog.get(v.indicator)
        coverage = (
            i18n.t("coverage.reporting", lang, count=v.n_reporting, total=v.n_units)
            if v.n_reporting < v.n_units
            else ""
        )
        forecast = (
            i18n.MISSING
            if pd.isna(v.point)
            else f"{i18n.fmt_decimal(v.point, lang, 1)} "
            f"({i18n.fmt_decimal(v.lower, lang, 1)}–{i18n.fmt_decimal(v.upper, lang, 1)})"
        )
        out.append(
            components.VerdictRow(
                indicator=ind.short(lang),
                target=i18n.fmt_percent(v.target, lang, 0),
                deadline=i18n.fmt_date(targets.deadline_date(v.indicator, v.deadline), lang, True),
                national=i18n.fmt_percent(v.national, lang, 1),
                coverage=coverage,
                forecast=forecast,
                probability=i18n.fmt_probability(v.probability, lang)
                if pd.notna(v.probability)
                else i18n.MISSING,
                status=v.status,
                label=status_label(v.status, lang),
                counts=[(s, n, status_label(s, lang)) for s, n in v.counts.items()],
            )
        )
    return out


def _value_text(value: float, lang: str) -> str:
    return i18n.fmt_percent(value, lang, 1)


def _names(rows: pd.DataFrame, lang: str, with_values: bool = True) -> str:
    """ "Lai Châu 57,7%, Lào Cai 56,0%" (at most :data:`MAX_NAMES`, then "và N địa phương
    khác")."""
    parts = [
        f"{province_name(r.province, lang)} {_value_text(r.value, lang)}"
        if with_values and pd.notna(r.value)
        else province_name(r.province, lang)
        for r in rows.head(MAX_NAMES).itertuples()
    ]
    text = ", ".join(parts)
    if len(rows) > MAX_NAMES:
        text += " " + i18n.t("overview.and_others", lang, count=len(rows) - MAX_NAMES)
    return text


def verdict_sentences(results: PeriodResults, lang: str = "vi") -> list[str]:
    """The overview's opening sentences: who reported; the country's standing on the targets
    due this year; for the targets with the most units behind (or, past the deadline, not
    met), how many and which, in the seeds' style ("4 trong 34 tỉnh, thành có nguy cơ không
    đạt ...: Lai Châu 71,2%, ..."); and whose deadline figure is still awaited."""
    found = gaps.completeness(results)
    sentences = [gaps.summary_text(found, lang)]
    due = verdicts(results)
    if not due:
        sentences.append(i18n.t("overview.none_due", lang, year=results.period.year))
        return sentences
    counts: dict[str, int] = {}
    for v in due:
        counts[v.status] = counts.get(v.status, 0) + 1
    parts = "; ".join(
        i18n.t("verdict.count_part", lang, count=counts[s], label=status_label(s, lang).lower())
        for s in COUNT_ORDER
        if counts.get(s)
    )
    sentences.append(
        i18n.t("overview.national", lang, total=len(due), year=results.period.year, parts=parts)
    )
    statuses = unit_statuses(results)
    ranked = []
    for v in due:
        rows = statuses[statuses["indicator"] == v.indicator]
        behind = rows[rows["current"].isin(BEHIND)]
        if behind.empty:
            continue
        ind = catalog.get(v.indicator)
        sign = 1 if ind.higher_is_better else -1
        behind = behind.assign(key=sign * behind["value"]).sort_values("key")
        ranked.append((len(behind), v, behind))
    ranked.sort(key=lambda x: -x[0])
    total = len(official_order())
    for count, v, behind in ranked[:2]:
        ind = catalog.get(v.indicator)
        reached = targets.deadline_reached(v.indicator, v.deadline, results.period)
        sentences.append(
            i18n.t(
                "overview.missed" if reached else "overview.behind",
                lang,
                count=count,
                total=total,
                name=ind.short(lang).lower() if lang == "vi" else ind.short(lang),
                target=i18n.fmt_percent(v.target, lang, 0),
                deadline=i18n.fmt_date(targets.deadline_date(v.indicator, v.deadline), lang, True),
                names=_names(behind, lang),
            )
        )
    awaited = _awaited(statuses, due, lang)
    if awaited:
        sentences.append(i18n.t("overview.awaiting", lang, items=awaited))
    return sentences


def _awaited(statuses: pd.DataFrame, due: list[TargetVerdict], lang: str) -> str:
    """ "Số hóa đất đai: Nghệ An (chưa có số liệu tháng 12/2026)" for each target whose deadline
    figure a unit that reported this month has not sent."""
    items = []
    for v in due:
        rows = statuses[(statuses["indicator"] == v.indicator) & (statuses["current"] == AWAITING)]
        if rows.empty:
            continue
        when = i18n.fmt_period(pd.Period(targets.deadline_date(v.indicator, v.deadline), "M"), lang)
        note = i18n.t("risk.awaiting_name", lang, period=when)
        names = ", ".join(
            f"{province_name(p, lang)} ({note})" for p in rows["province"].head(MAX_NAMES)
        )
        if len(rows) > MAX_NAMES:
            names += " " + i18n.t("overview.and_others", lang, count=len(rows) - MAX_NAMES)
        items.append(f"{catalog.get(v.indicator).short(lang)}: {names}")
    return "; ".join(items)


# --- the matrix ------------------------------------------------------------------------------


def matrix_cells(results: PeriodResults) -> pd.DataFrame:
    """The status matrix's cells (unit x tracked target): each unit's status this month
    (:func:`unit_statuses` ``current``), its latest value, marked when of an earlier period."""
    rows = unit_statuses(results)
    return rows.assign(status=rows["current"])


def matrix_columns(results: PeriodResults, lang: str = "vi") -> list[tuple[str, str]]:
    """The matrix's columns in catalog order: (indicator, "short name (≥60%, 12/2026)")."""
    out = []
    for t in tracked_targets(results).itertuples():
        ind = catalog.get(t.indicator)
        sign = "≥" if ind.higher_is_better else "≤"
        due = f"{t.deadline_on.month:02d}/{t.deadline_on.year}"
        label = f"{ind.short(lang)} ({sign}{i18n.fmt_percent(t.target, lang, 0)}, {due})"
        out.append((t.indicator, label))
    return out


# --- what changed ----------------------------------------------------------------------------


def status_change_rows(results: PeriodResults, lang: str = "vi") -> list[list[str]]:
    """Per target, the units whose status got worse and those whose status got better since
    last month, grouped by move ("có nguy cơ → chậm tiến độ: Lào Cai, Lai Châu"); only targets
    with a change, most changes first."""
    changed = month_changes.status_changes(results)
    if changed.empty:
        return []
    rank = {s: i for i, s in enumerate(targets.SEVERITY)}
    worse = [
        rank.get(a, 99) < rank.get(b, 99)
        for a, b in zip(changed["status"], changed["status_before"], strict=True)
    ]
    order = {u: i for i, u in enumerate(official_order()["codename"])}
    changed = changed.assign(worse=worse, o=changed["province"].map(order))
    rows = []
    for indicator, g in changed.groupby("indicator", sort=False):
        cells = [_moves(g[g["worse"]], lang), _moves(g[~g["worse"]], lang)]
        rows.append((len(g), [catalog.get(str(indicator)).short(lang), *cells]))
    rows.sort(key=lambda x: -x[0])
    return [r for _, r in rows]


def _moves(rows: pd.DataFrame, lang: str) -> str:
    """ "có nguy cơ → chậm tiến độ: Lào Cai, Lai Châu; đúng tiến độ → có nguy cơ: Nghệ An"."""
    if rows.empty:
        return i18n.MISSING
    parts = []
    for (before, after), g in rows.groupby(["status_before", "status"], sort=False):
        g = g.sort_values("o")
        names = ", ".join(province_name(p, lang) for p in g["province"].head(MAX_NAMES))
        if len(g) > MAX_NAMES:
            names += " " + i18n.t("overview.and_others", lang, count=len(g) - MAX_NAMES)
        move = (
            f"{status_label(str(before), lang).lower()} → {status_label(str(after), lang).lower()}"
        )
        parts.append((len(g), f"{move}: {names}"))
    parts.sort(key=lambda x: -x[0])
    return "; ".join(text for _, text in parts)


def mover_rows(results: PeriodResults, lang: str = "vi", n: int = 3) -> list[list[str]]:
    """For each headline monthly indicator, the units that improved most and fell most since
    last month (direction-aware), with their change in points."""
    c = comparison(results)
    out = []
    for ind in catalog.indicators().values():
        if not ind.headline or ind.frequency != "monthly":
            continue
        rows = c[(c["indicator"] == ind.id) & c["change_month"].notna()].copy()
        if rows.empty:
            continue
        sign = 1.0 if ind.higher_is_better else -1.0
        rows["gain"] = sign * rows["change_month"]
        best = rows.sort_values("gain", ascending=False).head(n)
        worst = rows[rows["gain"] < 0].sort_values("gain").head(n)
        out.append([ind.short(lang), _movers(best[best["gain"] > 0], lang), _movers(worst, lang)])
    return out


def _movers(rows: pd.DataFrame, lang: str) -> str:
    """ "Lai Châu +5,57, Sơn La +4,10" (the change since last month, in points)."""
    text = ", ".join(
        f"{province_name(r.province, lang)} {i18n.fmt_signed(r.change_month, lang)}"
        for r in rows.itertuples()
    )
    return text or i18n.MISSING


def revision_lines(results: PeriodResults, lang: str = "vi") -> list[str]:
    """Earlier figures revised since last month, one line each: unit, indicator, period, was,
    now, file (:func:`analysis.analyses.month_changes.recent_revisions`)."""
    out = []
    for r in month_changes.recent_revisions(results).itertuples():
        ind = catalog.get(r.indicator)
        unit = province_name(r.province, lang) if isinstance(r.province, str) else r.reported_code
        if r.basis != "34":
            unit += f" ({geography.unit('63', str(r.reported_code)).name})"
        out.append(
            i18n.t(
                "overview.revised",
                lang,
                unit=unit,
                name=ind.short(lang),
                period=i18n.fmt_period(pd.Period(r.period, freq=ind.freq), lang),
                old=i18n.fmt_percent(r.old_value, lang),
                new=i18n.fmt_percent(r.new_value, lang),
                file=r.file,
            )
        )
    return out


def changes_html(results: PeriodResults, lang: str = "vi") -> components.Fragment:
    """The overview's "what changed since last month" section: status changes per target, the
    largest movers, revised earlier figures (the units late or missing follow in the
    completeness section, :func:`analysis.reporting.gaps.completeness_section`)."""
    parts = [f"<h2>{html.escape(i18n.t('changes.title', lang))}</h2>"]
    if monthly.previous_results(results) is None:
        parts.append(f"<p>{html.escape(i18n.t('changes.no_previous', lang))}</p>")
    else:
        rows = status_change_rows(results, lang)
        parts.append(f"<h3>{html.escape(i18n.t('overview.status_changes', lang))}</h3>")
        if rows:
            headers = [
                i18n.t("table.indicator", lang),
                i18n.t("overview.worse", lang),
                i18n.t("overview.better", lang),
            ]
            parts.append(str(components.simple_table(headers, rows, css="compact changes-table")))
        else:
            parts.append(f"<p>{html.escape(i18n.t('overview.no_status_change', lang))}</p>")
        movers = mover_rows(results, lang)
        if movers:
            parts.append(f"<h3>{html.escape(i18n.t('overview.movers', lang))}</h3>")
            headers = [
                i18n.t("table.indicator", lang),
                i18n.t("overview.rose_most", lang),
                i18n.t("overview.fell_most", lang),
            ]
            parts.append(str(components.simple_table(headers, movers, css="compact movers-table")))
    parts.append(f"<h3>{html.escape(i18n.t('overview.revisions', lang))}</h3>")
    revised = revision_lines(results, lang)
    if revised:
        parts.append("<ul>" + "".join(f"<li>{html.escape(x)}</li>" for x in revised) + "</ul>")
    else:
        parts.append(f"<p>{html.escape(i18n.t('overview.no_revisions', lang))}</p>")
    return components.Fragment("\n".join(parts))


def annex_note(lang: str = "vi") -> str:
    """Where every value is: the spreadsheet annex beside the overview."""
    return i18n.t("overview.annex_note", lang, file=ANNEX_FILE)


ANNEX_FILE = "40_national_overview.xlsx"
"""The overview's spreadsheet annex, beside its PDF (:mod:`.overview_annex`)."""


__all__ = [
    "ANNEX_FILE",
    "COUNT_ORDER",
    "TargetVerdict",
    "annex_note",
    "changes_html",
    "due_this_year",
    "matrix_cells",
    "matrix_columns",
    "mover_rows",
    "official_order",
    "revision_lines",
    "status_change_rows",
    "status_counts",
    "tracked_targets",
    "unit_statuses",
    "verdict_rows",
    "verdict_sentences",
    "verdicts",
]
