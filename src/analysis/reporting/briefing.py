"""What goes into a briefing: KPI cards, the target table, changes since last month, provenance.

Notebooks stay thin: they ask this module for the pieces and display them. Every function
takes the period's :class:`~analysis.analyses.monthly.PeriodResults`, a province codename and a
language, and returns plain data or :mod:`~analysis.reporting.render.components` objects,
formatted vi-VN or English.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from analysis.analyses.monthly import PeriodResults
from analysis.analyses.status import FORECAST_STATUSES
from analysis.reference import catalog, geography
from analysis.reference.periods import to_period
from analysis.reporting import i18n
from analysis.reporting.render import components
from analysis.running.runner import code_version

# Worst first: the order of the target table.
STATUS_ORDER = {s: i for i, s in enumerate(reversed(FORECAST_STATUSES))}


def province_name(codename: str, lang: str = "vi") -> str:
    # Official names keep their diacritics in English too (as in the government's own English).
    return geography.by_codename(codename).name


def is_synthetic(results: PeriodResults) -> bool:
    return bool(results.observations["is_synthetic"].any())


def history(results: PeriodResults, province: str, indicator: str) -> pd.Series:
    """The province's series (34-unit basis, back-cast before 2025-07) as a PeriodIndex Series."""
    obs = results.observations
    rows = obs[(obs["province"] == province) & (obs["indicator"] == indicator)]
    return rows.set_index("period")["value"].sort_index()


def national_history(results: PeriodResults, indicator: str) -> pd.Series:
    from analysis.analyses import compare

    nat = compare.national_series(results.observations, indicator)
    return nat.set_index("period")["value"] if not nat.empty else pd.Series(dtype=float)


def _row(results: PeriodResults, province: str, indicator: str) -> pd.Series | None:
    c = results.comparison
    rows = c[(c["province"] == province) & (c["indicator"] == indicator)]
    return None if rows.empty or pd.isna(rows.iloc[0]["value"]) else rows.iloc[0]


def _true(flag: object) -> bool:
    return bool(flag) if flag is not None and not pd.isna(flag) else False


def _direction(change: float) -> str | None:
    if change is None or pd.isna(change):
        return None
    return "up" if change > 0.005 else "down" if change < -0.005 else "flat"


def kpi_cards(
    results: PeriodResults, province: str, lang: str = "vi", limit: int = 6
) -> list[components.KpiCard]:
    """Headline indicators: value, change since last month, rank x/34, tone by quartile."""
    cards = []
    for ind in catalog.indicators().values():
        if not ind.headline:
            continue
        row = _row(results, province, ind.id)
        if row is None:
            continue
        change = row["change_month"]
        if ind.frequency == "annual":
            change = row["change_year"]
            change_text = (
                i18n.t("kpi.change_vs_last_year", lang, value=i18n.fmt_points(change, lang))
                if pd.notna(change)
                else None
            )
        else:
            change_text = (
                i18n.t("kpi.change_vs_last_month", lang, value=i18n.fmt_points(change, lang))
                if pd.notna(change)
                else None
            )
        tier = row["tier"]
        tone = (
            "neutral"
            if pd.isna(tier)
            else {1: "good", 2: "good", 3: "warning", 4: "bad"}[int(tier)]
        )
        label = ind.short(lang)
        if ind.frequency == "annual":
            label += f" ({i18n.fmt_period(row['period_used'], lang)})"
        cards.append(
            components.KpiCard(
                label=label,
                value=i18n.fmt_percent(row["value"], lang),
                change=change_text,
                rank=i18n.t("kpi.rank", lang, rank=int(row["rank"]), of=int(row["n_ranked"])),
                tone=tone,
                direction=_direction(change),
            )
        )
    return cards[:limit]


def target_rows(results: PeriodResults, province: str) -> pd.DataFrame:
    """The province's forecast rows joined with the catalog, worst status first.

    Adds ``deadline_passed``; a target met now counts as ``achieved`` even when it was met after
    its deadline (``late`` says so), and a passed deadline not met is ``off_track`` and
    ``overdue``.
    """
    f = results.forecasts
    rows = f[f["province"] == province].copy()
    if rows.empty:
        return rows
    rows["deadline_passed"] = [
        _deadline_date(i, d) < results.period.end_time.date()
        for i, d in zip(rows["indicator"], rows["deadline"], strict=True)
    ]
    met_now = [
        catalog.get(i).meets(v, t)
        for i, v, t in zip(rows["indicator"], rows["last_value"], rows["target"], strict=True)
    ]
    rows["late"] = (
        rows["deadline_passed"]
        & pd.Series(met_now, index=rows.index)
        & (rows["status"] != "achieved")
    )
    rows.loc[pd.Series(met_now, index=rows.index), "status"] = "achieved"
    rows["overdue"] = rows["deadline_passed"] & (rows["status"] != "achieved")
    rows["order"] = rows["status"].map(STATUS_ORDER)
    rows["family"] = rows["indicator"].map(lambda i: catalog.get(i).family)
    return rows.sort_values(["order", "prob_target_met", "indicator"]).reset_index(drop=True)


