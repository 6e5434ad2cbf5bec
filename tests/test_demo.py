"""`skmer demo` runs from the installed package (skmer.demo), here at a tiny size."""

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_demo_runs_from_the_package(tmp_path):
    env = {**os.environ, "SKMER_DEMO_CLIPS": "9", "SKMER_DEMO_EPOCHS": "1",
           "SKMER_DEMO_OUTPUT": str(tmp_path / "out"), "SKMER_DATA": str(tmp_path / "data"),
           "MPLBACKEND": "Agg"}
    run = subprocess.run([sys.executable, "-m", "skmer", "demo"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    table = (tmp_path / "out" / "comparison.md").read_text()
    assert "| ADFF (cpu preset) |" in table and "| ADFF (scratch preset) |" in table
    assert "| SVR (AudioFeatures) |" in table
    assert (tmp_path / "out" / "adff.skmer").stat().st_size > 0
    assert (tmp_path / "out" / "valence_arousal.png").stat().st_size > 5000
