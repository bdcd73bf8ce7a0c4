"""Executed notebook → self-contained offline HTML and print-quality A4 PDF.

Two nbconvert exporters (registered as entry points ``briefing_html`` and ``briefing_pdf``)::

    jupyter nbconvert --to briefing_pdf executed.ipynb

and plain functions for the runner: :func:`render_html`, :func:`render_pdf`, :func:`export`.

Pipeline
--------
1. :class:`BriefingPreprocessor` removes what a reader must not see (stream output, so warnings;
   tracebacks; JavaScript and widgets; raw cells; text-only reprs such as ``<Figure ...>``) and
   takes out the hidden report-metadata output (:func:`~.components.report_metadata`)
   into ``resources["briefing_meta"]``.
2. The ``briefing`` nbconvert template (``templates/briefing``, extending ``lab``) writes the
   document: header band, synthetic notice, outputs (through the allow-list sanitizer), the
   provenance footer. No code, no prompts, no scripts.
3. :func:`~.sanitize.enforce_offline` goes over the whole document once more.
4. The stylesheet is put in last (fonts as ``data:`` URIs for the HTML; as package files for the
   PDF), so it is the only thing in the document that was not sanitized, and it is ours.
5. For the PDF, WeasyPrint lays out the print variant with :class:`AssetOnlyURLFetcher`, which
   serves ``data:`` URIs and the package's own font/CSS files and refuses everything else.

Why WeasyPrint: it needs neither a browser nor TeX, implements CSS Paged Media (``@page`` margin
boxes, ``counter(pages)``, ``string-set``) for running headers and "Trang x/y", and embeds
subsetted fonts in the PDF.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
from nbconvert.exporters import Exporter
from nbformat import NotebookNode

from analysis.files import write_atomic
from analysis.reporting.render.html_export import CSS_PLACEHOLDER, BriefingHTMLExporter
from analysis.reporting.render.pdf_export import (
    ALLOWED_ASSET_SUFFIXES,
    BriefingPDFExporter,
    URLRefusedError,
    font_configuration,
    html_to_pdf,
    make_url_fetcher,
    pdf_from_print_html,
)
from analysis.reporting.render.preprocess import BriefingPreprocessor, BriefingRenderError
from analysis.reporting.render.styles import (
    ASSETS_DIR,
    CSS_DIR,
    FONT_FACES,
    FONTS_DIR,
    SCREEN_STYLESHEET,
    STYLESHEET,
    TEMPLATE_NAME,
    TEMPLATES_DIR,
    css_content_from_message,
    css_string,
    font_face_css,
    page_css,
)

log = logging.getLogger(__name__)


# ----------------------------------------------------------------------------------------------
# Plain functions for the runner
# ----------------------------------------------------------------------------------------------


def _read(nb_or_path: NotebookNode | str | os.PathLike[str]) -> tuple[NotebookNode, dict]:
    if isinstance(nb_or_path, NotebookNode | dict):
        return nbformat.from_dict(nb_or_path), {}
    path = Path(nb_or_path)
    nb = nbformat.read(path, as_version=4)
    return nb, {"metadata": {"name": path.stem, "path": str(path.parent)}}


def render_html(nb_or_path: NotebookNode | str | os.PathLike[str], lang: str | None = None) -> str:
    """The offline HTML briefing of an executed notebook (object or ``.ipynb`` path)."""
    nb, resources = _read(nb_or_path)
    html, _ = BriefingHTMLExporter(lang=lang).from_notebook_node(nb, resources)
    return html


def render_pdf(nb_or_path: NotebookNode | str | os.PathLike[str], lang: str | None = None) -> bytes:
    """The A4 PDF briefing of an executed notebook (object or ``.ipynb`` path)."""
    nb, resources = _read(nb_or_path)
    pdf, _ = BriefingPDFExporter(lang=lang).from_notebook_node(nb, resources)
    return pdf


@lru_cache(maxsize=8)
def _exporter(kind: type[Exporter], lang: str | None) -> Any:
    """One exporter of each kind and language per process, used for every report it renders.

    nbconvert compiles an exporter's Jinja templates once per instance (about a quarter of a
    second for the briefing's template set): reused, as ``jupyter nbconvert`` reuses one
    exporter for many notebooks, they are compiled once per worker. The exporters keep no state
    from one notebook to the next; a runner worker renders one report at a time.
    """
    return kind(lang=lang)


def export(
    executed_ipynb_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = ("html", "pdf"),
    lang: str | None = None,
) -> dict[str, Path]:
    """Write ``<stem>.html`` and/or ``<stem>.pdf`` for an executed notebook into ``out_dir``.

    Returns
    -------
    dict
        ``{"html": path, "pdf": path}`` for the formats written; timings are logged.
    """
    formats = tuple(formats)
    unknown = set(formats) - {"html", "pdf"}
    if unknown:
        raise ValueError(f"unknown format(s) {sorted(unknown)}; use 'html' and/or 'pdf'")
    src = Path(executed_ipynb_path)
    out = Path(out_dir)
    written: dict[str, Path] = {}
    if not formats:
        return written
    start = time.perf_counter()
    nb, resources = _read(src)
    # One preprocessing and rendering of the notebook for both documents.
    variants = [v for f, v in (("html", "screen"), ("pdf", "print")) if f in formats]
    exporter = _exporter(BriefingHTMLExporter, lang)
    pages = exporter.render_variants(nb, resources, variants)
    log.info("%s rendered in %.2f s", src.name, time.perf_counter() - start)
    if "html" in formats:
        html, rendered = pages["screen"]
        html = exporter.with_stylesheet(html, rendered["briefing"])
        written["html"] = write_atomic(out / f"{src.stem}.html", html)
    if "pdf" in formats:
        start = time.perf_counter()
        pdf, _ = pdf_from_print_html(*pages["print"])
        written["pdf"] = write_atomic(out / f"{src.stem}.pdf", pdf)
        log.info("PDF %s in %.2f s", written["pdf"], time.perf_counter() - start)
    return written


__all__ = [
    "BriefingHTMLExporter",
    "BriefingPDFExporter",
    "BriefingPreprocessor",
    "BriefingRenderError",
    "URLRefusedError",
    "export",
    "font_configuration",
    "html_to_pdf",
    "make_url_fetcher",
    "render_html",
    "render_pdf",
    "write_atomic",
    "ALLOWED_ASSET_SUFFIXES",
    "ASSETS_DIR",
    "CSS_DIR",
    "CSS_PLACEHOLDER",
    "FONTS_DIR",
    "FONT_FACES",
    "SCREEN_STYLESHEET",
    "STYLESHEET",
    "TEMPLATES_DIR",
    "TEMPLATE_NAME",
    "css_content_from_message",
    "css_string",
    "font_face_css",
    "page_css",
]
