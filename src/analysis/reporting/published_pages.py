"""Pages of real published figures: the DTI, Index 766 and the monthly national series.

The notebook ``25_published_figures`` asks this module for its sections; each returns
:class:`~analysis.reporting.render.components.Fragment` objects worded from ``messages.yml``
(``published.*``) and formatted vi-VN or English. Every section ends with the source of its
figures (portal, address, and the third party that collected them, from the file's sidecar).
Nothing on these pages is synthetic, so they carry no synthetic-data notice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from analysis.analyses import published_tables
from analysis.core import i18n
from analysis.data import store
from analysis.reference import geography, measures
from analysis.reporting.briefing import parameters_text
from analysis.reporting.charts import theme
from analysis.reporting.page_parts import (
    figure,
    heading,
    paragraph,
    sources,
    table,
    weights_source,
)
from analysis.reporting.render import components
from analysis.reporting.render.components.base import Fragment, render_fragment

NOTEBOOK = "25_published_figures"
DTI_DECIMALS = 4
"""The DTI is published with four decimals (0.8002); derived values are shown the same way."""

# --- formatting ------------------------------------------------------------------------------


def _dti(value: Any, lang: str) -> str:
    return i18n.fmt_decimal(value, lang, DTI_DECIMALS)


def _with_rank(value: Any, rank: Any, of: Any, lang: str, decimals: int = DTI_DECIMALS) -> str:
    text = i18n.fmt_decimal(value, lang, decimals)
    if i18n.is_missing(value) or i18n.is_missing(rank):
        return text
    return f"{text} ({int(rank)}/{int(of)})"


def _as_of(text: Any, lang: str) -> str:
    return i18n.fmt_date(dt.date.fromisoformat(str(text)), lang)


def unit_label(unit: str, lang: str) -> str:
    """The unit as the page names it ("Nghệ An", "TP. Hồ Chí Minh", "Cả nước")."""
    if unit == published_tables.NATIONAL:
        return i18n.t("report.national_place", lang)
    return geography.by_codename(unit).display_name


# --- DTI -------------------------------------------------------------------------------------


def dti_section(real: pd.DataFrame, unit: str, lang: str) -> list[Fragment]:
    """The DTI 2022-2024 of a unit: former provinces (published), the unit (derived), region
    and country means, each figure marked; or for the country its means and the 34 units."""
    if unit == published_tables.NATIONAL:
        return [heading("published.dti_heading", lang), *national_ranking(real, lang)]
    view = published_tables.dti_view(real, geography.by_codename(unit).code)
    if view.table.empty:
        return []
    name = view.unit.display_name
    derived = i18n.t("published.derived_mark", lang)
    if len(view.former) > 1:
        former = ", ".join(f.name for f in view.former)
        intro = i18n.t("published.dti_merged", lang, unit=name, former=former, derived=derived)
    else:
        intro = i18n.t("published.dti_kept", lang, unit=name, derived=derived)
    region = geography.region_name(view.unit.region, lang)
    t = view.table
    latest = t[t["measure"] == "dti_overall"].iloc[-1]
    means = i18n.t(
        "published.dti_means",
        lang,
        n=int(latest["nation_n"]),
        year=int(latest["year"]),
        mean=_dti(latest["nation"], lang),
        n_region=int(latest["region_n"]),
        region=region,
    )
    headers = [
        i18n.t("published.col_index", lang),
        i18n.t("published.col_year", lang),
        *[i18n.t("published.col_former", lang, name=f.name) for f in view.former],
        i18n.t("published.col_unit_derived", lang, name=name),
        i18n.t("published.col_region", lang, region=region),
        i18n.t("published.col_nation", lang, n=int(latest["nation_n"])),
    ]
    rows = []
    for r in t.to_dict("records"):
        former_cells = [
            _with_rank(
                r[f"former:{f.code}"],
                r[f"former_rank:{f.code}"],
                r[f"former_rank_of:{f.code}"],
                lang,
            )
            for f in view.former
        ]
        rows.append(
            [
                i18n.t(f"published.dti_short.{r['measure']}", lang),
                str(int(r["year"])),
                *former_cells,
                _with_rank(r["unit"], r["unit_rank"], r["unit_rank_of"], lang),
                _dti(r["region"], lang),
                _dti(r["nation"], lang),
            ]
        )
    weights = weights_source(lang)
    return [
        heading("published.dti_heading", lang),
        paragraph(intro),
        table(headers, rows),
        paragraph(means, "small-note"),
        sources(real, published_tables.DTI_MEASURES, lang),
        paragraph(weights, "small-note source-note"),
    ]


def national_ranking(real: pd.DataFrame, lang: str) -> list[Fragment]:
    """The country's DTI means by year, and the 34 units on the DTI (derived) and Index 766."""
    means = published_tables.dti_national_means(real)
    years = sorted(int(y) for y in means["year"].unique())
    if not years:
        return []
    wide = means.pivot_table(index="measure", columns="year", values="mean")
    headers = [i18n.t("published.col_index", lang), *[str(y) for y in years]]
    rows = [
        [i18n.t(f"published.dti_short.{m}", lang), *[_dti(wide.loc[m, y], lang) for y in years]]
        for m in published_tables.DTI_MEASURES
        if m in wide.index
    ]
    note = i18n.t(
        "published.dti_national",
        lang,
        n=int(means["n"].max()),
        derived=i18n.t("published.derived_mark", lang),
    )
    out = [paragraph(note), table(headers, rows)]
    out += _units_table(real, years[-1], lang)
    ytd_units = real[(real["frequency"] == "year_to_date") & real["province_code"].notna()]
    out.append(sources(real, published_tables.DTI_MEASURES, lang))
    out.append(sources(ytd_units, ["index766_total"], lang))
    out.append(paragraph(weights_source(lang), "small-note source-note"))
    return out


