"""The installer of the course files: the security-sensitive code, on its own.

    python -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz

Only the six known file names are taken, from anywhere in the archive (or folder), and only
as regular files with a safe path. Each member is streamed through SHA-256 into a temporary
file, one at a time, and the install stops at the first member that fails; the bytes read
from an archive are bounded per member and in total; nothing is written into the target
folder until every file is verified, and then each file is replaced atomically. A file
already there is never silently replaced.

Introduced in ``notebooks/00_start_here.py``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import zlib
from pathlib import Path, PurePosixPath

from . import registry
from .registry import DataFileError, sha256_of

__all__ = ["install", "MAX_FILE_BYTES", "MAX_TOTAL_BYTES", "MAX_MEMBERS"]

#: Largest file the installer will read from an archive (the biggest course file is 2.9 MB).
MAX_FILE_BYTES = 16 * 2**20
#: Largest total of member sizes the installer will go through in one archive (the course's is ~6 MB).
MAX_TOTAL_BYTES = 64 * 2**20
#: Most archive members the installer will go through (the course's archive has a handful).
MAX_MEMBERS = 10_000
#: Read size when streaming a member.
CHUNK = 1 << 20


class _Refused(Exception):
    """One member refused: stop the install at once."""


def _one_line(exc: BaseException) -> str:
    """``"OSError: [Errno 28] ..."`` on one line, for a message."""
    return " ".join(f"{type(exc).__name__}: {exc}".split())


class _TempFileError(Exception):
    """The temporary copy could not be written (disk full, no temporary folder): not the source's fault."""


def _copy_verified(stream, name: str, where: str):
    """Stream ``stream`` into a temporary file while hashing it; return the file if the sum matches.

    At most ``MAX_FILE_BYTES + 1`` bytes are read, ``CHUNK`` at a time.
    """
    limit = MAX_FILE_BYTES
    h = hashlib.sha256()
    try:
        tmp = tempfile.TemporaryFile()
    except OSError as exc:
        raise _TempFileError(exc) from None
    size = 0
    try:
        while True:
            block = stream.read(min(CHUNK, limit + 1 - size))
            if not block:
                break
            size += len(block)
            if size > limit:
                raise _Refused(f"{where}: refused, too large (more than {limit} bytes)")
            h.update(block)
            try:
                tmp.write(block)
            except OSError as exc:  # our side (disk full), not the source's
                raise _TempFileError(exc) from None
        digest = h.hexdigest()
        if digest != registry.COURSE_FILES[name].sha256:
            raise _Refused(f"{where}: SHA-256 {digest} does not match the course's {name}")
    except BaseException:
        tmp.close()
        raise
    tmp.seek(0)
    return tmp, size


def _archive_members(archive: Path):
    """Yield (member name, course file name, open stream) for each course-named member, refusing on the way."""
    total = 0
    with tarfile.open(archive, "r:*") as tar:
        count = 0
        while True:
            m = tar.next()
            if m is None:
                # read the compressed stream to its end, so that its checksum (gzip's CRC) is verified
                while block := tar.fileobj.read(CHUNK):
                    total += len(block)
                    if total > MAX_TOTAL_BYTES:
                        raise _Refused(f"{archive.name}: refused, more than {MAX_TOTAL_BYTES} bytes "
                                       "(not the course archive)")
                return
            tar.members = []  # tarfile keeps every header it has read: keep none
            count += 1
            if count > MAX_MEMBERS:
                raise _Refused(f"{archive.name}: refused, more than {MAX_MEMBERS} members (not the course archive)")
            total += max(m.size, 0)
            if total > MAX_TOTAL_BYTES:
                raise _Refused(f"{archive.name}: refused, its members add up to more than {MAX_TOTAL_BYTES} bytes "
                               "(not the course archive)")
            base = PurePosixPath(m.name).name
            if base not in registry.COURSE_FILES:
                continue
            parts = PurePosixPath(m.name).parts
            if m.name.startswith("/") or ".." in parts:
                raise _Refused(f"{m.name}: refused, unsafe path (absolute or with '..')")
            if not m.isreg():
                raise _Refused(f"{m.name}: refused, not a regular file (link or device)")
            if m.size > MAX_FILE_BYTES:
                raise _Refused(f"{m.name}: refused, too large ({m.size} bytes)")
            yield m.name, base, tar.extractfile(m)


def _folder_members(folder: Path):
    for name in registry.COURSE_FILES:
        path = folder / name
        if path.is_symlink():
            raise _Refused(f"{path}: refused, a symbolic link")
        if path.is_file():
            if path.stat().st_size > MAX_FILE_BYTES:
                raise _Refused(f"{path}: refused, too large")
            with open(path, "rb") as fh:
                yield str(path), name, fh


