"""The course's data files: find, verify, read and install them; synthetic stand-ins.

The six files of the course archive ``netflix.tar.gz`` are never part of this
project. A learner installs them once::

    python -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz

which copies the six known files (checked against their SHA-256 sums) into the
project's ``data/`` folder. ``load`` looks in ``$CFGMM_DATA`` first, then in
``data/``. Without them, ``load_or_standin`` gives deterministic synthetic
stand-ins of the same shapes and value ranges, and says so.

Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import tarfile
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np

__all__ = [
    "COURSE_FILES", "CourseDataMissing", "DataFileError", "data_dirs", "find", "load",
    "read_matrix", "parse_solutions", "install", "synthetic", "load_or_standin",
    "using_standins", "status",
]

#: The project's own data folder (beside the package in a checkout).
PROJECT_DATA = Path(__file__).resolve().parent.parent / "data"
#: Environment variable naming a folder that holds the course files.
ENV_DIR = "CFGMM_DATA"
#: When set to 1, a missing course file is an error instead of a reason to use a stand-in.
ENV_REQUIRE = "CFGMM_REQUIRE_COURSE_DATA"
#: When set to 1, ``load_or_standin`` uses the stand-ins even where the course files are installed.
ENV_FORCE_STANDIN = "CFGMM_FORCE_STANDIN"
#: Largest file the installer will read from an archive (the biggest course file is 2.9 MB).
MAX_FILE_BYTES = 16 * 2**20


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
    "Gaussian Mixtures', download link in the project's handout) and run\n"
    "    python -m cfgmm_lib.data install path/to/netflix.tar.gz\n"
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


# --------------------------------------------------------------------------
# Finding and reading
# --------------------------------------------------------------------------

def _canonical(name: str) -> CourseFile:
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
    cf = _canonical(name)
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


def read_matrix(path) -> np.ndarray:
    """Read a whitespace-separated numeric matrix file.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    array of shape (n, d), float64

    Raises
    ------
    DataFileError
        For an empty, ragged, non-numeric or non-finite file; the message names
        the file and the line.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # loadtxt warns on empty input; we raise below
            arr = np.loadtxt(path, dtype=np.float64, ndmin=2, comments=None)
    except (ValueError, UnicodeDecodeError):
        _diagnose(path)  # raises with the line number
        raise
    if arr.size == 0:
        raise DataFileError(f"{path}: the file is empty (no numbers in it)")
    if not np.isfinite(arr).all():
        _diagnose(path)
    return arr


def _diagnose(path: Path) -> None:
    """Scan a file that loadtxt refused and raise a DataFileError naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{path}: not a text file ({exc.reason} at byte {exc.start})") from None
    ncols = first = None
    for lineno, line in enumerate(text.splitlines(), start=1):
        tokens = line.split()
        if not tokens:
            continue
        for tok in tokens:
            try:
                value = float(tok)
            except ValueError:
                raise DataFileError(f"{path}, line {lineno}: {tok!r} is not a number") from None
            if not np.isfinite(value):
                raise DataFileError(f"{path}, line {lineno}: {tok!r} is not a finite number")
        if ncols is None:
            ncols, first = len(tokens), lineno
        elif len(tokens) != ncols:
            raise DataFileError(
                f"{path}, line {lineno}: {len(tokens)} values, but line {first} has {ncols} "
                "(every row must have the same number of columns)"
            )
    if ncols is None:
        raise DataFileError(f"{path}: the file is empty (no numbers in it)")


@dataclass(frozen=True)
class Printed:
    """A value as printed in ``test_solutions.txt`` and half a unit of its last printed digit."""

    value: np.ndarray | float
    tolerance: np.ndarray | float


def _parse_block(text: str) -> Printed:
    """Parse a NumPy-printed array or a repr'd scalar."""
    stripped = text.strip()
    if not stripped.startswith("["):
        value = float(stripped)
        return Printed(value, abs(value) * 1e-9)  # printed with full precision
    rows = [r for r in stripped.replace("[", " ").split("]") if r.strip()]
    tokens = [r.split() for r in rows]
    values = np.array([[float(t) for t in row] for row in tokens])
    tol = np.empty_like(values)
    for i, row in enumerate(tokens):
        for j, tok in enumerate(row):
            # NumPy prints 8 significant decimals: fixed "0.25" means 0.25000000,
            # scientific "8.35114583e-01" has 8 decimals in its mantissa.
            exp = int(tok.lower().split("e")[1]) if "e" in tok.lower() else 0
            tol[i, j] = 0.5e-8 * 10.0**exp
    if stripped.startswith("[["):
        return Printed(values, tol)
    return Printed(values[0], tol[0])


