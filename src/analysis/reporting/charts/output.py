"""A finished chart into the notebook's output: an embedded PNG with its text alternative."""

from __future__ import annotations

import io

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from IPython.display import Image, display
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox

from analysis.reporting.charts.alt import alt_text


def show(fig: Figure, dpi: int = 200, alt: str | None = None) -> None:
    """Display a figure as an embedded PNG, with its text alternative, and release it.

    Figures here are built without pyplot, so IPython's inline hook may not know them; an
    explicit PNG (sharp at print size) works the same in JupyterLab, papermill, HTML and PDF.
    ``alt`` (default: the text the chart function stored, see :mod:`.alt`) goes into the
    output's metadata (``image/png`` → ``alt``), where the briefing template reads it.
    """
    text = alt if alt is not None else alt_text(fig)
    image = Image(
        data=png_bytes(fig, dpi),
        format="png",
        width=int(fig.get_figwidth() * 96),
        metadata={"alt": text} if text else None,
    )
    display(image)
    plt.close(fig)  # a no-op for figures built without pyplot


def png_bytes(fig: Figure, dpi: int = 200) -> bytes:
    """The figure as a PNG at ``dpi`` on white, cropped to what it draws (``bbox_inches="tight"``).

    Drawn once. ``savefig(bbox_inches="tight")`` draws a figure twice: once (without painting)
    to lay it out and measure what it covers, then again, painted, into the cropped area; at
    print resolution that doubled the cost of every chart. Here the figure is laid out and
    painted in one draw at ``dpi``, measured with the same renderer, and the painted pixels
    cropped to that box padded by ``savefig.pad_inches`` (white where the padding passes the
    figure's edge, as ``savefig`` paints it). A figure that draws outside its own area, which a
    crop cannot recover, goes through ``savefig`` as before.
    """
    canvas = FigureCanvasAgg(fig)
    saved = fig.dpi, fig.get_facecolor()
    fig.set_dpi(dpi)
    fig.set_facecolor("white")
    try:
        canvas.draw()
        box = fig.get_tightbbox(canvas.get_renderer())
        width, height = fig.get_size_inches()
        if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
            return buf.getvalue()
        pixels = _crop(
            np.asarray(canvas.buffer_rgba()), box, float(mpl.rcParams["savefig.pad_inches"]), dpi
        )
        buf = io.BytesIO()
        mpl.image.imsave(buf, pixels, format="png", dpi=dpi)
        return buf.getvalue()
    finally:
        fig.set_dpi(saved[0])
        fig.set_facecolor(saved[1])


def _crop(pixels: np.ndarray, box: Bbox, pad: float, dpi: int) -> np.ndarray:
    """``pixels`` (rows from the top) cut to ``box`` (inches from the bottom left) plus ``pad``
    inches on every side; what lies beyond the canvas is white."""
    rows, cols = pixels.shape[:2]
    padded = box.padded(pad)
    out_cols, out_rows = int(padded.width * dpi), int(padded.height * dpi)
    # Aligned on the box's bottom left corner, as savefig aligns it.
    left = int(round(padded.x0 * dpi))
    top = int(round(rows - padded.y0 * dpi)) - out_rows
    out = np.full((out_rows, out_cols, 4), 255, dtype=np.uint8)
    src_top, src_left = max(top, 0), max(left, 0)
    src_bottom, src_right = min(top + out_rows, rows), min(left + out_cols, cols)
    out[src_top - top : src_bottom - top, src_left - left : src_right - left] = pixels[
        src_top:src_bottom, src_left:src_right
    ]
    return out
