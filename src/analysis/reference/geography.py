"""Provinces (the 34 current units and the 63 before 1 July 2025), regions, the crosswalk, and
province name matching.

The 34 current units come from the ``vietnam-provinces`` package (GSO codes as of 2025-10);
the 63 former provinces and the 63 -> 34 crosswalk of Resolution 202/2025/QH15 are transcribed in
``data/raw/reference``. Units are keyed by ``(basis, code)``: seven new codes belonged to another
province before, so a bare code is ambiguous.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

import pandas as pd

from analysis import paths
from analysis.core.periods import to_month
from analysis.reference.names import NoMatch, fold, nfc

Basis = Literal["63", "34"]
MERGER_PERIOD = pd.Period("2025-07", freq="M")
"""First month reported on the 34-unit basis (Resolution 202/2025/QH15, effective 2025-07-01)."""


def basis_for_period(period: pd.Period | str) -> Basis:
    """The administrative basis in force in a month (annual periods: by their last month)."""
    return "34" if to_month(period) >= MERGER_PERIOD else "63"


@dataclass(frozen=True)
class Unit:
    basis: Basis
    code: str
    name: str
    full_name: str
    codename: str
    region: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.basis, self.code)

    @property
    def display_name(self) -> str:
        """The name pages show: the six centrally-run cities as officials write them in lists
        and tables ("TP. Hồ Chí Minh", "TP. Hà Nội", "TP. Huế" ...), provinces by name."""
        if self.basis == "34" and self.full_name.startswith("Thành phố "):
            return f"TP. {self.name}"
        return self.name


def _codename(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")


_PREFIXES = ("thanh pho truc thuoc trung uong", "thanh pho", "tinh", "tp.", "tp ", "t.p.")
# Portals name a province by its people's committee ("UBND tỉnh Khánh Hòa", "UBND Thành phố
# Huế", the Index 766 tables); the committee's name is the province's name after the prefix.
_COMMITTEE = ("uy ban nhan dan ", "ubnd ")


def _strip_prefix(folded: str) -> str:
    for committee in _COMMITTEE:
        if folded.startswith(committee):
            folded = folded[len(committee) :].strip()
            break
    for prefix in _PREFIXES:
        if folded.startswith(prefix):
            return folded[len(prefix) :].strip(" .")
    return folded


@lru_cache(maxsize=1)
def _tables() -> dict[str, pd.DataFrame]:
    ref = paths.reference_dir()
    read = lambda name: pd.read_csv(ref / name, dtype=str, encoding="utf-8")  # noqa: E731
    return {
        "p63": read("provinces_63.csv"),
        "r34": read("regions_34.csv"),
        "crosswalk": read("crosswalk_63_to_34.csv"),
        "regions": read("regions.csv"),
        "aliases": read("province_aliases.csv"),
    }


@lru_cache(maxsize=1)
def units() -> tuple[Unit, ...]:
    """All 97 units: the 63 former provinces and the 34 current ones."""
    import vietnam_provinces as vnp

    t = _tables()
    out: list[Unit] = []
    for row in t["p63"].itertuples():
        out.append(
            Unit("63", row.code, nfc(row.name), nfc(row.name), _codename(row.name), row.region)
        )
    region34 = dict(zip(t["r34"].code, t["r34"].region, strict=True))
    for p in vnp.Province.iter_all():
        code = f"{int(p.code.value):02d}"
        full = nfc(p.name)
        short = full.removeprefix("Thành phố ").strip()
        out.append(Unit("34", code, short, full, p.codename, region34[code]))
    return tuple(out)


def provinces(basis: Basis = "34") -> pd.DataFrame:
    """Units of one basis as a table: code, name, full_name, codename, region (with each
    unit's population: :func:`analysis.reference.population.provinces`)."""
    return pd.DataFrame([u.__dict__ for u in units() if u.basis == basis]).reset_index(drop=True)


def crosswalk() -> pd.DataFrame:
    """63 -> 34: old_code, old_name, new_code, new_name (effective 2025-07-01)."""
    return _tables()["crosswalk"].copy()


def regions() -> pd.DataFrame:
    return _tables()["regions"].copy()


def region_name(region: str, lang: str = "vi") -> str:
    r = regions().set_index("region")
    return str(r.loc[region, "name_en" if lang == "en" else "name_vi"])


def unit(basis: Basis, code: str) -> Unit:
    for u in units():
        if u.basis == basis and u.code == code:
            return u
    raise KeyError(f"no unit with code {code!r} on the {basis} basis")


def by_codename(codename: str, basis: Basis = "34") -> Unit:
    for u in units():
        if u.basis == basis and u.codename == codename:
            return u
    raise KeyError(f"no unit {codename!r} on the {basis} basis")


# --- name matching ---------------------------------------------------------------------------


class UnknownProvince(NoMatch):
    """A province name or code matched nothing, or more than one unit."""


def _key(text: str) -> str:
    """Matching key: no case, diacritics, spacing, punctuation or administrative prefix."""
    k = _strip_prefix(fold(text))
    k = re.sub(r"[\s\-–_.,()]+", " ", k).strip()
    return k.replace(" ", "")


@lru_cache(maxsize=2)
def _name_index(basis: Basis) -> dict[str, set[str]]:
    idx: dict[str, set[str]] = {}

    def add(key: str, code: str) -> None:
        if key:
            idx.setdefault(_key(key), set()).add(code)

    for u in units():
        if u.basis != basis:
            continue
        for text in (u.name, u.full_name, u.codename.replace("_", " ")):
            add(text, u.code)
    for row in _tables()["aliases"].itertuples():
        if row.basis == basis:
            add(row.alias, row.code)
    return idx


def match_province(query: str | int, basis: Basis = "34") -> Unit:
    """Find a unit by code (``40``, ``"08"``), codename (``nghe_an``) or name.

    Names may carry prefixes (Tỉnh, TP., Thành phố), lack diacritics, use any case or spacing,
    or be a known alias (TP.HCM, Sài Gòn, Thừa Thiên Huế). On the 63 basis, a current-unit
    name that absorbed others is still its own former province (Nghệ An -> 40).

    Raises
    ------
    UnknownProvince
        When nothing or more than one unit matches; the message lists candidates.
    """
    text = nfc(str(query)).strip()
    if re.fullmatch(r"\d{1,2}", text):
        code = f"{int(text):02d}"
        try:
            return unit(basis, code)
        except KeyError:
            reason = f"no province with code {code} on the {basis}-unit basis"
            raise UnknownProvince(text, _candidates(text, basis), reason) from None
    codes = _name_index(basis).get(_key(text), set())
    if len(codes) == 1:
        return unit(basis, next(iter(codes)))
    if len(codes) > 1:
        names = sorted(unit(basis, c).name for c in codes)
        raise UnknownProvince(text, names, "ambiguous province name")
    if basis == "34":
        former = _name_index("63").get(_key(text), set())
        if len(former) == 1:
            old = unit("63", next(iter(former)))
            new = successor(old.code)
            raise UnknownProvince(
                text,
                [new.name],
                f"{old.name} became part of {new.name} ({new.codename}) on 2025-07-01; "
                "use the current unit",
                message=(
                    f"{text!r} is a former province: {old.name} became part of {new.name} on "
                    f"1 July 2025. Use the current unit: {new.name} (code {new.code}, or "
                    f"{new.codename})"
                ),
            )
    raise UnknownProvince(text, _candidates(text, basis), "unknown province")


def _candidates(text: str, basis: Basis, limit: int = 3) -> list[str]:
    from rapidfuzz import fuzz, process

    names = {u.name: _key(u.name) for u in units() if u.basis == basis}
    found = process.extract(_key(text), names, scorer=fuzz.WRatio, limit=limit)
    return [name for _key_, _score, name in found]


def successor(old_code: str) -> Unit:
    """The current unit a former province became part of."""
    cw = crosswalk().set_index("old_code")
    return unit("34", str(cw.loc[old_code, "new_code"]))
