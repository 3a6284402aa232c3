"""Every command the series shows a learner works where the learner types it.

The commands are collected from the notebooks, the README, docs/ and the library's messages
(``python -m cfgmm_lib.<module> ...``, ``%run -m ...``). Each module is run as typed in the shell
of JupyterLab's terminal under ``make lab`` (``tools/lab_bashrc``, which activates the project's
``.venv``, with a login shell's PATH) and in a notebook cell (IPython, ``!`` and ``%run -m``).
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMAND = re.compile(r"(?:%run -m|python3? -m) (cfgmm_lib(?:\.\w+)*)((?: [^`\n|)]*)?)")


def shown_commands() -> dict[str, set[str]]:
    """module -> the argument strings it is shown with, from every text a learner reads."""
    texts = [*(ROOT / "notebooks").glob("[0-9][0-9]_*.py"), ROOT / "README.md", *(ROOT / "docs").glob("*.md"),
             *(ROOT / "cfgmm_lib").rglob("*.py")]
    found: dict[str, set[str]] = {}
    for path in texts:
        for module, args in COMMAND.findall(path.read_text()):
            if not any(part.startswith("_") for part in module.split(".")):  # the checker's own worker: internal
                found.setdefault(module, set()).add(args.strip())
    return found


def test_the_commands_name_modules_that_run():
    found = shown_commands()
    assert {"cfgmm_lib.data", "cfgmm_lib.check", "cfgmm_lib.evaluation", "cfgmm_lib.imaging"} <= set(found)
    for module in found:
        assert (ROOT / Path(*module.split("."), "__main__.py")).exists(), f"{module} has no __main__: not runnable"


def _lab_shell(command: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """``command`` in the shell of JupyterLab's terminal under make lab, from a login shell's PATH."""
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME=str(tmp_path))
    return subprocess.run(["bash", "--rcfile", str(ROOT / "tools" / "lab_bashrc"), "-i", "-c", command],
                          env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("module", sorted(shown_commands()))
def test_each_module_answers_in_the_lab_terminal(module, tmp_path):
    if not (ROOT / ".venv" / "bin" / "activate").exists():
        pytest.skip("no .venv here (make setup makes it)")
    out = _lab_shell(f"python -m {module} --help", tmp_path)
    assert out.returncode == 0 and "usage:" in out.stdout, out.stdout[-1000:] + out.stderr[-1000:]


def test_data_status_as_typed_in_the_terminal_and_in_a_cell(tmp_path):
    if not (ROOT / ".venv" / "bin" / "activate").exists():
        pytest.skip("no .venv here (make setup makes it)")
    out = _lab_shell("python -m cfgmm_lib.data status", tmp_path)
    assert out.returncode in (0, 1) and "toy_data.txt" in out.stdout, out.stderr
    ipython = pytest.importorskip("IPython")
    shell = ipython.core.interactiveshell.InteractiveShell.instance()
    with _captured() as text:
        shell.run_line_magic("run", "-m cfgmm_lib.data status")
    assert "toy_data.txt" in text.getvalue()


def test_the_installer_runs_from_a_notebook_cell_with_the_archives_path(tmp_path):
    """``%run -m cfgmm_lib.data install PATH`` in a cell, as the README shows (a folder of the files here)."""
    from cfgmm_lib import data

    source = os.environ.get(data.ENV_DIR)
    if not source or not (Path(source) / "toy_data.txt").exists():
        if os.environ.get(data.ENV_REQUIRE, "") not in ("", "0"):
            pytest.fail(f"{data.ENV_REQUIRE}=1 but the course data is missing")
        pytest.skip("the course files are not here (set CFGMM_DATA)")
    ipython = pytest.importorskip("IPython")
    shell = ipython.core.interactiveshell.InteractiveShell.instance()
    dest = tmp_path / "installed"
    with _captured() as text:
        shell.run_line_magic("run", f"-m cfgmm_lib.data install {source} --dest {dest}")
    from cfgmm_lib.data.registry import COURSE_FILES

    assert sorted(p.name for p in dest.glob("*.txt")) == sorted(COURSE_FILES), text.getvalue()


def _captured():
    import contextlib
    import io

    buffer = io.StringIO()

    @contextlib.contextmanager
    def both():
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            try:
                yield buffer
            except SystemExit:
                pass

    return both()
