"""The import graph follows the stages: the contracts of pyproject.toml, checked by import-linter.

The second test adds an upward import to a copy of the package and checks that the same check
then fails, so the contracts cannot silently stop checking anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def _lint(pythonpath: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_every_import_points_down_and_no_stage_has_a_cycle():
    done = _lint()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 2 kept, 0 broken." in done.stdout


@pytest.mark.parametrize(
    ("module", "upward"),
    [
        ("core/periods.py", "from analysis.running import params"),
        ("reporting/gaps.py", "from analysis.running import folders"),
        ("data/store.py", "from analysis.analyses import monthly"),
    ],
)
def test_an_upward_import_breaks_the_contract(tmp_path, module, upward):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "analysis", copy / "analysis")
    target = copy / "analysis" / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{upward}  # noqa\n", "utf-8")
    done = _lint(pythonpath=copy)
    assert done.returncode == 1, done.stdout
    assert "Imports point down the stages BROKEN" in done.stdout


def test_a_cycle_inside_a_stage_breaks_the_contract(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT / "src" / "analysis", copy / "analysis")
    target = copy / "analysis" / "reference" / "geography.py"
    target.write_text(
        target.read_text(encoding="utf-8") + "\nfrom analysis.reference import population\n",
        "utf-8",
    )
    done = _lint(pythonpath=copy)
    assert done.returncode == 1, done.stdout
    assert "No cycles between the modules of a stage BROKEN" in done.stdout


SRC = ROOT / "src" / "analysis"


def test_no_two_modules_share_a_name():
    """A module's name says where it lives: no ``communes.py`` told apart by an alias."""
    seen: dict[str, list[str]] = {}
    for path in SRC.rglob("*.py"):
        if path.name != "__init__.py":
            seen.setdefault(path.stem, []).append(str(path.relative_to(SRC)))
    assert {k: v for k, v in seen.items() if len(v) > 1} == {}


def test_no_private_name_is_imported_from_another_module():
    import ast

    crossings = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("analysis"):
                private = [
                    a.name
                    for a in node.names
                    if a.name.startswith("_") and not a.name.endswith("__")
                ]
                if private:
                    crossings.append(f"{path.relative_to(SRC)}: {node.module} {private}")
    assert crossings == []
