"""``python -m benchmarks``: one entry point for every benchmark script."""

import importlib
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def suite(monkeypatch):
    monkeypatch.syspath_prepend(str(REPO))
    return importlib.import_module("benchmarks.__main__")


def test_every_script_is_registered(suite):
    scripts = {p.stem for p in (REPO / "benchmarks").glob("bench_*.py")}
    assert {module for module, _, _ in suite.BENCHMARKS.values()} == scripts


def test_list_and_unknown_names(suite, capsys):
    assert suite.main(["--list"]) == 0
    assert "compare" in capsys.readouterr().out
    assert suite.main(["no_such_bench"]) == 2
    assert "python -m benchmarks --list" in capsys.readouterr().err


def test_runs_a_script_whose_main_reads_sys_argv(suite, capsys):
    argv = list(sys.argv)
    suite.main(["datasets", "--n-clips", "2", "--duration", "1"])
    out = capsys.readouterr().out
    assert "generate, n_jobs=1" in out and sys.argv == argv
