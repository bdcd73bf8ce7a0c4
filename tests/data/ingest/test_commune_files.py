"""Commune indicators in the catalog, the commune demo data, commune files through ingest and
the store's commune_observations table."""

from __future__ import annotations

import gzip

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.data import demo, ingest
from analysis.data.demo import commune_figures
from analysis.data.rebuild import rebuild
from analysis.reference import catalog
from tests.conftest import write_csv

UNTIL = "2026-10"
SHARED = ["online_dossier_rate_pct", "online_payment_rate_pct", "eid_activation_pct"]


def test_catalog_levels():
    commune = catalog.indicators("commune")
    assert list(commune) == [
        "online_dossier_rate_pct",
        "online_payment_rate_pct",
        "dossiers_digitized_pct",
        "dossiers_on_time_pct",
        "eid_activation_pct",
    ]
    province = catalog.indicators()
    assert "dossiers_on_time_pct" not in province and "online_dossier_rate_pct" in province
    assert set(catalog.indicators(None)) == set(province) | set(commune)
    for ind in commune.values():
        assert ind.kind == "ratio" and ind.numerator and ind.denominator and ind.targets
    # Province files cannot use commune-only indicators; any level finds them by id.
    assert catalog.resolve_indicator("dossiers_on_time_pct") is None
    assert catalog.resolve_indicator("dossiers_on_time_pct", "commune") == "dossiers_on_time_pct"
    assert catalog.get("dossiers_on_time_pct").short("vi") == "Giải quyết đúng hạn"


def test_catalog_refuses_an_unknown_level(tmp_path):
    doc = {"indicators": [dict(_entry(), levels=["village"])]}
    path = tmp_path / "indicators.yml"
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    with pytest.raises(catalog.CatalogError, match="levels"):
        catalog._load(str(path))


def _entry() -> dict:
    return {
        "id": "x_pct", "family": "online_services", "name_vi": "X", "name_en": "X", "unit": "%",
        "frequency": "monthly", "kind": "ratio", "temporal": "flow",
        "direction": "higher_is_better", "aggregation": "ratio_of_sums", "bounds": [0, 100],
        "source": "test",
    }  # fmt: skip


# --- demo ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def province_frames() -> dict[str, pd.DataFrame]:
    return demo.generate_demo(UNTIL)


@pytest.fixture(scope="module")
def commune_rows(province_frames) -> pd.DataFrame:
    return commune_figures.generate_commune_demo(province_frames, UNTIL)


def test_commune_demo_months_and_size(commune_rows):
    assert sorted(commune_rows["period"].unique()) == [f"2026-{m:02d}" for m in range(5, 11)]
    assert commune_rows["commune"].nunique() == 3321
    assert set(commune_rows["indicator"]) == set(catalog.indicators("commune"))
    assert len(commune_rows) == 3321 * 5 * 6
    assert (commune_rows["numerator"] <= commune_rows["denominator"]).all()
    assert (commune_rows["denominator"] > 0).all() and (commune_rows["numerator"] >= 0).all()
    assert commune_figures.commune_months("2025-08") == [
        pd.Period("2025-07", "M"),
        pd.Period("2025-08", "M"),
    ]
    assert commune_figures.commune_months("2025-06") == []


def test_commune_counts_add_up_to_the_province_demo(province_frames, commune_rows):
    rows = pd.concat(province_frames.values(), ignore_index=True)
    prov = rows[(rows["basis"] == "34") & rows["indicator"].isin(SHARED)]
    prov = prov[prov["period"] >= "2026-05"].set_index(["indicator", "period", "province"])
    sums = (
        commune_rows[commune_rows["indicator"].isin(SHARED)]
        .groupby(["indicator", "period", "province"])[["numerator", "denominator"]]
        .sum()
    )
    assert len(sums) == len(prov) == 3 * 6 * 34
    joined = sums.join(prov[["numerator", "denominator"]], rsuffix="_province")
    assert (joined["numerator"] == joined["numerator_province"].astype(int)).all()
    assert (joined["denominator"] == joined["denominator_province"].astype(int)).all()


