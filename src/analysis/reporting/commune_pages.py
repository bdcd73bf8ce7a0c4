"""What goes into the commune reports: the opening, tables, cards and the position strips.

``15_commune_comparison`` (the communes of one province) and ``16_commune_scorecard`` (one A4
page per commune) stay thin: they call :func:`begin`, then ask this module for formatted
tables (vi-VN or English, every word from ``messages.yml``) built on
:mod:`analysis.analyses.commune_standings`. Nothing here imports matplotlib: a scorecard draws its
"position in the province" strips as small SVG images, so 3,321 of them stay cheap; the one
chart of the comparison lives in :mod:`analysis.reporting.commune_charts`.
"""

from __future__ import annotations

import base64
import html
from typing import Any

import pandas as pd

from analysis.analyses import commune_standings
from analysis.core import i18n
from analysis.reference import catalog, geography
from analysis.reference.communes import by_code
from analysis.reporting.render import components

TITLE_KEYS = {
    "15_commune_comparison": "commune.comparison_title",
    "16_commune_scorecard": "commune.scorecard_title",
}
STATUS_CARD = {
    commune_standings.MET: "achieved",
    commune_standings.NOT_MET: "off_track",
    commune_standings.NO_TARGET: "no_target",
}
"""A commune status -> the card colour of the provincial briefings it resembles."""


def opening(notebook: str, params: Any, data: commune_standings.ProvinceRows) -> list[Any]:
    """What a commune report shows first: its metadata (title band, provenance) and, for demo
    data, the synthetic-data notice. Fails clearly when the scorecard's commune has no figures
    in the month."""
    commune = getattr(params, "commune", None)
    if commune is not None and not (data.current["commune_code"] == commune).any():
        raise ValueError(
            f"no figures for commune {by_code(commune).label} in {params.period} "
            f"(dataset {data.dataset}): check the province's commune file for this month"
        )
    shown: list[Any] = [metadata(data, notebook, params.model_dump(), params.lang, commune)]
    if data.is_synthetic:
        shown.append(components.synthetic_notice(params.lang))
    return shown


def place_name(province: str, commune: str | None = None, lang: str = "vi") -> str:
    """ "Nghệ An", or "Phường Vinh Phú, Nghệ An" for one commune."""
    name = geography.by_codename(province).display_name
    if commune is None:
        return name
    return i18n.t("commune.place", lang, commune=by_code(commune).full_name, province=name)


def parameters_text(
    parameters: dict, data: commune_standings.ProvinceRows, lang: str = "vi"
) -> str:
    """The run's parameters as the footer lists them ("Tỉnh, thành phố: Nghệ An; Xã, phường,
    đặc khu: Phường Vinh Phú; Kỳ: tháng 10/2026; ...")."""
    shown = {
        "province": place_name(data.province, None, lang),
        "commune": by_code(parameters["commune"]).full_name if parameters.get("commune") else None,
        "period": i18n.fmt_period(data.period, lang),
        "lang": i18n.t(f"params.lang_{i18n.normalize_lang(parameters.get('lang'))}", lang),
        "dataset": i18n.t(f"params.dataset_{data.dataset}", lang)
        if i18n.has_message(f"params.dataset_{data.dataset}")
        else data.dataset,
    }
    label = lambda k: i18n.t("commune.col_commune" if k == "commune" else f"params.{k}", lang)  # noqa: E731
    return "; ".join(f"{label(k)}: {v}" for k, v in shown.items() if v)


