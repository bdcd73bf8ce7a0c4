"""What changed since last month beyond the figures: revisions of earlier figures, told on the
briefing and the overview with the old and the new figure and the file, and status changes."""

from __future__ import annotations

from analysis.analyses import month_changes, monthly
from analysis.data.rebuild import rebuild
from analysis.reporting import briefing_changes, national_pages
from tests.conftest import write_csv

HEADER = "province,indicator,period,value,numerator,denominator\n"
MONTHS = ("2026-07", "2026-08", "2026-09", "2026-10")


def _rows(unit: str, values: tuple[float, ...]) -> str:
    return "".join(
        f"{unit},online_dossier_rate_pct,{m},{v},,\n" for m, v in zip(MONTHS, values, strict=True)
    )


def test_a_revised_earlier_figure_is_told_with_was_now_and_file(workspace):
    raw = workspace / "raw" / "2026-10"
    write_csv(
        raw / "a.csv",
        HEADER
        + _rows("Nghệ An", (44.0, 44.5, 45.0, 46.0))
        + _rows("Hà Tĩnh", (50.0, 51.0, 52.0, 53.0))
        + _rows("Huế", (30.0, 31.0, 32.0, 33.0)),
        meta="source: Sở KH&CN\nreceived: 2026-11-04\n",
    )
    # Nghệ An corrects September after last month's report (figures for September were due
    # on 5 October): told this month. Hà Tĩnh's correction of August came before it: not.
    write_csv(
        raw / "b.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-09,47,,\n",
        meta="revises: a.csv\nsource: Sở KH&CN Nghệ An\nreceived: 2026-11-08\n",
    )
    write_csv(
        raw / "c.csv",
        HEADER + "Hà Tĩnh,online_dossier_rate_pct,2026-08,51.5,,\n",
        meta="revises: a.csv\nsource: Sở KH&CN Hà Tĩnh\nreceived: 2026-09-20\n",
    )
    rebuild()
    results = monthly.period_results("2026-10", "submitted")
    revised = month_changes.recent_revisions(results)
    assert revised[["province", "period", "old_value", "new_value", "file"]].values.tolist() == [
        ["nghe_an", "2026-09", 45.0, 47.0, "b.csv"]
    ]
    # The store keeps both revisions, whenever they came.
    assert len(month_changes._revisions("submitted")) == 2
    texts = [c.text for c in briefing_changes.changes(results, "nghe_an", "vi")]
    assert "Hồ sơ trực tuyến tháng 9/2026 được sửa: 45,00% → 47,00% (tệp b.csv)" in texts
    english = [c.text for c in briefing_changes.changes(results, "nghe_an", "en")]
    assert "Online dossiers, September 2026, revised: 45.00% → 47.00% (file b.csv)" in english
    assert not any("được sửa" in c.text for c in briefing_changes.changes(results, "ha_tinh", "vi"))
    assert national_pages.revision_lines(results, "vi") == [
        "Nghệ An, Hồ sơ trực tuyến tháng 9/2026: trước là 45,00%, nay là 47,00% (tệp b.csv)"
    ]
    html = str(national_pages.changes_html(results, "vi"))
    assert "trước là 45,00%, nay là 47,00% (tệp b.csv)" in html


def test_a_submitted_revision_arrived_when_an_ingest_first_read_it(workspace):
    raw = workspace / "raw" / "2026-10"
    write_csv(raw / "a.csv", HEADER + _rows("Nghệ An", (44.0, 44.5, 45.0, 46.0)))
    write_csv(
        raw / "b.csv",
        HEADER + "Nghệ An,online_dossier_rate_pct,2026-07,43,,\n",
        meta="revises: a.csv\nsource: office\n",
    )
    rebuild()
    table = month_changes._revisions("submitted")
    assert table["received"].tolist() == ["2026-11-23"]  # VNDX_TODAY, the tests' today
    results = monthly.period_results("2026-10", "submitted")
    assert month_changes.recent_revisions(results)["period"].tolist() == ["2026-07"]


def test_a_revision_of_unknown_date_counts_for_the_month_it_revised(workspace):
    """Generated data say nothing of when a file came: a revision of the month before's
    figure is this month's news, one of an older month is not."""
    raw = workspace / "raw" / "demo"
    write_csv(
        raw / "a.csv",
        HEADER + _rows("Nghệ An", (44.0, 44.5, 45.0, 46.0)),
        meta="source: generator\nsynthetic: true\n",
    )
    write_csv(
        raw / "b.csv",
        HEADER
        + "Nghệ An,online_dossier_rate_pct,2026-09,47,,\n"
        + "Nghệ An,online_dossier_rate_pct,2026-07,43,,\n",
        meta="revises: a.csv\nsource: generator\nsynthetic: true\n",
    )
    version = rebuild().version
    results = monthly.period_results("2026-10", "demo")
    assert results.data_version == version
    table = month_changes._revisions("demo")
    assert sorted(table["period"]) == ["2026-07", "2026-09"]
    assert table["received"].isna().all()
    assert month_changes.recent_revisions(results)["period"].tolist() == ["2026-09"]
