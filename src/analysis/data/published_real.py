"""Real provincial series (``data/raw/published/real/``), read as collected into one table.

The files are byte copies of figures published on government portals and collected by third
parties (see the folder's README and each file's sidecar). Each has its own layout, so each has
its own reader below; all give rows of one shape (:data:`COLUMNS`): the unit (matched through
:mod:`analysis.reference.geography` on the basis the file is published on), the measure (an id
of :mod:`analysis.reference.measures`), the year or year-to-date with its as-of date, the value
exactly as written in the file, ranks (published, or computed from the published scores and
said so), the file, row and column it came from, and its status. Nothing is rounded or
corrected; a file that does not look as expected is refused with the file, row, column and
value named.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from analysis import paths
from analysis.reference import geography, measures
from analysis.reference.names import clean_cell

PUBLISHED = "published"
DERIVED = "derived, not published"
COLUMNS = [
    "file",
    "row",
    "field",
    "geography_as_published",
    "basis",
    "province_code",
    "province",
    "province_name",
    "measure",
    "year",
    "month",
    "frequency",
    "as_of",
    "value",
    "value_text",
    "numerator",
    "denominator",
    "max_points",
    "rank",
    "rank_of",
    "rank_method",
    "status",
    "source_url",
    "note",
]
RANK_COMPUTED = "computed from the published scores (1 = highest)"
RANK_PUBLISHED = "as published"

# Column of each file -> measure id.
DTI_COLUMNS = {
    "DTI_Tong": "dti_overall",
    "DTI_ChinhQuyenSo": "dti_digital_government",
    "DTI_KinhTeSo": "dti_digital_economy",
    "DTI_XaHoiSo": "dti_digital_society",
    "HaTangSo": "dti_digital_infrastructure",
}
INDEX766_ANNUAL_COLUMNS = {
    "TongDiem_DVC": "index766_total",
    "CongKhaiMinhBach": "index766_transparency",
    "TienDoGiaiQuyet": "index766_timeliness",
    "DichVuTrucTuyen": "index766_online_service",
    "MucDoHaiLong": "index766_satisfaction",
    "SoHoaHoSo": "index766_digitization",
}
INDEX766_YTD_COLUMNS = {
    "total_score": "index766_total",
    "CKMB_cong_khai_minh_bach_max18": "index766_transparency",
    "TDGQ_tien_do_giai_quyet_max20": "index766_timeliness",
    "CLGQ_dich_vu_truc_tuyen": "index766_online_dossiers",
    "TTTT_thanh_toan_truc_tuyen": "index766_online_payment",
    "MDHL_muc_do_hai_long_max18": "index766_satisfaction",
    "MDSH_so_hoa_ho_so_max22": "index766_digitization",
}
INDEX766_NATIONAL_GROUPS = {
    "CKMB": "index766_transparency",
    "TDGQ": "index766_timeliness",
    "ONLINE_SERVICE": "index766_online_service",
    "MDHL": "index766_satisfaction",
    "MDSH": "index766_digitization",
}
POPULATION_COLUMNS = {
    "dan so": "population_thousands",
    "dan so thanh thi": "urban_population_thousands",
    "grdp_binh quan": "grdp_per_capita_million_vnd",
}
PROCEDURE_COUNTS = {
    "total": "So_TTHC",
    "eligible": "so_tthc_du_dieu_kien_cung_cap_dvc_toan_trinh",
    "full": "so_tthc_da_cung_cap_dvc_truc_tuyen_toan_trinh",
    "partial": "so_tthc_da_cung_cap_dvc_truc_tuyen_mot_phan",
    "none": "so_tthc_chua_cung_cap_dvctt",
}
DTI_URL = "https://dti.gov.vn/xep-hang-2022 ; /xep-hang-2023-all ; /xep-hang-2024-63-tinh"
DVC_URL = "https://dichvucong.gov.vn"
GSO_URL = "https://www.gso.gov.vn (statistical yearbooks)"


class PublishedFileError(ValueError):
    """A real published file does not look as collected; the message says where and why."""


def _where(path: Path, row: int | None = None, column: str | None = None) -> str:
    out = f"data/raw/published/real/{path.name}"
    if row is not None:
        out += f", row {row}"
    if column is not None:
        out += f", column {column!r}"
    return out


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """The file as text cells (a BOM is dropped); refused when an expected column is missing."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame.columns = [clean_cell(c) for c in frame.columns]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise PublishedFileError(
            f"{_where(path)}: columns {missing} are missing (found {list(frame.columns)}); "
            "the file must stay exactly as collected: restore it from its source (see its sidecar)"
        )
    return frame


