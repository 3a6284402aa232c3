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
    assert "1 interleaved rounds" in out and "one sample is" in out  # says how each contender is timed
    assert "Handout sweep" in out and "Peak memory" in out
    ratio = float(out.split("ours / floor")[1].split()[0])
    assert ratio > 0


def test_scale_benchmark_prints_its_table_and_exponent(tmp_path):
    out_json = tmp_path / "scale.json"
    out = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_scale.py"), "--sizes", "20000", "60000",
         "--rounds", "1", "--iters", "1", "--json", str(out_json)],
        capture_output=True, text=True, check=True, env={**os.environ, "PYTHONWARNINGS": "ignore"},
    ).stdout
    assert "fitted exponent of N" in out and "iteration / products" in out
    import json

    result = json.loads(out_json.read_text())
    assert [r["ratings"] for r in result["rows"]] == [20000, 60000]
    for r in result["rows"]:
        assert r["seconds_per_iteration"] > 0 and r["peak_rss_bytes"] >= r["matrix_bytes"] > 0
    assert result["exponent_seconds"] == result["exponent_seconds"]  # a number, not NaN
