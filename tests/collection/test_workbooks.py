"""Collection workbooks: what `collect` writes, and how `check`/`ingest` read them back filled."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.collection import template
from analysis.data import ingest, store
from analysis.data.rebuild import rebuild
from analysis.reference import geography, workbook
from analysis.reference.due import due_date, due_indicators
from tests.conftest import write_csv
from tests.office import resave_with_libreoffice

SHEET = "Số liệu"
EHEALTH = "ehealth_book_integration_pct"


def _row_of(ws, indicator: str) -> int:
    """The data-sheet row asking for ``indicator``."""
    for row in range(workbook.HEADER_ROW + 1, ws.max_row + 1):
        if ws[f"D{row}"].value == indicator:
            return row
    raise AssertionError(f"{indicator} not in the workbook")


def _fill(blank: Path, out: Path, figures: dict[str, dict[str, object]], extra=None) -> Path:
    """Type figures into a workbook as a province would (indicator -> column field -> value)."""
    wb = openpyxl.load_workbook(blank)
    ws = wb[SHEET]
    for indicator, cells in figures.items():
        row = _row_of(ws, indicator)
        for field, value in cells.items():
            ws[f"{workbook.BY_FIELD[field].letter}{row}"] = value
    for ref, value in (extra or {}).items():
        ws[ref] = value
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


@pytest.fixture
def blank(workspace, tmp_path) -> Path:
    """Nghệ An's blank workbook for 2026-10."""
    unit = geography.by_codename("nghe_an")
    (path,) = template.write_workbooks("2026-10", [unit], tmp_path / "sent", national=False)
    return path


def test_due_indicators_monthly_every_month_annual_in_their_month():
    october = {d.indicator.id for d in due_indicators("2026-10")}
    march = {d.indicator.id: str(d.period) for d in due_indicators("2027-03")}
    assert "digital_economy_share_grdp_pct" not in october
    assert march["digital_economy_share_grdp_pct"] == "2026"
    assert march["online_dossier_rate_pct"] == "2027-03"
    # Retired indicators (valid_to before the month) are no longer asked for.
    assert "online_dossier_rate_districts_pct" not in october
    assert due_date("2026-10").isoformat() == "2026-11-05"
    assert due_date("2026-10", 31).isoformat() == "2026-11-30"


def test_same_inputs_give_the_same_bytes(workspace, tmp_path):
    units = [geography.by_codename("nghe_an")]
    first = template.write_workbooks("2026-10", units, tmp_path / "a")
    second = template.write_workbooks("2026-10", units, tmp_path / "b")
    assert [p.name for p in first] == ["nghe_an_2026-10.xlsx", "national_2026-10.xlsx"]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(first[0]) as archive:
        assert {i.date_time for i in archive.infolist()} == {template.ZIP_TIME}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-10-01T00:00:00Z" in core
    other = template.write_workbooks(
        "2026-10", [geography.by_codename("ha_tinh")], tmp_path / "c", national=False
    )
    assert other[0].read_bytes() != first[0].read_bytes()


def test_workbook_has_validation_protection_and_its_identity(blank):
    wb = openpyxl.load_workbook(blank)
    assert wb.sheetnames == ["Hướng dẫn", SHEET, "meta"]
    meta = {r[0]: r[1] for r in wb["meta"].iter_rows(values_only=True)}
    assert wb["meta"].sheet_state == "hidden"
    assert (meta["template"], meta["unit"], meta["period"]) == (
        workbook.MARKER,
        "nghe_an",
        "2026-10",
    )
    assert {p.name: p.value for p in wb.custom_doc_props}["vndx_period"] == "2026-10"
    ws = wb[SHEET]
    assert ws.protection.sheet and not ws.protection.password
    validated: dict[str, str] = {}
    for rule in ws.data_validations.dataValidation:
        for cell_range in rule.sqref.ranges:
            validated[cell_range.coord] = rule.type
    n_due = len(due_indicators("2026-10"))
    assert ws.max_row == workbook.HEADER_ROW + n_due
    for row in range(workbook.HEADER_ROW + 1, ws.max_row + 1):
        # Every monthly indicator is a ratio: a rate and both counts may be typed.
        assert (validated[f"L{row}"], validated[f"M{row}"], validated[f"N{row}"]) == (
            "decimal",
            "custom",
            "custom",
        )
        assert not any(ws[f"{c}{row}"].protection.locked for c in "LMNO")
        assert all(ws[f"{c}{row}"].protection.locked for c in "ABCDEFGHIJK")
    rules = [r for r in ws.data_validations.dataValidation if r.type == "custom"]
    assert "M7<=N7" in rules[0].formula1


