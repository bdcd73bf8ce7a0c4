"""The national overview's spreadsheet annex: every unit and the country, the store's values,
numbers kept as numbers, and a file an office suite opens."""

from __future__ import annotations

import csv

import duckdb
import openpyxl
import pytest

from analysis import paths
from analysis.analyses import monthly
from analysis.reference import catalog
from analysis.reporting import overview_annex
from tests.office import resave_with_libreoffice

pytestmark = pytest.mark.slow
PERIOD = "2026-10"


@pytest.fixture(scope="module")
def annex(demo_store, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VNDX_DATA_DIR", str(demo_store))
        results = monthly.period_results(PERIOD)
        path = tmp_path_factory.mktemp("annex") / "40_national_overview.xlsx"
        path.write_bytes(overview_annex.workbook_bytes(results, "vi"))
        with duckdb.connect(str(paths.database_path()), read_only=True) as con:
            store = con.execute(
                "SELECT province_code, indicator, value FROM observations_34 "
                "WHERE dataset = 'demo' AND (period = ? OR (freq = 'Y' AND period = '2025'))",
                [PERIOD],
            ).fetchall()
    return path, {(code, ind): value for code, ind, value in store}, results


def test_one_sheet_per_family_34_units_and_the_country(annex):
    path, _, results = annex
    wb = openpyxl.load_workbook(path)
    families = overview_annex.family_columns(results)
    assert wb.sheetnames == [catalog.FAMILIES[f][0] for f in families]
    for ws, family in zip(wb.worksheets, families, strict=True):
        headers = [c.value for c in ws[2]]
        assert headers[:3] == ["Mã", "Tỉnh, thành phố", "Vùng"]
        assert len(headers) == 3 + len(families[family])
        units = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
        assert len(units) == 34 and len({r[0] for r in units}) == 34
        national = ws.cell(row=3 + 34, column=2).value
        coverage = ws.cell(row=3 + 35, column=2).value
        assert national == "Cả nước" and coverage == "Số tỉnh, thành báo cáo (trên 34)"
        assert ws.max_row == 3 + 35
        assert ws.freeze_panes == "D3"
        assert ws.auto_filter.ref == f"A2:{openpyxl.utils.get_column_letter(len(headers))}36"
        for col in range(4, len(headers) + 1):
            assert ws.cell(row=3 + 35, column=col).value == 34  # every unit reported
        assert "DỮ LIỆU MẪU" in ws["A1"].value


def test_the_values_are_the_stores_numbers_with_a_number_format(annex):
    path, store, results = annex
    wb = openpyxl.load_workbook(path)
    checked = 0
    for ws, ids in zip(wb.worksheets, overview_annex.family_columns(results).values(), strict=True):
        for row in ws.iter_rows(min_row=3, max_row=36):
            code = row[0].value
            for cell, ind in zip(row[3:], ids, strict=True):
                expected = store.get((code, ind))
                if expected is None:
                    assert cell.value is None
                    continue
                assert isinstance(cell.value, int | float) and cell.value == pytest.approx(
                    expected, rel=1e-12
                )
                assert cell.number_format == overview_annex.NUMBER_FORMAT
                checked += 1
        national = [c.value for c in ws[37][3:]]
        comparison = results.comparison.drop_duplicates("indicator").set_index("indicator")
        for value, ind in zip(national, ids, strict=True):
            assert value == pytest.approx(comparison.loc[ind, "national_value"])
    assert checked > 34 * 20


def test_libreoffice_opens_it_and_reads_the_same_numbers(annex, tmp_path):
    path, store, _ = annex
    ods = resave_with_libreoffice(path, tmp_path / "ods", to="ods")
    assert ods.stat().st_size > 0
    out = resave_with_libreoffice(path, tmp_path / "csv", to="csv")  # the first sheet
    rows = list(csv.reader(out.read_text(encoding="utf-8").splitlines()))
    assert rows[1][:3] == ["Mã", "Tỉnh, thành phố", "Vùng"]
    by_code = {r[0]: r for r in rows[2:36]}
    assert len(by_code) == 34
    hanoi = float(by_code["01"][3].replace(",", ""))
    assert hanoi == pytest.approx(store[("01", "digital_economy_share_grdp_pct")], abs=0.005)