def _deadline_date(indicator: str, deadline: str) -> dt.date:
    return to_period(deadline, catalog.get(indicator).freq).end_time.date()


def current_targets(results: PeriodResults, province: str) -> pd.DataFrame:
    """Targets a leader acts on: those still ahead, and those overdue (passed and not met)."""
    rows = target_rows(results, province)
    if rows.empty:
        return rows
    return rows[~rows["deadline_passed"] | rows["overdue"]].reset_index(drop=True)


def done_earlier(results: PeriodResults, province: str) -> pd.DataFrame:
    """Targets whose deadline has passed and that are met (left out of the main table)."""
    rows = target_rows(results, province)
    if rows.empty:
        return rows
    return rows[rows["deadline_passed"] & ~rows["overdue"]].reset_index(drop=True)


def status_rows(
    results: PeriodResults, province: str, lang: str = "vi"
) -> list[components.StatusRow]:
    """The traffic-light table's rows (see :func:`~.components.status_table`).

    Paces are in percentage points per month (per year for annual indicators, which the cell
    says); they are left empty where they mean nothing (target met, deadline passed).
    """
    out = []
    for r in current_targets(results, province).itertuples():
        ind = catalog.get(r.indicator)
        suffix = "" if ind.frequency == "monthly" else (" /năm" if lang == "vi" else " /yr")
        active = r.status != "achieved" and not r.overdue
        note = (
            i18n.t("table.overdue", lang)
            if r.overdue
            else (i18n.t("table.late", lang) if r.late else None)
        )
        out.append(
            components.StatusRow(
                indicator=ind.short(lang),
                value=i18n.fmt_percent(r.last_value, lang),
                target=i18n.fmt_percent(r.target, lang, decimals=0),
                deadline=i18n.fmt_date(_deadline_date(r.indicator, r.deadline), lang, short=True),
                # Met targets and passed deadlines have no open question to put a probability on.
                probability=r.prob_target_met if active else None,
                required_pace=i18n.fmt_signed(r.required_pace, lang) + suffix
                if active and pd.notna(r.required_pace)
                else "—",
                current_pace=i18n.fmt_signed(r.current_pace, lang) + suffix
                if pd.notna(r.current_pace)
                else "—",
                status=r.status,
                note=note,
            )
        )
    return out


def done_note(results: PeriodResults, province: str, lang: str = "vi") -> str | None:
    """One sentence listing targets met whose deadlines have passed."""
    rows = done_earlier(results, province)
    if rows.empty:
        return None
    names = ", ".join(catalog.get(i).short(lang) for i in rows["indicator"])
    return i18n.t("table.done_earlier", lang, count=len(rows), names=names)


def at_risk(results: PeriodResults, province: str) -> pd.DataFrame:
    """Targets still ahead that are at risk or off track (for the fan charts), worst first."""
    rows = current_targets(results, province)
    if rows.empty:
        return rows
    return rows[rows["status"].isin(["at_risk", "off_track"]) & ~rows["overdue"]]


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


def changes(
    results: PeriodResults, province: str, lang: str = "vi", limit: int = 6
) -> list[components.Change]:
    """What changed since last month: rank moves, targets newly met, the largest movements."""
    c = results.comparison
    rows = c[(c["province"] == province) & c["value"].notna()]
    items: list[tuple[float, components.Change]] = []
    for r in rows.itertuples():
        ind = catalog.get(r.indicator)
        if ind.frequency != "monthly":
            continue
        name = ind.short(lang)
        if pd.notna(r.rank_prev_month) and r.rank != r.rank_prev_month:
            up = r.rank < r.rank_prev_month
            text = (
                f"{name}: {'lên' if up else 'xuống'} hạng {int(r.rank)}/{int(r.n_ranked)} "
                f"(tháng trước: {int(r.rank_prev_month)})"
                if lang == "vi"
                else f"{name}: {'up' if up else 'down'} to rank {int(r.rank)} of "
                f"{int(r.n_ranked)} (last month: {int(r.rank_prev_month)})"
            )
            items.append(
                (
                    abs(r.rank - r.rank_prev_month) + 0.5,
                    components.Change(text, "up" if up else "down", "good" if up else "bad"),
                )
            )
        if pd.notna(r.change_month) and abs(r.change_month) >= 0.5:
            better = (r.change_month > 0) == ind.higher_is_better
            text = (
                f"{name}: {i18n.fmt_percent(r.value, lang)} "
                f"({i18n.fmt_points(r.change_month, lang)})"
            )
            items.append(
                (
                    abs(r.change_month),
                    components.Change(
                        text, _direction(r.change_month), "good" if better else "bad"
                    ),
                )
            )
        if pd.notna(r.target) and _true(r.meets_target) and pd.notna(r.change_month):
            before = r.value - r.change_month
            if not ind.meets(before, r.target):
                text = (
                    f"{name}: đạt mục tiêu {i18n.fmt_percent(r.target, lang, 0)}"
                    if lang == "vi"
                    else f"{name}: target of {i18n.fmt_percent(r.target, lang, 0)} reached"
                )
                items.append((100.0, components.Change(text, "up", "good")))
    items.sort(key=lambda x: -x[0])
    return [change for _, change in items[:limit]]


