"""What goes into a briefing: KPI cards, the target table, changes since last month, provenance.

Notebooks stay thin: they ask this module for the pieces and display them. Every function
takes the period's :class:`~analysis.analyses.monthly.PeriodResults`, a province codename and a
language, and returns plain data or :mod:`~analysis.reporting.render.components` objects,
formatted vi-VN or English. Tables shown as DataFrames live in :mod:`.tables` (re-exported
here); the status of a target comes from :func:`analysis.reference.targets.target_status`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses import compare
from analysis.analyses.monthly import PeriodResults
from analysis.core import i18n
from analysis.reference import catalog, geography, targets
from analysis.reference.due import latest_due_period
from analysis.reference.targets import (
    AWAITING,
    INSUFFICIENT_HISTORY,
    MET_AT_RISK,
    MET_LATE,
    MISSED,
)
from analysis.reporting.render import components
from analysis.reporting.report_tables import (
    comparison,
    comparison_summary,
    forecast_rows,
    forecast_table,
    latest_observation,
    movers_table,
    peer_table,
    province_name,
    provinces_at_risk,
    value_tables,
)

STATUS_ORDER = {s: i for i, s in enumerate(targets.SEVERITY)}
"""Worst first: the order of the target table."""


def is_synthetic(results: PeriodResults) -> bool:
    return bool(results.observations["is_synthetic"].any())


def history(results: PeriodResults, province: str, indicator: str) -> pd.Series:
    """The province's series (34-unit basis, back-cast before 2025-07) as a PeriodIndex Series."""
    obs = results.observations
    rows = obs[(obs["province"] == province) & (obs["indicator"] == indicator)]
    return rows.set_index("period")["value"].sort_index()


def national_history(results: PeriodResults, indicator: str) -> pd.Series:
    """The national series, only for periods where enough provinces reported to call it so."""
    nat = compare.national_series(results.observations, indicator)
    if nat.empty:
        return pd.Series(dtype=float)
    total = len(geography.provinces("34"))
    nat = nat[[compare.covers(n, total) for n in nat["n_units"]]]
    return nat.set_index("period")["value"] if not nat.empty else pd.Series(dtype=float)


def _row(results: PeriodResults, province: str, indicator: str) -> pd.Series | None:
    c = comparison(results)
    rows = c[(c["province"] == province) & (c["indicator"] == indicator)]
    return None if rows.empty or pd.isna(rows.iloc[0]["value"]) else rows.iloc[0]


def is_true(flag: object) -> bool:
    return bool(flag) if flag is not None and not pd.isna(flag) else False


def direction(change: float) -> str | None:
    if change is None or pd.isna(change):
        return None
    return "up" if change > 0.005 else "down" if change < -0.005 else "flat"


def _trend(change: float, higher_is_better: bool) -> str | None:
    """``better`` / ``worse`` for the indicator's direction; ``None`` for no or no real change."""
    moved = direction(change)
    if moved in (None, "flat"):
        return None
    return "better" if (moved == "up") == higher_is_better else "worse"


def national_note(row: pd.Series, lang: str = "vi") -> str | None:
    """ "Cả nước: 82,40% (31/34 tỉnh, thành báo cáo)"; the reporting provinces' average when
    too few reported for a national value; only how many reported when one province did."""
    if pd.isna(row.get("national_value")):
        return None
    value = i18n.fmt_percent(row["national_value"], lang)
    count, total = int(row["n_reporting"]), int(row["n_units"])
    if count < 2:
        # The average of one province is its own value: say only how many reported.
        return i18n.t("coverage.reporting", lang, count=count, total=total)
    if not compare.covers(count, total):
        return i18n.t("kpi.partial_note", lang, count=count, value=value)
    coverage = i18n.t("coverage.reporting", lang, count=count, total=total)
    return i18n.t("kpi.national_note", lang, value=value, coverage=coverage)


def _card_status(results: PeriodResults, province: str, indicator: str) -> str | None:
    """The target status of the indicator for the province (its card's colour), if any."""
    rows = target_rows(results, province)
    rows = rows[rows["indicator"] == indicator] if not rows.empty else rows
    return None if rows.empty else str(rows.iloc[0]["status"])


