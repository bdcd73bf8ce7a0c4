"""What one input file may cost: its unpacked size and its rows, checked while it is read.

A file under ``data/raw`` comes from outside: a workbook whose sheet unpacks to gigabytes, a
``.csv.gz`` made of one repeated line, an XML bomb. Every reader goes through this module, so
such a file is refused in seconds, naming the limit, the file and how to raise the limit,
before it can fill the memory or the afternoon:

* **unpacked size** (``VNDX_MAX_INPUT_MB``, default :data:`DEFAULT_MB` MB): the bytes of a CSV
  as decompressed (a ``.csv.gz`` is read as a stream, never decompressed whole), and for an
  Excel workbook every part of the zip, by the size the zip declares *and* by the bytes it
  actually unpacks to (a zip can lie about the first), all parts together too;
* **rows** (``VNDX_MAX_INPUT_ROWS``, default :data:`DEFAULT_ROWS`): records of a CSV, rows of
  a sheet, counted as they are read;
* **a line** of a CSV may not be longer than :data:`MAX_LINE` characters (no table has such
  lines; a file without line breaks would otherwise be one line as big as the file).

Entity declarations in a workbook's XML (the "billion laughs") are refused by the XML parser
(``defusedxml``, which openpyxl uses when it is installed): :func:`xml_refusal` words that in
one line. Plain files are read as a stream too, so a large genuine file costs memory in
proportion to its rows, not to its bytes (measured in ``benchmarks/large_inputs``).
"""

from __future__ import annotations

import gzip
import io
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TypeVar

from analysis.data.ingest.problems import Msg, Num

DEFAULT_MB = 256
"""Unpacked megabytes one input file may hold (``VNDX_MAX_INPUT_MB``)."""
DEFAULT_ROWS = 3_000_000
"""Rows one input file may hold (``VNDX_MAX_INPUT_ROWS``)."""
MAX_LINE = 1 << 20
"""Characters one line of a CSV may hold."""
CHUNK = 1 << 20
"""Bytes read (and unpacked) at a time."""

T = TypeVar("T")


class LimitError(ValueError):
    """A limit was not set to a usable value."""


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module docstring)."""

    max_bytes: int
    max_rows: int

    @property
    def megabytes(self) -> int:
        return self.max_bytes >> 20


def _setting(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip().replace("_", "")
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise LimitError(f"{name}={text!r}: expected a whole number (default {default})") from None
    if value < 1:
        raise LimitError(f"{name}={text!r}: expected at least 1 (default {default})")
    return value


def current() -> Limits:
    """The limits set in the environment, else the defaults."""
    return Limits(
        max_bytes=_setting("VNDX_MAX_INPUT_MB", DEFAULT_MB) << 20,
        max_rows=_setting("VNDX_MAX_INPUT_ROWS", DEFAULT_ROWS),
    )


class InputTooLarge(Exception):
    """An input file went past a limit; ``reason`` and ``hint`` name the limit and what to do
    (messages of the ``ingest`` section, told in the reader's language)."""

    def __init__(self, file: str, reason: Msg, hint: Msg):
        super().__init__(f"{file}: {reason.render('en')}. {hint.render('en')}")
        self.file, self.reason, self.hint = file, reason, hint


def _too_big(file: str, limits: Limits, key: str = "input_too_big", **where: str) -> InputTooLarge:
    """Past the unpacked size: ``key`` says what (the file, a part of a workbook ...)."""
    return InputTooLarge(
        file,
        Msg(f"reason.{key}", mb=Num(limits.megabytes, 0), **where),
        Msg("hint.raise_input_mb", mb=str(limits.megabytes * 4)),
    )


def _too_many_rows(file: str, limits: Limits) -> InputTooLarge:
    return InputTooLarge(
        file,
        Msg("reason.too_many_rows", rows=Num(limits.max_rows, 0)),
        Msg("hint.raise_input_rows", rows=str(limits.max_rows * 2)),
    )


def check(path: Path, file: str, limits: Limits | None = None) -> None:
    """Refuse ``path`` (a workbook, or a CSV) past a limit, before any of it is parsed."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        check_workbook(path, file, limits)
    else:
        check_text(path, file, limits)


def refusal(path: Path, file: str) -> tuple[Msg, Msg] | None:
    """The (reason, hint) refusing ``path`` for a limit (:func:`check`), or ``None``."""
    try:
        check(path, file)
    except InputTooLarge as exc:
        return exc.reason, exc.hint
    return None


# --- plain and gzip-compressed text -------------------------------------------------------


def _open_bytes(path: Path) -> io.BufferedIOBase:
    """The bytes of ``path``, a ``.gz`` decompressed as they are read."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")
    return open(path, "rb")


