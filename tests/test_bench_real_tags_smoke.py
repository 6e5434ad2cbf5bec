"""bench_real's mood-tag group end to end on 24 real 4q-dev clips (2 folds, 1 epoch)."""

import importlib
import importlib.util
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"

pytestmark = pytest.mark.slow


@pytest.mark.skipif(importlib.util.find_spec("musicnn") is None,
                    reason="musicnn is not installed (pip install --no-deps musicnn)")
def test_bench_real_tags_smoke(tmp_path, monkeypatch):
    from conftest import require_test_data, test_data_root

    root = require_test_data(test_data_root() / "4q-dev")
    monkeypatch.syspath_prepend(str(BENCH))
    real = BENCH / "RESULTS.md"
    before = real.read_bytes() if real.exists() else None
    module = importlib.import_module("bench_real")
    results = tmp_path / "RESULTS.md"
    module.main(["--smoke", "--data", str(root), "--models", "tags",
                 "--cache", str(tmp_path / "cache"), "--results", str(results),
                 "--figures", str(tmp_path / "figures")])
    assert (real.read_bytes() if real.exists() else None) == before
    text = results.read_text()
    assert "## bench_real tags (4q-dev, smoke)" in text
    for name in ("CNNTagger (from scratch", "LogReg per tag (musicnn)",
                 "CNNTagger (pretrained MSD_musicnn"):
        assert f"| {name}" in text
    assert "Fine-tuned vs from scratch" in text
    rows = [line for line in text.splitlines() if line.startswith("| CNNTagger")]
    aucs = [float(row.split("|")[2].split("±")[0]) for row in rows]
    assert all(0 <= a <= 1 for a in aucs) and not np.isnan(aucs).any()
