"""A small disk that fills up: a tmpfs mounted on a folder for one test.

Mounting needs root (or a user namespace the test does not set up); where it is not allowed
the test is skipped with the reason.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


@contextlib.contextmanager
def small_disk(folder: Path, size_kb: int) -> Iterator[Path]:
    """``folder`` (created empty) on a disk of ``size_kb`` KiB for the block; unmounted (its
    files gone) when the block ends."""
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill a disk needs root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a small tmpfs here: {mounted.stderr.strip()}")
    try:
        yield folder
    finally:
        left = folder.with_name(folder.name + ".left")
        subprocess.run(["cp", "-a", f"{folder}/.", str(left)], check=False)
        subprocess.run(["umount", "-l", str(folder)], check=True)
        subprocess.run(["cp", "-a", f"{left}/.", str(folder)], check=False)
        subprocess.run(["rm", "-rf", str(left)], check=False)
