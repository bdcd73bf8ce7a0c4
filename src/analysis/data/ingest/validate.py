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

from analysis.data.ingest.normalize import SOURCE_CELLS, SOURCE_COLUMNS, SOURCE_SHEET
from analysis.data.ingest.problems import Msg, Num, PeriodText, Problem
from analysis.reference import catalog, geography


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
    "greater_than_or_equal_to(0)": ("reason.negative_count", "hint.negative_count"),
    "greater_than(0)": ("reason.denominator_not_positive", "hint.denominator_not_positive"),
    "value_in_bounds": ("reason.rate_bounds", "hint.rate_bounds"),
    "numerator_le_denominator": ("reason.numerator_above", "hint.numerator_above"),
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
            texts = _CHECK_TEXT.get(check)
            reason, hint = (
                (Msg(texts[0]), Msg(texts[1]))
                if texts
                else (Msg("reason.failed_check", check=check), Msg("hint.check_figure"))
            )
            if check == "value_in_bounds":
                low, high = catalog.indicators(None)[row.indicator].bounds
                reason = Msg("reason.rate_bounds", low=Num(low, 0), high=Num(high, 0))
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
    row: pd.Series, fields: tuple[str, ...], shown: str, reason: Msg, hint: Msg
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
        sheet=_sheet(row),
        cell=_cells(row, fields),
    )


def _sheet(row: pd.Series) -> str | None:
    sheet = row.get(SOURCE_SHEET)
    return sheet if isinstance(sheet, str) and sheet else None


def _cells(row: pd.Series, fields: tuple[str, ...]) -> str | None:
    """The cells (``M9, N9``) of a row's figures, where the file has cells."""
    cells = row.get(SOURCE_CELLS)
    cells = cells if isinstance(cells, dict) else {}
    found = [cells[f] for f in fields if f in cells]
    return ", ".join(found) if found else None


def _figure_fields(row: pd.Series) -> tuple[str, ...]:
    """The figures a row gave (its counts, else its rate)."""
    return ("numerator", "denominator") if pd.notna(row.numerator) else ("value",)


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

    The notes say what repeats: rows whose every figure repeats one already read (which can be
    removed), and, in a row of several figures (the wide layout) of which only some repeat,
    the cells that repeat and the cells they repeat, so that nobody deletes the new figures
    beside them.
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
    sheets = (
        frame[SOURCE_SHEET].fillna("").astype(str)
        if SOURCE_SHEET in frame
        else pd.Series("", index=frame.index)
    )
    place = pd.Series(
        list(
            zip(
                frame["source_file"].astype(str),
                sheets,
                frame["source_row"].astype(int),
                strict=True,
            )
        ),
        index=frame.index,
    )
    per_row = place.value_counts()
    notes: list[Problem] = []
    whole: dict[tuple[str, str], list[int]] = {}
    sources: dict[tuple[str, str], set[str]] = {}
    for (file, sheet, row_no), group in frame[repeated].groupby(place[repeated], sort=True):
        total = int(per_row[(file, sheet, row_no)])
        if len(group) == total:
            whole.setdefault((str(file), str(sheet)), []).append(int(row_no))
            sources.setdefault((str(file), str(sheet)), set()).update(
                str(frame.loc[original[i], "source_file"]) for i in group.index
            )
            continue
        items = [_repeat_item(frame.loc[i], frame.loc[original[i]]) for i in group.index]
        cells = [
            c for i in group.index if (c := _cells(frame.loc[i], _figure_fields(frame.loc[i])))
        ]
        notes.append(
            Problem(
                str(file),
                int(row_no),
                None,
                None,
                Msg("reason.repeated_cells", count=len(group), total=total, items=items),
                Msg("hint.repeated_cells", new=total - len(group)),
                sheet=str(sheet) or None,
                cell=", ".join(cells) or None,
            )
        )
    for (file, sheet), rows in whole.items():
        shown = ", ".join(map(str, rows[:10])) + (f" (+{len(rows) - 10})" if len(rows) > 10 else "")
        notes.append(
            Problem(
                file,
                rows[0] if len(rows) == 1 else None,
                None,
                None,
                Msg(
                    "reason.repeated_rows",
                    count=len(rows),
                    rows=shown,
                    files=sorted(sources[(file, sheet)]),
                ),
                Msg("hint.repeated_rows"),
                sheet=sheet or None,
            )
        )
    notes.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    return frame[~repeated], notes


def _repeat_item(row: pd.Series, first: pd.Series) -> Msg:
    """One repeated figure: its indicator and cells, and where it was first read."""
    fields = _figure_fields(row)
    cells = _cells(row, fields)
    names = row.get(SOURCE_COLUMNS)
    column = (names if isinstance(names, dict) else {}).get(fields[0], fields[0])
    return Msg(
        "repeat_item",
        indicator=str(row.indicator),
        here=(
            Msg("where.cell_here", cell=cells) if cells else Msg("where.column_here", column=column)
        ),
        there=_at(first, fields, with_file=True),
    )


def _at(row: pd.Series, fields: tuple[str, ...], with_file: bool) -> Msg:
    """Where a figure is: (file,) sheet and cells, or row and column."""
    cells = _cells(row, fields)
    sheet = _sheet(row)
    names = row.get(SOURCE_COLUMNS)
    column = (names if isinstance(names, dict) else {}).get(fields[0], fields[0])
    file = str(row.source_file) if with_file else ""
    if cells:
        key = "at_cells_sheet" if sheet else "at_cells"
        return Msg(key, file=file, sheet=sheet or "", cells=cells)
    return Msg("at_row", file=file, row=int(row.source_row), column=column)


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
            fields = _figure_fields(other)
            problems.append(
                _problem(
                    other,
                    fields,
                    _figure_text(other),
                    Msg(
                        "reason.conflicting_duplicate",
                        there=_at(first, _figure_fields(first), with_file=True),
                        figure=_figure_text(first),
                        what=_what(other),
                    ),
                    Msg("hint.conflicting_duplicate"),
                )
            )
    return problems


def _what(row: pd.Series) -> Msg:
    """The figure a row gives: indicator, unit (province or commune) and period."""
    place = str(row.get("commune_code") or "")
    if place and row.get("commune_name"):
        place = f"{row.commune_name} ({place})"
    if not place and pd.notna(row.get("province_code")):
        try:
            place = geography.unit(str(row.basis), str(row.province_code)).display_name  # type: ignore[arg-type]
        except KeyError:
            place = str(row.province_code)
    return Msg(
        "figure_of", indicator=str(row.indicator), place=place, period=PeriodText(str(row.period))
    )


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
