"""Read -> validate -> normalize -> harmonize: from ``data/raw`` to tidy observations.

One function per step:

* :func:`read_table` reads one CSV or XLSX file (long or wide layout) into strings, keeping the
  file's own row numbers, and its provenance sidecar;
* :func:`normalize_table` parses every cell (decimal commas, percent signs, thousands separators,
  BOM, non-breaking spaces, names without diacritics) and collects a :class:`Problem` for each
  cell it cannot read unambiguously;
* :func:`validate_observations` checks the parsed rows with a pandera schema (bounds, negative
  counts, numerator above denominator, future periods) and across rows (conflicting duplicates);
* :func:`harmonize_to_current_provinces` carries the 63-province history onto the 34 current
  units (sum numerators and denominators; weighted means only where rates lack counts, flagged;
  ranks are never averaged).

Nothing is written here; :mod:`analysis.data.store` writes the result atomically. Every problem in a
file is collected before anything fails, so one run tells the sender everything to fix.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from analysis import paths
from analysis.reference import catalog, geography
from analysis.reference.names import clean_cell, fold

LONG_COLUMNS = ("province", "indicator", "period")
OPTIONAL_COLUMNS = ("value", "numerator", "denominator", "basis", "source", "note")
PROVINCE_HEADERS = {
    "province",
    "tinh/thanh pho",
    "tinh",
    "tinh thanh",
    "tinh/thanh",
    "don vi",
    "dia phuong",
    "tinh, thanh pho",
}
MISSING_TOKENS = {"", "-", "—", "–", "na", "n/a", "nan", "null", "none", "..."}
VALUE_TOLERANCE = 0.01
"""Largest accepted gap, in percentage points, between a reported rate and numerator/denominator."""


# --- problems ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of an input."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    hint: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}{shown}: {self.reason}. {self.hint}"


class IngestError(Exception):
    """Inputs were refused; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        files = sorted({p.file for p in self.problems})
        head = (
            f"{len(self.problems)} problem(s) in {len(files)} file(s); nothing was written "
            "to data/processed:"
        )
        super().__init__("\n".join([head, *(f"- {p}" for p in self.problems)]))


# --- reading -------------------------------------------------------------------------------


@dataclass
class RawTable:
    """A file's cells as text, with the row numbers a person sees when opening the file."""

    path: Path
    display: str
    header: list[str]
    rows: list[list[str]]
    row_numbers: list[int]
    meta: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def dataset(self) -> str:
        return dataset_of(self.path)


def dataset_of(path: Path) -> str:
    """``demo``, ``published`` or ``submitted``: which collection a raw file belongs to."""
    try:
        top = path.resolve().relative_to(paths.raw_dir().resolve()).parts[0]
    except (ValueError, IndexError):
        top = ""
    return top if top in ("demo", "published") else "submitted"


def read_sidecar(path: Path) -> dict:
    side = path.with_name(path.name + ".meta.yml")
    if not side.exists():
        return {}
    with open(side, encoding="utf-8") as fh:
        meta = yaml.safe_load(fh) or {}
    if not isinstance(meta, dict):
        raise IngestError(
            [
                Problem(
                    str(side),
                    None,
                    None,
                    None,
                    "sidecar is not a YAML mapping",
                    "Write `key: value` lines (source, synthetic, period).",
                )
            ]
        )
    return meta


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.project_root().resolve()))
    except ValueError:
        return str(path)


