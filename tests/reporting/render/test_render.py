"""Briefing rendering: components, sanitizer, URL fetcher, and HTML/PDF export end to end.

The end-to-end tests execute a small notebook with nbclient (the ``python3`` kernel of this
environment), export it to HTML and PDF, and read the PDF back with poppler's ``pdftotext`` and
``pdffonts`` (Debian package ``poppler-utils``); they are skipped when those tools are missing.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
import time
import unicodedata
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis.core.i18n import t
from analysis.reporting.render import components
from analysis.reporting.render.components import (
    REPORT_METADATA_MIME,
    KpiCard,
    StatusRow,
    kpi_cards,
    report_metadata,
    status_table,
)
from analysis.reporting.render.sanitize import find_external_references, sanitize_html

from .test_accessibility import figure_alts

HOSTILE_PROVINCE = "Tỉnh Bắc Ninh <script>alert(1)</script>"
HOSTILE_NOTE = '<img src="file:///etc/passwd">'
NOTICE_VI = "DỮ LIỆU MẪU (TỔNG HỢP) — KHÔNG PHẢI SỐ LIỆU CHÍNH THỨC"
NOTICE_EN = "SYNTHETIC DEMO DATA — NOT OFFICIAL STATISTICS"

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdffonts") is None,
    reason="pdftotext/pdffonts not installed (Debian package poppler-utils)",
)


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# ----------------------------------------------------------------------------- components


def test_components_escape_data_strings():
    html = str(
        kpi_cards([KpiCard("<b>label</b>", "45,03%", "+1 <i>x</i>", "hạng 3/34", "good", "up")])
    )
    assert "<b>label</b>" not in html
    assert "&lt;b&gt;label&lt;/b&gt;" in html
    table = str(
        status_table(
            [
                StatusRow(
                    HOSTILE_PROVINCE, "45,03%", "80%", "31/12/2030", 0.72, "+1", "+0,5",
                    "on_track", note=HOSTILE_NOTE,
                )
            ],
            "vi",
        )
    )  # fmt: skip
    assert "<script>" not in table
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    assert "<img" not in table
    assert "Đúng tiến độ" in table  # the status is written out, not only a colour
    assert 'class="dot"' in table
    assert "70%" in table  # probability given as a fraction, in 10-point steps rounded down
    assert "72%" not in table


def test_status_table_refuses_unknown_status():
    with pytest.raises(ValueError, match="unknown status"):
        status_table([StatusRow("x", 1, 2, None, None, None, None, "green")], "vi")


def test_status_table_formats_numbers_for_language():
    row = {
        "indicator": "x",
        "value": 45.03,
        "target": 80,
        "deadline": "31/12/2030",
        "probability": None,
        "required_pace": 1.5,
        "current_pace": float("nan"),
        "status": "at_risk",
    }
    vi = str(status_table([row], "vi"))
    en = str(status_table([row], "en"))
    assert "45,03" in vi and "45.03" in en
    assert "Có nguy cơ" in vi and "At risk" in en
    assert "—" in vi  # missing values


def test_report_metadata_emits_only_the_metadata_mime(monkeypatch):
    shown = []
    monkeypatch.setattr(
        components.provenance, "display", lambda obj, raw=False: shown.append((obj, raw))
    )
    meta = report_metadata(
        "Báo cáo", None, HOSTILE_PROVINCE, "tháng 10/2026", "vi", True, {"run_id": "r1"}
    )
    meta._ipython_display_()
    ((bundle, raw),) = shown
    assert raw is True
    assert set(bundle) == {REPORT_METADATA_MIME, "text/plain"}
    assert bundle["text/plain"] == ""
    payload = bundle[REPORT_METADATA_MIME]
    assert payload["province_name"] == HOSTILE_PROVINCE
    assert payload["synthetic"] is True
    assert payload["provenance"] == {"run_id": "r1"}


def test_changes_list_and_method_note_use_the_catalog():
    html = str(components.changes_list([], "en"))
    assert "What changed since last month" in html
    assert "No notable changes" in html
    assert "Ghi chú phương pháp" in str(components.method_note("vi"))


# ----------------------------------------------------------------------------- sanitizer


def test_sanitizer_removes_scripts_handlers_and_remote_resources():
    dirty = (
        '<p onclick="alert(2)">x<script>alert(3)</script></p>'
        '<img src="http://example.org/a.png" alt="remote"><img src="file:///etc/passwd">'
        '<img src="data:image/png;base64,iVBORw0KGgo=" alt="ok">'
        '<iframe src="https://evil.example"></iframe><a href="https://example.org/x">nguồn</a>'
        "<style>@import url(http://evil.example/x.css); td { color: red; "
        "background: url(https://evil.example/t.png) }</style>"
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
    )
    clean = sanitize_html(dirty)
    assert "<script" not in clean and "alert(3)" not in clean
    assert "onclick" not in clean
    assert "http://example.org/a.png" not in clean
    assert "file:///etc/passwd" not in clean
    assert "iframe" not in clean
    assert "@import" not in clean and "url(http" not in clean
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in clean
    assert '<th scope="col">h</th>' in clean and "<thead>" in clean  # tables survive
    assert 'href="https' not in clean and "(https://example.org/x)" in clean  # cited as text
    assert find_external_references(clean) == []


# ----------------------------------------------------------------------------- URL fetcher


def test_url_fetcher_refuses_everything_but_data_and_package_assets():
    from analysis.reporting.render.exporters import (
        ASSETS_DIR,
        FONTS_DIR,
        URLRefusedError,
        make_url_fetcher,
    )

    fetcher = make_url_fetcher()
    refused = [
        "http://127.0.0.1:9/x.png",
        "https://example.org/x.css",
        "file:///etc/passwd",
        (ASSETS_DIR / "exporters.py").as_uri(),  # inside the package, but not a font or CSS
        (FONTS_DIR / ".." / ".." / "i18n.py").as_uri(),  # climbs out of the assets
        "ftp://example.org/x",
        "fonts/NotoSans-Regular.ttf",  # not an absolute URL
    ]
    for url in refused:
        with pytest.raises(URLRefusedError):
            fetcher.fetch(url)
    assert fetcher.refused == refused

    font = fetcher.fetch((FONTS_DIR / "NotoSans-Regular.ttf").as_uri())
    assert font.read()[:4] == b"\x00\x01\x00\x00"
    data = fetcher.fetch("data:text/plain;base64,aGVsbG8=")
    assert data.read() == b"hello"


def test_pdf_of_hostile_html_fetches_nothing():
    from analysis.reporting.render.exporters import html_to_pdf, make_url_fetcher

    fetcher = make_url_fetcher()
    hostile = (
        '<html><head><link rel="stylesheet" href="http://127.0.0.1:9/x.css">'
        '<style>@import url("https://example.org/y.css"); body { background: '
        'url("file:///etc/hostname") }</style></head><body><p>Xin chào</p>'
        '<img src="file:///etc/passwd"><img src="http://127.0.0.1:9/a.png"></body></html>'
    )
    pdf = html_to_pdf(hostile, fetcher)
    assert pdf.startswith(b"%PDF")
    assert "file:///etc/passwd" in fetcher.refused
    assert "http://127.0.0.1:9/a.png" in fetcher.refused
    assert all(not url.startswith("data:") for url in fetcher.refused)


# ----------------------------------------------------------------------------- exporter units


def _offline_notebook(outputs: list, cells: list | None = None) -> nbformat.NotebookNode:
    cell = new_code_cell("pass")
    cell.outputs = outputs
    return new_notebook(cells=[*(cells or []), cell])


def test_error_outputs_stop_the_briefing_unless_allowed():
    from analysis.reporting.render.exporters import BriefingHTMLExporter, BriefingRenderError

    nb = _offline_notebook(
        [new_output("error", ename="ZeroDivisionError", evalue="boom", traceback=["tb-line"])]
    )
    with pytest.raises(BriefingRenderError, match="ZeroDivisionError"):
        BriefingHTMLExporter().from_notebook_node(nb)
    html, _ = BriefingHTMLExporter(allow_errors=True).from_notebook_node(nb)
    assert "tb-line" not in html and "boom" not in html


def test_streams_text_reprs_scripts_and_raw_cells_are_dropped():
    from analysis.reporting.render.exporters import render_html

    nb = _offline_notebook(
        [
            new_output("stream", name="stderr", text="UserWarning: hidden\n"),
            new_output("stream", name="stdout", text="debug print\n"),
            new_output("execute_result", data={"text/plain": "[<Line2D at 0x1>]"}),
            new_output("display_data", data={"application/javascript": "alert(5)"}),
            new_output("display_data", data={"text/html": "<p>visible</p>"}),
        ],
        cells=[nbformat.v4.new_raw_cell("<script>alert(6)</script>")],
    )
    html = render_html(nb)
    for hidden in ("UserWarning", "debug print", "Line2D", "alert(5)", "alert(6)"):
        assert hidden not in html
    assert "<p>visible</p>" in html
    assert '<html lang="vi">' in html


def test_markdown_attachments_are_embedded_and_other_images_stripped(tmp_path):
    from analysis.reporting.render.exporters import render_html

    (tmp_path / "local.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    png = (
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGA"
        "WjR9awAAAABJRU5ErkJggg=="
    )
    cell = new_markdown_cell(
        "# Tiêu đề\n\n![logo](attachment:logo.png) ![local](local.png) "
        "![remote](https://example.org/r.png) [mục](#muc)"
    )
    cell.attachments = {"logo.png": {"image/png": png}}
    nb = new_notebook(cells=[cell], metadata={"title": "Không có metadata"})
    nbformat.write(nb, tmp_path / "nb.ipynb")
    html = render_html(tmp_path / "nb.ipynb")
    assert f"data:image/png;base64,{png}" in html
    assert "local.png" not in html and "example.org" not in html.split("</style>")[-1]
    assert 'href="#muc"' in html  # in-page anchors stay
    assert "<title>Không có metadata</title>" in html  # no report metadata: notebook title


# ----------------------------------------------------------------------------- end to end

_SETUP = """
import datetime as dt
import io
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, SVG, display

