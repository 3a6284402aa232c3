# JupyterLab's server configuration for `make lab` (tools/lab.py passes it with --config).
# The file browser at the project's root, the series' originals read-only, the project's
# environment in the terminals.
import os
from pathlib import Path

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupytext.async_contentsmanager import build_async_jupytext_contents_manager_class
from tornado import web

ROOT = Path(__file__).resolve().parent.parent
PROTECTED = ("notebooks/",)  # the series as committed: rebuilt by `make notebooks`, never saved from JupyterLab


def _protected(path: str) -> bool:
    path = path.strip("/")
    return any(path.startswith(p) or path + "/" == p for p in PROTECTED)


class SeriesContentsManager(AsyncLargeFileManager):
    """Files under notebooks/ are shown read-only, and refused when saved, renamed or deleted."""

    async def get(self, path, content=True, type=None, format=None, **kwargs):  # noqa: A002
        model = await super().get(path, content=content, type=type, format=format, **kwargs)
        if _protected(path):
            model["writable"] = False
        return model

    def _refuse(self, path):
        raise web.HTTPError(403, f"{path} is the series' original, kept as committed: work in your copy, "
                                 f"workspace/{Path(path).name} (make lab made it)")

    async def save(self, model, path=""):
        if _protected(path):
            self._refuse(path)
        return await super().save(model, path)

    async def rename_file(self, old_path, new_path):
        if _protected(old_path) or _protected(new_path):
            self._refuse(old_path)
        return await super().rename_file(old_path, new_path)

    async def delete_file(self, path):
        if _protected(path):
            self._refuse(path)
        return await super().delete_file(path)


c = get_config()  # noqa: F821 (traitlets' config loader defines it)
c.ServerApp.contents_manager_class = build_async_jupytext_contents_manager_class(SeriesContentsManager)
c.ServerApp.root_dir = str(ROOT)
c.ServerApp.ip = "127.0.0.1"
c.LabApp.default_url = "/lab/tree/workspace/00_start_here.ipynb"
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
# terminals: bash with the project's environment active, in the project's root
c.ServerApp.terminado_settings = {"shell_command": ["bash", "--rcfile", str(ROOT / "tools" / "lab_bashrc"), "-i"]}
os.environ.setdefault("CFGMM_ROOT", str(ROOT))
