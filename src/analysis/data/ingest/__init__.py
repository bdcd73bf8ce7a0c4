"""From ``data/raw`` to tidy observations: discover, read, normalize, revise, validate, harmonize.

The steps, in the order :func:`ingest` runs them:

1. :func:`~analysis.data.ingest.read.discover_inputs` lists the input files and
   :func:`~analysis.data.ingest.read.read_tables` reads each one (CSV or XLSX, every sheet,
   long or wide layout, headings in English or Vietnamese below any title rows) into text
   cells with the file's own row numbers and its provenance sidecar;
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
every file is collected before anything fails, so one run tells the sender everything to fix; a
file that cannot be read at all is refused by name and never stops the others from being read.
Problems name the file, sheet and cell (or row), the column as the file heads it, the value and
what to do, in Vietnamese or English (:meth:`Problem.render`).
"""

from __future__ import annotations

import glob
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from analysis.data.ingest import limits
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
    PRIVATE_COLUMNS,
    SOURCE_CELLS,
    SOURCE_COLUMNS,
    VALUE_TOLERANCE,
    empty_frame,
    normalize_table,
)
from analysis.data.ingest.problems import CellError, IngestError, Msg, Problem, render_problems
from analysis.data.ingest.raw import RawTable, dataset_of, display_path
from analysis.data.ingest.read import (
    Survey,
    discover_inputs,
    is_sidecar,
    load_sidecar,
    read_sidecar,
    read_table,
    read_tables,
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
    "VALUE_TOLERANCE",
    "CellError",
    "CheckResult",
    "FileSummary",
    "IngestError",
    "IngestResult",
    "Msg",
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
    "read_tables",
    "render_problems",
    "survey_inputs",
    "today",
    "validate_observations",
]


# One row per file read (the store's ``inputs`` table), also when no file was read.
INPUT_COLUMNS = ["file", "dataset", "sha256", "rows", "synthetic", "source", "revises"]


@dataclass
class FileSummary:
    """What was read from one file: figures, units, periods, indicators, sheets."""

    file: str
    figures: int = 0
    units: list[str] = field(default_factory=list)
    periods: list[str] = field(default_factory=list)
    indicators: list[str] = field(default_factory=list)
    sheets: list[str] = field(default_factory=list)
    communes: int = 0

    def render(self, lang: str | None = None) -> str:
        """One line: "26 figures: 1 unit (Nghệ An), 1 period (tháng 10/2026), 26 indicators"."""
        from analysis.core.i18n import fmt_period, t

        def some(items: list[str]) -> str:
            shown = ", ".join(items[:3])
            return shown + (f" (+{len(items) - 3})" if len(items) > 3 else "")

        text = t(
            "ingest.summary.read",
            lang,
            figures=self.figures,
            units=len(self.units),
            unit_names=some(self.units),
            periods=len(self.periods),
            period_names=some([fmt_period(p, lang) for p in self.periods]),
            indicators=len(self.indicators),
        )
        parts = [text]
        if self.communes:
            parts.append(t("ingest.summary.communes", lang, communes=self.communes))
        if len(self.sheets) > 1:
            parts.append(
                t(
                    "ingest.summary.sheets",
                    lang,
                    count=len(self.sheets),
                    sheets=", ".join(repr(s) for s in self.sheets),
                )
            )
        text = "; ".join(parts)
        return text


@dataclass
class IngestResult:
    """What ingest read: the observations, their 34-unit form and log, the files, problems.

    ``notes`` are things done on purpose that the sender should know (identical duplicate rows
    counted once, total rows skipped, sheets skipped); ``skipped`` lists every file under the
    folder that was not read, with the reason.
    """

    observations: pd.DataFrame
    harmonized: pd.DataFrame
    harmonization_log: pd.DataFrame
    files: list[dict]
    problems: list[Problem]
    notes: list[Problem] = field(default_factory=list)
    skipped: list[tuple[Path, Msg]] = field(default_factory=list)
    submitted: pd.DataFrame = field(default_factory=pd.DataFrame)
    """Every figure read, before later files' revisions replaced any (for the collection's
    ``submissions`` table: who sent what, and what a revision changed)."""
    communes: pd.DataFrame = field(default_factory=empty_commune_frame)
    """Commune-level figures (:data:`COMMUNE_COLUMNS`), read from commune-level files."""
    summaries: dict[str, FileSummary] = field(default_factory=dict)
    """File -> what was read from it (for ``check``)."""