def parse_solutions(text: str) -> dict:
    """Parse ``test_solutions.txt`` into sections of ``Printed`` values.

    Returns
    -------
    dict
        ``{"input": {"X", "K", "Mu", "Var", "P"}, "first_estep": {"post", "LL"},
        "first_mstep": {"Mu", "Var", "P"}, "run": {"Mu", "Var", "P", "post", "LL",
        "X_gold", "X_pred", "RMSE"}}``; ``K`` is an int, the rest ``Printed``.
    """
    sections = {"Input:": "input", "After first E-step:": "first_estep",
                "After first M-step:": "first_mstep", "After a run": "run"}
    out: dict = {}
    current = None
    key = None
    buf: list[str] = []

    def flush():
        if key is not None and current is not None:
            out[current][key] = _parse_block(" ".join(buf))

    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s in sections:
            flush()
            key, buf = None, []
            current = sections[s]
            out[current] = {}
            continue
        head, sep, rest = s.partition(":")
        if sep and head.replace("_", "").isalnum() and not head[0].isdigit():
            flush()
            key, buf = head, [rest] if rest.strip() else []
            if key == "K":
                out[current]["K"] = int(rest)
                key, buf = None, []
            continue
        buf.append(s)
    flush()
    if current is None or "run" not in out:
        raise DataFileError("test_solutions: unexpected layout (no 'After a run' section)")
    return out


def load(name: str):
    """Load a verified course file.

    Parameters
    ----------
    name : str
        One of ``toy_data``, ``test_incomplete``, ``test_complete``,
        ``test_solutions``, ``netflix_incomplete``, ``netflix_complete``
        (with or without ``.txt``).

    Returns
    -------
    array of shape (n, d), or for ``test_solutions`` the dict of ``parse_solutions``.

    Raises
    ------
    CourseDataMissing
        When the file is not installed (the message says where it looked and how to install).
    DataFileError
        When the file is not the course's (wrong checksum or shape).
    """
    cf = _canonical(name)
    path = find(cf.name)
    if cf.shape is None:
        return parse_solutions(path.read_text(encoding="utf-8"))
    arr = read_matrix(path)
    if arr.shape != cf.shape:
        raise DataFileError(f"{path}: shape {arr.shape}, expected {cf.shape}")
    return arr


# --------------------------------------------------------------------------
# Synthetic stand-ins
# --------------------------------------------------------------------------

