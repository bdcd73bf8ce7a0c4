"""Steps 3 and 4, revising and validating: later files correct earlier ones, then every row is
checked.

:func:`apply_revisions` drops figures superseded by a file whose sidecar says ``revises:``;
:func:`validate_observations` checks the parsed rows with a pandera schema (bounds, negative
counts, numerator above denominator) and across rows and files (conflicting duplicates).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analysis.data.ingest.normalize import SOURCE_COLUMNS
from analysis.data.ingest.problems import Problem
from analysis.reference import catalog


def _schema():
    """Range and relationship checks on parsed rows, with pandera (reports every failure)."""
    import pandera.pandas as pa

    bounds = {i.id: i.bounds for i in catalog.indicators(None).values()}

    def value_in_bounds(df: pd.DataFrame) -> pd.Series:
        lo = df["indicator"].map(lambda i: bounds[i][0])
        hi = df["indicator"].map(lambda i: bounds[i][1])
        # Rates computed from counts are covered by the count checks; report those instead.
        derived = ~df["rate_only"].astype(bool)
        inside = (df["value"] >= lo - 1e-9) & (df["value"] <= hi + 1e-9)
        return df["value"].isna() | derived | inside

    def numerator_le_denominator(df: pd.DataFrame) -> pd.Series:
        return (
            df["numerator"].isna()
            | df["denominator"].isna()
            | (df["numerator"] <= df["denominator"])
        )

    return pa.DataFrameSchema(
        {
            "numerator": pa.Column(float, pa.Check.ge(0), nullable=True),
            "denominator": pa.Column(float, pa.Check.gt(0), nullable=True),
            "value": pa.Column(float, nullable=True),
        },
        checks=[
            pa.Check(value_in_bounds, name="value_in_bounds"),
            pa.Check(numerator_le_denominator, name="numerator_le_denominator"),
        ],
    )


_CHECK_TEXT = {
    "greater_than_or_equal_to(0)": ("a negative count", "Counts cannot be below zero."),
    "greater_than(0)": (
        "a denominator of zero or less",
        "The denominator is the total (villages, dossiers, citizens); it must be positive.",
    ),
    "value_in_bounds": (
        "a rate outside its bounds",
        "Rates are percentages between 0 and 100; check the decimal mark.",
    ),
    "numerator_le_denominator": (
        "numerator above denominator",
        "The part cannot exceed the total; check both counts.",
    ),
}


def validate_observations(frame: pd.DataFrame, keys: list[str] | None = None) -> list[Problem]:
    """Bounds and relationships (pandera), then conflicting duplicates across rows and files.

    ``keys`` identify one figure (default :data:`KEYS`; commune rows use :data:`COMMUNE_KEYS`).
    """
    import pandera.errors as pe

    problems: list[Problem] = []
    if frame.empty:
        return problems
    typed = frame.astype({"value": float, "numerator": float, "denominator": float})
    try:
        _schema().validate(typed, lazy=True)
    except pe.SchemaErrors as err:
        cases = err.failure_cases
        for case in cases.itertuples():
            idx = case.index
            if idx is None or (isinstance(idx, float) and np.isnan(idx)):
                continue
            row = typed.loc[idx]
            check = str(case.check)
            reason, hint = _CHECK_TEXT.get(check, (f"failed check {check}", "Check the figure."))
            fields: tuple[str, ...] = (case.column,) if isinstance(case.column, str) else ()
            if check == "numerator_le_denominator":
                fields, shown = (
                    ("numerator", "denominator"),
                    f"{row.numerator:g} > {row.denominator:g}",
                )
            elif check == "value_in_bounds":
                fields, shown = ("value",), f"{row.value:g}"
            else:
                shown = str(case.failure_case)
            problems.append(_problem(row, fields, shown, reason, hint))
    # Frame-wide checks report one failure case per column; keep one problem per cell.
    problems = sorted(dict.fromkeys(problems), key=lambda p: (p.file, p.row or 0))
    problems += _duplicate_problems(typed, keys or KEYS)
    return problems


def _problem(
    row: pd.Series, fields: tuple[str, ...], shown: str, reason: str, hint: str
) -> Problem:
    """A problem with a row's figures, naming their columns as its file names them."""
    names = row.get(SOURCE_COLUMNS)
    names = names if isinstance(names, dict) else {}
    columns = tuple(names.get(f, f) for f in fields)
    return Problem(
        row.source_file,
        int(row.source_row),
        columns[0] if columns else None,
        shown,
        reason,
        hint,
        columns if len(columns) > 1 else (),
    )