def load_inputs(files: Iterable[Path]) -> IngestResult:
    """Read, normalize, revise and validate files; collect every problem (raises nothing)."""
    frames, problems, notes, file_rows, metas = [], [], [], [], {}
    tables: dict[tuple[str, str | None], RawTable] = {}
    commune_frames = []
    sheets: dict[str, list[str]] = {}
    limits.current()  # a limit set to something unusable is said once, not once per file
    for path in files:
        display = display_path(Path(path))
        n_rows = 0
        try:
            read = read_tables(path)
            n_rows = sum(len(t.rows) for t in read)
            for table in read:
                tables[(table.display, table.sheet)] = table
                if table.sheet and (table.rows or not table.problems):
                    sheets.setdefault(table.display, []).append(table.sheet)
                commune = is_commune_table(table)
                frame, more = _normalized(
                    table, normalize_commune_table if commune else normalize_table
                )
                if commune:
                    commune_frames.append(frame)
                    frame = empty_frame()
                problems += [_in_sheet(p, table) for p in more]
                notes += [_in_sheet(p, table) for p in table.notes]
                frames.append(frame)
        except Exception as exc:  # one file's fault never stops the others being read
            problems.append(
                Problem(
                    display,
                    None,
                    None,
                    None,
                    Msg("reason.internal", error=f"{type(exc).__name__}: {exc}"),
                    Msg("hint.internal"),
                )
            )
            read = []
        meta = read[0].meta if read else {}
        metas[display] = meta
        file_rows.append(
            {
                "file": display,
                "dataset": dataset_of(Path(path)),
                "sha256": file_sha256(path) if Path(path).is_file() else None,
                "rows": n_rows,
                "synthetic": bool(meta.get("synthetic")),
                "source": str(meta.get("source") or display),
                "revises": str(meta.get("revises") or ""),
            }
        )
    frames = [f for f in frames if not f.empty]
    obs = _concat(frames) if frames else empty_frame()
    del frames
    # Every figure read, before revisions (each step below makes a new frame, none changes it).
    submitted = obs
    obs = apply_revisions(obs, metas)
    obs, repeated = drop_identical_duplicates(obs)
    notes += repeated
    problems += validate_observations(obs)
    communes, more_problems, more_notes = _commune_inputs(commune_frames, metas)
    problems += more_problems
    notes += more_notes
    problems = [_located(p, tables) for p in problems]
    notes = [_located(p, tables) for p in notes]
    problems.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    notes.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    return IngestResult(
        obs,
        pd.DataFrame(),
        pd.DataFrame(),
        file_rows,
        problems,
        notes,
        submitted=submitted,
        communes=communes,
        summaries=_summaries(file_rows, submitted, communes, sheets),
    )


NORMALIZED_CHUNK = 50_000
"""Rows of a table parsed at a time: a large file's parsed rows never all exist as records."""


def _normalized(
    table: RawTable, normalize: Callable[[RawTable], tuple[pd.DataFrame, list[Problem]]]
) -> tuple[pd.DataFrame, list[Problem]]:
    """``normalize(table)``, a chunk of rows at a time for a large table.

    The chunks' frames share one mapping of each figure to its column name (every row of a
    table names the same columns), so a frame costs about its columns' width per row; the
    table's text is let go before the frames are joined.
    """
    if len(table.rows) <= NORMALIZED_CHUNK or table.problems:
        return normalize(table)
    frames, problems = [], []
    shared: dict[tuple, dict] = {}
    rows, numbers = table.rows, table.row_numbers
    for start in range(0, len(rows), NORMALIZED_CHUNK):
        stop = min(start + NORMALIZED_CHUNK, len(rows))
        part = replace(table, rows=rows[start:stop], row_numbers=numbers[start:stop])
        rows[start:stop] = [None] * (stop - start)  # type: ignore[list-item]  # parsed: let go
        frame, more = normalize(part)
        del part
        for column in (SOURCE_COLUMNS, SOURCE_CELLS):
            if column in frame:
                frame[column] = [_shared(value, shared) for value in frame[column]]
        frames.append(frame)
        problems += more
    table.rows, table.row_numbers = [], []
    del rows, numbers
    return _concat(frames), problems


