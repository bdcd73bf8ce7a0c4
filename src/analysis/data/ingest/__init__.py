"""From ``data/raw`` to tidy observations: discover, read, normalize, revise, validate, harmonize.

The steps, in the order :func:`ingest` runs them:

1. :func:`~analysis.data.ingest.read.discover_inputs` lists the input files and
   :func:`~analysis.data.ingest.read.read_table` reads each one (CSV or XLSX, long or wide
   layout) into text cells with the file's own row numbers and its provenance sidecar;
2. :func:`~analysis.data.ingest.normalize.normalize_table` parses every cell (decimal commas,
   percent signs, thousands separators, BOM, non-breaking spaces, names without diacritics) and
   collects a :class:`Problem` for each cell it cannot read unambiguously;
3. :func:`~analysis.data.ingest.validate.apply_revisions` drops figures a later file revises;
4. :func:`~analysis.data.ingest.validate.validate_observations` checks the parsed rows (bounds,
   negative counts, numerator above denominator, conflicting duplicates across files);
5. :func:`~analysis.data.ingest.harmonize.harmonize_to_current_provinces` carries the
   63-province history onto the 34 current units (sums of counts; flagged weighted means where
   rates lack counts; ranks never averaged).

Nothing is written here; :mod:`analysis.data.store` writes the result atomically. Every problem in
every file is collected before anything fails, so one run tells the sender everything to fix.
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis.data.ingest.cells import (
    FIRST_YEAR,
    MISSING_TOKENS,
    parse_number,
    parse_period,
    today,
)
from analysis.data.ingest.commune_files import (
    COMMUNE_COLUMNS,
    empty_commune_frame,
    is_commune_table,
    normalize_commune_table,
)
from analysis.data.ingest.harmonize import HARMONIZED_COLUMNS, harmonize_to_current_provinces
from analysis.data.ingest.normalize import (
    LONG_COLUMNS,
    NORMALIZED_COLUMNS,
    PROVINCE_HEADERS,
    SOURCE_COLUMNS,
    VALUE_TOLERANCE,
    empty_frame,
    normalize_table,
)
from analysis.data.ingest.problems import CellError, IngestError, Problem
from analysis.data.ingest.raw import RawTable, dataset_of, display_path
from analysis.data.ingest.read import (
    Survey,
    discover_inputs,
    is_sidecar,
    load_sidecar,
    read_sidecar,
    read_table,
    sidecar_of,
    skip_reason,
    survey_inputs,
)
from analysis.data.ingest.validate import (
    COMMUNE_KEYS,
    apply_revisions,
    drop_identical_duplicates,
    validate_observations,
)

__all__ = [
    "COMMUNE_COLUMNS",
    "FIRST_YEAR",
    "HARMONIZED_COLUMNS",
    "INPUT_COLUMNS",
    "LONG_COLUMNS",
    "MISSING_TOKENS",
    "NORMALIZED_COLUMNS",
    "PROVINCE_HEADERS",
    "VALUE_TOLERANCE",
    "CellError",
    "CheckResult",
    "IngestError",
    "IngestResult",
    "Problem",
    "RawTable",
    "Survey",
    "apply_revisions",
    "check_files",
    "check_paths",
    "describe_skipped",
    "dataset_of",
    "discover_inputs",
    "drop_identical_duplicates",
    "file_sha256",
    "harmonize_to_current_provinces",
    "ingest",
    "load_inputs",
    "normalize_table",
    "parse_number",
    "parse_period",
    "read_sidecar",
    "read_table",
    "survey_inputs",
    "today",
    "validate_observations",
]


# One row per file read (the store's ``inputs`` table), also when no file was read.
INPUT_COLUMNS = ["file", "dataset", "sha256", "rows", "synthetic", "source", "revises"]


@dataclass
class IngestResult:
    """What ingest read: the observations, their 34-unit form and log, the files, problems.

    ``notes`` are things done on purpose that the sender should know (identical duplicate rows
    counted once, total rows skipped); ``skipped`` lists every file under the folder that was
    not read, with the reason.
    """

    observations: pd.DataFrame
    harmonized: pd.DataFrame
    harmonization_log: pd.DataFrame
    files: list[dict]
    problems: list[Problem]
    notes: list[Problem] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    submitted: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every figure read, before later files' revisions replaced any (for the collection's
    ``submissions`` table: who sent what, and what a revision changed)."""
    communes: pd.DataFrame = field(default_factory=empty_commune_frame)
    """Commune-level figures (:data:`COMMUNE_COLUMNS`), read from commune-level files."""