def _units_table(real: pd.DataFrame, year: int, lang: str) -> list[Fragment]:
    """The 34 units: DTI of ``year`` (derived, rank of 34) and Index 766 this year (published)."""
    dti = published_tables.dti_derived_ranks(real)
    dti = dti[(dti["measure"] == "dti_overall") & (dti["year"] == year)].set_index("province_code")
    i766 = published_tables.index766_ytd_ranking(real).set_index("province_code")
    i766_year = str(int(real.loc[real["frequency"] == "year_to_date", "year"].max()))
    headers = [
        i18n.t("published.col_unit", lang),
        i18n.t("published.col_dti_derived", lang, year=year),
        i18n.t("published.col_dti_rank", lang),
        i18n.t("published.col_i766", lang, year=i766_year),
        i18n.t("published.col_i766_rank", lang),
    ]
    rows = []
    units = [u for u in geography.units() if u.basis == "34"]
    order = sorted(units, key=lambda u: _rank_or_last(i766, u.code))
    for u in order:
        d = dti.loc[u.code] if u.code in dti.index else None
        s = i766.loc[u.code] if u.code in i766.index else None
        rows.append(
            [
                u.display_name,
                _dti(d["value"], lang) if d is not None else i18n.MISSING,
                f"{int(d['rank'])}/{int(d['rank_of'])}" if d is not None else i18n.MISSING,
                i18n.fmt_decimal(s["value"], lang, 2) if s is not None else i18n.MISSING,
                f"{int(s['rank'])}/{int(s['rank_of'])}" if s is not None else i18n.MISSING,
            ]
        )
    return [heading("published.ranking_heading", lang, level=3), table(headers, rows)]


def _rank_or_last(ranking: pd.DataFrame, code: str) -> float:
    return float(ranking.loc[code, "rank"]) if code in ranking.index else float("inf")


# --- Index 766 -------------------------------------------------------------------------------


