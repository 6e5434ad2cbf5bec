"""``skmer train`` / ``skmer evaluate`` on a 4Q folder: an ADFF quadrant classifier.

The 4Q data set (:func:`skmer.datasets.load_4q`) has quadrant classes instead of
valence-arousal values, so the command line trains :class:`~skmer.estimators.ADFFClassifier`
on the quadrant (the same pipeline and model options as the regressor) and
evaluates it with folds stratified by quadrant and grouped by artist. ``_commands``
imports this module only when the data set is a 4Q folder.
"""

from __future__ import annotations

import sys
import tempfile

import numpy as np

from ._commands import _fit_skipping_unreadable, build_pipeline
from ._common import EXIT_OK, CLIError
from ._output import format_rows

QUADRANTS = (1, 2, 3, 4)


def load_quadrant_dataset(path, on_error="raise"):
    """The :func:`~skmer.datasets.load_4q` Bunch and a one-line description."""
    from ..datasets import load_4q

    data = load_4q(path, on_error=on_error)
    description = (f"4q dataset {path} ({len(data.paths)} clips, "
                   f"{len(set(data.groups))} artists; target: quadrant)")
    return data, description


def build_classifier_pipeline(args):
    """The CLI's ADFF pipeline with an :class:`ADFFClassifier` of the same settings."""
    return build_pipeline(args, task="classification", classes=list(QUADRANTS))


def _arousal(y):
    return np.isin(np.asarray(y), (1, 2)).astype(int)


def _valence(y):
    return np.isin(np.asarray(y), (1, 4)).astype(int)


def _balanced_arousal(y_true, y_pred):
    from sklearn.metrics import balanced_accuracy_score

    return balanced_accuracy_score(_arousal(y_true), _arousal(y_pred))


def _balanced_valence(y_true, y_pred):
    from sklearn.metrics import balanced_accuracy_score

    return balanced_accuracy_score(_valence(y_true), _valence(y_pred))


def quadrant_scoring():
    """Scorers: 4-class accuracy and macro F1, and the balanced accuracy of the
    binary arousal (Q1, Q2 vs Q3, Q4) and valence (Q1, Q4 vs Q2, Q3) read off the
    predicted quadrant."""
    from sklearn.metrics import make_scorer

    return {
        "accuracy": "accuracy",
        "f1_macro": "f1_macro",
        "balanced_accuracy_arousal": make_scorer(_balanced_arousal),
        "balanced_accuracy_valence": make_scorer(_balanced_valence),
    }


def train_quadrants(args):
    from ..model_io import save_model

    data, description = load_quadrant_dataset(args.dataset, args.on_error)
    print(f"training an ADFF quadrant classifier on {description}", file=sys.stderr)
    model = _fit_skipping_unreadable(build_classifier_pipeline(args), list(data.paths),
                                     np.asarray(data.target), args.on_error)
    save_model(model, args.output, target_names=["quadrant"])
    print(f"model written to {args.output}", file=sys.stderr)
    return EXIT_OK


def evaluate_quadrants(args):
    from sklearn.model_selection import StratifiedGroupKFold, cross_validate

    data, description = load_quadrant_dataset(args.dataset, args.on_error)
    folds = min(args.cv, len(set(data.groups)))
    if folds < 2:
        raise CLIError(f"cross-validation needs at least 2 artists; {description}")
    print(f"{folds}-fold cross-validation (stratified by quadrant, grouped by artist) of an "
          f"ADFF quadrant classifier on {description}", file=sys.stderr)
    cv = StratifiedGroupKFold(folds, shuffle=True, random_state=args.seed)
    with tempfile.TemporaryDirectory(prefix="skmer-cache-") as tmp:
        if args.cache is None:  # decode each file once across the folds
            args.cache = tmp
        scores = cross_validate(build_classifier_pipeline(args), data.paths, data.target,
                                groups=data.groups, cv=cv, scoring=quadrant_scoring(),
                                error_score="raise")
    rows = []
    for name in quadrant_scoring():
        values = np.asarray(scores[f"test_{name}"], dtype=float)
        rows.append({"metric": name, "mean": float(values.mean()), "std": float(values.std())})
    print(format_rows(rows, args.format))
    return EXIT_OK