from analysis.core.i18n import fmt_number, fmt_percent, fmt_period, fmt_points, t
from analysis.reporting.render.components import (
    Change, KpiCard, StatusRow, changes_list, kpi_cards, method_note, report_metadata,
    status_table,
)

period = pd.Period("2026-10", "M")
display(report_metadata(
    t("report.title", lang),
    t("report.subtitle_monthly", lang, period=fmt_period(period, lang)),
    province,
    fmt_period(period, lang),
    lang=lang,
    synthetic=True,
    provenance={"source": "Sở KH&CN <b>demo</b>", "data_version": "2026-10-31",
                "generated_at": dt.datetime(2026, 11, 3, 8, 15), "run_id": "test-001"},
))
print("debug output that must not appear")
warnings.warn("a warning that must not appear")
"""

_KPIS = """
display(kpi_cards([
    KpiCard("Hồ sơ trực tuyến toàn trình", fmt_percent(45.03, lang),
            t("kpi.change_vs_last_month", lang, value=fmt_points(5.03, lang)),
            t("kpi.rank", lang, rank=3, of=34), "good", "up"),
    KpiCard("Dân số có danh tính số", fmt_number(1899673, lang),
            t("kpi.change_vs_last_month", lang, value=fmt_points(-0.4, lang)),
            t("kpi.rank", lang, rank=12, of=34), "bad", "down"),
    KpiCard("Thôn có sóng 4G", fmt_percent(98.2, lang), t("kpi.no_change", lang),
            t("kpi.rank", lang, rank=20, of=34), "neutral", "flat"),
    KpiCard("Kinh tế số/GRDP", fmt_percent(14.6, lang, 1),
            t("kpi.gap_to_target", lang, value=fmt_points(-5.4, lang)),
            t("kpi.rank", lang, rank=7, of=34), "warning"),
]))
"""

_TABLE = """
statuses = ["achieved", "on_track", "at_risk", "off_track"]
rows = [
    StatusRow(
        province if i == 0 else f"Chỉ tiêu {i + 1}" + (" có tên dài cần xuống dòng" * (i % 3 == 0)),
        fmt_percent(45.03 + i, lang), fmt_percent(80, lang, 0), dt.date(2030, 12, 31),
        max(0.0, 0.9 - i * 0.04), fmt_points(1.2, lang), fmt_points(0.8, lang), statuses[i % 4],
        note=note if i == 0 else None,
    )
    for i in range(24)
]
display(status_table(rows, lang, caption=t("table.status_caption", lang)))
"""

_FIGURES = """
fig, ax = plt.subplots(figsize=(7, 2.6))
ax.plot(range(12), [30 + 1.3 * i for i in range(12)], color="#1f5f99", lw=2)
ax.set_title("Xu hướng")
plt.show()
fig, ax = plt.subplots(figsize=(7, 2.2))
ax.bar(["A", "B", "C"], [3, 5, 4], color="#123a63")
buf = io.StringIO()
fig.savefig(buf, format="svg")
plt.close(fig)
display(SVG(buf.getvalue()))
ax.plot([1, 2])  # a text-only repr: must not reach the briefing
from analysis.reporting import charts
charts.show(charts.status_bar(["on_track", "on_track", "at_risk"], lang=lang), dpi=60)
"""

_TAIL = """
display(HTML('<p onclick="alert(2)">x<script>alert(3)</script>'
             '<img src="http://127.0.0.1:9/a.png"></p>'))
