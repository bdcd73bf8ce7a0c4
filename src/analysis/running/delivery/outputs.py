"""What a period's run made, read from its manifest: the files that exist, unit by unit."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from analysis import paths
from analysis.core import i18n
from analysis.reference import geography
from analysis.reference.names import fold
from analysis.running.manifest import read_manifest

log = logging.getLogger(__name__)

NATIONAL = "national"
INDEX_PAGES = {"vi": "index.html", "en": "index.en.html"}
"""The index pages of a period (in its folder) and of every period (in the reports folder)."""
INDEX_SUMMARY = "index.json"
"""Beside the period's pages: what the overview page needs without reading the store."""
PROVINCE_NOTEBOOK = "30_leadership_briefing"
NATIONAL_NOTEBOOK = "40_national_overview"


class NoReports(RuntimeError):
    """The period has no report to deliver."""


@dataclass(frozen=True)
class Output:
    """One file a run made: its unit, notebook, language, format and paths."""

    unit: str
    notebook: str
    lang: str
    format: str
    relative: str
    """Path under the reports folder, as the manifest records it (``2026-10/nghe_an/x.pdf``)."""
    data_version: str

    @property
    def path(self) -> Path:
        return paths.reports_dir() / self.relative

    @property
    def href(self) -> str:
        """The path relative to the period's folder (what the period's index links to)."""
        return Path(self.relative).relative_to(Path(self.relative).parts[0]).as_posix()


def main_notebook(unit: str) -> str:
    """The report a unit's readers get: the leadership briefing, or the national overview."""
    return NATIONAL_NOTEBOOK if unit == NATIONAL else PROVINCE_NOTEBOOK


def outputs(period: str) -> list[Output]:
    """Every provincial or national file of the period the manifest lists as made and that
    exists, in manifest order (communes' reports are not delivered by these pages and bundles).

    A row naming an unknown unit or a file outside the period's folder (a hand-edited
    manifest) is left out with a warning: nothing outside the folder is ever sent or bundled.
    """
    found = []
    units = set(all_units())
    folder = (paths.reports_dir() / period).resolve()
    for e in read_manifest(period).get("outputs", []):
        if e.get("status") != "ok" or not e.get("path") or not e.get("format"):
            continue
        if e.get("commune"):
            continue  # commune reports live in their own folders; pages and bundles are provincial
        if e.get("unit") not in units or not (
            (paths.reports_dir() / str(e["path"])).resolve().is_relative_to(folder)
        ):
            log.warning("manifest of %s: row %s/%s ignored", period, e.get("unit"), e["path"])
            continue
        out = Output(
            e["unit"], e["notebook"], e["lang"], e["format"], e["path"], e.get("data_version", "")
        )
        if out.path.is_file():
            found.append(out)
    return found


def require_outputs(period: str) -> list[Output]:
    """:func:`outputs`, or :class:`NoReports` naming the folder and the command that makes them."""
    found = outputs(period)
    if not found:
        raise NoReports(
            f"no reports for {period} in {paths.reports_dir() / period}: "
            f"run `python -m analysis run --period {period}` first"
        )
    return found


def unit_name(unit: str, lang: str = "vi", inline: bool = False) -> str:
    """The unit as pages name it ("Nghệ An", "TP. Hồ Chí Minh", "Cả nước"); ``inline`` for the
    middle of a sentence ("báo cáo ... của cả nước")."""
    if unit == NATIONAL:
        key = "report.national_place_inline" if inline else "report.national_place"
        return i18n.t(key, lang)
    return geography.by_codename(unit).display_name


def all_units() -> list[str]:
    """The 34 provinces in code order, then ``national``."""
    return [*geography.provinces("34")["codename"].tolist(), NATIONAL]


def resolve_unit(text: str) -> str:
    """A unit as a person writes it (code, codename, name, "national", "Cả nước") as codename.

    Raises :class:`~analysis.reference.geography.UnknownProvince` for anything else.
    """

    if fold(str(text)) in ("national", "ca nuoc", "quoc gia", "toan quoc"):
        return NATIONAL
    return geography.match_province(text).codename


def is_synthetic(period: str) -> bool:
    """Whether the period's reports were made from synthetic data.

    Read from the index's summary (``index.json``, written from the figures themselves) when it
    describes the manifest's data version; else from the dataset's name (``demo``).
    """
    manifest = read_manifest(period)
    summary = paths.reports_dir() / period / INDEX_SUMMARY
    if summary.exists():
        facts = json.loads(summary.read_text(encoding="utf-8"))
        if facts.get("data_version") == manifest.get("data_version"):
            return bool(facts.get("synthetic"))
    return manifest.get("dataset") == "demo"


def index_is_current(period: str) -> bool:
    """Whether the period's index pages were built from its manifest as it is now (same data
    version, dataset and ``updated_at``) and the overview of every period exists."""
    folder = paths.reports_dir() / period
    pages = [folder / p for p in INDEX_PAGES.values()]
    pages += [paths.reports_dir() / p for p in INDEX_PAGES.values()]
    summary_path = folder / INDEX_SUMMARY
    if not summary_path.exists() or not all(p.exists() for p in pages):
        return False
    try:
        summary = json.loads(summary_path.read_text(encoding="utf-8"))
    except ValueError:
        return False
    manifest = read_manifest(period)
    return bool(manifest.get("updated_at")) and all(
        summary.get(key) == manifest.get(key) for key in ("updated_at", "data_version", "dataset")
    )
