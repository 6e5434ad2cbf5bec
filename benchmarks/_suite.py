"""Shared code of the benchmark scripts: sizes, data, CV and report helpers, timing history.

The accuracy benchmarks (bench_compare, bench_lengths, bench_tasks,
bench_seg_num_accuracy, ...) share sizes, data and evaluation:
sizes (``--smoke``, ``--quick``, default, ``--paper``) fix the data, the
network and the training protocol together; see :data:`SIZES`. Data is the
built-in synthetic set (``--data synthetic``, the default) or a local copy of
PMEmo (``--pmemo PATH``) or DEAM (``--deam PATH``). Each script builds its
models with :mod:`skmer.baselines`, scores them with :mod:`skmer.metrics`
through ``cross_validate`` and writes a RESULTS.md section through
``_report.write_section`` and a PNG under ``benchmarks/figures/``.

The timing benchmarks (bench_features, bench_seg_num_timing, bench_scale)
append every measured figure to the timing history (:func:`record_timings`,
``benchmarks/timings.jsonl``), which ``python -m benchmarks history``
(``_history.py``) reads to show a slowdown per commit.

Output locations can be redirected (tests do): ``--results PATH`` or
``$SKMER_RESULTS`` for the Markdown file, ``--figures DIR`` for the PNGs,
``--history PATH`` or ``$SKMER_TIMINGS`` for the timing history.

One module (over the usual size) because the scripts import it as one sibling
module (``import _suite as S``); its sections below do not depend on each other.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
for _p in (str(REPO), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import _report  # noqa: E402
from _report import markdown_table  # noqa: E402, F401  (re-exported for the scripts)

TARGETS = ("valence", "arousal")

# ----------------------------------------------------------------- the paper's numbers
#: Table 1 (simple dataset, 20 s, seg_num 6): model -> (A RMSE, A R², V RMSE, V R²);
#: mean of 5-fold CV, with the standard deviations the paper prints.
PAPER_TABLE1 = {
    "ADFF": ("0.2213 ± 0.01", "0.6394 ± 0.02", "0.2379 ± 0.03", "0.4575 ± 0.08"),
    "ADFF w/o SE": ("0.2253 ± 0.01", "0.6239 ± 0.05", "0.2429 ± 0.03", "0.4332 ± 0.09"),
    "ADFF w/o TFLM": ("0.2228 ± 0.01", "0.6316 ± 0.05", "0.2469 ± 0.02", "0.4155 ± 0.06"),
    "EmoMucs": ("0.2285", "0.6100", "0.2466", "0.4143"),
    "MLEM": ("0.2500 ± 0.03", "0.6000 ± 0.10", "0.3100 ± 0.04", "0.4000 ± 0.14"),
}
#: Table 2: training time (hours) of the whole protocol per seg_num (hardware not stated).
PAPER_TABLE2 = {1: 4.99, 2: 1.52, 4: 0.76, 6: 0.51, 8: 0.40, 10: 0.28, 12: 0.29, 14: 0.27, 16: 0.25}
#: Table 3: seg_len (s) -> (simple A RMSE, A R², V RMSE, V R², full A RMSE, A R², V RMSE, V R²).
PAPER_TABLE3 = {
    5: (0.2350, 0.5914, 0.2532, 0.3850, 0.2262, 0.6203, 0.2337, 0.5013),
    10: (0.2259, 0.6233, 0.2556, 0.3740, 0.2186, 0.6441, 0.2312, 0.5083),
    15: (0.2253, 0.6256, 0.2573, 0.3651, 0.2182, 0.6472, 0.2359, 0.4864),
    20: (0.2213, 0.6394, 0.2413, 0.4405, 0.2160, 0.6545, 0.2378, 0.4785),
    25: (0.2281, 0.6121, 0.2552, 0.3728, 0.2192, 0.6426, 0.2460, 0.4477),
    30: (0.2296, 0.6090, 0.2507, 0.3959, 0.2260, 0.6193, 0.2521, 0.4172),
}
#: Table 4 (full datasets, seg_num 6): seg_len (s) -> (A RMSE, A R², V RMSE, V R²,
#: 2-category arousal acc %, 2-category valence acc %, 4-category acc %).
PAPER_TABLE4 = {
    5: (0.2255, 0.6227, 0.2351, 0.4955, 82.40, 81.00, 71.48),
    10: (0.2190, 0.6428, 0.2332, 0.5004, 83.12, 81.29, 71.90),
    15: (0.2181, 0.6477, 0.2407, 0.4647, 83.27, 80.27, 70.84),
    20: (0.2188, 0.6449, 0.2394, 0.4713, 83.60, 80.52, 70.88),
    25: (0.2214, 0.6345, 0.2501, 0.4313, 83.30, 80.67, 70.70),
    30: (0.2248, 0.6252, 0.2537, 0.4098, 82.35, 80.14, 70.26),
}
PAPER_SETUP = ("PMEmo (794 choruses), 44.1 kHz, 128 Mel bands, seg_num 6, full-width ADFF, "
               "Adam lr 1e-5, weight decay 1e-5, 200 epochs, batch 32, decay at epochs "
               "20/45/80/110/140/170, 5-fold CV, GPU")


# ------------------------------------------------------------------------------- sizes
@dataclasses.dataclass(frozen=True)
class Size:
    """One benchmark size: data, network and training protocol together."""

    name: str
    n_clips: int            # synthetic clips (also the cap on real clips for smoke/quick)
    clip_duration: float    # s, synthetic clip length
    sr: int                 # Hz, audio and log-Mel sampling rate
    n_mels: int
    seg_len: float          # s, input window of bench_compare / bench_tasks' main length
    seg_num: int
    lengths: tuple          # s, seg_len values of bench_lengths
    task_lengths: tuple     # s, seg_len values of bench_tasks (full dataset)
    preset: str             # make_adff_pipeline preset
    width: float
    max_epochs: int
    batch_size: int
    lr: float
    folds: int
    rf_trees: int
    cap_real: bool          # subsample real data sets to n_clips
    hop: float = None       # s, STFT hop of ADFF's front end; None: the preset's

    def adff_params(self):
        params = dict(width=self.width, max_epochs=self.max_epochs,
                      batch_size=self.batch_size)
        if self.preset != "scratch":  # the scratch preset brings its own optimiser and schedule
            params["lr"] = self.lr
        return params


SIZES = {
    # inside the test suite: seconds, not meaningful numbers
    "smoke": Size("smoke", n_clips=10, clip_duration=2.0, sr=8000, n_mels=32, seg_len=2.0,
                  seg_num=2, lengths=(1.0, 2.0), task_lengths=(1.0,), preset="scratch",
                  width=1 / 16, max_epochs=1, batch_size=8, lr=1e-3, folds=2, rf_trees=10,
                  cap_real=True, hop=0.01),
    # a few minutes on 2 CPU cores
    "quick": Size("quick", n_clips=80, clip_duration=8.0, sr=22050, n_mels=128, seg_len=8.0,
                  seg_num=6, lengths=(2.0, 4.0), task_lengths=(4.0,), preset="scratch",
                  width=1 / 8, max_epochs=20, batch_size=16, lr=1e-3, folds=5, rf_trees=200,
                  cap_real=True),
    # tens of minutes to an hour on a CPU
    "medium": Size("medium", n_clips=200, clip_duration=12.0, sr=22050, n_mels=128,
                   seg_len=12.0, seg_num=6, lengths=(3.0, 6.0, 9.0, 12.0),
                   task_lengths=(3.0, 6.0, 12.0), preset="scratch", width=1 / 8, max_epochs=25,
                   batch_size=16, lr=1e-3, folds=5, rf_trees=300, cap_real=False),
    # the paper's protocol (section 3.2); GPU work
    "paper": Size("paper", n_clips=794, clip_duration=30.0, sr=44100, n_mels=128,
                  seg_len=20.0, seg_num=6, lengths=(5.0, 10.0, 15.0, 20.0, 25.0, 30.0),
                  task_lengths=(5.0, 10.0, 15.0, 20.0, 25.0, 30.0), preset="paper",
                  width=1.0, max_epochs=200, batch_size=32, lr=1e-5, folds=5, rf_trees=500,
                  cap_real=False),
}


# ----------------------------------------------------------------------------- argparse
def parser(description):
    """Argument parser with the options every accuracy benchmark shares."""
    p = argparse.ArgumentParser(description=description,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    data = p.add_mutually_exclusive_group()
    data.add_argument("--data", choices=["synthetic"], default="synthetic",
                      help="built-in generated music with known valence/arousal (default)")
    data.add_argument("--pmemo", type=Path, metavar="PATH", help="PMEmo2019 folder")
    data.add_argument("--deam", type=Path, metavar="PATH", help="DEAM folder")
    size = p.add_mutually_exclusive_group()
    size.add_argument("--smoke", dest="size", action="store_const", const="smoke",
                      help="seconds-long run for the test suite (numbers mean nothing)")
    size.add_argument("--quick", dest="size", action="store_const", const="quick",
                      help="a few minutes on 2 CPU cores")
    size.add_argument("--paper", dest="size", action="store_const", const="paper",
                      help="the paper's protocol (20 s, full width, 200 epochs): use a GPU")
    size.add_argument("--size", choices=list(SIZES), dest="size",
                      help="one of the sizes of SIZES (default: medium)")
    p.set_defaults(size="medium")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default: cpu)")
    p.add_argument("--seed", type=int, default=0, help="data, CV split and model seed")
    p.add_argument("--clips", type=int, help="number of clips (overrides the size)")
    p.add_argument("--epochs", type=int, help="ADFF epochs (overrides the size)")
    p.add_argument("--folds", type=int, help="CV folds (overrides the size)")
    p.add_argument("--data-home", type=Path, help="where synthetic clips are cached")
    p.add_argument("--cache", type=Path, help="feature cache folder (default: under data home)")
    p.add_argument("--results", type=Path,
                   default=Path(os.environ.get("SKMER_RESULTS", _report.RESULTS)),
                   help="Markdown file to update (default: $SKMER_RESULTS or "
                        "benchmarks/RESULTS.md)")
    p.add_argument("--figures", type=Path, default=HERE / "figures",
                   help="folder of the PNG figures")
    p.add_argument("--threads", type=int, help="torch intra-op threads (default: torch's)")
    p.add_argument("--no-write", action="store_true", help="print only; no RESULTS/figure")
    return p


def size_of(args):
    """The :class:`Size` of the parsed arguments, with command-line overrides.

    Also applies ``--threads`` to torch (it is process-wide).
    """
    if args.threads is not None:
        import torch

        torch.set_num_threads(args.threads)
    size = SIZES[args.size]
    overrides = {}
    if args.clips is not None:
        overrides["n_clips"] = args.clips
    if args.epochs is not None:
        overrides["max_epochs"] = args.epochs
    if args.folds is not None:
        overrides["folds"] = args.folds
    return dataclasses.replace(size, **overrides)


def device_of(args):
    if args.device != "auto":
        return args.device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def cache_dir(args):
    from skmer.datasets import get_data_home

    path = args.cache or Path(get_data_home(args.data_home)) / "bench_feature_cache"
    path.mkdir(parents=True, exist_ok=True)
    return str(path)


# --------------------------------------------------------------------------------- data
@dataclasses.dataclass
class Data:
    name: str           # 'synthetic', 'PMEmo', 'DEAM'
    paths: list
    target: np.ndarray  # (n, 2) [valence, arousal] in [-1, 1]
    description: str


def load_data(args, size):
    """Clips and static [valence, arousal] targets for the chosen data set."""
    if args.pmemo is not None or args.deam is not None:
        from skmer.datasets import load_deam, load_pmemo

        if args.pmemo is not None:
            name, bunch = "PMEmo", load_pmemo(args.pmemo, dynamic=False, on_error="skip")
        else:
            name, bunch = "DEAM", load_deam(args.deam, dynamic=False, on_error="skip")
        paths, target = list(bunch.paths), np.asarray(bunch.target, dtype=np.float64)
        n_total = len(paths)
        if args.clips is not None or size.cap_real:
            n = min(size.n_clips, n_total)
            keep = np.sort(np.random.default_rng(args.seed).choice(n_total, n, replace=False))
            paths, target = [paths[i] for i in keep], target[keep]
        desc = (f"{name} ({len(paths)} of {n_total} clips, random subset with seed "
                f"{args.seed}), static annotations scaled to [-1, 1]")
        return Data(name, paths, target, desc)

    from skmer.datasets import make_music_emotion

    bunch = make_music_emotion(n_clips=size.n_clips, duration=size.clip_duration, sr=size.sr,
                               random_state=args.seed, data_home=args.data_home)
    desc = (f"synthetic music from `skmer.datasets.make_music_emotion` ({size.n_clips} clips "
            f"of {size.clip_duration:g} s at {size.sr} Hz, seed {args.seed}, annotator noise "
            f"0.1), static [valence, arousal] in [-1, 1]")
    return Data("synthetic", list(bunch.paths), np.asarray(bunch.target), desc)


def windows(data, seg_len, kind, seed):
    """Simple (one random window per clip) or full (all windows) segment dataset."""
    from skmer.datasets import full_segments, simple_segments

    if kind == "simple":
        return simple_segments(data.paths, data.target, seg_len=seg_len, random_state=seed)
    if kind == "full":
        return full_segments(data.paths, data.target, seg_len=seg_len)
    raise ValueError(f"unknown dataset kind {kind!r}")


def stratified_splits(X, labels, groups, folds, seed):
    """Folds grouped by clip and stratified on `labels` (e.g. quadrants), as a list.

    A list of (train, test) index pairs, so that regression and classification
    tasks on the same windows can share it (``cross_validate(cv=list)``).
    """
    from sklearn.model_selection import StratifiedGroupKFold

    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "least populated class" on tiny sets
        return list(cv.split(X, labels, groups)), "StratifiedGroupKFold"


def make_cv(groups, folds, seed):
    """GroupKFold when windows share a clip, else shuffled KFold; returns (cv, its name)."""
    from sklearn.model_selection import GroupKFold, KFold

    if len(np.unique(groups)) < len(groups):
        return GroupKFold(n_splits=folds, shuffle=True, random_state=seed), "GroupKFold"
    return KFold(n_splits=folds, shuffle=True, random_state=seed), "KFold"


# ------------------------------------------------------------------------------ models
def seg_num_for(size, seg_len, seg_num=None):
    """`seg_num` if given, else the size's, lowered where a segment would have < 32 frames."""
    from skmer.baselines import PRESET_FRONT_END
    from skmer.nn import MIN_FRAMES

    if seg_num is not None:
        return seg_num

    hop = size.hop or PRESET_FRONT_END[size.preset]["hop"]
    frames = int(round(seg_len / hop))
    return max(1, min(size.seg_num, frames // MIN_FRAMES))


def adff(size, args, seg_len, seg_num=None, task="regression", **overrides):
    """ADFF pipeline for `size` on windows of `seg_len` seconds (see :func:`seg_num_for`)."""
    from skmer.baselines import make_adff_pipeline

    params = size.adff_params()
    params.update(overrides)
    return make_adff_pipeline(seg_num=seg_num_for(size, seg_len, seg_num), duration=seg_len,
                              preset=size.preset, task=task, sr=size.sr, n_mels=size.n_mels,
                              hop=size.hop,
                              memory=cache_dir(args), random_state=args.seed,
                              device=device_of(args), **params)


#: Name of the row of ADFF's cpu preset (its head on musicnn's pretrained levels) in the
#: suite's tables; the rows named "ADFF" are the paper's network trained from the log-Mel.
CPU_ADFF = "ADFF (cpu preset: musicnn levels)"


def musicnn_available():
    """Whether the optional musicnn package (its weights) is installed."""
    try:
        from skmer.pretrained import find_musicnn

        find_musicnn()
        return True
    except Exception:  # noqa: BLE001 - musicnn not installed: no such row
        return False


def adff_cpu(size, args, seg_len, task="regression"):
    """``make_adff_pipeline(preset='cpu')`` when musicnn is installed (not at smoke size)."""
    if size.name == "smoke" or not musicnn_available():
        return {}
    from skmer.baselines import make_adff_pipeline

    extra = {"max_epochs": args.epochs} if args.epochs is not None else {}
    return {CPU_ADFF: make_adff_pipeline(duration=seg_len, preset="cpu", task=task,
                                         memory=cache_dir(args), random_state=args.seed,
                                         device=device_of(args), **extra)}


def baselines(size, args, seg_len):
    """SVR / RF on both feature sets and the mean baseline (skmer.baselines)."""
    from skmer.baselines import make_mean_baseline, make_rf_baseline, make_svr_baseline

    common = dict(duration=seg_len, sr=size.sr, n_mels=size.n_mels, memory=cache_dir(args))
    return {
        "SVR (audio features)": make_svr_baseline("audio", **common),
        "RF (audio features)": make_rf_baseline("audio", n_estimators=size.rf_trees,
                                                random_state=args.seed, n_jobs=2, **common),
        "SVR (log-Mel stats)": make_svr_baseline("spectrogram", **common),
        "RF (log-Mel stats)": make_rf_baseline("spectrogram", n_estimators=size.rf_trees,
                                               random_state=args.seed, n_jobs=2, **common),
        **musicnn_baselines(size, args, seg_len),
        "Mean of training targets": make_mean_baseline(),
    }


def musicnn_baselines(size, args, seg_len):
    """SVR on pretrained musicnn embeddings, when musicnn is installed (not at smoke size)."""
    if size.name == "smoke" or not musicnn_available():
        return {}
    from skmer.baselines import make_svr_baseline

    return {"SVR (musicnn embeddings)": make_svr_baseline("musicnn", duration=seg_len,
                                                          memory=cache_dir(args))}


# -------------------------------------------------------------------------- evaluation
def _groups_for(cv, groups):
    from sklearn.model_selection import GroupKFold

    return groups if isinstance(cv, GroupKFold) else None


def evaluate_regression(model, X, y, groups, cv):
    """Cross-validated R², RMSE, CCC per dimension: dict of arrays over folds.

    RMSE is returned positive (lower is better). ``'seconds'`` is the total
    fit + score time of all folds.
    """
    from sklearn.model_selection import cross_validate

    from skmer.metrics import mer_scoring

    scoring = mer_scoring(TARGETS, metrics=("r2", "rmse", "ccc"), average=False)
    t = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        res = cross_validate(model, X, y, groups=_groups_for(cv, groups), cv=cv,
                             scoring=scoring, error_score="raise")
    out = {}
    for key in scoring:
        values = res[f"test_{key}"]
        if key.startswith("neg_"):
            key, values = key[4:], -values
        out[key] = np.asarray(values)
    out["seconds"] = time.perf_counter() - t
    return out


def evaluate_classification(model, X, y, groups, cv):
    """Cross-validated accuracy (%): dict with 'accuracy' (array over folds), 'seconds'."""
    from sklearn.model_selection import cross_validate

    t = time.perf_counter()
    res = cross_validate(model, X, y, groups=_groups_for(cv, groups), cv=cv,
                         scoring="accuracy", error_score="raise")
    return {"accuracy": 100 * np.asarray(res["test_score"]),
            "seconds": time.perf_counter() - t}


def pm(values, digits=4):
    """'mean ± std' of fold scores (std over folds, ddof=0 like numpy)."""
    values = np.asarray(values, dtype=float)
    return f"{values.mean():.{digits}f} ± {values.std():.{min(digits, 3)}f}"


def regression_cells(scores):
    """Paper column order: arousal RMSE, arousal R², valence RMSE, valence R²."""
    return [pm(scores["rmse_arousal"]), pm(scores["r2_arousal"]),
            pm(scores["rmse_valence"]), pm(scores["r2_valence"])]


# ------------------------------------------------------------------------------ output
def configuration(args, size, data, extra=""):
    """Markdown lines: data, size, seeds, protocol."""
    lines = [
        f"- **Data:** {data.description}.",
        f"- **Size:** `{size.name}`: ADFF preset `{size.preset}`, width {size.width:g}, "
        f"seg_num {size.seg_num}, {size.n_mels} Mel bands at {size.sr} Hz, "
        f"{size.max_epochs} epochs, batch {size.batch_size}, "
        + ("the scratch preset's recipe (AdamW 3e-3 one-cycle, per-band input scaling, "
           "frequency-keeping BiLSTM inputs)" if size.preset == "scratch"
           else f"Adam lr {size.lr:g}, paper lr decay milestones")
        + f"; {size.folds}-fold CV; random forests of {size.rf_trees} trees.",
        f"- **Seeds:** {args.seed} (data generation / window positions, CV shuffling, "
        f"network initialisation and batch order, forests). **Device:** {device_of(args)}, "
        f"{threads()} torch threads{load_note()}.",
    ]
    if extra:
        lines.append(extra)
    return "\n".join(lines)


def threads():
    import torch

    return torch.get_num_threads()


def load_note():
    """Load average when the run started: times are inflated on a shared machine."""
    try:
        return (f"; 1-min load average {_START_LOAD:.1f} at the start, "
                f"{os.getloadavg()[0]:.1f} at the end, on {os.cpu_count()} cores (other jobs "
                "share the machine: times are wall-clock and inflated by them)")
    except (NameError, AttributeError, OSError):  # pragma: no cover - no getloadavg
        return ""


try:
    _START_LOAD = os.getloadavg()[0]
except (AttributeError, OSError):  # pragma: no cover - not on Windows
    pass


def differs(size, data):
    """One honest line on how this run differs from the paper's."""
    what = "synthetic generated music, not PMEmo" if data.name == "synthetic" else data.name
    if size.name == "paper" and data.name == "PMEmo":
        return ("- **Differs from the paper:** only in hardware, library versions and seeds; "
                "the protocol is the paper's.")
    optimiser = ("the scratch recipe (AdamW 3e-3 one-cycle)" if size.preset == "scratch"
                 else f"lr {size.lr:g}")
    return (f"- **Differs from the paper** ({PAPER_SETUP}): {what}; {len(data.paths)} clips; "
            f"{size.seg_len:g} s inputs; width {size.width:g}, {size.max_epochs} epochs, "
            f"{optimiser}; {'CPU' if size.preset == 'scratch' else 'GPU'}. The paper's numbers "
            "are there for orientation, not comparison.")


def write(args, name, body):
    """Print `body` and (unless --no-write) write it as section `name` of --results."""
    print(body)
    if args.no_write:
        return
    _report.RESULTS = Path(args.results)
    _report.write_section(name, body)


def section_name(script, args, data):
    """e.g. 'bench_compare (synthetic, quick)': one section per script, data and size."""
    return f"{script} ({data.name}, {args.size})"


def figure_path(args, stem):
    """PNG path under --figures (created), or None with --no-write."""
    if args.no_write:
        return None
    folder = Path(args.figures)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{stem}_{args.size}.png"


def relative(path, args):
    """Path of a figure as written in RESULTS.md (relative to the results file)."""
    try:
        return os.path.relpath(path, Path(args.results).resolve().parent)
    except ValueError:
        return str(path)


def pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def bar_figure(groups, path, ylabel, title, reference=None):
    """Grouped bar chart of mean ± std per model and dimension.

    groups : dict model -> dict dimension -> fold values
    reference : optional dict dimension -> value drawn as dashed lines
    """
    plt = pyplot()
    names = list(groups)
    dims = list(next(iter(groups.values())))
    fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) + 2), 4.2))
    x = np.arange(len(names))
    w = 0.8 / len(dims)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for j, dim in enumerate(dims):
        means = [np.mean(groups[n][dim]) for n in names]
        stds = [np.std(groups[n][dim]) for n in names]
        ax.bar(x + (j - (len(dims) - 1) / 2) * w, means, w, yerr=stds, capsize=3, label=dim,
               color=colors[j % len(colors)])
        if reference and dim in reference:
            ax.axhline(reference[dim], ls="--", lw=1, color=colors[j % len(colors)],
                       label=f"paper ADFF, {dim}")
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(x)
    ax.set_xticklabels(names, rotation=25, ha="right", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


# ----------------------------------------------------------------------- timing history
#: History of the timing benchmarks: one JSON object per line and measured figure, read
#: by ``python -m benchmarks history``. ``--history PATH`` or ``$SKMER_TIMINGS`` redirect it.
TIMINGS = HERE / "timings.jsonl"
#: Files the benchmarks write: changes to them do not make a checkout "+dirty".
_OUTPUTS = ("benchmarks/RESULTS.md", "benchmarks/figures", "benchmarks/*.jsonl",
            "benchmarks/*.json")


def add_history_options(p):
    """``--results``, ``--no-write``, ``--history PATH`` and ``--no-history`` on parser `p`
    (the timing benchmarks)."""
    p.add_argument("--results", type=Path,
                   default=Path(os.environ.get("SKMER_RESULTS", _report.RESULTS)),
                   help="Markdown file to update (default: $SKMER_RESULTS or "
                        "benchmarks/RESULTS.md)")
    p.add_argument("--no-write", action="store_true",
                   help="print only: no RESULTS.md section, no history")
    p.add_argument("--history", type=Path, metavar="PATH",
                   help="timing history to append to (default: $SKMER_TIMINGS or "
                        "benchmarks/timings.jsonl)")
    p.add_argument("--no-history", action="store_true",
                   help="do not append this run's timings to the history")
    return p


def timings_file(path=None):
    """The timing history: `path`, else ``$SKMER_TIMINGS``, else :data:`TIMINGS`."""
    return Path(path) if path is not None else Path(os.environ.get("SKMER_TIMINGS") or TIMINGS)


def git_commit():
    """``git rev-parse --short HEAD``, plus ``+dirty`` when tracked files (other than the
    benchmarks' own outputs) have uncommitted changes; ``'unknown'`` outside git."""
    def git(*cmd):
        return subprocess.run(["git", *cmd], cwd=REPO, capture_output=True, text=True,
                              check=True, timeout=60).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".",
                    *(f":(exclude){path}" for path in _OUTPUTS))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


