"""The one atomic file write."""

import os
import stat

import pytest

from analysis.files import atomic_path, write_atomic


def test_write_atomic_replaces_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_atomic(target, "một")
    write_atomic(target, b"hai")
    assert target.read_bytes() == b"hai"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]


def test_write_atomic_gives_the_umask_mode_not_0600(tmp_path):
    old = os.umask(0o002)
    try:
        path = write_atomic(tmp_path / "m.json", "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o664


def test_atomic_path_keeps_the_old_file_on_failure(tmp_path):
    target = tmp_path / "store.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("writer died")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["store.bin"]
