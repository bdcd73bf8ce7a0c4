"""Inputs read truthfully: Excel as Excel shows it, what people type to `check`, duplicates,
formulas without values, every file accounted for, and messages that echo what was typed."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.data import ingest
from tests.conftest import write_csv

HEADER = "province,indicator,period,value,numerator,denominator\n"


def _workbook(path, rows, formats=None, sheet="data", meta_period=None):
    """An .xlsx as a person fills it: values typed into cells that carry number formats.

    ``formats`` maps a cell ("B2") to its number format (Excel's format codes).
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    for cell, fmt in (formats or {}).items():
        ws[cell].number_format = fmt
    if meta_period is not None:
        wb.create_sheet("meta").append(["period", meta_period])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _check(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


# --- Excel read as Excel shows it ------------------------------------------------------------


def test_excel_cells_are_read_as_excel_shows_them(workspace):
    path = _workbook(
        workspace / "raw" / "2026-10" / "bao_cao_2026-10.xlsx",
        [
            [
                "Tỉnh",
                "households_fibre_pct",
                "online_dossier_rate_pct",
                "eid_activation_pct__numerator",
                "eid_activation_pct__denominator",
            ],
            ["Nghệ An", 0.884, "45,03%", 1899673, "2.389.718"],
        ],
        {"B2": "0.0%", "C2": "@", "D2": "#,##0", "E2": "@"},
    )
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == []
    value = frame.set_index("indicator")
    assert value.loc["households_fibre_pct", "value"] == pytest.approx(88.4)
    assert value.loc["online_dossier_rate_pct", "value"] == pytest.approx(45.03)
    assert value.loc["eid_activation_pct", "numerator"] == 1899673
    assert value.loc["eid_activation_pct", "denominator"] == 2389718


def test_excel_dates_and_percentages_in_the_long_layout(workspace):
    path = _workbook(
        workspace / "raw" / "sub" / "long.xlsx",
        [
            ["province", "indicator", "period", "value", "numerator", "denominator"],
            ["Nghệ An", "digital_economy_share_grdp_pct", dt.datetime(2024, 1, 1), 0.1234],
            ["Nghệ An", "online_dossier_rate_pct", dt.datetime(2026, 10, 1), 0.6368],
        ],
        {"C2": "yyyy", "D2": "0.00%", "C3": "mm/yyyy", "D3": "0.00%"},
    )
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert [p.render("en") for p in problems] == []
    got = {(r.indicator, str(r.period)): r.value for r in frame.itertuples()}
    assert got == {
        ("digital_economy_share_grdp_pct", "2024"): pytest.approx(12.34),
        ("online_dossier_rate_pct", "2026-10"): pytest.approx(63.68),
    }


@pytest.mark.parametrize(
    "value, fmt, text",
    [
        (0.884, "0.0%", "88.4%"),
        (0.4503, "0.00%", "45.03%"),
        (1, "0%", "100%"),
        (45.0, '0.0"%"', "45"),  # a quoted percent sign is shown, not applied
        (2852992.0, "#,##0", "2852992"),
        (45.03, "General", "45.03"),
        (1e16, "General", "10000000000000000"),
        (dt.datetime(2026, 10, 1), "mm/yyyy", "2026-10"),
        (dt.datetime(2024, 1, 1), "yyyy", "2024"),
        ("2.852.992", "@", "2.852.992"),
    ],
)
def test_cell_text_follows_the_number_format(value, fmt, text):
    from analysis.data.ingest.raw import cell_text

    assert cell_text(value, fmt) == text


# --- check takes what people type ------------------------------------------------------------


def _month_folder(workspace):
    folder = workspace / "raw" / "2026-10"
    _workbook(
        folder / "nghe_an.xlsx",
        [["Tỉnh", "households_fibre_pct"], ["Nghệ An", 0.849]],
        {"B2": "0.00%"},
    )
    (folder / "nghe_an.xlsx.meta.yml").write_text(
        "source: Sở KH&CN Nghệ An\nperiod: 2026-10\n", encoding="utf-8"
    )
    (folder / "README.md").write_text("notes\n", encoding="utf-8")
    return folder


def test_check_a_folder(workspace):
    folder = _month_folder(workspace)
    result = _check(folder)
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # Per file, what was read; in Vietnamese by default, in English with --lang en.
    assert (
        "nghe_an.xlsx: đạt; 1 số liệu của 1 tỉnh, thành phố (Nghệ An), 1 kỳ (tháng 10/2026), "
        "1 chỉ tiêu" in result.output
    )
    assert "Đã kiểm tra 1 tệp: 1 tệp đạt, 0 tệp bị từ chối; 1 tệp mô tả" in result.output
    assert "Bỏ qua " in result.output and "README.md: tệp README" in result.output
    english = _check(folder, "--lang", "en")
    assert english.exit_code == 0, english.output
    assert (
        "nghe_an.xlsx: OK; 1 figure(s) of 1 unit(s) (Nghệ An), 1 period(s) (October 2026), "
        "1 indicator(s)" in english.output
    )
    assert "Checked 1 file(s): 1 OK, 0 refused; 1 sidecar(s) OK" in english.output
    assert "README.md: a README" in english.output


def test_check_a_glob_that_includes_the_sidecar(workspace):
    folder = _month_folder(workspace)
    expanded = sorted(folder.iterdir())  # as the shell expands 2026-10/*
    result = _check(*expanded)
    assert result.exit_code == 0, result.output
    assert "unsupported" not in result.output
    quoted = _check(folder / "*")  # a pattern the shell left alone
    assert quoted.exit_code == 0, quoted.output


def test_check_validates_a_sidecar_named_alone(workspace):
    folder = _month_folder(workspace)
    side = folder / "nghe_an.xlsx.meta.yml"
    side.write_text("- just\n- a list\n", encoding="utf-8")
    result = _check(side, "--lang", "en")
    assert result.exit_code == 1
    assert "sidecar is not a YAML mapping" in result.output
    orphan = folder / "gone.csv.meta.yaml"
    orphan.write_text("source: x\n", encoding="utf-8")
    result = _check(orphan)
    assert result.exit_code == 1 and "không có tệp số liệu đi kèm" in result.output


def test_a_problem_is_reported_once_with_every_column_named_as_in_the_file(workspace):
    path = write_csv(
        workspace / "raw" / "sub" / "wide_2026-10.csv",
        "Tỉnh,online_dossier_rate_pct,households_fibre_pct,eid_activation_pct\n"
        "Quang Nm,45,80,70\n"
        "Nghệ An,46,81,71\n",
    )
    problems = ingest.check_files([path])
    assert len(problems) == 1, [p.render("en") for p in problems]
    assert problems[0].row == 2 and problems[0].column == "Tỉnh"

    path = write_csv(
        workspace / "raw" / "sub" / "counts_2026-10.csv",
        "Tỉnh,online_dossier_rate_pct__numerator,online_dossier_rate_pct__denominator\n"
        "Nghệ An,3900,3806\n",
    )
    (problem,) = ingest.check_files([path])
    assert problem.columns == (
        "online_dossier_rate_pct__numerator",
        "online_dossier_rate_pct__denominator",
    )
    assert "columns 'online_dossier_rate_pct__numerator'" in problem.render("en")
    assert "numerator above denominator" in problem.reason.render("en")


def test_a_missing_count_column_is_named_as_the_file_would_name_it(workspace):
    path = write_csv(
        workspace / "raw" / "sub" / "den_2026-10.csv",
        "Tỉnh,online_dossier_rate_pct__denominator\nNghệ An,3806\n",
    )
    (problem,) = ingest.check_files([path])
    assert problem.column == "online_dossier_rate_pct__numerator"


# --- duplicates ------------------------------------------------------------------------------


def test_identical_duplicate_rows_count_once_and_never_complete_a_merged_unit(workspace):
    # Quảng Nam (49) and Đà Nẵng (48) became Đà Nẵng; only Quảng Nam reported, twice.
    write_csv(
        workspace / "raw" / "sub" / "qn.csv",
        HEADER + "Quảng Nam,online_dossier_rate_pct,2025-06,,30000,100000\n"
        "Quảng Nam,online_dossier_rate_pct,2025-06,,30000,100000\n"
        "Nghệ An,online_dossier_rate_pct,2025-06,,5,10\n"
        "Nghệ An,online_dossier_rate_pct,2025-06,,5,10\n",
    )
    result = ingest.ingest(workspace / "raw")
    assert len(result.observations) == 2
    (note,) = result.notes
    assert note.file.endswith("qn.csv") and "row(s) 3, 5" in note.reason.render("en")
    assert "counted once" in note.reason.render("en")
    assert "2 dòng (dòng 3, 5) lặp lại toàn bộ số liệu" in str(note)
    assert "Có thể xóa các dòng lặp" in str(note)
    danang = result.harmonized[result.harmonized["province_code"] == "48"]
    assert danang.empty  # not built from "2 of 2" copies of Quảng Nam
    log = result.harmonization_log.set_index("province_code")
    assert "48" in log.loc["48", "reason"] and "not reported" in log.loc["48", "reason"]


def test_harmonize_counts_distinct_former_provinces():
    import pandas as pd

    row = {
        "dataset": "submitted",
        "basis": "63",
        "province_code": "49",
        "indicator": "online_dossier_rate_pct",
        "freq": "M",
        "period": pd.Period("2025-06", "M"),
        "value": 30.0,
        "numerator": 30000.0,
        "denominator": 100000.0,
        "source": "test",
        "is_synthetic": False,
    }
    h, log = ingest.harmonize_to_current_provinces(pd.DataFrame([row, row]))
    assert h.empty
    assert list(log["province_code"]) == ["48"] and "48" in log.iloc[0]["reason"]


# --- formulas without stored values ----------------------------------------------------------


def test_formula_without_stored_value_in_a_wide_workbook_is_refused(workspace):
    path = _workbook(
        workspace / "raw" / "sub" / "bao_cao_2026-10.xlsx",
        [
            ["Tỉnh", "villages_mobile_broadband_pct", "online_dossier_rate_pct"],
            ["Nghệ An", "=3743/3806*100", 45],
            ["Hà Tĩnh", "=2000/2100*100", 46],
        ],
        sheet="Số liệu",
    )
    problems = ingest.check_files([path])
    assert len(problems) == 1, [p.render("en") for p in problems]
    text = problems[0].render("en")
    assert problems[0].column == "villages_mobile_broadband_pct"
    assert "sheet 'Số liệu'" in text and "B2, B3" in text
    assert "formula without a stored value" in text
    assert "Open and save it in Excel or LibreOffice, or paste values" in text


def test_formula_without_stored_value_in_a_long_workbook_is_not_a_short_row(workspace):
    path = _workbook(
        workspace / "raw" / "sub" / "long.xlsx",
        [
            ["province", "indicator", "period", "value", "numerator", "denominator"],
            ["Nghệ An", "villages_mobile_broadband_pct", "2026-10", None, 3743, "=3806"],
        ],
    )
    (problem,) = ingest.check_files([path])
    assert "short row" not in problem.reason.render("en")
    assert problem.row == 2 and problem.column == "denominator"
    assert problem.sheet == "data" and problem.cell == "F2"


def test_an_excel_row_with_empty_trailing_cells_is_not_short(workspace):
    path = _workbook(
        workspace / "raw" / "sub" / "long.xlsx",
        [
            ["province", "indicator", "period", "value", "numerator", "denominator"],
            ["Nghệ An", "online_dossier_rate_pct", "2026-10", 45.5],
        ],
    )
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == [] and frame["value"].tolist() == [45.5]


# --- every file under data/raw is accounted for ----------------------------------------------


def test_xls_and_txt_are_refused_and_other_files_listed_as_skipped(workspace):
    month = workspace / "raw" / "2026-10"
    write_csv(month / "ok.csv", HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,45,,\n", "a: 1\n")
    (month / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0 an OLE2 workbook")
    (month / "export.txt").write_text("province\tindicator\n", encoding="utf-16")
    (workspace / "raw" / "README.md").write_text("# raw\n", encoding="utf-8")
    with pytest.raises(ingest.IngestError) as err:
        ingest.ingest(workspace / "raw")
    refused = {p.file.rsplit("/", 1)[-1]: p for p in err.value.problems}
    assert set(refused) == {"old.xls", "export.txt"}
    assert "Excel 97-2003" in refused["old.xls"].reason.render("en")
    assert "save it as Excel Workbook (.xlsx) or CSV UTF-8" in refused["old.xls"].hint.render("en")
    assert "Unicode Text" in refused["export.txt"].reason.render("en")

    (month / "old.xls").unlink()
    (month / "export.txt").unlink()
    (month / "~$ok.xlsx").write_bytes(b"lock")
    result = ingest.ingest(workspace / "raw")
    skipped = {p.name: why for p, why in result.skipped}
    assert skipped["README.md"].render("en") == "a README"
    assert "sidecar" in skipped["ok.csv.meta.yml"].render("en")
    assert "lock file" in skipped["~$ok.xlsx"].render("en")
    assert [f["file"].rsplit("/", 1)[-1] for f in result.files] == ["ok.csv"]


# --- messages echo what was typed ------------------------------------------------------------


def test_missing_markers_are_echoed_as_typed(workspace):
    path = write_csv(
        workspace / "raw" / "sub" / "na.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-10,N/A,,\n"
        "Hà Tĩnh,villages_mobile_broadband_pct,2026-10,,-,3806\n",
    )
    first, second = ingest.check_files([path])
    assert first.value == "N/A" and "(value 'N/A')" in first.render("en")
    assert second.value == "-" and second.column == "numerator"


@pytest.mark.parametrize("total", ["Tổng cộng", "Cộng", "Toàn tỉnh", "Total", "TỔNG CỘNG:"])
def test_a_total_row_is_skipped_with_a_note(workspace, total):
    path = write_csv(
        workspace / "raw" / "sub" / "wide_2026-10.csv",
        f"Tỉnh,online_dossier_rate_pct\nNghệ An,45\n{total},45\n",
    )
    result = ingest.load_inputs([path])
    assert result.problems == []
    assert len(result.observations) == 1
    (note,) = result.notes
    assert (
        note.row == 3
        and "a total row" in note.reason.render("en")
        and "it is skipped" in note.hint.render("en")
    )


def test_a_very_long_value_is_cut_in_messages(workspace):
    path = write_csv(
        workspace / "raw" / "sub" / "long.csv",
        HEADER + "x" * 10_000 + ",online_dossier_rate_pct,2026-10,45,,\n",
    )
    (problem,) = ingest.check_files([path])
    text = problem.render("en")
    assert len(text) < 400 and "x" * 60 + "…" in text
    assert problem.value == "x" * 10_000  # the problem itself keeps the value whole


def _store_formula_value(path, cell, value):
    """Add the value Excel stores beside a formula when it saves (openpyxl writes none)."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    name = "xl/worksheets/sheet1.xml"
    xml = parts[name].decode("utf-8")
    xml, n = re.subn(
        rf'(<c r="{cell}"[^>]*><f>[^<]*</f>)(<v\s*/>|<v></v>)?', rf"\1<v>{value}</v>", xml
    )
    assert n == 1
    parts[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for n, data in parts.items():
            z.writestr(n, data)


def test_a_formula_saved_by_excel_is_read_from_its_stored_value(workspace):
    path = _workbook(
        workspace / "raw" / "sub" / "bao_cao_2026-10.xlsx",
        [["Tỉnh", "villages_mobile_broadband_pct"], ["Nghệ An", "=3743/3806"]],
        {"B2": "0.00%"},
    )
    _store_formula_value(path, "B2", "0.98344718864950081")
    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == []
    assert frame["value"].tolist() == [pytest.approx(100 * 3743 / 3806)]


def test_a_workbook_written_by_another_spreadsheet_writer_reads_as_it_shows(workspace):
    """XlsxWriter writes styles, shared strings and built-in number formats its own way (as
    Excel does): percentages, thousands and text cells must still read as displayed."""
    xlsxwriter = pytest.importorskip("xlsxwriter")
    path = workspace / "raw" / "2026-10" / "bao_cao_2026-10.xlsx"
    path.parent.mkdir(parents=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Số liệu")
    percent = book.add_format({"num_format": 10})  # built-in "0.00%"
    thousands = book.add_format({"num_format": "#,##0"})
    text = book.add_format({"num_format": "@"})
    header = [
        "Tỉnh/Thành phố",
        "households_fibre_pct",
        "online_dossier_rate_pct",
        "eid_activation_pct__numerator",
        "eid_activation_pct__denominator",
    ]
    sheet.write_row(0, 0, header)
    sheet.write_string(1, 0, "Nghệ An")
    sheet.write_number(1, 1, 0.849, percent)
    sheet.write_string(1, 2, "63,68%", text)
    sheet.write_number(1, 3, 1899673, thousands)
    sheet.write_number(1, 4, 2389718, thousands)
    book.close()

    frame, problems = ingest.normalize_table(ingest.read_table(path))
    assert problems == []
    value = frame.set_index("indicator")
    assert value.loc["households_fibre_pct", "value"] == pytest.approx(84.9)
    assert value.loc["online_dossier_rate_pct", "value"] == pytest.approx(63.68)
    assert value.loc["eid_activation_pct", "numerator"] == 1899673
    assert value.loc["eid_activation_pct", "denominator"] == 2389718