def read_table(path: Path) -> RawTable:
    """Read one input file as text cells; unreadable files give a problem, not an exception."""
    path = Path(path)
    display = _display(path)
    meta = read_sidecar(path)
    empty = RawTable(path, display, [], [], [], meta)
    if not path.exists():
        empty.problems.append(
            Problem(display, None, None, None, "file not found", "Check the path.")
        )
        return empty
    if path.stat().st_size == 0:
        empty.problems.append(
            Problem(
                display,
                None,
                None,
                None,
                "the file is empty",
                "Export the sheet again; an empty file has no figures.",
            )
        )
        return empty
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            header, rows, numbers = _read_csv(path)
        elif suffix in (".xlsx", ".xlsm"):
            header, rows, numbers, sheet_meta = _read_xlsx(path)
            meta = {**sheet_meta, **meta}
        else:
            empty.problems.append(
                Problem(
                    display,
                    None,
                    None,
                    None,
                    f"unsupported file type {suffix!r}",
                    "Send CSV (UTF-8) or Excel .xlsx.",
                )
            )
            return empty
    except UnicodeDecodeError:
        empty.problems.append(
            Problem(
                display,
                None,
                None,
                None,
                "the file is not UTF-8 text",
                "Save it again as 'CSV UTF-8' (Excel: Save As > CSV UTF-8).",
            )
        )
        return empty
    except Exception as exc:  # Any parser failure means "unreadable"
        empty.problems.append(
            Problem(
                display,
                None,
                None,
                None,
                f"the file cannot be read ({type(exc).__name__}: {exc})",
                "Open it in a spreadsheet program and save it again.",
            )
        )
        return empty
    table = RawTable(path, display, header, rows, numbers, meta)
    if not header:
        table.problems.append(
            Problem(
                display,
                None,
                None,
                None,
                "the file has no header row",
                "The first row must name the columns.",
            )
        )
    elif not rows:
        table.problems.append(
            Problem(
                display,
                None,
                None,
                None,
                "the file has no data rows",
                "Add one row per province (and indicator, and period).",
            )
        )
    return table


def _read_csv(path: Path) -> tuple[list[str], list[list[str]], list[int]]:
    raw = path.read_bytes().decode("utf-8-sig")  # strips a BOM if present
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    first = text.split("\n", 1)[0]
    # Excel with a Vietnamese locale writes ';' because ',' is the decimal mark.
    delimiter = max((",", ";", "\t"), key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    for line_no, row in enumerate(reader, start=1):
        cells = [clean_cell(c) for c in row]
        if not any(cells):
            continue
        if not header:
            header = cells
            continue
        rows.append(cells)
        numbers.append(line_no)
    return header, rows, numbers


def _read_xlsx(path: Path) -> tuple[list[str], list[list[str]], list[int], dict]:
    import openpyxl

    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    meta: dict = {}
    try:
        if "meta" in wb.sheetnames:
            for row in wb["meta"].iter_rows(values_only=True):
                if row and row[0] is not None and len(row) > 1 and row[1] is not None:
                    meta[str(row[0]).strip()] = _cell_text(row[1])
        sheet = next(wb[n] for n in wb.sheetnames if n != "meta")
        header: list[str] = []
        rows: list[list[str]] = []
        numbers: list[int] = []
        for line_no, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [clean_cell(_cell_text(c)) for c in row]
            while cells and cells[-1] == "":
                cells.pop()
            if not any(cells):
                continue
            if not header:
                header = cells
                continue
            rows.append(cells)
            numbers.append(line_no)
    finally:
        wb.close()
    return header, rows, numbers, meta


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m")
    return str(value)


# --- parsing single cells ------------------------------------------------------------------


class CellError(ValueError):
    """A cell could not be read; the message says why and what to do."""

    def __init__(self, reason: str, hint: str):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


_NUMBER = re.compile(r"^[+-]?[\d.,]+$")


def parse_number(text: str, *, integer: bool, percent_ok: bool = False) -> float | None:
    """Read a number as Vietnamese or English spreadsheets write it.

    ``"45,03"``, ``"45.03"`` and ``"45,03%"`` are 45.03; ``"2.852.992"`` and ``"2,852,992"`` are
    2852992. For counts (``integer=True``) separators are thousands separators; for rates a
    single separator is the decimal mark, and with both kinds present the last one is.
    Empty cells and ``-``/``N/A`` give ``None``.
    """
    s = clean_cell(text).replace(" ", "")
    if fold(s) in MISSING_TOKENS:
        return None
    if s.endswith("%"):
        if not percent_ok:
            raise CellError(
                "a percent sign in a count",
                "Counts are whole numbers; put rates in the `value` column.",
            )
        s = s[:-1]
    if not _NUMBER.match(s):
        raise CellError(
            "text where a number is expected",
            "Write only digits, with ',' or '.' as separators; put remarks in `note`.",
        )
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    if integer:
        groups = re.split(r"[.,]", s)
        if len(groups) > 1 and not all(len(g) == 3 for g in groups[1:]):
            raise CellError(
                "a count with a decimal part",
                "Counts must be whole numbers (2.852.992 or 2852992).",
            )
        return sign * float("".join(groups))
    if "," in s and "." in s:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        s = s.replace(thousands, "").replace(decimal, ".")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    elif s.count(",") > 1 or s.count(".") > 1:
        sep = "," if s.count(",") > 1 else "."
        groups = s.split(sep)
        if not all(len(g) == 3 for g in groups[1:]):
            raise CellError(
                "a number with misplaced separators", "Write rates like 45,03 or 45.03."
            )
        s = "".join(groups)
    return sign * float(s)


_PERIOD_PATTERNS = (
    (re.compile(r"^(\d{4})[-/.](\d{1,2})$"), "ym"),
    (re.compile(r"^(\d{1,2})[-/.](\d{4})$"), "my"),
    (re.compile(r"^(?:thang|month)\s*(\d{1,2})[-/.](\d{4})$"), "my"),
    (re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})$"), "y"),
    (re.compile(r"^(?:nam|year)\s*(\d{4})$"), "y"),
)
FIRST_YEAR = 2015


