"""Real published figures (data/raw/published/real): shipped as collected, read unchanged."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from click.testing import CliRunner

from analysis.cli import main
from analysis.data import across_merger, published_real, store
from analysis.reference import measures

ROOT = Path(__file__).resolve().parents[2]
REAL = ROOT / "data" / "raw" / "published" / "real"
LICENCE = "none stated; facts from government portals; collected by third parties"


def _data_files() -> list[Path]:
    return sorted(
        p for p in REAL.iterdir() if p.suffix in (".csv", ".json") and not p.name.startswith(".")
    )


def test_every_real_file_ships_with_its_provenance_and_unchanged_bytes():
    files = _data_files()
    assert len(files) == 7
    for path in files:
        meta = yaml.safe_load(path.with_name(path.name + ".meta.yml").read_text("utf-8"))
        assert meta["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest(), path.name
        assert meta["licence"] == LICENCE
        assert meta["synthetic"] is False
        origin = meta["collected_from"]
        assert re.fullmatch(r"[0-9a-f]{40}", origin["commit"]), path.name
        assert origin["repository"] in ("PhamQuyNam/PMNM_HaUI.DNK_2025", "duynghiaqn/Crawler-766")
        assert ".gov.vn" in meta["source_url"], path.name
        assert meta["source"] and meta["covers"] and meta["basis"] in ("63", "34", "national")


def test_the_commune_crosswalk_is_not_shipped_here():
    assert not [p for p in REAL.iterdir() if "crosswalk" in p.name]


# --- reading ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def everything() -> pd.DataFrame:
    return across_merger.with_derived(published_real.read_real_published(REAL))


@pytest.fixture(scope="module")
def real(everything) -> pd.DataFrame:
    """The published rows only."""
    return everything[everything["status"] == published_real.PUBLISHED]


@pytest.fixture(scope="module")
def derived(everything) -> pd.DataFrame:
    return everything[everything["status"] == published_real.DERIVED]


def _one(real: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=real.index)
    for col, value in where.items():
        mask &= real[col] == value
    found = real[mask]
    assert len(found) == 1, (where, len(found))
    return found.iloc[0]


def test_dti_figures_and_ranks_as_the_ministry_published_them(real):
    dti = real[real["measure"] == "dti_overall"]
    da_nang = _one(dti, province="da_nang", year=2022)
    assert (da_nang["value"], da_nang["rank"], da_nang["rank_of"]) == (0.8002, 1, 63)
    assert da_nang["basis"] == "63" and da_nang["geography_as_published"] == "TP. Đà Nẵng"
    assert (_one(dti, province="nghe_an", year=2022)[["rank", "rank_of"]] == [52, 63]).all()
    assert (_one(dti, province="quang_nam", year=2024)[["rank", "rank_of"]] == [57, 63]).all()
    in_2024 = dti[dti["year"] == 2024]
    assert in_2024["province_code"].nunique() == 63
    assert round(in_2024["value"].mean(), 4) == 0.6961
    pillars = real[(real["province"] == "da_nang") & (real["year"] == 2022)]
    assert pillars.set_index("measure")["value"][
        ["dti_digital_government", "dti_digital_economy", "dti_digital_society"]
    ].tolist() == [0.8575, 0.7836, 0.5197]


def test_computed_dti_ranks_equal_the_collectors_ranked_copy(real):
    ranked = pd.read_csv(REAL / "dti_provincial_2022_2024.csv", dtype={"dti_pdti": str})
    dti = real[real["measure"] == "dti_overall"]
    mine = dict(zip(zip(dti["year"], dti["geography_as_published"]), dti["rank"], strict=True))
    theirs = dict(zip(zip(ranked["year"], ranked["province"]), ranked["rank_dti"], strict=True))
    assert mine == theirs


def test_every_value_is_the_cell_of_its_file_unchanged(real):
    for file, rows in real[real["row"].notna()].groupby("file"):
        raw = pd.read_csv(ROOT / file, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        for rec in rows.itertuples():
            cell = raw.iloc[rec.row - 2][rec.field]
            if rec.value_text:
                assert rec.value_text == cell and rec.value == float(cell), (file, rec.row)
            else:  # a share computed from counts: the numerator is the cell, read as a count
                assert rec.numerator == published_real.thousands(cell, file)


def test_national_block_of_index_766(real):
    online = _one(real, measure="dossiers_online_pct")
    assert pd.isna(online["province_code"]) and online["geography_as_published"] == "Cả nước"
    assert online["value"] == 94.88
    assert (online["numerator"], online["denominator"]) == (13_913_639, 14_664_697)
    assert (online["frequency"], online["as_of"], online["year"]) == (
        "year_to_date",
        "2026-10-10",
        2026,
    )
    total = real[(real["measure"] == "index766_total") & real["province_code"].isna()]
    assert total["value"].tolist() == [62.59] and total["max_points"].tolist() == [100]
    doc = json.loads((REAL / "index766_national_2026ytd_2026-10-10.json").read_text("utf-8"))
    groups = real[real["field"].fillna("").str.startswith("radar.")]
    assert sorted(groups["max_points"]) == sorted(g["maxScore"] for g in doc["radar"])


def test_index_766_names_of_people_s_committees_match_the_34_units(real):
    annual = real[(real["measure"] == "index766_total") & (real["frequency"] == "annual")]
    assert annual.groupby("year")["province_code"].nunique().tolist() == [34, 34, 34]
    assert (annual["basis"] == "34").all()
    ytd = real[(real["measure"] == "index766_total") & (real["frequency"] == "year_to_date")]
    dong_thap = _one(ytd, province="dong_thap")
    assert (dong_thap["value"], dong_thap["rank"], dong_thap["rank_of"]) == (68.8, 1, 34)
    assert dong_thap["as_of"] == "2026-10-10" and dong_thap["rank_method"] == "as published"
    hue = _one(ytd, geography_as_published="UBND Thành phố Huế")
    assert hue["province"] == "hue"


@pytest.mark.parametrize(
    ("text", "count"),
    [("2.154", 2154), ("1.13", 1130), ("1.1", 1100), ("288", 288), ("1.000.5", 1_000_500)],
)
def test_counts_with_a_dot_between_thousands(text, count):
    assert published_real.thousands(text, "f") == count


@pytest.mark.parametrize("text", ["1,13", "1.2345", "12.34.5", "", "n/a"])
def test_a_cell_that_is_not_a_count_is_refused(text):
    with pytest.raises(published_real.PublishedFileError, match="is not a count"):
        published_real.thousands(text, "f, row 3")


def test_procedures_online_by_province(real):
    procs = real[(real["measure"] == "procedures_fully_online_pct") & real["row"].notna()]
    lai_chau = _one(procs, province="lai_chau")
    assert (lai_chau["numerator"], lai_chau["denominator"]) == (288, 2154)
    assert lai_chau["value"] == pytest.approx(100 * 288 / 2154)
    unknown = procs[procs["province_code"].isna()]
    assert sorted(unknown["geography_as_published"]) == ["Phú Thọ"] * 2 + ["Thanh Hóa"] * 3
    assert len(procs) == 34 and procs["province_code"].nunique() == 29  # the rest named once


def test_a_copy_whose_counts_do_not_add_up_is_refused(tmp_path):
    src = (REAL / "admin_procedures_by_province_raw.csv").read_text("utf-8-sig")
    (tmp_path / "admin_procedures_by_province_raw.csv").write_text(
        src.replace("Lai Châu,2.154,", "Lai Châu,2.155,"), encoding="utf-8"
    )
    with pytest.raises(published_real.PublishedFileError, match=r"row 2: .*2155"):
        published_real.read_real_published(tmp_path)


def test_a_file_without_a_reader_is_refused(tmp_path):
    (tmp_path / "something_else.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with pytest.raises(published_real.PublishedFileError, match="something_else.csv: no reader"):
        published_real.read_real_published(tmp_path)


def test_a_merged_unit_gets_the_population_weighted_mean_of_its_former_provinces(derived):
    hung_yen = _one(derived, province="hung_yen", measure="dti_overall", year=2023)
    # Hưng Yên 0.6855 (1,301.0 thousand people) and Thái Bình 0.6205 (1,882.3), DTI 2023:
    # (0.6855 * 1301 + 0.6205 * 1882.3) / 3183.3 = 2059.80265 / 3183.3 = 0.6470652...
    assert hung_yen["value"] == pytest.approx(0.6470652, abs=1e-7)
    assert hung_yen["basis"] == "34" and hung_yen["status"] == "derived, not published"
    assert pd.isna(hung_yen["rank"]) and hung_yen["value_text"] == ""
    assert "Thái Bình 0.6205 x 1882.3" in hung_yen["note"]


def test_a_unit_kept_whole_keeps_its_value_and_every_unit_year_is_derived(real, derived):
    kept = _one(derived, province="nghe_an", measure="dti_digital_society", year=2022)
    assert (
        kept["value"]
        == _one(real, province="nghe_an", measure="dti_digital_society", year=2022)["value"]
    )
    assert derived.groupby(["measure", "year"])["province_code"].nunique().eq(34).all()
    assert set(derived["measure"]) == {m for m in measures.measures() if m.startswith("dti_")}


def test_a_former_province_without_a_population_leaves_its_unit_out(real):
    from analysis.data import across_merger

    no_thai_binh = real[
        ~(
            (real["measure"] == "population_thousands")
            & (real["geography_as_published"] == "Thái Bình")
        )
    ]
    out = across_merger.carry_to_34(no_thai_binh)
    assert "hung_yen" not in set(out["province"])
    assert out.groupby(["measure", "year"])["province_code"].nunique().eq(33).all()


def test_catalog_of_published_measures(real):
    known = measures.measures()
    assert set(real["measure"]) <= set(known)
    assert known["population_thousands"].role == "weight"
    assert known["dti_overall"].bounds == (0, 1) and known["dti_overall"].basis == ("63",)
    assert known["dti_overall"].direction == "higher_is_better"
    maxima = {m: known[f"index766_{m}"].max_points for m in ("total", "transparency", "timeliness")}
    assert maxima == {"total": 100, "transparency": 18, "timeliness": 20}
    assert known["index766_total"].frequency == ("annual", "year_to_date")
    assert known["dti_overall"].across_merger == "population_weighted_mean"
    assert known["index766_total"].across_merger is None
    for m in known.values():
        assert m.name_vi and m.name_en and m.unit_vi and m.unit_en and m.source
        in_table = real[real["measure"] == m.id]["value"]
        assert in_table.between(*m.bounds).all(), m.id


def test_the_store_holds_the_real_series_with_their_catalog(use_demo_store):
    from analysis.data import store

    with store.connect() as con:
        row = con.execute(
            "SELECT value, rank, rank_of, status FROM published_real WHERE measure = "
            "'dti_overall' AND province = 'da_nang' AND year = 2022 AND basis = '63'"
        ).fetchone()
        names = con.execute(
            "SELECT name_vi FROM published_measures WHERE measure = 'dti_overall'"
        ).fetchone()
    assert row == (0.8002, 1, 63, "published")
    assert names == ("Chỉ số chuyển đổi số cấp tỉnh (DTI)",)


# --- published figures alone ------------------------------------------------------------------


def _published_only(workspace: Path) -> None:
    shutil.copytree(ROOT / "data" / "raw" / "published", workspace / "raw" / "published")


def test_published_figures_alone_build_a_store_and_reports_say_what_is_missing(workspace):
    _published_only(workspace)
    built = CliRunner().invoke(main, ["ingest"])
    assert built.exit_code == 0, built.output
    assert "Traceback" not in built.output and "published figures (published_real)" in built.output
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM observations").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM inputs").fetchone() == (0,)
        online = con.execute(
            "SELECT value FROM published_real WHERE measure = 'dossiers_online_pct'"
        ).fetchone()
    assert online == (94.88,)
    for args in (["list", "periods"], ["run", "--period", "2026-10"], ["run"]):
        refused = CliRunner().invoke(main, args)
        assert refused.exit_code == 1, (args, refused.output)
        lines = refused.output.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in refused.output, (args, refused.output)
        assert "no observations in the store" in lines[0]
        assert "published figures only" in lines[0] and "data/raw/<YYYY-MM>/" in lines[0]


def test_an_empty_store_says_it_holds_reference_tables_only(workspace):
    built = CliRunner().invoke(main, ["ingest"])
    assert built.exit_code == 0, built.output
    refused = CliRunner().invoke(main, ["list", "periods"])
    assert refused.exit_code == 1
    assert "it holds reference tables only" in refused.output


def test_a_changed_real_file_stops_ingest_before_anything_is_written(workspace):
    _published_only(workspace)
    path = workspace / "raw" / "published" / "real" / "admin_procedures_by_province_raw.csv"
    path.write_text(path.read_text("utf-8-sig").replace(",288,", ",289,"), encoding="utf-8")
    refused = CliRunner().invoke(main, ["ingest"])
    assert refused.exit_code == 1
    assert "admin_procedures_by_province_raw.csv, row 2:" in refused.output
    assert "nothing was written" in refused.output
    assert not (workspace / "processed" / "dx.duckdb").exists()


def test_monthly_national_series_of_index_766(real):
    months = real[real["measure"] == "index766_monthly_average"].set_index("month")
    assert list(months.index) == list(range(1, 11))
    assert (months.loc[1, "value"], months.loc[10, "value"]) == (37.0, 51.83)
    assert set(months["frequency"]) == {"monthly"} and set(months["as_of"]) == {"2026-10-10"}
    assert months["province_code"].isna().all() and set(months["year"]) == {2026}
    on_time = real[real["measure"] == "dossiers_on_time_pct"].set_index("month")["value"]
    assert (on_time[2], on_time[6]) == (40.8, 82.83)
    assert months.loc[3, "field"] == "monthlyChart_averageScore.03"
