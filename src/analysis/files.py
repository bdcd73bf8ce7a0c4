"""Writing files so that a reader never sees half of one, and colleagues can read them.

Every output of the project (demo data, the store's Parquet copies, reports, the manifest, the
caches' side files) goes through :func:`write_atomic` or :func:`atomic_path`: the data are
written to a temporary file in the target's folder, flushed to disk, given the project's file
mode, then moved over the target with ``os.replace`` (atomic on one file system). A failure at
any point removes the temporary file and leaves the previous target untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import socket
import tempfile
import unicodedata
from collections.abc import Iterator
from pathlib import Path


def _file_mode() -> int:
    """``0o666`` less the process umask: what ``open()`` would have given the file.

    ``mkstemp`` creates files ``0600``, which would hide outputs from the colleagues in the group
    that owns the project folder; outputs get the same mode as any file the user creates.
    """
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def host_name() -> str:
    """This machine's name in file-name characters (letters, digits, ``-``)."""
    return re.sub(r"[^A-Za-z0-9-]+", "-", socket.gethostname())[:40].strip("-") or "host"


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; it replaces ``path`` when the block ends.

    For writers that take a file name (DuckDB, Parquet, papermill). ``suffix`` lets a writer
    that checks the extension see the one it expects (``.tmp.ipynb``). The file is synced and
    given the project's file mode before it replaces the target; on an exception it is removed.
    Its name, ``.<name>.<host>-<pid>.<random><suffix>``, says which process writes it, so the
    files of a process that was killed can be found and removed later.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    prefix = f".{path.name}.{host_name()}-{os.getpid()}."
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        if exc.filename is None:  # a failed write() names no file: name the one being written
            exc.filename = str(path)
        raise
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


def disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says a disk (or quota) is full, as an OSError or in a library's words
    (DuckDB raises its own errors with the system's message in them)."""
    if isinstance(exc, OSError) and exc.errno in NO_SPACE:
        return True
    text = str(exc)
    return any(os.strerror(code) in text for code in NO_SPACE)


def write_atomic(path: str | os.PathLike[str], data: bytes | str) -> Path:
    """Write ``data`` (text is written as UTF-8) to ``path`` atomically; return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = Path(path)
    with atomic_path(path) as tmp:
        tmp.write_bytes(payload)
    return path


class UnsafePath(ValueError):
    """A file name that would put a file outside the folder meant to hold it."""


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_FOLDED = str.maketrans({"đ": "d", "Đ": "D"})


def safe_name(text: str, max_length: int = 120) -> str:
    """``text`` as a single file name that stays in its folder: ASCII letters, digits, ``.``,
    ``_`` and ``-`` only.

    Names the product builds from what people typed or a file holds (an e-mail address, a unit,
    a dataset) go through this: separators, ``..``, control characters and anything else become
    ``_``, diacritics are dropped (``Nghệ An`` -> ``Nghe_An``), leading dots are removed (no
    hidden files) and the name is cut to ``max_length`` characters.
    """
    ascii_text = unicodedata.normalize("NFKD", str(text).translate(_FOLDED))
    ascii_text = ascii_text.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", ascii_text)
    name = re.sub(r"\.{2,}", "_", name).lstrip(".")[:max_length].rstrip(".")
    return name or "_"


def inside(folder: str | os.PathLike[str], *parts: str) -> Path:
    """``folder`` joined with ``parts``, checked to stay inside ``folder``.

    Raises :class:`UnsafePath` when the result (symbolic links resolved) would leave it.
    """
    base = Path(folder)
    target = base.joinpath(*parts)
    if not target.resolve().is_relative_to(base.resolve()):
        raise UnsafePath(f"{target}: outside {base}; refused (a name may not contain a path)")
    return target
