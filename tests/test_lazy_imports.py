"""``rfc3987_syntax`` is imported only when an ``iri`` format is checked, not at every start."""

from __future__ import annotations

import os
import subprocess
import sys

from analysis import lazy_imports
from tests.conftest import ROOT

CHECK = """
import sys
{setup}
import nbformat  # imports jsonschema and its format checkers, as papermill and nbconvert do
print("compiled at import:", "rfc3987_syntax.syntax_helpers" in sys.modules)
from jsonschema import Draft7Validator
v = Draft7Validator({{"format": "iri"}}, format_checker=Draft7Validator.FORMAT_CHECKER)
print("checks:", v.is_valid("not an iri"), v.is_valid("https://ví.dụ/ả?x=1"))
"""


def _python(code: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    return done.stdout


def test_the_iri_grammar_compiles_on_first_use_and_checks_the_same():
    lazy = _python(CHECK.format(setup="import analysis.lazy_imports as m; m.install()"))
    assert "compiled at import: False" in lazy
    assert "checks: False True" in lazy  # the real checker, loaded when first asked
    eager = _python(
        CHECK.format(
            setup="sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != '_Finder']"
        )
    )
    assert "checks: False True" in eager


def test_the_start_up_file_installs_the_finder_and_is_silent_without_the_project(tmp_path):
    lazy_imports.main(["--install", "--site-packages", str(tmp_path)])
    pth = tmp_path / lazy_imports.PTH_NAME
    code = (
        "import site, sys; site.addsitedir(sys.argv[1]); "
        "print(any(type(f).__name__ == '_Finder' for f in sys.meta_path), "
        "'analysis' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "VNDX_EAGER_IMPORTS": "0"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, env=env
    )
    # Installed, without importing the package (a script may still choose another checkout).
    assert out.stdout.split() == ["True", "False"], out.stderr
    # Where the project cannot be found the line does nothing (and says nothing).
    line = pth.read_text(encoding="utf-8")
    quiet = subprocess.run(
        [sys.executable, "-I", "-S", "-c", line + "print(len(sys.meta_path))"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert quiet.returncode == 0 and not quiet.stderr
    lazy_imports.main(["--uninstall", "--site-packages", str(tmp_path)])
    assert not pth.exists()


def test_setup_installs_the_start_up_file():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    setup = makefile.split("$(STAMP): pyproject.toml", 1)[1].split("\nsetup:", 1)[0]
    assert "-m analysis.lazy_imports --install" in setup


def test_eager_imports_can_be_asked_for(monkeypatch):
    monkeypatch.setenv("VNDX_EAGER_IMPORTS", "1")
    before = list(sys.meta_path)
    lazy_imports.install()
    assert sys.meta_path == before
