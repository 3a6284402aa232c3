"""The command line of ``cfgmm_lib.data``: ``install`` and ``status``.

    python -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz [--dest FOLDER] [--force]
    python -m cfgmm_lib.data status

Every failure is one line on stderr (``error: ...``) and exit status 1, never a traceback.
"""

from __future__ import annotations

import argparse
import sys

from .installer import install
from .registry import CourseDataMissing, DataFileError, data_dirs, find
from . import registry

__all__ = ["main", "status"]


def status() -> str:
    """A few lines saying which course files are installed, where, and whether they verify."""
    lines = ["Course data folders searched: " + ", ".join(str(p) for p in data_dirs())]
    for name in registry.COURSE_FILES:
        try:
            lines.append(f"  ok       {name}  ({find(name)})")
        except CourseDataMissing:
            lines.append(f"  missing  {name}")
        except DataFileError as exc:
            lines.append(f"  BAD      {name}: {exc}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cfgmm_lib.data", description="The course's data files: install them, or say which are installed.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_install = sub.add_parser("install", help="install the course files from netflix.tar.gz or a folder")
    p_install.add_argument("path", help="the course's netflix.tar.gz, or a folder holding the files")
    p_install.add_argument("--dest", help="target folder (default: $CFGMM_DATA or the project's data/)")
    p_install.add_argument("--force", action="store_true", help="replace existing files that differ")
    sub.add_parser("status", help="say which course files are installed")
    args = parser.parse_args(argv)
    if args.command == "status":
        print(status())
        return 0
    try:
        for line in install(args.path, args.dest, force=args.force):
            print(line)
    except (DataFileError, OSError) as exc:  # OSError: FileNotFoundError, a folder we may not write...
        print(f"error: {' '.join(str(exc).split())}", file=sys.stderr)
        return 1
    return 0

