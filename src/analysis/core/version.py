"""The code version every output records: the package version and a hash of its sources."""

from __future__ import annotations

import functools
import hashlib

from analysis import __version__, paths


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """The package version plus a hash of the package's source and templates.

    Computed once per process: the sources do not change under a running process (a worker
    that outlived an upgrade would otherwise record a version it does not run).
    """
    h = hashlib.sha256(__version__.encode())
    for path in sorted(paths.PACKAGE_DIR.rglob("*")):
        if path.suffix in (".py", ".j2", ".css", ".yml", ".json", ".csv") and path.is_file():
            h.update(path.relative_to(paths.PACKAGE_DIR).as_posix().encode())
            h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:10]}"