def decimal(text: str, where: str) -> float:
    """A number written with a decimal point (``0.8002``, ``8435.7``)."""
    try:
        return float(clean_cell(text))
    except ValueError:
        raise PublishedFileError(f"{where}: {text!r} is not a number") from None


def thousands(text: str, where: str) -> int:
    """A count written with '.' between thousands, as the procedures file does.

    The collector's spreadsheet stored ``2.154`` as the number 2.154, so a trailing zero of the
    last group was lost: ``1.13`` is 1,130 and ``1.1`` is 1,100. Only the last group may be
    short; the caller checks the counts against each other.
    """
    s = clean_cell(text)
    groups = s.split(".")
    if not all(g.isdigit() for g in groups) or any(len(g) != 3 for g in groups[1:-1]):
        raise PublishedFileError(f"{where}: {text!r} is not a count")
    if len(groups) > 1 and len(groups[-1]) > 3:
        raise PublishedFileError(f"{where}: {text!r} is not a count")
    if len(groups) > 1:
        groups[-1] = groups[-1].ljust(3, "0")
    return int("".join(groups))


def _unit(name: str, basis: geography.Basis, where: str) -> geography.Unit:
    try:
        return geography.match_province(name, basis)
    except geography.UnknownProvince as exc:
        raise PublishedFileError(f"{where}: {exc}") from None


def _row(path: Path, unit: geography.Unit | None, **fields: object) -> dict:
    """One output row; the unit's columns filled from ``unit`` (``None`` for the country)."""
    out: dict = dict.fromkeys(COLUMNS)
    out.update(
        file=f"data/raw/published/real/{path.name}",
        basis=unit.basis if unit else None,
        province_code=unit.code if unit else None,
        province=unit.codename if unit else None,
        province_name=unit.name if unit else None,
        status=PUBLISHED,
    )
    out.update(fields)
    measure = measures.get(str(out["measure"]))
    if out["max_points"] is None:
        out["max_points"] = measure.max_points
    return out


def _as_of(path: Path) -> str:
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    if not m:
        raise PublishedFileError(f"{_where(path)}: the file name must carry the as-of date")
    return m.group(1)


def _wide(
    path: Path,
    name_col: str,
    year_col: str | None,
    columns: dict[str, str],
    basis: geography.Basis,
    **fields: object,
) -> list[dict]:
    """Rows of a file with one row per unit (and year) and one column per measure."""
    frame = _read_csv(path, [name_col, *columns, *([year_col] if year_col else [])])
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        name = clean_cell(rec[name_col])
        unit = _unit(name, basis, _where(path, i, name_col))
        year = int(decimal(rec[year_col], _where(path, i, year_col))) if year_col else None
        for col, measure in columns.items():
            text = clean_cell(rec[col])
            rows.append(
                _row(
                    path,
                    unit,
                    row=i,
                    field=col,
                    geography_as_published=name,
                    measure=measure,
                    value=decimal(text, _where(path, i, col)),
                    value_text=text,
                    **({"year": year} if year_col else {}),
                    **fields,
                )
            )
    return rows


def read_dti(path: Path) -> list[dict]:
    """DTI 2022-2024, 63 former provinces; ranks computed per year and index (1 = highest)."""
    rows = _wide(
        path, "TinhThanh", "Nam", DTI_COLUMNS, "63", frequency="annual", source_url=DTI_URL
    )
    frame = pd.DataFrame(rows)
    by = frame.groupby(["year", "measure"])["value"]
    frame["rank"] = by.rank(method="min", ascending=False)
    frame["rank_of"] = by.transform("count")
    frame["rank_method"] = RANK_COMPUTED
    return frame.to_dict("records")


