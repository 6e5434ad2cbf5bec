"""Emotion tagging: the deep CNN tagger vs per-tag logistic regression / random forest.

CNNTagger learns the tags from log-Mel spectrograms; the baselines use AudioFeatures
(149 hand-crafted descriptors per clip) with one logistic regression per tag
(StandardScaler + LogisticRegression in a MultiOutputClassifier) or a multi-label
random forest. K-fold cross-validation over clips (GroupKFold over songs for
CAL500exp segments); macro / micro F1 at a 0.5 threshold, macro ROC-AUC and
macro average precision (over tags with both classes in the test fold),
averaged over folds.

Data: the synthetic generator's 6 emotion tags by default; ``--tags-csv PATH``
(path + 0/1 tag columns, see skmer.datasets.load_tags_csv), ``--cal500 PATH``
(Emotion-* words of CAL500) or ``--cal500exp PATH`` when given.

Usage::

    python benchmarks/bench_tagging.py --quick      # ~ a few minutes on 2 cores
    python benchmarks/bench_tagging.py --cal500 ~/data/CAL500 --device cuda
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import markdown_table, write_section  # noqa: E402
from _suite import musicnn_available  # noqa: E402

#: Epochs of the pretrained tagger: fine-tuning all of musicnn costs ~0.25 s per clip and
#: epoch on 2 CPU cores, and 8 is bench_real's 4q-dev recipe.
FINE_TUNE_EPOCHS = 8

SIZES = {
    "quick": dict(clips=120, duration=4.0, sr=8000, n_mels=32, hop=0.02, epochs=30, folds=3,
                  width=1 / 8, blocks=3, trees=200),
    "full": dict(clips=300, duration=8.0, sr=16000, n_mels=64, hop=0.01, epochs=40, folds=5,
                 width=1 / 4, blocks=4, trees=500),
}


def load(args, cfg):
    """Return (audio inputs, tags (n, k), tag names, groups or None, description)."""
    if args.tags_csv:
        from skmer.datasets import load_tags_csv

        d = load_tags_csv(args.tags_csv, on_error="skip")
        return d.clips, d.tags, d.tag_names, d.groups, f"{args.tags_csv.name}: {len(d.tags)} clips"
    if args.cal500:
        from skmer.datasets import load_cal500

        d = load_cal500(args.cal500, on_error="skip")
        return d.paths, d.tags, d.tag_names, None, f"CAL500 Emotion-* words: {len(d.tags)} songs"
    if args.cal500exp:
        from skmer.datasets import load_cal500exp

        d = load_cal500exp(args.cal500exp, on_error="skip")
        return (d.clips, d.tags, d.tag_names, d.groups,
                f"CAL500exp Emotion-* segments: {len(d.tags)} segments of {len(d.song_ids)} songs")
    from skmer.datasets import make_music_emotion

    home = args.data_home or Path(tempfile.gettempdir()) / "skmer-bench"
    n = args.clips or cfg["clips"]
    d = make_music_emotion(n_clips=n, duration=cfg["duration"], sr=cfg["sr"],
                           random_state=args.seed, data_home=home, n_jobs=2)
    desc = (f"synthetic (make_music_emotion, random_state={args.seed}): {n} clips x "
            f"{cfg['duration']:g} s at {cfg['sr']} Hz, 6 tags (prevalence "
            + ", ".join(f"{t} {p:.2f}" for t, p in zip(d.tag_names, d.tags.mean(axis=0))) + ")")
    return d.paths, d.tags, d.tag_names, None, desc


def proba_matrix(est, X, n_tags):
    """(n, n_tags) positive-class probabilities, also from list-valued predict_proba."""
    p = est.predict_proba(X)
    if isinstance(p, list):  # scikit-learn multi-output: one (n, n_classes_j) per tag
        cols = []
        for pj, classes in zip(p, est.classes_):
            classes = list(classes)
            cols.append(pj[:, classes.index(1)] if 1 in classes else np.zeros(len(pj)))
        return np.column_stack(cols)
    return p.reshape(len(p), n_tags)


def fold_scores(Y, pred, proba):
    from sklearn.metrics import average_precision_score, f1_score, roc_auc_score

    both = [j for j in range(Y.shape[1]) if 0 < Y[:, j].sum() < len(Y)]
    return {
        "f1_macro": f1_score(Y, pred, average="macro", zero_division=0),
        "f1_micro": f1_score(Y, pred, average="micro", zero_division=0),
        "roc_auc_macro": np.mean([roc_auc_score(Y[:, j], proba[:, j]) for j in both]),
        "ap_macro": np.mean([average_precision_score(Y[:, j], proba[:, j]) for j in both]),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small data, few epochs, 3 folds")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--tags-csv", type=Path, metavar="PATH", help="generic tags CSV")
    source.add_argument("--cal500", type=Path, metavar="PATH", help="CAL500 folder")
    source.add_argument("--cal500exp", type=Path, metavar="PATH", help="CAL500exp folder")
    parser.add_argument("--clips", type=int, help="number of synthetic clips")
    parser.add_argument("--duration", type=float,
                        help="seconds of audio per clip (default: by size; 30 for CAL500)")
    parser.add_argument("--epochs", type=int)
    parser.add_argument("--folds", type=int)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-home", type=Path)
    parser.add_argument("--cache", type=Path, help="feature cache folder")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)

    import torch
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold, KFold
    from sklearn.multioutput import MultiOutputClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skmer.estimators import CNNTagger
    from skmer.features import AudioFeatures, LogMelTransformer

    torch.set_num_threads(args.threads)
    size = "quick" if args.quick else "full"
    cfg = SIZES[size]
    t_start = time.perf_counter()
    X_audio, Y, names, groups, desc = load(args, cfg)
    real = bool(args.tags_csv or args.cal500 or args.cal500exp)
    duration = args.duration or (30.0 if real else cfg["duration"])
    memory = str(args.cache) if args.cache else None
    t0 = time.perf_counter()
    S = LogMelTransformer(sr=cfg["sr"], n_mels=cfg["n_mels"], hop=cfg["hop"],
                          window=0.064 if cfg["sr"] <= 8000 else 0.06, duration=duration,
                          min_duration=0.1, memory=memory, n_jobs=2).fit_transform(X_audio)
    t_mel = time.perf_counter() - t0
    t0 = time.perf_counter()
    A = AudioFeatures(sr=cfg["sr"], duration=duration, min_duration=0.1, memory=memory,
                      n_jobs=2).fit_transform(X_audio)
    t_feat = time.perf_counter() - t0
    M = E = None
    if musicnn_available():
        from skmer.pretrained import MusicnnEmbedding, MusicnnMel
        from skmer.pretrained._musicnn import N_FRAMES

        t0 = time.perf_counter()
        n_frames = max(N_FRAMES, int(round(duration * 16000 / 256)))
        M = MusicnnMel(n_frames=n_frames, memory=memory, n_jobs=2).fit_transform(X_audio)
        E = MusicnnEmbedding(memory=memory, n_jobs=2).fit_transform(X_audio)
        t_musicnn = time.perf_counter() - t0
    n_folds = args.folds or cfg["folds"]
    splitter = GroupKFold(n_folds) if groups is not None else KFold(
        n_folds, shuffle=True, random_state=args.seed)
    folds = list(splitter.split(S, Y, groups))
    print(desc, "| log-Mel", S.shape, "| AudioFeatures", A.shape, flush=True)

    epochs = args.epochs or cfg["epochs"]
    models = [
        ("CNNTagger (log-Mel)", "mel", lambda: CNNTagger(
            width=cfg["width"], n_blocks=cfg["blocks"], lr=3e-3, max_epochs=epochs,
            batch_size=16, random_state=args.seed, device=args.device, verbose=0)),
        ("CNNTagger, class_weight='balanced'", "mel", lambda: CNNTagger(
            width=cfg["width"], n_blocks=cfg["blocks"], lr=3e-3, max_epochs=epochs,
            batch_size=16, class_weight="balanced", random_state=args.seed,
            device=args.device, verbose=0)),
        ("per-tag logistic regression (AudioFeatures)", "feat", lambda: make_pipeline(
            StandardScaler(), MultiOutputClassifier(LogisticRegression(C=0.1, max_iter=2000)))),
        ("per-tag logistic regression, balanced (AudioFeatures)", "feat", lambda: make_pipeline(
            StandardScaler(), MultiOutputClassifier(LogisticRegression(
                C=0.1, max_iter=2000, class_weight="balanced")))),
        ("random forest (AudioFeatures)", "feat", lambda: RandomForestClassifier(
            n_estimators=cfg["trees"], min_samples_leaf=2, n_jobs=2, random_state=args.seed)),
    ]
    if M is not None:  # the pretrained route (make_tagger_pipeline(pretrained=...)'s recipe)
        crop = N_FRAMES if M.shape[2] > N_FRAMES else None
        models += [
            ("CNNTagger (pretrained MSD_musicnn, fine-tuned)", "musicnn_mel", lambda: CNNTagger(
                pretrained="MSD_musicnn", lr=1e-4, head_lr=1e-3, crop_frames=crop,
                max_epochs=FINE_TUNE_EPOCHS, batch_size=16, random_state=args.seed,
                device=args.device, verbose=0)),
            ("per-tag logistic regression (musicnn embeddings)", "musicnn", lambda: make_pipeline(
                StandardScaler(), MultiOutputClassifier(LogisticRegression(C=0.1,
                                                                           max_iter=2000)))),
        ]
    rows = []
    for name, kind, make in models:
        X = {"mel": S, "feat": A, "musicnn_mel": M, "musicnn": E}[kind]
        scores, seconds = [], 0.0
        for train, test in folds:
            est = make()
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # constant tags in a fold, convergence
                est.fit(X[train], Y[train])
            seconds += time.perf_counter() - t0
            proba = proba_matrix(est, X[test], Y.shape[1])
            pred = (proba >= 0.5).astype(int)
            scores.append(fold_scores(Y[test], pred, proba))
        cells = [name]
        for key in ("roc_auc_macro", "ap_macro", "f1_macro", "f1_micro"):
            v = np.array([s[key] for s in scores])
            cells.append(f"{v.mean():.3f} ± {v.std():.3f}")
        cells.append(f"{seconds / len(folds):.2f}")
        rows.append(cells)
        print(" | ".join(cells), flush=True)

    header = ["model", "macro ROC-AUC", "macro AP", "macro F1", "micro F1", "fit s/fold"]
    body = "\n".join([
        f"{desc}. {n_folds}-fold CV ({'GroupKFold over songs' if groups is not None else 'KFold'}"
        f", seed {args.seed}); {duration:g} s per clip; log-Mel {S.shape[2]} frames x "
        f"{S.shape[3]} mel bands ({t_mel:.1f} s), AudioFeatures {A.shape[1]} descriptors "
        f"({t_feat:.1f} s)"
        + ("" if M is None else f"; musicnn log-mel {M.shape[2]} frames and embeddings "
           f"{E.shape[1]} ({t_musicnn:.1f} s)") + ".",
        "",
        f"CNNTagger: width {cfg['width']:g}, {cfg['blocks']} blocks, Adam lr 3e-3, batch 16, "
        f"{epochs} epochs, BCE loss, device {args.device}, {args.threads} torch thread(s). "
        "F1 at threshold 0.5; ROC-AUC and AP averaged over the tags with both classes in "
        "the test fold; mean ± std over folds."
        + ("" if M is None else " The pretrained tagger fine-tunes all of MSD musicnn (Adam "
           f"lr 1e-4, new output layer 1e-3, {FINE_TUNE_EPOCHS} epochs) on random 3 s "
           "windows, as make_tagger_pipeline(pretrained='MSD_musicnn') does."),
        "",
        markdown_table(header, rows),
        "",
        f"Total wall time {time.perf_counter() - t_start:.0f} s. Toy-scale measurements, not a "
        "reproduction of the paper's CAL500 / CAL500exp results.",
    ])
    print(body)
    if not args.no_write:
        data_name = ("tags.csv" if args.tags_csv else "CAL500" if args.cal500 else
                     "CAL500exp" if args.cal500exp else "synthetic")
        write_section(f"bench_tagging ({data_name}, {size})", body)


if __name__ == "__main__":
    main()
