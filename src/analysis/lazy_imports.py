"""Start-up of every Jupyter tool without ~1.8 s of grammar compiling: ``rfc3987_syntax`` lazily.

``jsonschema`` registers its format checkers when it is imported, and for the ``iri`` formats it
imports ``rfc3987_syntax``, which compiles about 35 Lark parsers at import. JupyterLab brings it
(``jupyter_server`` -> ``jupyter-events`` -> ``jsonschema[format-nongpl]``), and since ``nbformat``
imports ``jsonschema``, every ``papermill``, ``jupyter nbconvert`` and kernel-manager process of
the environment then pays that time at start, though no notebook schema has an ``iri`` field
(upstream: python-jsonschema/jsonschema#1428, jupyter/nbformat#420,
jupyter-server/jupyter_server#1559). The GPL ``rfc3987`` package, which jsonschema would prefer,
is not an option for this project.

:func:`install` puts a finder in front of the import system that answers ``import
rfc3987_syntax`` with a small stand-in: its ``is_valid_syntax`` (the one function jsonschema
uses) and any other attribute load the real package on first use, so validation is unchanged
and only the start-up cost goes. ``python -m analysis.lazy_imports --install`` (run by ``make
setup``) writes a ``.pth`` file to the environment's site-packages that calls :func:`install`
when Python starts; ``--uninstall`` removes it. Nothing happens where the package is absent,
or with ``VNDX_EAGER_IMPORTS=1``.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

MODULE = "rfc3987_syntax"
PTH_NAME = "vndx_lazy_imports.pth"
# Run by ``site`` at every start. It loads this file by its path, under a private name, without
# importing the ``analysis`` package: a script that puts another checkout first on ``sys.path``
# (the benchmarks do) must still get that checkout's package. Silent when anything is missing.
PTH_CODE = """\
try:
    import importlib.util as _u, os as _os
    _s = _u.find_spec("analysis")
    _d = _s and _s.submodule_search_locations and list(_s.submodule_search_locations)[0]
    _p = _d and _os.path.join(_d, "lazy_imports.py")
    if _p and _os.path.exists(_p):
        _spec = _u.spec_from_file_location("_vndx_lazy_imports", _p)
        _m = _u.module_from_spec(_spec)
        _spec.loader.exec_module(_m)
        _m.install()
except Exception:
    pass
"""
PTH_LINE = f"import sys; exec({PTH_CODE!r})\n"


def _load_real() -> types.ModuleType:
    """Import the real package in place of the stand-in (its submodules import it by name)."""
    spec = importlib.machinery.PathFinder.find_spec(MODULE)
    if spec is None or spec.loader is None:
        raise ImportError(f"{MODULE} is not installed")
    real = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = real
    try:
        spec.loader.exec_module(real)
    except BaseException:
        sys.modules.pop(MODULE, None)
        raise
    return real


class _StandIn(types.ModuleType):
    """``rfc3987_syntax`` until something is asked of it."""

    def __init__(self) -> None:
        super().__init__(MODULE, "loads the real rfc3987_syntax on first use")
        self._real: types.ModuleType | None = None

    def _module(self) -> types.ModuleType:
        if self._real is None:
            real = sys.modules.get(MODULE)
            self._real = real if real is not None and real is not self else _load_real()
        return self._real

    def is_valid_syntax(self, term: str, value: str) -> bool:
        return bool(self._module().is_valid_syntax(term, value))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name == "_real":
            raise AttributeError(name)
        return getattr(self._module(), name)


class _Loader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _StandIn()

    def exec_module(self, module: types.ModuleType) -> None:
        """Nothing to run: the stand-in loads the real package when used."""


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != MODULE or importlib.machinery.PathFinder.find_spec(MODULE) is None:
            return None  # not ours, or not installed: the usual ImportError
        return importlib.util.spec_from_loader(MODULE, _Loader())


def install() -> None:
    """Answer later imports of ``rfc3987_syntax`` with the lazy stand-in (idempotent).

    ``VNDX_EAGER_IMPORTS=1`` leaves the import system alone (to compare, or to rule it out).
    """
    if os.environ.get("VNDX_EAGER_IMPORTS") == "1":
        return
    # By name: the start-up file and an ``import analysis.lazy_imports`` make two classes.
    if not any(type(f).__name__ == _Finder.__name__ for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())


def pth_path(site_packages: Path | None = None) -> Path:
    return Path(site_packages or sysconfig.get_paths()["purelib"]) / PTH_NAME


def main(argv: Sequence[str] | None = None) -> None:
    import argparse  # here, not at the top: the module itself runs at every start

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--install", action="store_true", help="write the start-up .pth file")
    action.add_argument("--uninstall", action="store_true", help="remove it")
    parser.add_argument("--site-packages", type=Path, help="default: this environment's")
    args = parser.parse_args(argv)
    target = pth_path(args.site_packages)
    if args.install:
        target.write_text(PTH_LINE, encoding="utf-8")
        print(f"wrote {target}")
    else:
        target.unlink(missing_ok=True)
        print(f"removed {target}")


if __name__ == "__main__":
    main()
