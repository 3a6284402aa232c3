"""The course files: their registry (names, shapes, SHA-256 sums), where they are looked for, and lookup.

Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

__all__ = ["COURSE_FILES", "CourseFile", "CourseDataMissing", "DataFileError", "HOW_TO_INSTALL", "data_dirs", "find",
           "sha256_of", "canonical", "ENV_DIR", "ENV_REQUIRE", "ENV_FORCE_STANDIN", "PROJECT_DATA"]

#: The project's own data folder (beside the package in a checkout).
PROJECT_DATA = Path(__file__).resolve().parent.parent.parent / "data"
#: Environment variable naming a folder that holds the course files.
ENV_DIR = "CFGMM_DATA"
#: When set to 1, a missing course file is an error instead of a reason to use a stand-in.
ENV_REQUIRE = "CFGMM_REQUIRE_COURSE_DATA"
#: When set to 1, ``load_or_standin`` uses the stand-ins even where the course files are installed.
ENV_FORCE_STANDIN = "CFGMM_FORCE_STANDIN"


@dataclass(frozen=True)
class CourseFile:
    """One course file: its name, shape (None for the text solutions), sum and meaning."""

    name: str
    shape: tuple | None
    sha256: str
    description: str


COURSE_FILES = {
    f.name: f
    for f in (
        CourseFile("toy_data.txt", (250, 2),
                   "a558ed25342d216d432fc8fa80870ef5fca43f45aeebd9350c32529b39d492d7",
                   "2-D points for K-means, naive EM and BIC"),
        CourseFile("test_incomplete.txt", (20, 5),
                   "bef9922ca72b321f270c1c8e25e9b54bdac16102d8f1fdb8fd0539c732c3c37f",
                   "small ratings matrix, 0 = missing"),
        CourseFile("test_complete.txt", (20, 5),
                   "0a5c494e5faf287544bae4af069d7557f50953116e64b39a80ec4be200e1772e",
                   "the same matrix with every entry filled"),
        CourseFile("test_solutions.txt", None,
                   "14ddb974dc3610dbdc50610f84d1c8534c32de5ac4d36816a463e63943a2234b",
                   "the course's expected intermediate results on the 20 x 5 case"),
        CourseFile("netflix_incomplete.txt", (1200, 1200),
                   "7a81ae26f41725a5deeec079dceec27d06949e1b82795803d42ec68c0e00408c",
                   "ratings 1-5 of 1200 users on 1200 movies, 0 = missing (22.8 % missing)"),
        CourseFile("netflix_complete.txt", (1200, 1200),
                   "30c27318115235e50d6124ecbead6241d2376fc7c2116106834bf558d175dc35",
                   "the same matrix completed (2,429 entries are still 0)"),
    )
}

HOW_TO_INSTALL = (
    "Get the course archive netflix.tar.gz (MITx 6.86x, project 'Collaborative Filtering via "
    "Gaussian Mixtures', download link in the project's handout) and run, in JupyterLab's terminal\n"
    "    python -m cfgmm_lib.data install path/to/netflix.tar.gz\n"
    "or in a notebook cell\n"
    "    %run -m cfgmm_lib.data install path/to/netflix.tar.gz\n"
    f"(or a folder holding the files), or set {ENV_DIR} to a folder that holds them. "
    "See data/README.md."
)


class CourseDataMissing(FileNotFoundError):
    """A course file is not installed where the project looks for it.

    Attributes
    ----------
    name : str
        The missing file.
    looked : list of Path
        The folders searched.
    """

    def __init__(self, name: str, looked: list):
        self.name, self.looked = name, list(looked)
        where = "\n".join(f"  - {p}" for p in self.looked)
        super().__init__(f"course file {name} not found. Looked in:\n{where}\n{HOW_TO_INSTALL}")

    def __str__(self) -> str:
        return self.args[0]


class DataFileError(ValueError):
    """A data file is malformed or is not the expected course file."""


def canonical(name: str) -> CourseFile:
    """The registry entry of a course file name (with or without ``.txt``)."""
    if not isinstance(name, str):
        raise TypeError(f"name must be a course file name (a str), got {type(name).__name__} {name!r}")
    key = name if name.endswith(".txt") else name + ".txt"
    if key not in COURSE_FILES:
        raise ValueError(f"unknown course file {name!r}; the course files are: {', '.join(COURSE_FILES)}")
    return COURSE_FILES[key]


def data_dirs() -> list[Path]:
    """Folders searched for the course files, in order: ``$CFGMM_DATA``, the project's ``data/``."""
    dirs = []
    env = os.environ.get(ENV_DIR)
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(PROJECT_DATA)
    return dirs


def sha256_of(path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def find(name: str) -> Path:
    """Path of an installed, verified course file.

    Raises
    ------
    CourseDataMissing
        If no searched folder has it; the message lists the folders and says how to install.
    DataFileError
        If the file found does not have the known SHA-256 sum.
    """
    cf = canonical(name)
    looked = data_dirs()
    for folder in looked:
        path = folder / cf.name
        if path.is_file():
            digest = sha256_of(path)
            if digest != cf.sha256:
                raise DataFileError(
                    f"{path} is not the course's {cf.name}: its SHA-256 is {digest}, expected {cf.sha256}. "
                    "Reinstall it from the course archive (python -m cfgmm_lib.data install ... --force)."
                )
            return path
    raise CourseDataMissing(cf.name, looked)



