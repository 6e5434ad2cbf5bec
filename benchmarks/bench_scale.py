"""Scaling out with Dask: feature-extraction throughput and grid-search wall time.

Measures, in one run on the same generated clips:

* **Feature extraction** (``LogMelTransformer`` at 128 Mel bands and
  ``AudioFeatures``, no cache): joblib ``n_jobs=1`` and ``n_jobs=2`` (loky
  processes) on this machine, against a ``distributed.LocalCluster`` of 1 and 2
  worker processes (one thread each) driven through joblib's Dask backend.
  Best of ``--repeats`` passes, after one warm-up pass per configuration (worker
  imports, page cache).
* **Grid search** over ``stack__seg_num`` of a small ADFF pipeline on audio paths
  (feature cache shared by the workers, filled beforehand): ``n_jobs=1`` locally
  against the 2-worker cluster, and whether the scores are identical.

The figures go to the ``bench_scale`` section of benchmarks/RESULTS.md
(``bench_scale (smoke)`` at the smoke size), and every measured time is appended to
the timing history ``benchmarks/timings.jsonl`` (``python -m benchmarks history``
shows it per commit; options set away from the defaults are part of the size label
the history compares runs by). Dask's
benefit on one machine is bounded by its cores; on a real cluster connect a
``Client`` to the scheduler instead of starting a ``LocalCluster`` (see
docs/scaling.rst).

Usage::

    python -m benchmarks scale [--clips 48] [--duration 20] [--repeats 3]
    python benchmarks/bench_scale.py --smoke --results /tmp/R.md   # tiny, for tests
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _report  # noqa: E402
import _suite as S  # noqa: E402
from _report import markdown_table  # noqa: E402

#: The options of the history's size label, with their default (non-smoke) values.
DEFAULTS = dict(clips=48, duration=20.0, sr=22050, repeats=3, seg_nums="1,2,4", folds=3,
                epochs=4)
SMOKE = dict(clips=8, duration=2.0, sr=8000, repeats=1, seg_nums="1,2", folds=2, epochs=1)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--clips", type=int, help="generated clips (48)")
    p.add_argument("--duration", type=float, help="seconds per clip (20)")
    p.add_argument("--sr", type=int, help="sampling rate in Hz (22050)")
    p.add_argument("--repeats", type=int, help="timed passes per config, best kept (3)")
    p.add_argument("--seg-nums", help="grid of the grid search (1,2,4)")
    p.add_argument("--folds", type=int, help="CV folds of the grid search (3)")
    p.add_argument("--epochs", type=int, help="ADFF epochs per grid-search fit (4)")
    p.add_argument("--smoke", action="store_true",
                   help="tiny sizes (8 clips of 2 s at 8 kHz, 1 repeat, 1 epoch); the "
                        "options above override them")
    p.add_argument("--data-home", type=Path, help="where the generated clips are kept")
    S.add_history_options(p)
    args = p.parse_args(argv)
    overrides = {}
    for key, value in (SMOKE if args.smoke else DEFAULTS).items():
        given = getattr(args, key)
        if given is None:
            setattr(args, key, value)
        elif given != value:
            overrides[key] = format(given, "g") if isinstance(given, float) else given
    args.label = S.size_label("smoke" if args.smoke else "default", overrides)
    args.seg_nums = [int(s) for s in args.seg_nums.split(",")]
    return args


def best_time(transformer, paths, repeats):
    """Best wall time of ``transformer.fit_transform(paths)`` after one warm-up pass."""
    transformer.fit_transform(paths)  # warm-up: worker imports, page cache, first calls
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        transformer.fit_transform(paths)
        times.append(time.perf_counter() - t)
    return min(times)


@contextlib.contextmanager
def local_cluster(n_workers, tuned=True):
    """A LocalCluster of `n_workers` processes with one thread each, as the active backend.

    `tuned`: worker environment from :func:`skmer.parallel.dask_worker_config`;
    otherwise Dask's default (with ``MALLOC_TRIM_THRESHOLD_``).
    """
    import dask
    import joblib
    from distributed import Client, LocalCluster

    from skmer.parallel import dask_worker_config

    t = time.perf_counter()
    with dask.config.set(dask_worker_config() if tuned else {}), \
            LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as c:
        c.wait_for_workers(n_workers)
        for module in ("skmer.estimators", "skmer.features"):  # imports are start-up too
            c.run(importlib.import_module, module)
        startup = time.perf_counter() - t
        with joblib.parallel_backend("dask"):
            yield startup


def extraction_rows(paths, args, figures):
    """Table rows and cluster start-ups; appends (figure, seconds, 's') to `figures`."""
    import numpy as np

    from skmer import AudioFeatures, LogMelTransformer

    makers = {
        "LogMelTransformer": lambda n_jobs: LogMelTransformer(
            sr=args.sr, duration=args.duration, n_mels=128 if not args.smoke else 32,
            n_jobs=n_jobs),
        "AudioFeatures": lambda n_jobs: AudioFeatures(sr=args.sr, duration=args.duration,
                                                      n_jobs=n_jobs),
    }
    audio_seconds = len(paths) * args.duration
    references = {name: make(1).fit_transform(paths) for name, make in makers.items()}
    timings = {name: {} for name in makers}
    for name, make in makers.items():
        for n_jobs in (1, 2):
            label = "n_jobs=1" if n_jobs == 1 else "n_jobs=2 (loky)"
            timings[name][label] = best_time(make(n_jobs), paths, args.repeats)
    startups = {}
    for n_workers, tuned in ((1, True), (2, True), (2, False)):
        label = f"Dask, {n_workers} worker{'s' * (n_workers > 1)}"
        label += "" if tuned else ", Dask's default env"
        with local_cluster(n_workers, tuned) as startups[label]:
            for name, make in makers.items():
                if not np.array_equal(make(-1).fit_transform(paths), references[name]):
                    raise AssertionError(f"{name} on {label} differs from the local run")
                timings[name][label] = best_time(make(-1), paths, args.repeats)
    rows = []
    for name, runs in timings.items():
        base = runs["n_jobs=1"]
        for label, seconds in runs.items():
            figures.append((f"extraction {name}, {label}", seconds, "s"))
            rows.append([name, label, f"{seconds:.2f}", f"{len(paths) / seconds:.1f}",
                         f"{audio_seconds / seconds:.0f}x", f"{base / seconds:.2f}x"])
            print(f"{name:18s} {label:18s} {seconds:7.2f} s  {len(paths) / seconds:6.1f} "
                  f"files/s  {base / seconds:.2f}x")
    figures += [(f"cluster start-up, {label}", s, "s") for label, s in startups.items()]
    return rows, startups


def grid_search_rows(data, cache, args, figures):
    """Table rows; appends (figure, seconds, 's') to `figures`."""
    import numpy as np
    import torch
    from sklearn.model_selection import GridSearchCV, KFold
    from sklearn.pipeline import Pipeline

    from skmer import ADFFRegressor, LogMelTransformer, SegmentStacker

    def pipeline():
        return Pipeline([
            ("mel", LogMelTransformer(sr=args.sr, duration=args.duration,
                                      n_mels=64 if not args.smoke else 32, memory=cache)),
            ("stack", SegmentStacker(seg_num=1)),
            ("adff", ADFFRegressor(width=1 / 16, lstm_hidden=16, fc_sizes=(32,), lr=1e-3,
                                   batch_size=16, max_epochs=args.epochs, lr_milestones=None,
                                   random_state=0, verbose=0)),
        ])

    grid = {"stack__seg_num": args.seg_nums}
    cv = KFold(args.folds, shuffle=True, random_state=0)
    pipeline()[:1].fit_transform(data.paths)  # fill the cache: the search times training
    n_fits = len(args.seg_nums) * args.folds
    results, rows = {}, []
    threads = torch.get_num_threads()
    try:
        for label, torch_threads in ((f"n_jobs=1, torch {threads} threads", threads),
                                     ("n_jobs=1, torch 1 thread", 1)):
            torch.set_num_threads(torch_threads)
            t = time.perf_counter()
            search = GridSearchCV(pipeline(), grid, cv=cv, n_jobs=1).fit(data.paths, data.target)
            results[label] = (time.perf_counter() - t, search.cv_results_["mean_test_score"])
    finally:
        torch.set_num_threads(threads)
    for tuned in (True, False):
        label = "Dask, 2 workers (1 thread each)" + ("" if tuned else ", Dask's default env")
        with local_cluster(2, tuned):
            t = time.perf_counter()
            search = GridSearchCV(pipeline(), grid, cv=cv, n_jobs=-1).fit(data.paths,
                                                                          data.target)
            results[label] = (time.perf_counter() - t, search.cv_results_["mean_test_score"])
    reference = results["n_jobs=1, torch 1 thread"][1]
    base = results[f"n_jobs=1, torch {threads} threads"][0]
    for label, (seconds, scores) in results.items():
        same = "identical" if np.array_equal(scores, reference) else "differ"
        figures.append((f"grid search, {label}", seconds, "s"))
        rows.append([label, f"{n_fits}", f"{seconds:.1f}", f"{base / seconds:.2f}x",
                     same, " / ".join(f"{s:+.3f}" for s in scores)])
        print(f"grid search {label:34s} {seconds:7.1f} s  {base / seconds:.2f}x  scores {same}")
    return rows


def main(argv=None):
    args = parse_args(argv)
    import torch

    from skmer.datasets import make_music_emotion

    with tempfile.TemporaryDirectory(prefix="skmer-bench-scale-") as tmp:
        home = args.data_home or Path(tmp) / "data"
        data = make_music_emotion(n_clips=args.clips, duration=args.duration, sr=args.sr,
                                  random_state=0, data_home=home)
        figures = []
        extraction, startups = extraction_rows(data.paths, args, figures)
        search = grid_search_rows(data, str(Path(tmp) / "cache"), args, figures)

    size = "smoke" if args.smoke else f"{args.clips} clips x {args.duration:g} s"
    body = (
        f"{args.clips} generated clips of {args.duration:g} s at {args.sr} Hz, "
        f"{os.cpu_count()} CPU cores, torch {torch.get_num_threads()} threads in this process. "
        "Dask runs a `distributed.LocalCluster` of worker processes with one thread each, "
        "through `joblib.parallel_backend('dask')`, with the worker environment of "
        "`skmer.parallel.dask_worker_config()` unless the row says \"Dask's default env\" "
        "(which sets `MALLOC_TRIM_THRESHOLD_=65536`); every Dask result was checked equal to "
        "the local one. Times are the best of "
        f"{args.repeats} pass(es) after a warm-up pass.\n\n"
        "### Feature extraction (no cache)\n\n"
        + markdown_table(["transformer", "run", "seconds", "files/s", "audio/s",
                          "vs n_jobs=1"], extraction)
        + "\n\nCluster start-up, with the workers importing skmer (not in the times above): "
        + ", ".join(f"{label} {s:.1f} s" for label, s in startups.items())
        + ".\n\n### Grid search\n\n"
        f"`stack__seg_num` in {args.seg_nums} x {args.folds}-fold CV of log-Mel -> "
        f"SegmentStacker -> ADFFRegressor (width 1/16, {args.epochs} epochs), features "
        "from a filled cache. 'scores' compares with the 1-thread local run.\n\n"
        + markdown_table(["run", "fits", "wall s", "vs first row", "scores",
                          "mean test R² per seg_num"], search)
    )
    S.record_timings("bench_scale", args.label, figures, args)
    if args.no_write:
        print(body)
        return body
    _report.RESULTS = args.results
    _report.write_section(f"bench_scale ({size})" if args.smoke else "bench_scale", body)
    return body


if __name__ == "__main__":
    main()
