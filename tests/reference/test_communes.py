"""The 3,321 communes, the official 2025 crosswalk shipped with the code, the history rule and
commune-name matching."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest
import yaml

from analysis.reference import commune_crosswalk as cc
from analysis.reference import communes
from tests.conftest import ROOT

REFERENCE = ROOT / "data" / "raw" / "reference"


def test_counts_columns_and_order():
    table = communes.communes()
    assert list(table.columns) == communes.COLUMNS
    assert len(table) == 3321 == communes.TOTAL_COMMUNES
    assert table["province"].nunique() == 34
    assert table["kind"].value_counts().to_dict() == {"xa": 2621, "phuong": 687, "dac_khu": 13}
    assert table["commune_code"].str.fullmatch(r"\d{5}").all()
    assert table["commune_code"].is_unique
    assert table.equals(table.sort_values(["province", "commune_code"], ignore_index=True))
    nghe_an = communes.communes("nghe_an")
    assert len(nghe_an) == 130
    assert len(communes.communes("Nghệ An")) == len(communes.communes("40")) == 130


def test_names_kinds_and_codenames():
    table = communes.communes()
    row = table[table["commune_code"] == "16702"].iloc[0]
    assert (row["name"], row["full_name"], row["kind"]) == ("Vinh Phú", "Phường Vinh Phú", "phuong")
    assert (row["codename"], row["province"], row["province_code"]) == ("vinh_phu", "nghe_an", "40")
    assert not table.duplicated(["province", "codename"]).any()
    assert table["codename"].str.fullmatch(r"[a-z0-9_]+").all()
    # Văn Lăng and Văn Lang (Thái Nguyên) fold to one slug: both carry their code.
    tn = table[table["province"] == "thai_nguyen"].set_index("commune_code")["codename"]
    assert tn["05665"] == "van_lang_05665" and tn["02143"] == "van_lang_02143"
    prefixes = table["full_name"].str.split(" ").str[0]
    assert set(prefixes) == {"Xã", "Phường", "Đặc"}


@pytest.mark.parametrize(
    ("query", "province", "code"),
    [
        ("16702", None, "16702"),
        ("16702", "nghe_an", "16702"),
        (16702, None, "16702"),
        ("Vinh Phú", "nghe_an", "16702"),
        ("Phường Vinh Phú", "Nghệ An", "16702"),
        ("phuong vinh phu", "40", "16702"),
        ("VINH PHU", "nghe an", "16702"),
        ("  Vinh   Phú ", "nghe_an", "16702"),
        ("vinh_phu", "nghe_an", "16702"),
        ("Văn Lăng", "thai_nguyen", "05665"),  # diacritics tell it from Văn Lang
        ("Xã Văn Lang", "thai_nguyen", "02143"),
        ("Phường My Tho", "dong_thap", "28261"),  # the prefix tells it from Xã Mỹ Thọ
        ("Cư M'gar", "dak_lak", "24280"),  # straight apostrophe for the typographic one
        ("Đặc khu Côn Đảo", "ho_chi_minh", "26732"),
        ("Con Dao", "ho_chi_minh", "26732"),
    ],
)
def test_match_commune(query, province, code):
    assert communes.match_commune(query, province).commune_code == code


def test_ambiguous_name_is_refused_with_both_candidates():
    with pytest.raises(communes.UnknownCommune) as err:
        communes.match_commune("Van Lang", "thai_nguyen")
    assert "ambiguous" in err.value.reason
    assert err.value.candidates == ["Xã Văn Lang (02143)", "Xã Văn Lăng (05665)"]
    with pytest.raises(communes.UnknownCommune, match="ambiguous"):
        communes.match_commune("My Tho", "dong_thap")


def test_unknown_name_code_and_province_are_refused_with_candidates():
    with pytest.raises(communes.UnknownCommune) as err:
        communes.match_commune("Vinh Phuu", "nghe_an")
    assert "no commune of this name in Nghệ An" in str(err.value)
    assert err.value.candidates[0] == "Phường Vinh Phú (16702)"
    with pytest.raises(communes.UnknownCommune, match="is in Hà Nội, not in Nghệ An"):
        communes.match_commune("00004", "nghe_an")
    with pytest.raises(communes.UnknownCommune, match="no commune with this code"):
        communes.match_commune("99999")
    with pytest.raises(communes.UnknownCommune, match="needs its province"):
        communes.match_commune("Vinh Phú")


# --- the crosswalk ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["commune_crosswalk_2025.csv", "commune_crosswalk_2025_nso.xlsx"])
def test_shipped_crosswalk_files_match_their_sidecars(name):
    path = REFERENCE / name
    meta = yaml.safe_load((REFERENCE / f"{name}.meta.yml").read_text("utf-8"))
    assert meta["file"] == name
    assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert meta["collected_from"]["commit"] == "5577c7e009185c59892df1edd95cb5fde0348ad8"
    assert "nso.gov.vn" in meta["source_url"]


def test_flattened_csv_is_the_workbook_sheet():
    workbook = REFERENCE / "commune_crosswalk_2025_nso.xlsx"
    name = next(n for n in pd.ExcelFile(workbook).sheet_names if "không merge" in n)
    sheet = pd.read_excel(workbook, sheet_name=name, dtype=str, header=None)
    # Data rows name their new province with its code; the rest are headings.
    rows = sheet[sheet[0].fillna("").str.strip().str.contains(r"\(\d{2}\)$")]
    csv = pd.read_csv(REFERENCE / "commune_crosswalk_2025.csv", dtype=str, keep_default_na=False)
    # The workbook also lists the five special zones made from whole island districts (a
    # district, no former commune); the flattened sheet leaves them out.
    districts = rows[rows[1].notna() & rows[4].isna() & rows[3].isna()]
    assert sorted(districts[2]) == sorted(cc.SPECIAL_ZONES_WITHOUT_ROWS)
    assert districts[5].str.startswith("Sắp xếp toàn bộ huyện").all()
    rows = rows[rows[1].notna()].drop(districts.index)
    assert len(rows) == len(csv) == 10566

    def pairs(new: pd.Series, old: pd.Series) -> list[tuple[str, str]]:
        return sorted(zip(new.fillna("").str.strip(), old.fillna("").str.strip(), strict=True))

    assert pairs(rows[2], rows[4]) == pairs(csv["ma_xa_moi"], csv["ma_xa_cu"])


def test_crosswalk_counts_and_differences_with_the_package():
    cw = cc.commune_crosswalk()
    assert len(cw) == 10566
    assert cw.loc[cw["former_code"] != "", "former_code"].nunique() == 10033
    assert cw["listed_code"].nunique() == 3316
    diff = cc.crosswalk_differences()
    # The five special zones formed from island districts without communes: no rows.
    assert sorted(diff["without_rows"]["commune_code"]) == sorted(cc.SPECIAL_ZONES_WITHOUT_ROWS)
    assert set(diff["without_rows"]["kind"]) == {"dac_khu"}
    assert diff["unmatched"].empty  # every new commune of the table is in the package
    # Mid-2025 codes of the table that the final GSO list changed (matched by name instead).
    assert len(diff["code_differs"]) == 247
    hoan_kiem_area = diff["code_differs"].set_index("listed_name").loc["Phường Cửa Nam"]
    assert (hoan_kiem_area["listed_code"], hoan_kiem_area["commune_code"]) == ("00082", "00073")
    assert cw["commune_code"].nunique() == 3316


@pytest.mark.parametrize(
    ("note", "share"),
    [
        ("Nhập toàn bộ", "whole"),
        ("Nhập một phần", "part"),
        ("Nhập một  phần\n", "part"),
        ("Nhâp một phần diện tích", "part"),
        ("Nhập một phần diện tích, toàn bộ dân số", "part"),
        ("Phần còn lại sau khi tách một phần vào xã Canh Vinh", "part"),
        ("Giữ nguyên ", "kept"),
        ("Đổi tên", "whole"),
    ],
)
def test_share_of_note(note, share):
    assert cc.share_of(note) == share


def test_history_rule_marks_communes_that_received_part_of_a_split_commune():
    rule = cc.history_rule().set_index("commune_code")
    assert len(rule) == 3321
    assert rule["reason"].value_counts().to_dict() == {
        "merged_whole": 2774,
        "receives_part_of_split": 415,
        "kept": 127,
        "no_former_communes": 5,
    }
    assert rule["carries_history"].sum() == 2774 + 127
    cw = cc.commune_crosswalk()
    # Former commune 00016 (Phường Ngọc Hà, Ba Đình) was split: every new commune it fed
    # carries no history.
    fed = set(cw.loc[cw["former_code"] == "00016", "commune_code"])
    assert len(fed) > 1
    assert not rule.loc[sorted(fed), "carries_history"].any()
    assert (rule.loc[sorted(fed), "reason"] == "receives_part_of_split").all()
    # Every commune carrying history received only whole former communes, none shared.
    carried = rule.index[rule["carries_history"]]
    rows = cw[cw["commune_code"].isin(carried) & (cw["former_code"] != "")]
    assert (rows["share"] != "part").all()
    destinations = cw[cw["former_code"] != ""].groupby("former_code")["commune_code"].nunique()
    assert destinations[rows["former_code"].unique()].max() == 1


def test_carry_history_sums_whole_merges_only_and_never_partially():
    rule = cc.history_rule().set_index("commune_code")
    cw = cc.commune_crosswalk()
    cw = cw[cw["former_code"] != ""]
    whole = rule.index[(rule["reason"] == "merged_whole") & (rule["former_communes"] == 3)][0]
    split = rule.index[rule["reason"] == "receives_part_of_split"][0]
    formers = cw.loc[cw["commune_code"] == whole, "former_code"].tolist()
    split_formers = cw.loc[cw["commune_code"] == split, "former_code"].tolist()
    rows = [
        {"former_code": f, "indicator": "x", "period": "2025-06", "numerator": 10 * (i + 1),
         "denominator": 100}
        for i, f in enumerate(formers + split_formers)
    ]  # fmt: skip
    # One more month where one former commune of ``whole`` did not report.
    rows += [
        {"former_code": f, "indicator": "x", "period": "2025-05", "numerator": 1, "denominator": 2}
        for f in formers[:-1]
    ]
    out = cc.carry_history(pd.DataFrame(rows))
    assert out["commune_code"].tolist() == [whole]  # no history for ``split``, no partial sum
    got = out.iloc[0]
    assert (got["period"], got["numerator"], got["denominator"]) == ("2025-06", 60, 300)
    assert got["former_communes"] == 3
