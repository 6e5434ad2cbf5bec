"""The ``skmer`` command line: predict, train, evaluate, demo.

Exit codes: 0 success; 1 some inputs could not be processed (the others'
results are still written); 2 bad usage, paths or model file.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
import tempfile
from pathlib import Path

from ._version import __version__

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class CLIError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""


# --------------------------------------------------------------------------- inputs


def collect_audio(inputs, recursive=True):
    """Expand files and folders into a sorted list of audio files.

    Parameters
    ----------
    inputs : list of str
        Audio files or folders.
    recursive : bool
        Look into sub-folders.

    Returns
    -------
    files : list of str
    """
    files, missing = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(p for p in path.glob(pattern)
                           if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
            if not found:
                raise CLIError(f"no audio files ({', '.join(AUDIO_EXTENSIONS)}) in folder {path}")
            files.extend(str(p) for p in found)
        elif path.is_file():
            files.append(str(path))
        else:
            missing.append(str(path))
    if missing:
        raise CLIError("not found: " + ", ".join(missing))
    return files


def _detect_layout(path, layout):
    path = Path(path)
    if not path.exists():
        raise CLIError(f"dataset not found: {path}")
    if layout != "auto":
        return layout
    if path.is_file() and path.suffix.lower() == ".csv":
        return "csv"
    if (path / "annotations" / "static_annotations.csv").exists():
        return "pmemo"
    if (path / "MEMD_audio").exists():
        return "deam"
    if (path / "panda_dataset_taffc_annotations.csv").exists():
        return "4q"
    raise CLIError(
        f"cannot tell the layout of {path}: expected a PMEmo folder "
        "(annotations/static_annotations.csv), a DEAM folder (MEMD_audio/), a 4Q folder "
        "(panda_dataset_taffc_annotations.csv) or a CSV file with path, valence, arousal "
        "columns; pass --layout"
    )


def load_dataset(path, layout, scale=True):
    """(paths, target[valence, arousal], description) from a dataset folder or CSV."""
    from . import datasets

    path = Path(path)
    layout = _detect_layout(path, layout)
    if layout == "pmemo":
        data = datasets.load_pmemo(path, scale=scale, dynamic=False)
    elif layout == "deam":
        data = datasets.load_deam(path, scale=scale, dynamic=False)
    elif layout == "csv":
        return _load_va_csv(path)
    else:
        raise CLIError(f"unknown layout {layout!r}")
    return list(data.paths), data.target, f"{layout} dataset {path} ({len(data.paths)} clips)"


def load_dynamic_dataset(path, layout, window, scale=True):
    """Per-0.5 s annotations of a PMEmo/DEAM folder, aligned to audio windows.

    Returns the Bunch of :func:`skmer.features.align_dynamic_annotations`
    (``clips``, ``target`` of shape (n_clips, n_steps, 2), ``start``,
    ``duration``) and a description.
    """
    from . import datasets
    from .features import align_dynamic_annotations

    path = Path(path)
    layout = _detect_layout(path, layout)
    if layout not in ("pmemo", "deam"):
        raise CLIError(f"--dynamic needs a PMEmo or DEAM folder with dynamic (per-0.5 s) "
                       f"annotations; {path} is a {layout} dataset")
    loader = datasets.load_pmemo if layout == "pmemo" else datasets.load_deam
    data = loader(path, scale=scale, dynamic=True)
    aligned = align_dynamic_annotations(data.paths, data.frame_times, data.target_dynamic,
                                        window=window)
    description = (f"{layout} dataset {path}: {len(aligned.clips)} clips with the first "
                   f"{aligned.n_steps} dynamic labels each ({len(aligned.dropped)} left out)")
    return aligned, description


def _load_va_csv(path):
    import numpy as np
    import pandas as pd

    frame = pd.read_csv(path)
    frame.columns = [c.strip().lower() for c in frame.columns]
    needed = {"path", "valence", "arousal"}
    if not needed <= set(frame.columns):
        raise CLIError(f"{path} needs columns path, valence, arousal; has {list(frame.columns)}")
    paths = [str((path.parent / p) if not Path(p).is_absolute() else Path(p))
             for p in frame["path"]]
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise CLIError(f"{len(missing)} audio file(s) listed in {path} do not exist: "
                       + ", ".join(missing[:10]))
    target = frame[["valence", "arousal"]].to_numpy(dtype=float)
    if not np.isfinite(target).all():
        bad = np.flatnonzero(~np.isfinite(target).all(axis=1)) + 2
        raise CLIError(f"{path}: non-numeric or missing valence/arousal on lines {bad[:10]}")
    return paths, target, f"CSV {path} ({len(paths)} clips)"


# --------------------------------------------------------------------------- predict


def predict_files(model, files, batch_size=32, verbose=True):
    """Predict every file, setting aside the ones that cannot be read.

    Returns
    -------
    predictions : dict of str -> ndarray
    failures : dict of str -> str
        File -> reason.
    """
    from .exceptions import FeatureExtractionError

    predictions, failures = {}, {}
    batches = [files[i:i + batch_size] for i in range(0, len(files), batch_size)]
    progress = None
    if verbose and len(files) > 1:
        from tqdm.auto import tqdm

        progress = tqdm(total=len(files), desc="predicting", unit="file", file=sys.stderr)
    for batch in batches:
        pending = list(batch)
        while pending:
            try:
                out = model.predict(pending)
            except FeatureExtractionError as exc:
                bad = {name.split(" [")[0]: reason for name, reason in exc.failures}
                failures.update(bad)
                pending = [f for f in pending if f not in bad]
                if not bad:  # nothing attributable: give up on this batch
                    failures.update({f: str(exc) for f in pending})
                    pending = []
                continue
            predictions.update(zip(pending, out))
            pending = []
        if progress is not None:
            progress.update(len(batch))
    if progress is not None:
        progress.close()
    return predictions, failures


def _prediction_rows(predictions, target_names):
    import numpy as np

    from .estimators import va_to_quadrant

    rows = []
    for path, value in predictions.items():
        value = np.asarray(value, dtype=float)
        row = {"file": path}
        if value.ndim == 0 and target_names == ["quadrant"]:  # 4Q classifier
            row["quadrant"] = f"Q{int(value)}"
        elif value.ndim == 0 or value.size == 1 and target_names is None:
            row["prediction"] = value.item() if value.size == 1 else value.tolist()
        elif value.ndim == 1 and target_names and len(target_names) == value.size:
            row.update({name: float(v) for name, v in zip(target_names, value)})
            if list(target_names) == ["valence", "arousal"]:
                row["quadrant"] = f"Q{int(va_to_quadrant(value[None])[0])}"
        else:
            row["prediction"] = value.tolist()
        rows.append(row)
    return rows


def _read_whole_files(model, example_file):
    """Make a dynamic pipeline read whole files instead of its training clip length."""
    from sklearn.pipeline import Pipeline

    from .features import LogMelTransformer

    first = model.steps[0][1] if isinstance(model, Pipeline) else None
    if isinstance(first, LogMelTransformer) and first.duration is not None:
        first.set_params(duration=None).fit([example_file])


def _curve_rows(predictions, info):
    """One row per file and curve point: time in seconds and one column per target."""
    import numpy as np

    hop = float(info.get("label_hop", 0.5))
    start = float(info.get("label_start", hop))
    rows = []
    for path, curve in predictions.items():
        curve = np.asarray(curve, dtype=float)
        if curve.ndim == 1:
            curve = curve[:, None]
        names = info.get("target_names") or []
        if len(names) != curve.shape[1]:
            names = [f"y{j}" for j in range(curve.shape[1])]
        for k, point in enumerate(curve):
            row = {"file": path, "time_s": round(start + k * hop, 3)}
            row.update({name: float(v) for name, v in zip(names, point)})
            rows.append(row)
    return rows


def format_rows(rows, fmt):
    if fmt == "json":
        return json.dumps(rows, indent=2)
    keys = list(dict.fromkeys(k for row in rows for k in row))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=keys, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (json.dumps(v) if isinstance(v, list) else v)
                             for k, v in row.items()})
        return buffer.getvalue().rstrip("\n")

    def cell(key, v):
        if key == "time_s":
            return f"{v:.2f}"
        return f"{v:+.3f}" if isinstance(v, float) else str(v)

    table = [keys] + [[cell(k, row.get(k, "")) for k in keys] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(keys))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def cmd_predict(args):
    from .model_io import load_model

    model, info = load_model(args.model, with_info=True)
    files = collect_audio(args.audio)
    target_names = info.get("target_names")
    if args.curve:
        if not info.get("dynamic"):
            raise CLIError(f"--curve needs a dynamic (DAMFF) model; {args.model} predicts one "
                           "value per clip")
        # Each file is read whole (its own number of curve points), so one file per batch.
        _read_whole_files(model, files[0])
        predictions, failures = predict_files(model, files, batch_size=1,
                                              verbose=not args.quiet)
        rows = _curve_rows(predictions, info)
    else:
        if info.get("dynamic"):
            print(f"note: {args.model} predicts curves; each row lists the curve of the clip "
                  "the model reads (use --curve for one row per time point over whole files)",
                  file=sys.stderr)
        predictions, failures = predict_files(model, files, verbose=not args.quiet)
        rows = _prediction_rows(predictions, target_names)
    text = format_rows(rows, args.format)
    if args.output:
        Path(args.output).write_text(text + "\n")
        print(f"wrote {len(predictions)} prediction(s) to {args.output}", file=sys.stderr)
    elif rows:
        print(text)
    if failures:
        print(f"\n{len(failures)} of {len(files)} file(s) could not be processed:",
              file=sys.stderr)
        for path, reason in failures.items():
            print(f"  {path}: {reason}", file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK


# --------------------------------------------------------------------------- train / evaluate


def build_pipeline(args):
    from sklearn.pipeline import Pipeline

    from .estimators import ADFFRegressor
    from .features import LogMelTransformer, SegmentStacker

    return Pipeline([
        ("mel", LogMelTransformer(sr=args.sr, n_mels=args.n_mels, duration=args.duration,
                                  memory=args.cache, n_jobs=args.jobs)),
        ("stack", SegmentStacker(seg_num=args.seg_num)),
        ("adff", ADFFRegressor(width=args.width, lr=args.lr, batch_size=args.batch_size,
                               max_epochs=args.epochs,
                               lr_milestones=(20, 45, 80, 110, 140, 170) if args.lr_decay
                               else None,
                               device=args.device, random_state=args.seed,
                               verbose=0 if args.quiet else 1)),
    ])


def build_dynamic_pipeline(args, aligned):
    from sklearn.pipeline import Pipeline

    from .estimators import DAMFFRegressor
    from .features import LogMelTransformer, SlidingWindows

    return Pipeline([
        ("mel", LogMelTransformer(sr=args.sr, n_mels=args.n_mels, duration=aligned.duration,
                                  crop="start", memory=args.cache, n_jobs=args.jobs)),
        ("windows", SlidingWindows(window=args.window, start=aligned.start)),
        ("damff", DAMFFRegressor(width=args.width, lr=args.lr, batch_size=args.batch_size,
                                 max_epochs=args.epochs, device=args.device,
                                 random_state=args.seed, verbose=0 if args.quiet else 1)),
    ])


def cmd_train(args):
    from .model_io import save_model

    if not args.dynamic and _detect_layout(args.dataset, args.layout) == "4q":
        from ._cli_quadrants import train_quadrants

        return train_quadrants(args)
    if args.dynamic:
        aligned, description = load_dynamic_dataset(args.dataset, args.layout, args.window)
        print(f"training DAMFF on {description}", file=sys.stderr)
        model = build_dynamic_pipeline(args, aligned).fit(aligned.clips, aligned.target)
    else:
        paths, target, description = load_dataset(args.dataset, args.layout)
        print(f"training ADFF on {description}", file=sys.stderr)
        model = build_pipeline(args).fit(paths, target)
    save_model(model, args.output, target_names=["valence", "arousal"])
    print(f"model written to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_evaluate(args):
    import numpy as np
    from sklearn.model_selection import KFold, cross_validate

    from .metrics import mer_scoring

    if _detect_layout(args.dataset, args.layout) == "4q":
        from ._cli_quadrants import evaluate_quadrants

        return evaluate_quadrants(args)
    paths, target, description = load_dataset(args.dataset, args.layout)
    folds = min(args.cv, len(paths))
    if folds < 2:
        raise CLIError(f"cross-validation needs at least 2 clips; {description}")
    print(f"{folds}-fold cross-validation of ADFF on {description}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="skmer-cache-") as tmp:
        if args.cache is None:  # decode each file once across the folds
            args.cache = tmp
        scores = cross_validate(build_pipeline(args), paths, target,
                                cv=KFold(folds, shuffle=True, random_state=args.seed),
                                scoring=mer_scoring(), error_score="raise")
    rows = []
    for key in sorted(k for k in scores if k.startswith("test_")):
        values = np.asarray(scores[key], dtype=float)
        name = key[len("test_"):]
        sign = -1.0 if name.startswith("neg_") else 1.0
        rows.append({"metric": name.removeprefix("neg_"), "mean": float(sign * values.mean()),
                     "std": float(values.std())})
    print(format_rows(rows, args.format))
    return EXIT_OK


def cmd_demo(args):
    import runpy

    demo = Path(__file__).resolve().parents[1] / "examples" / "demo.py"
    if not demo.exists():
        raise CLIError(f"the demo script is not available next to the package ({demo})")
    runpy.run_path(str(demo), run_name="__main__")
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def _add_model_options(parser):
    g = parser.add_argument_group("model")
    g.add_argument("--layout", choices=["auto", "pmemo", "deam", "4q", "csv"], default="auto",
                   help="dataset layout (default: detected); 4q trains a quadrant classifier")
    g.add_argument("--seg-num", type=int, default=6,
                   help="segments stacked as channels (6; ADFF only)")
    g.add_argument("--width", type=float, default=0.125,
                   help="channel multiplier of the VGG16 trunk; 1.0 is the paper (0.125)")
    g.add_argument("--epochs", type=int, default=20, help="training epochs (20)")
    g.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (1e-3)")
    g.add_argument("--batch-size", type=int, default=16)
    g.add_argument("--lr-decay", action="store_true",
                   help="decay the learning rate at the paper's epochs 20, 45, ..., 170 "
                        "(default: constant)")
    g.add_argument("--duration", type=float, default=20.0,
                   help="seconds per clip (20; with --dynamic the annotated span is used)")
    g.add_argument("--sr", type=int, default=44100, help="sampling rate in Hz (44100)")
    g.add_argument("--n-mels", type=int, default=128, help="Mel bands (128)")
    g.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--cache", default=None, help="folder caching decoded log-Mel spectrograms")
    g.add_argument("--jobs", type=int, default=None, help="parallel feature extraction")
    g.add_argument("-q", "--quiet", action="store_true")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="skmer",
        description="Music emotion recognition (valence/arousal) with scikit-learn estimators.",
        epilog="Exit codes: 0 ok, 1 some files failed (others' results kept), 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"skmer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("predict", help="predict valence/arousal of audio files or folders",
                       description="Predict the emotion of audio files (or every audio file "
                                   "in folders) with a saved model.")
    p.add_argument("model", help="model file written by `skmer train` or skmer.save_model")
    p.add_argument("audio", nargs="+", help="audio files or folders")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--curve", action="store_true",
                   help="valence/arousal curves over each whole file, one point per label hop "
                        "(0.5 s; dynamic DAMFF models)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("train", help="train an ADFF (or DAMFF) model on a dataset folder or CSV",
                       description="Train a CPU-sized ADFF pipeline (log-Mel -> segments -> "
                                   "ADFF), or with --dynamic a DAMFF pipeline (log-Mel -> "
                                   "windows -> DAMFF), and write a model file.")
    p.add_argument("dataset", help="PMEmo, DEAM or 4Q folder, or a CSV with path,valence,arousal")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    p.add_argument("--dynamic", action="store_true",
                   help="train DAMFF on the per-0.5 s annotations (PMEmo or DEAM) instead of "
                        "ADFF on the static ones; predict its curves with `predict --curve`")
    p.add_argument("--window", type=float, default=1.0,
                   help="with --dynamic: seconds of audio before each label (1.0)")
    _add_model_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="cross-validate an ADFF configuration on a dataset")
    p.add_argument("dataset", help="PMEmo, DEAM or 4Q folder, or a CSV with path,valence,arousal")
    p.add_argument("--cv", type=int, default=5, help="folds (5)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _add_model_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="run the demo on the built-in synthetic data")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.func(args)
    except CLIError as exc:
        print(f"skmer {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (OSError, ValueError) as exc:
        from .model_io import ModelFileError

        if isinstance(exc, ModelFileError | FileNotFoundError):
            print(f"skmer {args.command}: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        raise
