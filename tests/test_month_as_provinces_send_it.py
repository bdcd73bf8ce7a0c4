"""December as a provincial statistics office lives it, end to end, through the command line.

The demo data (to November 2026) are ingested for the history the workbooks show. On 3
December the office writes Nghệ An's December workbook and tries to send reminders (the month is
not over: none is written). Nghệ An fills in the workbook with openpyxl, one cell left empty
(land records digitized, a target due 31/12/2026), and saves it with LibreOffice; on 4 January
2027 the office puts it under ``data/raw/2026-12/``, checks it, ingests it, asks the status and
runs the month's reports. Every sentence the pages say about completeness and status is checked
against what was sent: 1 of 34 units reported, one figure missing, and no forecast or
probability for the targets due in December.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from analysis.cli import main
from analysis.reference import workbook
from tests.conftest import ROOT
from tests.office import resave_with_libreoffice

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing"),
]

PERIOD = "2026-12"
EMPTY = "land_records_digitized_pct"  # left empty: its target (100 %) is due 31/12/2026
TYPED = {
    "eid_activation_pct": 82.78,  # target 90 % by 31/12/2026: not met
    "online_dossier_rate_pct": 61.5,  # target 60 % by 31/12/2026: met on time
    "civil_status_digitization_pct": 100,  # target 100 % by 31/12/2026: met on time
}


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _fill(blank: Path, out: Path) -> Path:
    """Nghệ An's workbook as a person fills it: every value cell but one, typed."""
    wb = openpyxl.load_workbook(blank)
    ws = wb["Số liệu"]
    for row in range(workbook.HEADER_ROW + 1, ws.max_row + 1):
        indicator = ws.cell(row, 4).value
        if indicator is None or indicator == EMPTY:
            continue
        latest = ws.cell(row, 9).value  # "Số liệu gần nhất", as the workbook shows it: 84,86
        value = TYPED.get(indicator, float(str(latest).replace(",", ".")) if latest else 50.0)
        ws.cell(row, 12).value = value
    wb.save(out)
    return out


def _pdf_text(pdf: Path) -> str:
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return " ".join(text.split())  # lines wrapped by the page width, joined again