def _long_line(file: str) -> InputTooLarge:
    return InputTooLarge(
        file, Msg("reason.line_too_long", chars=Num(MAX_LINE, 0)), Msg("hint.line_too_long")
    )


def check_text(path: Path, file: str, limits: Limits | None = None) -> None:
    """Refuse a CSV (or ``.csv.gz``) past the limits before any of it is parsed.

    One fast pass over the unpacked bytes, :data:`CHUNK` at a time and thrown away: their
    number, the longest line, and the rows (line breaks outside quotes; rows are counted again
    while they are parsed).
    """
    limits = limits or current()
    size = rows = run = 0
    quoted = False  # inside a quoted field at the end of the last chunk
    with _open_bytes(path) as raw:
        while chunk := raw.read(CHUNK):
            size += len(chunk)
            if size > limits.max_bytes:
                raise _too_big(file, limits)
            first = chunk.find(b"\n")
            if first < 0:
                run += len(chunk)
            else:
                if run + first > MAX_LINE:
                    raise _long_line(file)
                run = len(chunk) - chunk.rfind(b"\n") - 1
            if run > MAX_LINE:
                raise _long_line(file)
            rows, quoted = _rows_in(chunk, rows, quoted)
            if rows > limits.max_rows:
                raise _too_many_rows(file, limits)


def _rows_in(chunk: bytes, rows: int, quoted: bool) -> tuple[int, bool]:
    """``rows`` plus the line breaks of ``chunk`` outside quoted fields, and whether the chunk
    ends inside one (a doubled quote inside a field counts twice, so it changes nothing)."""
    if not quoted and b'"' not in chunk:
        return rows + chunk.count(b"\n"), False
    *lines, rest = chunk.split(b"\n")
    for line in lines:
        quoted ^= bool(line.count(b'"') & 1)
        rows += not quoted
    return rows, quoted ^ bool(rest.count(b'"') & 1)


class _Counted(io.RawIOBase):
    """A byte stream that refuses to give more than ``limit`` bytes."""

    def __init__(self, source: io.BufferedIOBase, limit: int, over: InputTooLarge) -> None:
        self._source, self._left, self._over = source, limit, over

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._source.read(min(len(buffer), CHUNK))
        if len(data) > self._left:
            raise self._over
        self._left -= len(data)
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._source.close()
        super().close()


def open_text(path: Path, file: str, limits: Limits | None = None) -> io.TextIOWrapper:
    """``path`` (a ``.gz`` decompressed as it is read) as UTF-8 text with a byte limit.

    Reading past the limit raises :class:`InputTooLarge` (the file may have grown since
    :func:`check_text`); a byte-order mark is dropped; line endings are kept for the csv
    module (``\\r\\n``, ``\\n`` and ``\\r`` all end a line).
    """
    limits = limits or current()
    over = _too_big(file, limits)
    counted = _Counted(_open_bytes(path), limits.max_bytes, over)  # closed with the text
    return io.TextIOWrapper(io.BufferedReader(counted, CHUNK), encoding="utf-8-sig", newline="")


def lines(text: IO[str], file: str) -> Iterator[str]:
    """The lines of ``text``, refusing one longer than :data:`MAX_LINE` characters."""
    while line := text.readline(MAX_LINE + 1):
        if len(line) > MAX_LINE:
            raise _long_line(file)
        yield line


def counted_rows(rows: Iterable[T], file: str, limits: Limits | None = None) -> Iterator[T]:
    """``rows`` as they come, refusing the one past the row limit."""
    limits = limits or current()
    for n, row in enumerate(rows, start=1):
        if n > limits.max_rows:
            raise _too_many_rows(file, limits)
        yield row


# --- Excel workbooks (zip) ----------------------------------------------------------------


