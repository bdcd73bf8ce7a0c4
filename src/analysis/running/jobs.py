"""What a run does: one job per (notebook, unit, language), planned and checked before any kernel.

A :class:`Job` names its notebook, unit (a province codename or ``national``), commune (for the
commune level, :mod:`.commune_jobs`), period, language and output formats, and carries the
notebook parameters papermill injects. :func:`plan_jobs` turns the command line's choices into
jobs and :func:`validate_jobs` checks every job's parameters against the store, so a bad name or
period is refused before anything starts.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from analysis import paths
from analysis.files import UnsafePath, inside, safe_name
from analysis.reference import geography
from analysis.running import params

DEFAULT_PROVINCE_NOTEBOOKS = ("30_leadership_briefing",)
DEFAULT_NATIONAL_NOTEBOOKS = ("40_national_overview",)
DEFAULT_PUBLISHED_NOTEBOOKS = ("25_published_figures",)
"""Real published figures (annual and year to date), made in every monthly run for each unit
and the country, beside the month's briefings; left out when the store has none."""
FORMATS = ("html", "pdf")
MAIN_NOTEBOOKS = {"province": "30_leadership_briefing", "national": "40_national_overview"}
"""The report each unit's readers are sent (``send``): a province's briefing, the overview."""


JobKey = tuple[str, str, str, str]
"""(notebook, unit, commune, lang): one job's outputs in the manifest."""


def entry_key(entry: dict) -> JobKey:
    """The :data:`JobKey` of a manifest row (rows written before communes existed have none)."""
    return (entry["notebook"], entry["unit"], entry.get("commune") or "", entry["lang"])


@functools.lru_cache(maxsize=64)
def _read_source(path: Path, mtime_ns: int, size: int) -> bytes:
    return path.read_bytes()


def _notebook_source(path: Path) -> bytes:
    """The notebook's bytes, read once per version of the file (a commune run has thousands
    of jobs on two notebooks)."""
    stat = path.stat()
    return _read_source(path, stat.st_mtime_ns, stat.st_size)


@dataclass(frozen=True)
class Job:
    """One notebook executed and rendered for one unit, period and language."""

    notebook: str
    unit: str
    """Province codename, or ``national``."""
    period: str
    lang: str
    formats: tuple[str, ...]
    parameters: dict = field(hash=False, compare=False)
    commune: str = ""
    """The commune's codename (unique within its province) for a commune's report, else empty."""

    @property
    def stem(self) -> str:
        """File name without extension: the notebook, plus the language unless Vietnamese."""
        return self.notebook if self.lang == "vi" else f"{self.notebook}.{self.lang}"

    @property
    def key(self) -> JobKey:
        """What identifies the job's outputs in the manifest, from run to run."""
        return (self.notebook, self.unit, self.commune, self.lang)

    @property
    def label(self) -> str:
        return f"{self.folder}/{self.stem}"

    @property
    def folder(self) -> str:
        """The job's folder under the period: ``nghe_an`` or ``nghe_an/communes/xa_anh_son``."""
        return f"{self.unit}/communes/{self.commune}" if self.commune else self.unit

    def out_dir(self, reports_root: Path) -> Path:
        """``reports/<period>/<folder>``; never outside ``reports_root`` (parameters are
        validated before jobs are made; this holds for jobs made by other code too)."""
        parts = [self.period, self.unit, *(["communes", self.commune] if self.commune else [])]
        unsafe = [p for p in parts if p != safe_name(p)]
        if unsafe:
            raise UnsafePath(f"{unsafe[0]!r}: not a folder name (a name may not contain a path)")
        return inside(reports_root, *parts)

    def cache_key(self, data_version: str, code: str) -> str:
        """A hash of everything the job's outputs depend on (an unchanged key is skipped)."""
        source = _notebook_source(paths.notebooks_dir() / f"{self.notebook}.ipynb")
        blob = json.dumps(
            {
                "params": self.parameters,
                "formats": list(self.formats),
                "data": data_version,
                "code": code,
            },
            sort_keys=True,
        ).encode()
        return hashlib.sha256(source + blob).hexdigest()[:16]


def province_units(provinces: Sequence[str] | None) -> list[str]:
    """Province codenames for the run; an unknown name is a parameter error, named."""
    if not provinces:
        return list(geography.provinces("34")["codename"])
    try:
        return [geography.match_province(p, "34").codename for p in provinces]
    except geography.UnknownProvince as exc:
        raise params.ParameterError(str(exc)) from None


def plan_jobs(
    period: str,
    provinces: Sequence[str] | None = None,
    notebooks: Sequence[str] | None = None,
    langs: Sequence[str] = ("vi",),
    formats: Sequence[str] = FORMATS,
    dataset: str | None = None,
    extra_langs: Mapping[str, Iterable[str]] | None = None,
) -> list[Job]:
    """Jobs for a run; raise :class:`analysis.running.params.ParameterError` for unknown names.

    ``dataset``, when given, is passed to every notebook (and so recorded with its outputs).
    ``extra_langs`` (unit -> languages, as the recipients ask for them) adds the unit's main
    report (:data:`MAIN_NOTEBOOKS`) in those languages when the run makes that report.
    """
    units = province_units(provinces)
    if notebooks:
        chosen = list(notebooks)
        for nb in chosen:
            params.model_for(nb)
    else:
        chosen = [
            *DEFAULT_PUBLISHED_NOTEBOOKS,
            *DEFAULT_PROVINCE_NOTEBOOKS,
            *DEFAULT_NATIONAL_NOTEBOOKS,
        ]
    jobs = []
    for lang in langs:
        for nb in chosen:
            extra = {"dataset": dataset} if dataset else {}
            base = {"period": period, "lang": lang, **extra}
            if nb in params.NATIONAL_NOTEBOOKS:
                jobs.append(Job(nb, "national", period, lang, tuple(formats), base))
                continue
            both = nb in params.UNIT_AND_NATIONAL_NOTEBOOKS
            for unit in [*units, "national"] if both else units:
                given = {"period": period, "province": unit, "lang": lang, **extra}
                jobs.append(Job(nb, unit, period, lang, tuple(formats), given))
    planned = {j.key for j in jobs}
    for unit, wanted in sorted((extra_langs or {}).items()):
        nb = MAIN_NOTEBOOKS["national" if unit == "national" else "province"]
        if nb not in chosen or (unit != "national" and unit not in units):
            continue
        for lang in sorted(set(wanted) - set(langs)):
            extra = {"dataset": dataset} if dataset else {}
            if unit == "national":
                given = {"period": period, "lang": lang, **extra}
            else:
                given = {"period": period, "province": unit, "lang": lang, **extra}
            job = Job(nb, unit, period, lang, tuple(formats), given)
            if job.key not in planned:
                jobs.append(job)
                planned.add(job.key)
    return jobs


def validate_jobs(jobs: Iterable[Job], dataset: str | None = None) -> list[str]:
    """Every job's parameters checked before a kernel starts; returns the error messages.

    Checked notebook by notebook (:func:`~analysis.running.params.validate_many`): the store
    is asked once per notebook, and a province's commune scorecards are validated once, their
    communes then looked up, so the country's 3,321 jobs are checked in about a second.
    ``dataset`` is what each job's parameters carry (kept for callers that pass it).
    """
    by_notebook: dict[str, list[dict]] = {}
    for job in jobs:
        by_notebook.setdefault(job.notebook, []).append(job.parameters)
    errors: list[str] = []
    facts: dict = {}  # what the store answered, for every notebook
    for notebook, given in by_notebook.items():
        errors += params.validate_many(notebook, given, facts)
    return sorted(set(errors))
