"""Rendering of briefings: HTML components for notebooks, and the HTML/PDF exporters.

- :mod:`analysis.reporting.render.components`: building blocks a notebook displays, by role:
  ``kpi`` (KPI cards), ``tables`` (the traffic-light status table, the national risk table),
  ``notes`` (notices, method note, changes since last month), ``provenance`` (footer facts and
  the hidden report metadata); ``base`` holds the escaping Jinja2 environment.
- :mod:`analysis.reporting.render.exporters`: executed notebook → offline HTML and A4 PDF
  (nbconvert entry points ``briefing_html`` and ``briefing_pdf``; :func:`render_html`,
  :func:`render_pdf`, :func:`export` for the runner), built from ``preprocess`` (what a reader
  sees), ``styles`` (fonts and ``@page`` CSS), ``html_export`` and ``pdf_export``.
- :mod:`analysis.reporting.render.sanitize`: the allow-list sanitizer and the offline guard.
- :mod:`analysis.reporting.render.accessibility`: header cells marked with their scope (the
  sanitizer applies it to every fragment); chart alt texts are :mod:`analysis.reporting.charts.alt`.

Assets that ship with the package: ``templates/briefing`` (nbconvert template),
``css/briefing.css`` and ``fonts/`` (Noto Sans subsets, SIL OFL 1.1).

The exporters are imported lazily (``from analysis.reporting.render.exporters import ...``) so
that a notebook kernel importing the components does not load nbconvert or WeasyPrint.
"""

from analysis.reporting.render.components import (
    REPORT_METADATA_MIME,
    Change,
    KpiCard,
    StatusRow,
    changes_list,
    kpi_cards,
    method_note,
    notice_box,
    provenance_footer,
    report_metadata,
    status_table,
    synthetic_notice,
)

__all__ = [
    "REPORT_METADATA_MIME",
    "Change",
    "KpiCard",
    "StatusRow",
    "changes_list",
    "kpi_cards",
    "method_note",
    "notice_box",
    "provenance_footer",
    "report_metadata",
    "status_table",
    "synthetic_notice",
]