def _status_rows(html: str) -> dict[str, list[str]]:
    """The target table's rows: indicator -> its cells' text."""
    table = re.search(r'<table class="status-table">.*?</table>', html, flags=re.S)
    assert table is not None, "no target table"
    rows = {}
    for row in re.findall(r"<tr class=\"status-.*?</tr>", table.group(0), flags=re.S):
        cells = [
            " ".join(re.sub(r"<[^>]+>", " ", c).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        rows[cells[0]] = cells
    return rows


@pytest.fixture(scope="module")
def december(tmp_path_factory):
    """The month run as the office runs it; returns the data and reports folders and what
    each command said."""
    root = tmp_path_factory.mktemp("december")
    data, reports = root / "data", root / "reports"
    (data / "raw").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "raw" / "published", data / "raw" / "published")
    said: dict[str, tuple[int, str]] = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("VNDX_DATA_DIR", str(data))
        mp.setenv("VNDX_REPORTS_DIR", str(reports))
        mp.setenv("VNDX_TODAY", "2026-12-03")
        said["demo"] = _cli("demo", "--until", "2026-11")
        said["ingest_demo"] = _cli("ingest")
        said["collect"] = _cli("collect", "--period", PERIOD, "--province", "Nghệ An")
        said["remind_early"] = _cli("remind", "--period", PERIOD)
        blank = data / "collection" / PERIOD / workbook.file_name("nghe_an", PERIOD)
        (root / "filled").mkdir()
        filled = _fill(blank, root / "filled" / blank.name)
        resave_with_libreoffice(filled, data / "raw" / PERIOD)
        mp.setenv("VNDX_TODAY", "2027-01-04")
        said["check"] = _cli("check", str(data / "raw" / PERIOD))
        said["ingest"] = _cli("ingest")
        said["status"] = _cli("status", "--period", PERIOD)
        said["status_en"] = _cli("status", "--period", PERIOD, "--lang", "en")
        said["status_json"] = _cli("status", "--period", PERIOD, "--json")
        said["run"] = _cli(
            "run",
            "--period",
            PERIOD,
            "--province",
            "Nghệ An",
            "--notebook",
            "30_leadership_briefing",
            "--notebook",
            "20_target_forecast",
            "--notebook",
            "40_national_overview",
            "--no-progress",
        )
    return data, reports / PERIOD, said


def test_the_commands_exit_as_the_month_stands(december):
    data, _, said = december
    for step in ("demo", "ingest_demo", "collect", "check", "ingest", "run"):
        assert said[step][0] == 0, (step, said[step][1])
    # Reminders on 3 December: the month is not over; nothing is written as if late.
    code, text = said["remind_early"]
    assert code == 0
    assert "Chưa viết thư nhắc: tháng 12/2026 chưa kết thúc (hôm nay 03/12/2026)" in text
    assert not (data / "collection" / PERIOD / "reminders").exists()
    # The status is incomplete (exit 1) and says so in words.
    assert said["status"][0] == 1 and said["status_json"][0] == 1


def test_status_says_who_sent_what_in_vietnamese_and_in_english(december):
    _, _, said = december
    text = said["status"][1]
    assert "Tháng 12/2026 đã kết thúc; hạn gửi số liệu là 05/01/2027." in text
    assert re.search(r"Nghệ An\s+chưa đủ \(26/27\)\s+26/27", text), text
    assert re.search(r"Hà Tĩnh\s+chưa nhận\s+0/27", text)
    assert "Đã nhận đủ: 0/34 tỉnh, thành phố; chưa đủ: 1; chưa nhận số liệu nào: 33." in text
    assert (
        "- Nghệ An: đã nhận 26/27 chỉ tiêu tháng 12/2026, còn thiếu 1: Số hóa đất đai "
        "(số liệu gần nhất: " not in text
    )  # the demo is another dataset: the office holds no earlier figure of Nghệ An's own
    assert (
        "- Nghệ An: đã nhận 26/27 chỉ tiêu tháng 12/2026, còn thiếu 1: Số hóa đất đai "
        "(chưa có số liệu kỳ trước); đề nghị Nghệ An điền các chỉ tiêu còn thiếu vào biểu "
        "nghe_an_2026-12.xlsx và gửi lại trước ngày 05/01/2027" in text
    )
    assert "- 33 tỉnh, thành phố chưa gửi số liệu nào tháng 12/2026 (mỗi tỉnh 27 chỉ tiêu)" in text
    english = said["status_en"][1]
    assert "Nghệ An: 26 of the 27 indicators for December 2026 received, 1 missing" in english
    units = {u["province"]: u for u in json.loads(said["status_json"][1])["units"]}
    assert units["nghe_an"]["state"] == "partial" and units["nghe_an"]["received"] == 26
    assert units["ha_tinh"]["state"] == "missing"


def test_the_overview_says_one_of_34_reported_and_names_the_missing_figure(december):
    _, out, _ = december
    text = _pdf_text(out / "national" / "40_national_overview.pdf")
    assert "Tất cả" not in text and "đã có đủ số liệu" not in text
    assert (
        "1/34 tỉnh, thành phố có số liệu tháng 12/2026: 0 có đủ 27 chỉ tiêu đến hạn, 1 chưa "
        "đủ; 33 tỉnh, thành phố chưa có số liệu." in text
    )
    assert (
        "Nghệ An: đã có số liệu 26/27 chỉ tiêu đến hạn tháng 12/2026, còn thiếu 1; Số hóa đất "
        "đai: chưa có số liệu tháng 12/2026; số liệu gần nhất: chưa có" in text
    )
    assert "33 tỉnh, thành phố chưa có số liệu tháng 12/2026, cũng chưa có số liệu kỳ nào" in text
    assert "Chỉ 1/34 tỉnh, thành phố có số liệu tháng 12/2026" in text
    html = (out / "national" / "40_national_overview.html").read_text()
    row = r"<th scope=\"row\">Nghệ An</th>\s*<td>(.*?)</td>\s*<td>(.*?)</td>"
    receipts = re.search(row, html.split("Tình hình nhận số liệu")[1])
    assert receipts is not None and receipts.groups() == ("chưa đủ (26/27)", "26/27")
    assert "33 tỉnh, thành phố khác chưa gửi số liệu nào." in text
    # The targets due in December are counted from the figures, not forecast as "at risk".
    assert "có nguy cơ hoặc chậm tiến độ" not in text
    assert "Nghệ An (chưa có số liệu tháng 12/2026)" in text  # land records, awaited
    # The status matrix counts this month's figures only: the 33 units that sent nothing are
    # "no data" on every target, Nghệ An has a status on each.
    alt = re.search(r'alt="(Ma trận trạng thái[^"]*)"', html).group(1)
    assert re.search(r"Chưa có số liệu (\d+)", alt).group(1) == str(33 * 24 + 1)


def test_the_briefing_opens_with_its_missing_figure_and_forecasts_nothing_due_now(december):
    _, out, _ = december
    text = _pdf_text(out / "nghe_an" / "30_leadership_briefing.pdf")
    notice = (
        "Số liệu chưa đầy đủ tháng 12/2026 Đã có số liệu 26/27 chỉ tiêu đến hạn tháng 12/2026, "
        "còn thiếu 1 Số hóa đất đai: chưa có số liệu tháng 12/2026; số liệu gần nhất: chưa có"
    )
    assert notice in text and text.index(notice) < text.index("Các chỉ số chính")
    # The annual indicator is not due in December: its card names the year it lacks.
    assert "Chưa báo cáo tháng 12/2026" not in text and "Chưa báo cáo năm 2025" in text
    assert "hạng 1/1" not in text and "Trung bình 1 tỉnh" not in text
    assert "dưới 10%" not in text and "Chậm tiến độ" not in text.split("Ghi chú phương pháp")[0]
    rows = _status_rows((out / "nghe_an" / "30_leadership_briefing.html").read_text())
    due_now = {k: v for k, v in rows.items() if "31/12/2026" in v}
    assert len(due_now) >= 10, rows
    for name, cells in due_now.items():
        _, _, _, _, probability, needed, _, status = cells[:8]
        assert probability == "—" and needed == "—", (name, cells)
        assert status in ("Hoàn thành đúng hạn", "Quá hạn chưa đạt", "Chờ số liệu kỳ hạn"), cells
    assert due_now["Kích hoạt định danh điện tử"][-1] == "Quá hạn chưa đạt"
    assert due_now["Hồ sơ trực tuyến"][-1] == "Hoàn thành đúng hạn"
    land = next(v for k, v in due_now.items() if k.startswith("Số hóa đất đai"))
    assert land[-1] == "Chờ số liệu kỳ hạn" and "chưa có số liệu tháng 12/2026" in land[0]


def test_the_forecast_page_forecasts_no_target_due_in_december(december):
    _, out, _ = december
    html = (out / "nghe_an" / "20_target_forecast.html").read_text()
    rows = _status_rows(html)
    assert all(cells[4] == "—" for cells in rows.values()), rows
    text = _pdf_text(out / "nghe_an" / "20_target_forecast.pdf")
    assert "Đã đến hạn: theo số liệu thực tế, không dự báo" in text
    assert "dưới 10%" not in text and "Khoảng dự báo" not in text
    assert "Chưa vẽ xu hướng của" in text  # one month of figures: no lone-dot charts


def test_the_index_page_and_the_report_folders(december):
    _, out, _ = december
    page = (out / "index.html").read_text()
    assert "Đã có số liệu 26/27 chỉ tiêu đến hạn tháng 12/2026, còn thiếu 1" in page
    assert "Chưa có số liệu tháng 12/2026, cũng chưa có số liệu kỳ nào trước đó" in page
    assert "1/34 tỉnh, thành phố có số liệu tháng 12/2026" in page
    assert not list(out.rglob("*.lock"))