def check_workbook(path: Path, file: str, limits: Limits | None = None) -> None:
    """Refuse a workbook whose parts unpack past the limit, before any of it is parsed.

    Each part's declared size is checked first (instant), then the bytes it really unpacks to,
    decompressed :data:`CHUNK` at a time and thrown away; the sum of the parts is held to the
    same limit. A file that is not a zip is left to the reader (which says so).
    """
    limits = limits or current()
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        return
    with archive:
        infos = archive.infolist()
    for info in infos:
        if info.file_size > limits.max_bytes:
            raise _too_big(file, limits, "part_declares_too_big", part=info.filename)
    if sum(i.file_size for i in infos) > limits.max_bytes:
        raise _too_big(file, limits, "parts_declare_too_big")
    total = 0
    with open(path, "rb") as fh:
        for info in infos:
            rows = _RowCounter() if info.filename.startswith("xl/worksheets/") else None
            size = _unpacked_size(fh, info, limits.max_bytes - total, rows)
            if rows is not None and rows.count > limits.max_rows:
                raise _too_many_rows(file, limits)
            if size is None:
                raise _too_big(file, limits, "part_unpacks_too_big", part=info.filename)
            if size != info.file_size:
                raise InputTooLarge(
                    file,
                    Msg(
                        "reason.part_size_forged",
                        part=info.filename,
                        declared=Num(info.file_size, 0),
                        size=Num(size, 0),
                    ),
                    Msg("hint.part_size_forged"),
                )
            total += size


class _RowCounter:
    """Counts a sheet's ``<row`` tags in its XML as it is unpacked, piece by piece (a few
    ``<rowBreaks`` count too: this is a limit, not a figure)."""

    PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:row[\s/>]")
    KEEP = 64

    def __init__(self) -> None:
        self.count, self._tail = 0, b""

    def add(self, piece: bytes) -> None:
        window = self._tail + piece
        # A tag cut by the end of the last piece is found in the window; one wholly inside the
        # kept tail was counted with the last piece.
        self.count += window.count(b"<row") - self._tail.count(b"<row")
        if b":row" in window:  # a writer that prefixes the namespace (<x:row>)
            found = len(self.PREFIXED.findall(window)) - len(self.PREFIXED.findall(self._tail))
            self.count += found
        self._tail = window[-self.KEEP :]


def _unpacked_size(
    fh: IO[bytes], info: zipfile.ZipInfo, left: int, rows: _RowCounter | None = None
) -> int | None:
    """The bytes the part ``info`` really unpacks to; ``None`` past ``left``.

    Read from the part's own compressed bytes, not through the zip module (which believes the
    declared size); ``rows`` counts a sheet's rows on the way. Parts neither stored nor
    deflated (Excel writes no others) are left to the reader.
    """
    fh.seek(info.header_offset)
    head = fh.read(30)
    if len(head) < 30 or head[:4] != b"PK\x03\x04":
        return info.file_size  # not where the directory says: the reader will say it is damaged
    name_length, extra_length = struct.unpack("<HH", head[26:30])
    fh.seek(info.header_offset + 30 + name_length + extra_length)
    if info.compress_type == zipfile.ZIP_STORED:
        return _stored_size(fh, info.compress_size, left, rows)
    if info.compress_type == zipfile.ZIP_DEFLATED:
        return _deflated_size(fh, info.compress_size, left, rows)
    return info.file_size


def _stored_size(fh: IO[bytes], size: int, left: int, rows: _RowCounter | None) -> int | None:
    if size > left:
        return None
    remaining = size
    while rows is not None and remaining > 0 and (data := fh.read(min(CHUNK, remaining))):
        remaining -= len(data)
        rows.add(data)
    return size


def _deflated_size(
    fh: IO[bytes], compressed: int, left: int, rows: _RowCounter | None
) -> int | None:
    unpack, size, remaining = zlib.decompressobj(-15), 0, compressed
    try:
        while remaining > 0 and not unpack.eof and (data := fh.read(min(CHUNK, remaining))):
            remaining -= len(data)
            while data:
                # At most CHUNK bytes out per step: a megabyte of a bomb holds a gigabyte.
                piece = unpack.decompress(data, CHUNK)
                size += len(piece)
                if size > left:
                    return None
                if rows is not None:
                    rows.add(piece)
                data = unpack.unconsumed_tail
    except zlib.error:
        pass  # damaged: the caller finds the size off and says so
    return size


def xml_refusal(exc: BaseException) -> Msg | None:
    """The refusal of entity declarations by the XML parser (``None`` for other errors).

    The refusal may be the cause of the reader's own error, so the chain is followed.
    """
    seen: BaseException | None = exc
    while seen is not None:
        if type(seen).__name__ in (
            "EntitiesForbidden",
            "DTDForbidden",
            "ExternalReferenceForbidden",
        ):
            return Msg("reason.xml_entities")
        seen = seen.__cause__ or seen.__context__
    return None