def test_workbook_shows_the_latest_figure_from_the_store(workspace, tmp_path):
    write_csv(
        workspace / "raw" / "2026-09" / "sep.csv",
        "province,indicator,period,value\nNghệ An,online_dossier_rate_pct,2026-09,45.03\n",
    )
    rebuild(workspace / "raw" / "published")
    (path,) = template.write_workbooks(
        "2026-10", [geography.by_codename("nghe_an")], tmp_path, national=False
    )
    ws = openpyxl.load_workbook(path)[SHEET]
    row = _row_of(ws, "online_dossier_rate_pct")
    assert (ws[f"I{row}"].value, ws[f"J{row}"].value) == ("45,03", "tháng 9/2026")
    assert ws[f"I{_row_of(ws, 'households_fibre_pct')}"].value == "chưa có"


def test_round_trip_with_excel_habits(workspace, blank):
    figures = {
        "villages_mobile_broadband_pct": {"numerator": 950, "denominator": 1000},
        "online_dossier_rate_pct": {"value": "45,03%", "note": "ước tính"},
        "online_payment_rate_pct": {"numerator": "2.852.992", "denominator": "3.000.000"},
        EHEALTH: {"value": 61.5},
    }
    # A remark right of the table; the file renamed; the other indicators left empty.
    filled = _fill(blank, workspace / "raw" / "2026-10" / "Bao cao T10 (final).xlsx", figures)
    wb = openpyxl.load_workbook(filled)
    ws = wb[SHEET]
    ws[f"Q{_row_of(ws, 'ehealth_book_integration_pct')}"] = "số liệu của Sở Y tế"
    wb.save(filled)
    built = rebuild(workspace / "raw" / "published")
    obs = built.result.observations.set_index("indicator")
    assert set(obs.index) == set(figures)
    assert (
        obs.loc["villages_mobile_broadband_pct", ["numerator", "denominator"]] == [950, 1000]
    ).all()
    assert obs.loc["online_dossier_rate_pct", "value"] == pytest.approx(45.03)
    assert obs.loc["online_payment_rate_pct", "numerator"] == 2852992
    assert obs.loc[EHEALTH, "value"] == 61.5
    assert obs.loc[EHEALTH, "note"] == "số liệu của Sở Y tế"
    assert (obs["province_code"] == "40").all() and (obs["period"].astype(str) == "2026-10").all()
    with store.connect() as con:
        sent = con.execute("SELECT count(*) FROM submissions").fetchone()
    assert sent == (4,)


def test_blank_rows_are_skipped(workspace, blank):
    filled = _fill(blank, workspace / "raw" / "2026-10" / "na.xlsx", {})
    wb = openpyxl.load_workbook(filled)
    ws = wb[SHEET]
    ws.insert_rows(9, 2)  # two empty rows in the middle of the table
    row = _row_of(ws, "online_dossier_rate_pct")
    ws[f"L{row}"] = 50
    wb.save(filled)
    result = ingest.check_paths([filled])
    assert not result.problems
    assert len(ingest.load_inputs([filled]).observations) == 1


def _problems(path: Path) -> list[str]:
    return [str(p) for p in ingest.check_paths([path]).problems]


def test_last_months_workbook_filed_under_this_month_is_refused(workspace, tmp_path):
    unit = geography.by_codename("nghe_an")
    (september,) = template.write_workbooks("2026-09", [unit], tmp_path, national=False)
    filled = _fill(
        september,
        workspace / "raw" / "2026-10" / "nghe_an.xlsx",
        {"online_dossier_rate_pct": {"value": 50}},
    )
    (problem,) = _problems(filled)
    assert "thư mục 2026-10 ghi tháng 10/2026, nhưng biểu là của tháng 9/2026" in problem
    assert "(theo ô A1, ô D3, cột F trang 'Số liệu')" in problem
    assert "hoặc chuyển tệp sang thư mục 2026-09" in problem
    # Filed under its own month it is accepted.
    september_place = workspace / "raw" / "2026-09" / "nghe_an.xlsx"
    september_place.parent.mkdir(parents=True)
    filled.rename(september_place)
    assert _problems(september_place) == []