def read_index766_annual(path: Path) -> list[dict]:
    """Index 766 by year 2022-2024, on the 34 units the portal answered with (no ranks)."""
    return _wide(
        path,
        "TinhThanh",
        "Nam",
        INDEX766_ANNUAL_COLUMNS,
        "34",
        frequency="annual",
        source_url=DVC_URL,
        note="the portal gave 2022-2024 for the 34 current units; the index began in 2023",
    )


def read_index766_ytd(path: Path) -> list[dict]:
    """Index 766, the year so far (as of the date in the file name), 34 units, with ranks."""
    as_of = _as_of(path)
    rows = _wide(
        path,
        "department_name",
        None,
        INDEX766_YTD_COLUMNS,
        "34",
        year=int(as_of[:4]),
        frequency="year_to_date",
        as_of=as_of,
        source_url=DVC_URL,
    )
    frame = _read_csv(path, ["rank", "score_delta"])
    for out in rows:
        rec = frame.iloc[out["row"] - 2]
        if out["measure"] == "index766_total":
            rank_text = clean_cell(rec["rank"])
            out["rank"] = decimal(rank_text, _where(path, out["row"], "rank"))
            out["rank_of"] = len(frame)
            out["rank_method"] = RANK_PUBLISHED
            out["note"] = f"change on the previous period as published: {rec['score_delta']}"
    return rows


