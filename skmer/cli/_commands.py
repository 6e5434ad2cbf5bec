"""The commands: ``predict`` (and ``predict --tags``), ``train``, ``evaluate``, ``demo``.

Each ``cmd_*`` function takes the parsed arguments and returns an exit code. Here too
is the building of the ADFF (:func:`build_pipeline`) and DAMFF
(:func:`build_dynamic_pipeline`) pipelines from the model options, and the checks and
fits shared by ``train`` and ``evaluate`` (unreadable clips left out with
``--on-error skip``, enough clips per fold). The 4Q specifics are in ``_quadrants``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from ._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    CLIError,
    _check_device,
    _check_output,
    _interrupt_aborts_training,
    _listed,
)
from ._inputs import _detect_layout, collect_audio, load_dataset, load_dynamic_dataset
from ._output import _curve_rows, _prediction_rows, _read_whole_files, format_rows, predict_files


def cmd_tags(args):
    """``skmer predict --tags``: musicnn's own top tags of each file (no model file needed)."""
    from ..pretrained.embedding import musicnn_tags

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
    from ..model_io import load_model

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


def build_pipeline(args, task="regression", **params):
    """The ADFF pipeline of ``--preset`` (:func:`skmer.baselines.make_adff_pipeline`).

    Only the options given on the command line override the preset.
    """
    from ..baselines import make_adff_pipeline
    from ..estimators._adff_mixin import PAPER_LR_MILESTONES

    given = {"width": args.width, "lr": args.lr, "batch_size": args.batch_size,
             "max_epochs": args.epochs}
    params = {**{k: v for k, v in given.items() if v is not None}, **params}
    if args.lr_decay:
        params.update(lr_schedule="multistep", lr_milestones=PAPER_LR_MILESTONES)
    front = {"sr": args.sr, "seg_num": args.seg_num, "n_mels": args.n_mels}
    return make_adff_pipeline(duration=args.duration, preset=args.preset, task=task,
                              memory=args.cache, n_jobs=args.jobs, random_state=args.seed,
                              verbose=0 if args.quiet else 1, device=args.device,
                              **front, **params)


#: Front-end settings of ``skmer train --dynamic`` where an option is not given
#: (the estimator's come from ``make_damff_pipeline(preset='cpu')``).
DYNAMIC_FRONT_END = {"sr": 44100, "n_mels": 128}


def build_dynamic_pipeline(args, aligned):
    """The DAMFF pipeline of ``skmer train --dynamic`` (``baselines.make_damff_pipeline``)."""
    from ..baselines import make_damff_pipeline

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
    from ..exceptions import FeatureExtractionError

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

    from ..exceptions import FailedInput, FeatureExtractionError

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
    from ..model_io import save_model

    _check_output(args.output)
    _check_device(args.device)
    if not args.dynamic:
        build_pipeline(args)  # contradictory options fail before the dataset is read
    if not args.dynamic and _detect_layout(args.dataset, args.layout) == "4q":
        from ._quadrants import train_quadrants

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

    from ..metrics import mer_scoring

    _check_device(args.device)
    if _detect_layout(args.dataset, args.layout) == "4q":
        from ._quadrants import evaluate_quadrants

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
    from ..demo import main as run_demo

    run_demo()
    return EXIT_OK