def _group_rows(
    mine: pd.DataFrame, country: pd.DataFrame, lang: str
) -> tuple[list[list[str]], str | None]:
    """Rows of the Index 766 table (each group, its maximum, the unit's and the country's
    score and share of the maximum) and the note on the online-service parts, if summed."""
    mine_v = mine.set_index("measure")["value"] if not mine.empty else pd.Series(dtype=float)
    nat = country.set_index("measure")["value"]
    rows, note = [], None
    for m in ("index766_total", *published_tables.INDEX766_GROUPS):
        top = measures.get(m).max_points
        value = mine_v.get(m)
        if m == "index766_online_service" and not mine.empty and value is None:
            parts = [mine_v.get(p) for p in published_tables.ONLINE_PARTS]
            if all(p is not None for p in parts):
                value = float(sum(parts))
                note = i18n.t(
                    "published.online_parts",
                    lang,
                    dossiers=i18n.fmt_decimal(parts[0], lang),
                    payment=i18n.fmt_decimal(parts[1], lang),
                )
        row = [i18n.t(f"published.i766_short.{m}", lang), i18n.fmt_decimal(top, lang, 0)]
        if not mine.empty:
            row += [i18n.fmt_decimal(value, lang), _share(value, top, lang)]
        row += [i18n.fmt_decimal(nat.get(m), lang), _share(nat.get(m), top, lang)]
        rows.append(row)
    return rows, note


def _share(value: Any, top: float | None, lang: str) -> str:
    if i18n.is_missing(value) or not top:
        return i18n.MISSING
    return i18n.fmt_percent(100.0 * float(value) / top, lang, decimals=1)


def index766_section(real: pd.DataFrame, unit: str, period: str, lang: str) -> list[Fragment]:
    """Index 766 this year so far: the unit's rank of 34 and every group against its maximum,
    beside the national block and its dossiers-online share."""
    country = published_tables.index766_year_to_date(real, None)
    if country.empty:
        return []
    as_of = str(country["as_of"].iloc[0])
    shown_as_of = _as_of(as_of, lang)
    out = [heading("published.i766_heading", lang, as_of=shown_as_of)]
    if as_of[:7] > period:
        note = i18n.t(
            "published.i766_not_yet", lang, as_of=shown_as_of, period=i18n.fmt_period(period, lang)
        )
        return [*out, paragraph(note)]
    nat_total = country.set_index("measure")["value"].get("index766_total")
    national = i18n.fmt_decimal(nat_total, lang)
    mine = pd.DataFrame()
    if unit == published_tables.NATIONAL:
        out.append(paragraph(i18n.t("published.i766_national", lang, national=national)))
    else:
        u = geography.by_codename(unit)
        mine = published_tables.index766_year_to_date(real, u.code)
        total = mine[mine["measure"] == "index766_total"]
        if not total.empty:
            r = total.iloc[0]
            text = i18n.t(
                "published.i766_rank",
                lang,
                unit=u.display_name,
                score=i18n.fmt_decimal(r["value"], lang),
                rank=int(r["rank"]),
                of=int(r["rank_of"]),
                national=national,
            )
            out.append(paragraph(text))
    headers = [i18n.t("published.col_group", lang), i18n.t("published.col_max", lang)]
    if not mine.empty:
        headers += [unit_label(unit, lang), i18n.t("published.col_share_of_max", lang)]
    headers += [i18n.t("published.col_country", lang), i18n.t("published.col_share_of_max", lang)]
    rows, parts_note = _group_rows(mine, country, lang)
    out.append(table(headers, rows))
    if parts_note:
        out.append(paragraph(parts_note, "small-note"))
    online = published_tables.national_value(real, "dossiers_online_pct")
    if online is not None:
        text = i18n.t(
            "published.i766_online",
            lang,
            online=i18n.fmt_number(online["numerator"], lang),
            total=i18n.fmt_number(online["denominator"], lang),
            share=i18n.fmt_percent(online["value"], lang),
        )
        out.append(paragraph(text))
    ids = [
        "index766_total",
        *published_tables.INDEX766_GROUPS,
        *published_tables.ONLINE_PARTS,
        "dossiers_online_pct",
    ]
    ytd = real[real["frequency"] == "year_to_date"]
    if unit == published_tables.NATIONAL:
        ytd = ytd[ytd["province_code"].isna()]
    out.append(sources(ytd, ids, lang))
    return out