def _change_text(
    ind: catalog.Indicator, change: float, lang: str, key: str | None = None
) -> str | None:
    if change is None or pd.isna(change):
        return None
    if key is None:
        annual = ind.frequency == "annual"
        key = "kpi.change_vs_last_year" if annual else "kpi.change_vs_last_month"
    return i18n.t(key, lang, value=i18n.fmt_points(change, lang))


def _missing_card(
    results: PeriodResults, province: str, ind: catalog.Indicator, lang: str
) -> components.KpiCard:
    """A headline figure not reported for the period: its last figure marked with its own
    period, or a card that says it is not reported (a card never vanishes without a word).

    The period said is the latest one the collection asked for (:func:`latest_due_period`): the
    month for a monthly indicator, for an annual one the year collected last ("Chưa báo cáo năm
    2025" in December 2026), never a month in which it is not due."""
    latest = latest_observation(results, province, ind.id)
    label = ind.short(lang)
    if latest is None:
        due = latest_due_period(ind, results.period)
        note = i18n.t("kpi.not_reported", lang, period=i18n.fmt_period(due, lang))
        return components.KpiCard(label=label, value=i18n.MISSING, note=note, status="stale")
    value, period = latest
    return components.KpiCard(
        label=label,
        value=i18n.fmt_percent(value, lang),
        note=i18n.t("kpi.stale", lang, period=i18n.fmt_period(period, lang)),
        status="stale",
    )


def kpi_card(
    results: PeriodResults, province: str, ind: catalog.Indicator, lang: str = "vi"
) -> components.KpiCard:
    """One headline card: value, change, rank (ties said; none when fewer than
    :data:`~analysis.analyses.compare.MIN_RANKED` units reported), national value with its
    coverage; coloured by the target's status, or without a target by better / worse."""
    row = _row(results, province, ind.id)
    if row is None:
        return _missing_card(results, province, ind, lang)
    change = row["change_year"] if ind.frequency == "annual" else row["change_month"]
    label = ind.short(lang)
    if ind.frequency == "annual":
        label += f" ({i18n.fmt_period(row['period_used'], lang)})"
    trend = _trend(change, ind.higher_is_better)
    status = _card_status(results, province, ind.id) or trend or "neutral"
    tied = is_true(row["n_tied"] > 1) if pd.notna(row.get("n_tied")) else False
    # A monthly figure against the same month a year earlier (an annual one says it above).
    yearly = row["change_year"] if ind.frequency == "monthly" else np.nan
    return components.KpiCard(
        label=label,
        value=i18n.fmt_percent(row["value"], lang),
        change=_change_text(ind, change, lang),
        rank=i18n.rank_text(int(row["rank"]), int(row["n_ranked"]), lang, tied=tied)
        if compare.shows_rank(row["n_ranked"])
        else None,
        direction=direction(change),
        note=national_note(row, lang),
        status=status,
        trend=trend,
        change_year=_change_text(ind, yearly, lang, key="kpi.change_vs_last_year"),
        trend_year=_trend(yearly, ind.higher_is_better),
    )


def kpi_cards(
    results: PeriodResults, province: str, lang: str = "vi", limit: int = 6
) -> list[components.KpiCard]:
    """Headline indicators (see :func:`kpi_card`), in catalog order."""
    heads = [ind for ind in catalog.indicators().values() if ind.headline]
    return [kpi_card(results, province, ind, lang) for ind in heads][:limit]


def target_rows(results: PeriodResults, province: str) -> pd.DataFrame:
    """The province's targets with the report's status (:func:`.targets.target_status`),
    those of indicators it did not send this month included (:func:`forecast_rows`)."""
    return targets.target_status(forecast_rows(results, province), results.period)


def current_targets(results: PeriodResults, province: str) -> pd.DataFrame:
    """Targets a leader acts on: those still ahead, those due this month (met, missed or
    awaiting their figure), and those overdue or whose deadline figure is still awaited."""
    rows = target_rows(results, province)
    if rows.empty:
        return rows
    keep = ~rows["deadline_passed"] | rows["overdue"] | rows["awaiting"]
    return rows[keep].reset_index(drop=True)


