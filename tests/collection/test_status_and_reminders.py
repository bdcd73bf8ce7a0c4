"""The month's collection status, the status command's exit codes, and the reminders."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from analysis.analyses.receipts import collection_status, implausible_change
from analysis.cli import main
from analysis.collection import reminders, template
from analysis.data.rebuild import rebuild
from analysis.reference import geography, workbook
from tests.conftest import write_csv

IND = "online_dossier_rate_pct"
SHEET = "Số liệu"


def _workbook(folder: Path, name: str, unit: str, value: float, sidecar: str | None) -> Path:
    """``unit``'s 2026-10 workbook with ``value`` typed for :data:`IND`, filed as ``name``."""
    (blank,) = template.write_workbooks(
        "2026-10", [geography.by_codename(unit)], folder.parent / "sent" / unit, national=False
    )
    wb = openpyxl.load_workbook(blank)
    ws = wb[SHEET]
    row = next(r for r in range(7, ws.max_row + 1) if ws[f"D{r}"].value == IND)
    ws[f"L{row}"] = value
    out = folder / name
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    if sidecar is not None:
        out.with_name(name + ".meta.yml").write_text(sidecar, encoding="utf-8")
    return out


def _history(workspace: Path) -> None:
    """Hưng Yên's steady monthly history (about +1 point a month) up to 2026-09."""
    months = pd.period_range("2025-07", "2026-09", freq="M")
    rows = [
        f"Hưng Yên,{IND},{p},{40 + i + (0.2 if i % 2 else -0.2):.2f}" for i, p in enumerate(months)
    ]
    write_csv(
        workspace / "raw" / "history" / "history.csv",
        "province,indicator,period,value\n" + "\n".join(rows) + "\n",
    )


@pytest.fixture
def collected(workspace):
    """One province of each kind for :data:`IND` in 2026-10; one refused file not ingested."""
    folder = workspace / "raw" / "2026-10"
    _history(workspace)
    _workbook(folder, "nghe_an.xlsx", "nghe_an", 45, "received: 2026-11-04\n")
    _workbook(folder, "ha_tinh.xlsx", "ha_tinh", 30, "received: 2026-11-10\n")
    _workbook(folder, "qt_1.xlsx", "quang_tri", 40, "received: 2026-11-03\n")
    _workbook(
        folder,
        "qt_2.xlsx",
        "quang_tri",
        42,
        "received: 2026-11-04\nsource: Sở KH&CN Quảng Trị\nrevises: qt_1.xlsx\n",
    )
    _workbook(folder, "hung_yen.xlsx", "hung_yen", 85, "received: 2026-11-02\n")
    # Ninh Bình reported as its former provinces; Nam Định has not.
    write_csv(
        folder / "ninh_binh_cu.csv",
        "province,indicator,period,value,basis\n"
        f"Ninh Bình,{IND},2026-10,50,63\nHà Nam,{IND},2026-10,52,63\n",
        "received: 2026-11-04\n",
    )
    rebuild(workspace / "raw" / "published")
    _workbook(folder, "thanh_hoa.xlsx", "thanh_hoa", 120, "received: 2026-11-04\n")
    return workspace


def _of(status, unit: str):
    found = next(u for u in status.units if u.province == unit)
    return next(s for s in found.indicators if s.indicator == IND)


def test_one_province_of_each_kind(collected):
    status = collection_status("2026-10")
    assert status.due_date.isoformat() == "2026-11-05"
    on_time, late = _of(status, "nghe_an"), _of(status, "ha_tinh")
    assert (on_time.status, on_time.received, on_time.value) == ("on_time", "2026-11-04", 45)
    assert [Path(f).name for f in on_time.files] == ["nghe_an.xlsx"]
    assert (late.status, late.days_late) == ("late", 5)
    assert _of(status, "cao_bang").status == "missing"
    refused = _of(status, "thanh_hoa")
    assert refused.status == "refused"
    assert (
        "thanh_hoa.xlsx" in refused.files[0] and "tỷ lệ nằm ngoài khoảng hợp lệ" in refused.reason
    )
    revised = _of(status, "quang_tri")
    assert (revised.status, revised.value) == ("on_time", 42)
    (change,) = revised.revisions
    assert (change.old, change.new, change.sender) == (40, 42, "Sở KH&CN Quảng Trị")
    assert change.file.endswith("qt_1.xlsx") and change.revised_by.endswith("qt_2.xlsx")
    implausible = _of(status, "hung_yen")
    assert implausible.status == "on_time" and implausible.implausible is not None
    assert implausible.implausible.change == pytest.approx(85 - 53.8)  # 2026-09: 40 + 14 - 0.2
    partial = _of(status, "ninh_binh")
    assert (partial.status, partial.missing_former) == ("partial", ["Nam Định"])
    assert not status.complete


