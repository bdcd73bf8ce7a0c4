"""Provinces, the 63 -> 34 crosswalk and province name matching."""

from __future__ import annotations

import pandas as pd
import pytest

from analysis.data import published_press
from analysis.reference import geography
from analysis.reference.geography import UnknownProvince, match_province
from tests.conftest import ROOT


def test_unit_counts_and_regions():
    p34, p63 = geography.provinces("34"), geography.provinces("63")
    assert len(p34) == 34 and len(p63) == 63
    assert p34["region"].nunique() == 6 and p63["region"].nunique() == 6
    assert p34["codename"].is_unique


def test_crosswalk_covers_every_former_province_once():
    cw = geography.crosswalk()
    assert len(cw) == 63 and cw["old_code"].is_unique
    assert set(cw["new_code"]) == set(geography.provinces("34")["code"])
    # Đà Nẵng absorbed Quảng Nam; Hà Giang joined Tuyên Quang (code 08 kept by Tuyên Quang).
    assert geography.successor("49").codename == "da_nang"
    assert geography.successor("02").codename == "tuyen_quang"


def test_codes_are_keyed_by_basis():
    # Code 15 was Yên Bái before the merger and is Lào Cai after it.
    assert geography.unit("63", "15").name == "Yên Bái"
    assert geography.unit("34", "15").name == "Lào Cai"


@pytest.mark.parametrize(
    "query, codename",
    [
        ("Nghệ An", "nghe_an"),
        ("Nghe An", "nghe_an"),
        ("nghe_an", "nghe_an"),
        ("40", "nghe_an"),
        (40, "nghe_an"),
        ("Tỉnh Nghệ An", "nghe_an"),
        ("  NGHỆ   AN ", "nghe_an"),
        ("TP.HCM", "ho_chi_minh"),
        ("HCM", "ho_chi_minh"),
        ("Sài Gòn", "ho_chi_minh"),
        ("Thành phố Hồ Chí Minh", "ho_chi_minh"),
        ("TP. Đà Nẵng", "da_nang"),
        ("Thừa Thiên Huế", "hue"),
        ("Thừa Thiên - Huế", "hue"),
        ("Thành phố Huế", "hue"),
        ("Khánh Hoà", "khanh_hoa"),
        ("Khanh Hoa", "khanh_hoa"),
        ("Hà Nội", "ha_noi"),
        ("UBND tỉnh Khánh Hòa", "khanh_hoa"),
        ("UBND Thành phố Huế", "hue"),
        ("UBND thành phố Quảng Ninh", "quang_ninh"),
        ("Ủy ban nhân dân Thành phố Hà Nội", "ha_noi"),
    ],
)
def test_match_current_units(query, codename):
    assert match_province(query, "34").codename == codename


def test_match_former_provinces_on_old_basis():
    assert match_province("Quảng Nam", "63").code == "49"
    assert match_province("Bà Rịa - Vũng Tàu", "63").code == "77"
    assert match_province("Hoà Bình", "63").code == match_province("Hòa Bình", "63").code


def test_unknown_name_lists_candidates():
    with pytest.raises(UnknownProvince) as err:
        match_province("Quang Nm", "34")
    assert "Quảng Ngãi" in err.value.candidates
    assert "unknown province" in str(err.value)


def test_merged_province_named_on_current_basis_says_where_it_went():
    with pytest.raises(UnknownProvince) as err:
        match_province("Quảng Nam", "34")
    assert "Đà Nẵng" in str(err.value) and err.value.candidates == ["Đà Nẵng"]
    with pytest.raises(UnknownProvince) as err:
        match_province("Quảng Bình", "34")
    assert str(err.value) == (
        "'Quảng Bình' is a former province: Quảng Bình became part of Quảng Trị on 1 July "
        "2025. Use the current unit: Quảng Trị (code 44, or quang_tri)"
    )


def test_ambiguous_name_lists_both(monkeypatch):
    tables = dict(geography._tables())
    extra = pd.DataFrame(
        [
            {"basis": "34", "code": "40", "alias": "Xứ Nghệ", "note": ""},
            {"basis": "34", "code": "42", "alias": "Xứ Nghệ", "note": ""},
        ]
    )
    tables["aliases"] = pd.concat([tables["aliases"], extra], ignore_index=True)
    monkeypatch.setattr(geography, "_tables", lambda: tables)
    geography._name_index.cache_clear()
    try:
        with pytest.raises(UnknownProvince) as err:
            match_province("Xu Nghe", "34")
        assert "ambiguous" in str(err.value)
        assert set(err.value.candidates) == {"Nghệ An", "Hà Tĩnh"}
    finally:
        geography._name_index.cache_clear()


def test_every_published_province_name_matches():
    facts = published_press.read_published(ROOT / "data" / "raw" / "published")
    national = facts["geography_as_published"].map(
        lambda n: (
            n.lower().startswith("(")
            or n in {"Việt Nam", "Cả nước", "Khối bộ, ngành", "Khối tỉnh, thành"}
        )
    )
    unmatched = facts[~national & facts["province_code"].isna()]
    assert unmatched.empty, unmatched["geography_as_published"].tolist()
    assert (~national).sum() > 100
    hcm = facts[facts["geography_as_published"].isin(["Tp.HCM", "TP.HCM", "TP. Hồ Chí Minh"])]
    assert set(hcm["province"]) == {"ho_chi_minh"}


def test_basis_for_period():
    assert geography.basis_for_period("2025-06") == "63"
    assert geography.basis_for_period("2025-07") == "34"
    assert geography.basis_for_period(pd.Period("2024", freq="Y")) == "63"
    assert geography.basis_for_period(pd.Period("2025", freq="Y")) == "34"


def test_display_names_of_the_centrally_run_cities():
    cities = {u.codename: u.display_name for u in geography.units() if u.basis == "34"}
    assert {k: v for k, v in cities.items() if v.startswith("TP. ")} == {
        "ha_noi": "TP. Hà Nội",
        "ho_chi_minh": "TP. Hồ Chí Minh",
        "hai_phong": "TP. Hải Phòng",
        "da_nang": "TP. Đà Nẵng",
        "can_tho": "TP. Cần Thơ",
        "hue": "TP. Huế",
    }
    assert cities["nghe_an"] == "Nghệ An"
    # Matching still takes what people type.
    assert geography.match_province("TP. Hồ Chí Minh").codename == "ho_chi_minh"