def done_earlier(results: PeriodResults, province: str) -> pd.DataFrame:
    """Targets whose deadline has passed and that are met (left out of the main table)."""
    rows = target_rows(results, province)
    if rows.empty:
        return rows
    keep = rows["deadline_passed"] & ~rows["overdue"] & ~rows["awaiting"]
    return rows[keep].reset_index(drop=True)


def n_periods(results: PeriodResults, province: str, indicator: str) -> int:
    """How many periods of figures the province has for the indicator up to the report."""
    return int(history(results, province, indicator).notna().sum())


def _pace(value: float, suffix: str, lang: str) -> str:
    return i18n.fmt_signed(value, lang) + suffix if pd.notna(value) else i18n.MISSING


def _status_row(results: PeriodResults, province: str, r: Any, lang: str) -> components.StatusRow:
    ind = catalog.get(r.indicator)
    suffix = "" if ind.frequency == "monthly" else " " + i18n.t("report.per_year", lang)
    # A pace needed only while a period is left to gain it in.
    open_target = r.status not in ("achieved", MET_LATE) and not r.deadline_reached
    note = None
    if r.status == AWAITING:
        due = i18n.fmt_period(pd.Period(r.deadline, freq=ind.freq), lang)
        note = i18n.t("table.awaiting_note", lang, period=due)
    elif r.status == INSUFFICIENT_HISTORY:
        distance = i18n.fmt_decimal(abs(r.target - r.last_value), lang)
        gap = i18n.t("units.points", lang, value=distance)
        count = n_periods(results, province, r.indicator)
        key = "table.insufficient_note_one" if count == 1 else "table.insufficient_note"
        note = i18n.t(key, lang, gap=gap, count=count)
    elif ind.frequency == "annual":
        note = _year_note(results, province, r, lang)
    value = i18n.fmt_percent(r.last_value, lang)
    if r.stale:
        period = i18n.fmt_period(r.last_period, lang)
        value = i18n.t("table.stale_cell", lang, value=value, period=period)
    return components.StatusRow(
        indicator=ind.short(lang),
        value=value,
        target=i18n.fmt_percent(r.target, lang, decimals=0),
        deadline=i18n.fmt_date(targets.deadline_date(r.indicator, r.deadline), lang, short=True),
        # Only an open target with a forecast has a probability; NaN or none shows "—".
        probability=r.prob_target_met
        if targets.has_probability(r.status, r.prob_target_met)
        else None,
        required_pace=_pace(targets.required_pace(r, results.period), suffix, lang)
        if open_target
        else i18n.MISSING,
        current_pace=_pace(r.current_pace, suffix, lang),
        status=r.status,
        note=note,
        label=targets.status_label(r.status, r.deadline_reached, lang, on_time=r.on_time),
    )


def _year_note(results: PeriodResults, province: str, r: Any, lang: str) -> str | None:
    """An annual figure against the year before ("Năm 2025: +0,69 điểm % so với năm trước")."""
    series = history(results, province, r.indicator).dropna()
    if len(series) < 2 or str(series.index[-1]) != str(r.last_period):
        return None
    last, before = series.index[-1], series.index[-2]
    if (last - before).n != 1:
        return None
    change = i18n.fmt_points(series.iloc[-1] - series.iloc[-2], lang)
    period = i18n.upper_first(i18n.fmt_period(last, lang))
    return i18n.t("table.year_note", lang, period=period, change=change)


def status_rows(
    results: PeriodResults, province: str, lang: str = "vi"
) -> list[components.StatusRow]:
    """The traffic-light table's rows (see :func:`~.components.status_table`).

    Paces are in percentage points per month (per year for annual indicators, which the cell
    says); the pace needed is left empty where it means nothing (target met, deadline reached:
    no period is left). A figure older than the report's period carries its own period. From
    the deadline month on, no probability is shown: the figures decide the status.
    """
    rows = current_targets(results, province)
    return [_status_row(results, province, r, lang) for r in rows.itertuples()]


VERDICT_ORDER: tuple[str, ...] = targets.MET_FIRST
"""The order the verdict counts the target table's statuses in: met first."""

OPEN_AT_RISK: tuple[str, ...] = ("off_track", "at_risk")
"""Statuses of a target still ahead that needs a faster pace (the verdict's most urgent)."""


