"""The timing benchmarks' history per commit: ``python -m benchmarks history [options]``.

Reads the history that ``bench_features``, ``bench_seg_num_timing`` and ``bench_scale``
append to (``benchmarks/timings.jsonl``, one JSON object per line and measured figure;
see ``_suite.record_timings``). A series is one figure of one benchmark at one size
label on one machine: values are compared only within it. For each series it prints
the last ``--last`` values with their date, commit and load average, and flags a value
more than ``--threshold`` (default 20%) slower than the median of the values before it
in its series (at most ``--last`` of them; for rates such as GFLOP/s, slower is lower).
A flagged value is a prompt to rerun on a quiet machine, not a verdict: the benchmark
machines are shared, and the recorded load average says how busy it was.

Usage::

    python -m benchmarks history                              # every series
    python -m benchmarks history --benchmark seg_num_timing --figure "fp32, seg_num 6"
    python -m benchmarks history --size smoke --last 3 --check   # exit 1 on a slowdown
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite as S  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m benchmarks history",
                                description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--figure", action="append", default=[], metavar="TEXT",
                   help="only figures containing TEXT (case-insensitive; repeatable: any)")
    p.add_argument("--benchmark", metavar="TEXT", help="only benchmarks containing TEXT")
    p.add_argument("--size", metavar="LABEL", help="only this size label (e.g. smoke)")
    p.add_argument("--last", type=int, default=5, metavar="N",
                   help="values shown per figure, and the most the median looks back (5)")
    p.add_argument("--threshold", type=float, default=0.2,
                   help="flag a value this fraction slower than the median before it (0.2)")
    p.add_argument("--file", type=Path,
                   help="history file (default: $SKMER_TIMINGS or benchmarks/timings.jsonl)")
    p.add_argument("--check", action="store_true",
                   help="exit status 1 when the newest value of a series shown is flagged")
    return p.parse_args(argv)


def load(path):
    """The history's entries in file order (unreadable lines are skipped, with a warning)."""
    entries = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            float(entry["value"]), entry["benchmark"], entry["figure"]
        except (ValueError, KeyError, TypeError):
            print(f"{path}:{number}: not a timing entry, skipped", file=sys.stderr)
            continue
        entries.append(entry)
    return entries


def series(entries):
    """{(benchmark, size, machine, figure): [entries in file order]}."""
    out = {}
    for e in entries:
        key = (e["benchmark"], e.get("size", "?"), e.get("machine", "?"), e["figure"])
        out.setdefault(key, []).append(e)
    return out


def slowdown(value, before, better="lower"):
    """How much slower `value` is than the median of `before`, in time: 0.25 is 25% more
    time (or, for a rate, the median is 1.25 times `value`); negative: faster."""
    median = statistics.median(before)
    if better == "higher":
        return median / value - 1 if value > 0 else float("inf")
    return value / median - 1 if median > 0 else 0.0


def _matches(key, args):
    benchmark, size, _machine, figure = key
    return ((args.benchmark is None or args.benchmark.lower() in benchmark.lower())
            and (args.size is None or size == args.size)
            and (not args.figure or any(f.lower() in figure.lower() for f in args.figure)))


def report(groups, last, threshold):
    """Lines of the report and the keys whose newest value is flagged."""
    lines, flagged, heading = [], [], None
    first = {}  # figures under one heading (benchmark, size, machine), in file order
    for key in groups:
        first.setdefault(key[:3], len(first))
    for key, runs in sorted(groups.items(), key=lambda item: first[item[0][:3]]):
        benchmark, size, machine, figure = key
        if (benchmark, size, machine) != heading:
            heading = (benchmark, size, machine)
            lines += ["", f"{benchmark} | size {size} | {machine}"]
        unit, better = runs[-1].get("unit", ""), runs[-1].get("better", "lower")
        lines.append(f"  {figure} [{unit}, {better} is better]")
        values = [float(e["value"]) for e in runs]
        for i in range(max(0, len(runs) - last), len(runs)):
            e, before = runs[i], values[max(0, i - last):i]
            load = e.get("load")
            cells = [f"    {e.get('date', '?')[:16].replace('T', ' ')}",
                     f"{e.get('commit', '?'):14s}", f"{values[i]:>10.4g}",
                     f"load {load[0]:.1f}/{load[1]:.1f}" if load else " " * 12]
            if before:
                change = slowdown(values[i], before, better)
                cells.append(f"{abs(change):4.0%} {'slower' if change > 0 else 'faster'} than "
                             f"the median of {len(before)} before")
                if change > threshold:
                    cells.append("<-- SLOWER")
                    if i == len(runs) - 1:
                        flagged.append(key)
            lines.append("  ".join(cells))
    return lines, flagged


def main(argv=None):
    args = parse_args(argv)
    path = S.timings_file(args.file)
    if not path.exists():
        print(f"no timing history at {path} yet: run a timing benchmark "
              "(features, seg_num_timing, scale)")
        return 0
    groups = {k: v for k, v in series(load(path)).items() if _matches(k, args)}
    if not groups:
        print(f"no matching figures in {path}")
        return 0
    lines, flagged = report(groups, args.last, args.threshold)
    print(f"{path}: {len(groups)} figure(s); flagged: more than {args.threshold:.0%} slower "
          "than the median of the values before (same benchmark, size and machine)")
    print("\n".join(lines))
    print()
    if flagged:
        print(f"{len(flagged)} figure(s) slower at their newest value:")
        for benchmark, size, _machine, figure in flagged:
            print(f"  {benchmark} [{size}]: {figure}")
    else:
        print("no figure's newest value is flagged")
    return 1 if flagged and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