def annual_section(real: pd.DataFrame, unit: str, lang: str) -> list[Fragment]:
    """Index 766 by year 2022-2024 on the 34 units, with what that basis means."""
    annual = published_tables.index766_annual(real)
    if annual.empty:
        return []
    headers = [i18n.t("published.col_year", lang)]
    if unit != published_tables.NATIONAL:
        code = geography.by_codename(unit).code
        mine = annual[annual["province_code"] == code].set_index("year")
        headers += [
            f"{unit_label(unit, lang)}: {i18n.t('published.col_total', lang)}",
            i18n.t("published.col_rank_computed", lang),
        ]
    headers.append(i18n.t("published.col_mean34", lang))
    rows = []
    for year, part in annual.groupby("year"):
        row = [str(int(year))]
        if unit != published_tables.NATIONAL:
            r = mine.loc[year] if year in mine.index else None
            row += [
                i18n.fmt_decimal(r["value"], lang) if r is not None else i18n.MISSING,
                f"{int(r['rank'])}/{int(r['rank_of'])}" if r is not None else i18n.MISSING,
            ]
        row.append(i18n.fmt_decimal(part["mean"].iloc[0], lang))
        rows.append(row)
    annual_rows = real[(real["frequency"] == "annual")]
    return [
        heading("published.annual_heading", lang),
        paragraph(i18n.t("published.annual_basis", lang)),
        table(headers, rows),
        sources(annual_rows, ["index766_total"], lang),
    ]


# --- the monthly national series -------------------------------------------------------------


def months_section(real: pd.DataFrame, lang: str) -> list[Fragment]:
    """The monthly national average score and dossiers-on-time share: a chart and a table."""
    months = published_tables.national_months(real)
    if months.empty:
        return []
    year = int(months.index.get_level_values("year").max())
    months = months.xs(year, level="year")
    as_of = (
        real.loc[real["measure"].isin(published_tables.MONTHLY_MEASURES), "as_of"].dropna().max()
    )
    shown_as_of = _as_of(as_of, lang)
    last = int(months.index.max())
    avg = months["index766_monthly_average"]
    headers = [
        i18n.t("published.col_month", lang),
        i18n.t("published.col_average", lang),
        i18n.t("published.col_on_time", lang),
    ]
    rows = [
        [
            i18n.fmt_period(pd.Period(year=year, month=int(m), freq="M"), lang),
            i18n.fmt_decimal(r["index766_monthly_average"], lang),
            i18n.fmt_percent(r["dossiers_on_time_pct"], lang),
        ]
        for m, r in months.iterrows()
    ]
    alt = i18n.t(
        "published.months_alt",
        lang,
        year=year,
        first=i18n.fmt_decimal(avg.iloc[0], lang),
        first_month=int(avg.index[0]),
        last=i18n.fmt_decimal(avg.iloc[-1], lang),
        last_month=last,
        as_of=shown_as_of,
        top=i18n.fmt_decimal(avg.max(), lang),
        top_month=int(avg.idxmax()),
    )
    monthly = real[real["frequency"] == "monthly"]
    return [
        heading("published.months_heading", lang, year=year),
        figure(_months_chart(avg, lang), alt),
        table(headers, rows),
        paragraph(
            i18n.t("published.months_note", lang, month=last, as_of=shown_as_of), "small-note"
        ),
        sources(monthly, list(published_tables.MONTHLY_MEASURES), lang),
    ]