def verdict(results: PeriodResults, province: str, lang: str = "vi") -> list[str]:
    """The 2-4 sentences a briefing opens with, from the target table the page shows
    (:func:`status_rows`): see :func:`verdict_sentences`."""
    frame = current_targets(results, province)
    rows = [_status_row(results, province, r, lang) for r in frame.itertuples()]
    return verdict_sentences(frame, rows, lang)


def verdict_sentences(
    frame: pd.DataFrame, rows: list[components.StatusRow], lang: str = "vi"
) -> list[str]:
    """How many targets of the table are met, on track, at risk or behind; the most urgent
    with the pace it needs; the targets missed, and those met but at risk of falling below.

    ``frame`` holds the table's targets (:func:`current_targets`) and ``rows`` the same rows as
    the table shows them (:func:`status_rows`), in the same order. Every number in the
    sentences is a count of the table's rows or a figure written in one of its cells, as the
    cell writes it.
    """
    if not rows:
        return [i18n.t("verdict.no_targets", lang)]
    sentences = [_verdict_counts(rows, lang)]
    sentences.append(_verdict_urgent(frame, rows, lang))
    missed = [row for row in rows if row.status == MISSED]
    if missed:
        items = "; ".join(
            i18n.t(
                "verdict.missed_item",
                lang,
                name=row.indicator,
                value=row.value,
                target=row.target,
                deadline=row.deadline,
            )
            for row in missed
        )
        sentences.append(i18n.t("verdict.missed", lang, items=items))
    urgent_is_met_at_risk = not any(r.status in OPEN_AT_RISK for r in rows)
    slipping = [row for row in rows if row.status == MET_AT_RISK]
    if slipping and not (urgent_is_met_at_risk and len(slipping) == 1) and len(sentences) < 4:
        items = "; ".join(
            i18n.t(
                "verdict.met_at_risk_item",
                lang,
                name=row.indicator,
                value=row.value,
                target=row.target,
                probability=probability_text(row.probability, lang),
            )
            for row in slipping
        )
        sentences.append(i18n.t("verdict.met_at_risk", lang, items=items))
    return sentences[:4]


def probability_text(probability: Any, lang: str) -> str:
    """A probability as the table's cell writes it."""
    if probability is None or pd.isna(probability):
        return i18n.MISSING
    return i18n.fmt_probability(float(probability), lang)


def _verdict_counts(rows: list[components.StatusRow], lang: str) -> str:
    labels: dict[str, int] = {}
    order: dict[str, int] = {}
    for row in rows:
        label = row.label or targets.status_label(row.status, False, lang)
        labels[label] = labels.get(label, 0) + 1
        rank = VERDICT_ORDER.index(row.status) if row.status in VERDICT_ORDER else 99
        order[label] = min(order.get(label, 99), rank)
    parts = [
        i18n.t("verdict.count_part", lang, count=count, label=label.lower())
        for label, count in sorted(labels.items(), key=lambda kv: order[kv[0]])
    ]
    return i18n.t("verdict.counts", lang, total=len(rows), parts="; ".join(parts))


def _verdict_urgent(frame: pd.DataFrame, rows: list[components.StatusRow], lang: str) -> str:
    """The open target needing the fastest change first: at risk or off track, the earliest
    deadline, the worst status, the lowest probability; else one met that may fall back."""
    candidates = []
    for (_, r), row in zip(frame.iterrows(), rows, strict=True):
        if row.status in OPEN_AT_RISK and not r["deadline_reached"]:
            due = targets.deadline_date(r["indicator"], r["deadline"])
            prob = r["prob_target_met"] if pd.notna(r["prob_target_met"]) else 1.0
            candidates.append(((due, row.status != "off_track", prob), row, r))
    if candidates:
        _, row, r = min(candidates, key=lambda c: c[0])
        per = (
            "verdict.per_month"
            if catalog.get(r["indicator"]).frequency == "monthly"
            else ("verdict.per_year")
        )
        return i18n.t(
            "verdict.urgent",
            lang,
            name=row.indicator,
            value=row.value,
            target=row.target,
            deadline=row.deadline,
            required=_pace_number(row.required_pace),
            current=_pace_number(row.current_pace),
            per=i18n.t(per, lang),
        )
    slipping = [row for row in rows if row.status == MET_AT_RISK]
    if slipping:
        row = slipping[0]
        return i18n.t(
            "verdict.urgent_met_at_risk",
            lang,
            name=row.indicator,
            value=row.value,
            target=row.target,
            deadline=row.deadline,
            probability=probability_text(row.probability, lang),
        )
    return i18n.t("verdict.none_urgent", lang)


