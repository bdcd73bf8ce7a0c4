"""The official old -> new commune table of the 2025 reorganization, and the history rule.

``data/raw/reference/commune_crosswalk_2025.csv`` (GSO, danhmuchanhchinh.nso.gov.vn; a byte copy
of the flattened sheet of ``commune_crosswalk_2025_nso.xlsx``) lists 10,033 former communes and
the 3,316 new communes they became, each row merged whole (*Nhập toàn bộ*), merged in part
(*Nhập một phần*) or kept (*Giữ nguyên*). The five special zones formed from island districts
without communes have no row.

The table's new-commune codes are those of mid-2025; 262 of them differ from the final GSO codes
the ``vietnam-provinces`` package (and this project) uses. New communes are therefore matched by
name within their province (diacritics kept, then folded), and by code only where two communes
of a province share a folded name.

The history rule (docs/assumptions.md): a new commune carries the summed history of its former
communes only when every one of them went into it whole. A former commune split between
several new ones cannot be summed into all of them, and no share of it is known; the new
communes that received part of one carry no history before 2025-07 (``carries_history``
false, reason ``receives_part_of_split``).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd

from analysis import paths
from analysis.reference import geography
from analysis.reference.communes import commune_key, communes
from analysis.reference.names import fold, nfc

FILE = "commune_crosswalk_2025.csv"
SPECIAL_ZONES_WITHOUT_ROWS = ("11948", "19742", "20333", "21548", "26732")
"""Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo: island districts without communes before
2025-07, so the crosswalk has no row for them (vietnam-provinces codes)."""

HISTORY_REASONS = ("merged_whole", "kept", "receives_part_of_split", "no_former_communes")
"""Why a new commune does or does not carry history (see :func:`history_rule`)."""


def share_of(note: str) -> str:
    """``whole``, ``part`` or ``kept`` from the table's *ghi chú* (spelling variants allowed).

    Anything that moves only part of a former commune (*một phần*, *phần còn lại*) is a part,
    also when the whole population moved ("Nhập một phần diện tích, toàn bộ dân số"): the
    figures of the former commune then belong to more than one new commune.
    """
    folded = re.sub(r"\s+", " ", fold(note.replace("â", "a")))
    if "mot phan" in folded or "phan con lai" in folded:
        return "part"
    if "giu nguyen" in folded:
        return "kept"
    return "whole"


def _clean(text: object) -> str:
    return re.sub(r"\s+", " ", nfc(str(text))).strip() if pd.notna(text) else ""


@lru_cache(maxsize=1)
def _raw() -> pd.DataFrame:
    path = paths.reference_dir() / FILE
    raw = pd.read_csv(path, dtype=str, encoding="utf-8", keep_default_na=False)
    out = pd.DataFrame(
        {
            "province_code": raw["tinh_moi"].str.extract(r"\((\d+)\)\s*$")[0],
            "listed_name": raw["ten_xa_moi"].map(_clean),
            "listed_code": raw["ma_xa_moi"].map(_clean),
            "former_code": raw["ma_xa_cu"].map(_clean),
            "former_name": raw["ten_xa_cu"].map(_clean),
            "former_district": raw["huyen_cu"].map(_clean),
            "former_province": raw["tinh_cu"].map(_clean),
            "note": raw["ghi_chu"].map(_clean),
        }
    )
    out["share"] = out["note"].map(share_of)
    out["source_row"] = range(2, len(out) + 2)
    return out


def _listed_to_package() -> dict[tuple[str, str], str]:
    """(province code, listed code) -> the package's commune code, matched by name."""
    ref = communes()[["commune_code", "full_name", "province_code"]]
    listed = _raw().drop_duplicates(["province_code", "listed_code"])
    out: dict[tuple[str, str], str] = {}
    for diacritics in (True, False):
        left = listed[
            [
                (p, c) not in out
                for p, c in zip(listed.province_code, listed.listed_code, strict=True)
            ]
        ]
        key = lambda names, d=diacritics: names.map(lambda n: commune_key(n, keep_diacritics=d))  # noqa: E731
        hits = left.assign(key=key(left["listed_name"])).merge(
            ref.assign(key=key(ref["full_name"])), on=["province_code", "key"]
        )
        # The same folded name twice in a province (Văn Lăng, Văn Lang): the code decides.
        many = hits.duplicated(["province_code", "listed_code"], keep=False)
        hits = hits[~many | (hits["listed_code"] == hits["commune_code"])]
        hits = hits.drop_duplicates(["province_code", "listed_code"], keep=False)
        out.update(
            zip(
                zip(hits.province_code, hits.listed_code, strict=True),
                hits.commune_code,
                strict=True,
            )
        )
    return out


