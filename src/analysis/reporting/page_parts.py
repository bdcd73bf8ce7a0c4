"""Page parts the reports of published figures are built from: headings, paragraphs, tables,
charts with alt text, and the source sentence of each shipped published file.

Every string is escaped (Jinja2 autoescaping, as in :mod:`analysis.reporting.render.components`);
pass plain text.
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache
from typing import Any

import pandas as pd
import yaml

from analysis import paths
from analysis.analyses import published_tables
from analysis.core import i18n
from analysis.reference import population
from analysis.reporting.render.components.base import Fragment, plain_text, render_fragment

_TABLE = """
<table class="data-table compact published">
{% if caption %}<caption>{{ caption }}</caption>{% endif %}
<thead><tr>{% for h in headers %}<th scope="col">{{ h }}</th>{% endfor %}</tr></thead>
<tbody>
{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody>
</table>
"""
_PARAGRAPH = """
<p class="{{ css }}">{% if small %}<small>{{ text }}</small>{% else %}{{ text }}{% endif %}</p>
"""
_FIGURE = """
<figure class="published-chart">
<img src="data:image/png;base64,{{ data }}" alt="{{ alt }}" width="{{ width }}">
</figure>
"""


def heading(key: str, lang: str, level: int = 2, **kwargs: Any) -> Fragment:
    return render_fragment(f"<h{level}>{{{{ text }}}}</h{level}>", text=i18n.t(key, lang, **kwargs))


def paragraph(text: str, css: str = "") -> Fragment:
    return render_fragment(_PARAGRAPH, text=plain_text(text), css=css, small="small-note" in css)


def table(headers: list[str], rows: list[list[Any]]) -> Fragment:
    return render_fragment(_TABLE, headers=headers, rows=rows, caption=None)


# --- sources ---------------------------------------------------------------------------------


@lru_cache(maxsize=32)
def _sidecar(name: str) -> dict:
    """The sidecar of a shipped published file (the data folder's copy wins), or ``{}``."""
    for folder in (
        paths.published_dir() / "real",
        paths.PACKAGE_DIR.parent.parent / "data" / "raw" / "published" / "real",
    ):
        meta = folder / f"{name}.meta.yml"
        if meta.exists():
            return yaml.safe_load(meta.read_text(encoding="utf-8")) or {}
    return {}


def source_lines(files: list[str], lang: str) -> list[str]:
    """One "Nguồn: ..." sentence per file: the portal, its address, who collected it from where."""
    out = []
    for file in files:
        name = file.rsplit("/", 1)[-1]
        meta = _sidecar(name)
        origin = meta.get("collected_from") or {}
        out.append(
            i18n.t(
                "published.source",
                lang,
                source=meta.get("source", name),
                url=meta.get("source_url", ""),
                repository=origin.get("repository", i18n.MISSING),
                commit=str(origin.get("commit", ""))[:7] or i18n.MISSING,
                path=file,
            )
        )
    return out


def weights_source(lang: str) -> str:
    """Where the population weights come from (the shipped GSO file and who collected it)."""
    [line] = source_lines([f"data/raw/published/real/{population.FILE}"], lang)
    return i18n.t("published.source_weights", lang, source=line)


def sources(real: pd.DataFrame, ids: tuple[str, ...] | list[str], lang: str) -> Fragment:
    """The sources of the rows of ``ids`` as small notes under a section."""
    lines = source_lines(published_tables.files_of(real, ids), lang)
    return Fragment("\n".join(str(paragraph(s, "small-note source-note")) for s in lines))


def figure(fig: Any, alt: str, dpi: int = 200) -> Fragment:
    """A chart as an embedded PNG with its alt text (what the chart shows, in words)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return render_fragment(
        _FIGURE, data=data, alt=plain_text(alt), width=int(fig.get_figwidth() * 96)
    )