def metadata(
    data: commune_standings.ProvinceRows,
    notebook: str,
    parameters: dict,
    lang: str = "vi",
    commune: str | None = None,
) -> components.ReportMetadata:
    """Header band, running header, synthetic notice and provenance footer of a commune page."""
    period_label = i18n.fmt_period(data.period, lang)
    # Synthetic rows are the demo's: named in the page's language, whatever their source text.
    cur = data.current
    sources = sorted(set(cur.loc[~cur["is_synthetic"].astype(bool), "source"].dropna()))
    if data.is_synthetic:
        sources.insert(0, i18n.t("provenance.source_demo", lang))
    provenance = components.report_provenance(
        notebook=notebook,
        data_version=data.data_version,
        parameters=parameters_text(parameters, data, lang),
        sources="; ".join(i18n.strip_control(s) for s in sources[:3]),
        official=not data.is_synthetic,
        lang=lang,
    )
    return components.report_metadata(
        title=i18n.t(TITLE_KEYS[notebook], lang),
        subtitle=i18n.t("commune.subtitle", lang, period=period_label),
        province_name=place_name(data.province, commune, lang),
        period_label=period_label,
        lang=lang,
        synthetic=data.is_synthetic,
        provenance=provenance,
    )


def heading(key: str, lang: str, level: int = 2) -> str:
    return f"<h{level}>{html.escape(i18n.t(key, lang))}</h{level}>"


def html_table(frame: pd.DataFrame, text_columns: int = 1) -> str:
    """A compact table; its first ``text_columns`` columns are text (left-aligned), the rest
    figures (right-aligned, as the stylesheet sets them). Every cell is escaped."""
    left = ' style="text-align: left"'
    head = "".join(
        f"<th{left if i < text_columns else ''}>{html.escape(str(c))}</th>"
        for i, c in enumerate(frame.columns)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td{left if i < text_columns else ''}>{html.escape(str(v))}</td>"
            for i, v in enumerate(row)
        )
        + "</tr>"
        for row in frame.itertuples(index=False)
    )
    return (
        f"<table class='data-table compact'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table>"
    )


def _pct(x: Any, lang: str) -> str:
    return i18n.fmt_percent(x, lang)


def _change(x: Any, lang: str) -> str:
    return i18n.MISSING if pd.isna(x) else i18n.fmt_points(x, lang)


def _short(ind: str, lang: str) -> str:
    return catalog.indicators(None)[ind].short(lang)


def summary_table(
    data: commune_standings.ProvinceRows, table: pd.DataFrame, lang: str = "vi"
) -> pd.DataFrame:
    """Per indicator: the province from its communes, change, median, middle half, range,
    communes meeting the target."""
    s = commune_standings.summary(data, table)
    col = lambda key: i18n.t(f"commune.col_{key}", lang)  # noqa: E731
    return pd.DataFrame(
        {
            col("indicator"): [_short(i, lang) for i in s["indicator"]],
            col("province_value"): [_pct(v, lang) for v in s["province_value"]],
            col("change"): [_change(v, lang) for v in s["province_change"]],
            col("median"): [_pct(v, lang) for v in s["median"]],
            col("middle"): [
                f"{_pct(a, lang)} – {_pct(b, lang)}" for a, b in zip(s.q1, s.q3, strict=True)
            ],
            col("range"): [
                f"{_pct(a, lang)} – {_pct(b, lang)}"
                for a, b in zip(s["min"], s["max"], strict=True)
            ],
            col("target"): [_pct(v, lang) if pd.notna(v) else i18n.MISSING for v in s["target"]],
            col("met"): [
                i18n.t("commune.met_count", lang, met=m, total=n) if pd.notna(t) else i18n.MISSING
                for m, n, t in zip(s["n_met"], s["n"], s["target"], strict=True)
            ],
        }
    )


def _named(rows: pd.DataFrame, lang: str, column: str = "value") -> str:
    """ "Xã A 91,20%; Xã B 90,05%" (or the change in points)."""
    if rows.empty:
        return i18n.t("commune.none", lang)
    fmt = _pct if column == "value" else _change
    return "; ".join(f"{r.commune_name} {fmt(getattr(r, column), lang)}" for r in rows.itertuples())


def leaders_table(table: pd.DataFrame, lang: str = "vi", n: int = 3) -> pd.DataFrame:
    """Per indicator, the ``n`` best and the ``n`` worst communes with their values."""
    rows = []
    for ind in commune_standings.indicator_order(table):
        best, worst = commune_standings.leaders_laggards(table, ind, n)
        rows.append((_short(ind, lang), _named(best, lang), _named(worst, lang)))
    cols = [i18n.t(f"commune.col_{k}", lang) for k in ("indicator", "leaders", "laggards")]
    return pd.DataFrame(rows, columns=cols)


