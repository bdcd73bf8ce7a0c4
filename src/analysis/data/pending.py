"""Files under ``data/raw`` that the store does not hold yet: refused, or waiting for ingest.

An ingest refuses everything when one file is wrong, and leaves the previous store as it was;
the status of the month still has to say whose file was refused and why. The files whose
bytes the store does not list in ``inputs`` are checked here (writing nothing) and each is
attributed to a unit and month: a collection workbook by its hidden ``meta`` sheet (the month
it was filed under wins, so last month's workbook filed under this month counts here), any
other file by the province and month its name or folders give.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from analysis.core.i18n import t
from analysis.data import ingest, store
from analysis.data.ingest import workbooks
from analysis.data.ingest.cells import period_from_name
from analysis.data.submissions import DATASET
from analysis.reference import workbook


@dataclass(frozen=True)
class Refusal:
    """A refused file and the first reason (with how many problems it has in all)."""

    file: str
    reason: str


@dataclass
class Pending:
    """Refused files by unit codename, those no unit could be found for, and waiting files."""

    by_unit: dict[str, list[Refusal]] = field(default_factory=dict)
    unattributed: list[Refusal] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def new_files() -> list[Path]:
    """Your files under ``data/raw`` whose current bytes the store does not hold."""

    survey = ingest.survey_inputs()
    mine = [p for p in survey.read if ingest.dataset_of(p) == DATASET]
    try:
        con = store.connect()
    except store.StoreMissing:
        return mine
    with con:
        stored = {
            (str(f), str(h)) for f, h in con.execute("SELECT file, sha256 FROM inputs").fetchall()
        }
    return [
        p
        for p in mine
        if (ingest.display_path(p), ingest.file_sha256(p) if p.is_file() else "") not in stored
    ]


def refused_files(month: str) -> Pending:
    """The refused and waiting files of ``month`` (see the module docstring)."""
    files = new_files()
    out = Pending()
    if not files:
        return out
    result = ingest.load_inputs(files)
    first: dict[str, list[ingest.Problem]] = {}
    for problem in result.problems:
        first.setdefault(problem.file, []).append(problem)
    for path in files:
        shown = ingest.display_path(path)
        problems = first.get(shown)
        unit, period = _attribution(path)
        if period is not None and period != month:
            continue
        if not problems:
            out.waiting.append(shown)
            continue
        more = " " + t("ingest.more_problems", count=len(problems) - 1) if len(problems) > 1 else ""
        refusal = Refusal(shown, f"{problems[0]}{more}")
        if unit is None:
            out.unattributed.append(refusal)
        else:
            out.by_unit.setdefault(unit, []).append(refusal)
    return out


def _attribution(path: Path) -> tuple[str | None, str | None]:
    """(unit codename, month) a file concerns, each ``None`` when it cannot be told."""
    place_month = workbooks.place_month(path, _sidecar(path))
    meta = workbooks.workbook_meta(path)
    if meta is not None and meta.get("unit") != workbook.NATIONAL:
        return meta.get("unit"), place_month or meta.get("period")
    named = workbooks.place_units(path)
    unit = next(iter(named)) if len(named) == 1 else None
    return unit, place_month or period_from_name(path.name)


def _sidecar(path: Path) -> dict:
    try:
        return ingest.read_sidecar(path)
    except ingest.IngestError:
        return {}
