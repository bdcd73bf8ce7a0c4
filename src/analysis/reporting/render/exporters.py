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

import base64
import copy
import logging
import os
import string
import threading
import time
import unicodedata
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import nbformat
from nbconvert.exporters import Exporter, HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor, Preprocessor
from nbformat import NotebookNode
from traitlets import Bool, Enum, Int, Set, Unicode, default
from traitlets.config import Config

from analysis import paths
from analysis.files import write_atomic
from analysis.reporting.i18n import normalize_lang, t
from analysis.reporting.render.components import (
    REPORT_METADATA_MIME,
    SYNTHETIC_NOTICE_MARK,
    provenance_footer,
)
from analysis.reporting.render.sanitize import enforce_offline, sanitize_html

log = logging.getLogger(__name__)

ASSETS_DIR: Path = paths.assets_dir()
TEMPLATES_DIR: Path = ASSETS_DIR / "templates"
FONTS_DIR: Path = ASSETS_DIR / "fonts"
CSS_DIR: Path = ASSETS_DIR / "css"
STYLESHEET: Path = CSS_DIR / "briefing.css"
SCREEN_STYLESHEET: Path = CSS_DIR / "briefing-screen.css"
TEMPLATE_NAME = "briefing"

CSS_PLACEHOLDER = '<style id="briefing-css"></style>'

# (family, file, weight, style, embedded in the HTML?) — the PDF always gets all of them.
# Bold italic is left out of the HTML to keep it small: browsers synthesize it well enough.
FONT_FACES: tuple[tuple[str, str, int, str, bool], ...] = (
    ("VNDX Sans", "NotoSans-Regular.ttf", 400, "normal", True),
    ("VNDX Sans", "NotoSans-Bold.ttf", 700, "normal", True),
    ("VNDX Sans", "NotoSans-Italic.ttf", 400, "italic", True),
    ("VNDX Sans", "NotoSans-BoldItalic.ttf", 700, "italic", False),
    ("VNDX Symbols", "NotoSansSymbols2-Regular.ttf", 400, "normal", True),
    ("VNDX Math", "NotoSansMath-Regular.ttf", 400, "normal", True),
)

# Outputs that carry something a reader can see, besides text/plain.
_VISIBLE_MIMES = ("text/html", "text/markdown", "image/png", "image/jpeg", "image/svg+xml")
# Never rendered: they need JavaScript, a live kernel or a renderer we do not ship.
_DROPPED_MIMES = (
    "application/javascript",
    "application/vnd.jupyter.widget-view+json",
    "application/vnd.jupyter.widget-state+json",
    "text/vnd.mermaid",
    "application/pdf",
)


class BriefingRenderError(RuntimeError):
    """The notebook cannot become a briefing (e.g. a cell raised an error)."""


class URLRefusedError(ValueError):
    """Raised by :class:`AssetOnlyURLFetcher` for anything it does not serve."""


# ----------------------------------------------------------------------------------------------
# Preprocessing
# ----------------------------------------------------------------------------------------------