def movers_table(table: pd.DataFrame, lang: str = "vi", n: int = 3) -> pd.DataFrame:
    """Per indicator, the communes that improved most and those that fell most."""
    moved = commune_standings.movers(table, n)
    rows = []
    for ind in commune_standings.indicator_order(table):
        m = moved[moved["indicator"] == ind]
        up, down = m[m["gain"] > 0], m[m["gain"] < 0]
        rows.append((_short(ind, lang), _named(up, lang, "change"), _named(down, lang, "change")))
    cols = [i18n.t(f"commune.col_{k}", lang) for k in ("indicator", "improved", "fell")]
    return pd.DataFrame(rows, columns=cols)


def tiers_html(tiers: pd.DataFrame, lang: str = "vi") -> str:
    """One paragraph per overall tier: its name, how many communes, and their names."""
    parts = []
    for tier in commune_standings.TIERS:
        names = tiers[tiers["tier"] == tier]["commune_name"].tolist()
        label = i18n.t(
            "commune.tier_count", lang, tier=i18n.t(f"commune.tier_{tier}", lang), count=len(names)
        )
        parts.append(
            f"<p class='small-note'><strong>{html.escape(label)}:</strong> "
            f"{html.escape(', '.join(names) or i18n.t('commune.none', lang))}</p>"
        )
    note = html.escape(i18n.t("commune.tiers_note", lang))
    return "".join(parts) + f"<p class='small-note'>{note}</p>"


def annex_table(table: pd.DataFrame, tiers: pd.DataFrame, lang: str = "vi") -> pd.DataFrame:
    """Every commune: value and rank on each indicator, and its overall tier (best first)."""
    order = commune_standings.indicator_order(table)
    cells = table.assign(
        cell=[
            i18n.MISSING if pd.isna(v) else f"{_pct(v, lang)} ({int(r)})"
            for v, r in zip(table["value"], table["rank"], strict=True)
        ]
    ).pivot_table(
        index=["commune_code", "commune_name"], columns="indicator", values="cell", aggfunc="first"
    )
    cells = cells.reset_index()
    ranked = tiers.set_index("commune_code")
    cells["_pos"] = cells["commune_code"].map(ranked["percentile"])
    cells["_tier"] = cells["commune_code"].map(ranked["tier"])
    cells = cells.sort_values(["_pos", "commune_name"], na_position="last", kind="stable")
    out = pd.DataFrame({i18n.t("commune.col_commune", lang): cells["commune_name"]})
    for ind in order:
        out[_short(ind, lang)] = cells.get(ind, pd.Series(dtype=str)).fillna(i18n.MISSING)
    out[i18n.t("commune.col_overall_tier", lang)] = [
        i18n.MISSING if pd.isna(t) else str(int(t)) for t in cells["_tier"]
    ]
    return out.reset_index(drop=True)


# --- one commune's page -----------------------------------------------------------------------


def _target_note(ind: str, period: str, lang: str) -> str | None:
    target = catalog.indicators(None)[ind].target_for(period)
    if target is None:
        return None
    return i18n.t(
        "commune.target_note",
        lang,
        value=_pct(target.value, lang),
        deadline=i18n.fmt_date(target.deadline, lang),
    )


def _rank(row: Any, lang: str, short: bool = False) -> str | None:
    if pd.isna(row.rank):
        return None
    return i18n.rank_text(int(row.rank), int(row.n_ranked), lang, tied=bool(row.tied), short=short)