def read_index766_national(path: Path) -> list[dict]:
    """The national block: score and groups, dossiers online, procedures fully online."""
    as_of = _as_of(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    common = {
        "year": int(as_of[:4]),
        "frequency": "year_to_date",
        "as_of": as_of,
        "source_url": DVC_URL,
        "geography_as_published": doc["overview"]["departmentName"],
    }
    total = doc["overview"]["totalScore"]
    rows = [
        _row(
            path,
            None,
            field="overview.totalScore",
            measure="index766_total",
            value=float(total),
            value_text=str(total),
            max_points=float(doc["overview"]["totalMaxScore"]),
            **common,
        )
    ]
    for group in doc["radar"]:
        if group["code"] not in INDEX766_NATIONAL_GROUPS:
            raise PublishedFileError(f"{_where(path)}: unknown radar group {group['code']!r}")
        rows.append(
            _row(
                path,
                None,
                field=f"radar.{group['code']}.score",
                measure=INDEX766_NATIONAL_GROUPS[group["code"]],
                value=float(group["score"]),
                value_text=str(group["score"]),
                max_points=float(group["maxScore"]),
                **common,
            )
        )
    rows += _national_months(path, doc, common)
    for key, code, measure in (
        ("onlineDossier", "ONLINE", "dossiers_online_pct"),
        ("onlineProvision", "FULL", "procedures_fully_online_pct"),
    ):
        parts = doc["donuts"][key]
        part = next(p for p in parts if p["code"] == code)
        rows.append(
            _row(
                path,
                None,
                field=f"donuts.{key}.{code}.percent",
                measure=measure,
                value=float(part["percent"]),
                value_text=str(part["percent"]),
                numerator=float(part["value"]),
                denominator=float(sum(p["value"] for p in parts)),
                **common,
            )
        )
    return rows


INDEX766_NATIONAL_MONTHS = {
    "monthlyChart_averageScore": "index766_monthly_average",
    "dossierChart_onTimePct": "dossiers_on_time_pct",
}


def _national_months(path: Path, doc: dict, common: dict) -> list[dict]:
    """The monthly national series of the answer (keys ``"01"``..), one row per month.

    The last month is partial: it runs to the as-of date.
    """
    rows = []
    for key, measure in INDEX766_NATIONAL_MONTHS.items():
        if key not in doc:
            raise PublishedFileError(f"{_where(path)}: the block {key!r} is missing")
        for month, value in sorted(doc[key].items()):
            if not re.fullmatch(r"(0[1-9]|1[0-2])", month):
                raise PublishedFileError(f"{_where(path)}: {key}: {month!r} is not a month")
            rows.append(
                _row(
                    path,
                    None,
                    field=f"{key}.{month}",
                    measure=measure,
                    month=int(month),
                    value=float(value),
                    value_text=str(value),
                    **{**common, "frequency": "monthly"},
                )
            )
    return rows


def read_population(path: Path) -> list[dict]:
    """Population, urban population (thousands) and GRDP per capita, 63 provinces, by year."""
    return _wide(
        path,
        "TenTinh",
        "nam",
        POPULATION_COLUMNS,
        "63",
        frequency="annual",
        source_url=GSO_URL,
    )


def read_procedures(path: Path) -> list[dict]:
    """Procedures provided fully online over all procedures, by province (date not stated).

    The three "provided" counts must add up to the total (this is what confirms the reading of
    ``1.13`` as 1,130). A name written on more than one row cannot say which unit each row is
    about: those rows keep their figures and no province.
    """
    frame = _read_csv(path, ["TinhThanh", *PROCEDURE_COUNTS.values()])
    names = frame["TinhThanh"].map(clean_cell)
    repeats = names.value_counts()
    rows = []
    for i, rec in enumerate(frame.to_dict("records"), start=2):
        n = {k: thousands(rec[c], _where(path, i, c)) for k, c in PROCEDURE_COUNTS.items()}
        if n["full"] + n["partial"] + n["none"] != n["total"]:
            raise PublishedFileError(
                f"{_where(path, i)}: fully ({n['full']}) + partly ({n['partial']}) + not online "
                f"({n['none']}) do not add up to the total {n['total']}; restore the file "
                "from its source (see its sidecar)"
            )
        name = names[i - 2]
        unit = None
        note = (
            f"share computed from the published counts; eligible for full online service "
            f"{n['eligible']}, partly online {n['partial']}, not online {n['none']}"
        )
        if repeats[name] > 1:
            note += f"; {name} is written on {repeats[name]} rows, so the unit is unknown"
        else:
            unit = _unit(name, "34", _where(path, i, "TinhThanh"))
        rows.append(
            _row(
                path,
                unit,
                row=i,
                field=PROCEDURE_COUNTS["full"],
                geography_as_published=name,
                measure="procedures_fully_online_pct",
                value=100 * n["full"] / n["total"],
                value_text="",
                numerator=float(n["full"]),
                denominator=float(n["total"]),
                source_url=DVC_URL,
                note=note,
            )
        )
    return rows


READERS: dict[str, Callable[[Path], list[dict]] | None] = {
    "dti_provincial_2022_2024_raw.csv": read_dti,
    # The collector's reshaped copy of the file above (ranks added): shipped, not read twice.
    "dti_provincial_2022_2024.csv": None,
    "index766_provincial_annual_2022_2024_raw.csv": read_index766_annual,
    "index766_provincial_2026ytd_2026-10-10.csv": read_index766_ytd,
    "index766_national_2026ytd_2026-10-10.json": read_index766_national,
    "population_grdp_per_capita_2022_2024_raw.csv": read_population,
    "admin_procedures_by_province_raw.csv": read_procedures,
}


def real_dir() -> Path:
    return paths.published_dir() / "real"


def read_real_published(folder: Path | None = None) -> pd.DataFrame:
    """Every real published file under ``folder`` (default ``data/raw/published/real``), as
    published (the rows carried onto the 34 units are added by
    :func:`analysis.data.across_merger.with_derived`).

    Raises
    ------
    PublishedFileError
        For a data file no reader knows, or a file that does not look as collected.
    """
    folder = Path(folder or real_dir())
    rows: list[dict] = []
    for path in sorted(folder.glob("*")):
        if path.suffix not in (".csv", ".json"):
            continue  # README and sidecars
        if path.name not in READERS:
            raise PublishedFileError(
                f"{_where(path)}: no reader for this file; published files are read by "
                "analysis.data.published_real: add a reader there or move the file elsewhere"
            )
        reader = READERS[path.name]
        if reader is not None:
            rows += reader(path)
    return as_table(rows)


INTEGER_COLUMNS = ("row", "year", "month", "rank", "rank_of")


def as_table(rows: list[dict]) -> pd.DataFrame:
    """Rows of :data:`COLUMNS` as the table the store keeps (integer columns nullable)."""
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for col in INTEGER_COLUMNS:
        frame[col] = frame[col].astype("Int64")
    return frame
