"""The 3,321 communes, wards and special zones of the two-level local government (2025-07-01).

Since 1 July 2025 local government has two levels: the 34 provincial units and, below them,
communes (xã), wards (phường) and special zones (đặc khu). The list and codes come from the
``vietnam-provinces`` package (GSO codes as of 2025-10); the old -> new table of the
reorganization is in :mod:`analysis.reference.commune_crosswalk`.

Names are matched the way people type them: by the 5-digit code, by codename, or by name within
the province, with or without "Xã", "Phường", "Đặc khu" and with or without diacritics. A name
that fits two communes of the province ("Van Lang" is both Văn Lăng and Văn Lang in Thái
Nguyên) is refused with both, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from analysis.reference import geography
from analysis.reference.names import NoMatch, fold, nfc

COLUMNS = [
    "commune_code",
    "name",
    "full_name",
    "kind",
    "codename",
    "province",
    "province_code",
]
KINDS = {"XA": "xa", "PHUONG": "phuong", "DAC_KHU": "dac_khu"}
"""``vietnam_provinces.VietNamDivisionType`` member -> the kind this project stores."""
PREFIXES = {"xa": "Xã", "phuong": "Phường", "dac_khu": "Đặc khu"}
"""The word each kind's full name starts with."""
TOTAL_COMMUNES = 3321
"""Communes, wards and special zones in force since 2025-07-01 (vietnam-provinces 2025.10)."""

_FOLDED_PREFIXES = {"xa": "xa", "phuong": "phuong", "dac khu": "dac_khu", "p.": "phuong"}


def commune_key(text: str, *, keep_diacritics: bool = False) -> str:
    """A matching key: no case, spacing, apostrophe or dash variants (prefixes stay).

    With ``keep_diacritics`` the key still tells Văn Lăng from Văn Lang; without, it is the
    key a name typed without diacritics gives.
    """
    text = nfc(str(text)).replace("’", "'").replace("‘", "'").replace("–", "-")
    base = text.lower() if keep_diacritics else fold(text)
    return re.sub(r"[\s'\-_.,()]+", "", base)


def split_prefix(text: str) -> tuple[str | None, str]:
    """(kind, rest) of a name: ``"Xã Văn Lăng"`` -> ``("xa", "Văn Lăng")``; no prefix -> None."""
    folded = fold(text)
    for prefix, kind in _FOLDED_PREFIXES.items():
        if folded.startswith(prefix + " ") or (prefix.endswith(".") and folded.startswith(prefix)):
            return kind, text[len(prefix) :].strip(" .")
    return None, text


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(text)).strip("_")


@lru_cache(maxsize=1)
def _all() -> pd.DataFrame:
    from vietnam_provinces import Ward

    by_code = {int(u.code): u.codename for u in geography.units() if u.basis == "34"}
    rows = []
    for w in Ward.iter_all():
        full = nfc(w.name).strip()
        kind = KINDS[w.division_type.name]
        name = full.removeprefix(PREFIXES[kind]).strip()
        pcode = int(w.province_code.value)
        rows.append(
            {
                "commune_code": f"{int(w.code.value):05d}",
                "name": name,
                "full_name": full,
                "kind": kind,
                "codename": _slug(name),
                "province": by_code[pcode],
                "province_code": f"{pcode:02d}",
            }
        )
    df = pd.DataFrame(rows, columns=COLUMNS)
    # Names that differ only by diacritics (Văn Lăng, Văn Lang) fold to one slug: such
    # communes carry their code in the codename, so every codename is unique in its province.
    clash = df.duplicated(["province", "codename"], keep=False)
    df.loc[clash, "codename"] = df.loc[clash, "codename"] + "_" + df.loc[clash, "commune_code"]
    return df.sort_values(["province", "commune_code"], ignore_index=True)


def communes(province: str | None = None) -> pd.DataFrame:
    """The communes of one province (code, codename or name) or of the whole country.

    Columns :data:`COLUMNS`, sorted by province codename and commune code.
    """
    df = _all()
    if province is None:
        return df.copy()
    unit = geography.match_province(province, "34")
    return df[df["province"] == unit.codename].reset_index(drop=True)


# --- matching -------------------------------------------------------------------------------


class UnknownCommune(NoMatch):
    """A commune code or name matched nothing, or more than one commune.

    ``kind`` says which (``code``, ``other_province``, ``needs_province``, ``ambiguous``,
    ``not_found``) and ``details`` the names involved, for messages in other languages.
    """

    def __init__(
        self,
        query: str,
        candidates: list[str],
        reason: str,
        kind: str = "not_found",
        **details: str,
    ):
        super().__init__(query, candidates, reason)
        self.kind, self.details = kind, details