def test_sidecar_period_names_the_month_collected(workspace, blank):
    filled = _fill(
        blank,
        workspace / "raw" / "inbox" / "na.xlsx",
        {EHEALTH: {"value": 1}},
    )
    filled.with_name("na.xlsx.meta.yml").write_text("period: 2026-11\n", encoding="utf-8")
    (problem,) = _problems(filled)
    assert "kỳ ghi trong na.xlsx.meta.yml ghi tháng 11/2026" in problem
    assert "biểu là của tháng 10/2026 (theo ô A1, ô D3, cột F trang 'Số liệu')" in problem


def test_formula_without_a_stored_value_is_refused_with_its_cell(workspace, blank):
    filled = _fill(blank, workspace / "raw" / "2026-10" / "na.xlsx", {})
    wb = openpyxl.load_workbook(filled)
    ws = wb[SHEET]
    row = _row_of(ws, "online_dossier_rate_pct")
    ws[f"L{row}"] = "=40+5"
    wb.save(filled)
    (problem,) = _problems(filled)
    assert f"trang 'Số liệu', ô L{row}, cột 'Giá trị (%)': ô có công thức" in problem
    assert "Paste Special > Values" in problem


def test_values_outside_the_validation_are_refused_with_their_cells(workspace, blank):
    filled = _fill(
        blank,
        workspace / "raw" / "2026-10" / "na.xlsx",
        {
            "online_dossier_rate_pct": {"value": 120},
            "villages_mobile_broadband_pct": {"numerator": 12, "denominator": 10},
            "households_fibre_pct": {"numerator": "1,5", "denominator": 10},
        },
    )
    ws = openpyxl.load_workbook(filled)[SHEET]
    problems = "\n".join(_problems(filled))
    rate, counts, decimals = (
        _row_of(ws, i)
        for i in (
            "online_dossier_rate_pct",
            "villages_mobile_broadband_pct",
            "households_fibre_pct",
        )
    )
    assert (
        f"ô L{rate}, cột 'Giá trị (%)' (giá trị '120'): tỷ lệ nằm ngoài khoảng hợp lệ "
        "(từ 0 đến 100)" in problems
    )
    assert (
        f"các ô M{counts}, N{counts}, các cột 'Tử số', 'Mẫu số' (giá trị '12 > 10'): "
        "tử số lớn hơn mẫu số" in problems
    )
    assert f"ô M{decimals}, cột 'Tử số' (giá trị '1,5'): số đếm có phần thập phân" in problems


def test_another_provinces_workbook_is_refused(workspace, blank):
    filled = _fill(
        blank,
        workspace / "raw" / "2026-10" / "ha_tinh_2026-10.xlsx",
        {EHEALTH: {"value": 1}},
    )
    (problem,) = _problems(filled)
    assert (
        "tên tệp hoặc thư mục (ha_tinh_2026-10.xlsx) ghi Hà Tĩnh (42), nhưng biểu là của "
        "Nghệ An (40) (theo ô D2, cột B, cột C trang 'Số liệu')" in problem
    )
    in_folder = _fill(
        blank,
        workspace / "raw" / "2026-10" / "Hà Tĩnh" / "bao_cao.xlsx",
        {EHEALTH: {"value": 1}},
    )
    assert any("ghi Hà Tĩnh (42), nhưng biểu là của Nghệ An" in p for p in _problems(in_folder))


def test_two_workbooks_with_different_figures_conflict_unless_one_revises(workspace, blank):
    folder = workspace / "raw" / "2026-10"
    _fill(blank, folder / "first.xlsx", {"online_dossier_rate_pct": {"value": 45}})
    rebuild(workspace / "raw" / "published")
    version = store.data_version()
    second = _fill(blank, folder / "second.xlsx", {"online_dossier_rate_pct": {"value": 47}})
    with pytest.raises(ingest.IngestError, match="trùng nhưng khác số"):
        rebuild(workspace / "raw" / "published")
    assert store.data_version() == version  # the refused ingest kept the stored data
    second.with_name("second.xlsx.meta.yml").write_text(
        "source: Sở KH&CN Nghệ An\nrevises: first.xlsx\n", encoding="utf-8"
    )
    built = rebuild(workspace / "raw" / "published")
    assert built.result.observations["value"].tolist() == [47]


