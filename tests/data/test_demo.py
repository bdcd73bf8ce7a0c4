"""The synthetic demo data: layout, units across the merger, constraints, seed facts, files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from analysis.data import demo
from analysis.reference import catalog, geography, population, targets

UNTIL = "2026-10"
COMMUNE_FILE = "demo_communes.csv.gz"


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    # How long this takes is not asserted here: timings belong in benchmarks/, where they are
    # compared with a floor measured in the same run.
    out = tmp_path_factory.mktemp("demo")
    return out, demo.write_demo(out, until=UNTIL)


@pytest.fixture(scope="module")
def frames(written) -> dict[str, pd.DataFrame]:
    return demo.generate_demo(UNTIL)


@pytest.fixture(scope="module")
def read_back(written) -> dict[str, pd.DataFrame]:
    """The written CSV files, read as an ingest would (text, then numbers)."""
    out, files = written
    result = {}
    for path in files:
        if path.name == COMMUNE_FILE:
            continue  # the commune file is tested in tests/test_communes_data.py
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
        for col in ("numerator", "denominator"):
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
        df["value"] = pd.to_numeric(df["value"], errors="coerce")
        result[path.name] = df
    return result


@pytest.fixture(scope="module")
def main_rows(read_back) -> pd.DataFrame:
    """Every row of the family files (the revision file left out)."""
    return pd.concat(
        [df for name, df in read_back.items() if name != demo.REVISIONS_FILE], ignore_index=True
    )


@pytest.fixture(scope="module")
def latent() -> pd.DataFrame:
    return demo.generate_latent(UNTIL)


def test_latest_complete_month():
    assert demo.latest_complete_month(dt.date(2026, 11, 23)) == pd.Period("2026-10", "M")
    assert demo.latest_complete_month(dt.date(2026, 1, 1)) == pd.Period("2025-12", "M")


def test_files_and_sidecars(written, read_back):
    out, files = written
    names = {p.name for p in files}
    assert names == {
        "demo_digital_economy.csv",
        "demo_infrastructure.csv",
        "demo_online_services.csv",
        "demo_project06.csv",
        "demo_plan_execution.csv",
        "demo_revisions.csv",
        COMMUNE_FILE,
    }
    for path in (p for p in files if p.name != COMMUNE_FILE):
        meta = yaml.safe_load(path.with_name(path.name + ".meta.yml").read_text("utf-8"))
        assert meta["synthetic"] is True
        assert meta["generator"] == "analysis.data.demo"
        assert meta["seed"] == demo.DEFAULT_SEED
        assert str(meta["until"]) == UNTIL
        assert "synthetic" in meta["source"]
        assert meta["licence"] and meta["created_for"]
        assert meta["rows"] == len(read_back[path.name])
        assert list(read_back[path.name].columns) == demo.COLUMNS
    side = yaml.safe_load((out / "demo_revisions.csv.meta.yml").read_text("utf-8"))
    assert side["revises"] == "demo_online_services.csv"
    assert not list(out.glob(".*"))  # no temporary files left behind


def test_frames_equal_written_files(frames, read_back):
    assert set(frames) == set(read_back)
    for name, frame in frames.items():
        back = read_back[name]
        pd.testing.assert_frame_equal(
            frame[["province", "basis", "indicator", "period", "numerator", "denominator"]],
            back[["province", "basis", "indicator", "period", "numerator", "denominator"]],
        )
        assert np.allclose(frame["value"].fillna(-1), back["value"].fillna(-1), atol=0.005)


def test_units_per_month(main_rows):
    monthly = [i for i in catalog.indicators().values() if i.frequency == "monthly"]
    codes63 = set(geography.provinces("63")["code"])
    codes34 = set(geography.provinces("34")["code"])
    months = pd.period_range("2022-01", UNTIL, freq="M").astype(str)
    counts = main_rows.groupby(["indicator", "period", "basis"]).size()
    for ind in monthly:
        last = ind.valid_to or UNTIL
        for month in months:
            before = month < str(geography.MERGER_PERIOD)
            basis = "63" if before else "34"
            expected = 0 if month > last else (63 if before else 34)
            if (ind.id, month, basis) == (demo.GAP["indicator"], demo.GAP["period"], "63"):
                expected -= 1
            assert counts.get((ind.id, month, basis), 0) == expected, (ind.id, month)
            other = "34" if before else "63"
            assert counts.get((ind.id, month, other), 0) == 0, (ind.id, month)
    rows = main_rows[main_rows["period"].str.len() == 7]
    pre = rows[rows["period"] < "2025-07"]
    post = rows[rows["period"] >= "2025-07"]
    assert set(pre["province"]) == codes63 and set(pre["basis"]) == {"63"}
    assert set(post["province"]) == codes34 and set(post["basis"]) == {"34"}
    districts = rows[rows["indicator"] == "online_dossier_rate_districts_pct"]
    assert districts["period"].max() == "2025-06"


def test_the_gap(main_rows):
    g = demo.GAP
    hit = main_rows[
        (main_rows["indicator"] == g["indicator"])
        & (main_rows["province"] == g["province"])
        & (main_rows["basis"] == g["basis"])
    ]
    assert g["period"] not in set(hit["period"])
    assert len(hit) == 41  # the other months up to 2025-06
    facts = demo.seed_fact_expectations()
    assert not ((facts["indicator"] == g["indicator"]) & (facts["province"] == g["province"])).any()


def test_annual_digital_economy(main_rows):
    de = main_rows[main_rows["indicator"] == "digital_economy_share_grdp_pct"]
    assert sorted(de["period"].unique()) == ["2022", "2023", "2024", "2025"]
    for year, basis, n in (("2022", "63", 63), ("2024", "63", 63), ("2025", "34", 34)):
        part = de[de["period"] == year]
        assert len(part) == n and set(part["basis"]) == {basis}
    assert de["numerator"].isna().all() and de["denominator"].isna().all()
    assert de["value"].between(0, 100).all()
    # The provinces of the 2022 annual report have their published figures.
    y22 = de[de["period"] == "2022"].set_index("province")["value"]
    for code, value in demo.DIGITAL_ECONOMY_2022_PUBLISHED.items():
        assert y22[code] == value
    assert (y22 > 20).sum() == 5 and ((y22 > 10) & (y22 <= 20)).sum() == 13
    assert (y22 < 5).sum() == 2
    # No annual figure for an incomplete year.
    assert "2026" not in set(demo.generate_demo("2026-11")["demo_digital_economy.csv"]["period"])
    dec = demo.generate_demo("2026-12")["demo_digital_economy.csv"]
    assert set(dec.loc[dec["period"] == "2026", "basis"]) == {"34"}


def test_constraints(main_rows, read_back):
    rows = pd.concat([main_rows, read_back[demo.REVISIONS_FILE]], ignore_index=True)
    kinds = {i.id: i.kind for i in catalog.indicators().values()}
    ratio = rows[rows["indicator"].map(kinds) == "ratio"]
    rate = rows[rows["indicator"].map(kinds) == "rate"]
    assert ratio["numerator"].notna().all() and ratio["denominator"].notna().all()
    assert ratio["value"].isna().all()
    assert (ratio["numerator"] >= 0).all()
    assert (ratio["denominator"] > 0).all()
    assert (ratio["numerator"] <= ratio["denominator"]).all()
    assert rate["value"].notna().all() and rate["value"].between(0, 100).all()
    keys = ["province", "basis", "indicator", "period"]
    assert not main_rows.duplicated(keys).any()
    assert rows.duplicated(keys).sum() == 1  # the revised figure


def _latent_sums(latent: pd.DataFrame) -> pd.DataFrame:
    cw = geography.crosswalk().set_index("old_code")["new_code"]
    post = latent[(latent["period"] >= "2025-07") & (latent["period"].str.len() == 7)].copy()
    post["province"] = post["province"].map(cw)
    return post.groupby(["province", "indicator", "period"])[["numerator", "denominator"]].sum()


def test_post_merger_rows_are_sums_of_latent_constituents(main_rows, latent):
    post = main_rows[(main_rows["basis"] == "34") & (main_rows["period"].str.len() == 7)]
    post = post.set_index(["province", "indicator", "period"])[["numerator", "denominator"]]
    sums = _latent_sums(latent)
    assert len(post) == len(sums)
    joined = post.join(sums, rsuffix="_latent", how="outer")
    assert (joined["numerator"] == joined["numerator_latent"]).all()
    assert (joined["denominator"] == joined["denominator_latent"]).all()
    # Đà Nẵng (48) from 2025-07 = former Đà Nẵng (48) + Quảng Nam (49).
    lat = latent.set_index(["province", "indicator", "period"])
    for ind in ("online_dossier_rate_pct", "villages_mobile_broadband_pct"):
        for col in ("numerator", "denominator"):
            expected = lat.loc[("48", ind, "2025-07"), col] + lat.loc[("49", ind, "2025-07"), col]
            assert post.loc[("48", ind, "2025-07"), col] == expected
    # Pre-merger rows are the latent series themselves.
    pre = main_rows[(main_rows["basis"] == "63")].set_index(["province", "indicator", "period"])
    both = pre.join(lat[["numerator", "denominator", "value"]], rsuffix="_latent", how="inner")
    assert len(both) == len(pre)
    assert (both["numerator"].fillna(-1) == both["numerator_latent"].fillna(-1)).all()
    assert np.allclose(both["value"].fillna(-1), both["value_latent"].fillna(-1))


def test_annual_rate_after_merger_is_population_weighted(main_rows, latent):
    pop = population.population_63(2025)  # the latest published year, 2024
    cw = geography.crosswalk().set_index("old_code")["new_code"]
    lat = latent[(latent["indicator"] == "digital_economy_share_grdp_pct")]
    lat = lat[lat["period"] == "2025"].set_index("province")["value"]
    w = pop.reindex(lat.index)
    expected = (lat * w).groupby(cw.reindex(lat.index)).sum() / w.groupby(
        cw.reindex(lat.index)
    ).sum()
    got = main_rows[
        (main_rows["indicator"] == "digital_economy_share_grdp_pct")
        & (main_rows["period"] == "2025")
    ].set_index("province")["value"]
    assert np.allclose(got.sort_index(), expected.round(2).sort_index())


def test_latent_shapes(latent):
    lat = latent[latent["period"].str.len() == 7].copy()
    inds = catalog.indicators()
    lat["v"] = lat["numerator"] / lat["denominator"]
    lat = lat.sort_values(["indicator", "province", "period"])
    stocks = [i for i in inds.values() if i.temporal == "stock" and i.frequency == "monthly"]
    for ind in stocks:
        part = lat[lat["indicator"] == ind.id]
        diffs = part.groupby("province")["v"].diff().dropna()
        if ind.id == "dx_plan_tasks_overdue_pct":
            assert (diffs < 0).any() and part["v"].mean() < 0.1
        else:
            # integer ratios: a later month never shows a lower share
            assert (diffs >= -1e-12).all(), ind.id
    # Flows move up and down around a rising trend.
    flow = lat[lat["indicator"] == "online_dossier_rate_pct"]
    assert (flow.groupby("province")["v"].diff().dropna() < 0).mean() > 0.2
    yearly = flow.assign(year=flow["period"].str[:4]).groupby("year")["v"].median()
    assert yearly.is_monotonic_increasing
    # A stall: Lai Châu's online-service stock flat for 12 months from 2023-03.
    full = lat[(lat["indicator"] == "full_process_online_services_pct") & (lat["province"] == "12")]
    window = full[(full["period"] >= "2023-03") & (full["period"] <= "2024-02")]
    assert window["numerator"].max() - window["numerator"].min() <= 2


def test_status_mix_for_2026_targets(main_rows):
    """The latest month shows some units achieved, and some still far from the target."""
    rows = main_rows[(main_rows["basis"] == "34") & (main_rows["period"] == UNTIL)].copy()
    rows["v"] = 100 * rows["numerator"] / rows["denominator"]
    for ind in catalog.indicators().values():
        target = ind.target_for("2026-12")
        if ind.frequency != "monthly" or target is None or target.deadline.year != 2026:
            continue
        v = rows.loc[rows["indicator"] == ind.id, "v"]
        met = targets.meets_target(v, target.value, ind.higher_is_better)
        assert len(v) == 34
        assert 2 <= met.sum() <= 31, ind.id
        if ind.higher_is_better:
            assert (v < target.value - 1).sum() >= 2, ind.id


def test_seed_fact_expectations():
    exp = demo.seed_fact_expectations()
    assert len(exp) == 23
    assert "qn-04" not in set(exp["fact_id"])  # a target only
    rank = exp.set_index("fact_id").loc["qn-03"]
    assert (rank["indicator"], rank["period"], rank["province"], rank["basis"]) == (
        "ehealth_book_integration_pct",
        "2024-12",
        "49",
        "63",
    )
    assert (rank["rank"], rank["rank_of"]) == (53, 63)
    chip = exp.set_index("fact_id").loc["na-08"]
    assert chip["numerator"] == chip["denominator"] == 2852992
    flow = exp.set_index("fact_id").loc["na-04"]
    assert (flow["aggregate"], flow["period"], flow["value"]) == ("year_flow", "2023", 45.03)
    de = exp.set_index("fact_id").loc["na-11"]
    assert (de["aggregate"], de["period"], de["rank"]) == ("year", "2022", 32)


def test_every_seed_fact_is_reproduced(main_rows, read_back):
    result = demo.check_seed_facts(main_rows)
    assert len(result) == len(demo.seed_fact_expectations())
    assert result["ok"].all(), result.loc[~result["ok"]].to_string()
    # "43 Project 06 models" holds for every month of 2024 in Quảng Nam.
    qn = main_rows[
        (main_rows["indicator"] == "project06_models_pct")
        & (main_rows["province"] == "49")
        & (main_rows["period"].str.startswith("2024-"))
    ]
    assert len(qn) == 12 and (qn["denominator"] == 43).all()


def test_seed_facts_hold_for_another_seed_and_until():
    frames = demo.generate_demo("2025-02", seed=7)
    result = demo.check_seed_facts(pd.concat(frames.values(), ignore_index=True))
    assert result["ok"].all(), result.loc[~result["ok"]].to_string()


def test_history_does_not_depend_on_until(frames):
    shorter = demo.generate_demo("2025-03")["demo_project06.csv"]
    longer = frames["demo_project06.csv"]
    longer = longer[longer["period"] <= "2025-03"].reset_index(drop=True)
    pd.testing.assert_frame_equal(shorter, longer)


def test_revision_changes_exactly_one_cell(read_back):
    rev = read_back[demo.REVISIONS_FILE]
    assert len(rev) == 1
    r = demo.REVISION
    original = read_back[r["file"]]
    keys = ["province", "basis", "indicator", "period"]
    match = original.merge(rev[keys], on=keys)
    assert len(match) == 1
    figures = ["value", "numerator", "denominator"]
    before = match[figures].iloc[0]
    after = rev[figures].iloc[0]
    changed = [
        c
        for c in figures
        if not (pd.isna(before[c]) and pd.isna(after[c])) and before[c] != after[c]
    ]
    assert changed == [r["column"]]
    assert after["numerator"] <= after["denominator"]
    row = rev.iloc[0]
    assert (row["province"], row["basis"], row["indicator"], row["period"]) == (
        r["province"],
        r["basis"],
        r["indicator"],
        r["period"],
    )


def test_byte_identical_and_stale_files_removed(written, tmp_path):
    out, files = written
    (tmp_path / "demo_old_family.csv").write_text("stale\n", encoding="utf-8")
    (tmp_path / "demo_old_family.csv.meta.yml").write_text("synthetic: true\n", encoding="utf-8")
    (tmp_path / "mine.csv").write_text("keep\n", encoding="utf-8")
    again = demo.write_demo(tmp_path, until=UNTIL)
    assert [p.name for p in again] == [p.name for p in files]
    for path in files:
        for name in (path.name, path.name + ".meta.yml"):
            assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    assert not (tmp_path / "demo_old_family.csv").exists()
    assert not (tmp_path / "demo_old_family.csv.meta.yml").exists()
    assert (tmp_path / "mine.csv").exists()
    # An earlier month: no revision file yet, and the one from the later run is removed.
    demo.write_demo(tmp_path, until="2024-05")
    assert not (tmp_path / demo.REVISIONS_FILE).exists()
    assert not (tmp_path / (demo.REVISIONS_FILE + ".meta.yml")).exists()


def test_until_validation():
    with pytest.raises(ValueError):
        demo.generate_demo("2021-12")