@dataclass(frozen=True)
class Commune:
    commune_code: str
    name: str
    full_name: str
    kind: str
    codename: str
    province: str
    province_code: str

    @property
    def label(self) -> str:
        """How a message names it: ``Phường Vinh Phú (16702)``."""
        return f"{self.full_name} ({self.commune_code})"


@lru_cache(maxsize=64)
def _index(province: str) -> tuple[dict[str, list[int]], dict[str, list[int]], list[Commune]]:
    """(exact-key -> rows, folded-key -> rows, communes) of one province."""
    rows = [Commune(**r) for r in communes(province).to_dict("records")]
    exact: dict[str, list[int]] = {}
    folded: dict[str, list[int]] = {}
    for i, c in enumerate(rows):
        exact.setdefault(commune_key(c.name, keep_diacritics=True), []).append(i)
        folded.setdefault(commune_key(c.name), []).append(i)
    return exact, folded, rows


@lru_cache(maxsize=1)
def _by_code() -> dict[str, Commune]:
    return {r["commune_code"]: Commune(**r) for r in _all().to_dict("records")}


def by_code(code: str) -> Commune:
    """The commune with a 5-digit code (leading zeros optional); ``UnknownCommune`` if none."""
    key = f"{int(code):05d}" if str(code).strip().isdigit() else str(code)
    try:
        return _by_code()[key]
    except KeyError:
        raise UnknownCommune(str(code), [], "no commune with this code", "code") from None


def match_commune(query: str | int, province: str | None = None) -> Commune:
    """Find a commune by code (``16702``), codename (``vinh_phu``) or name in its province.

    A code is enough on its own (and must then lie in ``province`` when one is given); a name
    or codename needs the province. Names may carry "Xã", "Phường" or "Đặc khu", lack
    diacritics, and use any case or spacing.

    Raises
    ------
    UnknownCommune
        When nothing, or more than one commune, matches; the message lists candidates.
    """
    text = nfc(str(query)).strip()
    unit = geography.match_province(province, "34") if province is not None else None
    if re.fullmatch(r"\d{1,5}", text):
        found = by_code(text)
        if unit is not None and found.province != unit.codename:
            actual = geography.by_codename(found.province).name
            raise UnknownCommune(
                text,
                [found.label],
                f"commune {found.label} is in {actual}, not in {unit.name}",
                "other_province",
                commune=found.label,
                province=actual,
                given=unit.name,
            )
        return found
    if unit is None:
        raise UnknownCommune(text, [], "a commune name needs its province", "needs_province")
    return _match_name(text, unit.codename)


def _match_name(text: str, province: str) -> Commune:
    exact, folded, rows = _index(province)
    for c in rows:
        if c.codename == text:
            return c
    kind, rest = split_prefix(text)
    # "Xã Xá Lượng" is Xá Lượng with its prefix; "Xá Lượng" is a name that merely starts like
    # one: look up both the text as typed and the text without a prefix.
    typed = dict.fromkeys([text, rest])
    for index, diacritics in ((exact, True), (folded, False)):
        hits = sorted(
            {i for t in typed for i in index.get(commune_key(t, keep_diacritics=diacritics), [])}
        )
        if kind is not None and len(hits) > 1:
            # "Phường Mỹ Tho" against Phường Mỹ Tho and Xã Mỹ Thọ: the prefix decides.
            hits = [i for i in hits if rows[i].kind == kind] or hits
        if len(hits) == 1:
            return rows[hits[0]]
        if len(hits) > 1:
            labels = [rows[i].label for i in hits]
            province_name = geography.by_codename(province).name
            raise UnknownCommune(
                text,
                labels,
                f"ambiguous commune name in {province_name}",
                "ambiguous",
                province=province_name,
            )
    province_name = geography.by_codename(province).name
    raise UnknownCommune(
        text,
        commune_candidates(text, province),
        f"no commune of this name in {province_name}",
        "not_found",
        province=province_name,
    )


def commune_candidates(text: str, province: str, limit: int = 3) -> list[str]:
    """The ``limit`` closest communes of a province to ``text`` (rapidfuzz), as labels."""
    from rapidfuzz import fuzz, process

    _exact, _folded, rows = _index(province)
    choices = {i: commune_key(c.name) for i, c in enumerate(rows)}
    found = process.extract(
        commune_key(split_prefix(text)[1]), choices, scorer=fuzz.WRatio, limit=limit
    )
    return [rows[i].label for _key, _score, i in found]
