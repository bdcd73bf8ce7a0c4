"""Reports tell the truth about gaps: partial and missing months shown, never dropped.

A small store of your own data with two of the 27 indicators due each month: Nghệ An sent both
for 2026-10; Ninh Bình's villages indicator for 2026-10 came as its former provinces without
Nam Định (the merged unit is left out); Hà Tĩnh sent nothing for 2026-10; the other units never
reported. The briefing and the national overview are executed with papermill and their PDF
text checked.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from analysis.analyses.completeness import MISSING, PARTIAL, month_completeness
from analysis.data.rebuild import rebuild
from analysis.reporting.render import exporters
from tests.conftest import ROOT, write_csv
from tests.notebook_runs import execute

RATE, VILLAGES = "online_dossier_rate_pct", "villages_mobile_broadband_pct"
MONTHS = ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10")


def _small_csv() -> str:
    rows = ["province,indicator,period,value,basis"]
    for i, month in enumerate(MONTHS):
        for unit in ("Nghệ An", "Ninh Bình", "Hà Tĩnh"):
            if unit == "Hà Tĩnh" and month == "2026-10":
                continue
            rows.append(f"{unit},{RATE},{month},{40 + i},34")
            if unit == "Ninh Bình" and month == "2026-10":
                rows.append(f"Ninh Bình,{VILLAGES},{month},{70 + i},63")
                rows.append(f"Hà Nam,{VILLAGES},{month},{71 + i},63")
            else:
                rows.append(f"{unit},{VILLAGES},{month},{70 + i},34")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def small_store(tmp_path_factory):
    data = tmp_path_factory.mktemp("gaps") / "data"
    write_csv(data / "raw" / "2026" / "small.csv", _small_csv())
    old = os.environ.get("VNDX_DATA_DIR")
    os.environ["VNDX_DATA_DIR"] = str(data)
    try:
        rebuild(ROOT / "data" / "raw" / "published")
        yield data
    finally:
        if old is None:
            os.environ.pop("VNDX_DATA_DIR", None)
        else:
            os.environ["VNDX_DATA_DIR"] = old


def test_completeness_names_missing_months_and_missing_former_provinces(small_store):
    from analysis.data import store

    obs = store.load_series_frame("submitted", until="2026-10")
    found = month_completeness(obs, "2026-10", "submitted")
    ninh_binh = found.unit("ninh_binh")
    villages = next(g for g in ninh_binh.gaps if g.indicator == VILLAGES)
    assert villages.missing_former == ("Nam Định",) and villages.latest == "2026-09"
    assert ninh_binh.state == PARTIAL and ninh_binh.n_received == 1
    ha_tinh = found.unit("ha_tinh")
    assert ha_tinh.state == MISSING and ha_tinh.latest == "2026-09"
    # Two figures of the 27 due: a unit that sent both is partial, not complete.
    nghe_an = found.unit("nghe_an")
    assert nghe_an.state == PARTIAL and (nghe_an.n_received, nghe_an.n_due) == (2, 27)
    # A unit that never reported in this dataset is missing, not left out.
    assert found.unit("ca_mau").state == MISSING and found.unit("ca_mau").latest is None
    assert found.n_reported == 2


def _pdf_text(name: str, parameters: dict, out: Path) -> str:
    executed = out / f"{name}.ipynb"
    execute(name, executed, **parameters)
    pdf = exporters.export(executed, out, formats=("pdf",))["pdf"]
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    return " ".join(text.split())  # lines wrapped by the page width, joined again


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")
def test_briefing_and_overview_show_partial_and_missing_months(small_store, tmp_path):
    briefing = _pdf_text(
        "30_leadership_briefing", {"province": "ninh_binh", "period": "2026-10"}, tmp_path
    )
    assert "Số liệu chưa đầy đủ tháng 10/2026" in briefing
    assert (
        "Thôn có sóng 4G: chưa đủ số liệu tháng 10/2026, thiếu số liệu của Nam Định; "
        "số liệu gần nhất: tháng 9/2026" in briefing
    )
    assert "Đã có số liệu 1/27 chỉ tiêu đến hạn tháng 10/2026, còn thiếu 26" in briefing
    overview = _pdf_text("40_national_overview", {"period": "2026-10"}, tmp_path)
    assert "Mức độ đầy đủ số liệu" in overview
    assert "2/34 tỉnh, thành phố có số liệu tháng 10/2026: 0 có đủ 27 chỉ tiêu đến hạn" in overview
    assert "Tất cả" not in overview
    assert "Hà Tĩnh: chưa có số liệu tháng 10/2026; số liệu gần nhất: tháng 9/2026" in overview
    assert "Ninh Bình: đã có số liệu 1/27 chỉ tiêu đến hạn tháng 10/2026" in overview
    assert "Thôn có sóng 4G: chưa đủ số liệu tháng 10/2026, thiếu số liệu của Nam Định" in overview
    # Submissions are recorded for this store: the receipts table is there too.
    assert "Tình hình nhận số liệu" in overview
