"""Workbooks re-saved as an office suite saves them: LibreOffice's headless converter.

`make test` installs Debian's ``libreoffice-calc-nogui``; where ``soffice`` is missing, a test
that needs it is skipped with the reason.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest


def soffice() -> str:
    """The converter's path, or skip the calling test."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        pytest.skip("LibreOffice (soffice) is not installed: `make test` installs it")
    return found


def resave_with_libreoffice(path: Path, out_dir: Path, to: str = "xlsx") -> Path:
    """``path`` opened and saved again by LibreOffice Calc as ``to`` (``xlsx``, ``ods``,
    ``csv``) into ``out_dir``; returns the new file. A private user profile per call keeps
    parallel conversions apart."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / ".lo-profile"
    filters = {
        "xlsx": "xlsx:Calc MS Excel 2007 XML",
        "ods": "ods",
        "csv": "csv:Text - txt - csv (StarCalc):44,34,76",
    }
    subprocess.run(
        [
            soffice(),
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--convert-to",
            filters[to],
            "--outdir",
            str(out_dir),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    shutil.rmtree(profile, ignore_errors=True)
    out = out_dir / f"{path.stem}.{to}"
    if not out.exists():
        raise AssertionError(f"LibreOffice did not write {out}")
    return out
