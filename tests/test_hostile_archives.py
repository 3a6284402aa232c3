"""The installer against hostile and damaged archives: one clear line, bounded memory, nothing lost."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from cfgmm_lib import data

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def course(tmp_path, monkeypatch):
    """Tiny stand-in course files whose sums are registered; returns {name: bytes}."""
    files, fake = {}, {}
    for i, (name, cf) in enumerate(data.COURSE_FILES.items()):
        content = (f"{i} {i + 1}\n{i + 2} {i + 3}\n" * 50).encode()
        files[name] = content
        fake[name] = data.CourseFile(name, (100, 2) if cf.shape else None, hashlib.sha256(content).hexdigest(), "")
    monkeypatch.setattr(data.registry, "COURSE_FILES", fake)
    return files


def tar_gz(path: Path, members) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, content in members:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


@pytest.fixture
def good_install(tmp_path, course):
    """A good install in dest, and the archive it came from."""
    archive = tar_gz(tmp_path / "netflix.tar.gz", [(f"netflix/{n}", c) for n, c in course.items()])
    dest = tmp_path / "dest"
    data.install(archive, dest)
    return archive, dest, {p.name: p.read_bytes() for p in dest.iterdir()}


def intact(dest: Path, before: dict) -> bool:
    return {p.name: p.read_bytes() for p in dest.iterdir()} == before


def test_total_bytes_are_bounded_not_only_each_member(tmp_path, course, good_install, monkeypatch):
    _, dest, before = good_install
    # many same-named, genuine members, each under the per-member cap
    big = tar_gz(tmp_path / "same.tar.gz", [(f"netflix/{i}/toy_data.txt", course["toy_data.txt"]) for i in range(40)])
    monkeypatch.setattr(data.installer, "MAX_TOTAL_BYTES", 10 * len(course["toy_data.txt"]))
    with pytest.raises(data.DataFileError, match="add up to more than"):
        data.install(big, dest, force=True)
    assert intact(dest, before)


def test_member_count_is_bounded(tmp_path, course, monkeypatch):
    monkeypatch.setattr(data.installer, "MAX_MEMBERS", 5)
    junk = tar_gz(tmp_path / "junk.tar.gz", [(f"junk/{i}", b"x") for i in range(20)])
    with pytest.raises(data.DataFileError, match="more than 5 members"):
        data.install(junk, tmp_path / "dest")


def test_install_stops_at_the_first_member_that_fails(tmp_path, course, monkeypatch):
    names = list(course)
    members = [(f"netflix/{names[0]}", b"tampered\n")] + [(f"netflix/{n}", course[n]) for n in names[1:]]
    archive = tar_gz(tmp_path / "bad.tar.gz", members)
    seen = []
    real = data.installer._copy_verified
    monkeypatch.setattr(data.installer, "_copy_verified", lambda s, n, w: seen.append(n) or real(s, n, w))
    with pytest.raises(data.DataFileError, match=f"{names[0]}: SHA-256 .* does not match"):
        data.install(archive, tmp_path / "dest")
    assert seen == [names[0]]  # nothing after it was read
    assert not (tmp_path / "dest").exists()


def damaged(kind: str, archive: Path, tmp_path: Path) -> Path:
    raw = archive.read_bytes()
    out = tmp_path / f"{kind}.tar.gz"
    if kind == "truncated":
        out.write_bytes(raw[: len(raw) // 2])
    elif kind == "corrupt_deflate":
        middle = len(raw) // 2
        out.write_bytes(raw[:middle] + bytes(b ^ 0xFF for b in raw[middle:middle + 64]) + raw[middle + 64:])
    elif kind == "truncated_header":
        out.write_bytes(raw[:30])
    elif kind == "empty":
        out.write_bytes(b"")
    return out


@pytest.mark.parametrize("kind", ["truncated", "corrupt_deflate", "truncated_header", "empty"])
def test_damaged_archive_gets_one_clear_error_and_leaves_the_install_intact(tmp_path, good_install, kind):
    archive, dest, before = good_install
    bad = damaged(kind, archive, tmp_path)
    with pytest.raises(data.DataFileError) as info:
        data.install(bad, dest, force=True)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    assert intact(dest, before)


def test_dest_naming_an_existing_file_is_refused(tmp_path, good_install):
    archive, _, _ = good_install
    a_file = tmp_path / "notes.txt"
    a_file.write_text("mine\n")
    with pytest.raises(data.DataFileError, match="exists and is not a folder"):
        data.install(archive, a_file)
    with pytest.raises(data.DataFileError, match="is a file, not a folder"):
        data.install(archive, a_file / "sub")
    assert a_file.read_text() == "mine\n"


def cli(*args, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CFGMM_")}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "cfgmm_lib.data", "install", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("case", ["truncated", "corrupt_deflate", "dest_is_a_file", "missing", "not_an_archive"])
def test_command_line_failures_are_one_line_without_traceback(tmp_path, case):
    # the real registry: an archive of files with the course's names but other content
    archive = tar_gz(tmp_path / "netflix.tar.gz", [("netflix/toy_data.txt", b"1 2\n" * 5000)])
    dest = tmp_path / "dest"
    if case in ("truncated", "corrupt_deflate"):
        args = (damaged(case, archive, tmp_path), "--dest", dest)
    elif case == "dest_is_a_file":
        (tmp_path / "file").write_text("x")
        args = (archive, "--dest", tmp_path / "file")
    elif case == "missing":
        args = (tmp_path / "nope.tar.gz", "--dest", dest)
    else:
        (tmp_path / "junk.tar.gz").write_bytes(b"not an archive at all")
        args = (tmp_path / "junk.tar.gz", "--dest", dest)
    proc = cli(*args, cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and proc.stderr.count("\n") == 1, proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert not dest.exists()