def _check_dest(dest: Path) -> None:
    if dest.exists() and not dest.is_dir():
        raise DataFileError(f"--dest {dest} exists and is not a folder; give a folder (it is created if missing)")
    for parent in dest.parents:
        if parent.exists():
            if not parent.is_dir():
                raise DataFileError(f"--dest {dest}: {parent} is a file, not a folder")
            break


def install(source, dest=None, *, force: bool = False) -> list[str]:
    """Install the course files from the course's ``.tar.gz`` or from a folder.

    Only the six known file names are taken, from anywhere in the archive,
    and only as regular files with a safe path. Members are streamed one at a
    time through SHA-256 into temporary files (never more than ``CHUNK``
    bytes in memory); the first member that fails stops the install. The
    bytes gone through are bounded per member (``MAX_FILE_BYTES``) and in
    total (``MAX_TOTAL_BYTES``, ``MAX_MEMBERS``). Nothing is written into
    ``dest`` until every file is verified; then each is replaced atomically.
    A file already in ``dest`` is never silently replaced: identical files
    are left alone, different ones make the install fail unless ``force``.

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
        A damaged or unreadable archive, a member with a known name but the
        wrong sum, an unsafe or oversized member, a ``dest`` that is a file,
        or an existing different file in the way. Nothing is written then,
        and what was installed before is left as it was.
    FileNotFoundError
        If ``source`` does not exist.
    OSError
        If a temporary copy cannot be written (a full disk), or ``dest`` cannot be.
    """
    source = Path(source).expanduser()
    if not source.exists():
        raise FileNotFoundError(f"{source} does not exist; give the course's netflix.tar.gz or a folder")
    dest = Path(dest).expanduser() if dest is not None else registry.data_dirs()[0]
    _check_dest(dest)
    verified: dict = {}  # course file name -> (temporary file, size)
    try:
        members = _folder_members(source) if source.is_dir() else _archive_members(source)
        try:
            for member, base, stream in members:
                tmp, size = _copy_verified(stream, base, member)
                if base in verified:  # the same file twice in an archive: identical content, keep one
                    tmp.close()
                else:
                    verified[base] = (tmp, size)
        except _Refused as exc:
            raise DataFileError(f"nothing installed: {exc}") from None
        except _TempFileError as exc:
            raise OSError(f"nothing installed: a temporary copy of a course file could not be written "
                          f"({_one_line(exc.args[0])}); is the disk full? (set TMPDIR to a folder with room)") from None
        except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
            why = _one_line(exc)
            if source.is_dir():
                raise DataFileError(f"{source}: a course file could not be read ({why}); nothing installed") from None
            raise DataFileError(f"{source}: not a readable .tar.gz archive, damaged or truncated "
                                f"({why}); nothing installed") from None
        finally:
            members.close()  # a refusal leaves it suspended: close its open file, or the archive, now
        if not verified:
            raise DataFileError(f"{source} holds none of the course files ({', '.join(registry.COURSE_FILES)})")
        for base in verified:
            target = dest / base
            if target.is_dir() and not target.is_symlink():  # --force replaces files, never a folder
                raise DataFileError(f"nothing installed: {target} is a folder where the course's {base} goes; "
                                    "move it away first")
            if target.exists() and not force and not (
                    target.is_file() and sha256_of(target) == registry.COURSE_FILES[base].sha256):
                raise DataFileError(f"nothing installed: {target} exists and differs from the course's {base}; "
                                    "use --force to replace it")
        return _write(source, dest, verified)
    finally:
        for tmp, _ in verified.values():
            tmp.close()


def _write(source: Path, dest: Path, verified: dict) -> list[str]:
    dest.mkdir(parents=True, exist_ok=True)
    report = []
    for base in registry.COURSE_FILES:
        target = dest / base
        if base not in verified:
            report.append(f"{base}: not in {source.name}" + (" (already installed)" if target.is_file() else ""))
            continue
        if target.is_file() and not target.is_symlink() and sha256_of(target) == registry.COURSE_FILES[base].sha256:
            report.append(f"{base}: already installed, unchanged")
            continue
        tmp, size = verified[base]
        fd, tmp_path = tempfile.mkstemp(dir=dest, prefix=f".{base}.")
        try:
            with os.fdopen(fd, "wb") as fh:
                shutil.copyfileobj(tmp, fh, CHUNK)
            os.replace(tmp_path, target)
        except BaseException:
            Path(tmp_path).unlink(missing_ok=True)
            raise
        report.append(f"{base}: installed ({size:,} bytes, SHA-256 verified)")
    return report