KEYS = ["dataset", "basis", "province_code", "indicator", "period"]
"""What identifies one figure: two rows with the same keys are duplicates."""
COMMUNE_KEYS = ["dataset", "commune_code", "indicator", "period"]
"""What identifies one commune figure."""
FIGURES = ["value", "numerator", "denominator"]


def drop_identical_duplicates(
    frame: pd.DataFrame, keys: list[str] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Keep one of rows that repeat the same figure for the same keys; note the repeats.

    A row copied twice in a file (or a file saved twice) must count once: summed into a merged
    unit it would stand in for a former province that did not report. Rows with the same keys
    and *different* figures are conflicts, left for :func:`validate_observations` to refuse.
    """
    if frame.empty:
        return frame, []
    rounded = frame[FIGURES].astype(float).round(6)
    probe = pd.concat([frame[keys or KEYS].astype(str), rounded.astype(str)], axis=1)
    repeated = probe.duplicated(keep="first")
    if not repeated.any():
        return frame, []
    first_of: dict[tuple, object] = {}
    original = {}
    for idx, key in zip(frame.index, map(tuple, probe.to_numpy()), strict=True):
        original[idx] = first_of.setdefault(key, idx)
    notes = []
    for file, group in frame[repeated].groupby("source_file", sort=True):
        rows = [int(r) for r in group["source_row"]]
        where = sorted({str(frame.loc[original[i], "source_file"]) for i in group.index})
        shown = ", ".join(map(str, rows[:10]))
        shown += f" and {len(rows) - 10} more" if len(rows) > 10 else ""
        notes.append(
            Problem(
                str(file),
                rows[0] if len(rows) == 1 else None,
                None,
                None,
                f"{len(rows)} identical duplicate row(s) (row{'s' if len(rows) > 1 else ''} "
                f"{shown}) repeat figures already in {', '.join(where)}; each is counted once",
                "Remove the repeated rows.",
            )
        )
    return frame[~repeated], notes


def _duplicate_problems(frame: pd.DataFrame, keys: list[str]) -> list[Problem]:
    dup = frame[frame.duplicated(keys, keep=False)]
    problems = []
    for _, group in dup.groupby(keys, sort=False):
        figures = group[["value", "numerator", "denominator"]].round(6).drop_duplicates()
        if len(figures) <= 1:
            continue
        first = group.iloc[0]
        same = (
            group[["value", "numerator", "denominator"]]
            .round(6)
            .eq(group[["value", "numerator", "denominator"]].round(6).iloc[0])
            | group[["value", "numerator", "denominator"]].isna()
        ).all(axis=1)
        for _, other in group[~same].iterrows():
            fields = ("numerator", "denominator") if pd.notna(other.numerator) else ("value",)
            problems.append(
                _problem(
                    other,
                    fields,
                    _figure_text(other),
                    f"conflicting duplicate: {first.source_file} row {int(first.source_row)} gives "
                    f"{_figure_text(first)} for "
                    + " ".join(str(other[k]) for k in keys if k not in ("dataset", "basis")),
                    "Keep one figure; to correct an earlier file, add `revises: <file>` to the new "
                    "file's sidecar.",
                )
            )
    return problems


def _figure_text(row: pd.Series) -> str:
    if pd.notna(row.numerator):
        return f"{row.numerator:g}/{row.denominator:g}"
    return f"{row.value:g}"


def apply_revisions(
    frame: pd.DataFrame, metas: dict[str, dict], keys: list[str] | None = None
) -> pd.DataFrame:
    """Drop rows superseded by a file whose sidecar says ``revises: <file name>``."""
    if frame.empty:
        return frame
    keys = keys or KEYS
    revised = frame.copy()
    revised["_order"] = 0
    for display, meta in metas.items():
        targets = meta.get("revises")
        if not targets:
            continue
        targets = [targets] if isinstance(targets, str) else list(targets)
        newer = revised["source_file"] == display
        revised.loc[newer, "_order"] = 1
        older = revised["source_file"].map(lambda f, t=targets: Path(f).name in t)
        keys_new = set(map(tuple, revised.loc[newer, keys].astype(str).to_numpy()))
        drop = older & revised[keys].astype(str).apply(tuple, axis=1).isin(keys_new)
        revised = revised[~drop]
    return revised.drop(columns="_order")