def _pace_number(cell: Any) -> str:
    """A pace cell without its "/năm" suffix (the sentence says per month or per year)."""
    return str(cell).split(" ")[0]


def done_note(results: PeriodResults, province: str, lang: str = "vi") -> str | None:
    """One sentence listing targets met whose deadlines have passed (late ones say so)."""
    rows = done_earlier(results, province)
    if rows.empty:
        return None
    names = ", ".join(
        catalog.get(r.indicator).short(lang)
        + (f" ({targets.status_label(r.status, True, lang).lower()})" if r.late else "")
        for r in rows.itertuples()
    )
    return i18n.t("table.done_earlier", lang, count=len(rows), names=names)


def at_risk(results: PeriodResults, province: str) -> pd.DataFrame:
    """Targets still ahead that are at risk or off track (for the fan charts), worst first."""
    rows = current_targets(results, province)
    if rows.empty:
        return rows
    return rows[rows["status"].isin(["at_risk", "off_track"]) & ~rows["deadline_reached"]]


def trend_targets(
    results: PeriodResults, province: str, lang: str = "vi"
) -> tuple[pd.DataFrame, str | None]:
    """The targets whose trend is worth a chart (two periods of figures or more), and the
    sentences naming the others (one period of figures: a chart would be a lone dot; none)."""
    rows = target_rows(results, province)
    if rows.empty:
        return rows, None
    counts = [n_periods(results, province, i) for i in rows["indicator"]]
    keep = [c >= 2 for c in counts]
    notes = []
    for wanted, key in ((1, "table.one_period_trends"), (0, "table.no_data_trends")):
        names = [
            catalog.get(i).short(lang)
            for i, c in zip(rows["indicator"], counts, strict=True)
            if c == wanted
        ]
        if names:
            notes.append(i18n.t(key, lang, count=len(names), names=", ".join(names)))
    return rows[keep].reset_index(drop=True), " ".join(notes) or None


def focus_indicator(results: PeriodResults, province: str) -> str:
    """The indicator the rank chart shows: the headline monthly indicator on which the province
    ranks lowest (where comparison helps most), else the first headline indicator."""
    c = results.comparison
    heads = [i.id for i in catalog.indicators().values() if i.headline and i.frequency == "monthly"]
    rows = c[(c["province"] == province) & c["indicator"].isin(heads) & c["rank"].notna()]
    spread = c[c["indicator"].isin(heads)].groupby("indicator")["value"].std()
    rows = rows[rows["indicator"].map(spread) > 0.5]  # skip indicators everyone has maxed out
    if rows.empty:
        return heads[0]
    return str(rows.sort_values("rank", ascending=False).iloc[0]["indicator"])


def parameters_text(parameters: dict, lang: str = "vi") -> str:
    """Run parameters as a readable list in the page's language: "Tỉnh, thành phố: Nghệ An;
    Kỳ: tháng 10/2026; Ngôn ngữ: tiếng Việt"."""
    parts = []
    order = ["province", "period", "lang", "indicators", "dataset"]
    keys = [k for k in order if k in parameters] + [k for k in parameters if k not in order]
    for key in keys:
        value = parameters[key]
        if key == "province" and value:
            shown = province_name(str(value), lang)
        elif key == "period" and value:
            shown = i18n.fmt_period(value, lang)
        elif key == "lang" and value:
            shown = i18n.t(f"params.lang_{i18n.normalize_lang(value)}", lang)
        elif key == "indicators" and value:
            shown = ", ".join(catalog.get(i).short(lang) for i in value)
        elif key == "dataset" and value and i18n.has_message(f"params.dataset_{value}"):
            shown = i18n.t(f"params.dataset_{value}", lang)
        elif value is None or value == "" or value == []:
            shown = i18n.t("params.default", lang)
        else:
            shown = str(value)
        label = i18n.t(f"params.{key}", lang) if i18n.has_message(f"params.{key}") else key
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)


