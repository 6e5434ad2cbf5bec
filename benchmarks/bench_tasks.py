"""Multi-task regression and emotion classification (the ADFF paper's Table 4).

On the *full* dataset (every window of every clip) at each of the size's task
lengths, with StratifiedGroupKFold (the windows of a clip in one fold, folds
stratified on the quadrant, the same folds for every task), cross-validates

* ADFFRegressor predicting valence and arousal together (multi-task);
* ADFFClassifier on the sign of arousal and of valence (two categories,
  :func:`~skmer.estimators.va_to_binary`) and on the quadrant of Russell's
  circumplex (four categories, :func:`~skmer.estimators.va_to_quadrant`);

and, for orientation, the majority-class accuracy of each classification
task on the same folds. Accuracy is per window, as in the paper.

Usage::

    python benchmarks/bench_tasks.py --quick
    python benchmarks/bench_tasks.py --paper --pmemo /data/PMEmo2019 --device cuda
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite as S  # noqa: E402

TASKS = ("2-category arousal", "2-category valence", "4-category")


def labels(y):
    from skmer.estimators import va_to_binary, va_to_quadrant

    return {"2-category arousal": va_to_binary(y, "arousal"),
            "2-category valence": va_to_binary(y, "valence"),
            "4-category": va_to_quadrant(y)}


def main(argv=None):
    args = S.parser(__doc__.split("\n\n")[0]).parse_args(argv)
    size = S.size_of(args)
    data = S.load_data(args, size)
    from sklearn.dummy import DummyClassifier

    reg, acc, majority, n_windows = {}, {}, {}, {}
    cpu_reg, cpu_acc = {}, {}
    for seg_len in size.task_lengths:
        seg = S.windows(data, seg_len, "full", args.seed)
        tasks = labels(seg.y)
        cv, cv_name = S.stratified_splits(seg.X, tasks["4-category"], seg.groups, size.folds,
                                          args.seed)
        n_windows[seg_len] = len(seg.X)
        reg[seg_len] = S.evaluate_regression(S.adff(size, args, seg_len), seg.X, seg.y,
                                             seg.groups, cv)
        for task, y in tasks.items():
            acc[seg_len, task] = S.evaluate_classification(
                S.adff(size, args, seg_len, task="classification"), seg.X, y, seg.groups, cv)
            majority[seg_len, task] = S.evaluate_classification(
                DummyClassifier(strategy="most_frequent"), seg.X, y, seg.groups, cv)
            for model in S.adff_cpu(size, args, seg_len, task="classification").values():
                cpu_acc[seg_len, task] = S.evaluate_classification(model, seg.X, y,
                                                                   seg.groups, cv)
        for model in S.adff_cpu(size, args, seg_len).values():
            cpu_reg[seg_len] = S.evaluate_regression(model, seg.X, seg.y, seg.groups, cv)
        print(f"{seg_len:5.1f} s ({len(seg.X)} windows, {cv_name}): R² V "
              f"{reg[seg_len]['r2_valence'].mean():+.3f} A {reg[seg_len]['r2_arousal'].mean():+.3f}"
              "; accuracy " + ", ".join(f"{t} {acc[seg_len, t]['accuracy'].mean():.1f}%"
                                        for t in TASKS), flush=True)

    rows = []
    for seg_len in size.task_lengths:
        rows.append([f"{seg_len:g}", "ADFF (scratch preset)", n_windows[seg_len],
                     *S.regression_cells(reg[seg_len]),
                     *(S.pm(acc[seg_len, t]["accuracy"], 1) + "%" for t in TASKS)])
        if seg_len in cpu_reg:
            rows.append([f"{seg_len:g}", S.CPU_ADFF, n_windows[seg_len],
                         *S.regression_cells(cpu_reg[seg_len]),
                         *(S.pm(cpu_acc[seg_len, t]["accuracy"], 1) + "%" for t in TASKS)])
        rows.append([f"{seg_len:g}", "majority class", "", "", "", "", "",
                     *(S.pm(majority[seg_len, t]["accuracy"], 1) + "%" for t in TASKS)])
    table = S.markdown_table(["seg_len (s)", "model", "windows", "A RMSE", "A R²", "V RMSE",
                              "V R²", *TASKS], rows)
    paper = S.markdown_table(
        ["seg_len (s)", "A RMSE", "A R²", "V RMSE", "V R²", *TASKS],
        [[L, *(f"{v:.4f}" for v in vals[:4]), *(f"{v:.2f}%" for v in vals[4:])]
         for L, vals in S.PAPER_TABLE4.items()])
    lengths = ", ".join(f"{L:g}" for L in size.task_lengths)
    body = "\n".join([
        f"Full dataset (all windows of {lengths} s; {size.folds}-fold StratifiedGroupKFold: "
        "windows of a clip in one fold, folds stratified on the quadrant; the same folds for "
        "every task): ADFFRegressor on [valence, arousal] together, "
        f"ADFFClassifier on the signs and quadrants (seg_num {size.seg_num}), trained from "
        "scratch and, when musicnn is installed, with the cpu preset (its head on musicnn's "
        "pretrained levels). Mean ± std over "
        "folds; per-window scores. The majority-class row is the accuracy of always "
        "predicting the most frequent training class.",
        "",
        S.configuration(args, size, data),
        S.differs(size, data).replace(f"{size.seg_len:g} s inputs", f"{lengths} s windows"),
        "",
        table,
        "",
        *verdict(acc, majority, size),
        *verdict(cpu_acc, majority, size, S.CPU_ADFF),
        "",
        f"The paper's Table 4 (PMEmo full datasets, seg_num 6, {S.PAPER_SETUP}):",
        "",
        paper,
    ])
    path = S.figure_path(args, "bench_tasks")
    if path is not None:
        groups = {t: {**{f"ADFF scratch {L:g} s": acc[L, t]["accuracy"] for L in size.task_lengths},
                      **{f"ADFF cpu {L:g} s": cpu_acc[L, t]["accuracy"]
                         for L in size.task_lengths if (L, t) in cpu_acc},
                      **{f"majority {L:g} s": majority[L, t]["accuracy"]
                         for L in size.task_lengths}} for t in TASKS}
        S.bar_figure(groups, path, "accuracy % (mean ± std over folds)",
                     f"bench_tasks ({data.name}, {args.size}): classification")
        body += f"\n\n![Classification accuracy]({S.relative(path, args)})\n"
    S.write(args, S.section_name("bench_tasks", args, data), body)
    return {"regression": reg, "accuracy": acc, "majority": majority, "cpu_regression": cpu_reg,
            "cpu_accuracy": cpu_acc}


def verdict(acc, majority, size, name="ADFF (scratch preset)"):
    lines = []
    for task in TASKS if acc else ():
        margins = [acc[L, task]["accuracy"].mean() - majority[L, task]["accuracy"].mean()
                   for L in size.task_lengths]
        lines.append(f"- **{task}:** {name} minus majority class: "
                     + ", ".join(f"{m:+.1f} points at {L:g} s"
                                 for m, L in zip(margins, size.task_lengths)) + ".")
    return lines


if __name__ == "__main__":
    main()
