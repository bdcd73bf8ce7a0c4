"""What ingest reports when an input is wrong: one :class:`Problem` per cell, row or file.

Every step collects problems instead of stopping at the first, so one run tells the sender
everything to fix; :class:`IngestError` carries them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


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


class CellError(ValueError):
    """A cell could not be read; the message says why and what to do."""

    def __init__(self, reason: str, hint: str):
        super().__init__(reason)
        self.reason, self.hint = reason, hint