class BriefingPreprocessor(Preprocessor):
    """Keep only what a leader should see; lift the report metadata out of the outputs.

    - ``stream`` outputs (stdout, stderr: warnings, progress bars) are removed;
    - ``error`` outputs raise :class:`BriefingRenderError` unless ``allow_errors``, which removes
      them instead;
    - JavaScript, widget, Mermaid and PDF data are removed from every output;
    - outputs with nothing but ``text/plain`` (``[<matplotlib.lines.Line2D ...>]``) are removed
      unless the cell has the tag ``show-text``;
    - raw cells, and cells tagged with one of ``remove_tags``, are removed;
    - outputs with :data:`REPORT_METADATA_MIME` are removed and their payload (the last one wins)
      goes to ``resources["briefing_meta"]``;
    - ``resources["briefing_has_synthetic_notice"]`` tells whether the notebook already shows
      :func:`~.components.synthetic_notice` (the template then adds no second one).
    """

    allow_errors = Bool(False, help="Drop error outputs instead of refusing to render.").tag(
        config=True
    )
    remove_tags = Set(
        {"remove_cell", "remove-cell", "remove", "hide", "hide-cell"},
        help="Cells with any of these tags are left out of the briefing.",
    ).tag(config=True)

    def preprocess(
        self, nb: NotebookNode, resources: dict[str, Any]
    ) -> tuple[NotebookNode, dict[str, Any]]:
        """Filter the notebook in place (nbconvert hands us a copy)."""
        meta: dict[str, Any] | None = None
        dropped = {"stream": 0, "error": 0, "plain": 0, "cells": 0}
        has_notice = False
        kept_cells = []
        for index, cell in enumerate(nb.cells):
            tags = set(cell.get("metadata", {}).get("tags", []))
            if cell.cell_type == "raw" or tags & self.remove_tags:
                dropped["cells"] += 1
                continue
            if cell.cell_type == "code":
                outputs = []
                for output in cell.get("outputs", []):
                    kind = output.get("output_type")
                    if kind == "stream":
                        dropped["stream"] += 1
                        continue
                    if kind == "error":
                        if not self.allow_errors:
                            raise BriefingRenderError(
                                f"cell {index} raised {output.get('ename')}: {output.get('evalue')}"
                            )
                        dropped["error"] += 1
                        continue
                    data = output.get("data", {})
                    if REPORT_METADATA_MIME in data:
                        payload = data[REPORT_METADATA_MIME]
                        if meta is not None:
                            self.log.warning("several report metadata outputs; the last one wins")
                        meta = dict(payload) if isinstance(payload, Mapping) else None
                        continue
                    if SYNTHETIC_NOTICE_MARK in str(data.get("text/html", "")):
                        has_notice = True
                    for mime in _DROPPED_MIMES:
                        data.pop(mime, None)
                    if not any(m in data for m in _VISIBLE_MIMES) and "show-text" not in tags:
                        dropped["plain"] += 1
                        continue
                    outputs.append(output)
                cell.outputs = outputs
            kept_cells.append(cell)
        nb.cells = kept_cells
        resources["briefing_meta"] = meta
        resources["briefing_has_synthetic_notice"] = has_notice
        resources["briefing_dropped"] = dropped
        if any(dropped.values()):
            self.log.debug("briefing preprocessor dropped %s", dropped)
        return nb, resources


# ----------------------------------------------------------------------------------------------
# CSS: fonts and generated @page rules
# ----------------------------------------------------------------------------------------------


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string; anything but letters, digits and plain punctuation is
    hex-escaped, so no value can end the string, the rule or the ``<style>`` element."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch.isalnum() or ch in " .,:;-—–()/%+·":
            out.append(ch)
        else:
            out.append(f"\\{ord(ch):06x}")
    return '"' + "".join(out) + '"'


def css_content_from_message(message: str, counters: Mapping[str, str]) -> str:
    """A catalog message with ``{placeholders}`` → a CSS ``content`` value.

    ``"Trang {page}/{pages}"`` with ``{"page": "counter(page)", ...}`` becomes
    ``"Trang " counter(page) "/" counter(pages)``.
    """
    parts = []
    for literal, field, _, _ in string.Formatter().parse(message):
        if literal:
            parts.append(css_string(literal))
        if field:
            parts.append(counters[field])
    return " ".join(parts) or '""'


def page_css(lang: str, synthetic: bool) -> str:
    """@page rules whose text comes from the catalog: page numbers and the synthetic notice."""
    label = css_content_from_message(
        t("page.label", lang, page="{page}", pages="{pages}"),
        {"page": "counter(page)", "pages": "counter(pages)"},
    )
    rules = [f"@page {{ @bottom-right {{ content: {label}; }} }}"]
    if synthetic:
        rules.append(
            f"@page {{ @bottom-left {{ content: {css_string(t('notice.synthetic', lang))}; }} }}"
        )
    return "\n".join(rules)


@lru_cache(maxsize=16)
def _font_base64(filename: str) -> str:
    return base64.b64encode((FONTS_DIR / filename).read_bytes()).decode("ascii")


def font_face_css(mode: str, embed_limit: int = 600_000) -> str:
    """``@font-face`` rules.

    Parameters
    ----------
    mode
        ``"files"``: ``url(fonts/…)`` relative to the package assets (the PDF; served by
        :class:`AssetOnlyURLFetcher`). ``"embed"``: ``data:`` URIs (the HTML), if the fonts
        marked for the HTML weigh at most ``embed_limit`` bytes together; otherwise ``"local"``.
        ``"local"``: only ``local()`` names, falling back to the CSS font stack.
    embed_limit
        Size cap (bytes, before base64) for ``"embed"``.
    """
    if mode == "embed":
        total = sum((FONTS_DIR / f).stat().st_size for _, f, _, _, html in FONT_FACES if html)
        if total > embed_limit:
            log.warning("fonts weigh %d bytes (> %d): not embedding them", total, embed_limit)
            mode = "local"
    rules = []
    for family, filename, weight, style, in_html in FONT_FACES:
        if mode == "files":
            src = f'url("fonts/{filename}") format("truetype")'
        elif mode == "embed" and in_html:
            src = f'url("data:font/ttf;base64,{_font_base64(filename)}") format("truetype")'
        elif mode in ("embed", "local"):
            local_name = Path(filename).stem.replace("-", " ")
            src = f'local("{local_name}")'
        else:
            raise ValueError(f"unknown font mode {mode!r}")
        rules.append(
            f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
            f"font-style: {style}; src: {src}; }}"
        )
    return "\n".join(rules)


