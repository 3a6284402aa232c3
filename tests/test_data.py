"""Finding, reading, verifying and installing the course files; synthetic stand-ins."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pytest

from cfgmm_lib import data


# ----- read_matrix -----

def write(tmp_path, text, name="m.txt"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_read_matrix_reads_whitespace_separated_numbers(tmp_path):
    path = write(tmp_path, "1 2  3\n4\t5 6\n\n7 8 9.5\n")
    np.testing.assert_array_equal(data.read_matrix(path), [[1, 2, 3], [4, 5, 6], [7, 8, 9.5]])


def test_read_matrix_single_row_and_column_stay_2d(tmp_path):
    assert data.read_matrix(write(tmp_path, "1 2 3\n")).shape == (1, 3)
    assert data.read_matrix(write(tmp_path, "1\n2\n", "c.txt")).shape == (2, 1)


@pytest.mark.parametrize("text,match", [
    ("1 2 3\n4 5\n", r"line 2: 2 values, but line 1 has 3"),
    ("1 2\n3 4\n\n5 6 7\n", r"line 4: 3 values, but line 1 has 2"),
    ("1 2\n3 x\n", r"line 2: 'x' is not a number"),
    ("1 2\n3 4\n5 nan\n", r"line 3: 'nan' is not a finite number"),
    ("1,2\n3,4\n", r"line 1: '1,2' is not a number"),
    ("", "the file is empty"),
    ("\n  \n", "the file is empty"),
])
def test_read_matrix_refuses_bad_files_naming_file_and_line(tmp_path, text, match):
    path = write(tmp_path, text)
    with pytest.raises(data.DataFileError, match=match) as info:
        data.read_matrix(path)
    assert str(path) in str(info.value)


def test_read_matrix_refuses_binary(tmp_path):
    path = tmp_path / "b.txt"
    path.write_bytes(b"\x89PNG\x00\xff\xfe")
    with pytest.raises(data.DataFileError, match="not a text file|not a number"):
        data.read_matrix(path)


# ----- finding and loading -----

@pytest.fixture
def empty_env(tmp_path, monkeypatch):
    """No course data anywhere: CFGMM_DATA points at an empty folder, the project's data/ is hidden."""
    folder = tmp_path / "nothing"
    folder.mkdir()
    monkeypatch.setenv(data.ENV_DIR, str(folder))
    monkeypatch.setattr(data.registry, "PROJECT_DATA", tmp_path / "no-project-data")
    monkeypatch.delenv(data.ENV_REQUIRE, raising=False)
    return folder


def test_missing_file_error_says_where_it_looked_and_how_to_install(empty_env):
    with pytest.raises(data.CourseDataMissing) as info:
        data.load("toy_data")
    msg = str(info.value)
    assert "toy_data.txt not found" in msg
    assert str(empty_env) in msg and "no-project-data" in msg
    assert "python -m cfgmm_lib.data install" in msg and "netflix.tar.gz" in msg


def test_unknown_name_is_refused():
    with pytest.raises(ValueError, match="unknown course file 'movies'"):
        data.load("movies")


def test_wrong_checksum_is_refused(empty_env):
    (empty_env / "toy_data.txt").write_text("1 2\n3 4\n")
    with pytest.raises(data.DataFileError, match="is not the course's toy_data.txt: its SHA-256"):
        data.load("toy_data.txt")


def test_load_finds_files_in_CFGMM_DATA(course):
    # the course fixture found them; load returns the right shapes and values
    for name, cf in data.COURSE_FILES.items():
        value = data.load(name)
        if cf.shape:
            assert value.shape == cf.shape
    X = data.load("netflix_incomplete")
    assert set(np.unique(X)) <= {0, 1, 2, 3, 4, 5}
    assert (X == 0).mean() == pytest.approx(0.228, abs=5e-4)


def test_load_or_standin_falls_back_with_a_warning(empty_env):
    with pytest.warns(UserWarning, match="synthetic stand-in"):
        X, standin = data.load_or_standin("toy_data")
    assert standin and X.shape == (250, 2)


