"""The installer against hostile and damaged archives: one clear line, bounded memory, nothing lost."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import re
import subprocess
import sys
import tarfile
import tracemalloc
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


def raw_tar_gz(path: Path, members, tail: int | None = None) -> Path:
    """A .tar.gz written block by block: each member's header and data; then, if ``tail`` is given,
    the end-of-archive block and ``tail`` more zero bytes; without it the archive just stops
    after the last member (tarfile reads that as the end)."""
    raw = b""
    for name, content in members:
        info = tarfile.TarInfo(name)
        info.size = len(content)
        raw += info.tobuf() + content + b"\0" * (-len(content) % tarfile.BLOCKSIZE)
    if tail is not None:
        raw += b"\0" * (tarfile.BLOCKSIZE + tail)
    path.write_bytes(gzip.compress(raw, compresslevel=1))
    return path


def _install_at_the_bound(archive, dest, total, over, course):
    """With the bound ``total - over``: one byte over is refused and writes nothing; at it, all install."""
    if over:
        with pytest.raises(data.DataFileError,
                           match=re.escape(f"more than {total - 1} bytes (not the course archive)")):
            data.install(archive, dest)
        assert not dest.exists()
    else:
        data.install(archive, dest)
        assert sorted(p.name for p in dest.iterdir()) == sorted(course)


@pytest.mark.parametrize("over", [0, 1])
def test_total_bound_is_exact_on_member_sizes(tmp_path, course, monkeypatch, over):
    # an empty member counts for nothing; the bound is on the sum of the members' sizes
    members = [(f"netflix/{n}", c) for n, c in course.items()] + [("netflix/EMPTY", b"")]
    archive = raw_tar_gz(tmp_path / "a.tar.gz", members)
    total = sum(len(c) for _, c in members)
    monkeypatch.setattr(data.installer, "MAX_TOTAL_BYTES", total - over)
    _install_at_the_bound(archive, tmp_path / "dest", total, over, course)


@pytest.mark.parametrize("over", [0, 1])
def test_total_bound_is_exact_on_what_follows_the_end_marker(tmp_path, course, monkeypatch, over):
    # the bytes after the end-of-archive block are read too (to reach gzip's checksum) and count
    # towards the same bound, byte for byte: the members' sizes plus that tail
    members = [(f"netflix/{n}", c) for n, c in course.items()]
    tail = 3000
    archive = raw_tar_gz(tmp_path / "a.tar.gz", members, tail=tail)
    total = sum(len(c) for _, c in members) + tail
    monkeypatch.setattr(data.installer, "MAX_TOTAL_BYTES", total - over)
    monkeypatch.setattr(data.installer, "CHUNK", 1024)  # the tail takes several reads
    _install_at_the_bound(archive, tmp_path / "dest", total, over, course)


@pytest.mark.parametrize("extra", [0, 1])
def test_member_count_bound_is_exact(tmp_path, course, monkeypatch, extra):
    members = [(f"netflix/{n}", c) for n, c in course.items()] + [(f"junk/{i}", b"x") for i in range(2 + extra)]
    archive = tar_gz(tmp_path / "a.tar.gz", members)
    monkeypatch.setattr(data.installer, "MAX_MEMBERS", len(course) + 2)
    dest = tmp_path / "dest"
    if extra:
        with pytest.raises(data.DataFileError, match=f"more than {len(course) + 2} members"):
            data.install(archive, dest)
        assert not dest.exists()
    else:
        data.install(archive, dest)
        assert sorted(p.name for p in dest.iterdir()) == sorted(course)


@pytest.mark.parametrize("kind", ["archive", "folder"])
def test_files_of_exactly_the_size_limit_are_installed_and_their_sizes_reported(tmp_path, course, monkeypatch, kind):
    sizes = {len(c) for c in course.values()}
    assert len(sizes) == 1  # the stand-ins are all the same length: each sits exactly on the limit
    size = sizes.pop()
    monkeypatch.setattr(data.installer, "MAX_FILE_BYTES", size)
    monkeypatch.setattr(data.installer, "CHUNK", 64)  # several reads per file
    if kind == "archive":
        source = tar_gz(tmp_path / "netflix.tar.gz", [(f"netflix/{n}", c) for n, c in course.items()])
    else:
        source = tmp_path / "src"
        source.mkdir()
        for n, c in course.items():
            (source / n).write_bytes(c)
    dest = tmp_path / "dest"
    assert data.install(source, dest) == [f"{n}: installed ({size:,} bytes, SHA-256 verified)" for n in course]
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == course


def test_folder_with_an_oversized_file_or_a_symlink_is_refused_naming_it(tmp_path, course, monkeypatch):
    src = tmp_path / "src"
    src.mkdir()
    for n, c in course.items():
        (src / n).write_bytes(c)
    name = next(iter(course))
    limit = data.installer.MAX_FILE_BYTES
    monkeypatch.setattr(data.installer, "MAX_FILE_BYTES", len(course[name]) - 1)
    with pytest.raises(data.DataFileError, match=re.escape(f"{src / name}: refused, too large")):
        data.install(src, tmp_path / "dest")
    monkeypatch.setattr(data.installer, "MAX_FILE_BYTES", limit)
    (src / name).unlink()
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_bytes(course[name])
    (src / name).symlink_to(elsewhere)
    with pytest.raises(data.DataFileError, match=re.escape(f"{src / name}: refused, a symbolic link")):
        data.install(src, tmp_path / "dest")
    assert not (tmp_path / "dest").exists()


class Endless:
    """A stream that never ends (say, a file in the source folder that grows after its size was checked);
    it records every read asked of it, and fails rather than hang if read past any sane bound."""

    def __init__(self):
        self.asked = []

    def read(self, n=-1):
        self.asked.append(n)
        if not isinstance(n, int) or n < 0:
            raise AssertionError(f"asked to read everything (read({n!r}))")
        if sum(self.asked) > 1000:
            raise AssertionError("read far past the bound")
        return b"x" * n


def test_copy_reads_at_most_the_limit_plus_one_byte_a_chunk_at_a_time(tmp_path, course, monkeypatch):
    # _copy_verified's own contract: the last guard when a stream holds more than its size said
    monkeypatch.setattr(data.installer, "MAX_FILE_BYTES", 10)
    monkeypatch.setattr(data.installer, "CHUNK", 4)
    stream = Endless()
    with pytest.raises(data.installer._Refused, match=re.escape("src/toy_data.txt: refused, too large (more than 10 bytes)")):
        data.installer._copy_verified(stream, "toy_data.txt", "src/toy_data.txt")
    assert sum(stream.asked) == 11 and all(0 < n <= 4 for n in stream.asked), stream.asked


def test_a_big_member_and_a_long_tail_are_streamed_not_held_in_memory(tmp_path, course, monkeypatch):
    big = b"1 2\n" * (2 * 2**20)  # 8 MiB
    fake = dict(data.registry.COURSE_FILES)
    fake["toy_data.txt"] = data.CourseFile("toy_data.txt", None, hashlib.sha256(big).hexdigest(), "")
    monkeypatch.setattr(data.registry, "COURSE_FILES", fake)
    monkeypatch.setattr(data.installer, "CHUNK", 64 * 2**10)
    archive = raw_tar_gz(tmp_path / "big.tar.gz", [("netflix/toy_data.txt", big)], tail=len(big))
    tracemalloc.start()
    try:
        report = data.install(archive, tmp_path / "dest")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert report[0].startswith("toy_data.txt: installed")
    # streamed: a few blocks of CHUNK (64 KiB) in flight in tarfile's and gzip's readers, well under 1 MiB;
    # the member or the tail read whole would be 8 MiB, so a quarter of that separates the two by far
    assert peak < 2 * 2**20, peak
