"""The timing benchmarks' history: ``_suite.record_timings`` and ``python -m benchmarks history``.

Entries here are written to temporary files; benchmarks/timings.jsonl is never touched.
"""

import argparse
import importlib
import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "benchmarks"


@pytest.fixture
def modules(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(REPO))
    monkeypatch.syspath_prepend(str(BENCH))
    monkeypatch.setenv("SKMER_TIMINGS", str(tmp_path / "env.jsonl"))
    suite = importlib.import_module("_suite")
    return suite, importlib.import_module("_history"), importlib.import_module(
        "benchmarks.__main__")


def _args(suite, argv):
    return suite.add_history_options(argparse.ArgumentParser()).parse_args(argv)


def test_record_timings_appends_one_line_per_figure(modules, tmp_path):
    suite, _, _ = modules
    path = tmp_path / "h.jsonl"
    args = _args(suite, ["--history", str(path)])
    assert suite.record_timings("bench_x", "smoke", [("a", 1.5, "s"), ("b", 2, "GFLOP/s",
                                                                       "higher")], args) == path
    suite.record_timings("bench_x", "smoke (batch=4)", [("a", 1.25, "s")], args)
    entries = [json.loads(line) for line in path.read_text().splitlines()]
    assert [(e["figure"], e["value"], e["unit"], e["better"], e["size"]) for e in entries] == [
        ("a", 1.5, "s", "lower", "smoke"), ("b", 2.0, "GFLOP/s", "higher", "smoke"),
        ("a", 1.25, "s", "lower", "smoke (batch=4)")]
    for e in entries:
        assert e["benchmark"] == "bench_x" and re.fullmatch(r"\d{4}-\d\d-\d\dT.*", e["date"])
        assert re.fullmatch(r"([0-9a-f]{4,}(\+dirty)?|unknown)", e["commit"])
        assert f"{os.cpu_count()} cores" in e["machine"]
    # $SKMER_TIMINGS without --history; nothing at all with --no-history or --no-write
    suite.record_timings("bench_x", "smoke", [("a", 1.0, "s")], _args(suite, []))
    assert len((tmp_path / "env.jsonl").read_text().splitlines()) == 1
    assert suite.record_timings("bench_x", "smoke", [("a", 1.0, "s")],
                                _args(suite, ["--history", str(path), "--no-history"])) is None
    no_write = _args(suite, ["--history", str(path)])
    no_write.no_write = True
    assert suite.record_timings("bench_x", "smoke", [("a", 1.0, "s")], no_write) is None
    assert len(path.read_text().splitlines()) == 3


def test_size_label(modules):
    suite, _, _ = modules
    assert suite.size_label("smoke") == "smoke"
    assert suite.size_label("default", {"width": "1", "batch": 4}) == "default (batch=4, width=1)"


def _write(path, rows):
    with open(path, "w") as f:
        for benchmark, figure, value, size, commit, *better in rows:
            f.write(json.dumps({"benchmark": benchmark, "figure": figure, "value": value,
                                "unit": "GFLOP/s" if better else "s",
                                "better": better[0] if better else "lower", "commit": commit,
                                "date": "2026-01-01T00:00:00+00:00", "size": size,
                                "machine": "cpu, 2 cores", "load": [1.0, 1.5]}) + "\n")
        f.write("\nnot json\n")


def test_history_flags_a_slowdown_against_the_median_before(modules, tmp_path, capsys):
    _, history, main = modules
    path = tmp_path / "h.jsonl"
    _write(path, [
        ("bench_t", "step", 1.0, "smoke", "aaa1111"),
        ("bench_t", "step", 1.1, "smoke", "bbb2222"),
        ("bench_t", "step", 0.9, "smoke", "ccc3333"),
        ("bench_t", "step", 1.3, "smoke", "ddd4444"),          # +30% vs median 1.0
        ("bench_t", "step", 9.0, "default", "ddd4444"),        # another size: its own series
        ("bench_t", "rate", 100.0, "smoke", "aaa1111", "higher"),
        ("bench_t", "rate", 90.0, "smoke", "ddd4444", "higher"),  # 11% slower: not flagged
    ])
    assert main.main(["history", "--file", str(path)]) == 0
    out = capsys.readouterr()
    assert "not a timing entry" in out.err
    lines = out.out.splitlines()
    start = lines.index("  step [s, lower is better]") + 1
    step = lines[start:lines.index("  rate [GFLOP/s, higher is better]")]
    assert [line.split()[2] for line in step] == ["aaa1111", "bbb2222", "ccc3333", "ddd4444"]
    assert step[0].split()[3:] == ["1", "load", "1.0/1.5"]  # the first has nothing before it
    assert step[-1].endswith("30% slower than the median of 3 before  <-- SLOWER")
    assert "SLOWER" not in "".join(step[:-1])
    assert lines.index("bench_t | size default | cpu, 2 cores") > start
    assert "size default" in out.out and "11% slower" in out.out
    assert "1 figure(s) slower at their newest value" in out.out
    # --check fails on it; filters and --last narrow the report
    assert history.main(["--file", str(path), "--check"]) == 1
    assert history.main(["--file", str(path), "--check", "--figure", "RATE"]) == 0
    capsys.readouterr()
    history.main(["--file", str(path), "--figure", "step", "--size", "smoke", "--last", "2"])
    out = capsys.readouterr().out
    assert "ccc3333" in out and "bbb2222" not in out and "rate" not in out
    assert "slower than the median of 2 before" in out  # the median looks back --last values
    assert history.main(["--file", str(path), "--benchmark", "nothing"]) == 0
    assert "no matching figures" in capsys.readouterr().out
    assert history.main(["--file", str(tmp_path / "absent.jsonl")]) == 0
    assert "no timing history" in capsys.readouterr().out


def test_suite_names(modules, capsys):
    _, _, main = modules
    assert main.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert "seg_num_timing" in out and "seg_num_accuracy" in out and "history" in out
    assert main.SCRIPTS["bench_seg_num_timing"] == "seg_num_timing"
    assert main.main(["seg_num"]) == 2
    assert "did you mean seg_num_timing or seg_num_accuracy?" in capsys.readouterr().err
