"""Small text helpers shared by name matching and normalization."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\ufeff]+")


def nfc(text: str) -> str:
    """Unicode NFC, the form every stored string uses."""
    return unicodedata.normalize("NFC", text)


def clean_cell(text: str) -> str:
    """Strip BOM, non-breaking and repeated spaces; NFC."""
    text = str(text)
    if text.isascii() and "  " not in text and "\t" not in text and "\n" not in text:
        return text.strip()  # the common case, without regex or normalization
    return _SPACES.sub(" ", nfc(str(text))).strip()


def strip_diacritics(text: str) -> str:
    """Remove Vietnamese diacritics (``đ`` becomes ``d``, which NFD alone does not do)."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")


@lru_cache(maxsize=65536)  # a large file folds the same few hundred texts millions of times
def fold(text: str) -> str:
    """A key for loose comparison: no diacritics, lower case, single spaces."""
    return clean_cell(strip_diacritics(clean_cell(text))).lower()


class NoMatch(KeyError):
    """A name or code matched nothing, or more than one place: the query, the closest
    candidates and the reason, in one readable message (``message`` when the reason says it
    all, as for a former province: its current unit, not a guess)."""

    def __init__(self, query: str, candidates: list[str], reason: str, message: str | None = None):
        self.query, self.candidates, self.reason = query, candidates, reason
        hint = f"; did you mean: {', '.join(candidates)}" if candidates else ""
        super().__init__(message or f"{reason}: {query!r}{hint}")

    def __str__(self) -> str:  # KeyError quotes its message otherwise
        return self.args[0]
