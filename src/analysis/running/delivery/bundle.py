"""Zip files to hand out: one per unit, one for the national office, and their checksums.

``python -m analysis bundle --period 2026-10`` writes to ``reports/<period>/bundles/``:

- ``<unit>.zip`` for every province with a report: every report of the unit (the briefing, the
  published figures, a commune comparison when made), PDF and HTML in every language made,
  and a short Vietnamese cover note (unit, period, data version, what is inside);
- ``national.zip`` for the national office: every unit's briefing (PDF) and every national
  report (PDF and HTML) with the overview's spreadsheet annex;
- ``SHA256SUMS``, in the format ``sha256sum -c`` reads.

Zips are deterministic (fixed timestamps and modes, sorted entries): the same reports give the
same bytes, so an unchanged bundle keeps its checksum. Each file is written atomically.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from analysis import paths
from analysis.core import i18n
from analysis.files import inside, safe_name, write_atomic
from analysis.running.delivery.outputs import (
    NATIONAL,
    Output,
    is_synthetic,
    main_notebook,
    require_outputs,
    unit_name,
)

FIXED_TIME = (2000, 1, 1, 0, 0, 0)
"""Every entry's timestamp: the bytes depend on the reports only, not on when they were made."""
COVER_NOTE = "ghi-chu.txt"
NATIONAL_BUNDLE = "national.zip"
SUMS = "SHA256SUMS"
BUNDLED_FORMATS = ("pdf", "html", "xlsx")
"""Formats handed out: the reports to read and the overview's annex (not executed notebooks)."""


@dataclass
class Bundles:
    """What :func:`build_bundles` wrote."""

    folder: Path
    zips: list[Path]
    sums: Path


def bundles_dir(period: str) -> Path:
    return paths.reports_dir() / period / "bundles"


def deterministic_zip(members: dict[str, bytes]) -> bytes:
    """A zip of ``members`` (name -> bytes) that depends on nothing else: sorted names, fixed
    timestamps, fixed mode, deflated."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # Unix, whatever the platform that packs it
            zf.writestr(info, members[name], compresslevel=9)
    return buffer.getvalue()


def cover_note(
    unit_label: str, period: str, version: str, contents: list[str], synthetic: bool = False
) -> str:
    """The cover note (Vietnamese): unit, period, data version and the files inside."""
    lines = [
        i18n.t("delivery.cover_title", "vi"),
        *([i18n.t("notice.synthetic", "vi")] if synthetic else []),
        "",
        i18n.t("delivery.cover_unit", "vi", unit=unit_label),
        i18n.t("delivery.cover_period", "vi", period=i18n.fmt_period(period, "vi")),
        i18n.t("delivery.cover_version", "vi", version=version),
        "",
        i18n.t("delivery.cover_contents", "vi"),
        *(f"- {name}" for name in sorted(contents)),
    ]
    return "\n".join(lines) + "\n"


def _members(files: list[Output], prefix: bool) -> dict[str, bytes]:
    """The files' bytes under their own names (``<unit>/<name>`` when ``prefix``)."""
    out = {}
    for o in files:
        name = safe_name(o.path.name)
        name = f"{safe_name(o.unit)}/{name}" if prefix else name
        out[name] = o.path.read_bytes()
    return out


def _with_note(members: dict[str, bytes], label: str, period: str, version: str) -> bytes:
    note = cover_note(label, period, version, list(members), is_synthetic(period))
    return deterministic_zip({**members, COVER_NOTE: note.encode("utf-8")})


def _versions(files: list[Output]) -> str:
    """The data version of ``files`` (several, comma-separated, after a partial run)."""
    return ", ".join(sorted({o.data_version for o in files if o.data_version}))


def build_bundles(period: str) -> Bundles:
    """Write the period's bundles and their ``SHA256SUMS``; see the module docstring.

    Raises :class:`~analysis.running.delivery.outputs.NoReports` when the period has none.
    """
    made = [o for o in require_outputs(period) if o.format in BUNDLED_FORMATS]
    folder = bundles_dir(period)
    zips: dict[str, bytes] = {}
    units = sorted({o.unit for o in made} - {NATIONAL})
    for unit in units:
        files = [o for o in made if o.unit == unit]
        members = _members(files, prefix=False)
        zips[f"{safe_name(unit)}.zip"] = _with_note(
            members, unit_name(unit), period, _versions(files)
        )
    national = [
        o
        for o in made
        if (o.unit == NATIONAL) or (o.format == "pdf" and o.notebook == main_notebook(o.unit))
    ]
    if national:
        office = i18n.t("delivery.cover_national", "vi")
        zips[NATIONAL_BUNDLE] = _with_note(
            _members(national, prefix=True), office, period, _versions(national)
        )
    written = [write_atomic(inside(folder, name), data) for name, data in sorted(zips.items())]
    for stale in folder.glob("*.zip"):
        if stale.name not in zips:  # a unit whose reports are gone keeps no old bundle
            stale.unlink()
    sums = "".join(
        f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in sorted(zips.items())
    )
    return Bundles(folder, written, write_atomic(folder / SUMS, sums))
