"""Index pages: ``reports/<period>/index.html`` and ``reports/index.html`` (across periods).

Each period's page lists every unit (the 34 provinces and the national overview) with its
targets counted by status - the same status the briefing shows
(:func:`analysis.reporting.briefing.target_rows`) - a few headline figures and relative links
to the PDF, HTML and executed notebook that exist. Pages are Vietnamese (``index.html``) and
English (``index.en.html``), each linking to the other; they are self-contained (inline CSS, no
external request), work from ``file://`` and any static server, and every link works without
JavaScript. A small inline script filters the table by a name typed with or without
diacritics ("nghe an" finds Nghệ An): each row carries its folded name
(:func:`analysis.reference.names.fold`) in a data attribute.

The runner rebuilds both pages at the end of every run; :func:`build_indexes` can also be
called alone.
"""

from __future__ import annotations

import json
import logging
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from analysis import paths
from analysis.analyses import compare, monthly
from analysis.core import i18n
from analysis.core.i18n import upper_first
from analysis.data import store
from analysis.files import write_atomic
from analysis.reference import catalog, geography
from analysis.reference.names import fold
from analysis.reference.targets import (
    AWAITING,
    INSUFFICIENT_HISTORY,
    MET_AT_RISK,
    MET_LATE,
    MISSED,
)
from analysis.reporting import briefing
from analysis.reporting.gaps import completeness, summary_text, unit_lines
from analysis.running.delivery.outputs import (
    INDEX_PAGES,
    INDEX_SUMMARY,
    NATIONAL,
    Output,
    all_units,
    main_notebook,
    outputs,
    unit_name,
)
from analysis.running.manifest import data_version_text, read_manifest

log = logging.getLogger(__name__)

LANGS = tuple(INDEX_PAGES)
PAGE = INDEX_PAGES
ALWAYS_COUNTED = ("achieved", "on_track", "at_risk", "off_track")
"""Statuses with a column on every page; the rarer ones get one only when some unit has them."""
SOMETIMES_COUNTED = (MET_AT_RISK, MET_LATE, MISSED, AWAITING, INSUFFICIENT_HISTORY)
N_FIGURES = 3
FORMAT_ORDER = ("pdf", "html", "ipynb", "xlsx")
REPORT_LABELS = {
    "30_leadership_briefing": "delivery.report_briefing",
    "40_national_overview": "delivery.report_overview",
    "25_published_figures": "delivery.report_published",
    "15_commune_comparison": "delivery.report_commune_comparison",
    "10_province_comparison": "delivery.report_comparison",
    "20_target_forecast": "delivery.report_forecast",
}
"""What a unit's link group is called: the report it leads to, so no two groups of a unit
read alike; the overview's spreadsheet annex is a group of its own."""
ANNEX_FORMATS = ("xlsx",)
SUMMARY_FILE = INDEX_SUMMARY


@dataclass
class UnitRow:
    """One line of a period's table."""

    unit: str
    code: str
    names: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    figures: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    files: list[Output] = field(default_factory=list)
    gaps: dict[str, list[str]] | None = None
    """Data completeness in each language, by the one rule of
    :mod:`analysis.analyses.completeness`: the unit's month in words (how many of the figures
    due came in, each one missing; an empty list when every figure due is in); ``None`` when
    the period's figures are not available."""

    @property
    def search_key(self) -> str:
        """What the search box matches: both names folded, the codename and the code."""
        words = {fold(n) for n in self.names.values()} | {self.unit.replace("_", " "), self.code}
        return " ".join(sorted(w for w in words if w))


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def _render(template: str, **context: Any) -> str:
    html = _environment().get_template(template).render(t=i18n.t, **context)
    return unicodedata.normalize("NFC", html)


def _period_results(period: str, manifest: dict) -> Any:
    """The period's analytics for the manifest's data version, or ``None`` when the store now
    holds another version (counts of a version other than the reports' would mislead)."""

    version = manifest.get("data_version")
    if not version and manifest.get("data_versions"):
        log.warning(
            "index for %s without target counts: its reports come from data versions %s",
            period,
            data_version_text(manifest),
        )
        return None
    if not version or not paths.database_path().exists() or store.data_version() != version:
        log.warning(
            "index for %s without target counts: the store no longer holds data version %s",
            period,
            version,
        )
        return None
    return monthly.period_results(period, manifest.get("dataset"))