def _months_chart(avg: pd.Series, lang: str) -> Any:

    fig, ax = theme.new_axes(None, (theme.A4_WIDTH, 1.9))
    x = [int(m) for m in avg.index]
    ax.plot(x, avg.to_numpy(float), marker="o", color=theme.PRIMARY)
    for xi, yi in zip(x, avg.to_numpy(float), strict=True):
        ax.annotate(
            i18n.fmt_decimal(yi, lang, 1),
            (xi, yi),
            textcoords="offset points",
            xytext=(0, 5),
            ha="center",
            fontsize=6.5,
        )
    ax.set_xticks(x)
    ax.set_ylim(0, max(100.0, float(avg.max()) + 5))
    ax.set_ylabel(i18n.t("published.months_axis", lang), fontsize=7)
    ax.set_xlabel(i18n.t("published.col_month", lang), fontsize=7)
    ax.tick_params(labelsize=7)
    return fig


# --- the page's opening, and the box of the leadership briefing ------------------------------


def opening(params: Any, real: pd.DataFrame) -> list[Any]:
    """What ``25_published_figures`` shows first: its metadata (not synthetic), then the
    introduction or, without published figures, one sentence saying so. ``params`` are the
    validated notebook parameters, ``real`` the store's published figures."""
    # The dataset names the monthly data, which these pages do not use.
    shown = {
        k: v
        for k, v in params.model_dump().items()
        if k != "dataset" and not (k == "province" and v == published_tables.NATIONAL)
    }
    lang = params.lang
    provenance = components.report_provenance(
        notebook=NOTEBOOK,
        data_version=store.data_version(),
        parameters=parameters_text(shown, lang),
        sources=i18n.t("published.footer_source", lang),
        official=True,
        lang=lang,
    )
    period_label = i18n.fmt_period(params.period, lang)
    meta = components.report_metadata(
        title=i18n.t("published.title", lang),
        subtitle=i18n.t("published.subtitle", lang, period=period_label),
        province_name=unit_label(params.province, lang),
        period_label=period_label,
        lang=lang,
        synthetic=False,
        provenance=provenance,
    )
    if real.empty:
        return [meta, components.notice_box(i18n.t("published.none", lang), tone="warning")]
    return [meta, paragraph(i18n.t("published.intro", lang))]


def briefing_box(unit: str, lang: str, real: pd.DataFrame | None = None) -> Fragment | None:
    """The leadership briefing's box of published figures: the unit's DTI of the latest year
    (as published, rank of 63, for a unit kept whole; derived, rank of 34, for a merged unit:
    :func:`~analysis.analyses.published_tables.latest_dti`) and its Index 766 this year (rank
    of 34), with their sources.

    ``real`` defaults to the store's ``published_real`` table. ``None`` when it holds neither
    figure (the briefing then shows no box).
    """
    real = published_tables.load() if real is None else real
    code = geography.by_codename(unit).code
    lines = []
    dti = published_tables.latest_dti(real, code)
    if dti is not None:
        mark = "published.published_mark" if dti.published else "published.derived_mark"
        lines.append(
            i18n.t(
                "published.box_dti",
                lang,
                year=dti.year,
                value=_dti(dti.value, lang),
                rank=dti.rank,
                of=dti.rank_of,
                derived=i18n.t(mark, lang),
            )
        )
    i766 = published_tables.index766_year_to_date(real, code)
    total = i766[i766["measure"] == "index766_total"]
    if not total.empty:
        r = total.iloc[0]
        lines.append(
            i18n.t(
                "published.box_i766",
                lang,
                year=int(r["year"]),
                as_of=_as_of(r["as_of"], lang),
                score=i18n.fmt_decimal(r["value"], lang),
                rank=int(r["rank"]),
                of=int(r["rank_of"]),
            )
        )
    if not lines:
        return None
    return render_fragment(
        _BOX,
        title=i18n.t("published.box_heading", lang),
        lines=lines,
        source=i18n.t("published.box_source", lang),
    )


_BOX = """
<div class="notice tone-info published-box" role="note">
<p class="notice-title">{{ title }}</p>
{% for line in lines %}<p>{{ line }}</p>
{% endfor %}<p class="small-note">{{ source }}</p>
</div>
"""
