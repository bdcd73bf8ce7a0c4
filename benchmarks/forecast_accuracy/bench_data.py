"""Benchmark data: the seven data sets, their series, the locked split and the forecast cases.

A *series* is one entity x indicator of one data set. The split into a development part and a
locked test part is fixed by ``split.json`` (seed, locked fraction, wholly locked data sets):
every design choice is made on the development part; the locked part is scored only by
``run.py --locked``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
SPLIT_FILE = HERE / "split.json"
LOWER, UPPER = 0.0, 100.0


def default_data_dir() -> Path:
    """``shared/benchmark-data`` next to the repository (or next to its worktrees' folder)."""
    repo = HERE.parents[1]
    for base in (repo.parent, repo.parent.parent):
        cand = base / "shared" / "benchmark-data"
        if cand.is_dir():
            return cand
    return repo.parent / "shared" / "benchmark-data"


@dataclass(frozen=True)
class Dataset:
    """One benchmark data set: its file, frequency, rolling origins and horizon."""

    key: str
    name: str
    file: str
    freq: str  # "Y" or "M"
    origins: tuple[str, ...]
    horizon: int
    min_history: int


DATASETS = (
    Dataset(
        "internet",
        "internet users % (WDI)",
        "wdi_internet_users_pct_1990_2023.csv",
        "Y",
        ("2006", "2009", "2012", "2015", "2018"),
        5,
        8,
    ),
    Dataset(
        "broadband",
        "fixed broadband /100 (OWID/WB 2015)",
        "owid_fixed_broadband_per100_wb2015.csv",
        "Y",
        ("2007", "2009"),
        5,
        8,
    ),
    Dataset(
        "electricity",
        "access to electricity % (WDI)",
        "wdi_access_to_electricity_annual.csv",
        "Y",
        ("2008", "2011", "2014", "2017"),
        5,
        8,
    ),
    Dataset(
        "cooking",
        "access to clean cooking % (WDI)",
        "wdi_access_clean_cooking_annual.csv",
        "Y",
        ("2008", "2011", "2014", "2017"),
        5,
        8,
    ),
    Dataset(
        "wuenic",
        "newer vaccines coverage % (WUENIC)",
        "wuenic_newer_vaccines_coverage_annual.csv",
        "Y",
        ("2006", "2009", "2012", "2015"),
        5,
        8,
    ),
    Dataset(
        "who_covid",
        "COVID-19 vaccination uptake % (WHO, monthly)",
        "who_covid19_vaccination_uptake_monthly.csv",
        "M",
        ("2021-07", "2021-10", "2022-01", "2022-04", "2022-07", "2022-10"),
        12,
        6,
    ),
    Dataset(
        "owid_covid",
        "people vaccinated /100 (OWID, monthly)",
        "owid_covid19_people_vaccinated_per_hundred_monthly.csv",
        "M",
        ("2021-06", "2021-09", "2021-12", "2022-03"),
        12,
        6,
    ),
)
BY_KEY = {d.key: d for d in DATASETS}


def load_series(data_dir: Path, ds: Dataset) -> dict[str, pd.Series]:
    """Every series of ``ds`` as ``"entity | indicator" -> values`` on a ``PeriodIndex``."""
    df = pd.read_csv(data_dir / ds.file)
    if "is_aggregate" in df.columns:
        df = df[~df["is_aggregate"].astype(bool)]
    df = df.dropna(subset=["value"])
    out = {}
    for (ent, ind), g in df.groupby(["entity", "indicator"], sort=True):
        s = g.groupby(g["period"].astype(str))["value"].last()
        s.index = pd.PeriodIndex(s.index, freq=ds.freq)
        out[f"{ent} | {ind}"] = s.sort_index().astype(float)
    return out


def _unit_hash(seed: int, dataset: str, series: str) -> float:
    """A reproducible number in [0, 1) for one series (sha256, not Python's salted hash)."""
    digest = hashlib.sha256(f"{seed}:{dataset}:{series}".encode()).hexdigest()
    return int(digest[:12], 16) / float(16**12)


def read_split() -> dict:
    """The committed split parameters and the locked series they produce."""
    return json.loads(SPLIT_FILE.read_text(encoding="utf-8"))


def compute_split(data_dir: Path, seed: int, fraction: float, whole: list[str]) -> dict:
    """The split file's content: wholly locked data sets plus a hash-based share of the others."""
    locked: dict[str, list[str]] = {}
    counts: dict[str, dict[str, int]] = {}
    for ds in DATASETS:
        keys = sorted(load_series(data_dir, ds))
        if ds.key in whole:
            chosen = keys
        else:
            chosen = [k for k in keys if _unit_hash(seed, ds.key, k) < fraction]
        counts[ds.key] = {"series": len(keys), "locked": len(chosen)}
        locked[ds.key] = [] if ds.key in whole else chosen
    return {
        "seed": seed,
        "locked_fraction": fraction,
        "locked_datasets": whole,
        "rule": (
            "a series is locked when its data set is in locked_datasets or when "
            "int(sha256(f'{seed}:{dataset}:{series}')[:12], 16) / 16**12 < locked_fraction"
        ),
        "counts": counts,
        "locked_series": locked,
    }


def is_locked(split: dict, dataset: str, series: str) -> bool:
    """Whether one series belongs to the locked test part."""
    if dataset in split["locked_datasets"]:
        return True
    return _unit_hash(split["seed"], dataset, series) < split["locked_fraction"]


@dataclass
class Case:
    """One (series, origin) forecasting problem."""

    dataset: str
    freq: str
    series: str
    origin: str
    history: pd.Series
    future: dict[int, float]  # steps ahead -> actual
    horizon: int


def build_cases(data_dir: Path, part: str, quick: bool = False, seed: int = 0) -> list[Case]:
    """All cases of the ``"dev"`` or ``"locked"`` part; ``quick`` keeps a seeded subsample.

    At each origin a series needs ``min_history`` observations up to and including the origin
    (a value at the origin) and at least one observed value in the next ``horizon`` periods.
    """
    split = read_split()
    rng = np.random.default_rng(seed)
    cases: list[Case] = []
    for ds in DATASETS:
        series = load_series(data_dir, ds)
        keys = [k for k in series if is_locked(split, ds.key, k) == (part == "locked")]
        origins = ds.origins
        if quick:
            n_keep = max(6, len(keys) // 6)
            keys = (
                sorted(rng.choice(keys, size=min(n_keep, len(keys)), replace=False)) if keys else []
            )
            origins = origins[-2:]
        for key in keys:
            cases.extend(_series_cases(ds, key, series[key], origins))
    return cases


def _series_cases(ds: Dataset, key: str, s: pd.Series, origins: tuple[str, ...]) -> list[Case]:
    out = []
    for o in origins:
        origin = pd.Period(o, freq=ds.freq)
        hist = s[s.index <= origin]
        if len(hist) < ds.min_history or hist.index.max() != origin:
            continue
        fut = {
            int((t - origin).n): float(v)
            for t, v in s[s.index > origin].items()
            if (t - origin).n <= ds.horizon
        }
        if fut:
            out.append(Case(ds.key, ds.freq, key, o, hist, fut, ds.horizon))
    return out


SPLIT_SEED = 20261130
SPLIT_FRACTION = 0.3
WHOLLY_LOCKED = ["cooking", "owid_covid"]


def main() -> None:
    """Write ``split.json`` (done once; the committed file is what every run reads)."""
    import argparse

    ap = argparse.ArgumentParser(description="Write the development / locked split file")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--force", action="store_true", help="overwrite an existing split.json")
    args = ap.parse_args()
    if SPLIT_FILE.exists() and not args.force:
        raise SystemExit(f"{SPLIT_FILE} exists; the split is fixed (use --force to rewrite it)")
    content = compute_split(args.data_dir, SPLIT_SEED, SPLIT_FRACTION, WHOLLY_LOCKED)
    SPLIT_FILE.write_text(
        json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps(content["counts"], indent=1))


if __name__ == "__main__":
    main()