def test_the_same_workbook_twice_counts_once(workspace, blank):
    folder = workspace / "raw" / "2026-10"
    _fill(blank, folder / "a.xlsx", {"online_dossier_rate_pct": {"value": 45}})
    _fill(blank, folder / "b.xlsx", {"online_dossier_rate_pct": {"value": 45}})
    built = rebuild(workspace / "raw" / "published")
    assert len(built.result.observations) == 1


def test_national_workbook_reads_every_province(workspace, tmp_path):
    (national,) = template.write_workbooks("2026-10", [], tmp_path, national=True)
    wb = openpyxl.load_workbook(national)
    ws = wb[SHEET]
    rows = [r for r in range(7, ws.max_row + 1) if ws[f"D{r}"].value == EHEALTH]
    assert len(rows) == 34
    ws[f"L{rows[0]}"], ws[f"L{rows[-1]}"] = 10, 20
    out = workspace / "raw" / "2026-10" / "tong_hop.xlsx"
    out.parent.mkdir(parents=True)
    wb.save(out)
    obs = ingest.load_inputs([out]).observations
    assert sorted(obs["province_code"]) == ["01", "96"]


def test_collect_command_writes_35_workbooks(workspace, tmp_path):
    result = CliRunner().invoke(main, ["collect", "--period", "2026-10", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.xlsx"))) == 35
    one = CliRunner().invoke(main, ["collect", "--period", "2026-10", "--province", "Nghe An"])
    assert one.exit_code == 0, one.output
    assert sorted(p.name for p in (workspace / "collection" / "2026-10").iterdir()) == [
        "huong-dan-gui-so-lieu.pdf",
        "nghe_an_2026-10.xlsx",
    ]
    bad = CliRunner().invoke(main, ["collect", "--period", "2026-13"])
    assert bad.exit_code == 2


@pytest.mark.slow
def test_the_providers_guide_goes_with_the_workbooks_and_their_instructions_name_it(tmp_path):
    import shutil
    import subprocess

    from analysis.collection import guide

    printed = guide.write_guide(tmp_path)
    assert printed is not None and printed.name == "huong-dan-gui-so-lieu.pdf"
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "Hướng dẫn điền và gửi biểu" in text and "Số liệu" in text
    wb = template.build_workbook(geography.by_codename("nghe_an"), "2026-10", {})
    instructions = " ".join(
        str(c.value) for row in wb.worksheets[0].iter_rows() for c in row if c.value
    )
    assert "huong-dan-gui-so-lieu.pdf" in instructions


def test_annual_rate_indicator_asks_for_a_value_only():
    wb = template.build_workbook(geography.by_codename("nghe_an"), "2027-03", {})
    ws = wb[SHEET]
    row = _row_of(ws, "digital_economy_share_grdp_pct")
    assert ws[f"F{row}"].value == "năm 2026"
    assert not ws[f"L{row}"].protection.locked
    assert ws[f"M{row}"].protection.locked and ws[f"N{row}"].protection.locked
    counted = {
        cell_range.coord
        for rule in ws.data_validations.dataValidation
        if rule.type == "custom"
        for cell_range in rule.sqref.ranges
    }
    assert f"M{row}" not in counted and f"M{row + 1}" in counted


def test_definitions_keep_their_commas():
    """Flow mappings in indicators.yml are quoted: a comma no longer cuts a definition."""
    from analysis.reference import catalog

    for ind in catalog.indicators().values():
        for side in (ind.numerator, ind.denominator):
            assert set(side) <= {"vi", "en"}, ind.id
    ws = template.build_workbook(geography.by_codename("nghe_an"), "2026-10", {})[SHEET]
    assert ws[f"G{_row_of(ws, 'villages_mobile_broadband_pct')}"].value == (
        "Tử số: Số thôn, bản được phủ sóng di động băng rộng. Mẫu số: Tổng số thôn, bản."
    )


def test_catalog_collection_fields():
    from analysis.reference import catalog

    entry = {
        "id": "x_pct",
        "family": "infrastructure",
        "name_vi": "X",
        "name_en": "X",
        "unit": "%",
        "frequency": "annual",
        "kind": "rate",
        "temporal": "stock",
        "direction": "higher_is_better",
        "aggregation": "weighted_mean",
        "weight": "population_thousands",
        "bounds": [0, 100],
        "source": "test",
    }
    assert catalog._parse(entry).collection_month == 3
    assert catalog._parse(entry).plausible_change is None
    parsed = catalog._parse({**entry, "collection_month": 6, "plausible_change": 5})
    assert (parsed.collection_month, parsed.plausible_change) == (6, 5.0)
    with pytest.raises(catalog.CatalogError, match="collection_month"):
        catalog._parse({**entry, "collection_month": 13})


def test_check_command_names_the_cell_and_exits_1(workspace, blank):
    filled = _fill(
        blank,
        workspace / "raw" / "2026-10" / "na.xlsx",
        {"online_dossier_rate_pct": {"value": 101}},
    )
    result = CliRunner().invoke(main, ["check", str(filled)])
    assert result.exit_code == 1
    row = _row_of(openpyxl.load_workbook(filled)[SHEET], "online_dossier_rate_pct")
    assert f"trang 'Số liệu', ô L{row}, cột 'Giá trị (%)' (giá trị '101')" in result.output
    assert "tỷ lệ nằm ngoài khoảng hợp lệ (từ 0 đến 100)" in result.output
    english = CliRunner().invoke(main, ["check", str(filled), "--lang", "en"])
    assert f"sheet 'Số liệu', cell L{row}, column 'Giá trị (%)' (value '101')" in english.output
    assert "a rate outside its bounds (0 to 100)" in english.output
    fixed = _fill(blank, filled, {"online_dossier_rate_pct": {"value": "45,03"}})
    ok = CliRunner().invoke(main, ["check", str(fixed)])
    assert ok.exit_code == 0, ok.output


# --- a workbook's unit and month, from every place it writes them ------------------------------


def _edit(path: Path, cells: dict[tuple[str, str], object]) -> Path:
    """Change cells of any sheet ((sheet, cell) -> value), as someone unhiding `meta` would."""
    wb = openpyxl.load_workbook(path)
    for (sheet, ref), value in cells.items():
        wb[sheet][ref] = value
    wb.save(path)
    return path


def test_a_hidden_unit_code_of_another_province_is_refused_naming_the_cell(workspace, blank):
    filled = _fill(
        blank,
        workspace / "raw" / "2026-10" / "nghe_an_2026-10.xlsx",
        {"online_dossier_rate_pct": {"value": 45}},
    )
    _edit(filled, {("meta", "B4"): "01"})  # Hà Nội's code; everything else says Nghệ An
    (problem,) = ingest.check_paths([filled]).problems
    assert (problem.sheet, problem.cell) == ("meta", "B4")
    assert (
        "trang 'meta', ô B4: ô này ghi TP. Hà Nội (01), nhưng biểu là của Nghệ An (40) "
        "(theo ô D2, cột B, cột C trang 'Số liệu')" in str(problem)
    )
    assert "Trang ẩn 'meta'" in str(problem) and "không được sửa" in str(problem)
    assert (
        "sheet 'meta', cell B4: this cell says TP. Hà Nội (01), but the workbook is for "
        "Nghệ An (40)" in problem.render("en")
    )
    with pytest.raises(ingest.IngestError):
        rebuild(workspace / "raw" / "published")  # never stored, for Hà Nội or anyone
    assert not (workspace / "processed" / "dx.duckdb").exists()


def test_hidden_and_visible_places_that_disagree_are_refused_by_cell(workspace, blank):
    folder = workspace / "raw" / "2026-10"
    unit = _edit(
        _fill(blank, folder / "a.xlsx", {EHEALTH: {"value": 1}}),
        {("meta", "B3"): "ha_noi", ("meta", "B4"): "01"},
    )
    problems = [str(p) for p in ingest.check_paths([unit]).problems]
    assert len(problems) == 2 and all("nhưng biểu là của Nghệ An (40)" in p for p in problems)
    assert any("trang 'meta', ô B3" in p for p in problems)
    shown = _edit(
        _fill(blank, folder / "b.xlsx", {EHEALTH: {"value": 1}}), {(SHEET, "D3"): "tháng 11/2026"}
    )
    (problem,) = ingest.check_paths([shown]).problems
    assert "trang 'Số liệu', ô D3: ô này ghi tháng 11/2026, nhưng biểu là của tháng 10/2026" in (
        str(problem)
    )
    assert "Các ô này đã khóa" in str(problem)
    ws = openpyxl.load_workbook(blank)[SHEET]
    row = _row_of(ws, EHEALTH)
    pasted = _edit(
        _fill(blank, folder / "c.xlsx", {EHEALTH: {"value": 1}}), {(SHEET, f"B{row}"): "42"}
    )
    (problem,) = ingest.check_paths([pasted]).problems
    assert problem.cell == f"B{row}" and problem.value == "42"
    assert "dòng ghi một tỉnh, thành phố khác với Nghệ An (40) của biểu" in str(problem)


def test_a_wrong_hidden_period_is_refused_and_the_other_files_still_checked(workspace, blank):
    inbox = workspace / "raw" / "hop_thu"  # no month folder: the workbook's own places decide
    good = _fill(blank, inbox / "nghe_an_tot.xlsx", {"online_dossier_rate_pct": {"value": 45}})
    later = _edit(
        _fill(blank, inbox / "nghe_an_sai_ky.xlsx", {"online_dossier_rate_pct": {"value": 46}}),
        {("meta", "B5"): "2026-11"},
    )
    impossible = _edit(
        _fill(blank, inbox / "nghe_an_thang_13.xlsx", {"online_dossier_rate_pct": {"value": 47}}),
        {("meta", "B5"): "2026-13"},
    )
    result = ingest.check_paths([inbox])
    by_file = {Path(p.file).name: p for p in result.problems}
    assert set(by_file) == {later.name, impossible.name}
    assert (by_file[later.name].sheet, by_file[later.name].cell) == ("meta", "B5")
    assert "ô này ghi tháng 11/2026, nhưng biểu là của tháng 10/2026" in str(by_file[later.name])
    thirteen = by_file[impossible.name]
    assert (thirteen.sheet, thirteen.cell, thirteen.value) == ("meta", "B5", "2026-13")
    assert (
        f"{impossible.name}, trang 'meta', ô B5 (giá trị '2026-13'): không phải một tháng có "
        "thật; biểu là của tháng 10/2026" in str(thirteen)
    )
    checked = CliRunner().invoke(main, ["check", str(inbox)])
    assert checked.exit_code == 1
    assert f"{good.name}: đạt; 1 số liệu của 1 tỉnh, thành phố (Nghệ An)" in checked.output
    assert f"{later.name}: bị từ chối (1 lỗi" in checked.output
    assert f"{impossible.name}: bị từ chối (1 lỗi" in checked.output
    assert "Đã kiểm tra 3 tệp: 1 tệp đạt, 2 tệp bị từ chối" in checked.output
    ingested = CliRunner().invoke(main, ["ingest"])
    assert ingested.exit_code == 1
    assert "2 lỗi trong 2 tệp" in ingested.output
    assert later.name in ingested.output and impossible.name in ingested.output


def test_a_workbook_filled_and_saved_by_libreoffice_with_an_empty_cell(workspace, blank, tmp_path):
    wb = openpyxl.load_workbook(blank)
    ws = wb[SHEET]
    due = [i.indicator.id for i in due_indicators("2026-10")]
    for number, indicator in enumerate(due):
        if indicator != EHEALTH:  # left empty: not reported this month
            ws[f"L{_row_of(ws, indicator)}"] = f"{40 + number},5"
    filled = tmp_path / "typed" / "nghe_an_2026-10.xlsx"
    filled.parent.mkdir()
    wb.save(filled)
    resaved = resave_with_libreoffice(filled, workspace / "raw" / "2026-10")
    checked = CliRunner().invoke(main, ["check", str(resaved)])
    assert checked.exit_code == 0, checked.output
    assert (
        f"đạt; {len(due) - 1} số liệu của 1 tỉnh, thành phố (Nghệ An), 1 kỳ (tháng 10/2026), "
        f"{len(due) - 1} chỉ tiêu" in checked.output
    )
    built = rebuild(workspace / "raw" / "published")
    obs = built.result.observations
    assert len(obs) == len(due) - 1 and EHEALTH not in set(obs["indicator"])
    assert set(obs["province_code"]) == {"40"}
