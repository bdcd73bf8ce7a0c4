"""The data provider's guide, printed beside the month's workbooks.

``docs/huong-dan-gui-so-lieu.md`` (in Vietnamese) tells provincial staff how to fill and send
the collection workbook; every workbook's instructions sheet points to it. ``collect`` writes it
as a PDF into the folder of workbooks to send, so it travels with them. Markdown is turned into
HTML by mistune (already used by nbconvert for notebook text) and laid out by WeasyPrint with
the reports' own fonts, fetching nothing but those fonts.
"""

from __future__ import annotations

import html
from pathlib import Path

import mistune

from analysis import paths
from analysis.files import write_atomic
from analysis.reporting.render.pdf_export import make_url_fetcher
from analysis.reporting.render.styles import FONTS_DIR, font_face_css

SOURCE_NAME = "huong-dan-gui-so-lieu.md"
PDF_NAME = "huong-dan-gui-so-lieu.pdf"

_CSS = """
@page { size: A4; margin: 18mm 16mm; @bottom-right { content: counter(page) "/" counter(pages);
        font-size: 8pt; color: #555; } }
body { font-family: "Noto Sans", sans-serif; font-size: 10pt; line-height: 1.4; color: #1a1a1a; }
h1 { font-size: 16pt; color: #16365c; } h2 { font-size: 12.5pt; color: #16365c; margin-top: 1.2em; }
h3 { font-size: 11pt; }
table { border-collapse: collapse; width: 100%; margin: 0.5em 0; font-size: 9pt; }
th, td { border: 0.5pt solid #999; padding: 3pt 5pt; vertical-align: top; text-align: left; }
th { background: #eef2f7; }
code { font-family: "Noto Sans", sans-serif; background: #f3f3f3; padding: 0 2pt; }
pre { background: #f3f3f3; padding: 4pt; white-space: pre-wrap; }
h2, h3 { break-after: avoid; } tr { break-inside: avoid; }
"""


def source() -> Path:
    """The guide's Markdown source (shipped in the project's ``docs/``)."""
    return paths.project_root() / "docs" / SOURCE_NAME


def guide_html(markdown_text: str) -> str:
    """The guide as a printable HTML document (Vietnamese, the reports' fonts)."""
    body = mistune.html(markdown_text)
    title = html.escape(markdown_text.lstrip("# ").splitlines()[0].strip())
    return (
        f'<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{font_face_css('files')}\n{_CSS}</style></head><body>{body}</body></html>"
    )


def write_guide(folder: Path) -> Path | None:
    """Write the guide as ``folder/huong-dan-gui-so-lieu.pdf``; ``None`` when its source is
    not there (the package used without the project's ``docs/``)."""
    src = source()
    if not src.is_file():
        return None
    from weasyprint import HTML  # needs Pango: imported only when a guide is written

    document = HTML(
        string=guide_html(src.read_text(encoding="utf-8")),
        base_url=FONTS_DIR.parent.as_uri() + "/",
        url_fetcher=make_url_fetcher(),
    )
    return write_atomic(folder / PDF_NAME, document.write_pdf())