def test_commune_demo_is_deterministic_and_independent_of_until(province_frames, commune_rows):
    again = commune_figures.generate_commune_demo(province_frames, UNTIL)
    pd.testing.assert_frame_equal(again, commune_rows)
    shorter = commune_figures.generate_commune_demo(demo.generate_demo("2026-09"), "2026-09")
    month = commune_rows[commune_rows["period"] == "2026-08"].reset_index(drop=True)
    pd.testing.assert_frame_equal(
        shorter[shorter["period"] == "2026-08"].reset_index(drop=True), month
    )
    rates = commune_rows["numerator"] / commune_rows["denominator"]
    assert rates.groupby(commune_rows["indicator"]).std().min() > 0.03  # communes differ


def test_apportion_and_split_keep_totals_and_caps():
    parts = commune_figures.apportion(10, np.array([1.0, 1.0, 1.0]))
    assert parts.sum() == 10 and sorted(parts) == [3, 3, 4]
    dens = np.array([5, 50, 500])
    nums = commune_figures.split_numerator(400, dens, np.array([2.0, 0.0, -1.0]))
    assert nums.sum() == 400 and (nums <= dens).all()
    assert (commune_figures.split_numerator(555, dens, np.zeros(3)) == dens).all()


def test_write_demo_writes_the_commune_file_with_a_synthetic_sidecar(tmp_path, commune_rows):
    files = demo.write_demo(tmp_path, until=UNTIL)
    path = tmp_path / "demo_communes.csv.gz"
    assert path in files
    meta = yaml.safe_load((tmp_path / "demo_communes.csv.gz.meta.yml").read_text("utf-8"))
    assert meta["synthetic"] is True and meta["level"] == "commune"
    assert meta["rows"] == len(commune_rows)
    text = gzip.decompress(path.read_bytes()).decode("utf-8")
    assert text.splitlines()[0] == ",".join(commune_figures.COLUMNS)
    assert path.stat().st_size < 2_000_000
    first = path.read_bytes()
    demo.write_demo(tmp_path, until=UNTIL)
    assert path.read_bytes() == first  # byte-identical (gzip without a timestamp)


# --- ingest ----------------------------------------------------------------------------------

HEADER = "province,xã,indicator,period,numerator,denominator\n"
PROVINCE_HEADER = "province,indicator,period,numerator,denominator\n"


def _load(path) -> ingest.IngestResult:
    return ingest.load_inputs([path])


@pytest.mark.parametrize(
    "commune",
    ["16702", "Vinh Phú", "Phường Vinh Phú", "vinh phu", "PHUONG VINH PHU", "phường  vinh phú"],
)
def test_a_commune_by_code_or_name_with_or_without_prefix_and_diacritics(workspace, commune):
    path = write_csv(
        workspace / "raw" / "2026-10" / "xa.csv",
        HEADER + f"Nghệ An,{commune},online_dossier_rate_pct,2026-10,627,991\n",
    )
    result = _load(path)
    assert result.problems == []
    row = result.communes.iloc[0]
    assert (row["commune_code"], row["commune_name"]) == ("16702", "Phường Vinh Phú")
    assert (row["province"], row["province_code"], row["dataset"]) == ("nghe_an", "40", "submitted")
    assert row["value"] == pytest.approx(100 * 627 / 991)
    assert result.observations.empty  # commune rows are not province rows


def test_a_commune_code_needs_no_province(workspace):
    path = write_csv(
        workspace / "raw" / "x" / "xa.csv",
        'commune_code,indicator,period,value\n16702,dossiers_on_time_pct,2026-10,"94,5%"\n',
    )
    result = _load(path)
    assert result.problems == []
    assert result.communes.iloc[0]["value"] == pytest.approx(94.5)


def test_ambiguous_and_unknown_communes_are_refused_with_candidates(workspace):
    path = write_csv(
        workspace / "raw" / "x" / "xa.csv",
        HEADER
        + "Thái Nguyên,Van Lang,online_dossier_rate_pct,2026-10,1,2\n"
        + "Nghệ An,Vinh Phuu,online_dossier_rate_pct,2026-10,1,2\n"
        + ",Vinh Phú,online_dossier_rate_pct,2026-10,1,2\n"
        + "Hà Nội,16702,online_dossier_rate_pct,2026-10,1,2\n",
    )
    problems = _load(path).problems
    assert [(p.row, p.column) for p in problems] == [(2, "xã"), (3, "xã"), (4, "xã"), (5, "xã")]
    assert problems[0].value == "Van Lang" and "ambiguous commune name in Thái Nguyên" in problems[
        0
    ].reason.render("en")
    assert "Xã Văn Lang (02143), Xã Văn Lăng (05665)" in problems[0].hint.render("en")
    assert "no commune of this name in Nghệ An" in problems[1].reason.render("en")
    assert "Phường Vinh Phú (16702)" in problems[1].hint.render("en")
    assert "needs its province" in problems[2].reason.render("en")
    assert "is in Nghệ An, not in Hà Nội" in problems[3].reason.render("en")
    assert all(
        p.file.endswith("xa.csv") and "5-digit commune code" in p.hint.render("en")
        for p in problems
    )