@lru_cache(maxsize=4)
def _stylesheet(path: Path) -> str:
    return path.read_text(encoding="utf-8")


# ----------------------------------------------------------------------------------------------
# HTML exporter
# ----------------------------------------------------------------------------------------------


class BriefingHTMLExporter(HTMLExporter):
    """Executed notebook → one self-contained, offline HTML briefing.

    Sanitizing is always on, with the briefing allow-list (see :mod:`~.sanitize`);
    nbconvert's own ``sanitize_html`` option is not used because its allow-list drops tables
    headers and images.
    """

    export_from_notebook = "Briefing (HTML)"

    lang = Unicode(
        None, allow_none=True, help="Language of the report chrome; default: the metadata's."
    ).tag(config=True)
    variant = Enum(
        ("screen", "print"),
        default_value="screen",
        help="'screen': fonts embedded as data URIs; 'print': fonts as package files (PDF).",
    ).tag(config=True)
    embed_fonts = Bool(True, help="Embed the fonts in the HTML as base64 data URIs.").tag(
        config=True
    )
    font_embed_limit = Int(600_000, help="Largest total font size (bytes) to embed.").tag(
        config=True
    )
    allow_errors = Bool(False, help="Drop error outputs instead of failing.").tag(config=True)

    @default("template_name")
    def _template_name_default(self) -> str:
        return TEMPLATE_NAME

    @default("extra_template_basedirs")
    def _default_extra_template_basedirs(self) -> list[str]:
        # Only the package's templates, not the current directory (nbconvert's default).
        return [str(TEMPLATES_DIR)]

    @default("exclude_anchor_links")
    def _exclude_anchor_links_default(self) -> bool:
        return True

    @default("exclude_input")
    def _exclude_input_default(self) -> bool:
        return True

    @default("exclude_input_prompt")
    def _exclude_input_prompt_default(self) -> bool:
        return True

    @default("exclude_output_prompt")
    def _exclude_output_prompt_default(self) -> bool:
        return True

    @property
    def default_config(self) -> Config:
        c = super().default_config
        c.merge(
            Config(
                {
                    "NbConvertBase": {
                        "display_data_priority": [
                            "text/html",
                            "image/svg+xml",
                            "image/png",
                            "image/jpeg",
                            "text/markdown",
                            "text/latex",
                            "text/plain",
                        ]
                    }
                }
            )
        )
        return c

    def _init_preprocessors(self) -> None:
        super()._init_preprocessors()
        # The lab template's Pygments CSS is for code, which a briefing never shows.
        self._preprocessors = [
            p for p in self._preprocessors if not isinstance(p, CSSHTMLHeaderPreprocessor)
        ]

    def default_filters(self) -> Iterable[tuple[str, Any]]:
        """nbconvert's filters plus ``briefing_clean`` (the allow-list sanitizer)."""
        yield from super().default_filters()
        yield ("briefing_clean", sanitize_html)

    def briefing_context(self, nb: NotebookNode, meta: Mapping[str, Any] | None) -> dict[str, Any]:
        """What the template needs from the metadata, with catalog defaults."""
        meta = dict(meta or {})
        lang = normalize_lang(self.lang or meta.get("lang"))
        title = meta.get("title") or nb.metadata.get("title") or t("report.title", lang)
        place = [p for p in (meta.get("province_name"), meta.get("period_label")) if p]
        synthetic = bool(meta.get("synthetic"))
        provenance = meta.get("provenance") or {}
        footer = provenance_footer(provenance, lang) if provenance else ""
        document_title = " — ".join([str(title), *map(str, place)])
        return {
            "lang": lang,
            "variant": self.variant,
            "title": title,
            "subtitle": meta.get("subtitle"),
            "eyebrow": meta.get("eyebrow"),
            "meta_line": " · ".join(map(str, place)),
            "document_title": document_title,
            "synthetic": synthetic,
            "notice_title": t("notice.synthetic", lang),
            "notice_detail": t("notice.synthetic_detail", lang),
            "footer_html": str(footer),
            "chart_alt": t("report.chart_alt", lang),
        }

    def stylesheet(self, lang: str, synthetic: bool) -> str:
        """The complete CSS for this variant: fonts, briefing.css, generated @page rules."""
        if self.variant == "print":
            fonts = font_face_css("files")
            sheets = [_stylesheet(STYLESHEET)]
        else:
            fonts = font_face_css("embed" if self.embed_fonts else "local", self.font_embed_limit)
            sheets = [_stylesheet(STYLESHEET), _stylesheet(SCREEN_STYLESHEET)]
        return "\n".join((fonts, *sheets, page_css(lang, synthetic)))

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Render ``nb`` (not modified) to the briefing HTML."""
        nb = copy.deepcopy(nb)
        resources = self._init_resources(resources)
        pre = BriefingPreprocessor(parent=self, allow_errors=self.allow_errors)
        nb, resources = pre.preprocess(nb, resources)
        context = self.briefing_context(nb, resources.get("briefing_meta"))
        context["notice_box"] = context["synthetic"] and not resources.get(
            "briefing_has_synthetic_notice"
        )
        resources["briefing"] = context
        html, resources = super().from_notebook_node(nb, resources, **kw)
        html = enforce_offline(html, allow_relative_assets=False)
        if CSS_PLACEHOLDER not in html:  # pragma: no cover - template and guard keep it
            raise BriefingRenderError("stylesheet placeholder lost from the briefing template")
        css = self.stylesheet(context["lang"], context["synthetic"])
        html = html.replace(CSS_PLACEHOLDER, f'<style id="briefing-css">\n{css}\n</style>', 1)
        return html, resources


# ----------------------------------------------------------------------------------------------
# PDF: URL fetcher, font configuration, exporter
# ----------------------------------------------------------------------------------------------

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

    class AssetOnlyURLFetcher(urls.URLFetcher):
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


@lru_cache(maxsize=1)
def font_configuration() -> Any:
    """One WeasyPrint ``FontConfiguration`` per process.

    Building it loads the system's Fontconfig configuration, and every ``@font-face`` file is
    registered once and then found again by WeasyPrint's own cache (keyed by the rule), so reusing
    it saves that work on every PDF after the first.
    """
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


def html_to_pdf(html: str, fetcher: Any | None = None) -> bytes:
    """Lay out a print-variant briefing HTML with WeasyPrint and return the PDF bytes.

    Relative URLs resolve against the package's render assets; ``fetcher`` defaults to a new
    :class:`AssetOnlyURLFetcher`. Calls are serialized (the shared font configuration is not
    thread-safe); use processes for parallel rendering.
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
        return document.write_pdf(font_config=font_configuration(), uncompressed_pdf=False)