display(changes_list([Change("Tăng 5,03 điểm %", "up", "good"), "Đã cập nhật số liệu"], lang))
display(method_note(lang))
display(pd.DataFrame({"Tỉnh": ["A <b>x</b>", "B"], "Giá trị": [1.5, 2.25]}))
"""


def _briefing_notebook(lang: str) -> nbformat.NotebookNode:
    params = f"lang = {lang!r}\nprovince = {HOSTILE_PROVINCE!r}\nnote = {HOSTILE_NOTE!r}\n"
    heading = "## Các chỉ số chính" if lang == "vi" else "## Key figures"
    markdown = (
        heading + "\n\nĐoạn văn <script>alert(4)</script> ![ảnh](http://127.0.0.1:9/m.png) "
        '<img src="file:///etc/passwd">'
    )
    cells = [
        new_code_cell(params, metadata={"tags": ["parameters"]}),
        new_code_cell(_SETUP),
        new_markdown_cell(markdown),
        new_code_cell(_KPIS),
        new_code_cell(_TABLE),
        new_code_cell(_FIGURES),
        new_code_cell(_TAIL),
    ]
    return new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict[str, Path]:
    """The test briefing in both languages, executed once for this module."""
    from nbclient import NotebookClient

    folder = tmp_path_factory.mktemp("briefing")
    paths = {}
    for lang in ("vi", "en"):
        nb = _briefing_notebook(lang)
        NotebookClient(
            nb,
            timeout=180,
            kernel_name="python3",
            resources={"metadata": {"path": str(folder)}},
        ).execute()
        path = folder / f"briefing_{lang}.ipynb"
        nbformat.write(nb, path)
        paths[lang] = path
    return paths


@pytest.fixture(scope="module")
def exported(executed, tmp_path_factory) -> dict[str, dict[str, Path]]:
    from analysis.reporting.render.exporters import export

    out = tmp_path_factory.mktemp("out")
    result = {}
    for lang, path in executed.items():
        result[lang] = export(path, out / lang)
    return result


def _pdftotext(pdf: Path, page: int | None = None) -> str:
    args = ["pdftotext", "-enc", "UTF-8"]
    if page is not None:
        args += ["-f", str(page), "-l", str(page)]
    out = subprocess.run([*args, str(pdf), "-"], capture_output=True, check=True, text=True)
    return _nfc(out.stdout)


def _page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, check=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


@pytest.mark.slow
def test_metadata_output_is_in_the_executed_notebook(executed):
    nb = nbformat.read(executed["vi"], as_version=4)
    mimes = [
        mime for cell in nb.cells for out in cell.get("outputs", []) for mime in out.get("data", {})
    ]
    assert REPORT_METADATA_MIME in mimes


@pytest.mark.slow
def test_html_is_offline_escaped_and_clean(exported):
    for lang in ("vi", "en"):
        html = exported[lang]["html"].read_text(encoding="utf-8")
        for forbidden in ('src="http', 'href="http', "@import", "url(http", "<script"):
            assert forbidden not in html, (lang, forbidden)
        assert find_external_references(html) == []
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text
        for hidden in ("alert(3)", "alert(4)", "onclick", "must not appear", "Line2D"):
            assert hidden not in html, (lang, hidden)
        assert REPORT_METADATA_MIME not in html
        assert "data:font/ttf;base64," in html  # fonts embedded
        assert "data:image/png;base64," in html and "data:image/svg+xml;base64," in html
        assert f'<html lang="{lang}">' in html
        assert html.count('class="notice tone-bad synthetic"') == 1
    vi = _nfc(html_lib.unescape(exported["vi"]["html"].read_text(encoding="utf-8")))
    assert "Báo cáo chuyển đổi số" in vi and "45,03%" in vi and "Trạng thái" in vi


@needs_poppler
@pytest.mark.slow
def test_pdf_text_fonts_pages_and_notice(exported):
    pdf = exported["vi"]["pdf"]
    text = _pdftotext(pdf)
    assert "Báo cáo chuyển đổi số" in text
    assert "45,03%" in text
    assert "1.899.673" in text
    assert "Đúng tiến độ" in text
    assert "<script>alert(1)</script>" in text  # the hostile name, printed as plain text
    assert "must not appear" not in text and "alert(3)" not in text

    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True)
    rows = fonts.stdout.strip().splitlines()[2:]
    assert rows, "no fonts in the PDF"
    for row in rows:
        assert row.split()[-5] == "yes", f"font not embedded: {row}"
    assert any("VNDX-Sans" in row for row in rows)

    pages = _page_count(pdf)
    assert 2 <= pages <= 5
    for page in range(1, pages + 1):
        page_text = _pdftotext(pdf, page)
        assert NOTICE_VI in page_text, f"synthetic notice missing on page {page}"
        assert f"Trang {page}/{pages}" in page_text
        if page > 1:  # running header
            assert "Báo cáo chuyển đổi số" in page_text and "tháng 10/2026" in page_text


STATUS_ALT = {
    "vi": "Trạng thái 3 mục tiêu: Đúng tiến độ 2, Có nguy cơ 1.",
    "en": "Status of 3 targets: On track 2, At risk 1.",
}


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pdf_is_tagged_with_language_title_and_figure_alt(exported, lang):
    import pikepdf

    html = BeautifulSoup(exported[lang]["html"].read_text(encoding="utf-8"), "html.parser")
    alts = [img["alt"] for img in html.find_all("img")]
    assert STATUS_ALT[lang] in alts  # the chart's own text, from its data
    assert t("report.chart_alt", lang) in alts  # a plain matplotlib figure: the generic word
    with pikepdf.open(exported[lang]["pdf"]) as pdf:
        root = pdf.Root
        assert "/StructTreeRoot" in root and root.MarkInfo.Marked
        assert str(root.Lang) == lang
        assert bool(root.ViewerPreferences.DisplayDocTitle)
        assert str(pdf.docinfo["/Title"]) == html.title.get_text()
        assert pdf.open_metadata().get("pdfuaid:part") == "1"
        assert figure_alts(root.StructTreeRoot, []) == alts
        fonts = [f for page in pdf.pages for f in page.Resources.Font.values()]
        assert fonts and all("/FontFile2" in f.DescendantFonts[0].FontDescriptor for f in fonts)


@needs_poppler
@pytest.mark.slow
def test_english_variant_is_english(exported):
    pdf = exported["en"]["pdf"]
    text = _pdftotext(pdf)
    for english in ("Briefing on digital transformation", "45.03%", "On track", "Status"):
        assert english in text
    for vietnamese in ("Trạng thái", "Đúng tiến độ", "Trang 1/"):
        assert vietnamese not in text
    pages = _page_count(pdf)
    for page in range(1, pages + 1):
        page_text = _pdftotext(pdf, page)
        assert NOTICE_EN in page_text
        assert f"Page {page} of {pages}" in page_text


@pytest.mark.slow
def test_export_writes_atomically(exported):
    for files in exported.values():
        assert set(files) == {"html", "pdf"}
        folder = files["pdf"].parent
        assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in files.values())
        assert files["pdf"].read_bytes().startswith(b"%PDF")


@pytest.mark.slow
def test_chrome_language_override(executed):
    # Rendering time is measured by benchmarks/monthly_run, against a floor, not asserted here.
    from analysis.reporting.render.exporters import render_html, render_pdf

    html = render_html(executed["vi"], lang="en")
    pdf = render_pdf(executed["vi"])
    assert pdf.startswith(b"%PDF")
    assert "SYNTHETIC DEMO DATA" in html and '<html lang="en">' in html


# ----------------------------------------------------------------------------- bounded free text


def _metadata_output(provenance: dict, lang: str = "vi") -> nbformat.NotebookNode:
    meta = report_metadata("Báo cáo", None, "Nghệ An", "tháng 10/2026", lang, False, provenance)
    return new_output("display_data", data={REPORT_METADATA_MIME: meta.payload(), "text/plain": ""})


def test_a_long_source_is_cut_in_the_footer_and_whole_in_the_html_details():
    from analysis.reporting.render.exporters import render_html, render_pdf

    words = " ".join(f"Sở{i}" for i in range(5000))[:20_000]
    nb = _offline_notebook([_metadata_output({"source": words, "run_id": "r1"})])
    start = time.perf_counter()
    pdf = render_pdf(nb)
    elapsed = time.perf_counter() - start
    assert pdf.startswith(b"%PDF") and elapsed < 60, elapsed  # minutes before the cut
    html = render_html(nb)
    footer = html.split('<footer class="provenance">')[1]
    shown = footer.split("<dd>")[1].split("<details")[0]
    assert len(shown) <= 300 and shown.endswith("…")
    assert words in footer.split("<details")[1]  # the whole text, for whoever opens it


def test_control_characters_never_reach_the_html():
    from analysis.reporting.render.exporters import render_html

    nb = _offline_notebook(
        [
            _metadata_output({"source": "Sở\x00 TT&TT\x1b[31m", "run_id": "r\x07"}),
            new_output("display_data", data={"text/html": "<p>a\x00b\x0cc\td</p>"}),
            new_output(
                "display_data", data={"text/html": str(kpi_cards([KpiCard("x\x00y", "1")]))}
            ),
        ]
    )
    html = render_html(nb)
    for char in ("\x00", "\x1b", "\x07", "\x0c"):
        assert char not in html
    assert "<p>abc\td</p>" in html and "xy" in html and "Sở TT&amp;TT[31m" in html


@needs_poppler
def test_english_table_headers_do_not_break_inside_words(tmp_path):
    from analysis.reporting.render.exporters import render_pdf

    table = status_table(
        [StatusRow("Households with fibre", "84.63%", "85%", "31/12/2026", 1.0, "+0.18",
                   "+0.23", "on_track")],
        "en",
    )  # fmt: skip
    nb = _offline_notebook(
        [_metadata_output({}, "en"), new_output("display_data", data={"text/html": str(table)})]
    )
    pdf = tmp_path / "t.pdf"
    pdf.write_bytes(render_pdf(nb))
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "Probability" in text and "Probab-" not in text
    assert not re.search(r"\w-\n\w", text)  # no word hyphenated across lines


def test_status_table_knows_the_report_statuses():
    rows = [
        StatusRow("a", "1", "2", None, None, None, None, status)
        for status in ("achieved_late", "missed", "insufficient_history")
    ]
    html = str(status_table(rows, "vi"))
    for text in ("Hoàn thành muộn", "Quá hạn chưa đạt", "Chưa đủ số liệu để dự báo"):
        assert text in html
    assert "status-missed" in html


@pytest.mark.slow
def test_html_and_pdf_rendered_together_are_those_rendered_apart(executed, exported):
    """One rendering for both documents, and the print stylesheet given to WeasyPrint parsed
    once, make the same files as each document rendered on its own with its stylesheet inline."""
    from analysis.reporting.render.exporters import render_html
    from analysis.reporting.render.html_export import BriefingHTMLExporter
    from analysis.reporting.render.pdf_export import html_to_pdf, pdf_from_print_html

    html = exported["vi"]["html"].read_text(encoding="utf-8")
    assert html == render_html(executed["vi"])
    assert "variant-screen" in html and "placeholder" not in html
    exporter = BriefingHTMLExporter(variant="print")
    nb = nbformat.read(executed["vi"], as_version=4)
    page, resources = exporter.render_variants(nb, {}, ("print",))["print"]
    assert "variant-print" in page and "placeholder" not in page
    inline = html_to_pdf(exporter.with_stylesheet(page, resources["briefing"]))
    parsed, _ = pdf_from_print_html(page, resources)
    assert parsed == inline == exported["vi"]["pdf"].read_bytes()
