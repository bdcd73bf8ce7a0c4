"""What ingest reports when an input is wrong: one :class:`Problem` per cell, row or file.

Every step collects problems instead of stopping at the first, so one run tells the sender
everything to fix; :class:`IngestError` carries them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

SHOWN_CHARACTERS = 60
"""A value longer than this is cut in messages (the file keeps it whole)."""


def shorten(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so one cell cannot flood a message."""
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of an input.

    ``column`` names the column as the file names it; a problem that affects several columns of
    the same row names the first in ``column`` and all of them in ``columns``
    (see :func:`merge_columns`).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: str
    hint: str
    columns: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if len(self.columns) > 1:
            where += ", columns " + ", ".join(repr(n) for n in self.columns)
        elif self.column:
            where += f", column {self.column!r}"
        shown = "" if self.value is None else f" (value {shorten(self.value)!r})"
        return f"{where}{shown}: {self.reason}. {self.hint}"


def merge_columns(problems: Iterable[Problem]) -> list[Problem]:
    """One problem per file, row, value and reason, naming every column it affects.

    A wide file repeats the province and period of a row for each indicator column; the same
    fault found through several columns is one fault for the person who fixes it.
    """
    merged: dict[tuple, list[str]] = {}
    first: dict[tuple, Problem] = {}
    for p in problems:
        key = (p.file, p.row, p.value, p.reason, p.hint)
        columns = merged.setdefault(key, [])
        first.setdefault(key, p)
        for name in p.columns or ((p.column,) if p.column else ()):
            if name not in columns:
                columns.append(name)
    return [
        replace(first[key], column=columns[0] if columns else None, columns=tuple(columns))
        if len(columns) > 1
        else first[key]
        for key, columns in merged.items()
    ]


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


class CellError(ValueError):
    """A cell could not be read; the message says why and what to do."""

    def __init__(self, reason: str, hint: str):
        super().__init__(reason)
        self.reason, self.hint = reason, hint