def _counts(results: Any, unit: str) -> dict[str, int]:
    units = [u for u in all_units() if u != NATIONAL] if unit == NATIONAL else [unit]
    counts: Counter[str] = Counter()
    for u in units:
        rows = briefing.target_rows(results, u)
        counts.update(rows["status"].tolist() if not rows.empty else [])
    return dict(counts)


def _figures(results: Any, unit: str, lang: str) -> list[tuple[str, str]]:
    """Up to :data:`N_FIGURES` headline indicators: label and value in the page's language; for
    the national row only values that enough units reported to call national."""
    heads = [ind for ind in catalog.indicators().values() if ind.headline][:N_FIGURES]
    c = results.comparison
    out = []
    for ind in heads:
        rows = c[c["indicator"] == ind.id]
        column = "national_value" if unit == NATIONAL else "value"
        if unit != NATIONAL:
            rows = rows[rows["province"] == unit]
        elif not compare.covers(rows["value"].notna().sum(), len(rows)):
            continue  # too few units reported for a national value (the overview says so)
        rows = rows[rows[column].notna()]
        if rows.empty:
            continue
        label = ind.short(lang)
        if ind.frequency == "annual":
            label += f" ({i18n.fmt_period(rows.iloc[0]['period_used'], lang)})"
        out.append((label, i18n.fmt_percent(rows.iloc[0][column], lang)))
    return out


def _rows(period: str, results: Any) -> list[UnitRow]:
    made = outputs(period)
    table = geography.provinces("34")
    codes = dict(zip(table["codename"], table["code"], strict=True))
    found = completeness(results) if results is not None else None
    rows = []
    for unit in all_units():
        row = UnitRow(unit, codes.get(unit, ""), {lang: unit_name(unit, lang) for lang in LANGS})
        row.files = [o for o in made if o.unit == unit]
        if results is not None and row.files:
            row.counts = _counts(results, unit)
            row.figures = {lang: _figures(results, unit, lang) for lang in LANGS}
        if found is not None and unit != NATIONAL:
            month = found.unit(unit)
            row.gaps = {
                lang: [upper_first(x) for x in unit_lines(month, period, lang)] for lang in LANGS
            }
        elif found is not None:
            row.gaps = {
                lang: [] if found.complete else [summary_text(found, lang)] for lang in LANGS
            }
        rows.append(row)
    return rows


def report_label(notebook: str, lang: str, annex: bool = False) -> str:
    """The name of a report on the index ("Báo cáo lãnh đạo", "Số liệu đã công bố" ...)."""
    if annex:
        return i18n.t("delivery.report_annex", lang)
    key = REPORT_LABELS.get(notebook)
    return i18n.t(key, lang) if key else i18n.t("delivery.report_other", lang, notebook=notebook)


def _link_groups(row: UnitRow, lang: str) -> list[dict]:
    """The unit's files grouped by report (main report first, the annex after it), each with
    its format links. Every link's accessible name says unit, report and format, so no two
    links of the page with the same name lead to different files (WCAG 2.4.9)."""
    groups: dict[tuple[str, bool, str], list[Output]] = {}
    for o in row.files:
        groups.setdefault((o.notebook, o.format in ANNEX_FORMATS, o.lang), []).append(o)

    def order(key: tuple[str, bool, str]) -> tuple:
        notebook, annex, file_lang = key
        return (notebook != main_notebook(row.unit), notebook, annex, file_lang != "vi", file_lang)

    out = []
    for nb, annex, file_lang in sorted(groups, key=order):
        title = report_label(nb, lang, annex)
        if file_lang != "vi":
            title += " " + i18n.t("delivery.in_english", lang)
        files = sorted(groups[(nb, annex, file_lang)], key=lambda o: FORMAT_ORDER.index(o.format))
        links = []
        for o in files:
            label = i18n.t(f"delivery.link_{o.format}", lang)
            name = i18n.t(
                "delivery.link_name", lang, unit=row.names[lang], report=title, format=label
            )
            links.append((label, quote(o.href), name))
        out.append({"title": title, "links": links})
    return out


def _status_columns(rows: list[UnitRow]) -> list[str]:
    present = {s for r in rows for s, n in r.counts.items() if n}
    return [*ALWAYS_COUNTED, *(s for s in SOMETIMES_COUNTED if s in present)]


def _synthetic(results: Any, manifest: dict) -> bool:
    if results is not None:
        return bool(results.observations["is_synthetic"].any())
    return manifest.get("dataset") == "demo"