def machine_id():
    """CPU model, core count and OS: the history compares timings within one machine."""
    return f"{_report.cpu()}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


def size_label(name, overrides=None):
    """`name`, plus the options set away from that size's values: 'default (batch=4)'.

    The history compares a figure only between runs of the same label.
    """
    if not overrides:
        return name
    return f"{name} (" + ", ".join(f"{k}={v}" for k, v in sorted(overrides.items())) + ")"


def record_timings(benchmark, size, figures, args=None):
    """Append one JSON line per measured figure of a timing benchmark to the history.

    benchmark : script name, e.g. ``'bench_features'``
    size : the run's :func:`size_label`
    figures : iterable of ``(figure, value, unit)`` or ``(figure, value, unit, better)``;
        `better` is ``'lower'`` (the default: times) or ``'higher'`` (rates)
    args : parsed arguments with ``--history`` / ``--no-history`` / ``--no-write``
        (:func:`add_history_options`); nothing is written with either of the last two.

    Each line holds benchmark, figure, value, unit, better, commit (:func:`git_commit`),
    date (UTC, ISO 8601), size, machine (:func:`machine_id`), torch threads (when torch
    is loaded) and the 1-min load average at the start and end of the run. Returns the
    history's path, or None when nothing was written.
    """
    if args is not None and (getattr(args, "no_write", False)
                             or getattr(args, "no_history", False)):
        return None
    path = timings_file(getattr(args, "history", None))
    common = {"commit": git_commit(),
              "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "size": size, "machine": machine_id()}
    torch = sys.modules.get("torch")
    if torch is not None:
        common["threads"] = torch.get_num_threads()
    try:
        common["load"] = [round(_START_LOAD, 2), round(os.getloadavg()[0], 2)]
    except (NameError, AttributeError, OSError):  # pragma: no cover - no getloadavg
        pass
    lines = []
    for figure, value, unit, *better in figures:
        entry = {"benchmark": benchmark, "figure": figure, "value": float(f"{value:.6g}"),
                 "unit": unit, "better": better[0] if better else "lower", **common}
        lines.append(json.dumps(entry, ensure_ascii=False))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    print(f"appended {len(lines)} timings to {path} (python -m benchmarks history)")
    return path
