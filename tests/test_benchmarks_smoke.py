"""The benchmarks run end to end at a tiny size, so they cannot rot.

``--smoke``: 10 generated clips of 2 s at 8 kHz, 2 folds, 1 epoch, width 1/16;
RESULTS.md, figures and the timing history go to a temporary folder, never to
benchmarks/.
"""

import importlib
import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"
REAL_RESULTS = BENCH / "RESULTS.md"
REAL_TIMINGS = BENCH / "timings.jsonl"

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def timings(tmp_path, monkeypatch):
    """The timing history of the test ($SKMER_TIMINGS); benchmarks/timings.jsonl is untouched."""
    before = REAL_TIMINGS.read_bytes() if REAL_TIMINGS.exists() else None
    path = tmp_path / "timings.jsonl"
    monkeypatch.setenv("SKMER_TIMINGS", str(path))
    yield path
    assert (REAL_TIMINGS.read_bytes() if REAL_TIMINGS.exists() else None) == before


def _history(path, benchmark, size):
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert entries and {e["benchmark"] for e in entries} == {benchmark}
    for e in entries:
        assert e["size"] == size and e["value"] > 0 and e["unit"]
        assert e["better"] in ("lower", "higher") and e["commit"] and e["machine"]
    return {e["figure"]: e for e in entries}


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """Data and feature cache shared by the three scripts (clips are rendered once)."""
    return tmp_path_factory.mktemp("bench_data")