def provenance(
    results: PeriodResults, notebook: str, parameters: dict, lang: str = "vi"
) -> dict[str, Any]:
    """Footer facts: data version, parameters, code version, generation time, source."""
    sources = sorted(set(results.observations["source"].dropna()))
    kind = (
        "provenance.data_kind_synthetic"
        if is_synthetic(results)
        else "provenance.data_kind_official"
    )
    # Canonical keys: the components translate their labels.
    return {
        "source": "; ".join(sources[:3]),
        i18n.t("provenance.data_kind", lang): i18n.t(kind, lang),
        "data_version": results.data_version,
        "parameters": json.dumps(parameters, ensure_ascii=False),
        "code_version": code_version(),
        "notebook": notebook,
        "generated_at": dt.datetime.now().replace(microsecond=0),
    }


def metadata(
    results: PeriodResults,
    province: str | None,
    notebook: str,
    parameters: dict,
    lang: str = "vi",
    title_key: str = "report.title",
) -> components.ReportMetadata:
    name = (
        province_name(province, lang) if province else ("Cả nước" if lang == "vi" else "Viet Nam")
    )
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


def provinces_at_risk(results: PeriodResults) -> pd.DataFrame:
    """For each target: how many provinces are at risk or off track, and which.

    Columns: indicator, target, deadline, n_at_risk, n_off_track, n_total, provinces (names).
    """
    f = results.forecasts
    out = []
    for ind_id, g in f.groupby("indicator", sort=False):
        bad = g[g["status"].isin(["at_risk", "off_track"])].sort_values("prob_target_met")
        names = [province_name(p) for p in bad["province"]]
        out.append(
            {
                "indicator": ind_id,
                "target": g["target"].iloc[0],
                "deadline": g["deadline"].iloc[0],
                "n_at_risk": int((g["status"] == "at_risk").sum()),
                "n_off_track": int((g["status"] == "off_track").sum()),
                "n_achieved": int((g["status"] == "achieved").sum()),
                "n_total": len(g),
                "provinces": names,
            }
        )
    frame = pd.DataFrame(out)
    if frame.empty:
        return frame
    frame["n_bad"] = frame["n_at_risk"] + frame["n_off_track"]
    return frame.sort_values("n_bad", ascending=False).reset_index(drop=True)


def ensure_province_has_data(results: PeriodResults, province: str) -> None:
    """Fail clearly when a province has no figures for the period (its briefing would be empty)."""
    c = results.comparison
    monthly = c["period_used"].astype(str) == str(results.period) if not c.empty else []
    if c.empty or not c[(c["province"] == province) & c["value"].notna() & monthly].shape[0]:
        raise ValueError(
            f"no data for {province} in {results.period} (dataset {results.dataset}): check that "
            "its figures for this month were ingested (`python -m analysis list periods`)"
        )


def _rank_cell(rank: Any, n: Any) -> str:
    return "—" if pd.isna(rank) else f"{int(rank)}/{int(n)}"


def comparison_summary(
    results: PeriodResults, province: str, indicators: list[str], lang: str = "vi"
) -> pd.DataFrame:
    """One row per indicator: value, rank now / last month / last year, national, gap, tier."""
    rows = []
    for ind_id in indicators:
        r = _row(results, province, ind_id)
        if r is None:
            continue
        ind = catalog.get(ind_id)
        rows.append(
            {
                i18n.t("table.indicator", lang): ind.short(lang),
                i18n.t("table.value", lang): i18n.fmt_percent(r["value"], lang),
                i18n.t("table.rank", lang): _rank_cell(r["rank"], r["n_ranked"]),
                i18n.t("table.rank_prev_month", lang): _rank_cell(
                    r["rank_prev_month"], r["n_ranked"]
                ),
                i18n.t("table.rank_prev_year", lang): _rank_cell(
                    r["rank_prev_year"], r["n_ranked"]
                ),
                i18n.t("kpi.national_average", lang): i18n.fmt_percent(r["national_value"], lang),
                i18n.t("kpi.regional_average", lang): i18n.fmt_percent(r["regional_value"], lang),
                i18n.t("table.gap_target", lang): i18n.fmt_points(r["gap_target"], lang)
                if pd.notna(r["gap_target"])
                else "—",
                i18n.t("table.tier", lang): "—" if pd.isna(r["tier"]) else f"Q{int(r['tier'])}",
            }
        )
    return pd.DataFrame(rows)


