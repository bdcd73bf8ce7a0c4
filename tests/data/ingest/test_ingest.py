"""Normalization, validation (every problem reported at once), harmonization, atomic store."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd
import pytest

from analysis.data import ingest, store
from analysis.data.ingest import CellError, IngestError, parse_number, parse_period
from tests.conftest import write_csv

HEADER = "province,indicator,period,value,numerator,denominator\n"


# --- normalization -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, integer, expected",
    [
        ("45,03", False, 45.03),
        ("45.03", False, 45.03),
        ("45,03%", False, 45.03),
        (" 45,03 % ", False, 45.03),
        ("\u00a045,03\u00a0", False, 45.03),
        ("1.234,5", False, 1234.5),
        ("1,234.5", False, 1234.5),
        ("2.852.992", True, 2852992),
        ("2,852,992", True, 2852992),
        ("2852992", True, 2852992),
        ("3 743", True, 3743),
        ("", True, None),
        ("-", False, None),
        ("N/A", False, None),
        ("100", False, 100.0),
    ],
)
def test_parse_number(text, integer, expected):
    assert parse_number(text, integer=integer, percent_ok=not integer) == expected


@pytest.mark.parametrize(
    "text, integer",
    [
        ("khoảng 45", False),
        ("<10", False),
        ("12abc", True),
        ("2.852,5", True),
        ("45%", True),
        ("1.23.4", False),
    ],
)
def test_parse_number_refuses(text, integer):
    with pytest.raises(CellError):
        parse_number(text, integer=integer, percent_ok=not integer)


@pytest.mark.parametrize(
    "text, freq, expected",
    [
        ("2026-10", "monthly", pd.Period("2026-10", "M")),
        ("10/2026", "monthly", pd.Period("2026-10", "M")),
        ("Tháng 10/2026", "monthly", pd.Period("2026-10", "M")),
        ("2026/1", "monthly", pd.Period("2026-01", "M")),
        ("2024", "annual", pd.Period("2024", "Y")),
        ("năm 2024", "annual", pd.Period("2024", "Y")),
    ],
)
def test_parse_period(text, freq, expected):
    assert parse_period(text, freq) == expected


def test_bom_crlf_nbsp_semicolons_and_names_without_diacritics(workspace):
    text = (
        "\ufeffprovince;indicator;period;value;numerator;denominator\r\n"
        "Nghe An;villages_mobile_broadband_pct;2023-08;;3.743;3.806\r\n"
        '  TP.HCM\u00a0;online_dossier_rate;2023-08;"45,03%";;\r\n'
    )
    path = write_csv(workspace / "raw" / "sub" / "a.csv", text)
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == []
    assert frame.loc[0, "province_code"] == "40" and frame.loc[0, "basis"] == "63"
    assert frame.loc[0, "numerator"] == 3743 and frame.loc[0, "denominator"] == 3806
    assert frame.loc[1, "indicator"] == "online_dossier_rate_pct"
    assert frame.loc[1, "value"] == pytest.approx(45.03)
    assert frame.loc[1, "rate_only"]


def test_wide_template_with_period_in_file_name(workspace):
    text = (
        "Tỉnh/Thành phố,online_dossier_rate_pct,villages_mobile_broadband_pct__numerator,"
        "villages_mobile_broadband_pct__denominator\n"
        'Nghệ An,"52,1",3800,3806\nĐà Nẵng,61.5,,\n'
    )
    path = write_csv(workspace / "raw" / "sub" / "bao_cao_2026-10.csv", text)
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == []
    assert len(frame) == 3  # Đà Nẵng did not report villages this month
    row = frame[(frame.province_code == "40") & (frame.indicator.str.startswith("villages"))]
    assert row.iloc[0]["numerator"] == 3800 and row.iloc[0]["basis"] == "34"
    assert str(frame.iloc[0]["period"]) == "2026-10"


def test_wide_excel_with_meta_sheet(workspace):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "data"
    ws.append(["Tỉnh", "eid_activation_pct__numerator", "eid_activation_pct__denominator"])
    ws.append(["Nghệ An", 1899673, 2389718])
    meta = wb.create_sheet("meta")
    meta.append(["period", "12/2023"])
    path = workspace / "raw" / "sub" / "eid.xlsx"
    path.parent.mkdir(parents=True)
    wb.save(path)
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == []
    assert frame.iloc[0]["numerator"] == 1899673 and str(frame.iloc[0]["period"]) == "2023-12"


# --- refusals: every kind of bad input, each with its message -------------------------------


BAD_ROWS = [
    (
        "text in a number",
        "Nghệ An,online_dossier_rate_pct,2026-10,khoảng 45,,",
        "value",
        "text where a number is expected",
    ),
    (
        "unknown province",
        "Quang Nm,online_dossier_rate_pct,2026-10,45,,",
        "province",
        "unknown province",
    ),
    (
        "former province after the merger",
        "Quảng Nam,online_dossier_rate_pct,2026-10,45,,",
        "province",
        "became part of Đà Nẵng",
    ),
    (
        "unknown indicator",
        "Nghệ An,online_dosier_pct,2026-10,45,,",
        "indicator",
        "unknown indicator",
    ),
    (
        "impossible month",
        "Nghệ An,online_dossier_rate_pct,2026-13,45,,",
        "period",
        "month 13 does not exist",
    ),
    (
        "future period",
        "Nghệ An,online_dossier_rate_pct,2027-02,45,,",
        "period",
        "a period in the future",
    ),
    ("ancient year", "Nghệ An,online_dossier_rate_pct,1999-02,45,,", "period", "before 2015"),
    (
        "year for a monthly indicator",
        "Nghệ An,online_dossier_rate_pct,2025,45,,",
        "period",
        "a year given for a monthly indicator",
    ),
    (
        "negative count",
        "Nghệ An,villages_mobile_broadband_pct,2026-10,,-5,3806",
        "numerator",
        "a negative count",
    ),
    (
        "numerator above denominator",
        "Nghệ An,villages_mobile_broadband_pct,2026-10,,3900,3806",
        "numerator",
        "numerator above denominator",
    ),
    (
        "rate out of bounds",
        "Nghệ An,online_dossier_rate_pct,2026-10,4503,,",
        "value",
        "a rate outside its bounds",
    ),
    (
        "zero denominator",
        "Nghệ An,villages_mobile_broadband_pct,2026-10,,0,0",
        "denominator",
        "a denominator of zero or less",
    ),
    (
        "count with decimals",
        "Nghệ An,villages_mobile_broadband_pct,2026-10,,3743.5,3806",
        "numerator",
        "a count with a decimal part",
    ),
    (
        "value disagrees with counts",
        "Nghệ An,villages_mobile_broadband_pct,2026-10,90,3743,3806",
        "value",
        "value disagrees with numerator/denominator",
    ),
    (
        "numerator without denominator",
        "Nghệ An,villages_mobile_broadband_pct,2026-10,,3743,",
        "denominator",
        "without its denominator",
    ),
    (
        "counts for a rate-only indicator",
        "Nghệ An,digital_economy_share_grdp_pct,2024,,1,2",
        "numerator",
        "counts given for a rate-only indicator",
    ),
    ("short row", "Nghệ An,online_dossier_rate_pct,2026-10", "value", "short row"),
    ("no figure", "Nghệ An,online_dossier_rate_pct,2026-10,,,", "value", "no figure"),
]


@pytest.mark.parametrize("kind, row, column, message", BAD_ROWS, ids=[b[0] for b in BAD_ROWS])
def test_bad_row_is_refused_with_file_row_column_value(workspace, kind, row, column, message):
    path = write_csv(
        workspace / "raw" / "sub" / "bad.csv",
        HEADER + "Hà Tĩnh,online_dossier_rate_pct,2026-10,50,,\n" + row + "\n",
    )
    problems = ingest.check_files([path])
    assert len(problems) >= 1, kind
    p = problems[0]
    assert p.file.endswith("bad.csv") and p.row == 3 and p.column == column
    assert message in p.reason.render("en"), (kind, p.render("en"))
    assert p.hint.render("en")  # always says what to do
    assert "row 3" in p.render("en") and column in p.render("en")


@pytest.mark.parametrize(
    "kind, text, message",
    [
        ("empty file", "", "the file is empty"),
        ("header only", HEADER, "no data rows"),
        (
            "missing column",
            "province,period,value\nNghệ An,2026-10,45\n",
            "the column Chỉ tiêu (indicator) is missing",
        ),
        (
            "no figures column",
            "province,indicator,period\nNghệ An,online_dossier_rate_pct,2026-10\n",
            "neither a value ('Giá trị', value) nor a numerator",
        ),
    ],
)
def test_bad_file_is_refused(workspace, kind, text, message):
    path = write_csv(workspace / "raw" / "sub" / "bad.csv", text)
    problems = ingest.check_files([path])
    assert problems and message in problems[0].reason.render("en"), (
        kind,
        [p.render("en") for p in problems],
    )


def test_unreadable_file(workspace):
    path = workspace / "raw" / "sub" / "latin1.csv"
    path.parent.mkdir(parents=True)
    path.write_bytes(HEADER.encode() + "Ngh\xea An,x,2026-10,1,,\n".encode("latin-1"))
    problems = ingest.check_files([path])
    assert "not UTF-8" in problems[0].reason.render("en")
    broken = path.with_name("broken.xlsx")
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    assert "cannot be read" in ingest.check_files([broken])[0].reason.render("en")


def test_wide_without_period_and_unknown_column(workspace):
    path = write_csv(
        workspace / "raw" / "sub" / "wide.csv", "province,online_dossier_rate_pct\nNghệ An,45\n"
    )
    assert "no reporting period" in ingest.check_files([path])[0].reason.render("en")
    path2 = write_csv(
        workspace / "raw" / "sub" / "wide_2026-10.csv", "province,foo_rate\nNghệ An,45\n"
    )
    p = ingest.check_files([path2])[0]
    assert p.column == "foo_rate" and "unknown indicator column" in p.reason.render("en")


def test_conflicting_duplicates_within_and_across_files(workspace):
    a = write_csv(
        workspace / "raw" / "sub" / "a.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,45,,\n"
        "Nghệ An,online_dossier_rate_pct,2026-10,45,,\n",
    )  # identical: fine
    assert ingest.check_files([a]) == []
    b = write_csv(
        workspace / "raw" / "sub" / "b.csv",
        HEADER + "Nghe An,online_dossier_rate_pct,10/2026,46,,\n",
    )
    problems = ingest.check_files([a, b])
    assert len(problems) == 1
    assert "conflicting duplicate" in problems[0].reason.render("en") and "a.csv" in problems[
        0
    ].reason.render("en")
    assert problems[0].file.endswith("b.csv") and problems[0].row == 2


def test_revision_sidecar_replaces_the_earlier_figure(workspace):
    a = write_csv(
        workspace / "raw" / "sub" / "a.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,45,,\n",
    )
    b = write_csv(
        workspace / "raw" / "sub" / "b.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,46,,\n",
        meta="revises: a.csv\nsource: corrected report\n",
    )
    result = ingest.load_inputs([a, b])
    assert result.problems == []
    assert result.observations["value"].tolist() == [46.0]
    assert result.observations["source"].tolist() == ["corrected report"]


def test_every_problem_in_a_file_is_reported_at_once(workspace):
    rows = "\n".join(r for _, r, _, _ in BAD_ROWS)
    path = write_csv(workspace / "raw" / "sub" / "bad.csv", HEADER + rows + "\n")
    problems = ingest.check_files([path])
    assert {p.row for p in problems} == set(range(2, 2 + len(BAD_ROWS)))
    with pytest.raises(IngestError) as err:
        ingest.ingest(workspace / "raw")
    assert f"{len(problems)} lỗi trong 1 tệp" in str(err.value)
    assert f"{len(problems)} problem(s) in 1 file(s)" in err.value.render("en")


# --- harmonization -------------------------------------------------------------------------


def _obs(rows):
    frame = pd.DataFrame(rows)
    frame["dataset"] = "submitted"
    frame["freq"] = "M"
    frame["period"] = frame["period"].map(lambda p: pd.Period(p, "M"))
    frame["source"] = "test"
    frame["is_synthetic"] = False
    for col in ("numerator", "denominator"):
        if col not in frame:
            frame[col] = float("nan")
    return frame


def test_harmonize_sums_counts_of_merged_provinces():
    obs = _obs(
        [
            {
                "basis": "63",
                "province_code": "48",
                "indicator": "villages_mobile_broadband_pct",
                "period": "2025-06",
                "value": 100 * 190 / 200,
                "numerator": 190,
                "denominator": 200,
            },
            {
                "basis": "63",
                "province_code": "49",
                "indicator": "villages_mobile_broadband_pct",
                "period": "2025-06",
                "value": 100 * 900 / 1000,
                "numerator": 900,
                "denominator": 1000,
            },
            {
                "basis": "34",
                "province_code": "48",
                "indicator": "villages_mobile_broadband_pct",
                "period": "2025-07",
                "value": 100 * 1100 / 1200,
                "numerator": 1100,
                "denominator": 1200,
            },
        ]
    )
    h, log = ingest.harmonize_to_current_provinces(obs)
    june = h[(h.province_code == "48") & (h.period == pd.Period("2025-06", "M"))].iloc[0]
    assert (june.numerator, june.denominator) == (1090, 1200)
    assert june.value == pytest.approx(100 * 1090 / 1200)
    assert june.method == "sum_of_counts" and june.n_units == 2 and not june.is_weighted
    assert len(h) == 2 and log.empty


def test_harmonize_weights_rates_without_counts_and_flags_them():
    obs = _obs(
        [
            {
                "basis": "63",
                "province_code": "48",
                "indicator": "digital_economy_share_grdp_pct",
                "period": "2024-12",
                "value": 20.0,
            },
            {
                "basis": "63",
                "province_code": "49",
                "indicator": "digital_economy_share_grdp_pct",
                "period": "2024-12",
                "value": 10.0,
            },
        ]
    )
    h, _ = ingest.harmonize_to_current_provinces(obs)
    row = h.iloc[0]
    # Weights: the published 2024 population (data/raw/published/real), Đà Nẵng 1,276.0
    # thousand, Quảng Nam 1,543.9 thousand.
    assert row.value == pytest.approx((20 * 1276.0 + 10 * 1543.9) / (1276.0 + 1543.9))
    assert row.is_weighted and row.method.startswith("weighted_mean")


def test_harmonize_leaves_out_partial_units():
    obs = _obs(
        [
            {
                "basis": "63",
                "province_code": "48",
                "indicator": "online_dossier_rate_pct",
                "period": "2025-06",
                "value": 50.0,
            }
        ]
    )
    h, log = ingest.harmonize_to_current_provinces(obs)
    assert h.empty
    assert "49" in log.iloc[0]["reason"]


# --- the store -----------------------------------------------------------------------------


def _ingest_to_store():
    from click.testing import CliRunner

    from analysis.cli import main

    return CliRunner().invoke(main, ["ingest"], catch_exceptions=False)


def test_store_is_untouched_by_a_refused_ingest_and_rebuilt_identically(workspace):
    write_csv(
        workspace / "raw" / "sub" / "ok.csv",
        HEADER + "Nghệ An,villages_mobile_broadband_pct,2023-08,,3743,3806\n"
        'Đà Nẵng,online_dossier_rate_pct,2026-10,"61,5",,\n',
    )
    first = _ingest_to_store()
    assert first.exit_code == 0, first.output
    db = workspace / "processed" / "dx.duckdb"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    version = store.data_version(db)
    with duckdb.connect(str(db), read_only=True) as con:
        rows1 = con.execute("SELECT * FROM observations ORDER BY ALL").fetchall()
        sql = con.execute(
            "SELECT numerator, denominator FROM observations WHERE "
            "province = 'nghe_an' AND period = '2023-08'"
        ).fetchone()
    assert sql == (3743, 3806)

    write_csv(
        workspace / "raw" / "sub" / "bad.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,abc,,\n",
    )
    refused = _ingest_to_store()
    assert refused.exit_code == 1
    # Told to the sender in Vietnamese: file, row, column, value, reason, what to do.
    assert "Tệp " in refused.output and "bị từ chối (1 lỗi)" in refused.output
    assert "bad.csv, dòng 2, cột 'value' (giá trị 'abc'): có chữ trong ô số." in refused.output
    assert "kho dữ liệu cũ giữ nguyên" in refused.output
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest
    assert not list((workspace / "processed").glob(".dx*"))  # no temporary database left

    (workspace / "raw" / "sub" / "bad.csv").unlink()
    raw_before = {p: p.read_bytes() for p in (workspace / "raw").rglob("*") if p.is_file()}
    again = _ingest_to_store()
    raw_after = {p: p.read_bytes() for p in (workspace / "raw").rglob("*") if p.is_file()}
    assert raw_after == raw_before  # raw inputs are read, never written
    assert again.exit_code == 0
    assert store.data_version(db) == version
    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT * FROM observations ORDER BY ALL").fetchall() == rows1