def load_inputs(files: Iterable[Path]) -> IngestResult:
    """Read, normalize, revise and validate files; collect every problem (raises nothing)."""
    frames, problems, notes, file_rows, metas = [], [], [], [], {}
    cells: dict[str, dict[tuple[int, str], tuple[str, str]]] = {}
    commune_frames = []
    for path in files:
        table = read_table(path)
        if is_commune_table(table):
            frame, more = normalize_commune_table(table)
            commune_frames.append(frame)
            frame = empty_frame()
        else:
            frame, more = normalize_table(table)
        problems += more
        notes += table.notes
        metas[table.display] = table.meta
        if table.cells:
            cells[table.display] = table.cells
        file_rows.append(
            {
                "file": table.display,
                "dataset": table.dataset,
                "sha256": file_sha256(path) if Path(path).is_file() else None,
                "rows": len(table.rows),
                "synthetic": bool(table.meta.get("synthetic")),
                "source": str(table.meta.get("source") or table.display),
                "revises": str(table.meta.get("revises") or ""),
            }
        )
        frames.append(frame)
    frames = [f for f in frames if not f.empty]
    obs = pd.concat(frames, ignore_index=True) if frames else empty_frame()
    submitted = obs.copy()
    obs = apply_revisions(obs, metas)
    obs, repeated = drop_identical_duplicates(obs)
    notes += repeated
    problems += validate_observations(obs)
    communes, more_problems, more_notes = _commune_inputs(commune_frames, metas)
    problems += more_problems
    notes += more_notes
    problems = [_at_cell(p, cells.get(p.file)) for p in problems]
    problems.sort(key=lambda p: (p.file, p.row or 0))
    notes.sort(key=lambda p: (p.file, p.row or 0))
    return IngestResult(
        obs,
        pd.DataFrame(),
        pd.DataFrame(),
        file_rows,
        problems,
        notes,
        submitted=submitted,
        communes=communes,
    )


def _at_cell(problem: Problem, cells: dict[tuple[int, str], tuple[str, str]] | None) -> Problem:
    """A problem in a file that names its cells, with the cell and the column's heading."""
    if not cells or problem.row is None or (problem.row, problem.column or "") not in cells:
        return problem
    where, heading = cells[(problem.row, problem.column or "")]
    return replace(problem, column=heading, columns=(), reason=f"{where}: {problem.reason}")


def _commune_inputs(
    frames: list[pd.DataFrame], metas: dict[str, dict]
) -> tuple[pd.DataFrame, list[Problem], list[Problem]]:
    """Commune rows of every file, revised, de-duplicated and validated like province rows."""
    frames = [f for f in frames if not f.empty]
    if not frames:
        return empty_commune_frame(), [], []
    rows = pd.concat(frames, ignore_index=True)
    rows = apply_revisions(rows, metas, COMMUNE_KEYS)
    rows, notes = drop_identical_duplicates(rows, COMMUNE_KEYS)
    return rows, validate_observations(rows, COMMUNE_KEYS), notes


def check_files(files: Iterable[Path]) -> list[Problem]:
    """Validate files without writing anything; the problems found."""
    return check_paths(files).problems