def peer_table(
    results: PeriodResults, province: str, indicators: list[str], lang: str = "vi"
) -> pd.DataFrame:
    """The province and its regional peers on the chosen indicators (values, vi-VN)."""
    from analysis.analyses import compare

    c = compare.peers(results.comparison, province)
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
    from analysis.analyses import compare

    rows = []
    for ind_id in indicators:
        if catalog.get(ind_id).frequency != "monthly":
            continue
        for r in compare.top_movers(results.comparison, ind_id, n=n).itertuples():
            rows.append(
                {
                    i18n.t("table.indicator", lang): catalog.get(ind_id).short(lang),
                    i18n.t("table.province", lang): r.province_name,
                    i18n.t("table.value", lang): i18n.fmt_percent(r.value, lang),
                    i18n.t("table.change", lang): i18n.fmt_points(r.change_month, lang),
                }
            )
    return pd.DataFrame(rows)


def forecast_table(results: PeriodResults, province: str, lang: str = "vi") -> pd.DataFrame:
    """Every target's forecast at its deadline with the interval, expected month and model."""
    rows = target_rows(results, province)
    out = []
    for r in rows.itertuples():
        forecast = (
            f"{i18n.fmt_decimal(r.point, lang)} "
            f"({i18n.fmt_decimal(r.lower, lang)}–{i18n.fmt_decimal(r.upper, lang)})"
        )
        expected = r.expected_completion
        out.append(
            {
                i18n.t("table.indicator", lang): catalog.get(r.indicator).short(lang),
                i18n.t("table.value", lang): i18n.fmt_percent(r.last_value, lang),
                i18n.t("table.forecast", lang): forecast,
                i18n.t("table.expected_completion", lang): i18n.fmt_period(
                    to_period(expected), lang
                )
                if isinstance(expected, str) and expected
                else "—",
                i18n.t("table.model", lang): r.model,
            }
        )
    return pd.DataFrame(out)


def value_tables(
    results: PeriodResults, lang: str = "vi", max_columns: int = 6
) -> list[tuple[str, pd.DataFrame]]:
    """Every province's value on every indicator, as tables narrow enough for an A4 page:
    one per indicator family, split into chunks of at most ``max_columns`` indicators."""
    c = results.comparison
    wide = c.pivot_table(index="province_name", columns="indicator", values="value", sort=False)
    order = geography.provinces("34").sort_values(["region", "name"])["name"]
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
            table.columns = [catalog.get(i).short(lang) for i in chunk]
            table.index.name = i18n.t("table.province", lang)
            part = f" ({start // max_columns + 1})" if len(ids) > max_columns else ""
            out.append(((name_vi if lang == "vi" else name_en) + part, table.reset_index()))
    return out


TITLE_KEYS = {
    "10_province_comparison": "report.comparison_title",
    "20_target_forecast": "report.forecast_title",
    "30_leadership_briefing": "report.title",
    "40_national_overview": "report.national_title",
}


def begin(notebook: str, namespace: dict) -> tuple[object, PeriodResults]:
    """The opening every report notebook shares.

    Validates the parameters as papermill injected them, loads the period's cached analytics,
    checks the province has figures, applies the chart theme and displays the report metadata
    (and the synthetic-data notice when it applies). Returns ``(params, results)``.
    """
    from IPython.display import display

    from analysis.analyses import monthly
    from analysis.reporting import charts
    from analysis.running import params

    p = params.from_namespace(notebook, namespace)
    results = monthly.period_results(p.period, p.dataset)
    province = getattr(p, "province", None) if notebook not in params.NATIONAL_NOTEBOOKS else None
    if province:
        ensure_province_has_data(results, province)
    charts.apply_theme()
    display(
        metadata(
            results,
            province,
            notebook,
            p.model_dump(),
            p.lang,
            title_key=TITLE_KEYS.get(notebook, "report.title"),
        )
    )
    if is_synthetic(results):
        display(components.synthetic_notice(p.lang))
    return p, results
