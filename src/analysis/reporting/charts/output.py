"""A finished chart into the notebook's output: an embedded PNG with its text alternative."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
from IPython.display import Image, display
from matplotlib.figure import Figure

from analysis.reporting.charts.alt import alt_text


def show(fig: Figure, dpi: int = 200, alt: str | None = None) -> None:
    """Display a figure as an embedded PNG, with its text alternative, and release it.

    Figures here are built without pyplot, so IPython's inline hook may not know them; an
    explicit PNG (sharp at print size) works the same in JupyterLab, papermill, HTML and PDF.
    ``alt`` (default: the text the chart function stored, see :mod:`.alt`) goes into the
    output's metadata (``image/png`` → ``alt``), where the briefing template reads it.
    """
    text = alt if alt is not None else alt_text(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    image = Image(
        data=buf.getvalue(),
        format="png",
        width=int(fig.get_figwidth() * 96),
        metadata={"alt": text} if text else None,
    )
    display(image)
    plt.close(fig)  # a no-op for figures built without pyplot
