"""What ingest reports when an input is wrong: one :class:`Problem` per cell, row or file.

Every step collects problems instead of stopping at the first, so one run tells the sender
everything to fix; :class:`IngestError` carries them all.

The words of a problem are message keys of ``analysis/core/messages.yml`` (:class:`Msg`), not
text: the same problem is told in Vietnamese to the provincial staff who sent the file
(the default) and in English with ``--lang en``, always naming the file, the sheet and cell
(or row), the column as the file names it, the value found, the reason and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from analysis.core.i18n import DEFAULT_LANG, fmt_decimal, fmt_number, fmt_period, normalize_lang, t

SHOWN_CHARACTERS = 60
"""A value longer than this is cut in messages (the file keeps it whole)."""


def shorten(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, so one cell cannot flood a message."""
    return text if len(text) <= limit else text[:limit] + "…"


@dataclass(frozen=True)
class Num:
    """A number in a message, written the language's way (``51,17`` / ``51.17``)."""

    value: float
    decimals: int = 2

    def render(self, lang: str | None = DEFAULT_LANG) -> str:
        if self.decimals == 0:
            return fmt_number(self.value, lang)
        return fmt_decimal(self.value, lang, self.decimals)


@dataclass(frozen=True)
class Label:
    """A message of another section of ``messages.yml`` used as a value (full key)."""

    key: str

    def render(self, lang: str | None = DEFAULT_LANG) -> str:
        return t(self.key, lang)


@dataclass(frozen=True)
class Choice:
    """A value written one way in Vietnamese and another in English (an indicator's name)."""

    vi: str
    en: str

    def render(self, lang: str | None = DEFAULT_LANG) -> str:
        return self.en if normalize_lang(lang) == "en" else self.vi


@dataclass(frozen=True)
class PeriodText:
    """A period in a message, as the language writes it (``tháng 10/2026`` / ``October
    2026``)."""

    period: str

    def render(self, lang: str | None = DEFAULT_LANG) -> str:
        return fmt_period(self.period, lang)


@dataclass(frozen=True)
class Msg:
    """One message of the ``ingest`` section of ``messages.yml`` with its values.

    Values may be text (file names, values as typed: shown as they are), numbers
    (:class:`Num`), other messages (rendered in the same language) or lists of these (joined
    with commas). ``Msg("reason.rate_bounds", low=Num(0, 0), high=Num(100, 0))``.
    """

    key: str
    args: tuple[tuple[str, Any], ...] = ()

    def __init__(self, key: str, **kwargs: Any) -> None:
        object.__setattr__(self, "key", key)
        object.__setattr__(
            self,
            "args",
            tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items()),
        )

    def render(self, lang: str | None = DEFAULT_LANG) -> str:
        values = {name: _render(value, lang) for name, value in self.args}
        return t(f"ingest.{self.key}", lang, **values)

    def get(self, name: str, default: Any = None) -> Any:
        """The value given for ``name``."""
        return dict(self.args).get(name, default)

    def __str__(self) -> str:
        return self.render(DEFAULT_LANG)


def _render(value: Any, lang: str | None) -> str:
    if isinstance(value, Msg | Num | Label | PeriodText | Choice):
        return value.render(lang)
    if isinstance(value, tuple):
        return ", ".join(_render(v, lang) for v in value)
    return str(value)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one cell (or row, or file) of an input.

    ``column`` names the column as the file names it; a problem that affects several columns of
    the same row names the first in ``column`` and all of them in ``columns``
    (see :func:`merge_columns`). ``sheet`` and ``cell`` say where it is in a workbook
    (``cell`` may name several cells: ``M9, N9``); ``sheet=""`` says the problem is the whole
    file's, in no sheet (its name, its folder).
    """

    file: str
    row: int | None
    column: str | None
    value: str | None
    reason: Msg
    hint: Msg
    columns: tuple[str, ...] = ()
    sheet: str | None = None
    cell: str | None = None

    def where(self, lang: str | None = DEFAULT_LANG) -> str:
        """File, sheet, cell or row, column(s) and value, as the message opens."""
        parts = [self.file]
        if self.sheet:
            parts.append(t("ingest.where.sheet", lang, sheet=self.sheet))
        if self.cell:
            key = "ingest.where.cells" if "," in self.cell else "ingest.where.cell"
            parts.append(t(key, lang, cell=self.cell))
        elif self.row is not None:
            parts.append(t("ingest.where.row", lang, row=self.row))
        if len(self.columns) > 1:
            shown = ", ".join(repr(n) for n in self.columns)
            parts.append(t("ingest.where.columns", lang, columns=shown))
        elif self.column:
            parts.append(t("ingest.where.column", lang, column=repr(self.column)))
        where = ", ".join(parts)
        if self.value is not None:
            where += " " + t("ingest.where.value", lang, value=repr(shorten(self.value)))
        return where

    def render(self, lang: str | None = DEFAULT_LANG) -> str:
        """The whole message: where, the reason, what to do."""
        reason = self.reason.render(lang)
        hint = self.hint.render(lang)
        return f"{self.where(lang)}: {reason}. {hint}"

    def __str__(self) -> str:
        return self.render(DEFAULT_LANG)


def merge_columns(problems: Iterable[Problem]) -> list[Problem]:
    """One problem per file, row, value and reason, naming every column it affects.

    A wide file repeats the province and period of a row for each indicator column; the same
    fault found through several columns is one fault for the person who fixes it.
    """
    merged: dict[tuple, list[str]] = {}
    first: dict[tuple, Problem] = {}
    for p in problems:
        key = (p.file, p.sheet, p.row, p.value, p.reason, p.hint)
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


def render_problems(
    problems: Sequence[Problem], lang: str | None = DEFAULT_LANG, written: bool = False
) -> str:
    """Every problem, grouped by file, after a line saying how many and that nothing was
    written (``written``: "to data/processed", the ingest; else the check)."""
    files = list(dict.fromkeys(p.file for p in problems))
    head = t(
        "ingest.refused_head_store" if written else "ingest.refused_head",
        lang,
        problems=len(problems),
        files=len(files),
    )
    lines = [head]
    for file in files:
        mine = [p for p in problems if p.file == file]
        lines.append(t("ingest.refused_file", lang, file=file, problems=len(mine)))
        lines += [f"  - {p.render(lang)}" for p in mine]
    return "\n".join(lines)


class IngestError(Exception):
    """Inputs were refused; ``problems`` lists every one of them."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(render_problems(self.problems, written=True))

    def render(self, lang: str | None = DEFAULT_LANG, written: bool = True) -> str:
        return render_problems(self.problems, lang, written)


class CellError(ValueError):
    """A cell could not be read; the message says why and what to do."""

    def __init__(self, reason: Msg, hint: Msg):
        super().__init__(str(reason))
        self.reason, self.hint = reason, hint
