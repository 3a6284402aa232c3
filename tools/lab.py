"""``make lab``: JupyterLab set up for the series, on a repository that using it never changes.

    python tools/lab.py [--port 8888] [-- extra arguments for jupyter lab]

What it does, and why:

* **The learner's copies.** ``workspace/`` (ignored by git) gets a copy of every notebook of
  ``notebooks/``, executed, with its pictures, and of the exercises (``workspace/exercises/``), the first time (a copy that exists is never
  overwritten: it holds the learner's work; delete it to start that notebook afresh). JupyterLab
  opens ``workspace/00_start_here.ipynb``. Running and saving a copy changes nothing git tracks.
* **The originals cannot be saved from JupyterLab.** ``notebooks/`` holds the series as committed
  (the ``.py`` sources and their executed ``.ipynb``). The server's contents manager
  (``lab_config.py``) marks every file there read-only, so JupyterLab neither autosaves nor saves
  them: opening, running and even pressing Save on an original leaves ``git status`` clean. The
  notebooks are rebuilt with ``make notebooks``, not by hand.
* **The file browser at the project's root**, so that README.md and the data folder are reachable;
  a ``.py`` of the series opens as a notebook on double-click (jupytext), a ``.md`` as its
  rendered preview; no news pop-up.
* **The project's environment in JupyterLab's terminal and in ``!`` commands**: the server's PATH
  starts with ``.venv/bin`` and its terminals start bash with ``tools/lab_bashrc``, which activates
  ``.venv``: ``python -m cfgmm_lib.check my_project/`` works as typed there.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKSPACE = "workspace"

#: JupyterLab settings for the series (written into the environment's overrides.json, which the
#: environment's JupyterLab reads as its defaults; a learner's own settings still win).
SETTINGS = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/docmanager-extension:plugin": {
        "defaultViewers": {"python": "Jupytext Notebook", "markdown": "Markdown Preview"},
    },
}


def prepare(root: Path = ROOT, prefix: Path | None = None) -> list[Path]:
    """Make ``root/workspace`` (the learner's copies) and the environment's settings; return the copies made now.

    Parameters
    ----------
    root : Path
        The project's root.
    prefix : Path, optional
        The environment whose JupyterLab reads ``share/jupyter/lab/settings/overrides.json``
        (default: this Python's ``sys.prefix``).
    """
    made = []
    workspace = root / WORKSPACE
    workspace.mkdir(exist_ok=True)
    # the copies are plain notebooks, not jupytext pairs: no .py appears beside them
    (workspace / "jupytext.toml").write_text('# the learner\'s copies are plain notebooks\nformats = "ipynb"\n')
    originals = [*(root / "notebooks").glob("[0-9][0-9]_*.ipynb"), *(root / "notebooks").glob("exercises/*.ipynb")]
    for original in sorted(originals):
        copy = workspace / original.relative_to(root / "notebooks")
        if not copy.exists():
            copy.parent.mkdir(exist_ok=True)
            notebook = json.loads(original.read_text())
            notebook.get("metadata", {}).pop("jupytext", None)
            copy.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")
            made.append(copy)
    output = root / "notebooks" / "output"
    if output.is_dir() and not (workspace / "output").exists():
        shutil.copytree(output, workspace / "output")
    settings = Path(prefix or sys.prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    settings.parent.mkdir(parents=True, exist_ok=True)
    current = json.loads(settings.read_text()) if settings.exists() else {}
    for plugin, values in SETTINGS.items():
        current.setdefault(plugin, {}).update(values)
    settings.write_text(json.dumps(current, indent=2) + "\n")
    return made


def command(port: int, extra: list[str]) -> list[str]:
    """The ``jupyter lab`` command ``make lab`` runs."""
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--config={ROOT / 'tools' / 'lab_config.py'}",
           f"--ServerApp.port={port}"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    return cmd + extra


def environment() -> dict:
    """The server's environment: this Python's folder first on PATH (kernels, ``!`` commands, terminals)."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["CFGMM_ROOT"] = str(ROOT)
    return env


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="make lab", description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8888, help="the server's port (default 8888; the next free one)")
    parser.add_argument("extra", nargs="*", help="more arguments for jupyter lab (after --)")
    args = parser.parse_args(argv)
    made = prepare()
    if made:
        print(f"made your copies of {len(made)} notebooks in {WORKSPACE}/ (yours to change; "
              f"notebooks/ keeps the originals)")
    cmd = command(args.port, args.extra)
    os.chdir(ROOT)
    os.execvpe(cmd[0], cmd, environment())


if __name__ == "__main__":
    sys.exit(main())
