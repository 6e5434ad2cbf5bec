"""Dynamic MER: DAMFF and its ablations vs per-window SVR / random-forest baselines.

Every clip becomes one log-Mel window per dynamic label (SlidingWindows: window k
ends at label time t_k and covers the preceding ``--window`` seconds). DAMFF sees
the window sequence of a clip; the baselines see each window alone, summarised by
SpectrogramStats (per-band mean, std and frame-to-frame change). Clips are split
with K-fold cross-validation (all windows of a clip stay in one fold); CCC, PCC
and RMSE are pooled over the clips x steps of each test fold (skmer.metrics) and
averaged over folds.

Data: the synthetic generator with dynamic labels by default (labels every 0.5 s
at 0.5 (k + 1) s), or ``--pmemo PATH`` / ``--deam PATH`` (labels every 0.5 s from
15.5 s / 15 s, cropped to a common number of steps with align_dynamic_annotations).

Usage::

    python benchmarks/bench_dynamic.py --quick            # ~ a few minutes on 2 cores
    python benchmarks/bench_dynamic.py                    # + single-filter rows, more data
    python benchmarks/bench_dynamic.py --pmemo ~/data/PMEmo2019 --device cuda
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import markdown_table, write_section  # noqa: E402

SIZES = {
    # clips, seconds, sr, n_mels, frame hop, epochs, folds, width, lstm hidden, RF trees
    "quick": dict(clips=80, duration=6.0, sr=8000, n_mels=32, frame_hop=0.02, epochs=20,
                  folds=3, width=1 / 8, hidden=16, trees=100, n_steps=20),
    "full": dict(clips=200, duration=10.0, sr=16000, n_mels=64, frame_hop=0.01, epochs=40,
                 folds=5, width=1 / 4, hidden=32, trees=300, n_steps=60),
}

ABLATIONS = [
    ("DAMFF (hybrid filters, DAFF)", {}),
    ("w/o fusion strategy (concat)", {"use_fusion": False}),
    ("w/o channel attention", {"use_channel_attention": False}),
    ("w/o spatial attention", {"use_spatial_attention": False}),
    ("w/o DAFF (no attention, (A+B)/2)",
     {"use_channel_attention": False, "use_spatial_attention": False}),
]
FILTER_ROWS = [
    ("T-F CNN (5x5 only)", {"filters": ("tf",)}),
    ("Square CNN (3x3 only)", {"filters": ("square",)}),
    ("T-S CNN (7x1 only)", {"filters": ("time",)}),
    ("F-S CNN (1x7 only)", {"filters": ("freq",)}),
]


def load_windows(args, cfg):
    """Return (windows (n, steps, 1, F, M), labels (n, steps, 2), description)."""
    from skmer.features import LogMelTransformer, SlidingWindows, align_dynamic_annotations

    mel_kw = dict(sr=cfg["sr"], n_mels=cfg["n_mels"], window=0.064 if cfg["sr"] <= 8000 else
                  0.06, hop=cfg["frame_hop"], crop="start", n_jobs=2)
    if args.pmemo or args.deam:
        from skmer.datasets import load_deam, load_pmemo

        loader, root = (load_pmemo, args.pmemo) if args.pmemo else (load_deam, args.deam)
        data = loader(root, on_error="skip")
        n_steps = args.steps or cfg["n_steps"]
        d = align_dynamic_annotations(data.paths, data.frame_times, data.target_dynamic,
                                      window_duration=args.window, n_steps=n_steps)
        clips = d.clips[: args.clips] if args.clips else d.clips
        Y = d.target[: len(clips)]
        memory = str(args.cache) if args.cache else None
        S = LogMelTransformer(duration=d.duration, memory=memory, **mel_kw).fit_transform(clips)
        W = SlidingWindows(window_duration=args.window, label_start=d.label_start,
                           frame_hop=cfg["frame_hop"]).fit_transform(S)
        name = "PMEmo" if args.pmemo else "DEAM"
        desc = (f"{name}: {len(clips)} clips ({len(d.dropped)} with fewer labels left out), "
                f"first {d.n_steps} labels each (every 0.5 s from 15.5 s / 15 s)")
        return W, Y, desc
    from skmer.datasets import make_music_emotion

    home = args.data_home or Path(tempfile.gettempdir()) / "skmer-bench"
    n = args.clips or cfg["clips"]
    data = make_music_emotion(n_clips=n, duration=cfg["duration"], sr=cfg["sr"], dynamic=True,
                              random_state=args.seed, data_home=home, n_jobs=2)
    S = LogMelTransformer(duration=cfg["duration"], **mel_kw).fit_transform(data.paths)
    W = SlidingWindows(window_duration=args.window, frame_hop=cfg["frame_hop"]).fit_transform(S)
    desc = (f"synthetic (make_music_emotion, dynamic=True, random_state={args.seed}): {n} clips "
            f"x {cfg['duration']:g} s at {cfg['sr']} Hz, labels every 0.5 s")
    return W, data.target_dynamic, desc


def evaluate(Y_true, Y_pred):
    """Per-dimension [valence, arousal] CCC, PCC, RMSE pooled over clips x steps."""
    from skmer.metrics import ccc, pcc, rmse

    return {m: f(Y_true, Y_pred, multioutput="raw_values")
            for m, f in (("ccc", ccc), ("pcc", pcc), ("rmse", rmse))}


def run_damff(params, W, Y, folds, cfg, args):
    from skmer.estimators import DAMFFRegressor

    scores, seconds = [], 0.0
    for train, test in folds:
        reg = DAMFFRegressor(width=cfg["width"], lstm_hidden=cfg["hidden"], lstm_layers=1,
                             dropout=0.1, lr=3e-3, batch_size=8,
                             max_epochs=args.epochs or cfg["epochs"], random_state=args.seed,
                             device=args.device, verbose=0, **params)
        t0 = time.perf_counter()
        reg.fit(W[train], Y[train])
        seconds += time.perf_counter() - t0
        scores.append(evaluate(Y[test], reg.predict(W[test])))
    return scores, seconds / len(folds)


def run_window_baseline(model, W, Y, folds):
    from skmer.features import SpectrogramStats

    n, steps = W.shape[:2]
    F = SpectrogramStats().fit_transform(W.reshape(n * steps, *W.shape[2:])).reshape(n, steps, -1)
    scores, seconds = [], 0.0
    for train, test in folds:
        from sklearn.base import clone

        est = clone(model)
        t0 = time.perf_counter()
        est.fit(F[train].reshape(-1, F.shape[2]), Y[train].reshape(-1, Y.shape[2]))
        seconds += time.perf_counter() - t0
        pred = est.predict(F[test].reshape(-1, F.shape[2])).reshape(len(test), steps, -1)
        scores.append(evaluate(Y[test], pred))
    return scores, seconds / len(folds)


def summarise(scores):
    """Mean over folds of each metric and dimension -> {(metric, dim): (mean, std)}."""
    out = {}
    for m in ("ccc", "pcc", "rmse"):
        values = np.array([s[m] for s in scores])  # (folds, 2)
        for d, name in enumerate(("valence", "arousal")):
            out[m, name] = (values[:, d].mean(), values[:, d].std())
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, few epochs, 3 folds")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--pmemo", type=Path, metavar="PATH", help="PMEmo2019 folder")
    source.add_argument("--deam", type=Path, metavar="PATH", help="DEAM folder")
    parser.add_argument("--clips", type=int, help="number of clips (default: by size)")
    parser.add_argument("--steps", type=int, help="labels per clip kept (PMEmo/DEAM)")
    parser.add_argument("--epochs", type=int, help="DAMFF epochs (default: by size)")
    parser.add_argument("--folds", type=int, help="CV folds (default: by size)")
    parser.add_argument("--window", type=float, default=1.0, help="window length in seconds")
    parser.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-home", type=Path, help="where synthetic clips are cached")
    parser.add_argument("--cache", type=Path, help="log-Mel cache folder (PMEmo/DEAM)")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    import torch
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import KFold
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    torch.set_num_threads(args.threads)
    size = "quick" if args.quick else "full"
    cfg = SIZES[size]
    t_start = time.perf_counter()
    W, Y, desc = load_windows(args, cfg)
    n_folds = args.folds or cfg["folds"]
    folds = list(KFold(n_folds, shuffle=True, random_state=args.seed).split(W))
    print(desc, "| windows", W.shape, flush=True)

    rows_spec = ABLATIONS + ([] if args.quick else FILTER_ROWS)
    results = []
    for name, params in rows_spec:
        scores, sec = run_damff(params, W, Y, folds, cfg, args)
        results.append((name, summarise(scores), sec))
        print(f"{name}: arousal CCC {results[-1][1]['ccc', 'arousal'][0]:.3f}, "
              f"{sec:.1f} s/fit", flush=True)
    baselines = [
        ("per-window SVR (SpectrogramStats)",
         make_pipeline(StandardScaler(), MultiOutputRegressor(SVR(C=1.0)))),
        ("per-window random forest (SpectrogramStats)",
         RandomForestRegressor(n_estimators=cfg["trees"], min_samples_leaf=2, n_jobs=2,
                               random_state=args.seed)),
    ]
    for name, model in baselines:
        scores, sec = run_window_baseline(model, W, Y, folds)
        results.append((name, summarise(scores), sec))
        print(f"{name}: arousal CCC {results[-1][1]['ccc', 'arousal'][0]:.3f}", flush=True)

    header = ["model", "arousal CCC", "arousal PCC", "arousal RMSE", "valence CCC",
              "valence PCC", "valence RMSE", "fit s/fold"]
    table = []
    for name, s, sec in results:
        cells = [name]
        for dim in ("arousal", "valence"):
            for m in ("ccc", "pcc", "rmse"):
                mean, std = s[m, dim]
                cells.append(f"{mean:.3f} ± {std:.3f}")
        cells.append(f"{sec:.2f}")
        table.append(cells)
    epochs = args.epochs or cfg["epochs"]
    n, steps, _, frames, mels = W.shape
    body = "\n".join([
        f"{desc}; {n_folds}-fold CV over clips (seed {args.seed}). Windows: {steps} per clip, "
        f"{args.window:g} s = {frames} frames x {mels} mel bands (frame hop "
        f"{cfg['frame_hop']:g} s), window k ending at label k.",
        "",
        f"DAMFF: width {cfg['width']:g}, BiLSTM 1 x {cfg['hidden']}, Adam lr 3e-3, batch 8 "
        f"clips, {epochs} epochs, MSE loss, device {args.device}, {args.threads} torch "
        "thread(s). Metrics pooled over clips x steps per test fold, mean ± std over folds.",
        "",
        markdown_table(header, table),
        "",
        f"Total wall time {time.perf_counter() - t_start:.0f} s. Ablation switches: "
        "DAMFFRegressor(use_fusion=..., use_channel_attention=..., "
        "use_spatial_attention=..., filters=...); see skmer.nn.damff for our reading of the "
        "poster. These are measurements at a toy scale, not a reproduction of the poster's "
        "MER1101/DEAM numbers.",
    ])
    print(body)
    if not args.no_write:
        data_name = "PMEmo" if args.pmemo else "DEAM" if args.deam else "synthetic"
        write_section(f"bench_dynamic ({data_name}, {size})", body)


if __name__ == "__main__":
    main()
