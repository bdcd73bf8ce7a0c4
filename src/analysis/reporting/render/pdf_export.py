"""The PDF exporter: the print variant of the HTML laid out by WeasyPrint, assets only."""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from nbconvert.exporters import Exporter
from nbformat import NotebookNode
from traitlets import Bool, Unicode, default

from analysis.reporting.render.html_export import BriefingHTMLExporter
from analysis.reporting.render.styles import (
    ASSETS_DIR,
    CSS_DIR,
    FONTS_DIR,
    STYLESHEET,
    font_face_css,
    page_css,
    stylesheet_text,
)

log = logging.getLogger(__name__)


class URLRefusedError(ValueError):
    """Raised by :class:`AssetOnlyURLFetcher` for anything it does not serve."""


ALLOWED_ASSET_SUFFIXES: dict[str, str] = {
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".css": "text/css",
}


def _weasyprint_urls() -> Any:
    # Imported late: WeasyPrint needs Pango at import time, and HTML export must work without.
    from weasyprint import urls

    return urls


def make_url_fetcher(roots: Iterable[Path] = (FONTS_DIR, CSS_DIR)) -> Any:
    """A fresh :class:`AssetOnlyURLFetcher` (it records what it refused in ``.refused``)."""
    return _fetcher_class()(roots)


@lru_cache(maxsize=1)
def _fetcher_class() -> type:
    urls = _weasyprint_urls()

    class AssetOnlyURLFetcher(urls.URLFetcher):  # type: ignore[name-defined]
        """WeasyPrint URL fetcher that serves ``data:`` URIs and package font/CSS files only.

        Everything else (``http(s)``, ``ftp``, ``file://`` outside the asset folders, relative
        paths that resolve outside them, symlinks out of them) raises :class:`URLRefusedError`;
        WeasyPrint then skips the resource. Refused URLs are listed in ``refused``.
        """

        def __init__(self, roots: Iterable[Path]) -> None:
            super().__init__(timeout=2, allowed_protocols={"data", "file"}, allow_redirects=False)
            self.roots = tuple(Path(r).resolve() for r in roots)
            self.refused: list[str] = []

        def _refuse(self, url: str, why: str) -> URLRefusedError:
            self.refused.append(url)
            log.info("briefing PDF: refused %s (%s)", url[:200], why)
            return URLRefusedError(f"briefing PDFs do not load {url[:200]!r}: {why}")

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
            scheme = urlsplit(url).scheme.lower() if ":" in url else ""
            if scheme == "data":
                # urllib's DataHandler decodes it; nothing leaves the process.
                return super().fetch(url, headers)
            if scheme != "file":
                raise self._refuse(url, f"scheme {scheme or 'none'!r} is not served")
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                raise self._refuse(url, "remote file host")
            path = Path(url2pathname(parts.path)).resolve()
            if not any(path.is_relative_to(root) for root in self.roots):
                raise self._refuse(url, "outside the package assets")
            mime = ALLOWED_ASSET_SUFFIXES.get(path.suffix.lower())
            if mime is None or not path.is_file():
                raise self._refuse(url, "not a font or stylesheet of the package")
            return urls.URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime}
            )

    return AssetOnlyURLFetcher


_PDF_LOCK = threading.Lock()

#: The PDF flavour written: PDF/UA-1 (ISO 14289-1), i.e. a tagged PDF 1.7 whose structure tree
#: follows the HTML (headings, paragraphs, tables with their header cells, figures with the
#: ``alt`` of their ``<img>`` as ``/Alt``), with the document language (``/Lang``, from
#: ``<html lang>``) and title (``/Title`` from ``<title>``, shown by viewers instead of the
#: file name). Screen readers read such a PDF in order; fonts stay embedded (subsetted).
PDF_VARIANT = "pdf/ua-1"