def test_load_or_standin_fails_when_data_is_required(empty_env, monkeypatch):
    monkeypatch.setenv(data.ENV_REQUIRE, "1")
    with pytest.raises(data.CourseDataMissing):
        data.load_or_standin("toy_data")


def test_sums_in_the_code_match_the_data_readme():
    readme = (Path(__file__).parent.parent / "data" / "README.md").read_text()
    for cf in data.COURSE_FILES.values():
        assert cf.sha256 in readme and cf.name in readme


# ----- synthetic stand-ins -----

@pytest.mark.parametrize("name", [n for n in data.COURSE_FILES if n != "test_solutions.txt"])
def test_standins_have_the_course_shapes_and_ranges_and_are_deterministic(name):
    a = data.synthetic(name)
    b = data.synthetic(name)
    np.testing.assert_array_equal(a, b)
    assert a.shape == data.COURSE_FILES[name].shape
    if name.startswith(("netflix", "test")):
        assert set(np.unique(a)) <= {0, 1, 2, 3, 4, 5}
        if "incomplete" in name:
            assert 0.1 < (a == 0).mean() < 0.3 and ((a != 0).sum(axis=1) > 0).all()
        else:
            assert (a > 0).all()
    else:
        assert np.abs(a).max() < 20


def test_standin_incomplete_is_the_complete_with_holes():
    c, i = data.synthetic("netflix_complete"), data.synthetic("netflix_incomplete")
    np.testing.assert_array_equal(i[i != 0], c[i != 0])


def test_no_standin_for_solutions():
    with pytest.raises(ValueError, match="no synthetic stand-in"):
        data.synthetic("test_solutions")


#: SHA-256 of each stand-in as little-endian float64 bytes, recorded when the generators were
#: written (commit e8f6b1f). A changed seed, size or planted mixture changes them. So would a NumPy
#: release that changes ``default_rng``'s streams (NEP 19 allows it): then the stand-ins, and every
#: number the notebooks print on them, did change, and this pin says so.
STANDIN_SHA256 = {
    "toy_data.txt": "19395596f22133b48b32773d184f46e3c3f8f640902bc15eed543809ff203ac1",
    "test_incomplete.txt": "6f85c084051e521d3d6db20b3cb61b1c1667eb262ce3015babe3c6d01e908c3f",
    "test_complete.txt": "eabc850dab6a9f8f4e030dea18b42fed741c7ad94c43902153515bb1faf693ba",
    "netflix_incomplete.txt": "c99b5d074773db0e71e24d766c4960e515c4dfd930312ce176d7f4841da50645",
    "netflix_complete.txt": "a44c298490b06f9146742da589487f9cddb967eefa3d4a90ee761b2ecf742645",
}


@pytest.mark.parametrize("name", sorted(STANDIN_SHA256))
def test_standins_are_pinned_by_their_hash(name):
    """The stand-ins are the same arrays on every machine and in every version of the project."""
    a = np.ascontiguousarray(data.synthetic(name), dtype="<f8")
    assert hashlib.sha256(a.tobytes()).hexdigest() == STANDIN_SHA256[name]


def test_every_standin_is_pinned():
    assert set(STANDIN_SHA256) == {n for n, cf in data.COURSE_FILES.items() if cf.shape is not None}


# ----- CI cannot be switched to stand-ins -----

def test_requirement_wins_over_forced_standins(monkeypatch, course):
    """With both CFGMM_FORCE_STANDIN=1 and CFGMM_REQUIRE_COURSE_DATA=1, the course data is used."""
    monkeypatch.setenv(data.ENV_FORCE_STANDIN, "1")
    monkeypatch.setenv(data.ENV_REQUIRE, "1")
    with pytest.warns(UserWarning, match="ignored"):
        assert data.using_standins() is False
    with pytest.warns(UserWarning, match="ignored"):
        X, standin = data.load_or_standin("toy_data")
    assert standin is False
    np.testing.assert_array_equal(X, course("toy_data"))


