"""Planning a run: the languages recipients ask for are made for their unit's report."""

from __future__ import annotations

import logging

from analysis.running import jobs, runner
from analysis.running.delivery import recipients

RECIPIENTS = """\
recipients:
  - unit: Nghệ An
    name: Văn phòng UBND tỉnh Nghệ An
    address: vanphong@nghean.example
  - unit: TP.HCM
    name: Digital Transformation Office
    address: dx@hcmc.example
    language: en
  - unit: national
    name: National office
    address: office@national.example
    language: en
"""


def _keys(planned):
    return sorted((j.notebook, j.unit, j.lang) for j in planned)


def test_a_run_makes_the_main_report_in_each_language_its_recipients_ask_for(workspace):
    (workspace / "recipients.yml").write_text(RECIPIENTS, encoding="utf-8")
    wanted = recipients.languages_wanted()
    assert wanted == {"ho_chi_minh": {"en"}, "national": {"en"}}
    planned = jobs.plan_jobs("2026-10", provinces=["nghe_an", "ho_chi_minh"], extra_langs=wanted)
    english = [k for k in _keys(planned) if k[2] == "en"]
    assert english == [
        ("30_leadership_briefing", "ho_chi_minh", "en"),
        ("40_national_overview", "national", "en"),
    ]
    # Only the reports a run makes: a run of published figures adds no briefing.
    only = jobs.plan_jobs("2026-10", notebooks=["25_published_figures"], extra_langs=wanted)
    assert {j.lang for j in only} == {"vi"}
    # A unit the run does not cover gets no job; a language already asked for, no second one.
    none = jobs.plan_jobs(
        "2026-10", provinces=["nghe_an"], notebooks=["30_leadership_briefing"], extra_langs=wanted
    )
    assert _keys(none) == [("30_leadership_briefing", "nghe_an", "vi")]
    both = jobs.plan_jobs(
        "2026-10", provinces=["ho_chi_minh"], langs=["vi", "en"], extra_langs=wanted
    )
    assert len(both) == len({j.key for j in both})


def test_the_runner_reads_the_recipients_languages_and_tolerates_a_broken_file(workspace, caplog):
    assert runner._recipients_langs() == {}  # no file: Vietnamese only
    (workspace / "recipients.yml").write_text(RECIPIENTS, encoding="utf-8")
    assert runner._recipients_langs() == {"ho_chi_minh": {"en"}, "national": {"en"}}
    (workspace / "recipients.yml").write_text(
        "recipients:\n  - unit: Atlantis\n    name: x\n    address: x@y.example\n"
        "    language: fr\n",
        encoding="utf-8",
    )
    with caplog.at_level(logging.WARNING):
        assert runner._recipients_langs() == {}
    assert "recipients file not used for the report languages" in caplog.text
    assert "'fr': use vi or en" in caplog.text
