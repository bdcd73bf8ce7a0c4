"""Files a report's job writes beside its HTML and PDF: the national overview's spreadsheet.

The overview's PDF leaves every value to its annex (:mod:`analysis.reporting.overview_annex`);
the job that renders the overview writes the annex too, atomically, so it is listed in the
manifest with the job's other outputs, skipped and redone with them.
"""

from __future__ import annotations

from pathlib import Path

from analysis import paths
from analysis.analyses import monthly
from analysis.files import write_atomic
from analysis.reporting import overview_annex
from analysis.running.jobs import Job

NOTEBOOKS = {"40_national_overview": "xlsx"}
"""Notebooks whose job writes an annex, and its format."""


def write_annexes(job: Job) -> list[Path]:
    """The annexes of ``job`` written into its folder (``<stem>.xlsx``); none for other jobs."""
    suffix = NOTEBOOKS.get(job.notebook)
    if suffix is None or job.commune:
        return []
    results = monthly.period_results(job.period, job.parameters.get("dataset") or None)
    data = overview_annex.workbook_bytes(results, job.lang)
    return [write_atomic(job.out_dir(paths.reports_dir()) / f"{job.stem}.{suffix}", data)]