@dataclass
class CheckResult:
    """What ``python -m analysis check`` looked at and found."""

    files: list[Path]
    sidecars: list[Path]
    skipped: list[tuple[Path, str]]
    problems: list[Problem]
    notes: list[Problem]


def check_paths(args: Iterable[Path | str]) -> CheckResult:
    """Validate what a person names: files, folders (searched like ``data/raw``), sidecars.

    A pattern the shell did not expand (``data/raw/2026-10/*.xlsx`` matching nothing, or typed
    in quotes) is expanded here. A sidecar named on its own is validated, with its data file
    when that is named too. Nothing is written.
    """
    files: list[Path] = []
    sidecars: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for path in _expand(args):
        if path.is_dir():
            survey = survey_inputs(path)
            files += survey.read
            # Sidecars of the files read are validated with them, and counted as checked.
            with_data = found_sidecars(survey)
            skipped += [(p, why) for p, why in survey.skipped if p not in with_data]
        elif is_sidecar(path):
            sidecars.append(path)
        elif path.exists() and (reason := skip_reason(path)) is not None:
            skipped.append((path, reason))
        else:
            files.append(path)
    files = list(dict.fromkeys(files))
    result = load_inputs(files)
    problems = list(result.problems)
    named = {p.resolve() for p in files}
    for side in dict.fromkeys(sidecars):
        data = side.with_name(side.name[: side.name.lower().rindex(".meta.")])
        if data.resolve() in named:
            continue  # validated when its data file was read
        problems += load_sidecar(side)[1]
        if not data.exists():
            problems.append(
                Problem(
                    display_path(side),
                    None,
                    None,
                    None,
                    f"a sidecar without its data file ({data.name} is not there)",
                    "Put the sidecar beside the file it describes, named <file>.meta.yml.",
                )
            )
    with_sidecars = [s for f in files if (s := sidecar_of(f)) is not None]
    return CheckResult(
        files,
        list(dict.fromkeys([*with_sidecars, *sidecars])),
        skipped,
        problems,
        result.notes,
    )


def found_sidecars(survey: Survey) -> set[Path]:
    """The sidecars of the data files a survey reads."""
    return {s for f in survey.read if (s := sidecar_of(f)) is not None}


def _expand(args: Iterable[Path | str]) -> list[Path]:
    out: list[Path] = []
    for arg in args:
        text = str(arg)
        if not Path(text).exists() and glob.has_magic(text):
            matches = sorted(glob.glob(text, recursive=True))
            out += [Path(m) for m in matches] or [Path(text)]
        else:
            out.append(Path(text))
    return out


def ingest(raw_dir: Path | None = None) -> IngestResult:
    """Read every raw input and harmonize it; raise :class:`IngestError` on any problem.

    Every file under ``raw_dir`` is accounted for: read, refused (a problem), or listed in
    ``skipped`` with the reason.
    """
    survey = survey_inputs(raw_dir)
    result = load_inputs(survey.read)
    result.skipped = survey.skipped
    if result.problems:
        raise IngestError(result.problems)
    result.observations = result.observations.drop(columns=SOURCE_COLUMNS)
    result.communes = result.communes[COMMUNE_COLUMNS].reset_index(drop=True)
    result.harmonized, result.harmonization_log = harmonize_to_current_provinces(
        result.observations
    )
    return result


def describe_skipped(skipped: Iterable[tuple[Path, str]], limit: int = 3) -> list[str]:
    """One line per reason: the files (or how many) skipped for it."""
    by_reason: dict[str, list[str]] = {}
    for path, reason in skipped:
        by_reason.setdefault(reason, []).append(display_path(path))
    lines = []
    for reason, names in by_reason.items():
        shown = ", ".join(names[:limit]) + (
            f" and {len(names) - limit} more" if len(names) > limit else ""
        )
        lines.append(f"{shown}: {reason}")
    return lines


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (how the store recognises a file it has already read)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