@lru_cache(maxsize=1)
def font_configuration() -> Any:
    """One WeasyPrint ``FontConfiguration`` per process.

    Building it loads the system's Fontconfig configuration, and every ``@font-face`` file is
    registered once and then found again by WeasyPrint's own cache (keyed by the rule), so reusing
    it saves that work on every PDF after the first.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@lru_cache(maxsize=1)
def _print_sheet() -> Any:
    """The print stylesheet (``@font-face`` rules for the package's fonts and briefing.css),
    parsed once per process; its fonts are registered once in :func:`font_configuration`."""
    from weasyprint import CSS

    css = "\n".join((font_face_css("files"), stylesheet_text(STYLESHEET)))
    return CSS(
        string=css,
        base_url=ASSETS_DIR.as_uri() + "/",
        url_fetcher=make_url_fetcher(),
        font_config=font_configuration(),
    )


@lru_cache(maxsize=8)
def _page_sheet(lang: str, synthetic: bool) -> Any:
    from weasyprint import CSS

    return CSS(string=page_css(lang, synthetic), font_config=font_configuration())


def _release_fonts() -> None:
    """Drop the cached stylesheets and font configuration while the interpreter still runs, so
    WeasyPrint removes its temporary font folder (at shutdown its cleanup finds ``rmtree``
    already gone)."""
    _page_sheet.cache_clear()
    _print_sheet.cache_clear()
    font_configuration.cache_clear()


atexit.register(_release_fonts)


def print_stylesheets(lang: str, synthetic: bool) -> list[Any]:
    """The PDF's stylesheets, parsed once per process and language (what the print variant's
    ``<style>`` would hold: fonts, briefing.css, the generated ``@page`` rules).

    Given to WeasyPrint as the document's user stylesheets; the document itself then carries
    none of its own, only what its outputs hold (which sanitizing keeps to plain rules).
    """
    return [_print_sheet(), _page_sheet(lang, synthetic)]


def html_to_pdf(
    html: str, fetcher: Any | None = None, stylesheets: list[Any] | None = None
) -> bytes:
    """Lay out a print-variant briefing HTML with WeasyPrint and return the PDF bytes.

    The PDF is tagged (:data:`PDF_VARIANT`). Relative URLs resolve against the package's render
    assets; ``fetcher`` defaults to a new :class:`AssetOnlyURLFetcher`; ``stylesheets``
    (:func:`print_stylesheets`) are added to what the document holds. Calls are serialized
    (the shared font configuration is not thread-safe); use processes for parallel rendering.
    """
    from weasyprint import HTML

    fetcher = fetcher or make_url_fetcher()
    with _PDF_LOCK:
        document = HTML(
            string=html,
            base_url=ASSETS_DIR.as_uri() + "/",
            url_fetcher=fetcher,
            media_type="print",
        )
        return document.write_pdf(
            stylesheets=stylesheets,
            font_config=font_configuration(),
            uncompressed_pdf=False,
            pdf_variant=PDF_VARIANT,
        )


class BriefingPDFExporter(Exporter):
    """Executed notebook → A4 PDF briefing, via the print variant of the HTML and WeasyPrint."""

    export_from_notebook = "Briefing (PDF)"
    output_mimetype = "application/pdf"

    lang = Unicode(
        None, allow_none=True, help="Language of the report chrome; default: the metadata's."
    ).tag(config=True)
    allow_errors = Bool(False, help="Drop error outputs instead of failing.").tag(config=True)
    _print_html: tuple[tuple[str | None, bool], BriefingHTMLExporter] | None = None

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def _print_exporter(self) -> BriefingHTMLExporter:
        """The print-variant HTML exporter, made once per setting of ``lang`` and
        ``allow_errors`` (its Jinja templates are compiled once per instance)."""
        wanted = (self.lang, self.allow_errors)
        cached = self._print_html
        if cached is None or cached[0] != wanted:
            exporter = BriefingHTMLExporter(
                parent=self, variant="print", lang=self.lang, allow_errors=self.allow_errors
            )
            cached = self._print_html = (wanted, exporter)
        return cached[1]

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        """Render ``nb`` to PDF bytes."""
        html, resources = self._print_exporter().render_variants(nb, resources, ("print",), **kw)[
            "print"
        ]
        return pdf_from_print_html(html, resources)


def pdf_from_print_html(html: str, resources: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """The PDF of a print-variant document made by
    :meth:`~.html_export.BriefingHTMLExporter.render_variants` (without its stylesheet)."""
    context = resources["briefing"]
    fetcher = make_url_fetcher()
    pdf = html_to_pdf(html, fetcher, print_stylesheets(context["lang"], context["synthetic"]))
    resources = {**resources, "output_extension": ".pdf"}
    resources["briefing_refused_urls"] = list(fetcher.refused)
    return pdf, resources