def build_period_index(period: str, results: Any = None) -> list[Path]:
    """Write the period's ``index.html``, ``index.en.html`` and ``index.json``; return them.

    ``results`` (the period's :class:`~analysis.analyses.monthly.PeriodResults`) is read from
    the store when not given.
    """
    manifest = read_manifest(period)
    if results is None and outputs(period):
        results = _period_results(period, manifest)
    rows = _rows(period, results)
    columns = _status_columns(rows)
    synthetic = _synthetic(results, manifest)
    folder = paths.reports_dir() / period
    written = []
    for lang in LANGS:
        html = _render(
            "period.html.j2",
            lang=lang,
            period_label=i18n.fmt_period(period, lang),
            other={"lang": _other(lang), "href": PAGE[_other(lang)]},
            up=f"../{PAGE[lang]}",
            synthetic=synthetic,
            facts=_facts(manifest, lang),
            columns=[(s, _status_label(s, lang)) for s in columns],
            counted=results is not None,
            rows=[_row_context(r, lang) for r in rows],
        )
        written.append(write_atomic(folder / PAGE[lang], html))
    summary = {
        "period": period,
        "dataset": manifest.get("dataset"),
        "data_version": manifest.get("data_version"),
        "updated_at": manifest.get("updated_at"),
        "synthetic": synthetic,
        "units": sorted({r.unit for r in rows if r.files}),
    }
    written.append(write_atomic(folder / SUMMARY_FILE, json.dumps(summary, ensure_ascii=False)))
    return written


def _other(lang: str) -> str:
    return "en" if lang == "vi" else "vi"


def _status_label(status: str, lang: str) -> str:
    return i18n.t(f"status.{status}", lang)


def _facts(manifest: dict, lang: str) -> str | None:
    version = data_version_text(manifest)
    if not version:
        return None
    updated = manifest.get("updated_at")
    return i18n.t(
        "delivery.facts",
        lang,
        dataset=manifest.get("dataset") or i18n.MISSING,
        version=version,
        updated=i18n.fmt_datetime(updated, lang) if updated else i18n.MISSING,
    )


def _row_context(row: UnitRow, lang: str) -> dict:
    return {
        "name": row.names[lang],
        "code": row.code,
        "search": row.search_key,
        "national": row.unit == NATIONAL,
        "counts": row.counts,
        "figures": row.figures.get(lang, []),
        "gaps": None if row.gaps is None else row.gaps[lang],
        "groups": _link_groups(row, lang),
    }


def periods() -> list[str]:
    """Periods with a manifest under the reports folder, newest first."""
    root = paths.reports_dir()
    if not root.is_dir():
        return []
    found = [p.parent.name for p in root.glob("*/manifest.json")]
    return sorted(found, reverse=True)


def _period_summary(period: str) -> dict:
    path = paths.reports_dir() / period / SUMMARY_FILE
    if path.exists():
        return json.loads(path.read_text(encoding="utf-8"))
    manifest = read_manifest(period)
    return {
        "period": period,
        "dataset": manifest.get("dataset"),
        "data_version": manifest.get("data_version"),
        "updated_at": manifest.get("updated_at"),
        "synthetic": manifest.get("dataset") == "demo",
        "units": sorted({o.unit for o in outputs(period)}),
    }


def build_overview() -> list[Path]:
    """Write ``reports/index.html`` and ``reports/index.en.html``: every period, newest first."""
    summaries = [_period_summary(p) for p in periods()]
    root = paths.reports_dir()
    written = []
    for lang in LANGS:
        items = [
            {
                "label": i18n.fmt_period(s["period"], lang),
                "href": quote(f"{s['period']}/{PAGE[lang]}"),
                "units": len(s["units"]),
                "data_version": s.get("data_version") or i18n.MISSING,
                "updated": i18n.fmt_datetime(s["updated_at"], lang) if s.get("updated_at") else "",
                "synthetic": bool(s.get("synthetic")),
            }
            for s in summaries
        ]
        html = _render(
            "overview.html.j2",
            lang=lang,
            other={"lang": _other(lang), "href": PAGE[_other(lang)]},
            periods=items,
            synthetic=any(i["synthetic"] for i in items),
        )
        written.append(write_atomic(root / PAGE[lang], html))
    return written


def build_indexes(period: str, results: Any = None) -> list[Path]:
    """The period's pages, then the overview of every period; the files written."""
    return [*build_period_index(period, results), *build_overview()]
