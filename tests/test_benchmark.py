"""The benchmark script runs and prints its ratios (no timing is asserted: machines are noisy)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_benchmark_prints_its_ratios():
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_em.py"), "--rounds", "1", "--skip-loop"],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    ).stdout
    assert "ours / floor" in out and "(target <= 1.3)" in out
    assert "Handout sweep" in out and "Peak memory" in out
    ratio = float(out.split("ours / floor")[1].split()[0])
    assert ratio > 0