def test_status_table_and_json(collected):
    result = CliRunner().invoke(main, ["status", "--period", "2026-10"])
    assert result.exit_code == 1
    text = result.output
    assert "Tình hình thu thập số liệu tháng 10/2026 (hạn gửi 05/11/2026)" in text
    assert "Hạn gửi số liệu tháng 10/2026 (05/11/2026) đã qua 18 ngày." in text
    assert "Hồ sơ trực tuyến tháng 10/2026: 30,00%, nhận ngày 10/11/2026, muộn 5 ngày" in text
    assert "sửa 40,00 → 42,00" in text and "Sở KH&CN Quảng Trị" in text
    assert (
        "Ninh Bình: Hồ sơ trực tuyến tháng 10/2026: chưa đủ, thiếu số liệu của Nam Định; "
        "đề nghị Ninh Bình gửi số liệu của Nam Định" in text
    )
    assert "thanh_hoa.xlsx bị từ chối" in text
    assert "85,00%, thay đổi +31,20 điểm % so với tháng trước" in text
    assert "đề nghị xác minh với Hưng Yên" in text
    # A unit with some of its figures is partial (n of m), not "missing" like one with none.
    assert re.search(r"Nghệ An\s+chưa đủ \(1/27\)\s+1/27", text)
    assert re.search(r"Cao Bằng\s+chưa nhận\s+0/27", text)
    assert (
        "Nghệ An: đã nhận 1/27 chỉ tiêu tháng 10/2026, còn thiếu 26: Thôn, bản có sóng" not in text
    )
    assert "Nghệ An: đã nhận 1/27 chỉ tiêu tháng 10/2026, còn thiếu 26: Thôn có sóng 4G" in text
    assert "đề nghị Nghệ An điền các chỉ tiêu còn thiếu vào biểu nghe_an_2026-10.xlsx" in text
    assert "và gửi lại ngay (hạn gửi 05/11/2026 đã qua)" in text
    assert "tỉnh, thành phố chưa gửi số liệu nào tháng 10/2026 (mỗi tỉnh 27 chỉ tiêu): " in text
    assert "Cao Bằng" in text.split("chưa gửi số liệu nào")[1]
    data = json.loads(CliRunner().invoke(main, ["status", "--period", "2026-10", "--json"]).output)
    units = {u["province"]: u for u in data["units"]}
    assert data["complete"] is False and units["cao_bang"]["status"] == "missing"
    assert units["cao_bang"]["state"] == "missing" and units["nghe_an"]["state"] == "partial"
    assert (units["nghe_an"]["received"], units["nghe_an"]["due"]) == (1, 27)
    late_day = CliRunner().invoke(main, ["status", "--period", "2026-10", "--due-day", "12"])
    assert "muộn 5 ngày" not in late_day.output


def test_status_exit_code_is_0_when_every_figure_is_in(workspace, tmp_path):
    (national,) = template.write_workbooks("2026-10", [], tmp_path, national=True)
    wb = openpyxl.load_workbook(national)
    ws = wb[SHEET]
    for row in range(workbook.HEADER_ROW + 1, ws.max_row + 1):
        ws[f"L{row}"] = 50
    out = workspace / "raw" / "2026-10" / "toan_quoc.xlsx"
    out.parent.mkdir(parents=True)
    wb.save(out)
    rebuild(workspace / "raw" / "published")
    result = CliRunner().invoke(main, ["status", "--period", "2026-10"])
    assert result.exit_code == 0, result.output
    assert "Đã nhận đủ: 34/34 tỉnh, thành phố; chưa đủ: 0; chưa nhận số liệu nào: 0." in (
        result.output
    )
    # Every figure arrived with the ingest of 23/11/2026: complete, late, said once a unit.
    assert "đủ, có chỉ tiêu gửi muộn" in result.output
    assert "- Cà Mau: 27 chỉ tiêu tháng 10/2026 nhận ngày 23/11/2026, muộn 18 ngày: " in (
        result.output
    )


def test_status_without_submissions_exits_1(workspace):
    result = CliRunner().invoke(main, ["status", "--period", "2026-10"])
    assert result.exit_code == 1
    assert "Đã nhận đủ: 0/34" in result.output


def test_first_seen_is_kept_across_ingests(workspace, monkeypatch):
    folder = workspace / "raw" / "2026-10"
    _workbook(folder, "nghe_an.xlsx", "nghe_an", 45, None)
    monkeypatch.setenv("VNDX_TODAY", "2026-11-04")
    rebuild(workspace / "raw" / "published")
    monkeypatch.setenv("VNDX_TODAY", "2026-11-23")
    rebuild(workspace / "raw" / "published")  # a later ingest: the file was seen on the 4th
    assert _of(collection_status("2026-10"), "nghe_an").status == "on_time"
    _workbook(folder, "ha_tinh.xlsx", "ha_tinh", 45, None)
    rebuild(workspace / "raw" / "published")
    assert _of(collection_status("2026-10"), "ha_tinh").received == "2026-11-23"


