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

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.data.ingest.cells import (
    FIRST_YEAR,
    MISSING_TOKENS,
    parse_number,
    parse_period,
    today,
)
from analysis.data.ingest.harmonize import HARMONIZED_COLUMNS, harmonize_to_current_provinces
from analysis.data.ingest.normalize import (
    LONG_COLUMNS,
    NORMALIZED_COLUMNS,
    PROVINCE_HEADERS,
    VALUE_TOLERANCE,
    empty_frame,
    normalize_table,
)
from analysis.data.ingest.problems import CellError, IngestError, Problem
from analysis.data.ingest.read import (
    RawTable,
    dataset_of,
    discover_inputs,
    read_sidecar,
    read_table,
)
from analysis.data.ingest.validate import apply_revisions, validate_observations

__all__ = [
    "FIRST_YEAR",
    "HARMONIZED_COLUMNS",
    "LONG_COLUMNS",
    "MISSING_TOKENS",
    "NORMALIZED_COLUMNS",
    "PROVINCE_HEADERS",
    "VALUE_TOLERANCE",
    "CellError",
    "IngestError",
    "IngestResult",
    "Problem",
    "RawTable",
    "apply_revisions",
    "check_files",
    "dataset_of",
    "discover_inputs",
    "harmonize_to_current_provinces",
    "ingest",
    "load_inputs",
    "normalize_table",
    "parse_number",
    "parse_period",
    "read_sidecar",
    "read_table",
    "today",
    "validate_observations",
]


@dataclass
class IngestResult:
    """What ingest read: the observations, their 34-unit form and log, the files, problems."""

    observations: pd.DataFrame
    harmonized: pd.DataFrame
    harmonization_log: pd.DataFrame
    files: list[dict]
    problems: list[Problem]


def load_inputs(files: Iterable[Path]) -> IngestResult:
    """Read, normalize and validate files; collect every problem (raises nothing)."""
    frames, problems, file_rows, metas = [], [], [], {}
    for path in files:
        table = read_table(path)
        frame, more = normalize_table(table)
        problems += more
        metas[table.display] = table.meta
        file_rows.append(
            {
                "file": table.display,
                "dataset": table.dataset,
                "sha256": _sha256(path) if Path(path).exists() else None,
                "rows": len(table.rows),
                "synthetic": bool(table.meta.get("synthetic")),
                "source": str(table.meta.get("source") or table.display),
                "revises": str(table.meta.get("revises") or ""),
            }
        )
        frames.append(frame)
    frames = [f for f in frames if not f.empty]
    obs = pd.concat(frames, ignore_index=True) if frames else empty_frame()
    obs = apply_revisions(obs, metas)
    problems += validate_observations(obs)
    problems.sort(key=lambda p: (p.file, p.row or 0))
    return IngestResult(obs, pd.DataFrame(), pd.DataFrame(), file_rows, problems)


def check_files(files: Iterable[Path]) -> list[Problem]:
    """Validate files without writing anything (``python -m analysis check``)."""
    return load_inputs(files).problems


def ingest(raw_dir: Path | None = None) -> IngestResult:
    """Read every raw input and harmonize it; raise :class:`IngestError` on any problem."""
    result = load_inputs(discover_inputs(raw_dir))
    if result.problems:
        raise IngestError(result.problems)
    result.harmonized, result.harmonization_log = harmonize_to_current_provinces(
        result.observations
    )
    return result


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
