"""Hostile input files, built in seconds however large they unpack.

A deflate stream compressed with a full flush after each piece restarts from an empty state,
so the same piece always compresses to the same bytes: a file that unpacks to a gigabyte is
one compressed megabyte written a thousand times, and its CRC is computed the same way.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

ROW = "nghe_an,online_dossier_rate_pct,2026-10,45.03\n"
CSV_HEADER = "province,indicator,period,value\n"
PIECE = 1 << 20


def _piece(text: str) -> bytes:
    """``text`` repeated to about one MB (whole lines)."""
    return (text * (PIECE // len(text))).encode()


def _deflate_repeated(head: bytes, piece: bytes, times: int, tail: bytes = b""):
    """Raw deflate of ``head + piece * times + tail``, its CRC-32 and its size."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    out = io.BytesIO()
    out.write(c.compress(head) + c.flush(zlib.Z_FULL_FLUSH))
    block = c.compress(piece) + c.flush(zlib.Z_FULL_FLUSH)
    crc = zlib.crc32(head)
    for _ in range(times):
        out.write(block)
        crc = zlib.crc32(piece, crc)
    out.write(c.compress(tail) + c.flush())
    crc = zlib.crc32(tail, crc)
    return out.getvalue(), crc, len(head) + len(piece) * times + len(tail)


def gzip_bomb(path: Path, megabytes: int) -> Path:
    """A ``.csv.gz`` of a header and one row repeated: ``megabytes`` MB unpacked."""
    data, crc, size = _deflate_repeated(CSV_HEADER.encode(), _piece(ROW), megabytes)
    header = b"\x1f\x8b\x08\x00" + struct.pack("<I", int(time.time())) + b"\x00\xff"
    path.write_bytes(header + data + struct.pack("<II", crc, size & 0xFFFFFFFF))
    return path


_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""  # noqa: E501
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""  # noqa: E501
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
</Relationships>"""  # noqa: E501
SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_ROW = '<row><c t="inlineStr"><is><t>nghe_an</t></is></c><c><v>45.03</v></c></row>'
SHEET_TAIL = "</sheetData></worksheet>"


def _zip_entry(out: io.BytesIO, central: list[bytes], name: str, data: bytes, crc: int,
               size: int, declared: int | None = None) -> None:  # fmt: skip
    """One deflated member (``data`` already compressed), declaring ``declared`` bytes."""
    declared = size if declared is None else declared
    raw = name.encode()
    offset = out.tell()
    fields = struct.pack("<HHHHHIII", 20, 0, 8, 0, 0x21, crc, len(data), declared)
    out.write(b"PK\x03\x04" + fields + struct.pack("<HH", len(raw), 0) + raw + data)
    central.append(
        b"PK\x01\x02"
        + struct.pack("<H", 20)
        + fields
        + struct.pack("<HHHHHII", len(raw), 0, 0, 0, 0, 0, offset)
        + raw
    )


def zip_bomb_xlsx(path: Path, megabytes: int, declared: int | None = None) -> Path:
    """An ``.xlsx`` whose one sheet unpacks to ``megabytes`` MB of rows.

    ``declared`` makes the zip lie about the sheet's unpacked size.
    """
    out, central = io.BytesIO(), []
    for name, text in (
        ("[Content_Types].xml", _CONTENT_TYPES),
        ("_rels/.rels", _RELS),
        ("xl/workbook.xml", _WORKBOOK),
        ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
    ):
        data, crc, size = _deflate_repeated(text.encode(), b"", 0)
        _zip_entry(out, central, name, data, crc, size)
    data, crc, size = _deflate_repeated(
        SHEET_HEAD.encode(), _piece(SHEET_ROW), megabytes, SHEET_TAIL.encode()
    )
    _zip_entry(out, central, "xl/worksheets/sheet1.xml", data, crc, size, declared)
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        b"PK\x05\x06"
        + struct.pack("<HHHHIIH", 0, 0, len(central), len(central), len(directory), start, 0)
    )
    path.write_bytes(out.getvalue())
    return path


def entity_bomb_xlsx(path: Path) -> Path:
    """A small, valid ``.xlsx`` whose sheet declares nested entities ("billion laughs")."""
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f"<!DOCTYPE worksheet [{entities}]>"
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row><c t="inlineStr"><is><t>&a9;</t></is></c></row></sheetData></worksheet>'
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _WORKBOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    return path


LAUNCHER = """
import resource, subprocess, sys
status = subprocess.run(sys.argv[2:]).returncode
with open(sys.argv[1], "w") as out:
    out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
sys.exit(status)
"""
"""Runs a command and writes its peak memory (KiB) to a file. Linux counts in a child's peak
the memory of the process it was forked from: a launcher that imports nothing keeps that to a
few MB, where a test process or a benchmark may hold hundreds."""


def run_measured(command: list[str], env: dict, peak: Path) -> tuple[int, float, int, str, str]:
    """Run ``command``: its exit status, seconds, peak memory (MB), output and errors."""
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, str(peak), *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    seconds = time.monotonic() - started
    return done.returncode, seconds, int(peak.read_text()) >> 10, done.stdout, done.stderr
