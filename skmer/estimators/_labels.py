"""Label encoding and class weights of the single-label classifiers (ADFFClassifier, CNNTagger)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_consistent_length, column_or_1d

__all__ = ["class_weights", "encode_labels"]


def encode_labels(y, n_samples, labels, *, estimator, labels_param="classes"):
    """Check a 1-D label vector and encode it as indices into the label list.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels of any type; a one-column 2-D ``y`` is raveled with a
        ``DataConversionWarning``, as in scikit-learn.
    n_samples : int
        Rows of ``X``.
    labels : array-like of shape (n_classes,) or None
        The label list (column order of ``predict_proba``); ``None``: the
        sorted unique labels of ``y``. Must be distinct, at least 2.
    estimator : object
        For the messages.
    labels_param : str, default='classes'
        Name of the parameter `labels` came from, for the messages.

    Returns
    -------
    labels : ndarray of shape (n_classes,)
    y_enc : ndarray of shape (n_samples,), int64
        Index of each label of ``y`` in ``labels``.
    """
    name = type(estimator).__name__
    y = column_or_1d(y, warn=True)
    check_consistent_length(np.empty((n_samples, 0)), y)
    check_classification_targets(y)
    labels = np.unique(y) if labels is None else np.asarray(labels)
    if labels.ndim != 1 or len(np.unique(labels)) != len(labels):
        raise ValueError(f"{labels_param} must be a 1-D list of distinct labels, got {labels!r}")
    if len(labels) < 2:
        raise ValueError(
            f"{name} needs at least 2 classes; y contains only {len(labels)} class: "
            f"{labels.tolist()!r}"
        )
    index = {label: i for i, label in enumerate(labels.tolist())}
    try:
        y_enc = np.array([index[label] for label in y.tolist()], dtype=np.int64)
    except KeyError as exc:
        raise ValueError(
            f"y contains label {exc.args[0]!r} which is not among the classes "
            f"{labels.tolist()!r}"
        ) from None
    return labels, y_enc


def class_weights(class_weight, y_enc, labels):
    """Per-class loss weights from a ``class_weight`` parameter.

    Parameters
    ----------
    class_weight : {'balanced'}, dict or None
        ``'balanced'``: :func:`sklearn.utils.class_weight.compute_class_weight`
        over the classes present in ``y_enc`` (1 for absent ones); a dict maps
        labels to weights (1 for those it omits).
    y_enc : ndarray of shape (n_samples,), int
        Encoded training labels.
    labels : ndarray of shape (n_classes,)

    Returns
    -------
    weights : ndarray of shape (n_classes,), float64, or None
        ``None`` when `class_weight` is None.
    """
    if class_weight is None:
        return None
    if isinstance(class_weight, str) and class_weight == "balanced":
        present = np.unique(y_enc)
        weights = np.ones(len(labels))
        weights[present] = compute_class_weight("balanced", classes=present, y=y_enc)
        return weights
    unknown = set(class_weight) - set(labels.tolist())
    if unknown:
        raise ValueError(
            f"class_weight has labels {sorted(unknown, key=str)!r} that are not among the "
            f"classes {labels.tolist()!r}"
        )
    return np.array([float(class_weight.get(label, 1.0)) for label in labels.tolist()])
