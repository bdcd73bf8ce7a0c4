"""The project installs what it needs, and its two dependency lists agree."""

from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import ROOT


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[ ]", spec.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {_name(d) for d in project["dependencies"]}
    wanted |= {_name(d) for d in project["optional-dependencies"]["dev"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    listed = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            listed |= {_name(d) for d in dep["pip"] if not d.startswith("-e")}
        else:
            listed.add(_name(dep))
    listed -= {"python", "pip"}
    assert wanted == listed, (sorted(wanted - listed), sorted(listed - wanted))


def test_versions_agree_where_both_pin():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {_name(d): d.replace(" ", "") for d in project["dependencies"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    flat = [d for d in env["dependencies"] if isinstance(d, str)]
    flat += next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    for dep in flat:
        name = _name(dep)
        if name in pins:
            assert dep.replace(" ", "") == pins[name], (dep, pins[name])


def test_makefile_installs_debian_packages_and_ci_calls_make_test():
    makefile = (ROOT / "Makefile").read_text()
    assert "apt-get install" in makefile and "poppler-utils" in makefile
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make report" in readme and "make test" in readme


def test_console_script_and_entry_points_are_declared():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["scripts"]["vn-dx"] == "analysis.cli:main"
    eps = project["entry-points"]
    assert set(eps["nbconvert.exporters"]) == {"briefing_html", "briefing_pdf"}
    assert "warm" in eps["papermill.engine"]