def test_reminders_csv_and_text(collected, tmp_path):
    status = collection_status("2026-10")
    written = reminders.write_reminders(status, tmp_path)
    with open(tmp_path / "reminders_2026-10.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    owed = {(r["province"], r["indicator"]): r for r in rows}
    assert owed[("thanh_hoa", IND)]["status"] == "refused"
    assert owed[("ninh_binh", IND)]["reason"] == "Nam Định"
    assert ("nghe_an", IND) not in owed
    text = (tmp_path / "ninh_binh_2026-10.txt").read_text(encoding="utf-8")
    # Written on 23/11/2026, after the due date: an overdue reminder that says by how much.
    assert text.startswith("Số liệu chuyển đổi số tháng 10/2026 đã quá hạn gửi — Ninh Bình")
    assert "Kính gửi: Sở Khoa học và Công nghệ Ninh Bình" in text
    assert "là ngày 05/11/2026 (đã qua 18 ngày)" in text
    assert "mới nhận 0/27 chỉ tiêu của Ninh Bình. Đề nghị Quý Sở gửi ngay 27 chỉ tiêu" in text
    assert "- Tỷ lệ hồ sơ trực tuyến (tháng 10/2026): thiếu số liệu của Nam Định" in text
    assert "ninh_binh_2026-10.xlsx" in text
    assert len(written) == 1 + 34  # every unit owes some indicator in this collection
    cli = CliRunner().invoke(main, ["remind", "--period", "2026-10", "--out", str(tmp_path / "r")])
    assert cli.exit_code == 0, cli.output
    assert (tmp_path / "r" / "thanh_hoa_2026-10.txt").exists()


def test_implausible_uses_robust_spread_and_catalog_limit():
    months = pd.period_range("2026-01", "2026-10", freq="M").astype(str)
    steady = pd.DataFrame({"period": months, "value": [10, 11, 12, 13, 14, 15, 16, 17, 18, 19]})
    assert implausible_change(steady, "2026-10") is None
    jump = steady.assign(value=[10, 11, 12, 13, 14, 15, 16, 17, 18, 30])
    found = implausible_change(jump, "2026-10")
    assert found is not None and found.change == 12
    assert implausible_change(steady, "2026-10", plausible=0.5) is not None
    short = steady.tail(4)
    assert implausible_change(short.assign(value=[1, 2, 3, 50]), "2026-10") is None


def test_a_refused_correction_keeps_the_figures_received_and_says_why(collected):
    _workbook(collected / "raw" / "2026-10", "nghe_an_sua.xlsx", "nghe_an", 150, None)
    status = collection_status("2026-10")
    assert _of(status, "nghe_an").status == "on_time"
    unit = next(u for u in status.units if u.province == "nghe_an")
    (refusal,) = unit.refused_files
    assert refusal.file.endswith("nghe_an_sua.xlsx")
    assert "tỷ lệ nằm ngoài khoảng hợp lệ" in refusal.reason
    lines = reminders.unit_details(unit, "vi", status)
    assert any(ln.startswith("tệp ") and "nghe_an_sua.xlsx bị từ chối: " in ln for ln in lines)
    assert "tỷ lệ nằm ngoài khoảng hợp lệ" in "\n".join(lines)
    refused = next(ln for ln in lines if "bị từ chối" in ln)
    assert "đề nghị Nghệ An sửa tệp theo lý do trên và gửi lại ngay" in refused


def test_remind_before_the_month_is_over_writes_nothing_and_says_when_figures_are_due(
    workspace, monkeypatch, tmp_path
):
    monkeypatch.setenv("VNDX_TODAY", "2026-12-03")
    rebuild(workspace / "raw" / "published")
    out = tmp_path / "r"
    result = CliRunner().invoke(main, ["remind", "--period", "2026-12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Chưa viết thư nhắc: tháng 12/2026 chưa kết thúc (hôm nay 03/12/2026)" in result.output
    assert "sau ngày 31/12/2026, hạn gửi 05/01/2027" in result.output
    assert not out.exists()
    en = CliRunner().invoke(main, ["remind", "--period", "2026-12", "--lang", "en"])
    assert "No reminders written: December 2026 is not over yet" in en.output
    status = CliRunner().invoke(main, ["status", "--period", "2026-12"])
    assert "Tháng 12/2026 chưa kết thúc (hôm nay 03/12/2026)" in status.output
    assert "Chưa tỉnh nào bị coi là chậm gửi." in status.output
    assert "trước ngày 05/01/2027" in status.output and "đã qua" not in status.output


def test_a_reminder_before_the_due_date_asks_for_the_figures_by_that_date(
    collected, tmp_path, monkeypatch
):
    monkeypatch.setenv("VNDX_TODAY", "2026-11-03")
    status = collection_status("2026-10")
    unit = next(u for u in status.units if u.province == "cao_bang")
    text = reminders.reminder_text(unit, status)
    assert text is not None
    assert text.startswith("Đề nghị gửi số liệu chuyển đổi số tháng 10/2026 — Cao Bằng")
    assert "Đến ngày 03/11/2026, cơ quan tổng hợp đã nhận 0/27 chỉ tiêu" in text
    assert "hạn gửi là ngày 05/11/2026" in text and "đã qua" not in text
    assert "- Tỷ lệ hồ sơ trực tuyến (tháng 10/2026): chưa nhận (chưa có số liệu kỳ trước)" in text
    en = reminders.reminder_text(unit, status, "en")
    assert en is not None and "they are due by 5 November 2026" in en
