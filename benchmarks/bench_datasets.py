"""Speed of make_music_emotion, and optionally how well a baseline learns its labels.

Generates ``--n-clips`` clips of 10 s at 22050 Hz into fresh temporary folders with
1 and 2 processes, times a cached second call, and (``--learn``) cross-validates an
AudioFeatures + StandardScaler + SVR baseline on valence and arousal. Prints a
markdown table; ``--write-results`` also stores it as a section of RESULTS.md.

Usage::

    python benchmarks/bench_datasets.py [--n-clips 200] [--learn] [--write-results]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from skmer.datasets import make_music_emotion


def _timed(**kwargs):
    t0 = time.perf_counter()
    data = make_music_emotion(**kwargs)
    return data, time.perf_counter() - t0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-clips", type=int, default=200)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--learn", action="store_true", help="also cross-validate an SVR")
    parser.add_argument("--write-results", action="store_true")
    args = parser.parse_args()

    rows = []
    with tempfile.TemporaryDirectory() as home:
        kw = {"n_clips": args.n_clips, "duration": args.duration, "random_state": 0}
        for n_jobs in (1, 2):
            data, seconds = _timed(data_home=f"{home}/j{n_jobs}", n_jobs=n_jobs, **kw)
            rows.append((f"generate, n_jobs={n_jobs}", f"{seconds:.1f} s",
                         f"{seconds / args.n_clips * 1000:.0f} ms/clip"))
        _, seconds = _timed(data_home=f"{home}/j1", **kw)
        rows.append(("second call (files reused)", f"{seconds:.2f} s", ""))

        if args.learn:
            from sklearn.model_selection import KFold, cross_val_score
            from sklearn.pipeline import make_pipeline
            from sklearn.preprocessing import StandardScaler
            from sklearn.svm import SVR

            from skmer.features import AudioFeatures

            X = AudioFeatures(n_jobs=2).fit_transform(data.paths)
            cv = KFold(5, shuffle=True, random_state=0)
            for j, name in enumerate(data.target_names):
                scores = cross_val_score(
                    make_pipeline(StandardScaler(), SVR()), X, data.target[:, j], cv=cv,
                    scoring="r2",
                )
                rows.append((f"AudioFeatures+SVR 5-fold R2, {name}",
                             f"{np.mean(scores):.3f} +- {np.std(scores):.3f}", ""))

    header = ("measure", "value", "")
    lines = [f"{args.n_clips} clips x {args.duration:g} s at 22050 Hz, random_state=0", ""]
    lines += ["| " + " | ".join(header) + " |", "|---|---|---|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    body = "\n".join(lines)
    print(body)
    if args.write_results:
        from _report import write_section

        write_section("Datasets: make_music_emotion", body)


if __name__ == "__main__":
    main()
