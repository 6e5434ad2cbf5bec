"""ADFF accuracy against seg_num: cross-validated R² and RMSE per seg_num (paper Figure 3).

Reproduces the *shape* of the ADFF paper's Figure 3 (R² and RMSE of valence and
arousal against the number of segments an input window is cut into) on the
simple dataset (one window per clip): for each ``seg_num`` the same ADFF
pipeline (:func:`_suite.adff`) is cross-validated on the same folds, with the
log-Mel spectrograms cached beforehand so that the CV time of each seg_num is
training and scoring only. A seg_num that would leave fewer than
``skmer.nn.MIN_FRAMES`` frames per segment is skipped (and said so).

It takes the options of the other accuracy benchmarks (``benchmarks/_suite.py``:
data, size, seed, device, output locations) and writes the
``## bench_seg_num_accuracy (<data>, <size>)`` section of ``benchmarks/RESULTS.md``
and ``benchmarks/figures/bench_seg_num_accuracy_<size>.png``. The cost side of the
trade-off (training step time against seg_num, the paper's Table 2) is
``bench_seg_num_timing.py``.

Usage::

    python -m benchmarks seg_num_accuracy --quick                  # synthetic, minutes
    python benchmarks/bench_seg_num_accuracy.py --smoke --results /tmp/R.md   # seconds
    python benchmarks/bench_seg_num_accuracy.py --seg-nums 1,6,12 --pmemo /data/PMEmo2019
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite as S  # noqa: E402

SCRIPT = "bench_seg_num_accuracy"
#: seg_num values per benchmark size (paper: 1, 2, 4, ..., 16). Training cost grows
#: steeply towards seg_num 1 (on 2 CPU cores at the quick size one epoch over 64 clips
#: takes ~5.6 s at seg_num 1, 2.1 s at 2, 0.6 s at 6, 0.4 s at 12), so the quick sweep
#: keeps the paper's two best values (1, 6) and the extremes.
SEG_NUMS = {
    "smoke": (1, 2),
    "quick": (1, 2, 6, 12),
    "medium": (1, 2, 4, 6, 8, 12, 16),
    "paper": (1, 2, 4, 6, 8, 10, 12, 14, 16),
}


def main(argv=None):
    """Cross-validated R² / RMSE against seg_num; returns {seg_num: scores}."""
    from skmer.nn import MIN_FRAMES
    from skmer.plotting import plot_seg_num_tradeoff

    p = S.parser(__doc__.split("\n\n")[0])
    p.add_argument("--seg-nums", help="comma-separated seg_num values (default: per size)")
    args = p.parse_args(argv)
    size = S.size_of(args)
    wanted = ([int(v) for v in args.seg_nums.split(",") if v] if args.seg_nums
              else list(SEG_NUMS[args.size]))
    n_frames = int(round(size.seg_len / 0.01))  # LogMelTransformer's 10 ms hop
    seg_nums = [n for n in wanted if n_frames // n >= MIN_FRAMES]
    skipped = sorted(set(wanted) - set(seg_nums))
    data = S.load_data(args, size)
    seg = S.windows(data, size.seg_len, "simple", args.seed)
    cv, cv_name = S.make_cv(seg.groups, size.folds, args.seed)

    # decode and cache the log-Mel spectrograms first, so that no seg_num's time includes them
    S.adff(size, args, size.seg_len, seg_num=seg_nums[0])[:-1].fit_transform(seg.X)
    results = {}
    for n in seg_nums:
        results[n] = r = S.evaluate_regression(
            S.adff(size, args, size.seg_len, seg_num=n), seg.X, seg.y, seg.groups, cv)
        print(f"seg_num {n:2d}: R² V {r['r2_valence'].mean():+.3f} A "
              f"{r['r2_arousal'].mean():+.3f}  ({r['seconds']:.0f} s)", flush=True)

    first = seg_nums[0]
    rows = [[n, n_frames // n, *S.regression_cells(r), f"{r['seconds']:.0f} s",
             f"{results[first]['seconds'] / r['seconds']:.1f}x"] for n, r in results.items()]
    table = S.markdown_table(["seg_num", "frames/segment", "A RMSE", "A R²", "V RMSE", "V R²",
                              "CV time", f"speed-up vs seg_num {first}"], rows)
    best = {dim: sorted(results, key=lambda n: -results[n][f"r2_{dim}"].mean())[:2]
            for dim in ("valence", "arousal")}
    lines = [
        f"ADFF R² and RMSE against `seg_num` on the simple dataset ({len(seg.X)} windows of "
        f"{size.seg_len:g} s = {n_frames} frames), {size.folds}-fold {cv_name}, the same folds "
        "for every seg_num; mean ± std over folds. CV time is the wall-clock time of the "
        "whole cross-validation with the spectrograms already cached (training dominates; "
        "the first seg_num also pays torch's one-off start-up).",
        "",
        S.configuration(args, size, data),
        S.differs(size, data),
        "",
        table,
        "",
    ]
    if skipped:
        lines += [f"Skipped seg_num {skipped}: fewer than {MIN_FRAMES} frames per segment.", ""]
    lines += [
        *(f"- **{dim.capitalize()}:** best seg_num {b[0]}"
          + (f", second {b[1]}" if len(b) > 1 else "")
          + f" (R² {results[b[0]][f'r2_{dim}'].mean():.3f})." for dim, b in best.items()),
        "",
        "The paper (Figure 3, PMEmo simple dataset of 20 s, seg_num 1-16; values only "
        "plotted): best and second-best seg_num 1 and 6 for valence, 6 and 1 for arousal; "
        "too many segments lower both. Its Table 2 (training time, hours) is quoted in the "
        "`bench_seg_num_timing` section.",
    ]
    body = "\n".join(lines)
    path = S.figure_path(args, SCRIPT)
    if path is not None:
        plt = S.pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.0))
        times = [results[n]["seconds"] for n in seg_nums]
        for ax, metric, label in ((axes[0], "r2", "R²"), (axes[1], "rmse", "RMSE")):
            plot_seg_num_tradeoff(
                seg_nums, {dim: [results[n][f"{metric}_{dim}"].mean() for n in seg_nums]
                           for dim in ("valence", "arousal")},
                times, ax=ax, score_label=label, time_label="CV time (s)")
        fig.suptitle(f"{SCRIPT} ({data.name}, {args.size})", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        body += f"\n\n![R² and RMSE against seg_num]({S.relative(path, args)})\n"
    S.write(args, S.section_name(SCRIPT, args, data), body)
    return results


if __name__ == "__main__":
    main()