def test_requirement_with_forced_standins_and_no_data_is_an_error(empty_env, monkeypatch):
    monkeypatch.setenv(data.ENV_FORCE_STANDIN, "1")
    monkeypatch.setenv(data.ENV_REQUIRE, "1")
    with pytest.warns(UserWarning, match="ignored"), pytest.raises(data.CourseDataMissing):
        data.load_or_standin("toy_data")
    with pytest.warns(UserWarning, match="ignored"), pytest.raises(data.CourseDataMissing):
        data.using_standins()


@pytest.mark.slow
@pytest.mark.parametrize("workers", [[], ["-n", "2", "--dist", "loadfile"]], ids=["one-process", "xdist"])
def test_required_but_missing_data_fails_each_notebook_cell_saying_why(tmp_path, workers):
    """CI's switch with no course data: the notebooks' cells fail with the reason, also under xdist
    (where a UsageError raised in a worker left only an INTERNALERROR naming neither)."""
    nbformat = pytest.importorskip("nbformat")
    root = Path(__file__).resolve().parent.parent
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "conftest.py").write_text((root / "conftest.py").read_text())  # at the root, as in the project
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1"), nbformat.v4.new_code_cell("2 + 2")])
    nbformat.write(nb, tmp_path / "notebooks" / "01_uses_data.ipynb")
    (tmp_path / "notebooks" / "01_uses_data.py").write_text("data_banner(X)\n")
    (tmp_path / "nothing").mkdir()
    # the project's own data/ may hold the course files on a developer's machine: hide it
    (tmp_path / "hide_project_data.py").write_text(
        "from pathlib import Path\nimport cfgmm_lib.data.registry as r\n"
        f"r.PROJECT_DATA = Path({str(tmp_path / 'no-project-data')!r})\n")
    env = {**os.environ, data.ENV_DIR: str(tmp_path / "nothing"), data.ENV_REQUIRE: "1",
           "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    for name in (data.ENV_FORCE_STANDIN, "PYTEST_ADDOPTS", "COLUMNS"):  # the caller's options stay out
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "tests.fast_startup", "-p", "hide_project_data", "-p", "no:anyio",
         "-p", "no:cacheprovider", "-q", *workers, "notebooks", "--nbval-lax", "--nbval-current-env"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    text = out.stdout + out.stderr
    assert "INTERNALERROR" not in text, text[-3000:]
    assert out.returncode == 1, text[-3000:]  # tests failed (not 3, an internal error; not 4, a usage error)
    assert text.count("ERROR at setup of notebooks/01_uses_data.ipynb::Cell") == 2 and "2 errors" in text, text[-3000:]
    assert "CFGMM_REQUIRE_COURSE_DATA=1 but the course data is missing" in text and "toy_data.txt not found" in text


def test_load_or_standin_without_its_warning_gives_the_same_standin(empty_env):
    """``warn=False``: the notebooks' banner says it once; the stand-in is the same."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        X, standin = data.load_or_standin("toy_data", warn=False)
    assert standin
    np.testing.assert_array_equal(X, data.synthetic("toy_data"))


def _banner(monkeypatch, standin, names):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda obj, **kw: shown.append(obj.data))
    from cfgmm_lib.checkpoints import data_banner

    data_banner(standin, names)
    assert len(shown) == 1
    return shown[0]


def test_banner_says_the_files_are_not_installed_when_they_are_not(empty_env, monkeypatch):
    monkeypatch.delenv(data.ENV_FORCE_STANDIN, raising=False)
    html = _banner(monkeypatch, True, ["toy_data", "netflix_incomplete"])
    assert "Synthetic stand-in data" in html
    assert "The course files (toy_data, netflix_incomplete) are not installed" in html
    assert "CFGMM_FORCE_STANDIN" not in html


def test_banner_names_the_missing_files_when_some_are_installed(tmp_path, monkeypatch):
    import shutil

    try:
        toy = data.find("toy_data")
    except data.CourseDataMissing:
        pytest.skip("needs the course's toy_data.txt")
    shutil.copy(toy, tmp_path / "toy_data.txt")  # toy_data installed, netflix_incomplete not
    monkeypatch.setenv(data.ENV_DIR, str(tmp_path))
    monkeypatch.setattr(data.registry, "PROJECT_DATA", tmp_path / "no-project-data")
    monkeypatch.delenv(data.ENV_FORCE_STANDIN, raising=False)
    html = _banner(monkeypatch, True, ["toy_data", "netflix_incomplete"])
    assert "Of the course files (toy_data, netflix_incomplete), netflix_incomplete is not installed" in html


def test_banner_under_forced_standins_does_not_say_the_files_are_missing(monkeypatch):
    """``CFGMM_FORCE_STANDIN=1``: notebook 00 lists the files as installed, and the banner gives the switch as
    the reason, not missing files."""
    monkeypatch.setenv(data.ENV_FORCE_STANDIN, "1")
    monkeypatch.delenv(data.ENV_REQUIRE, raising=False)
    html = _banner(monkeypatch, True, ["toy_data"])
    assert "<code>CFGMM_FORCE_STANDIN=1</code> is set" in html and "whether they are installed or not" in html
    assert "not installed" not in html


def test_forced_standins_without_the_requirement(monkeypatch):
    monkeypatch.setenv(data.ENV_FORCE_STANDIN, "1")
    monkeypatch.delenv(data.ENV_REQUIRE, raising=False)
    assert data.using_standins() is True
    with pytest.warns(UserWarning, match="synthetic stand-in"):
        X, standin = data.load_or_standin("toy_data")
    assert standin is True
    np.testing.assert_array_equal(X, data.synthetic("toy_data"))


# ----- install -----

def fake_course(tmp_path, monkeypatch):
    """Pretend the course files are tiny files whose sums we register."""
    src = tmp_path / "src"
    src.mkdir()
    fake = {}
    for i, (name, cf) in enumerate(data.COURSE_FILES.items()):
        content = f"{i} {i + 1}\n{i + 2} {i + 3}\n".encode()
        (src / name).write_bytes(content)
        fake[name] = data.CourseFile(name, (2, 2) if cf.shape else None, hashlib.sha256(content).hexdigest(), "")
    monkeypatch.setattr(data.registry, "COURSE_FILES", fake)
    return src


def make_tar(path, members):
    """members: list of (TarInfo kwargs, bytes or None)."""
    with tarfile.open(path, "w:gz") as tar:
        for info_kwargs, content in members:
            info = tarfile.TarInfo(info_kwargs.pop("name"))
            for k, v in info_kwargs.items():
                setattr(info, k, v)
            if content is not None:
                info.size = len(content)
                tar.addfile(info, io.BytesIO(content))
            else:
                tar.addfile(info)
    return path


def test_install_from_folder_and_archive(tmp_path, monkeypatch):
    src = fake_course(tmp_path, monkeypatch)
    dest = tmp_path / "dest"
    report = data.install(src, dest)
    assert all("installed" in line for line in report), report
    for name in data.COURSE_FILES:
        assert (dest / name).read_bytes() == (src / name).read_bytes()
    archive = make_tar(tmp_path / "netflix.tar.gz",
                       [({"name": f"netflix/{n}"}, (src / n).read_bytes()) for n in data.COURSE_FILES]
                       + [({"name": "netflix/main.py"}, b"print('hi')")])
    dest2 = tmp_path / "dest2"
    report = data.install(archive, dest2)
    assert sorted(p.name for p in dest2.iterdir()) == sorted(data.COURSE_FILES)  # main.py not taken
    # again: nothing changes
    mtimes = {p: p.stat().st_mtime_ns for p in dest2.iterdir()}
    report = data.install(archive, dest2)
    assert all("already installed, unchanged" in line for line in report)
    assert mtimes == {p: p.stat().st_mtime_ns for p in dest2.iterdir()}


def test_install_never_silently_overwrites(tmp_path, monkeypatch):
    src = fake_course(tmp_path, monkeypatch)
    dest = tmp_path / "dest"
    dest.mkdir()
    (dest / "toy_data.txt").write_text("my own edits\n")
    with pytest.raises(data.DataFileError, match="exists and differs .* use --force"):
        data.install(src, dest)
    assert (dest / "toy_data.txt").read_text() == "my own edits\n"
    assert sorted(p.name for p in dest.iterdir()) == ["toy_data.txt"]  # nothing else written either
    data.install(src, dest, force=True)
    assert (dest / "toy_data.txt").read_bytes() == (src / "toy_data.txt").read_bytes()


@pytest.mark.parametrize("force", [False, True])
def test_a_folder_where_a_course_file_goes_is_refused_before_anything_is_written(tmp_path, monkeypatch, force):
    src = fake_course(tmp_path, monkeypatch)
    dest = tmp_path / "dest"
    (dest / "test_complete.txt").mkdir(parents=True)  # not the first file: the others must not be written
    (dest / "test_complete.txt" / "mine.txt").write_text("kept\n")
    with pytest.raises(data.DataFileError, match="nothing installed: .*test_complete.txt is a folder .* move it away"):
        data.install(src, dest, force=force)
    assert sorted(p.name for p in dest.iterdir()) == ["test_complete.txt"]
    assert (dest / "test_complete.txt" / "mine.txt").read_text() == "kept\n"


def test_install_refuses_wrong_checksum(tmp_path, monkeypatch):
    src = fake_course(tmp_path, monkeypatch)
    (src / "test_complete.txt").write_text("9 9\n9 9\n")
    dest = tmp_path / "dest"
    with pytest.raises(data.DataFileError, match="test_complete.txt: SHA-256 .* does not match"):
        data.install(src, dest)
    assert not dest.exists() or not any(dest.iterdir())


def test_a_refused_file_is_closed_before_the_error_reaches_the_caller(tmp_path, monkeypatch):
    from cfgmm_lib.data import installer

    src = fake_course(tmp_path, monkeypatch)
    (src / "test_complete.txt").write_text("9 9\n9 9\n")
    opened = []

    def recording_open(*args, **kwargs):
        opened.append(open(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(installer, "open", recording_open, raising=False)
    with pytest.raises(data.DataFileError, match="test_complete.txt: SHA-256") as info:
        data.install(src, tmp_path / "dest")
    assert opened and all(fh.closed for fh in opened), "the caller holds the error (info); no file may stay open"


def test_an_unreadable_file_in_a_folder_is_not_called_a_damaged_archive(tmp_path, monkeypatch):
    from cfgmm_lib.data import installer

    src = fake_course(tmp_path, monkeypatch)

    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise OSError(5, "Input/output error")

    monkeypatch.setattr(installer, "open", lambda *a, **k: Unreadable(), raising=False)
    with pytest.raises(data.DataFileError) as info:
        data.install(src, tmp_path / "dest")
    message = str(info.value)
    assert message.startswith(f"{src}: a course file could not be read (OSError: [Errno 5] Input/output error)")
    assert "tar.gz" not in message and message.endswith("nothing installed")
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("where", ["create", "write"])
@pytest.mark.parametrize("archive", [False, True])
def test_a_full_disk_is_not_blamed_on_the_course_files(tmp_path, monkeypatch, where, archive):
    from cfgmm_lib.data import installer

    src = fake_course(tmp_path, monkeypatch)
    if archive:
        src = make_tar(tmp_path / "netflix.tar.gz", [({"name": f"netflix/{n}"}, (src / n).read_bytes())
                                                     for n in data.COURSE_FILES])
    full = OSError(28, "No space left on device")

    class Full(io.BytesIO):
        def write(self, *args):
            raise full

    def temporary_file():
        if where == "create":
            raise full
        return Full()

    monkeypatch.setattr(installer.tempfile, "TemporaryFile", temporary_file)
    with pytest.raises(OSError) as info:
        data.install(src, tmp_path / "dest")
    assert not isinstance(info.value, data.DataFileError)
    assert str(info.value).startswith("nothing installed: a temporary copy of a course file could not be written "
                                      "(OSError: [Errno 28] No space left on device)")
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("evil", [
    {"name": "../toy_data.txt"},
    {"name": "/tmp/toy_data.txt"},
    {"name": "netflix/../../toy_data.txt"},
    {"name": "netflix/toy_data.txt", "type": tarfile.SYMTYPE, "linkname": "/etc/passwd"},
    {"name": "netflix/toy_data.txt", "type": tarfile.LNKTYPE, "linkname": "netflix/test_complete.txt"},
    {"name": "netflix/toy_data.txt", "type": tarfile.CHRTYPE},
])
def test_malicious_archive_installs_nothing(tmp_path, monkeypatch, evil):
    src = fake_course(tmp_path, monkeypatch)
    good = [({"name": f"netflix/{n}"}, (src / n).read_bytes()) for n in data.COURSE_FILES if n != "toy_data.txt"]
    content = None if "type" in evil else (src / "toy_data.txt").read_bytes()
    archive = make_tar(tmp_path / "evil.tar.gz", good + [(dict(evil), content)])
    dest = tmp_path / "project" / "data"
    with pytest.raises(data.DataFileError, match="(?s)nothing installed.*refused"):
        data.install(archive, dest)
    assert not dest.exists()
    assert not (tmp_path / "project" / "toy_data.txt").exists()
    assert not (tmp_path / "toy_data.txt").exists()


def test_archive_with_oversized_member_is_refused(tmp_path, monkeypatch):
    fake_course(tmp_path, monkeypatch)
    monkeypatch.setattr(data.installer, "MAX_FILE_BYTES", 10)
    archive = make_tar(tmp_path / "big.tar.gz", [({"name": "toy_data.txt"}, b"1 2\n" * 100)])
    with pytest.raises(data.DataFileError, match="too large"):
        data.install(archive, tmp_path / "dest")


def test_install_refuses_junk(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(data.DataFileError, match="not a readable .tar.gz"):
        data.install(junk, tmp_path / "dest")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        data.install(tmp_path / "nope.tar.gz", tmp_path / "dest")
    empty = make_tar(tmp_path / "empty.tar.gz", [({"name": "readme.md"}, b"hi")])
    with pytest.raises(data.DataFileError, match="holds none of the course files"):
        data.install(empty, tmp_path / "dest")


def test_install_command_line(tmp_path, course):
    """The real CLI on the real files: `python -m cfgmm_lib.data install FOLDER --dest D`."""
    folder = data.find("toy_data").parent
    dest = tmp_path / "d"
    env = {**os.environ, data.ENV_DIR: str(dest)}
    out = subprocess.run([sys.executable, "-m", "cfgmm_lib.data", "install", str(folder), "--dest", str(dest)],
                         capture_output=True, text=True, env=env, check=True).stdout
    assert out.count("SHA-256 verified") == 6
    status = subprocess.run([sys.executable, "-m", "cfgmm_lib.data", "status"],
                            capture_output=True, text=True, env=env, check=True).stdout
    assert status.count("  ok ") == 6
    bad = subprocess.run([sys.executable, "-m", "cfgmm_lib.data", "install", str(tmp_path / "none")],
                         capture_output=True, text=True, env=env)
    assert bad.returncode == 1 and "does not exist" in bad.stderr


def test_install_report_says_what_happened_to_each_file(tmp_path, monkeypatch):
    """One line per course file, in the registry's order; byte counts are the files' lengths."""
    src = fake_course(tmp_path, monkeypatch)
    names = list(data.COURSE_FILES)
    first = names[0]
    size = {n: len((src / n).read_bytes()) for n in names}
    partial = make_tar(tmp_path / "partial.tar.gz",
                       [({"name": f"netflix/{n}"}, (src / n).read_bytes()) for n in names[1:]])
    dest = tmp_path / "a" / "b" / "dest"  # its parents do not exist yet: they are created
    assert data.install(partial, dest) == (
        [f"{first}: not in partial.tar.gz"]
        + [f"{n}: installed ({size[n]:,} bytes, SHA-256 verified)" for n in names[1:]])
    assert sorted(p.name for p in dest.iterdir()) == sorted(names[1:])
    # the whole folder: the missing one is installed, the others are left alone (the next ones too)
    assert data.install(src, dest) == (
        [f"{first}: installed ({size[first]:,} bytes, SHA-256 verified)"]
        + [f"{n}: already installed, unchanged" for n in names[1:]])
    # the partial archive again: the file it lacks is there already
    assert data.install(partial, dest) == (
        [f"{first}: not in partial.tar.gz (already installed)"]
        + [f"{n}: already installed, unchanged" for n in names[1:]])
    for n in names:
        assert (dest / n).read_bytes() == (src / n).read_bytes()


def test_install_without_dest_uses_CFGMM_DATA_else_the_project_data(tmp_path, monkeypatch):
    src = fake_course(tmp_path, monkeypatch)
    project = tmp_path / "project-data"  # stands in for the checkout's data/, which is never touched
    monkeypatch.setattr(data.registry, "PROJECT_DATA", project)
    env_dir = tmp_path / "env-data"
    monkeypatch.setenv(data.ENV_DIR, str(env_dir))
    data.install(src)
    assert sorted(p.name for p in env_dir.iterdir()) == sorted(data.COURSE_FILES)
    assert not project.exists()
    monkeypatch.delenv(data.ENV_DIR)
    data.install(src)
    assert sorted(p.name for p in project.iterdir()) == sorted(data.COURSE_FILES)


def test_unreadable_and_empty_archive_messages_carry_their_facts(tmp_path):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    with pytest.raises(tarfile.ReadError) as raw:  # what tarfile itself says about it
        tarfile.open(junk, "r:*")
    with pytest.raises(data.DataFileError) as info:
        data.install(junk, tmp_path / "dest")
    # the underlying error's type and text, on one line
    assert f"ReadError: {' '.join(str(raw.value).split())}" in str(info.value)
    assert "\n" not in str(info.value)
    empty = make_tar(tmp_path / "empty.tar.gz", [({"name": "readme.md"}, b"hi")])
    with pytest.raises(data.DataFileError) as info:
        data.install(empty, tmp_path / "dest")
    assert f"holds none of the course files ({', '.join(data.COURSE_FILES)})" in str(info.value)
    assert not (tmp_path / "dest").exists()


def test_each_file_is_written_beside_its_target_under_a_hidden_name_then_renamed(tmp_path, monkeypatch):
    """Same folder, so the rename is atomic (one filesystem); hidden, so a crash leaves no file that looks like data."""
    src = fake_course(tmp_path, monkeypatch)
    dest = tmp_path / "dest"
    renames, real_replace = [], os.replace
    monkeypatch.setattr(os, "replace", lambda a, b: renames.append((Path(a), Path(b))) or real_replace(a, b))
    data.install(src, dest)
    assert sorted(b.name for _, b in renames) == sorted(data.COURSE_FILES)
    for a, b in renames:
        assert a.parent == b.parent == dest and a.name.startswith("."), (a, b)
    assert sorted(p.name for p in dest.iterdir()) == sorted(data.COURSE_FILES)  # no temporary file left


def test_a_failed_write_raises_its_own_error_and_leaves_no_partial_file(tmp_path, monkeypatch):
    src = fake_course(tmp_path, monkeypatch)
    dest = tmp_path / "dest"

    def disk_full(a, b):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", disk_full)
    with pytest.raises(OSError, match="No space left on device"):
        data.install(src, dest)
    assert list(dest.iterdir()) == []


class Interrupt(BaseException):
    """Stands in for a signal (Ctrl-C) arriving at any bytecode boundary."""


def test_an_interrupt_just_after_a_rename_is_not_masked(tmp_path, monkeypatch):
    src = fake_course(tmp_path, monkeypatch)
    dest = tmp_path / "dest"
    real_replace = os.replace

    def replace_then_interrupt(a, b):
        real_replace(a, b)
        raise Interrupt

    monkeypatch.setattr(os, "replace", replace_then_interrupt)
    with pytest.raises(Interrupt):  # not a FileNotFoundError from cleaning up the renamed file
        data.install(src, dest)
    first = next(iter(data.COURSE_FILES))
    assert [p.name for p in dest.iterdir()] == [first]
    assert (dest / first).read_bytes() == (src / first).read_bytes()
