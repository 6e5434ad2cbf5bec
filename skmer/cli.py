"""The ``skmer`` command line: predict, train, evaluate, demo.

Exit codes: 0 success; 1 some inputs could not be processed (the others'
results are still written); 2 bad usage, parameters, paths, data or model file
(one line, or a list of the problems, without a traceback); 130 interrupted
(Ctrl-C; ``train`` then writes no model).

One module for the whole command line: the parser and the commands share option
checks, error reporting and exit codes (the 4Q specifics are in ``_cli_quadrants``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
from pathlib import Path

from ._version import __version__

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
MAX_LISTED = 20  # problems listed in an error message


class CLIError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""


class TrainingInterrupted(BaseException):
    """Ctrl-C during ``train``/``evaluate``.

    Not a ``KeyboardInterrupt``: skorch catches that, ends training early and
    returns the half-trained network, which ``train`` would then save.
    """


@contextlib.contextmanager
def _interrupt_aborts_training():
    """While training, make Ctrl-C abort the command instead of ending training early."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise TrainingInterrupted()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# --------------------------------------------------------------------------- option values


def _number(kind, minimum, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not math.isfinite(value) or value < minimum or (minimum == 0 and value == 0):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


_positive_int = _number(int, 1, "a positive integer")
_positive_float = _number(float, 0, "a positive number")
_folds = _number(int, 2, "an integer >= 2 (number of folds)")


def _jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, or -1 for all cores; got 0")
    return value


def _check_device(device):
    """``--device`` must name a device this machine has (checked before any work)."""
    import torch

    try:
        resolved = torch.device("cpu" if device == "auto" else device)
    except (RuntimeError, TypeError, ValueError):
        raise CLIError(f"--device {device!r}: expected cpu, cuda, cuda:N or auto") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise CLIError(f"--device {device}: CUDA is not available on this machine; use "
                       "--device cpu or --device auto")


def _check_output(path):
    """The model file can be written: checked before training, so no training is lost."""
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"--output {path} is a directory; give a file name, e.g. "
                       f"{path / 'model.skmer'}")
    folder = path.parent
    if not folder.is_dir():
        raise CLIError(f"--output {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise CLIError(f"--output {path}: the folder {folder} is not writable")


def _listed(lines):
    lines = [str(line) for line in lines]
    shown = "\n".join(f"  - {line}" for line in lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        shown += f"\n  ... and {len(lines) - MAX_LISTED} more"
    return shown


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


def load_dataset(path, layout, scale=True, on_error="raise"):
    """(paths, target[valence, arousal], description) from a dataset folder or CSV.

    `on_error` is the loaders' ``'raise'`` or ``'skip'`` (leave out, with a
    warning, the clips whose audio is missing or whose labels are broken).
    """
    from . import datasets

    path = Path(path)
    layout = _detect_layout(path, layout)
    if layout == "pmemo":
        data = datasets.load_pmemo(path, scale=scale, dynamic=False, on_error=on_error)
    elif layout == "deam":
        data = datasets.load_deam(path, scale=scale, dynamic=False, on_error=on_error)
    elif layout == "csv":
        return _load_va_csv(path, on_error=on_error)
    else:
        raise CLIError(f"unknown layout {layout!r}")
    return list(data.paths), data.target, f"{layout} dataset {path} ({len(data.paths)} clips)"


def load_dynamic_dataset(path, layout, window, scale=True, on_error="raise"):
    """Per-0.5 s annotations of a PMEmo/DEAM folder, aligned to audio windows.

    Returns the Bunch of :func:`skmer.features.align_dynamic_annotations`
    (``clips``, ``target`` of shape (n_clips, n_steps, 2), the label grid,
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
    data = loader(path, scale=scale, dynamic=True, on_error=on_error)
    aligned = align_dynamic_annotations(data.paths, data.frame_times, data.target_dynamic,
                                        window_duration=window)
    description = (f"{layout} dataset {path}: {len(aligned.clips)} clips with the first "
                   f"{aligned.n_steps} dynamic labels each ({len(aligned.dropped)} left out)")
    return aligned, description


def _load_va_csv(path, on_error="raise"):
    import warnings

    import numpy as np
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError) as exc:  # pandas' ParserError is a ValueError
        raise CLIError(f"cannot read the CSV file {path}: {exc}") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    needed = {"path", "valence", "arousal"}
    if not needed <= set(frame.columns):
        raise CLIError(f"{path} needs columns path, valence, arousal; has {list(frame.columns)}")
    paths = [str((path.parent / str(p)) if not Path(str(p)).is_absolute() else Path(str(p)))
             for p in frame["path"]]
    target = frame[["valence", "arousal"]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    problems, keep = [], []
    for i, (clip, labels) in enumerate(zip(paths, target)):
        line = i + 2  # the header is line 1
        if not Path(clip).is_file():
            problems.append(f"line {line}: audio file not found: {clip}")
        elif not np.isfinite(labels).all():
            problems.append(f"line {line}: non-numeric or missing valence/arousal")
        else:
            keep.append(i)
    if problems and on_error == "raise":
        raise CLIError(f"{path}: {len(problems)} problem(s) (use --on-error skip to leave "
                       f"those clips out):\n{_listed(problems)}")
    if problems:
        warnings.warn(f"{path}: left out {len(problems)} clip(s):\n{_listed(problems)}",
                      UserWarning, stacklevel=2)
    if not keep:
        raise CLIError(f"{path}: no usable clips")
    paths = [paths[i] for i in keep]
    target = target[keep]
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
                # Positions in `pending`, never file names parsed back out of messages.
                bad = {r.index: r.reason for r in exc.records
                       if r.index is not None and 0 <= r.index < len(pending)}
                if not bad:  # nothing attributable: give up on this batch
                    failures.update({f: str(exc) for f in pending})
                    pending = []
                    continue
                failures.update({pending[i]: reason for i, reason in bad.items()})
                pending = [f for i, f in enumerate(pending) if i not in bad]
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
    """Result rows (dicts) as text: an aligned table, CSV (lists as JSON) or JSON.

    Columns follow the first appearance of each key; missing cells are empty.
    In the table, floats have 3 decimals and a sign (``time_s``: 2 decimals).
    """
    import pandas as pd

    if fmt == "json":
        return json.dumps(rows, indent=2)
    frame = pd.DataFrame.from_records(rows).astype(object)
    frame = frame.where(frame.notna(), None)
    if fmt == "csv":
        frame = frame.map(lambda v: json.dumps(v) if isinstance(v, list) else v)
        return frame.to_csv(index=False, lineterminator="\n").rstrip("\n")

    def cell(key, v):
        if v is None:
            return ""
        if key == "time_s":
            return f"{v:.2f}"
        return f"{v:+.3f}" if isinstance(v, float) else str(v)

    if frame.empty:
        return ""
    text = pd.DataFrame({k: [cell(k, v) for v in frame[k]] for k in frame.columns})
    widths = {k: max([len(str(k)), *map(len, text[k])]) for k in text.columns}
    text = text.apply(lambda column: column.str.ljust(widths[column.name]))
    header, *body = text.to_string(index=False, justify="left").split("\n")
    rule = " ".join("-" * w for w in widths.values())
    return "\n".join(line.rstrip() for line in [header, rule, *body])


def cmd_tags(args):
    """``skmer predict --tags``: musicnn's own top tags of each file (no model file needed)."""
    from .pretrained.embedding import musicnn_tags

    files = collect_audio([args.model, *args.audio])
    rows = []
    for path in files:
        tags = musicnn_tags(path, model=args.tags_model, top=args.top)
        rows.append({"file": path, "tags": ", ".join(f"{t} ({p:.2f})" for t, p in tags)})
    text = format_rows(rows, args.format)
    if args.output:
        Path(args.output).write_text(text + "\n")
    else:
        print(text)
    return 0


def cmd_predict(args):
    if getattr(args, "tags", False):
        return cmd_tags(args)
    if not args.audio:
        raise CLIError("predict needs a model file and at least one audio file or folder")
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
    elif rows or args.format == "json":  # JSON output always parses: `[]` when nothing worked
        print(text)
    if failures:
        print(f"\n{len(failures)} of {len(files)} file(s) could not be processed:",
              file=sys.stderr)
        for path, reason in failures.items():
            print(f"  {path}: {reason}", file=sys.stderr)
        return EXIT_PARTIAL
    return EXIT_OK


# --------------------------------------------------------------------------- train / evaluate


def build_pipeline(args, task="regression", **params):
    """The ADFF pipeline of ``--preset`` (:func:`skmer.baselines.make_adff_pipeline`).

    Only the options given on the command line override the preset.
    """
    from .baselines import make_adff_pipeline
    from .estimators._adff_mixin import PAPER_LR_MILESTONES

    given = {"width": args.width, "lr": args.lr, "batch_size": args.batch_size,
             "max_epochs": args.epochs}
    params = {**{k: v for k, v in given.items() if v is not None}, **params}
    if args.lr_decay:
        params.update(lr_schedule="multistep", lr_milestones=PAPER_LR_MILESTONES)
    front = {"sr": args.sr, "seg_num": args.seg_num}
    if args.preset == "pretrained":
        from .pretrained import find_musicnn

        find_musicnn()  # the install command now, not after the dataset is read
    else:
        front["n_mels"] = args.n_mels or 128
    return make_adff_pipeline(duration=args.duration, preset=args.preset, task=task,
                              memory=args.cache, n_jobs=args.jobs, random_state=args.seed,
                              verbose=0 if args.quiet else 1, device=args.device,
                              **front, **params)


#: Front-end settings of ``skmer train --dynamic`` where an option is not given
#: (the estimator's come from ``make_damff_pipeline(preset='cpu')``).
DYNAMIC_FRONT_END = {"sr": 44100, "n_mels": 128}


def build_dynamic_pipeline(args, aligned):
    """The DAMFF pipeline of ``skmer train --dynamic`` (``baselines.make_damff_pipeline``)."""
    from .baselines import make_damff_pipeline

    front = {k: getattr(args, k) if getattr(args, k) is not None else v
             for k, v in DYNAMIC_FRONT_END.items()}
    given = {name: getattr(args, option) for name, option in
             (("width", "width"), ("lr", "lr"), ("batch_size", "batch_size"),
              ("max_epochs", "epochs")) if getattr(args, option) is not None}
    return make_damff_pipeline(aligned, preset="cpu", memory=args.cache, n_jobs=args.jobs,
                               device=args.device, random_state=args.seed,
                               verbose=0 if args.quiet else 1, **front, **given)


def _fit_skipping_unreadable(model, X, y, on_error):
    """``model.fit(X, y)``; with ``on_error='skip'``, clips whose audio cannot be read are
    left out (with a note) and the model is fitted again on the others."""
    from .exceptions import FeatureExtractionError

    try:
        return model.fit(X, y)
    except FeatureExtractionError as exc:
        bad = {r.index for r in exc.records if r.index is not None and 0 <= r.index < len(X)}
        if on_error != "skip" or not bad or len(bad) == len(X):
            raise
        print(f"leaving out {len(bad)} of {len(X)} clip(s) whose audio cannot be read:\n"
              + _listed(f"{d}: {reason}" for d, reason in exc.failures), file=sys.stderr)
        keep = [i for i in range(len(X)) if i not in bad]
        return model.fit([X[i] for i in keep], y[keep])


def _readable(mel, X, y, on_error, chunk=64):
    """The clips of `X` (and rows of `y`) whose audio `mel` can read.

    Decodes every clip once (into `mel`'s cache, so that cross-validation does
    not decode them again); the clips that fail raise one
    :class:`~skmer.exceptions.FeatureExtractionError`, or with
    ``on_error='skip'`` are left out with a note.
    """
    from sklearn.base import clone

    from .exceptions import FailedInput, FeatureExtractionError

    mel = clone(mel).set_params(on_error="raise")
    failed = []
    for start in range(0, len(X), chunk):
        part = X[start:start + chunk]
        try:
            mel.fit(part).transform(part)
        except FeatureExtractionError as exc:
            failed.extend(FailedInput(None if r.index is None else start + r.index, r.path,
                                      r.reason, r.description) for r in exc.records)
    if not failed:
        return X, y
    if on_error != "skip":
        raise FeatureExtractionError(failed)
    print(f"leaving out {len(failed)} of {len(X)} clip(s) whose audio cannot be read:\n"
          + _listed(f"{r.description}: {r.reason}" for r in failed), file=sys.stderr)
    bad = {r.index for r in failed}
    keep = [i for i in range(len(X)) if i not in bad]
    return [X[i] for i in keep], y[keep]


def cmd_train(args):
    from .model_io import save_model

    _check_output(args.output)
    _check_device(args.device)
    if not args.dynamic:
        build_pipeline(args)  # contradictory options fail before the dataset is read
    if not args.dynamic and _detect_layout(args.dataset, args.layout) == "4q":
        from ._cli_quadrants import train_quadrants

        with _interrupt_aborts_training():
            return train_quadrants(args)
    with tempfile.TemporaryDirectory(prefix="skmer-cache-") as tmp:
        if args.cache is None and args.on_error == "skip":
            args.cache = tmp  # a refit after leaving out bad clips does not decode again
        with _interrupt_aborts_training():
            if args.dynamic:
                aligned, description = load_dynamic_dataset(args.dataset, args.layout,
                                                             args.window, on_error=args.on_error)
                print(f"training DAMFF on {description}", file=sys.stderr)
                model = _fit_skipping_unreadable(build_dynamic_pipeline(args, aligned),
                                                 list(aligned.clips), aligned.target,
                                                 args.on_error)
            else:
                paths, target, description = load_dataset(args.dataset, args.layout,
                                                           on_error=args.on_error)
                print(f"training ADFF on {description}", file=sys.stderr)
                model = _fit_skipping_unreadable(build_pipeline(args), paths, target,
                                                 args.on_error)
    save_model(model, args.output, target_names=["valence", "arousal"])
    print(f"model written to {args.output}", file=sys.stderr)
    return EXIT_OK


def cmd_evaluate(args):
    import numpy as np
    from sklearn.model_selection import KFold, cross_validate

    from .metrics import mer_scoring

    _check_device(args.device)
    if _detect_layout(args.dataset, args.layout) == "4q":
        from ._cli_quadrants import evaluate_quadrants

        with _interrupt_aborts_training():
            return evaluate_quadrants(args)
    paths, target, description = load_dataset(args.dataset, args.layout, on_error=args.on_error)
    folds = args.cv
    _check_folds(folds, len(paths), description)
    print(f"{folds}-fold cross-validation of ADFF on {description}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="skmer-cache-") as tmp:
        if args.cache is None:  # decode each file once across the folds
            args.cache = tmp
        pipeline = build_pipeline(args)
        with _interrupt_aborts_training():
            # every clip is decoded (into the cache) and checked before any training
            paths, target = _readable(pipeline.steps[0][1], paths, target, args.on_error)
            _check_folds(folds, len(paths), f"{len(paths)} readable clips")
            scores = cross_validate(pipeline, paths, target,
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


def _check_folds(folds, n_clips, description):
    """Every test fold needs 2 clips (R², correlations): checked before any training."""
    if n_clips // folds < 2:
        hint = (f"use --cv {n_clips // 2} or fewer" if n_clips >= 4
                else "cross-validation needs at least 4 clips")
        raise CLIError(f"--cv {folds} needs at least {2 * folds} clips (2 per test fold, for R² "
                       f"and correlations); {description} has {n_clips}: {hint}")


def cmd_demo(args):
    from .demo import main as run_demo

    run_demo()
    return EXIT_OK


# --------------------------------------------------------------------------- parser


def _add_model_options(parser):
    g = parser.add_argument_group("model")
    g.add_argument("--layout", choices=["auto", "pmemo", "deam", "4q", "csv"], default="auto",
                   help="dataset layout (default: detected); 4q trains a quadrant classifier")
    g.add_argument("--preset", choices=["cpu", "pretrained", "paper"], default="cpu",
                   help="ADFF recipe (skmer.baselines.make_adff_pipeline): cpu (default; from "
                        "scratch, minutes on a CPU), pretrained (on musicnn's pretrained "
                        "levels; needs `pip install --no-deps musicnn`; best on real music) "
                        "or paper (the paper's protocol, GPU work); the options below "
                        "override it")
    g.add_argument("--seg-num", type=_positive_int, default=None,
                   help="segments stacked as channels (the preset's: 4 for cpu, 6 for paper)")
    g.add_argument("--width", type=_positive_float, default=None,
                   help="channel multiplier of the VGG16 trunk; 1.0 is the paper (cpu and "
                        "DAMFF: 0.125)")
    g.add_argument("--epochs", type=_positive_int, default=None,
                   help="training epochs (the preset's: 30 cpu, 40 pretrained; DAMFF 20)")
    g.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (the preset's: 3e-3 cpu, 1e-3 pretrained and DAMFF)")
    g.add_argument("--batch-size", type=_positive_int, default=None,
                   help="the preset's (16; paper 32)")
    g.add_argument("--lr-decay", action="store_true",
                   help="decay the learning rate at the paper's epochs 20, 45, ..., 170 "
                        "(default: the preset's schedule)")
    g.add_argument("--duration", type=_positive_float, default=20.0,
                   help="seconds per clip (20; with --dynamic the annotated span is used)")
    g.add_argument("--sr", type=_positive_int, default=None,
                   help="sampling rate in Hz (the preset's: 22050 cpu, 44100 paper and DAMFF)")
    g.add_argument("--n-mels", type=_positive_int, default=None, help="Mel bands (128)")
    g.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--cache", default=None, help="folder caching decoded log-Mel spectrograms")
    g.add_argument("--jobs", type=_jobs, default=None, help="parallel feature extraction")
    g.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                   help="clips whose audio is missing or unreadable or whose labels are "
                        "broken: stop with the list of problems (raise, default) or leave "
                        "them out with a note (skip)")
    g.add_argument("-q", "--quiet", action="store_true")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="skmer",
        description="Music emotion recognition (valence/arousal) with scikit-learn estimators.",
        epilog="Exit codes: 0 ok, 1 some files failed (others' results kept), 2 usage, "
               "parameter, data or model-file error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"skmer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("predict", help="predict valence/arousal of audio files or folders",
                       description="Predict the emotion of audio files (or every audio file "
                                   "in folders) with a saved model.")
    p.add_argument("model", help="model file written by `skmer train` or skmer.save_model")
    p.add_argument("audio", nargs="*", help="audio files or folders")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--tags", action="store_true",
                   help="print musicnn's own top tags of each file instead (pretrained musicnn; "
                        "no model file: every positional argument is audio; needs "
                        "`pip install --no-deps musicnn`)")
    p.add_argument("--tags-model", default="MSD_musicnn",
                   choices=["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"],
                   help="musicnn model for --tags (MSD_musicnn)")
    p.add_argument("--top", type=int, default=5, help="tags per file for --tags (5)")
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
    p.add_argument("--window", type=_positive_float, default=1.0,
                   help="with --dynamic: seconds of audio before each label (1.0)")
    _add_model_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="cross-validate an ADFF configuration on a dataset")
    p.add_argument("dataset", help="PMEmo, DEAM or 4Q folder, or a CSV with path,valence,arousal")
    p.add_argument("--cv", type=_folds, default=5,
                   help="folds (5); each test fold needs at least 2 clips")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _add_model_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="run the demo on the built-in synthetic data")
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv=None):
    import warnings

    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE

    def error(message):
        print(f"skmer {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"skmer {args.command}: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show_warning  # no source lines of skmer's internals
        try:
            return args.func(args)
        except CLIError as exc:
            return error(exc)
        except (KeyboardInterrupt, TrainingInterrupted):
            done = "; no model written" if args.command == "train" else ""
            print(f"\nskmer {args.command}: interrupted{done}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            from .datasets import DatasetError
            from .exceptions import FeatureExtractionError, TrainingDivergedError
            from .model_io import ModelFileError

            skip = " (use --on-error skip to leave them out)" if hasattr(args, "on_error") else ""
            if isinstance(exc, DatasetError):
                return error(f"{exc.dataset}: {len(exc.problems)} problem(s){skip}:\n"
                             + _listed(exc.problems))
            if isinstance(exc, FeatureExtractionError):
                return error(f"{len(exc.failures)} audio file(s) could not be read{skip}:\n"
                             + _listed(f"{d}: {reason}" for d, reason in exc.failures))
            from .pretrained import MusicnnNotInstalledError

            if isinstance(exc, ModelFileError | FileNotFoundError | TrainingDivergedError
                          | MusicnnNotInstalledError):
                return error(exc)
            if isinstance(exc, ValueError | TypeError) and args.command in ("train", "evaluate"):
                # a hyper-parameter an estimator refuses: its message names it
                return error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            raise