def scorecard_cards(rows: pd.DataFrame, period: str, lang: str = "vi") -> list[components.KpiCard]:
    """One card per indicator: value, change since last month, rank in the province, coloured
    by the target status (met / not yet met)."""
    cards = []
    for r in rows.itertuples():
        change = None
        if pd.notna(r.change):
            change = i18n.t("kpi.change_vs_last_month", lang, value=i18n.fmt_points(r.change, lang))
        direction = (
            None
            if pd.isna(r.change)
            else "up"
            if r.change > 0
            else "down"
            if r.change < 0
            else "flat"
        )
        cards.append(
            components.KpiCard(
                label=_short(r.indicator, lang),
                value=_pct(r.value, lang),
                change=change or i18n.t("commune.no_previous", lang),
                rank=_rank(r, lang),
                direction=direction,
                trend=None if r.better is None else ("better" if r.better else "worse"),
                status=STATUS_CARD[r.status],
                note=_target_note(r.indicator, period, lang),
            )
        )
    return cards


def position_strip(
    values: pd.Series, value: float, target: float | None, label: str, width: int = 150
) -> str:
    """A small SVG image: every commune of the province as a tick, the target as a dashed line,
    this commune as a dot. Scaled to the province's range (plus the target), so small
    differences stay visible; returned as an ``<img>`` (the exporters keep data images)."""
    points = [float(v) for v in values.dropna()]
    span = [*points, value] + ([target] if target is not None and pd.notna(target) else [])
    lo, hi = min(span), max(span)
    pad = max((hi - lo) * 0.06, 0.5)
    lo, hi = lo - pad, hi + pad
    x = lambda v: round(4 + (width - 8) * (v - lo) / (hi - lo), 1)  # noqa: E731
    # One path of vertical strokes, not a <line> per commune: the same drawing, and one node
    # instead of 60-170 for WeasyPrint, whose SVG drawing is slow per node (3,321 scorecards).
    xs = sorted({x(v) for v in points})
    ticks = (
        f'<path d="{"".join(f"M{t} 5V13" for t in xs)}" stroke="#b8c2cc" fill="none"/>'
        if xs
        else ""
    )
    line = ""
    if target is not None and pd.notna(target):
        line = (
            f'<line x1="{x(target)}" y1="1" x2="{x(target)}" y2="17" stroke="#7a4b00" '
            'stroke-dasharray="2,1.5" stroke-width="1.2"/>'
        )
    dot = f'<circle cx="{x(value)}" cy="9" r="3.6" fill="#0b3d6e" stroke="#fff" stroke-width="1"/>'
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="18" '
        f'viewBox="0 0 {width} 18">{ticks}{line}{dot}</svg>'
    )
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (
        f'<img src="data:image/svg+xml;base64,{data}" width="{width}" height="18" '
        f'alt="{html.escape(label)}"/>'
    )


def scorecard_table(rows: pd.DataFrame, table: pd.DataFrame, lang: str = "vi") -> str:
    """The commune's indicators as a table with its position among the province's communes."""
    keys = ("indicator", "value", "change", "rank", "tier", "status", "position")
    head = "".join(f"<th>{html.escape(i18n.t(f'commune.col_{k}', lang))}</th>" for k in keys)
    body = []
    for r in rows.itertuples():
        others = table[table["indicator"] == r.indicator]["value"]
        rank = _rank(r, lang, short=True) or i18n.MISSING
        tier = i18n.MISSING if pd.isna(r.tier) else i18n.t(f"commune.tier_{int(r.tier)}", lang)
        status = i18n.t(f"commune.status_{r.status}", lang)
        strip = position_strip(others, r.value, r.target, _rank(r, lang) or "")
        cells = [
            _short(r.indicator, lang),
            _pct(r.value, lang),
            _change(r.change, lang),
            rank,
            tier,
            status,
        ]
        body.append(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + f"<td>{strip}</td></tr>"
        )
    return (
        f"<table class='data-table compact'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def method_note(lang: str = "vi") -> str:
    """How to read a commune page: ranks, target status without forecasts, tiers, changes."""
    return (
        f"<section class='method-note'><h3>{html.escape(i18n.t('commune.method_title', lang))}</h3>"
        f"<p>{html.escape(i18n.t('commune.method', lang))}</p></section>"
    )
