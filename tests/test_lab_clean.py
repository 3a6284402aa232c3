"""Using the series under `make lab` never dirties the repository (a real JupyterLab in Chromium).

A copy of the series (the files `make lab` needs, as a fresh git repository with one commit) is
served by `tools/lab.py`, as `make lab` serves the project. In it, a learner opens their copy of
01 in `workspace/`, runs every cell, waits past the autosave interval and saves; then opens the
original in `notebooks/`, runs it, waits and presses Save. `git status --porcelain` must stay
empty, and the learner's copy must hold the run (it was saved). Also without a browser: the
terminal's shell has the project's environment, and `prepare` never overwrites a learner's copy.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_browser import _NOTEBOOK_STATE, PANEL, _free_port, chromium, jupyter_server  # noqa: F401 (chromium: a fixture)

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import lab as labtool  # noqa: E402  (tools/lab.py)

NAME = "01_kmeans"
AUTOSAVE = 2  # seconds: JupyterLab's autosave interval in this test (120 s by default)


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


@pytest.fixture(scope="module")
def series_repo(tmp_path_factory) -> Path:
    """A git repository holding the series as the working tree has it: notebooks/, tools/, the configs."""
    repo = tmp_path_factory.mktemp("series") / "repo"
    repo.mkdir()
    for rel in ("notebooks", "tools"):
        shutil.copytree(ROOT / rel, repo / rel, ignore=shutil.ignore_patterns("__pycache__", "output", "exercises"))
    for rel in (".gitignore", "jupytext.toml", "README.md"):
        shutil.copy(ROOT / rel, repo / rel)
    (repo / ".venv").symlink_to(Path(sys.prefix))  # tools/lab_bashrc activates the project's .venv
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "the series")
    assert _git(repo, "status", "--porcelain") == ""
    return repo


@pytest.mark.browser
def test_running_and_saving_notebooks_leaves_git_status_clean(chromium, series_repo, tmp_path):  # noqa: F811
    repo = series_repo
    settings = tmp_path / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosaveInterval": AUTOSAVE}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, str(repo / "tools" / "lab.py"), "--port", str(port), "--", "--no-browser",
           "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--LabApp.user_settings_dir={tmp_path / 'settings'}", f"--LabApp.workspaces_dir={tmp_path / 'ws'}"]
    with jupyter_server(cmd, env, tmp_path / "server.log", port, token, tmp_path / "runtime") as url:
        copy = repo / "workspace" / f"{NAME}.ipynb"
        assert copy.exists(), "make lab makes the learner's copies"
        before = copy.stat().st_mtime
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        for where in ("workspace", "notebooks"):  # the learner's copy, then the original
            page.goto(f"{url}/lab/workspaces/clean-{where}/tree/{where}/{NAME}.ipynb?reset&token={token}")
            _run_all_and_save(page, f"{NAME}.ipynb")
            page.screenshot(path=str(tmp_path / f"{where}.png"))
        page.close()
    assert _git(repo, "status", "--porcelain") == "", "using the series changed files git tracks"
    saved = json.loads(copy.read_text())
    assert copy.stat().st_mtime > before and any(c.get("execution_count") for c in saved["cells"]), \
        "the learner's copy was not saved with the run"
    assert "jupytext" not in saved["metadata"] and not (repo / "workspace" / f"{NAME}.py").exists()


def _run_all_and_save(page, tab: str) -> None:
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current", has_text=tab).wait_for()
    page.wait_for_function(_NOTEBOOK_STATE, arg=[PANEL, "with its kernel idle", tab], timeout=120_000)
    page.click(f"{PANEL} .jp-Cell >> nth=0")
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    page.wait_for_function(_NOTEBOOK_STATE, arg=[PANEL, "started", None], timeout=60_000)
    page.wait_for_function(_NOTEBOOK_STATE, arg=[PANEL, "over", None], timeout=240_000)
    time.sleep(AUTOSAVE + 2)  # past the autosave interval
    page.keyboard.press("Control+s")
    time.sleep(2)
    if page.locator(".jp-Dialog").count():  # a read-only original: JupyterLab says it cannot be saved
        page.keyboard.press("Escape")


def test_prepare_never_overwrites_a_learners_copy(tmp_path):
    root = tmp_path / "repo"
    (root / "notebooks").mkdir(parents=True)
    original = {"cells": [], "metadata": {"jupytext": {"formats": "ipynb,py:percent"}}, "nbformat": 4,
                "nbformat_minor": 5}
    (root / "notebooks" / "01_kmeans.ipynb").write_text(json.dumps(original))
    (root / "notebooks" / "exercises").mkdir()
    (root / "notebooks" / "exercises" / "01_kmeans_exercise.ipynb").write_text(json.dumps(original))
    made = labtool.prepare(root, prefix=tmp_path / "env")
    copy = root / "workspace" / "01_kmeans.ipynb"
    assert made == [copy, root / "workspace" / "exercises" / "01_kmeans_exercise.ipynb"]
    assert "jupytext" not in json.loads(copy.read_text())["metadata"]
    copy.write_text("the learner's work")
    assert labtool.prepare(root, prefix=tmp_path / "env") == [] and copy.read_text() == "the learner's work"
    overrides = json.loads((tmp_path / "env" / "share" / "jupyter" / "lab" / "settings" / "overrides.json").read_text())
    assert overrides["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
    assert overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]["python"] == "Jupytext Notebook"


def test_the_terminals_shell_has_the_projects_environment(tmp_path):
    """What JupyterLab's terminal runs under make lab (tools/lab_config.py): `python` is the project's."""
    bashrc = ROOT / "tools" / "lab_bashrc"
    if not (ROOT / ".venv" / "bin" / "activate").exists():
        pytest.skip("no .venv here (make setup makes it)")
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"  # a login shell's PATH, without the project's environment
    env["HOME"] = str(tmp_path)
    out = subprocess.run(["bash", "--rcfile", str(bashrc), "-i", "-c",
                          "pwd; python -c 'import cfgmm_lib, sys; print(sys.prefix)'"],
                         env=env, capture_output=True, text=True, timeout=60)
    lines = out.stdout.split()
    assert lines[0] == str(ROOT) and Path(lines[1]).resolve() == (ROOT / ".venv").resolve(), out.stderr
