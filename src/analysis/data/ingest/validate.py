"""Steps 3 and 4, revising and validating: later files correct earlier ones, then every row is
checked.

:func:`apply_revisions` drops figures superseded by a file whose sidecar says ``revises:``;
:func:`validate_observations` checks the parsed rows with a pandera schema (bounds, negative
counts, numerator above denominator) and across rows and files (conflicting duplicates).
"""

from __future__ import annotations

from collections.abc import Sequence
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
    floats = {"value": float, "numerator": float, "denominator": float}
    typed = (
        frame
        if all(pd.api.types.is_float_dtype(frame[c]) for c in floats)
        else frame.astype(floats)
    )
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
    # Integer codes, not a text or a tuple per row: a file may hold millions of rows.
    codes = _row_codes(
        [frame[k] for k in keys or KEYS], [frame[f].astype(float).round(6) for f in FIGURES]
    )
    repeated = pd.Series(codes, index=frame.index).duplicated(keep="first").to_numpy()
    if not repeated.any():
        return frame, []
    original = np.unique(codes, return_index=True)[1][codes]  # position of each figure's first
    files = frame["source_file"].to_numpy()
    sheets = frame[SOURCE_SHEET].to_numpy() if SOURCE_SHEET in frame else np.full(len(frame), None)
    row_numbers = frame["source_row"].to_numpy(dtype=np.int64)
    pair = _row_codes([pd.Series(files), pd.Series(sheets)])  # each file's sheet
    # Each row of each sheet (a wide row gives several figures): sorted, not hashed.
    place = np.unique(pair * (int(row_numbers.max()) + 1) + row_numbers, return_inverse=True)[1]
    total = np.bincount(place)  # figures read from each row of a file
    repeats = np.bincount(place[repeated], minlength=len(total))
    whole_row = repeated & (repeats == total)[place]
    notes = _repeated_rows(files, sheets, pair, row_numbers, original, whole_row)
    partial: dict[int, list[int]] = {}
    for position in np.flatnonzero(repeated & ~whole_row):
        partial.setdefault(int(place[position]), []).append(int(position))
    for here, positions in partial.items():
        first = positions[0]
        items = [_repeat_item(frame.iloc[i], frame.iloc[original[i]]) for i in positions]
        cells = [
            c for i in positions if (c := _cells(frame.iloc[i], _figure_fields(frame.iloc[i])))
        ]
        notes.append(
            Problem(
                str(files[first]),
                int(row_numbers[first]),
                None,
                None,
                Msg(
                    "reason.repeated_cells",
                    count=len(positions),
                    total=int(total[here]),
                    items=items,
                ),
                Msg("hint.repeated_cells", new=int(total[here]) - len(positions)),
                sheet=_sheet_name(sheets[first]),
                cell=", ".join(cells) or None,
            )
        )
    notes.sort(key=lambda p: (p.file, p.sheet or "", p.row or 0))
    return frame[~repeated], notes


def _repeated_rows(
    files: np.ndarray,
    sheets: np.ndarray,
    pair: np.ndarray,
    row_numbers: np.ndarray,
    original: np.ndarray,
    whole_row: np.ndarray,
) -> list[Problem]:
    """One note per file and sheet (``pair``) for its rows whose every figure repeats one
    read before; integers throughout, as a file may hold millions of them."""
    positions = np.flatnonzero(whole_row)
    notes = []
    for code in np.unique(pair[positions]):
        chosen = positions[pair[positions] == code]
        numbers = np.unique(row_numbers[chosen])  # sorted
        shown = ", ".join(str(int(n)) for n in numbers[:10]) + (
            f" (+{len(numbers) - 10})" if len(numbers) > 10 else ""
        )
        notes.append(
            Problem(
                str(files[chosen[0]]),
                int(numbers[0]) if len(numbers) == 1 else None,
                None,
                None,
                Msg(
                    "reason.repeated_rows",
                    count=len(numbers),
                    rows=shown,
                    files=sorted({str(f) for f in pd.unique(files[original[chosen]])}),
                ),
                Msg("hint.repeated_rows"),
                sheet=_sheet_name(sheets[chosen[0]]),
            )
        )
    return notes


def _sheet_name(sheet: object) -> str | None:
    """A sheet's name for a message; ``None`` for a CSV file (no sheet)."""
    return str(sheet) if isinstance(sheet, str) and sheet else None


def _row_codes(texts: list[pd.Series], numbers: Sequence[pd.Series] = ()) -> np.ndarray:
    """One integer per row, equal for rows equal in every column (missing values included).

    ``texts`` are compared as text (a period may be a Period or its text), ``numbers`` as they
    are. Column by column, so millions of rows need a few integer arrays, not a tuple or a
    text per row; the codes stay below the number of rows, so they never overflow.
    """
    n = len(texts[0]) if texts else len(numbers[0])
    key = np.zeros(n, dtype=np.int64)
    for column, as_text in [(c, True) for c in texts] + [(c, False) for c in numbers]:
        codes, uniques = pd.factorize(column, use_na_sentinel=False)
        if as_text:
            codes = pd.factorize(pd.Index([str(u) for u in uniques], dtype=object))[0][codes]
        key = pd.factorize(key * len(uniques) + codes)[0]
    return key


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
    codes = _row_codes([frame[k] for k in keys])
    dup = frame[pd.Series(codes, index=frame.index).duplicated(keep=False)]
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
    if frame.empty or not any(meta.get("revises") for meta in metas.values()):
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