def test_commune_rows_are_checked_like_province_rows(workspace):
    path = write_csv(
        workspace / "raw" / "x" / "xa.csv",
        HEADER
        + "Nghệ An,16702,online_dossier_rate_pct,2025-06,1,2\n"
        + "Nghệ An,16702,households_fibre_pct,2026-10,1,2\n"
        + "Nghệ An,16702,online_dossier_rate_pct,2026-10,9,2\n"
        + "Nghệ An,16702,online_payment_rate_pct,2026-10,1,2\n"
        + "Nghệ An,Vinh Phú,online_payment_rate_pct,2026-10,1,3\n",
    )
    problems = _load(path).problems
    reasons = {p.row: p.reason.render("en") for p in problems}
    assert "before 2025-07" in reasons[2]
    assert "not a commune-level indicator" in reasons[3]
    assert "numerator above denominator" in reasons[4]
    assert (
        "conflicting duplicate" in reasons[6]
        and "online_payment_rate_pct of Phường Vinh Phú (16702), October 2026" in reasons[6]
    )


def test_province_files_refuse_commune_only_indicators(workspace):
    path = write_csv(
        workspace / "raw" / "x" / "p.csv",
        PROVINCE_HEADER + "Nghệ An,dossiers_on_time_pct,2026-10,1,2\n",
    )
    (problem,) = _load(path).problems
    assert problem.reason.render("en") == "unknown indicator" and problem.column == "indicator"


def _store_rows(data) -> tuple[pd.DataFrame, dict]:
    with duckdb.connect(str(data / "processed" / "dx.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT * FROM commune_observations ORDER BY commune_code").df()
        types = {r[0]: r[1] for r in con.execute("DESCRIBE commune_observations").fetchall()}
    return rows, types


def test_store_holds_commune_observations(workspace):
    write_csv(
        workspace / "raw" / "2026-10" / "xa.csv",
        HEADER
        + "Nghệ An,Vinh Phú,online_dossier_rate_pct,2026-10,627,991\n"
        + "Nghệ An,Xã Văn Hiến,online_dossier_rate_pct,2026-10,10,20\n",
    )
    rebuild(workspace / "raw" / "published")
    rows, types = _store_rows(workspace)
    assert list(rows.columns) == [
        *ingest.COMMUNE_COLUMNS[:8],
        "period_start",
        *ingest.COMMUNE_COLUMNS[8:],
    ]
    assert types["period_start"] == "DATE" and types["value"] == "DOUBLE"
    assert rows["commune_code"].tolist() == ["16702", "17677"]
    assert rows["period"].tolist() == ["2026-10", "2026-10"]
    assert str(rows["period_start"].iloc[0])[:10] == "2026-10-01"
    assert rows["is_synthetic"].tolist() == [False, False]


def test_store_without_commune_files_has_an_empty_commune_table(workspace):
    write_csv(
        workspace / "raw" / "2026-10" / "p.csv",
        PROVINCE_HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,1,2\n",
    )
    rebuild(workspace / "raw" / "published")
    rows, types = _store_rows(workspace)
    assert rows.empty and types["period_start"] == "DATE"


def test_ingest_command_counts_the_commune_figures(workspace):
    from click.testing import CliRunner

    from analysis.cli import main

    write_csv(
        workspace / "raw" / "2026-10" / "xa.csv",
        HEADER
        + "Nghệ An,Vinh Phú,online_dossier_rate_pct,2026-10,627,991\n"
        + "Nghệ An,17677,online_dossier_rate_pct,2026-10,10,20\n",
    )
    built = CliRunner().invoke(main, ["ingest"])
    assert built.exit_code == 0, built.output
    assert "2 commune figures (commune_observations)" in built.output
