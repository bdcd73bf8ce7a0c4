"""Tables the report notebooks show as DataFrames: comparison summary, peers, movers, forecasts,
every province's values, and the provinces at risk on each target.

Every national or regional value says how many provinces it covers (and is not shown as one
when too few reported, :func:`analysis.analyses.compare.covers`); shared ranks say "đồng hạng";
a figure older than the report's period carries its own period.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analysis.analyses import compare
from analysis.analyses.completeness import PARTIAL
from analysis.analyses.monthly import PeriodResults
from analysis.core import i18n
from analysis.core.periods import to_month, to_period
from analysis.reference import catalog, geography, targets
from analysis.reference.targets import (
    AWAITING,
    INSUFFICIENT_HISTORY,
    MET_AT_RISK,
    MET_LATE,
    MISSED,
)
from analysis.reporting import gaps


def province_name(codename: str, lang: str = "vi") -> str:
    """The name a page shows: "TP. Hồ Chí Minh" for the centrally-run cities, else "Nghệ An".

    Official names keep their diacritics in English too (as in the government's own English).
    """
    return geography.by_codename(codename).display_name


def comparison(results: PeriodResults) -> pd.DataFrame:
    """The period's comparison with coverage and ties (:func:`compare.with_coverage`) and the
    names pages show; computed once per results object (a cached comparison may predate them)."""
    cached = results.__dict__.get("_comparison_for_pages")
    if cached is not None and cached[0] is results.comparison:
        return cached[1]
    table = compare.with_coverage(results.comparison)
    if not table.empty:
        names = {u.codename: u.display_name for u in geography.units() if u.basis == "34"}
        table["province_name"] = table["province"].map(names).fillna(table["province_name"])
    results.__dict__["_comparison_for_pages"] = (results.comparison, table)
    return table


def latest_observation(
    results: PeriodResults, province: str, indicator: str
) -> tuple[float, pd.Period] | None:
    """The province's latest figure up to the report's period, with its period, or ``None``."""
    obs = results.observations
    until = targets.expected_period(indicator, results.period)
    rows = obs[(obs["province"] == province) & (obs["indicator"] == indicator)]
    rows = rows[rows["value"].notna() & rows["period"].map(lambda p: p <= until)]
    if rows.empty:
        return None
    last = rows.sort_values("period").iloc[-1]
    return float(last["value"]), last["period"]


def _rank_cell(c: pd.DataFrame, row: pd.Series, column: str, lang: str) -> str:
    rank = row[column]
    if pd.isna(rank) or not compare.shows_rank(row["n_ranked"]):
        return i18n.MISSING
    same = c[(c["indicator"] == row["indicator"]) & (c[column] == rank)]
    return i18n.rank_text(int(rank), int(row["n_ranked"]), lang, tied=len(same) > 1, short=True)


def aggregate_cell(row: pd.Series, scope: str, lang: str = "vi") -> str:
    """A national (``scope="national"``) or regional value with its coverage; only the coverage
    when too few provinces reported for the value to stand for them all."""
    suffix = "" if scope == "national" else "_region"
    count, total = int(row[f"n_reporting{suffix}"]), int(row[f"n_units{suffix}"])
    coverage = i18n.t("coverage.reporting", lang, count=count, total=total)
    value = row[f"{scope}_value"]
    shown = i18n.fmt_percent(value, lang) if compare.covers(count, total) else i18n.MISSING
    return i18n.t("table.national_cell", lang, value=shown, coverage=coverage)


def _summary_row(c: pd.DataFrame, r: pd.Series, ind: catalog.Indicator, lang: str) -> dict:
    return {
        i18n.t("table.indicator", lang): ind.short(lang),
        i18n.t("table.value", lang): i18n.fmt_percent(r["value"], lang),
        i18n.t("table.rank", lang): _rank_cell(c, r, "rank", lang),
        i18n.t("table.rank_prev_month", lang): _rank_cell(c, r, "rank_prev_month", lang),
        i18n.t("table.rank_prev_year", lang): _rank_cell(c, r, "rank_prev_year", lang),
        i18n.t("kpi.national_average", lang): aggregate_cell(r, "national", lang),
        i18n.t("kpi.regional_average", lang): aggregate_cell(r, "regional", lang),
        i18n.t("table.gap_target", lang): i18n.fmt_points(r["gap_target"], lang)
        if pd.notna(r["gap_target"])
        else i18n.MISSING,
        i18n.t("table.tier", lang): i18n.MISSING
        if pd.isna(r["tier"]) or not compare.shows_rank(r["n_ranked"])
        else f"Q{int(r['tier'])}",
    }


def _stale_row(
    results: PeriodResults, province: str, ind: catalog.Indicator, lang: str
) -> dict | None:
    latest = latest_observation(results, province, ind.id)
    if latest is None:
        return None
    value, period = latest
    cell = i18n.t(
        "table.stale_cell",
        lang,
        value=i18n.fmt_percent(value, lang),
        period=i18n.fmt_period(period, lang),
    )
    return {i18n.t("table.indicator", lang): ind.short(lang), i18n.t("table.value", lang): cell}


def comparison_summary(
    results: PeriodResults, province: str, indicators: list[str], lang: str = "vi"
) -> pd.DataFrame:
    """One row per indicator: value, rank now / last month / last year, national and regional
    values with their coverage, gap to target, tier. An indicator not reported this period
    shows its latest figure with that figure's period."""
    c = comparison(results)
    rows = []
    for ind_id in indicators:
        ind = catalog.get(ind_id)
        match = c[(c["province"] == province) & (c["indicator"] == ind_id) & c["value"].notna()]
        if match.empty:
            stale = _stale_row(results, province, ind, lang)
            if stale:
                rows.append(stale)
            continue
        rows.append(_summary_row(c, match.iloc[0], ind, lang))
    return pd.DataFrame(rows).fillna(i18n.MISSING)


def peer_table(
    results: PeriodResults, province: str, indicators: list[str], lang: str = "vi"
) -> pd.DataFrame:
    """The province and its regional peers on the chosen indicators (values, vi-VN)."""
    c = compare.peers(comparison(results), province)
    c = c[c["indicator"].isin(indicators)]
    wide = c.pivot_table(index="province_name", columns="indicator", values="value", sort=True)
    wide = wide[[i for i in indicators if i in wide.columns]]
    wide.columns = [catalog.get(i).short(lang) for i in wide.columns]
    wide = wide.map(lambda v: i18n.fmt_percent(v, lang))
    wide.index.name = i18n.t("table.province", lang)
    return wide.reset_index()


def movers_table(
    results: PeriodResults, indicators: list[str], lang: str = "vi", n: int = 3
) -> pd.DataFrame:
    """The top movers since last month on each chosen indicator."""
    rows = []
    c = comparison(results)
    for ind_id in indicators:
        if catalog.get(ind_id).frequency != "monthly":
            continue
        for r in compare.top_movers(c, ind_id, n=n).itertuples():
            rows.append(
                {
                    i18n.t("table.indicator", lang): catalog.get(ind_id).short(lang),
                    i18n.t("table.province", lang): r.province_name,
                    i18n.t("table.value", lang): i18n.fmt_percent(r.value, lang),
                    i18n.t("table.change", lang): i18n.fmt_points(r.change_month, lang),
                }
            )
    return pd.DataFrame(rows)


def forecast_rows(results: PeriodResults, province: str | None = None) -> pd.DataFrame:
    """The period's forecast rows (of one province, or all), with a row for every target due
    this very month whose figure a unit that reported this month did not send and never sent
    before (no series, so no forecast): awaiting the deadline's figure.

    Targets of other months without any figure are left to the completeness notice, which
    names every missing indicator; units that sent nothing this month get no such rows either:
    the completeness section and their own pages say so once, not once a target.
    """
    f = results.forecasts
    if province is not None and not f.empty:
        f = f[f["province"] == province]
    extra = _unreported_targets(results, province)
    if not extra:
        return f
    return (
        pd.concat([f, pd.DataFrame(extra)], ignore_index=True)
        if not f.empty
        else pd.DataFrame(extra)
    )


def _unreported_targets(results: PeriodResults, province: str | None) -> list[dict]:
    found = gaps.completeness(results)
    have = set(
        zip(
            results.forecasts.get("province", []),
            results.forecasts.get("indicator", []),
            strict=True,
        )
    )
    table = catalog.targets_frame(results.period)
    if table.empty:
        return []
    by_indicator = table.drop_duplicates("indicator").set_index("indicator")
    rows = []
    for unit in found.units:
        if unit.state != PARTIAL or (province is not None and unit.province != province):
            continue
        for gap in unit.gaps:
            if gap.indicator not in by_indicator.index or (unit.province, gap.indicator) in have:
                continue
            t = by_indicator.loc[gap.indicator]
            deadline = str(t["deadline"])
            due = targets.deadline_date(gap.indicator, deadline)
            if due != to_month(results.period).end_time.date():
                continue  # not due this month
            rows.append(
                {
                    "province": unit.province,
                    "indicator": gap.indicator,
                    "target": float(t["target"]),
                    "deadline": deadline,
                    "last_period": None,
                    "last_value": np.nan,
                    "point": np.nan,
                    "lower": np.nan,
                    "upper": np.nan,
                    "prob_target_met": np.nan,
                    "expected_completion": None,
                    "required_pace": np.nan,
                    "current_pace": np.nan,
                    "status": AWAITING,
                    "model": "",
                    "model_spec": None,
                    "path_json": None,
                }
            )
    return rows


def _forecast_cell(r: Any, lang: str) -> str:
    """The point forecast and interval at the deadline; none once the deadline is reached."""
    if pd.isna(r.point) or r.deadline_reached:
        return i18n.MISSING
    return (
        f"{i18n.fmt_decimal(r.point, lang)} "
        f"({i18n.fmt_decimal(r.lower, lang)}–{i18n.fmt_decimal(r.upper, lang)})"
    )


def forecast_table(results: PeriodResults, province: str, lang: str = "vi") -> pd.DataFrame:
    """Every target's forecast at its deadline with the interval, expected month, status (the
    rule of :func:`.targets.target_status`) and model; a deadline reached has no forecast."""
    rows = targets.target_status(forecast_rows(results, province), results.period)
    out = []
    for r in rows.itertuples():
        expected = r.expected_completion
        value = i18n.fmt_percent(r.last_value, lang)
        if r.stale:
            period = i18n.fmt_period(r.last_period, lang)
            value = i18n.t("table.stale_cell", lang, value=value, period=period)
        out.append(
            {
                i18n.t("table.indicator", lang): catalog.get(r.indicator).short(lang),
                i18n.t("table.value", lang): value,
                i18n.t("table.forecast", lang): _forecast_cell(r, lang),
                i18n.t("table.expected_completion", lang): i18n.fmt_period(
                    to_period(expected), lang
                )
                if isinstance(expected, str) and expected
                else i18n.MISSING,
                i18n.t("table.status", lang): targets.status_label(
                    r.status, r.deadline_reached, lang, on_time=r.on_time
                ),
                i18n.t("table.model", lang): r.model,
            }
        )
    return pd.DataFrame(out)


def _aggregate_rows(c: pd.DataFrame, chunk: list[str], lang: str) -> pd.DataFrame:
    """The national row (value when enough provinces reported) and the reporting count row."""
    first = c.drop_duplicates("indicator").set_index("indicator")
    national, reporting = [], []
    for ind_id in chunk:
        r = first.loc[ind_id]
        covered = compare.covers(r["n_reporting"], r["n_units"])
        national.append(i18n.fmt_decimal(r["national_value"], lang, 1) if covered else i18n.MISSING)
        reporting.append(f"{int(r['n_reporting'])}/{int(r['n_units'])}")
    index = [i18n.t("table.national_row", lang), i18n.t("table.reporting_row", lang)]
    return pd.DataFrame([national, reporting], index=index)


def value_tables(
    results: PeriodResults, lang: str = "vi", max_columns: int = 6
) -> list[tuple[str, pd.DataFrame]]:
    """Every province's value on every indicator, as tables narrow enough for an A4 page:
    one per indicator family, split into chunks of at most ``max_columns`` indicators; each
    ends with the national value (when enough provinces reported) and the reporting count."""
    c = comparison(results)
    wide = c.pivot_table(index="province_name", columns="indicator", values="value", sort=False)
    order = [
        province_name(p)
        for p in geography.provinces("34").sort_values(["region", "name"])["codename"]
    ]
    wide = wide.reindex([n for n in order if n in wide.index])
    out = []
    for family, (name_vi, name_en) in catalog.FAMILIES.items():
        ids = [
            i.id
            for i in catalog.indicators().values()
            if i.family == family and i.id in wide.columns
        ]
        for start in range(0, len(ids), max_columns):
            chunk = ids[start : start + max_columns]
            table = wide[chunk].map(lambda v: i18n.fmt_decimal(v, lang, 1))
            extra = _aggregate_rows(c, chunk, lang)
            extra.columns = chunk
            table = pd.concat([table, extra])
            table.columns = [catalog.get(i).short(lang) for i in chunk]
            table.index.name = i18n.t("table.province", lang)
            part = f" ({start // max_columns + 1})" if len(ids) > max_columns else ""
            out.append(((name_vi if lang == "vi" else name_en) + part, table.reset_index()))
    return out


def _risk_names(g: pd.DataFrame, period: Any, lang: str) -> list[str]:
    """The provinces needing attention on one target: at risk, off track or missed, then those
    whose deadline figure is awaited (said so)."""
    bad = g[g["status"].isin(targets.AT_RISK)].sort_values(["order", "prob_target_met"])
    names = []
    for r in bad.itertuples():
        name = province_name(r.province, lang)
        if r.stale:
            name += f" ({i18n.t('kpi.stale', lang, period=i18n.fmt_period(r.last_period, lang))})"
        names.append(name)
    for r in g[g["status"] == AWAITING].itertuples():
        due = i18n.fmt_period(to_period(r.deadline), lang)
        names.append(
            f"{province_name(r.province, lang)} ({i18n.t('risk.awaiting_name', lang, period=due)})"
        )
    return names


def provinces_at_risk(results: PeriodResults, lang: str = "vi") -> pd.DataFrame:
    """For each target: how many provinces are at risk, off track or missed it, and which.

    Statuses come from :func:`.targets.target_status` (the briefing's own rule), so a province
    that met a target late is counted as met late, never as at risk, and a deadline reached is
    counted from the figures (met, met late, missed, awaiting its figure), never forecast.
    Columns: indicator, target, deadline, deadline_reached, deadline_passed, n_at_risk,
    n_off_track, n_missed, n_met_at_risk, n_achieved, n_late, n_awaiting, n_insufficient,
    n_total (units with figures of the indicator), n_bad, provinces (names, a stale figure
    marked with its period, an awaited deadline figure said so).
    """
    rows = targets.target_status(forecast_rows(results), results.period)
    out = []
    for ind_id, g in rows.groupby("indicator", sort=False):
        count = g["status"].value_counts()
        out.append(
            {
                "indicator": ind_id,
                "target": g["target"].iloc[0],
                "deadline": g["deadline"].iloc[0],
                "deadline_reached": bool(g["deadline_reached"].all()),
                "deadline_passed": bool(g["deadline_passed"].all()),
                "n_at_risk": int(count.get("at_risk", 0)),
                "n_off_track": int(count.get("off_track", 0)),
                "n_missed": int(count.get(MISSED, 0)),
                "n_met_at_risk": int(count.get(MET_AT_RISK, 0)),
                "n_achieved": int(count.get("achieved", 0)),
                "n_late": int(count.get(MET_LATE, 0)),
                "n_awaiting": int(count.get(AWAITING, 0)),
                "n_insufficient": int(count.get(INSUFFICIENT_HISTORY, 0)),
                "n_total": len(g),
                "provinces": _risk_names(g, results.period, lang),
            }
        )
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    frame["n_bad"] = (
        frame["n_at_risk"] + frame["n_off_track"] + frame["n_missed"] + frame["n_met_at_risk"]
    )
    order = ["n_bad", "n_awaiting"]
    return frame.sort_values(order, ascending=False, kind="stable").reset_index(drop=True)


__all__ = [
    "aggregate_cell",
    "comparison",
    "comparison_summary",
    "forecast_rows",
    "forecast_table",
    "latest_observation",
    "movers_table",
    "peer_table",
    "province_name",
    "provinces_at_risk",
    "value_tables",
]
