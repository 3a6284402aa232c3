"""The set-up files agree with each other: pyproject.toml, environment.yml, Makefile, CI, README."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def _split(requirement: str) -> tuple[str, str]:
    requirement = requirement.split(";")[0]  # environment markers are pip-only
    m = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*(.*?)\s*", requirement)
    assert m, requirement
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def pyproject_requirements() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return dict(_split(r) for r in reqs)


def environment_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    reqs = []
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            reqs += [r for r in dep["pip"] if not r.startswith("-e")]
        else:
            reqs.append(dep)
    return {k: v for k, v in map(_split, reqs) if k not in ("python", "pip")}


def test_environment_yml_lists_the_same_dependencies_as_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_python_floor_agrees():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "python" + project["requires-python"] in env["dependencies"]


def test_readme_opens_with_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh)?\n(.*?)```", readme, re.S).group(1)
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make lab", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^\s*make test\b", ci, re.M)
    assert "CFGMM_REQUIRE_COURSE_DATA=1" in ci


def test_makefile_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "notebooks", "site", "slides", "bench", "mutation"):
        assert re.search(rf"^{target}:", makefile, re.M), target


def test_mutation_testing_is_configured_and_not_part_of_make_test():
    makefile = (ROOT / "Makefile").read_text()
    test_recipe = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M).group(1)
    assert "mutmut" not in test_recipe
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    mutmut = config["tool"]["mutmut"]
    for module in ("common", "kmeans", "naive_em", "em", "evaluation"):
        assert any(module in p for p in mutmut["only_mutate"]), module
    assert "mutmut" in " ".join(config["project"]["optional-dependencies"]["mutation"])


def test_course_files_are_ignored_and_not_tracked():
    import subprocess

    gitignore = (ROOT / ".gitignore").read_text()
    assert "data/*.txt" in gitignore.splitlines()
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    course = {"toy_data.txt", "test_incomplete.txt", "test_complete.txt", "test_solutions.txt",
              "netflix_incomplete.txt", "netflix_complete.txt"}
    assert not [f for f in tracked.splitlines() if Path(f).name in course]


def test_every_subpackage_is_installed():
    """A non-editable install ships only the packages pyproject.toml lists."""
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"].get("packages", [])
    if isinstance(packages, dict):  # [tool.setuptools.packages.find] discovers every subpackage
        assert "find" in packages
        return
    listed = set(packages)
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "cfgmm_lib").rglob("__init__.py")}
    assert found <= listed, f"not installed: {sorted(found - listed)}"


def test_the_files_make_test_starts_first_exist_and_the_makefile_keeps_that_order():
    import importlib.util

    spec = importlib.util.spec_from_file_location("tests_conftest", ROOT / "tests" / "conftest.py")
    conftest = importlib.util.module_from_spec(spec)  # by path: the root has a conftest.py too
    spec.loader.exec_module(conftest)
    RUN_FIRST = conftest.RUN_FIRST
    assert all((ROOT / name).is_file() for name in RUN_FIRST), "a renamed file would lose its place silently"
    test_line = next(line for line in (ROOT / "Makefile").read_text().splitlines() if "-m pytest" in line and "-n" in line)
    assert "--no-loadscope-reorder" in test_line  # else xdist sorts files by their number of tests