def _shared(value: object, shared: dict[tuple, dict]) -> object:
    """One dictionary for all equal ones (a row's column names, a CSV row's empty cells)."""
    if not isinstance(value, dict) or len(shared) > 10_000:
        return value
    return shared.setdefault(tuple(sorted(value.items())), value)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame of ``frames`` (not copied when there is only one)."""
    if len(frames) == 1:
        frames[0].index = pd.RangeIndex(len(frames[0]))
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def _in_sheet(problem: Problem, table: RawTable) -> Problem:
    """A problem of a table's file, with the table's sheet when it names none."""
    if problem.sheet is not None or not table.sheet or problem.file != table.display:
        return problem
    return replace(problem, sheet=table.sheet)


def _located(problem: Problem, tables: dict[tuple[str, str | None], RawTable]) -> Problem:
    """A problem with its cell (from its row and column) and the column as the file heads it."""
    table = tables.get((problem.file, problem.sheet))
    if table is None:
        return problem
    names = problem.columns or ((problem.column,) if problem.column else ())
    cell = problem.cell
    if cell is None and problem.row is not None and names:
        found = [c for n in names if (c := table.cell_of(n, problem.row))]
        cell = ", ".join(found) or None
    headings = tuple(table.headings.get(n, n) for n in names)
    return replace(
        problem,
        cell=cell,
        column=headings[0] if headings else problem.column,
        columns=headings if len(headings) > 1 else (),
    )


_SUMMARY_COLUMNS = ["basis", "province_code", "period", "indicator"]


def _summaries(
    file_rows: list[dict],
    submitted: pd.DataFrame,
    communes: pd.DataFrame,
    sheets: dict[str, list[str]],
) -> dict[str, FileSummary]:
    """What each file gave: figures, units (by name), periods, indicators, sheets."""
    from analysis.reference import geography

    out = {}
    for row in file_rows:
        file = row["file"]
        # The few columns a summary reads (a file may give millions of figures).
        mine = (
            submitted.loc[submitted["source_file"] == file, _SUMMARY_COLUMNS]
            if not submitted.empty
            else submitted
        )
        summary = FileSummary(file, sheets=sheets.get(file, []))
        if not mine.empty:
            summary.figures = len(mine)
            pairs = mine[["basis", "province_code"]].drop_duplicates().itertuples(index=False)
            summary.units = sorted(
                geography.unit(basis, code).display_name for basis, code in pairs
            )
            summary.periods = sorted({str(p) for p in mine["period"].unique()})
            summary.indicators = sorted(mine["indicator"].unique())
        local = communes[communes["source_file"] == file] if len(communes) else communes
        if len(local):
            summary.figures += len(local)
            summary.communes = int(local["commune_code"].nunique())
            summary.units = sorted(
                {
                    *summary.units,
                    *local["province"].map(lambda c: geography.by_codename(c).display_name),
                }
            )
            summary.periods = sorted({*summary.periods, *local["period"].astype(str)})
            summary.indicators = sorted({*summary.indicators, *local["indicator"]})
        out[file] = summary
    return out


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
    skipped: list[tuple[Path, Msg]]
    problems: list[Problem]
    notes: list[Problem]
    summaries: dict[str, FileSummary] = field(default_factory=dict)
    """File -> what was read from it."""


def check_paths(args: Iterable[Path | str]) -> CheckResult:
    """Validate what a person names: files, folders (searched like ``data/raw``), sidecars.

    A pattern the shell did not expand (``data/raw/2026-10/*.xlsx`` matching nothing, or typed
    in quotes) is expanded here. A sidecar named on its own is validated, with its data file
    when that is named too. Nothing is written.
    """
    files: list[Path] = []
    sidecars: list[Path] = []
    skipped: list[tuple[Path, Msg]] = []
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
                    Msg("reason.sidecar_alone", data=data.name),
                    Msg("hint.sidecar_alone"),
                )
            )
    with_sidecars = [s for f in files if (s := sidecar_of(f)) is not None]
    return CheckResult(
        files,
        list(dict.fromkeys([*with_sidecars, *sidecars])),
        skipped,
        problems,
        result.notes,
        result.summaries,
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
    result.observations = result.observations.drop(columns=PRIVATE_COLUMNS)
    result.communes = result.communes[COMMUNE_COLUMNS].reset_index(drop=True)
    result.harmonized, result.harmonization_log = harmonize_to_current_provinces(
        result.observations
    )
    return result


def describe_skipped(
    skipped: Iterable[tuple[Path, Msg]], limit: int = 3, lang: str | None = None
) -> list[str]:
    """One line per reason: the files (or how many) skipped for it."""
    from analysis.core.i18n import t

    by_reason: dict[Msg, list[str]] = {}
    for path, reason in skipped:
        by_reason.setdefault(reason, []).append(display_path(path))
    lines = []
    for reason, names in by_reason.items():
        shown = ", ".join(names[:limit])
        if len(names) > limit:
            shown += " " + t("ingest.and_more", lang, count=len(names) - limit)
        lines.append(f"{shown}: {reason.render(lang)}")
    return lines


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (how the store recognises a file it has already read)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
