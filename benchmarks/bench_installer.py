"""Peak memory of the course-file installer: a normal install beside hostile archives, in one run.

    python benchmarks/bench_installer.py [--course-data FOLDER]

Each scenario runs in a fresh subprocess, which reports its peak resident memory
(``ru_maxrss``) and the peak of Python's own allocations (``tracemalloc``); the
baseline is a subprocess that only imports the package. The normal install uses an
archive of the six course files (built in a temporary folder from ``$CFGMM_DATA``,
never committed); without them, it uses stand-in files of the same sizes.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

CHILD = r'''
import json, resource, sys, tracemalloc
from pathlib import Path
mode, archive, dest = sys.argv[1:4]
from cfgmm_lib import data
if mode == "fake":  # stand-in sums for the stand-in files
    import hashlib
    fake = json.loads(Path(sys.argv[4]).read_text())
    data.registry.COURSE_FILES = {n: data.CourseFile(n, None, s, "") for n, s in fake.items()}
tracemalloc.start()
outcome = "-"
if archive != "-":
    outcome = "installed"
    try:
        data.install(archive, dest)
    except data.DataFileError as exc:
        outcome = "refused: " + str(exc)[:90]
peak = tracemalloc.get_traced_memory()[1]
print(json.dumps({"maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "python_peak_mb": peak / 2**20, "outcome": outcome}))
'''

NAMES = ("toy_data.txt", "test_incomplete.txt", "test_complete.txt", "test_solutions.txt",
         "netflix_incomplete.txt", "netflix_complete.txt")


def child(mode: str, archive: str, dest: str, extra: str = "", code: str | None = None) -> dict:
    """Run one scenario in a fresh interpreter; ``code``: a checkout whose cfgmm_lib to use instead."""
    env = dict(os.environ)
    if code:
        env["PYTHONPATH"] = code
    out = subprocess.run([sys.executable, "-c", CHILD, mode, archive, dest] + ([extra] if extra else []),
                         capture_output=True, text=True, check=True, env=env, cwd=code or None)
    return json.loads(out.stdout)


def add(tar: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    tar.addfile(info, io.BytesIO(content))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--course-data", default=os.environ.get("CFGMM_DATA"))
    parser.add_argument("--compare", metavar="CHECKOUT",
                        help="also run the hostile archive against another checkout's cfgmm_lib (say, main's)")
    args = parser.parse_args()
    from cfgmm_lib.data import installer

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = Path(args.course_data) if args.course_data else None
        mode = "real" if folder and all((folder / n).is_file() for n in NAMES) else "fake"
        files = {n: (folder / n).read_bytes() if mode == "real" else os.urandom(2_900_000 if "netflix" in n else 2000)
                 for n in NAMES}
        sums = tmp / "sums.json"
        import hashlib

        sums.write_text(json.dumps({n: hashlib.sha256(c).hexdigest() for n, c in files.items()}))
        normal = tmp / "netflix.tar.gz"
        with tarfile.open(normal, "w:gz") as tar:
            for n, c in files.items():
                add(tar, f"netflix/{n}", c)
        # the tester's archive: many same-named members, each under the per-member cap; here each is
        # the genuine file, so every one verifies and only the bound on the total stops it
        same_named = tmp / "same_named.tar.gz"
        with tarfile.open(same_named, "w:gz", compresslevel=1) as tar:
            for i in range(240):
                add(tar, f"netflix/{i}/netflix_complete.txt", files["netflix_complete.txt"])
        # many tiny members (tarfile would keep a header object for each)
        many = tmp / "many_members.tar.gz"
        with tarfile.open(many, "w:gz", compresslevel=1) as tar:
            for i in range(30_000):
                add(tar, f"junk/{i}.txt", b"x")
        truncated = tmp / "truncated.tar.gz"
        truncated.write_bytes(normal.read_bytes()[: normal.stat().st_size // 2])

        rows = [("baseline (import only)", child(mode, "-", "-", str(sums)))]
        for label, archive in (("normal install", normal), ("240 same-named genuine members", same_named),
                               ("30,000 tiny members", many), ("truncated .tar.gz", truncated)):
            rows.append((label, child(mode, str(archive), str(tmp / f"dest-{label[:6]}"), str(sums))))
        if args.compare and mode == "real":
            for label, archive in (("normal install", normal), ("240 same-named genuine members", same_named)):
                rows.append((f"{label} [{args.compare}]",
                             child(mode, str(archive), str(tmp / f"old-{label[:6]}"), str(sums), args.compare)))
    base = rows[0][1]["maxrss_mb"]
    print(f"installer peak memory ({'course files' if mode == 'real' else 'stand-in files'}), one run:")
    print(f"{'scenario':46s} {'max RSS':>9s} {'over base':>10s} {'Python peak':>12s}  outcome")
    for label, r in rows:
        print(f"{label:46s} {r['maxrss_mb']:8.1f}M {r['maxrss_mb'] - base:9.1f}M {r['python_peak_mb']:11.2f}M  "
              f"{r['outcome']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
