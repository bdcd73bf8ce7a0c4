"""Benchmark data: the eleven data sets, their series, the locked split and the forecast cases.

A *series* is one entity x indicator of one data set. The split into a development part and a
locked test part is fixed by ``split.json`` (seed, locked fraction, wholly locked data sets):
every design choice is made on the development part; the locked part is scored only by
``run.py --locked``. Data sets added later extend the split by the same rule
(``--extend``), leaving every series already assigned where it was.
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


def every(start: str, end: str, months: int) -> tuple[str, ...]:
    """Monthly origins from ``start`` to ``end`` (inclusive), ``months`` apart."""
    first, last = pd.Period(start, freq="M"), pd.Period(end, freq="M")
    return tuple(str(first + k) for k in range(0, (last - first).n + 1, months))


#: Origins of the monthly sets added in the second round: nine months apart, so that they fall
#: in every quarter of the calendar year (year-end pull-forward of car sales, browser release
#: cycles), from when most series exist to a year before the data end.
NINE_MONTHS = 9


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
    Dataset(
        "ev",
        "battery-electric share of new cars % (monthly)",
        "ev_bev_share_new_cars_monthly.csv",
        "M",
        every("2018-06", "2025-06", NINE_MONTHS),
        12,
        6,
    ),
    Dataset(
        "caniuse",
        "web users whose browser supports a feature % (caniuse, monthly)",
        "caniuse_feature_support_global_monthly.csv",
        "M",
        every("2014-03", "2025-06", NINE_MONTHS),
        12,
        6,
    ),
    Dataset(
        "pypl",
        "language / IDE search share % (PYPL, monthly)",
        "pypl_language_ide_search_share_monthly.csv",
        "M",
        every("2014-03", "2025-06", NINE_MONTHS),
        12,
        6,
    ),
    Dataset(
        "android",
        "Android version share % (monthly)",
        "android_platform_version_share_monthly.csv",
        "M",
        every("2010-09", "2018-09", NINE_MONTHS),
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
#: Wholly locked data sets: one annual and one monthly when the split was written (2026-11-30);
#: ``ev`` joined when the four monthly sets of other domains were added (2026-12), chosen before
#: any of them was forecast: the one closest to the product's indicators (a technology's
#: share by country rising towards a bound), so the locked part asks what a new indicator asks.
WHOLLY_LOCKED = ["cooking", "owid_covid", "ev"]


def extend_split(split: dict, data_dir: Path, whole: list[str], when: str) -> dict:
    """``split`` with the data sets it does not cover added by its own rule.

    Series already assigned stay where they are (the rule is a hash of seed, data set and
    series, so recomputing an old data set gives the same series; checked here). New data sets
    named in ``whole`` are wholly locked; the others lock the same hashed share.
    """
    seed, fraction = split["seed"], split["locked_fraction"]
    new = [ds.key for ds in DATASETS if ds.key not in split["counts"]]
    if not new:
        raise SystemExit("split.json already covers every data set")
    bad = [k for k in whole if k not in new and k not in split["locked_datasets"]]
    if bad:
        raise SystemExit(f"{bad}: a data set already in the split cannot become wholly locked")
    added = [k for k in whole if k in new]
    full = compute_split(data_dir, seed, fraction, [*split["locked_datasets"], *added])
    for key in split["counts"]:
        if full["locked_series"][key] != split["locked_series"][key]:
            raise SystemExit(f"{key}: recomputed locked series differ from split.json")
    out = dict(split)
    out["locked_datasets"] = [*split["locked_datasets"], *added]
    out["counts"] = {**split["counts"], **{k: full["counts"][k] for k in new}}
    out["locked_series"] = {**split["locked_series"], **{k: full["locked_series"][k] for k in new}}
    out["extensions"] = [
        *split.get("extensions", []),
        {"date": when, "datasets": new, "wholly_locked": added},
    ]
    return out


def main() -> None:
    """Write ``split.json`` once, or ``--extend`` it to data sets added since."""
    import argparse
    import datetime as dt

    ap = argparse.ArgumentParser(description="Write the development / locked split file")
    ap.add_argument("--data-dir", type=Path, default=default_data_dir())
    ap.add_argument("--force", action="store_true", help="overwrite an existing split.json")
    ap.add_argument(
        "--extend", action="store_true", help="add data sets split.json does not cover yet"
    )
    args = ap.parse_args()
    if args.extend:
        content = extend_split(
            read_split(), args.data_dir, WHOLLY_LOCKED, dt.date.today().isoformat()
        )
    elif SPLIT_FILE.exists() and not args.force:
        raise SystemExit(f"{SPLIT_FILE} exists; the split is fixed (--extend adds data sets)")
    else:
        content = compute_split(args.data_dir, SPLIT_SEED, SPLIT_FRACTION, WHOLLY_LOCKED)
    SPLIT_FILE.write_text(
        json.dumps(content, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    print(json.dumps(content["counts"], indent=1))


if __name__ == "__main__":
    main()