def _demo_source() -> str | None:
    """The demo generator's own source text (translated on pages), wherever it is declared."""
    import importlib

    for module in ("analysis.data.demo", "analysis.data.demo.specs"):
        try:
            source = getattr(importlib.import_module(module), "SOURCE", None)
        except ImportError:
            continue
        if source:
            return str(source)
    return None


def sources_text(results: PeriodResults, lang: str = "vi") -> str:
    """The sources of the figures; the demo's own source text in the page's language."""
    demo = _demo_source()
    sources = sorted(set(results.observations["source"].dropna()))
    shown = [i18n.t("provenance.source_demo", lang) if s == demo else s for s in sources]
    return "; ".join(i18n.strip_control(s) for s in shown[:3])


def provenance(
    results: PeriodResults, notebook: str, parameters: dict, lang: str = "vi"
) -> dict[str, Any]:
    """Footer facts (:func:`~analysis.reporting.render.components.report_provenance`)."""
    params = dict(parameters)
    if "period" in params and not params["period"]:
        params["period"] = str(results.period)
    return components.report_provenance(
        notebook=notebook,
        data_version=results.data_version,
        parameters=parameters_text(params, lang),
        sources=sources_text(results, lang),
        official=not is_synthetic(results),
        lang=lang,
    )


def metadata(
    results: PeriodResults,
    province: str | None,
    notebook: str,
    parameters: dict,
    lang: str = "vi",
    title_key: str = "report.title",
) -> components.ReportMetadata:
    name = province_name(province, lang) if province else i18n.t("report.national_place", lang)
    period_label = i18n.fmt_period(results.period, lang)
    return components.report_metadata(
        title=i18n.t(title_key, lang),
        subtitle=i18n.t("report.subtitle_monthly", lang, period=period_label),
        province_name=name,
        period_label=period_label,
        lang=lang,
        synthetic=is_synthetic(results),
        provenance=provenance(results, notebook, parameters, lang),
    )


def ensure_province_has_data(results: PeriodResults, province: str) -> None:
    """Fail clearly when a province has no figures for the period (its briefing would be empty)."""
    c = results.comparison
    monthly = c["period_used"].astype(str) == str(results.period) if not c.empty else []
    if c.empty or not c[(c["province"] == province) & c["value"].notna() & monthly].shape[0]:
        raise ValueError(
            f"no data for {province} in {results.period} (dataset {results.dataset}): check that "
            "its figures for this month were ingested (`python -m analysis list periods`)"
        )


TITLE_KEYS = {
    "10_province_comparison": "report.comparison_title",
    "20_target_forecast": "report.forecast_title",
    "30_leadership_briefing": "report.title",
    "40_national_overview": "report.national_title",
}


def opening(notebook: str, params: Any, results: PeriodResults) -> list[Any]:
    """What a province or national report shows first, in order: its metadata (title band,
    provenance) and, for demo data, the synthetic-data notice. ``params`` are the validated
    notebook parameters. Fails clearly when the province has no figures for the month."""
    province = None if notebook == "40_national_overview" else getattr(params, "province", None)
    if province:
        ensure_province_has_data(results, province)
    shown: list[Any] = [
        metadata(
            results,
            province,
            notebook,
            params.model_dump(),
            params.lang,
            title_key=TITLE_KEYS.get(notebook, "report.title"),
        )
    ]
    if is_synthetic(results):
        shown.append(components.synthetic_notice(params.lang))
    return shown


__all__ = [
    "STATUS_ORDER",
    "at_risk",
    "opening",
    "comparison",
    "comparison_summary",
    "current_targets",
    "done_earlier",
    "direction",
    "done_note",
    "focus_indicator",
    "forecast_table",
    "history",
    "is_true",
    "kpi_card",
    "kpi_cards",
    "metadata",
    "movers_table",
    "national_history",
    "parameters_text",
    "peer_table",
    "probability_text",
    "province_name",
    "provinces_at_risk",
    "status_rows",
    "target_rows",
    "trend_targets",
    "value_tables",
]
