"""Run skmer's benchmarks: ``python -m benchmarks <name> [options]``.

``python -m benchmarks --list`` lists them; ``python -m benchmarks quick`` runs every
benchmark that has a quick size, one after the other (``make bench``). Options after
the name go to that benchmark (``python -m benchmarks compare --size quick``); a name
may also be given as its script's (``bench_compare``), and each script also runs on its
own (``python benchmarks/bench_compare.py --quick``). Every benchmark writes its section
of ``benchmarks/RESULTS.md``; the timing benchmarks (features, seg_num_timing, scale)
also append their figures to ``benchmarks/timings.jsonl``, which
``python -m benchmarks history [--figure TEXT] [--check]`` reports per commit, flagging
slowdowns.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)

#: name -> (script module, arguments of its quick run or None, what it measures)
BENCHMARKS = {
    "features": ("bench_features", [], "front-end throughput, cache, cold start"),
    "compare": ("bench_compare", ["--quick"], "ADFF, ablations and baselines (R², CCC)"),
    "lengths": ("bench_lengths", ["--quick"], "accuracy against input length"),
    "tasks": ("bench_tasks", ["--quick"], "multi-task vs single-task ADFF"),
    "dynamic": ("bench_dynamic", ["--quick"], "DAMFF per-0.5 s curves"),
    "tagging": ("bench_tagging", ["--quick"], "CNNTagger multi-label tags"),
    "seg_num_timing": ("bench_seg_num_timing", None, "ADFF step time against seg_num"),
    "seg_num_accuracy": ("bench_seg_num_accuracy", None, "accuracy against seg_num (Figure 3)"),
    "scale": ("bench_scale", None, "n_jobs and Dask scaling"),
    "datasets": ("bench_datasets", None, "synthetic data generation"),
    "real": ("bench_real", None, "4q-dev, real music (about an hour)"),
    "real_levers": ("bench_real_levers", None, "the ADFF recipe levers on 4q-dev"),
}


#: script module -> name, so that ``python -m benchmarks bench_compare`` works too
SCRIPTS = {module: name for name, (module, _, _) in BENCHMARKS.items()}


def run(name, argv):
    """Run benchmark `name` with command-line arguments `argv`."""
    if HERE not in sys.path:
        sys.path.insert(0, HERE)  # the scripts import _suite and _report as top-level modules
    module = importlib.import_module(BENCHMARKS[name][0])
    if inspect.signature(module.main).parameters:
        return module.main(argv)
    old, sys.argv = sys.argv, [module.__file__, *argv]
    try:
        return module.main()
    finally:
        sys.argv = old


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or argv[0] in ("-h", "--help", "--list"):
        print(__doc__)
        for name, (_, quick, what) in BENCHMARKS.items():
            print(f"  {name:16s} {what}{'' if quick is None else '  [quick]'}")
        print(f"  {'history':16s} the timing history per commit, slowdowns flagged")
        return 0
    name, rest = argv[0], argv[1:]
    if name == "history":
        if HERE not in sys.path:
            sys.path.insert(0, HERE)
        return importlib.import_module("_history").main(rest)
    name = SCRIPTS.get(name, name)
    if name == "quick":
        for bench, (_, quick, _what) in BENCHMARKS.items():
            if quick is not None:
                print(f"== {bench}", flush=True)
                run(bench, [*quick, *rest])
        return 0
    if name not in BENCHMARKS:
        near = [n for n in BENCHMARKS if n.startswith(name) or name.startswith(n)]
        hint = f" (did you mean {' or '.join(near)}?)" if near else ""
        print(f"unknown benchmark {name!r}{hint}; python -m benchmarks --list",
              file=sys.stderr)
        return 2
    run(name, rest)
    return 0


if __name__ == "__main__":
    sys.exit(main())
