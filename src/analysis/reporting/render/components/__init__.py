"""HTML building blocks that briefing notebooks display.

Each function returns a :class:`Fragment` (an ``IPython.display.HTML``), so a notebook cell shows it
with ``display(kpi_cards(...))`` or by ending with it. The briefing exporters keep these outputs
and style them with ``css/briefing.css``.

Every data string (labels, province names, formatted values, notes) is escaped: the markup is
produced by Jinja2 templates with autoescaping on, so ``<script>`` in a province name comes out
as the text ``&lt;script&gt;``. Pass plain text, never HTML. A :class:`Fragment` (or any object
with ``__html__``) may be nested inside another component and is kept as markup.

:func:`report_metadata` is different: it shows nothing. It emits one display output of MIME type
:data:`REPORT_METADATA_MIME` that the exporters read to build the header band, the running page
header, the synthetic-data notice and the provenance footer.
"""

from analysis.reporting.render.components.base import (
    REPORT_METADATA_MIME,
    REPORT_METADATA_VERSION,
    STATUSES,
    SYNTHETIC_NOTICE_MARK,
    Fragment,
)
from analysis.reporting.render.components.kpi import KpiCard, kpi_cards, kpi_legend
from analysis.reporting.render.components.notes import (
    METHOD_NOTE_KEYS,
    Change,
    changes_list,
    method_note,
    notice_box,
    synthetic_notice,
    verdict_box,
)
from analysis.reporting.render.components.provenance import (
    PROVENANCE_KEYS,
    ReportMetadata,
    provenance_footer,
    provenance_items,
    provenance_value,
    report_metadata,
    report_provenance,
)
from analysis.reporting.render.components.status_tables import (
    StatusRow,
    VerdictRow,
    risk_table,
    simple_table,
    status_table,
    verdict_table,
)

__all__ = [
    "METHOD_NOTE_KEYS",
    "PROVENANCE_KEYS",
    "REPORT_METADATA_MIME",
    "REPORT_METADATA_VERSION",
    "STATUSES",
    "SYNTHETIC_NOTICE_MARK",
    "Change",
    "Fragment",
    "KpiCard",
    "ReportMetadata",
    "StatusRow",
    "VerdictRow",
    "changes_list",
    "kpi_cards",
    "kpi_legend",
    "method_note",
    "notice_box",
    "provenance_footer",
    "provenance_items",
    "provenance_value",
    "report_metadata",
    "report_provenance",
    "risk_table",
    "simple_table",
    "status_table",
    "synthetic_notice",
    "verdict_table",
    "verdict_box",
]
