"""ADFF against input length on simple and full datasets (the ADFF paper's Table 3).

For each ``seg_len`` of the size, builds the *simple* dataset (one random
window per clip, KFold) and the *full* dataset (every window of the clip in
time order, windows of a clip kept in one fold with GroupKFold) and
cross-validates ADFF at the size's ``seg_num`` (6, the paper's, except in the
smoke size); SVR on log-Mel statistics runs on the same windows for
orientation. Full-dataset scores are per window, as in the paper (every
window carries its clip's label).

Lengths scale with the clips: the paper cuts PMEmo choruses (tens of seconds)
into 5-30 s windows; ``--quick`` cuts 8 s synthetic clips into 2 and 4 s
windows (simple: 1 window per clip; full: 4 or 2 per clip), the default size
12 s clips into 3-12 s, ``--paper`` 30 s clips (or the real choruses) into
5-30 s.

Usage::

    python benchmarks/bench_lengths.py --quick
    python benchmarks/bench_lengths.py --paper --pmemo /data/PMEmo2019 --device cuda
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite as S  # noqa: E402

KINDS = ("simple", "full")


def main(argv=None):
    args = S.parser(__doc__.split("\n\n")[0]).parse_args(argv)
    size = S.size_of(args)
    data = S.load_data(args, size)
    from skmer.baselines import make_svr_baseline

    results, svr, cpu, n_windows = {}, {}, {}, {}
    for kind in KINDS:
        for seg_len in size.lengths:
            seg = S.windows(data, seg_len, kind, args.seed)
            cv, _ = S.make_cv(seg.groups, size.folds, args.seed)
            n_windows[kind, seg_len] = len(seg.X)
            results[kind, seg_len] = S.evaluate_regression(S.adff(size, args, seg_len),
                                                           seg.X, seg.y, seg.groups, cv)
            svr[kind, seg_len] = S.evaluate_regression(
                make_svr_baseline("spectrogram", duration=seg_len, sr=size.sr,
                                  n_mels=size.n_mels, memory=S.cache_dir(args)),
                seg.X, seg.y, seg.groups, cv)
            for model in S.adff_cpu(size, args, seg_len).values():
                cpu[kind, seg_len] = S.evaluate_regression(model, seg.X, seg.y, seg.groups, cv)
            r = results[kind, seg_len]
            print(f"{kind:6s} {seg_len:5.1f} s  ({len(seg.X)} windows)  ADFF R² V "
                  f"{r['r2_valence'].mean():+.3f} A {r['r2_arousal'].mean():+.3f}  "
                  f"({r['seconds']:.0f} s)", flush=True)

    rows = []
    for seg_len in size.lengths:
        row = [f"{seg_len:g}"]
        for kind in KINDS:
            row += S.regression_cells(results[kind, seg_len])
        rows.append(row)
    header = ["seg_len (s)"] + [f"{k} {c}" for k in KINDS
                                for c in ("A RMSE", "A R²", "V RMSE", "V R²")]
    table = S.markdown_table(header, rows)
    def r2(scores, key, dim):
        return f"{scores[key][f'r2_{dim}'].mean():.3f}" if key in scores else "-"

    extra = S.markdown_table(
        ["seg_len (s)", "dataset", "windows", "ADFF V R²", "ADFF A R²", "SVR (log-Mel stats) "
         "V R²", "SVR A R²", f"{S.CPU_ADFF} V R²", "A R²", "ADFF CV time"],
        [[f"{L:g}", k, n_windows[k, L], r2(results, (k, L), "valence"),
          r2(results, (k, L), "arousal"), r2(svr, (k, L), "valence"),
          r2(svr, (k, L), "arousal"), r2(cpu, (k, L), "valence"), r2(cpu, (k, L), "arousal"),
          f"{results[k, L]['seconds']:.0f} s"]
         for k in KINDS for L in size.lengths])
    paper = S.markdown_table(
        ["seg_len (s)"] + header[1:],
        [[L, *(f"{v:.4f}" for v in vals)] for L, vals in S.PAPER_TABLE3.items()])

    body = "\n".join([
        f"ADFF (seg_num {size.seg_num}, fewer where a segment would have under 32 frames: "
        + ", ".join(f"{S.seg_num_for(size, L)} at {L:g} s" for L in size.lengths)
        + f") on windows of {', '.join(f'{L:g}' for L in size.lengths)}"
        f" s: simple dataset (one random window per clip, KFold) and full dataset (all "
        f"windows, GroupKFold by clip); {size.folds} folds; mean ± std over folds, full-dataset "
        "scores per window as in the paper.",
        "",
        S.configuration(args, size, data),
        S.differs(size, data).replace(f"{size.seg_len:g} s inputs",
                                      f"{', '.join(f'{L:g}' for L in size.lengths)} s windows"),
        "",
        table,
        "",
        "Windows per dataset, the SVR baseline and ADFF's cpu preset (its head on musicnn's "
        "pretrained levels; '-' without musicnn) on the same windows, and the time of ADFF "
        "from scratch:",
        "",
        extra,
        "",
        *verdict(results, svr, size),
        *cpu_verdict(cpu, results, svr, size),
        "",
        f"The paper's Table 3 (PMEmo, seg_num 6, {S.PAPER_SETUP}):",
        "",
        paper,
    ])
    path = S.figure_path(args, "bench_lengths")
    if path is not None:
        figure(results, size, path, f"bench_lengths ({data.name}, {args.size})")
        body += f"\n\n![R² against seg_len]({S.relative(path, args)})\n"
    S.write(args, S.section_name("bench_lengths", args, data), body)
    return results


def verdict(results, svr, size):
    lines = []
    for dim in ("valence", "arousal"):
        key = f"r2_{dim}"
        parts = []
        for kind in KINDS:
            best = max(size.lengths, key=lambda L: results[kind, L][key].mean())
            parts.append(f"{kind}: best at {best:g} s (R² {results[kind, best][key].mean():.3f})")
        gains = [results["full", L][key].mean() - results["simple", L][key].mean()
                 for L in size.lengths]
        wins = sum(svr[k, L][key].mean() > results[k, L][key].mean()
                   for k in KINDS for L in size.lengths)
        lines.append(f"- **{dim.capitalize()}:** {'; '.join(parts)}. Full minus simple R²: "
                     f"{', '.join(f'{g:+.3f}' for g in gains)}. The SVR baseline beats ADFF "
                     f"in {wins} of {len(KINDS) * len(size.lengths)} settings.")
    return lines


def cpu_verdict(cpu, results, svr, size):
    """How ADFF's cpu preset compares with the best of ADFF from scratch and the SVR."""
    if not cpu:
        return []
    lines = []
    for dim in ("valence", "arousal"):
        key = f"r2_{dim}"
        margins = [cpu[k, L][key].mean() - max(results[k, L][key].mean(), svr[k, L][key].mean())
                   for k in KINDS for L in size.lengths]
        lines.append(f"- **{dim.capitalize()}, {S.CPU_ADFF}:** minus the better of ADFF from "
                     f"scratch and the SVR: {', '.join(f'{m:+.3f}' for m in margins)} "
                     f"(settings in the table's order).")
    return lines


def figure(results, size, path, title):
    plt = S.pyplot()
    import numpy as np

    fig, ax = plt.subplots(figsize=(6.0, 4.0))
    lengths = np.asarray(size.lengths, dtype=float)
    for kind, style in (("simple", "-o"), ("full", "--s")):
        for dim, color in (("valence", "tab:blue"), ("arousal", "tab:orange")):
            vals = [results[kind, L][f"r2_{dim}"] for L in size.lengths]
            ax.errorbar(lengths, [v.mean() for v in vals], yerr=[v.std() for v in vals],
                        fmt=style, color=color, capsize=3, label=f"{dim}, {kind}")
    ax.set_xticks(lengths)
    ax.set_xlabel("seg_len (s)")
    ax.set_ylabel("R² (mean ± std over folds)")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