def _ratings(n: int, d: int, k: int, missing: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A planted-mixture ratings matrix: (complete, incomplete), integer ratings 1..5."""
    rng = np.random.default_rng(seed)
    movie = rng.normal(3.6, 0.45, size=d)
    profiles = movie + rng.normal(0.0, 0.7, size=(k, d))
    types = rng.choice(k, size=n, p=rng.dirichlet(np.full(k, 4.0)))
    user = rng.normal(0.0, 0.35, size=(n, 1))
    complete = np.clip(np.rint(profiles[types] + user + rng.normal(0.0, 0.75, size=(n, d))), 1, 5)
    hidden = rng.random((n, d)) < missing
    hidden[np.arange(n), rng.integers(0, d, size=n)] = False  # every user keeps a rating
    incomplete = np.where(hidden, 0.0, complete)
    return complete, incomplete


def _toy(seed: int = 686) -> np.ndarray:
    rng = np.random.default_rng(seed)
    means = np.array([[-3.0, 2.5], [4.5, -1.5], [6.0, 3.0], [0.5, -4.0]])
    sds = np.array([1.4, 1.2, 1.0, 1.6])
    comp = rng.choice(4, size=250, p=[0.35, 0.3, 0.2, 0.15])
    return np.round(means[comp] + rng.normal(size=(250, 2)) * sds[comp, None], 3)


def synthetic(name: str) -> np.ndarray:
    """A deterministic synthetic stand-in for a course matrix file.

    Same shape and value range as the course file, drawn from a planted
    mixture with a fixed seed (the same arrays on every machine). There is no
    stand-in for ``test_solutions``: its numbers only make sense on the course data.

    Parameters
    ----------
    name : str
        A course matrix file name (with or without ``.txt``).

    Returns
    -------
    array of shape of the course file
    """
    cf = _canonical(name)
    stem = cf.name[:-4]
    if cf.shape is None:
        raise ValueError(f"there is no synthetic stand-in for {cf.name}: its numbers only exist for the course data")
    if stem == "toy_data":
        return _toy()
    if stem.startswith("test_"):
        complete, incomplete = _ratings(20, 5, 3, 0.19, seed=20_5)
    else:
        complete, incomplete = _ratings(1200, 1200, 8, 0.228, seed=1200)
    return complete if stem.endswith("_complete") else incomplete


def _switch(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0")


def require_course_data() -> bool:
    """True when ``CFGMM_REQUIRE_COURSE_DATA=1``: missing course data is then an error."""
    return _switch(ENV_REQUIRE)


def _forced_standins() -> bool:
    """``CFGMM_FORCE_STANDIN=1``, unless ``CFGMM_REQUIRE_COURSE_DATA=1``: the requirement wins.

    CI sets the requirement; were the force to win, an environment variable could turn
    every course-data check of CI into a stand-in run that asserts nothing.
    """
    if not _switch(ENV_FORCE_STANDIN):
        return False
    if require_course_data():
        warnings.warn(f"{ENV_FORCE_STANDIN}=1 is ignored because {ENV_REQUIRE}=1: the course data is required",
                      stacklevel=3)
        return False
    return True


def using_standins() -> bool:
    """True when ``load_or_standin`` will give stand-ins (forced, or course files missing).

    Raises
    ------
    CourseDataMissing
        When files are missing and ``CFGMM_REQUIRE_COURSE_DATA=1``.
    """
    if _forced_standins():
        return True
    for name in COURSE_FILES:
        try:
            find(name)
        except CourseDataMissing:
            if require_course_data():
                raise
            return True
    return False


def load_or_standin(name: str) -> tuple[np.ndarray, bool]:
    """The course file if installed, else its synthetic stand-in (with a warning).

    Returns
    -------
    X : array, or for ``test_solutions`` the parsed dict (None when stand-ins are used)
    is_standin : bool
        True when X is synthetic: numbers computed from it will not match the handout.

    Raises
    ------
    CourseDataMissing
        Instead of falling back, when ``CFGMM_REQUIRE_COURSE_DATA=1``.

    Notes
    -----
    ``CFGMM_FORCE_STANDIN=1`` uses the stand-ins even where the course files
    are installed (the tests run every notebook that way), except when
    ``CFGMM_REQUIRE_COURSE_DATA=1`` is also set: the requirement wins.
    """
    cf = _canonical(name)
    if _forced_standins():
        why = f"{ENV_FORCE_STANDIN}=1"
    else:
        try:
            return load(name), False
        except CourseDataMissing:
            if require_course_data():
                raise
            why = f"course file {cf.name} not found"
    if cf.shape is None:
        return None, True
    warnings.warn(f"{why}: using a synthetic stand-in for {cf.name}; numbers will not match the handout",
                  stacklevel=2)
    return synthetic(name), True


# --------------------------------------------------------------------------
# Installing
# --------------------------------------------------------------------------

def _archive_members(archive: Path):
    """Yield (member name, course file name, bytes or None, reason refused) for a tarball."""
    with tarfile.open(archive, "r:*") as tar:
        for m in tar:
            base = PurePosixPath(m.name).name
            if base not in COURSE_FILES:
                continue
            parts = PurePosixPath(m.name).parts
            if m.name.startswith("/") or ".." in parts:
                yield m.name, base, None, "unsafe path (absolute or with '..')"
            elif not m.isreg():
                yield m.name, base, None, "not a regular file (link or device)"
            elif m.size > MAX_FILE_BYTES:
                yield m.name, base, None, f"too large ({m.size} bytes)"
            else:
                yield m.name, base, tar.extractfile(m).read(MAX_FILE_BYTES + 1), None


def _folder_members(folder: Path):
    for name in COURSE_FILES:
        path = folder / name
        if path.is_symlink():
            yield str(path), name, None, "a symbolic link"
        elif path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                yield str(path), name, None, "too large"
            else:
                yield str(path), name, path.read_bytes(), None


def install(source, dest=None, *, force: bool = False) -> list[str]:
    """Install the course files from the course's ``.tar.gz`` or from a folder.

    Only the six known file names are taken, from anywhere in the archive,
    and only as regular files with a safe path; each is verified against its
    SHA-256 sum before it is written (atomically) into ``dest``. A file
    already in ``dest`` is never silently replaced: identical files are left
    alone, different ones make the install fail unless ``force`` is given.

    Parameters
    ----------
    source : str or Path
        The course archive (``netflix.tar.gz``) or a folder holding the files.
    dest : str or Path, optional
        Target folder; default ``$CFGMM_DATA`` if set, else the project's ``data/``.
    force : bool, default False
        Replace an existing file whose content differs (with the verified one).

    Returns
    -------
    list of str
        One line per course file saying what happened.

    Raises
    ------
    DataFileError
        If the source holds a file with a known name but the wrong sum, or
        an unsafe member, or an existing different file is in the way; nothing
        is written in that case.
    FileNotFoundError
        If ``source`` does not exist.
    """
    source = Path(source).expanduser()
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist; give the course's netflix.tar.gz or a folder")
    dest = Path(dest).expanduser() if dest is not None else data_dirs()[0]
    if source.is_dir():
        members = list(_folder_members(source))
    else:
        try:
            members = list(_archive_members(source))
        except tarfile.TarError as exc:
            raise DataFileError(f"{source}: not a readable .tar.gz archive ({exc})") from None

    problems, verified = [], {}
    for member, base, content, refused in members:
        if refused:
            problems.append(f"{member}: refused, {refused}")
            continue
        digest = hashlib.sha256(content).hexdigest()
        if digest != COURSE_FILES[base].sha256:
            problems.append(f"{member}: SHA-256 {digest} does not match the course's {base}")
        elif base in verified:
            continue  # the same file twice in an archive: identical content, keep one
        else:
            verified[base] = content
    for base, content in verified.items():
        target = dest / base
        if target.exists() and not force and sha256_of(target) != COURSE_FILES[base].sha256:
            problems.append(f"{target} exists and differs from the course's {base}; use --force to replace it")
    if problems:
        raise DataFileError("nothing installed:\n  " + "\n  ".join(problems))
    if not verified:
        raise DataFileError(f"{source} holds none of the course files ({', '.join(COURSE_FILES)})")

    dest.mkdir(parents=True, exist_ok=True)
    report = []
    for base in COURSE_FILES:
        target = dest / base
        if base not in verified:
            report.append(f"{base}: not in {source.name}" + (" (already installed)" if target.is_file() else ""))
            continue
        if target.is_file() and not target.is_symlink() and sha256_of(target) == COURSE_FILES[base].sha256:
            report.append(f"{base}: already installed, unchanged")
            continue
        fd, tmp = tempfile.mkstemp(dir=dest, prefix=f".{base}.")
        with os.fdopen(fd, "wb") as fh:
            fh.write(verified[base])
        os.replace(tmp, target)
        report.append(f"{base}: installed ({len(verified[base]):,} bytes, SHA-256 verified)")
    return report


def status() -> str:
    """A few lines saying which course files are installed, where, and whether they verify."""
    lines = ["Course data folders searched: " + ", ".join(str(p) for p in data_dirs())]
    for name in COURSE_FILES:
        try:
            lines.append(f"  ok       {name}  ({find(name)})")
        except CourseDataMissing:
            lines.append(f"  missing  {name}")
        except DataFileError as exc:
            lines.append(f"  BAD      {name}: {exc}")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cfgmm_lib.data", description=__doc__.splitlines()[0])
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
    except (DataFileError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