def today() -> dt.date:
    """Today's date; ``VNDX_TODAY`` (YYYY-MM-DD) pins it for reproducible runs and tests."""
    pinned = os.environ.get("VNDX_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()


def parse_period(text: str, frequency: str) -> pd.Period:
    """Parse ``YYYY-MM``, ``MM/YYYY``, ``tháng 10/2026`` or ``YYYY`` for a frequency."""
    s = fold(text).replace(" ", " ")
    for pattern, kind in _PERIOD_PATTERNS:
        m = pattern.match(s)
        if not m:
            continue
        if kind == "y":
            year, month = int(m.group(1)), None
        elif kind == "ym" or kind == "ymd":
            year, month = int(m.group(1)), int(m.group(2))
        else:
            month, year = int(m.group(1)), int(m.group(2))
        if month is not None and not 1 <= month <= 12:
            raise CellError(f"month {month} does not exist", "Months run from 01 to 12.")
        if year < FIRST_YEAR:
            raise CellError(
                f"year {year} is before {FIRST_YEAR}",
                "Check the year; the monitoring series start in 2015.",
            )
        if frequency == "annual":
            if month is not None and kind != "ymd":
                raise CellError(
                    "a month given for an annual indicator", "Write the year only (2024)."
                )
            period = pd.Period(str(year), freq="Y")
            if period.end_time.date() > today() and period.start_time.date() > today():
                raise CellError("a period in the future", "Check the year.")
            return period
        if month is None:
            raise CellError(
                "a year given for a monthly indicator", "Write the month as YYYY-MM (2026-10)."
            )
        period = pd.Period(year=year, month=month, freq="M")
        if period > pd.Period(today(), freq="M"):
            raise CellError(
                "a period in the future",
                f"Figures can be reported up to {today():%Y-%m}; check the date.",
            )
        return period
    raise CellError("not a period", "Write YYYY-MM for months (2026-10) or YYYY for years.")


# --- normalizing a table -------------------------------------------------------------------


NORMALIZED_COLUMNS = [
    "dataset",
    "basis",
    "province_code",
    "indicator",
    "freq",
    "period",
    "value",
    "numerator",
    "denominator",
    "rate_only",
    "source",
    "note",
    "source_file",
    "source_row",
    "is_synthetic",
]


def _header_key(name: str) -> str:
    return fold(name).replace(" ", "_")


def _is_long(header: Sequence[str]) -> bool:
    keys = {_header_key(h) for h in header}
    return "indicator" in keys or "period" in keys


def _period_from_name(name: str) -> str | None:
    m = re.search(r"(\d{4})[-_](\d{2})(?!\d)", name) or re.search(r"(\d{2})[-_](\d{4})", name)
    if not m:
        return None
    a, b = m.groups()
    return f"{a}-{b}" if len(a) == 4 else f"{b}-{a}"


def normalize_table(table: RawTable) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse every cell of a read file into typed observation rows.

    Returns the rows that could be parsed and a problem for every cell that could not.
    """
    problems = list(table.problems)
    if problems:
        return _empty_frame(), problems
    for memo in (_indicator_memo, _period_memo, _province_memo):
        memo.cache_clear()  # the catalog or "today" may differ from the previous file's
    if _is_long(table.header):
        records, more = _long_records(table)
    else:
        records, more = _wide_records(table)
    problems += more
    synthetic = bool(table.meta.get("synthetic", False))
    source = str(table.meta.get("source") or table.display)
    out = []
    dataset = table.dataset
    for rec in records:
        rec.setdefault("source", "")
        rec["source"] = rec["source"] or source
        rec["dataset"] = dataset
        rec["source_file"] = table.display
        rec["is_synthetic"] = synthetic
        out.append(rec)
    frame = pd.DataFrame(out, columns=NORMALIZED_COLUMNS) if out else _empty_frame()
    frame = frame.astype({"value": float, "numerator": float, "denominator": float})
    return frame, problems


def _empty_frame() -> pd.DataFrame:
    return pd.DataFrame(columns=NORMALIZED_COLUMNS)


def _long_records(table: RawTable) -> tuple[list[dict], list[Problem]]:
    problems: list[Problem] = []
    keys = [_header_key(h) for h in table.header]
    for required in LONG_COLUMNS:
        if required not in keys:
            problems.append(
                Problem(
                    table.display,
                    1,
                    required,
                    None,
                    f"the column {required!r} is missing",
                    "The long layout needs province, indicator and period "
                    "columns (see data/raw/README.md).",
                )
            )
    if not ({"value", "numerator"} & set(keys)):
        problems.append(
            Problem(
                table.display,
                1,
                "value",
                None,
                "neither a 'value' nor a 'numerator' column",
                "Add the figures in 'value' (rates) or 'numerator' and 'denominator' (counts).",
            )
        )
    if problems:
        return [], problems
    records = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        if len(cells) < len(keys):
            problems.append(
                Problem(
                    table.display,
                    row_no,
                    keys[len(cells)] if cells else None,
                    None,
                    f"short row: {len(cells)} of {len(keys)} cells",
                    "Fill every column (leave a cell empty, not missing).",
                )
            )
            continue
        if len(cells) > len(keys) and any(cells[len(keys) :]):
            problems.append(
                Problem(
                    table.display,
                    row_no,
                    None,
                    ",".join(cells[len(keys) :]),
                    f"long row: {len(cells)} cells under {len(keys)} headers",
                    "Remove the extra cells or name their column.",
                )
            )
            continue
        row = dict(zip(keys, cells, strict=False))
        rec, more = _parse_row(table, row_no, row)
        problems += more
        if rec is not None:
            records.append(rec)
    return records, problems


def _wide_records(table: RawTable) -> tuple[list[dict], list[Problem]]:
    problems: list[Problem] = []
    header = table.header
    if _header_key(header[0]).replace("_", " ") not in PROVINCE_HEADERS:
        problems.append(
            Problem(
                table.display,
                1,
                header[0],
                header[0],
                "the first column does not name provinces",
                "Name it 'province' (or 'Tỉnh/Thành phố'), or use the long "
                "layout with an 'indicator' column.",
            )
        )
        return [], problems
    period_text = str(table.meta.get("period") or _period_from_name(table.path.name) or "")
    if not period_text:
        problems.append(
            Problem(
                table.display,
                None,
                None,
                None,
                "no reporting period for this wide file",
                "Put the month in the file name (..._2026-10.xlsx) or in its "
                "sidecar (`period: 2026-10`).",
            )
        )
        return [], problems
    columns: list[tuple[int, str, str]] = []  # (position, indicator, field)
    for pos, name in enumerate(header[1:], start=1):
        base, _, suffix = name.partition("__")
        field_ = {
            "": "value",
            "numerator": "numerator",
            "denominator": "denominator",
            "tu_so": "numerator",
            "mau_so": "denominator",
        }.get(_header_key(suffix))
        ind = catalog.resolve_indicator(base)
        if ind is None or field_ is None:
            problems.append(
                Problem(
                    table.display,
                    1,
                    name,
                    name,
                    "unknown indicator column",
                    "Use catalog ids (see `python -m analysis list`); candidates: "
                    + ", ".join(catalog.indicator_candidates(base)),
                )
            )
            continue
        columns.append((pos, ind, field_))
    if problems:
        return [], problems
    indicators = dict.fromkeys(ind for _, ind, _ in columns)
    records = []
    for cells, row_no in zip(table.rows, table.row_numbers, strict=True):
        if len(cells) < len(header):
            problems.append(
                Problem(
                    table.display,
                    row_no,
                    header[len(cells)],
                    None,
                    f"short row: {len(cells)} of {len(header)} cells",
                    "Fill every column (leave a cell empty, not missing).",
                )
            )
            continue
        for ind in indicators:
            row = {"province": cells[0], "indicator": ind, "period": period_text}
            for pos, i, field_ in columns:
                if i == ind:
                    row[field_] = cells[pos]
            if not any(row.get(f, "") for f in ("value", "numerator", "denominator")):
                continue  # an indicator the province did not report this month
            colmap = {f: header[pos] for pos, i, f in columns if i == ind}
            colmap["province"] = header[0]
            rec, more = _parse_row(table, row_no, row, colmap)
            problems += more
            if rec is not None:
                records.append(rec)
    return records, problems


# Inputs repeat the same few hundred province names, indicators and periods many thousand times;
# parse each distinct text once per file.
@lru_cache(maxsize=4096)
def _indicator_memo(text: str) -> catalog.Indicator | None:
    found = catalog.resolve_indicator(text)
    return None if found is None else catalog.indicators()[found]


@lru_cache(maxsize=4096)
def _period_memo(text: str, frequency: str) -> pd.Period:
    return parse_period(text, frequency)


@lru_cache(maxsize=4096)
def _province_memo(text: str, basis: str) -> geography.Unit:
    return geography.match_province(text, basis)  # type: ignore[arg-type]


def _parse_row(
    table: RawTable, row_no: int, row: dict, colmap: dict | None = None
) -> tuple[dict | None, list[Problem]]:
    colmap = colmap or {}
    col = lambda name: colmap.get(name, name)  # noqa: E731
    problems: list[Problem] = []

    def fail(column: str, value: str | None, reason: str, hint: str) -> None:
        problems.append(Problem(table.display, row_no, col(column), value, reason, hint))

    ind = _indicator_memo(row.get("indicator", ""))
    if ind is None:
        fail(
            "indicator",
            row.get("indicator"),
            "unknown indicator",
            "Use a catalog id (`python -m analysis list`); candidates: "
            + ", ".join(catalog.indicator_candidates(row.get("indicator", ""))),
        )
        return None, problems

    period = None
    try:
        period = _period_memo(row.get("period", ""), ind.frequency)
    except CellError as exc:
        fail("period", row.get("period"), exc.reason, exc.hint)

    basis_text = row.get("basis", "")
    basis: str | None = None
    if basis_text:
        if basis_text not in ("63", "34"):
            fail(
                "basis",
                basis_text,
                "basis must be 63 or 34",
                "Leave it empty: 63 before 2025-07, 34 from 2025-07.",
            )
        else:
            basis = basis_text
    if basis is None and period is not None:
        basis = geography.basis_for_period(period)

    unit = None
    if basis is not None:
        try:
            unit = _province_memo(row.get("province", ""), basis)
        except geography.UnknownProvince as exc:
            fail(
                "province",
                row.get("province"),
                exc.reason,
                "Use a code, codename or name of a province on the "
                f"{basis}-unit basis"
                + (f" (did you mean {', '.join(exc.candidates)}?)" if exc.candidates else "."),
            )

    numbers: dict[str, float | None] = {}
    for name, integer in (("value", False), ("numerator", True), ("denominator", True)):
        text = row.get(name, "")
        try:
            numbers[name] = parse_number(text, integer=integer, percent_ok=not integer)
        except CellError as exc:
            fail(name, text, exc.reason, exc.hint)
            numbers[name] = np.nan
    if problems:
        return None, problems

    value, num, den = numbers["value"], numbers["numerator"], numbers["denominator"]
    if (num is None) != (den is None):
        missing = "denominator" if den is None else "numerator"
        fail(
            missing,
            "",
            f"a {'numerator' if den is None else 'denominator'} without its {missing}",
            "Give both counts, or only the rate in 'value'.",
        )
        return None, problems
    if value is None and num is None:
        fail(
            "value",
            "",
            "no figure in this row",
            "Fill 'value' or 'numerator' and 'denominator', or remove the row.",
        )
        return None, problems
    if ind.kind == "rate" and num is not None:
        fail(
            "numerator",
            row.get("numerator"),
            "counts given for a rate-only indicator",
            f"{ind.id} is published as a rate; put it in 'value'.",
        )
        return None, problems
    if num is not None and den is not None and den > 0 and value is not None:
        implied = 100.0 * num / den
        if abs(implied - value) > VALUE_TOLERANCE:
            fail(
                "value",
                row.get("value"),
                f"value disagrees with numerator/denominator ({implied:.4f})",
                "Correct either the rate or the counts.",
            )
            return None, problems
    if value is None and num is not None and den and den > 0:
        value = 100.0 * num / den
    return {
        "basis": basis,
        "province_code": unit.code if unit else None,
        "indicator": ind.id,
        "freq": ind.freq,
        "period": period,
        "value": value,
        "numerator": num,
        "denominator": den,
        "rate_only": num is None,
        "source": row.get("source", ""),
        "note": row.get("note", ""),
        "source_row": row_no,
    }, problems


# --- validation ----------------------------------------------------------------------------


def _schema():
    """Range and relationship checks on parsed rows, with pandera (reports every failure)."""
    import pandera.pandas as pa

    bounds = {i.id: i.bounds for i in catalog.indicators().values()}

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


def validate_observations(frame: pd.DataFrame) -> list[Problem]:
    """Bounds and relationships (pandera), then conflicting duplicates across rows and files."""
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
            column = case.column if isinstance(case.column, str) else None
            if check == "numerator_le_denominator":
                column, shown = "numerator", f"{row.numerator:g} > {row.denominator:g}"
            elif check == "value_in_bounds":
                column, shown = "value", f"{row.value:g}"
            else:
                shown = str(case.failure_case)
            problems.append(
                Problem(row.source_file, int(row.source_row), column, shown, reason, hint)
            )
    # Frame-wide checks report one failure case per column; keep one problem per cell.
    problems = sorted(dict.fromkeys(problems), key=lambda p: (p.file, p.row or 0))
    problems += _duplicate_problems(typed)
    return problems


def _duplicate_problems(frame: pd.DataFrame) -> list[Problem]:
    keys = ["dataset", "basis", "province_code", "indicator", "period"]
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
            problems.append(
                Problem(
                    other.source_file,
                    int(other.source_row),
                    "value",
                    _figure_text(other),
                    f"conflicting duplicate: {first.source_file} row {int(first.source_row)} gives "
                    f"{_figure_text(first)} for {other.province_code} {other.indicator} "
                    f"{other.period}",
                    "Keep one figure; to correct an earlier file, add `revises: <file>` to the new "
                    "file's sidecar.",
                )
            )
    return problems


def _figure_text(row: pd.Series) -> str:
    if pd.notna(row.numerator):
        return f"{row.numerator:g}/{row.denominator:g}"
    return f"{row.value:g}"


def apply_revisions(frame: pd.DataFrame, metas: dict[str, dict]) -> pd.DataFrame:
    """Drop rows superseded by a file whose sidecar says ``revises: <file name>``."""
    if frame.empty:
        return frame
    keys = ["dataset", "basis", "province_code", "indicator", "period"]
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


# --- harmonization -------------------------------------------------------------------------


HARMONIZED_COLUMNS = [
    "dataset",
    "province_code",
    "indicator",
    "freq",
    "period",
    "value",
    "numerator",
    "denominator",
    "method",
    "n_units",
    "is_weighted",
    "source",
    "is_synthetic",
]


def harmonize_to_current_provinces(obs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Express every observation on the 34 current units.

    Rows on the 34 basis pass through. Rows on the 63 basis are grouped into the unit each
    former province became part of: numerators and denominators are summed when every
    constituent reports them; otherwise the rates are combined with the weight the catalog
    declares (``population_thousands`` by default) and flagged ``is_weighted``. A unit whose
    constituents are not all present for a period is left out (a partial sum would understate
    it) and listed in the returned log. Ranks are never harmonized.

    Returns
    -------
    (harmonized, log)
    """
    if obs.empty:
        return pd.DataFrame(columns=HARMONIZED_COLUMNS), pd.DataFrame(
            columns=["dataset", "province_code", "indicator", "period", "reason"]
        )
    cw = geography.crosswalk().set_index("old_code")
    expected = cw.groupby("new_code").size()
    pop = geography.population_63()
    weights_col = {
        i.id: (i.weight or "population_thousands") for i in catalog.indicators().values()
    }

    current = obs[obs["basis"] == "34"].copy()
    current["method"] = "reported"
    current["n_units"] = 1
    current["is_weighted"] = False

    old = obs[obs["basis"] == "63"].copy()
    old["new_code"] = old["province_code"].map(cw["new_code"])
    old["weight"] = old["province_code"].map(pop)
    old["has_counts"] = old["numerator"].notna() & old["denominator"].notna()
    old["wvalue"] = old["value"] * old["weight"]
    # Monthly and annual Periods cannot be sorted together: group on their text.
    old["period_key"] = old["period"].astype(str)
    keys = ["dataset", "new_code", "indicator", "freq", "period_key"]
    g = (
        old.groupby(keys, sort=True, observed=True)
        .agg(
            period=("period", "first"),
            n_units=("province_code", "size"),
            all_counts=("has_counts", "all"),
            numerator=("numerator", "sum"),
            denominator=("denominator", "sum"),
            wvalue=("wvalue", "sum"),
            weight=("weight", "sum"),
            is_synthetic=("is_synthetic", "any"),
            source=("source", lambda s: "; ".join(sorted(set(s)))),
            members=("province_code", lambda s: set(s)),
        )
        .reset_index()
    )
    g["expected"] = g["new_code"].map(expected).astype(int)
    partial = g[g["n_units"] < g["expected"]]
    log = [
        {
            "dataset": r.dataset,
            "province_code": r.new_code,
            "indicator": r.indicator,
            "period": r.period_key,
            "reason": "former provinces "
            + ", ".join(sorted(set(cw.index[cw["new_code"] == r.new_code]) - r.members))
            + " not reported; no partial sum",
        }
        for r in partial.itertuples()
    ]
    g = g[g["n_units"] >= g["expected"]].copy()
    unknown_weights = {i for i in g["indicator"] if weights_col[i] != "population_thousands"}
    if unknown_weights:
        raise ValueError(
            f"weight column(s) for {sorted(unknown_weights)} are not in the "
            "reference data; add them to provinces_63.csv"
        )
    counts = g["all_counts"].astype(bool)
    g["value"] = (100.0 * g["numerator"] / g["denominator"]).where(
        counts, g["wvalue"] / g["weight"]
    )
    g.loc[~counts, ["numerator", "denominator"]] = np.nan
    g["method"] = np.where(counts, "sum_of_counts", "weighted_mean:population_thousands")
    g["is_weighted"] = ~counts
    g["province_code"] = g["new_code"]
    rows = g[HARMONIZED_COLUMNS].to_dict("records")
    merged = pd.DataFrame(rows, columns=HARMONIZED_COLUMNS)
    # A unit reported on the 34 basis wins over one rebuilt from late 63-basis reports.
    both = pd.concat([current[HARMONIZED_COLUMNS], merged], ignore_index=True)
    both = both.drop_duplicates(["dataset", "province_code", "indicator", "period"], keep="first")
    log_frame = pd.DataFrame(
        log, columns=["dataset", "province_code", "indicator", "period", "reason"]
    )
    return both.reset_index(drop=True), log_frame


# --- the whole step ------------------------------------------------------------------------


def discover_inputs(raw_dir: Path | None = None) -> list[Path]:
    """Every CSV and XLSX under ``data/raw`` except reference tables and published extracts."""
    root = Path(raw_dir or paths.raw_dir())
    found = [
        p
        for p in root.rglob("*")
        if p.suffix.lower() in (".csv", ".xlsx", ".xlsm")
        and p.is_file()
        and not p.name.startswith((".", "~$"))
    ]
    skip = {"reference", "published"}
    return sorted(p for p in found if not (set(p.relative_to(root).parts[:-1]) & skip))


@dataclass
class IngestResult:
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
    obs = pd.concat(frames, ignore_index=True) if frames else _empty_frame()
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
