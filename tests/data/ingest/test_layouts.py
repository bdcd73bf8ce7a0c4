"""Workbooks laid out as provinces make them: every sheet read, headings in Vietnamese or the
catalog's names below title rows, rates typed to a decimal beside their counts, repeats named by
cell, and every message told in Vietnamese (English with --lang en)."""

from __future__ import annotations

import openpyxl
import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.data import ingest, store
from analysis.data.rebuild import rebuild
from analysis.reference import catalog
from tests.conftest import write_csv
from tests.office import resave_with_libreoffice


def _book(path, sheets: dict[str, list[list]], merged: dict[str, list[str]] | None = None):
    """A workbook as a person makes it: one list of rows per sheet, some cells merged."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cells in (merged or {}).get(title, []):
            ws.merge_cells(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _check(*args):
    return CliRunner().invoke(main, ["check", *map(str, args)])


def _figures(path) -> dict[tuple[str, str], tuple]:
    result = ingest.load_inputs([path])
    assert result.problems == [], [p.render("en") for p in result.problems]
    obs = result.observations
    return {
        (r.province_code, r.indicator): (r.value, r.numerator, r.denominator, str(r.period))
        for r in obs.itertuples()
    }


# --- every sheet -----------------------------------------------------------------------------


LONG_VI = ["Tỉnh/Thành phố", "Chỉ tiêu", "Kỳ báo cáo", "Giá trị (%)", "Tử số", "Mẫu số", "Ghi chú"]


def test_a_workbook_with_one_sheet_per_indicator_is_read_whole(workspace):
    path = _book(
        workspace / "raw" / "2026-10" / "nghe_an_2026-10.xlsx",
        {
            "Hồ sơ trực tuyến": [
                LONG_VI,
                ["Nghệ An", "online_dossier_rate_pct", "2026-10", "45,03", None, None, None],
            ],
            "Định danh": [
                LONG_VI,
                ["Nghệ An", "eid_activation_pct", "2026-10", None, 1899673, 2389718, "VNeID"],
            ],
            "Trống": [],
            "Ghi chú": [["Số liệu do Công an tỉnh cung cấp ngày 03/11/2026."]],
        },
    )
    result = _check(path)
    assert result.exit_code == 0, result.output
    assert (
        "đạt; 2 số liệu của 1 tỉnh, thành phố (Nghệ An), 1 kỳ (tháng 10/2026), 2 chỉ tiêu; "
        "đọc 2 trang: 'Hồ sơ trực tuyến', 'Định danh'" in result.output
    )
    assert "trang 'Trống': trang trống, bỏ qua" in result.output
    assert "trang 'Ghi chú': trang ghi chú (không có số liệu theo bảng), không đọc" in result.output
    built = rebuild(workspace / "raw" / "published")
    stored = built.result.observations.set_index("indicator")
    assert set(stored.index) == {"online_dossier_rate_pct", "eid_activation_pct"}
    assert stored.loc["eid_activation_pct", "numerator"] == 1899673
    with store.connect() as con:
        assert con.execute("SELECT count(*) FROM submissions").fetchone() == (2,)


def test_a_sheet_that_cannot_be_read_is_refused_by_name(workspace):
    path = _book(
        workspace / "raw" / "2026-10" / "ha_tinh.xlsx",
        {
            "Số liệu": [LONG_VI, ["Hà Tĩnh", "online_dossier_rate_pct", "2026-10", 50]],
            "Tổng hợp": [["Tổng hợp các chỉ tiêu"], ["xyz", 5, 6]],
        },
    )
    (problem,) = ingest.check_files([path])
    assert problem.sheet == "Tổng hợp" and problem.row == 1
    assert "trang 'Tổng hợp', dòng 1 (giá trị 'Tổng hợp các chỉ tiêu')" in str(problem)
    assert "không tìm thấy dòng tiêu đề (tên các cột) trong 20 dòng đầu" in str(problem)
    assert "Tỉnh/Thành phố" in str(problem)  # what the header needs


# --- headings as provinces write them ---------------------------------------------------------


def _names_as_listed() -> dict[str, str]:
    """Indicator -> its name as `python -m analysis list indicators` prints it."""
    result = CliRunner().invoke(main, ["list", "indicators"])
    assert result.exit_code == 0
    names = {}
    for line in result.output.splitlines():
        ind = line.split()[0]
        name = catalog.indicators()[ind].name_vi
        assert name in line
        names[ind] = name
    return names


@pytest.mark.parametrize(
    "style", ["as listed", "upper case", "without diacritics", "English", "short"]
)
def test_wide_columns_headed_with_the_catalogs_names(workspace, style):
    from analysis.reference.names import strip_diacritics

    listed = _names_as_listed()
    chosen = ["online_dossier_rate_pct", "civil_status_digitization_pct", "households_fibre_pct"]
    headings = {
        "as listed": [listed[i] for i in chosen],
        "upper case": [listed[i].upper() for i in chosen],
        "without diacritics": [strip_diacritics(listed[i]) for i in chosen],
        "English": [catalog.indicators()[i].name_en for i in chosen],
        "short": [catalog.indicators()[i].short_vi + " (%)" for i in chosen],
    }[style]
    if style == "as listed":
        assert headings[:2] == ["Tỷ lệ hồ sơ trực tuyến", "Số hóa dữ liệu hộ tịch"]
    path = _book(
        workspace / "raw" / "2026-10" / "bao_cao.xlsx",
        {"Số liệu": [["Tỉnh/Thành phố", *headings], ["Hà Tĩnh", "52,1", "88,5", 70]]},
    )
    got = _figures(path)
    assert {ind: v[0] for (_, ind), v in got.items()} == pytest.approx(
        dict(zip(chosen, [52.1, 88.5, 70.0], strict=True))
    )
    assert {v[3] for v in got.values()} == {"2026-10"}  # the month folder


def test_an_unknown_heading_lists_the_right_indicator_first(workspace):
    path = _book(
        workspace / "raw" / "2026-10" / "bao_cao.xlsx",
        {"BC": [["Tỉnh", "Tỷ lệ hồ sơ nộp trực tuyến", "Số hoá hồ sơ hộ tịch"], ["Hà Tĩnh", 5, 6]]},
    )
    first, second = ingest.check_files([path])
    assert (first.cell, second.cell) == ("B1", "C1")
    assert "tên cột không phải chỉ tiêu nào" in str(first)
    assert "gần nhất: online_dossier_rate_pct (Tỷ lệ hồ sơ trực tuyến)," in str(first)
    assert "gần nhất: civil_status_digitization_pct (Số hóa dữ liệu hộ tịch)," in str(second)
    assert "closest: online_dossier_rate_pct (Share of dossiers submitted online)," in (
        first.render("en")
    )


def test_long_layout_with_vietnamese_headings_below_title_rows(workspace, tmp_path):
    """The header found under the authority, a merged title and a blank row; a row numbering
    the columns under it, a total row and a signature below the table."""
    made = _book(
        tmp_path / "made" / "ha_tinh_thang_10.xlsx",
        {
            "Báo cáo": [
                ["UBND TỈNH HÀ TĨNH", None, None, None, None, None, None],
                ["BÁO CÁO SỐ LIỆU CHUYỂN ĐỔI SỐ THÁNG 10 NĂM 2026"],
                [],
                ["STT", "Tỉnh", "Chỉ tiêu", "Kỳ báo cáo", "Giá trị (%)", "Tử số", "Mẫu số"],
                ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)", "(7)"],
                [1, "Hà Tĩnh", "Tỷ lệ hồ sơ trực tuyến", "tháng 10/2026", "52,3", None, None],
                [2, "Hà Tĩnh", "Tài khoản định danh điện tử được kích hoạt", "10/2026", "51,2"]
                + ["125.430", "245.120"],
                [None, "Tổng cộng", None, None, None, None, None],
                [None, "Người lập biểu", None, None, None, None, None],
            ]
        },
        merged={"Báo cáo": ["A1:G1", "A2:G2"]},
    )
    resaved = resave_with_libreoffice(made, workspace / "raw" / "2026-10")
    got = _figures(resaved)
    assert got[("42", "online_dossier_rate_pct")][0] == pytest.approx(52.3)
    assert got[("42", "eid_activation_pct")][1:3] == (125430, 245120)
    assert got[("42", "eid_activation_pct")][0] == pytest.approx(51.2)  # as typed
    result = _check(resaved)
    assert result.exit_code == 0, result.output
    assert "dòng tổng (dòng 8)" in result.output


def test_the_header_of_a_short_report_names_the_period(workspace):
    path = write_csv(
        workspace / "raw" / "nop" / "bc.csv",
        'Tỉnh,Chỉ tiêu,Kỳ báo cáo,Giá trị (%)\nNghệ An,online_dossier_rate_pct,10/2026,"45,5"\n',
    )
    assert _figures(path)[("40", "online_dossier_rate_pct")][0] == 45.5


def test_a_title_row_over_no_header_says_the_header_was_not_found(workspace):
    path = _book(
        workspace / "raw" / "2026-10" / "x.xlsx",
        {"Sheet1": [["UBND TỈNH HÀ TĨNH"], ["Báo cáo tháng 10"], [], ["Hà Tĩnh", 52, 88]]},
    )
    (problem,) = ingest.check_files([path])
    assert "không tìm thấy dòng tiêu đề" in str(problem)
    assert "first column" not in problem.render("en") and "no header row" in problem.render("en")


def test_two_header_rows_under_a_merged_indicator_heading(workspace):
    path = _book(
        workspace / "raw" / "2026-10" / "quang_tri.xlsx",
        {
            "BC": [
                [
                    "Tỉnh",
                    "Tài khoản định danh điện tử được kích hoạt",
                    None,
                    "Thanh toán trực tuyến",
                ],
                [None, "Tử số", "Mẫu số", "Giá trị (%)"],
                ["Quảng Trị", 1000, 2000, 30],
            ]
        },
        merged={"BC": ["A1:A2", "B1:C1"]},
    )
    got = _figures(path)
    assert got[("44", "eid_activation_pct")][1:3] == (1000, 2000)
    assert got[("44", "online_payment_rate_pct")][0] == 30


def test_a_title_month_that_is_not_the_folders_is_refused(workspace):
    path = _book(
        workspace / "raw" / "2026-10" / "bc.xlsx",
        {"BC": [["BÁO CÁO THÁNG 9/2026"], ["Tỉnh", "Hồ sơ trực tuyến"], ["Hà Tĩnh", 50]]},
    )
    (problem,) = ingest.check_files([path])
    assert problem.sheet == "BC" and problem.cell == "A1"
    assert (
        "tệp ghi kỳ báo cáo khác nhau ở các nơi: ô A1 trang 'BC' ghi tháng 9/2026, "
        "thư mục 2026-10 ghi tháng 10/2026" in str(problem)
    )


# --- rates, repeats, formats ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "accepted"), [("51,2", True), ("51,17", True), ("51", True), ("51,3", False)]
)
def test_a_rate_beside_its_counts_agrees_to_the_precision_typed(workspace, rate, accepted):
    path = write_csv(
        workspace / "raw" / "sub" / "eid.csv",
        "Tỉnh;Chỉ tiêu;Kỳ;Giá trị (%);Tử số;Mẫu số\n"
        f"Nghệ An;eid_activation_pct;2026-10;{rate};125.430;245.120\n",
    )
    problems = ingest.check_files([path])
    if accepted:
        assert problems == []
        return
    (problem,) = problems
    assert problem.column == "Giá trị (%)" and problem.value == "51,3"
    assert "giá trị (%) không khớp với tử số chia mẫu số (51,17)" in str(problem)
    assert "tỷ lệ ghi 1 chữ số thập phân phải khớp khi làm tròn" in str(problem)
    assert "(51.17)" in problem.render("en")


def test_a_figure_repeated_beside_new_ones_is_named_by_cell(workspace):
    folder = workspace / "raw" / "2026-10"
    heads = ["Tỉnh", "Hồ sơ trực tuyến", "Hộ có cáp quang", "Thanh toán trực tuyến"]
    heads += ["Số hóa hộ tịch", "Số hóa đất đai"]
    _book(folder / "dot_1.xlsx", {"BC": [heads[:2], ["Sơn La", 50]]})
    second = _book(folder / "dot_2.xlsx", {"BC": [heads, ["Sơn La", 50, 61, 22, 73, 84]]})
    result = ingest.load_inputs(sorted(folder.iterdir()))
    assert result.problems == []
    (note,) = result.notes
    assert note.file.endswith("dot_2.xlsx") and (note.sheet, note.cell) == ("BC", "B2")
    text = str(note)
    assert "1 trong 5 số liệu của dòng này trùng với số đã có" in text
    assert (
        "online_dossier_rate_pct (ô B2) trùng với" in text and "dot_1.xlsx trang 'BC' ô B2" in text
    )
    assert "không xóa dòng này vì 4 số liệu còn lại của dòng là số mới" in text
    assert "Remove the repeated rows" not in note.render("en")
    assert len(result.observations) == 5
    # A row whose every figure repeats may go.
    _book(folder / "dot_3.xlsx", {"BC": [heads, ["Sơn La", 50, 61, 22, 73, 84]]})
    again = ingest.load_inputs([folder / "dot_2.xlsx", folder / "dot_3.xlsx"])
    (note,) = again.notes
    assert "1 dòng (dòng 2) lặp lại toàn bộ số liệu đã có ở" in str(note)
    assert second.name in str(note) and "Có thể xóa các dòng lặp" in str(note)


def test_an_ods_file_is_told_how_to_save_it_from_libreoffice(workspace, tmp_path):
    made = _book(tmp_path / "bc.xlsx", {"BC": [["Tỉnh", "Hồ sơ trực tuyến"], ["Hà Tĩnh", 50]]})
    ods = resave_with_libreoffice(made, workspace / "raw" / "2026-10", to="ods")
    (problem,) = ingest.check_files([ods])
    text = str(problem)
    assert "bảng tính OpenDocument (.ods" in text
    assert "LibreOffice Calc" in text and "Lưu thành (File > Save As)" in text
    assert "Excel 2007-365 (.xlsx)" in text and "Mở tệp bằng Excel" not in text
    assert "Open it in Excel" not in problem.render("en")


# --- both commands, both languages -----------------------------------------------------------


def test_check_and_ingest_tell_every_refused_file_in_vietnamese_or_english(workspace):
    folder = workspace / "raw" / "2026-10"
    write_csv(folder / "tot.csv", "Tỉnh,Hồ sơ trực tuyến\nHà Tĩnh,50\n")
    write_csv(folder / "sai_1.csv", "Tỉnh,Hồ sơ trực tuyến\nHà Tĩnh,năm mươi\n")
    write_csv(folder / "sai_2.csv", "Tỉnh,Hồ sơ trực tuyến\nQuang Nm,50\n")
    checked = _check(folder)
    assert checked.exit_code == 1
    out = checked.output
    assert "tot.csv: đạt; 1 số liệu của 1 tỉnh, thành phố (Hà Tĩnh)" in out
    assert "sai_1.csv: bị từ chối (1 lỗi, xem bên dưới)" in out
    assert "sai_2.csv, dòng 2, cột 'Tỉnh' (giá trị 'Quang Nm'): không có tỉnh, thành phố này" in out
    assert "Đã kiểm tra 3 tệp: 1 tệp đạt, 2 tệp bị từ chối. Không ghi gì." in out
    english = _check(folder, "--lang", "en")
    assert "sai_1.csv, row 2, column 'Hồ sơ trực tuyến' (value 'năm mươi')" in english.output
    assert "text where a number is expected" in english.output
    assert "Checked 3 file(s): 1 OK, 2 refused. Nothing was written." in english.output
    assert not (workspace / "processed" / "dx.duckdb").exists()  # check writes nothing

    ingested = CliRunner().invoke(main, ["ingest"])
    assert ingested.exit_code == 1
    assert "2 lỗi trong 2 tệp; không ghi gì vào data/processed" in ingested.output
    assert "sai_1.csv bị từ chối (1 lỗi)" in ingested.output
    assert "sai_2.csv bị từ chối (1 lỗi)" in ingested.output
    in_english = CliRunner().invoke(main, ["ingest", "--lang", "en"])
    assert "File " in in_english.output and "sai_2.csv refused (1 problem(s))" in in_english.output
    assert "unknown province" in in_english.output


def test_a_file_that_breaks_the_reader_is_named_and_the_others_still_read(workspace, monkeypatch):
    from analysis.data.ingest import read

    folder = workspace / "raw" / "2026-10"
    good = write_csv(folder / "tot.csv", "Tỉnh,Hồ sơ trực tuyến\nHà Tĩnh,50\n")
    odd = write_csv(folder / "la.csv", "Tỉnh,Hồ sơ trực tuyến\nNghệ An,51\n")
    real = read.read_tables

    def breaks_on_one(path):
        if path.name == odd.name:
            raise RuntimeError("an unforeseen layout")
        return real(path)

    monkeypatch.setattr(ingest, "read_tables", breaks_on_one)
    result = ingest.load_inputs([good, odd])
    (problem,) = result.problems
    assert problem.file.endswith("la.csv")
    assert "lỗi khi đọc tệp này (RuntimeError: an unforeseen layout)" in str(problem)
    assert "các tệp khác vẫn được kiểm tra" in str(problem)
    assert result.summaries[ingest.display_path(good)].figures == 1