@lru_cache(maxsize=1)
def _crosswalk() -> pd.DataFrame:
    raw = _raw()
    mapping = _listed_to_package()
    keys = list(zip(raw["province_code"], raw["listed_code"], strict=True))
    df = raw.assign(commune_code=[mapping.get(k) for k in keys])
    provinces = {u.code: u.codename for u in geography.units() if u.basis == "34"}
    df["province"] = df["province_code"].map(provinces)
    return df


def commune_crosswalk() -> pd.DataFrame:
    """Former commune -> new commune, one row per row of the official table.

    Columns: province (codename), province_code, commune_code (the package's code of the new
    commune; empty when the listed name matched none), listed_name, listed_code (as the table
    gives them), former_code, former_name, former_district, former_province, note (*ghi chú*),
    share (``whole`` | ``part`` | ``kept``), source_row (row in the CSV file, header = 1).
    """
    return _crosswalk().copy()


def crosswalk_differences() -> dict[str, pd.DataFrame]:
    """How the official table and the package's list differ.

    ``without_rows``: package communes no row leads to (the five special zones);
    ``unmatched``: new communes of the table the package does not have (none);
    ``code_differs``: new communes whose listed code is not the package's code.
    """
    cw = _crosswalk()
    ref = communes()
    listed = cw.drop_duplicates(["province_code", "listed_code"])
    return {
        "without_rows": ref[~ref["commune_code"].isin(cw["commune_code"])].reset_index(drop=True),
        "unmatched": listed[listed["commune_code"].isna()].reset_index(drop=True),
        "code_differs": listed[
            listed["commune_code"].notna() & (listed["commune_code"] != listed["listed_code"])
        ].reset_index(drop=True),
    }


def history_rule() -> pd.DataFrame:
    """Whether each of the 3,321 communes carries the history of its former communes.

    Columns: commune_code, province, former_communes (how many former communes it received,
    whole or in part), carries_history (bool), reason (one of :data:`HISTORY_REASONS`):

    - ``merged_whole`` / ``kept``: every former commune went into it whole and into no other
      new commune; their figures can be summed into it;
    - ``receives_part_of_split``: at least one former commune was split (between it and
      another new commune, or merged only in part): no history before 2025-07;
    - ``no_former_communes``: the five special zones without rows.
    """
    # One row has no former code: a coastal alluvial area a district managed (Kim Sơn, into Xã
    # Kim Đông), not a commune; it reported no commune figures and does not count.
    cw = _crosswalk().dropna(subset=["commune_code"])
    cw = cw[cw["former_code"] != ""]
    destinations = cw.groupby("former_code")["commune_code"].nunique()
    cw = cw.assign(split=(cw["share"] == "part") | cw["former_code"].map(destinations).gt(1))
    per = cw.groupby("commune_code").agg(
        former_communes=("former_code", "nunique"),
        any_split=("split", "any"),
        all_kept=("share", lambda s: bool((s == "kept").all())),
    )
    ref = communes()[["commune_code", "province"]]
    out = ref.merge(per, left_on="commune_code", right_index=True, how="left")
    out["former_communes"] = out["former_communes"].fillna(0).astype(int)
    reason = pd.Series("merged_whole", index=out.index)
    reason[out["all_kept"].eq(True)] = "kept"
    reason[out["any_split"].eq(True)] = "receives_part_of_split"
    reason[out["former_communes"] == 0] = "no_former_communes"
    out["reason"] = reason
    out["carries_history"] = out["reason"].isin(["merged_whole", "kept"])
    return out[["commune_code", "province", "former_communes", "carries_history", "reason"]]


def carry_history(former: pd.DataFrame) -> pd.DataFrame:
    """Sum former-commune counts into the new communes that may carry them.

    ``former`` has former_code, indicator, period, numerator, denominator (counts; rates
    without counts cannot be summed). A new commune gets a row for an indicator and period
    only when it carries history (:func:`history_rule`) and *every* one of its former communes
    reported (no partial sums, as for provinces). Returns commune_code, indicator, period,
    numerator, denominator, former_communes.
    """
    rule = history_rule().set_index("commune_code")
    carried = rule.index[rule["carries_history"]]
    cw = _crosswalk()
    cw = cw[cw["commune_code"].isin(carried)][["former_code", "commune_code"]].drop_duplicates()
    joined = former.merge(cw, on="former_code", how="inner")
    grouped = joined.groupby(["commune_code", "indicator", "period"], as_index=False).agg(
        numerator=("numerator", "sum"),
        denominator=("denominator", "sum"),
        reported=("former_code", "nunique"),
    )
    grouped["former_communes"] = grouped["commune_code"].map(rule["former_communes"])
    complete = grouped["reported"] == grouped["former_communes"]
    return grouped[complete].drop(columns="reported").reset_index(drop=True)