def _run(script, tmp_path, shared, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.setenv("SKMER_RESULTS", str(tmp_path / "env_default.md"))
    before = REAL_RESULTS.read_bytes() if REAL_RESULTS.exists() else None
    module = importlib.import_module(script)
    results = tmp_path / "RESULTS.md"
    import torch

    threads = torch.get_num_threads()
    try:  # one thread: far faster for these tiny nets when the cores are shared
        out = module.main(["--smoke", "--threads", "1", "--data-home", str(shared),
                           "--cache", str(shared / "cache"), "--results", str(results),
                           "--figures", str(tmp_path / "figures")])
    finally:
        torch.set_num_threads(threads)
    after = REAL_RESULTS.read_bytes() if REAL_RESULTS.exists() else None
    assert before == after, "a smoke run must not touch benchmarks/RESULTS.md"
    text = results.read_text()
    assert f"## {script} (synthetic, smoke)" in text
    png = tmp_path / "figures" / f"{script}_smoke.png"
    assert png.stat().st_size > 5000
    assert f"]({png.relative_to(tmp_path)})" in text  # figure linked relative to RESULTS
    return out, text


def test_bench_compare_smoke(tmp_path, shared, monkeypatch):
    results, text = _run("bench_compare", tmp_path, shared, monkeypatch)
    expected = ["ADFF", "ADFF w/o SE", "ADFF w/o TFLM", "SVR (audio features)",
                "RF (audio features)", "SVR (log-Mel stats)", "RF (log-Mel stats)",
                "Mean of training targets"]
    assert list(results) == expected
    for name in expected:
        assert f"| {name} |" in text
        assert results[name]["r2_valence"].shape == (2,)
        assert (results[name]["rmse_arousal"] > 0).all()  # reported positive
    assert "0.6394 ± 0.02" in text  # the paper's ADFF arousal R² for orientation
    assert "Differs from the paper" in text and "_Machine:_" in text
    assert not (tmp_path / "env_default.md").exists()  # --results wins over the env var


def test_bench_lengths_smoke(tmp_path, shared, monkeypatch):
    results, text = _run("bench_lengths", tmp_path, shared, monkeypatch)
    assert set(results) == {(k, L) for k in ("simple", "full") for L in (1.0, 2.0)}
    assert "| simple |" in text and "| full |" in text
    assert "The paper's Table 3" in text


def test_bench_tasks_smoke(tmp_path, shared, monkeypatch):
    out, text = _run("bench_tasks", tmp_path, shared, monkeypatch)
    for task in ("2-category arousal", "2-category valence", "4-category"):
        acc = out["accuracy"][1.0, task]["accuracy"]
        assert ((acc >= 0) & (acc <= 100)).all()
    assert "majority class" in text and "71.48%" in text


def test_bench_seg_num_accuracy_smoke(tmp_path, shared, monkeypatch, timings):
    monkeypatch.syspath_prepend(str(BENCH))
    import torch

    bench = importlib.import_module("bench_seg_num_accuracy")
    threads = torch.get_num_threads()
    results = tmp_path / "RESULTS.md"
    try:
        out = bench.main(["--smoke", "--threads", "1", "--seg-nums", "1,2,100", "--data-home",
                          str(shared), "--cache", str(shared / "cache"), "--results",
                          str(results), "--figures", str(tmp_path / "figures")])
    finally:
        torch.set_num_threads(threads)
    assert set(out) == {1, 2}  # 100 segments of 2 frames are impossible: skipped
    text = results.read_text()
    assert "## bench_seg_num_accuracy (synthetic, smoke)" in text
    assert "Skipped seg_num [100]" in text and "## bench_seg_num_timing" not in text
    assert (tmp_path / "figures" / "bench_seg_num_accuracy_smoke.png").stat().st_size > 5000
    assert not timings.exists()  # an accuracy benchmark: no timing history


def test_bench_seg_num_timing_smoke(tmp_path, monkeypatch, timings):
    monkeypatch.syspath_prepend(str(BENCH))
    import torch

    bench = importlib.import_module("bench_seg_num_timing")
    threads = torch.get_num_threads()
    results = tmp_path / "RESULTS.md"
    try:
        out = bench.main(["--smoke", "--threads", "1", "--results", str(results)])
    finally:
        torch.set_num_threads(threads)
    assert [r["seg_num"] for r in out["rows"]] == [1, 2] and out["full_width_rows"] == []
    text = results.read_text()
    assert "## bench_seg_num_timing (smoke)" in text and "| time (h) | 4.99 |" in text
    assert "## bench_seg_num_accuracy" not in text
    figures = _history(timings, "bench_seg_num_timing", "smoke (threads=1)")
    assert len(figures) == 4 + 2 * 2 * 2  # references; train and inference x config x seg_num
    assert figures["reference conv3x3 bf16"]["better"] == "higher"
    step = figures["train step fp32, seg_num 2"]
    assert step["unit"] == "s" and step["threads"] == 1
    assert step["value"] == pytest.approx(out["rows"][1]["fp32_train"], rel=1e-5)
    # --no-write: neither RESULTS.md nor the history
    out = bench.main(["--smoke", "--threads", "1", "--seg-nums", "2", "--precision", "fp32",
                      "--no-write", "--results", str(tmp_path / "other.md")])
    assert len(timings.read_text().splitlines()) == 12 and not (tmp_path / "other.md").exists()


def test_bench_features_smoke(tmp_path, monkeypatch, timings):
    from conftest import require_test_data, test_data_root

    chorus = require_test_data(test_data_root() / "pmemo-sample" / "chorus")
    monkeypatch.syspath_prepend(str(BENCH))
    bench = importlib.import_module("bench_features")
    results = tmp_path / "RESULTS.md"
    bench.main(["--smoke", "--data", str(chorus), "--results", str(results)])
    text = results.read_text()
    assert "## bench_features (smoke)" in text and "| skmer LogMelTransformer (no cache) |" in text
    figures = _history(timings, "bench_features", "smoke")
    assert {"wall skmer LogMelTransformer (no cache)", "cold start skmer import",
            "wall skmer LogMelTransformer, cached second pass"} <= set(figures)


def test_bench_scale_smoke(tmp_path, monkeypatch, timings):
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    monkeypatch.syspath_prepend(str(BENCH))
    before = REAL_RESULTS.read_bytes() if REAL_RESULTS.exists() else None
    bench_scale = importlib.import_module("bench_scale")
    results = tmp_path / "RESULTS.md"
    bench_scale.main(["--smoke", "--data-home", str(tmp_path / "data"), "--results",
                      str(results)])
    assert (REAL_RESULTS.read_bytes() if REAL_RESULTS.exists() else None) == before
    text = results.read_text()
    assert "## bench_scale (smoke)" in text
    for run in ("n_jobs=2 (loky)", "Dask, 1 worker", "Dask, 2 workers"):
        assert f"| LogMelTransformer | {run} |" in text and f"| AudioFeatures | {run} |" in text
    # the distributed grid search reproduces the 1-thread local scores
    assert "| Dask, 2 workers (1 thread each) | 4 |" in text
    dask_row = next(line for line in text.splitlines() if line.startswith("| Dask, 2 workers ("))
    assert "| identical |" in dask_row
    figures = _history(timings, "bench_scale", "smoke")
    assert {"extraction LogMelTransformer, n_jobs=1", "cluster start-up, Dask, 2 workers",
            "grid search, Dask, 2 workers (1 thread each)"} <= set(figures)


def test_bench_real_smoke(tmp_path, monkeypatch):
    """bench_real end to end on 24 real 4q-dev clips, 2 folds, 1 epoch."""
    from conftest import require_test_data, test_data_root

    root = require_test_data(test_data_root() / "4q-dev")
    monkeypatch.syspath_prepend(str(BENCH))
    before = REAL_RESULTS.read_bytes() if REAL_RESULTS.exists() else None
    module = importlib.import_module("bench_real")
    results = tmp_path / "RESULTS.md"
    out = module.main(["--smoke", "--data", str(root), "--models", "scratch", "baselines",
                       "cpu",
                       "--cache", str(tmp_path / "cache"), "--results", str(results),
                       "--figures", str(tmp_path / "figures")])
    assert (REAL_RESULTS.read_bytes() if REAL_RESULTS.exists() else None) == before
    assert set(out) >= {"ADFF (scratch preset)", "ADFF (scratch) w/o SE",
                        "ADFF (scratch) w/o TFLM", "SVC (AudioFeatures)", "RF (log-Mel stats)"}
    have_musicnn = importlib.util.find_spec("musicnn") is not None
    if have_musicnn:  # the cpu group runs only with musicnn installed
        assert {"ADFF (cpu preset)", "ADFF (cpu) + TFLM", "ADFF (cpu) + TFLM w/o SE"} <= set(out)
    for r in out.values():
        assert r["accuracy"].shape == (2,) and ((0 <= r["accuracy"]) & (r["accuracy"] <= 1)).all()
        assert len(r["y_pred"]) == 24 and set(r["y_pred"]) <= {"Q1", "Q2", "Q3", "Q4"}
    text = results.read_text()
    assert "## bench_real (4q-dev, smoke)" in text and "| ADFF (scratch preset) |" in text
    if have_musicnn:
        assert "4Q accuracy, ADFF (cpu preset) vs ADFF (scratch preset):" in text
    assert "best baseline" in text and "Trained on the binary labels" in text
    for stem in ("bench_real_confusion_smoke", "bench_real_curves_smoke"):
        assert (tmp_path / "figures" / f"{stem}.png").stat().st_size > 5000