class BriefingPDFExporter(Exporter):
    """Executed notebook → A4 PDF briefing, via the print variant of the HTML and WeasyPrint."""

    export_from_notebook = "Briefing (PDF)"
    output_mimetype = "application/pdf"

    lang = Unicode(
        None, allow_none=True, help="Language of the report chrome; default: the metadata's."
    ).tag(config=True)
    allow_errors = Bool(False, help="Drop error outputs instead of failing.").tag(config=True)

    @default("file_extension")
    def _file_extension_default(self) -> str:
        return ".pdf"

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[bytes, dict[str, Any]]:
        """Render ``nb`` to PDF bytes."""
        html_exporter = BriefingHTMLExporter(
            parent=self, variant="print", lang=self.lang, allow_errors=self.allow_errors
        )
        html, resources = html_exporter.from_notebook_node(nb, resources, **kw)
        fetcher = make_url_fetcher()
        pdf = html_to_pdf(html, fetcher)
        resources["output_extension"] = ".pdf"
        resources["briefing_refused_urls"] = list(fetcher.refused)
        return pdf, resources


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
    nb, resources = _read(src)
    out = Path(out_dir)
    written: dict[str, Path] = {}
    if "html" in formats:
        start = time.perf_counter()
        html, _ = BriefingHTMLExporter(lang=lang).from_notebook_node(nb, copy.deepcopy(resources))
        written["html"] = write_atomic(out / f"{src.stem}.html", html)
        log.info("HTML %s in %.2f s", written["html"], time.perf_counter() - start)
    if "pdf" in formats:
        start = time.perf_counter()
        pdf, _ = BriefingPDFExporter(lang=lang).from_notebook_node(nb, copy.deepcopy(resources))
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
]
