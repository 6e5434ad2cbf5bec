"""Method comparison and ablation (the ADFF paper's Table 1).

Cross-validates, on the *simple* dataset (one window of ``seg_len`` seconds per
clip), with the same folds for every model:

* ADFF, ADFF without the SE blocks (``use_se=False``) and ADFF without the
  TFLM branch (``use_tflm=False``);
* SVR and random forest on ``AudioFeatures`` and on log-Mel statistics, and the
  constant mean of the training targets (:mod:`skmer.baselines`).

Reports RMSE and R² (and CCC) per dimension as mean ± std over the folds
(KFold; GroupKFold if windows shared a clip), the paper's Table 1 beside them,
and a bar chart of R² under ``benchmarks/figures/``.

Usage::

    python benchmarks/bench_compare.py --quick            # ~5 min on 2 CPU cores
    python benchmarks/bench_compare.py                    # medium, synthetic
    python benchmarks/bench_compare.py --paper --pmemo /data/PMEmo2019 --device cuda
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _suite as S  # noqa: E402

ADFF_VARIANTS = {"ADFF": {}, "ADFF w/o SE": {"use_se": False},
                 "ADFF w/o TFLM": {"use_tflm": False}}


def main(argv=None):
    args = S.parser(__doc__.split("\n\n")[0]).parse_args(argv)
    size = S.size_of(args)
    data = S.load_data(args, size)
    seg = S.windows(data, size.seg_len, "simple", args.seed)
    cv, cv_name = S.make_cv(seg.groups, size.folds, args.seed)

    models = {name: S.adff(size, args, size.seg_len, **params)
              for name, params in ADFF_VARIANTS.items()}
    models.update(S.adff_cpu(size, args, size.seg_len))
    models.update(S.baselines(size, args, size.seg_len))

    results = {}
    for name, model in models.items():
        results[name] = S.evaluate_regression(model, seg.X, seg.y, seg.groups, cv)
        r = results[name]
        print(f"{name:28s} R² V {r['r2_valence'].mean():+.3f} A {r['r2_arousal'].mean():+.3f}"
              f"  ({r['seconds']:.0f} s)", flush=True)

    rows = [[name, *S.regression_cells(r), S.pm(r["ccc_arousal"], 3),
             S.pm(r["ccc_valence"], 3), f"{r['seconds']:.0f} s"] for name, r in results.items()]
    table = S.markdown_table(
        ["model", "A RMSE", "A R²", "V RMSE", "V R²", "A CCC", "V CCC", "CV time"], rows)
    paper = S.markdown_table(["model (paper, PMEmo)", "A RMSE", "A R²", "V RMSE", "V R²"],
                             [[n, *v] for n, v in S.PAPER_TABLE1.items()])

    body = "\n".join([
        f"ADFF from scratch (`preset='scratch'`), its ablations and ADFF's cpu preset (its "
        f"head on pretrained musicnn levels, `preset='cpu'`, "
        f"when musicnn is installed) against classic baselines on the simple dataset "
        f"({len(seg.X)} windows of {size.seg_len:g} s, one per clip), {size.folds}-fold "
        f"{cv_name}, the same folds for every model. Mean ± std over folds; RMSE and CCC "
        "in target units ([-1, 1]); CV time includes feature extraction (cached after the "
        "first model that needs it).",
        "",
        S.configuration(args, size, data),
        S.differs(size, data),
        "",
        table,
        "",
        *verdict(results),
        "",
        f"The paper's Table 1 (simple dataset, 20 s, {S.PAPER_SETUP}):",
        "",
        paper,
    ])
    path = S.figure_path(args, "bench_compare")
    if path is not None:
        S.bar_figure({n: {"valence": r["r2_valence"], "arousal": r["r2_arousal"]}
                      for n, r in results.items()}, path, "R² (mean ± std over folds)",
                     f"bench_compare ({data.name}, {args.size}): R² per model")
        body += f"\n\n![R² per model]({S.relative(path, args)})\n"
    S.write(args, S.section_name("bench_compare", args, data), body)
    return results


def verdict(results):
    """Plain statements of who won, computed from the numbers.

    Differences are judged per fold (the same folds for every model) with a
    paired t-test; with 5 folds only large, consistent differences reach
    p < 0.05.
    """
    lines = []
    base_names = [n for n in results if n not in ADFF_VARIANTS and n != S.CPU_ADFF]
    for dim in ("valence", "arousal"):
        key = f"r2_{dim}"
        mean = {n: results[n][key].mean() for n in results}
        best = max(results, key=mean.get)
        best_base = max(base_names, key=mean.get)
        if best in base_names:
            head = (f"a baseline wins: {best_base} R² {mean[best_base]:.3f} vs ADFF "
                    f"{mean['ADFF']:.3f} ({paired(results, best_base, 'ADFF', key)})")
        else:
            head = (f"{best} has the best R² ({mean[best]:.3f}); best baseline {best_base} "
                    f"{mean[best_base]:.3f} ({paired(results, best, best_base, key)})")
        ablations = "; ".join(f"{n} {mean[n]:.3f} ({paired(results, 'ADFF', n, key)})"
                              for n in list(ADFF_VARIANTS)[1:])
        lines.append(f"- **{dim.capitalize()}:** {head}. Ablations against ADFF "
                     f"({mean['ADFF']:.3f}): {ablations}.")
        if S.CPU_ADFF in results:
            lines.append(f"  {S.CPU_ADFF} {mean[S.CPU_ADFF]:.3f} vs best baseline "
                         f"{best_base} ({paired(results, S.CPU_ADFF, best_base, key)}).")
    return lines


def paired(results, a, b, key):
    """'A - B = d, paired t-test p = ..' over the folds of `key`."""
    from scipy.stats import ttest_rel

    x, y = results[a][key], results[b][key]
    d = float(np.mean(x - y))
    if len(x) < 2 or np.allclose(x - y, d):
        return f"difference {d:+.3f}"
    p = ttest_rel(x, y).pvalue
    verdict = "significant" if p < 0.05 else "within fold-to-fold noise"
    return f"difference {d:+.3f}, paired t-test p = {p:.2f}, {verdict}"


if __name__ == "__main__":
    main()
