"""The HTML exporter: executed notebook -> one self-contained, offline HTML briefing."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from nbconvert.exporters import HTMLExporter
from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
from nbformat import NotebookNode
from traitlets import Bool, Enum, Int, Unicode, default
from traitlets.config import Config

from analysis.core.i18n import normalize_lang, t
from analysis.reporting.render.components import provenance_footer, provenance_items
from analysis.reporting.render.preprocess import BriefingPreprocessor, BriefingRenderError
from analysis.reporting.render.sanitize import enforce_offline, sanitize_html
from analysis.reporting.render.styles import (
    SCREEN_STYLESHEET,
    STYLESHEET,
    TEMPLATE_NAME,
    TEMPLATES_DIR,
    font_face_css,
    page_css,
    stylesheet_text,
)

CSS_PLACEHOLDER = '<style id="briefing-css"></style>'
FOOTER_PLACEHOLDER = '<div id="briefing-footer-placeholder"></div>'


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

    def briefing_context(
        self, nb: NotebookNode, meta: Mapping[str, Any] | None, variant: str | None = None
    ) -> dict[str, Any]:
        """What the template needs from the metadata, with catalog defaults."""
        variant = variant or self.variant
        meta = dict(meta or {})
        lang = normalize_lang(self.lang or meta.get("lang"))
        title = meta.get("title") or nb.metadata.get("title") or t("report.title", lang)
        place = [p for p in (meta.get("province_name"), meta.get("period_label")) if p]
        synthetic = bool(meta.get("synthetic"))
        provenance = meta.get("provenance") or {}
        footer = (
            provenance_footer(provenance, lang, full_text=variant == "screen") if provenance else ""
        )
        document_title = " — ".join([str(title), *map(str, place)])
        return {
            "lang": lang,
            "variant": variant,
            "title": title,
            "subtitle": meta.get("subtitle"),
            "eyebrow": meta.get("eyebrow"),
            "meta_line": " · ".join(map(str, place)),
            "document_title": document_title,
            "synthetic": synthetic,
            "notice_title": t("notice.synthetic", lang),
            "notice_detail": t("notice.synthetic_detail", lang),
            "footer_html": str(footer),
            # The whole provenance (data and software versions, notebook ...) as the document's
            # description: WeasyPrint writes it as the PDF's subject, where the printed page
            # does not show it.
            "description": "; ".join(f"{k}: {v}" for k, v in provenance_items(provenance, lang)),
            "chart_alt": t("report.chart_alt", lang),
        }

    def stylesheet(self, lang: str, synthetic: bool, variant: str | None = None) -> str:
        """The complete CSS for a variant: fonts, briefing.css, generated @page rules."""
        if (variant or self.variant) == "print":
            fonts = font_face_css("files")
            sheets = [stylesheet_text(STYLESHEET)]
        else:
            fonts = font_face_css("embed" if self.embed_fonts else "local", self.font_embed_limit)
            sheets = [stylesheet_text(STYLESHEET), stylesheet_text(SCREEN_STYLESHEET)]
        return "\n".join((fonts, *sheets, page_css(lang, synthetic)))

    def from_notebook_node(  # type: ignore[override]
        self, nb: NotebookNode, resources: dict[str, Any] | None = None, **kw: Any
    ) -> tuple[str, dict[str, Any]]:
        """Render ``nb`` (not modified) to the briefing HTML."""
        html, resources = self.render_variants(nb, resources, (self.variant,), **kw)[self.variant]
        return self.with_stylesheet(html, resources["briefing"]), resources

    def render_variants(
        self,
        nb: NotebookNode,
        resources: dict[str, Any] | None = None,
        variants: Iterable[str] = ("screen", "print"),
        **kw: Any,
    ) -> dict[str, tuple[str, dict[str, Any]]]:
        """The document of each variant, from one preprocessing and one rendering of ``nb``.

        The variants differ only by the ``<body>`` class, the provenance footer (in full on
        screen, short in print) and the stylesheet; so the notebook is filtered, rendered
        through the template and its outputs sanitized once, and each variant gets its own
        class and footer (through the offline guard as well). The stylesheet is not yet in:
        :meth:`with_stylesheet` puts it in (the PDF is given it as a parsed stylesheet
        instead). Returns ``{variant: (html, resources)}``; ``nb`` is not modified.
        """
        variants = tuple(variants)
        nb = copy.deepcopy(nb)
        resources = self._init_resources(resources)
        pre = BriefingPreprocessor(parent=self, allow_errors=self.allow_errors)
        nb, resources = pre.preprocess(nb, resources)
        meta = resources.get("briefing_meta")
        contexts = {v: self.briefing_context(nb, meta, v) for v in variants}
        notice_box = contexts[variants[0]]["synthetic"] and not resources.get(
            "briefing_has_synthetic_notice"
        )
        for context in contexts.values():
            context["notice_box"] = notice_box
        resources["briefing"] = {
            **contexts[variants[0]],
            "variant": _VARIANT_MARK,
            "footer_html": FOOTER_PLACEHOLDER,
        }
        html, resources = super().from_notebook_node(nb, resources, **kw)
        html = enforce_offline(html, allow_relative_assets=False)
        for placeholder in (CSS_PLACEHOLDER, FOOTER_PLACEHOLDER, _body_class(_VARIANT_MARK)):
            if html.count(placeholder) != 1:  # pragma: no cover - template and guard keep them
                raise BriefingRenderError(f"{placeholder!r} lost from the briefing template")
        pages = {}
        for variant, context in contexts.items():
            footer = enforce_offline(context["footer_html"], allow_relative_assets=False)
            page = html.replace(_body_class(_VARIANT_MARK), _body_class(variant), 1)
            page = page.replace(FOOTER_PLACEHOLDER, footer, 1)
            pages[variant] = (page, {**resources, "briefing": context})
        return pages

    def with_stylesheet(self, html: str, context: Mapping[str, Any]) -> str:
        """``html`` from :meth:`render_variants` with its variant's stylesheet put in."""
        css = self.stylesheet(context["lang"], context["synthetic"], context["variant"])
        return html.replace(CSS_PLACEHOLDER, f'<style id="briefing-css">\n{css}\n</style>', 1)


_VARIANT_MARK = "variant-placeholder"
"""The variant the shared rendering is made with, replaced by each variant's own."""


def _body_class(variant: str) -> str:
    return f'<body class="briefing-body variant-{variant}">'
