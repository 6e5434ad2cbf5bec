"""Multi-label tagging metrics: scorers and a per-tag report.

The scores tagging papers report (per-tag and macro F1, precision, recall,
ROC-AUC and average precision) for any estimator with ``predict`` and
``predict_proba`` on a binary tag indicator matrix, e.g.
:class:`~skmer.estimators.CNNTagger`.
"""

from __future__ import annotations

from functools import partial

import numpy as np
from sklearn.metrics import (
    average_precision_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
)

__all__ = ["tagging_report", "tagging_scorers"]


def is_dataframe(y):
    """Whether `y` is a 2-D pandas-like frame (without importing pandas)."""
    return hasattr(y, "columns") and hasattr(y, "to_numpy") and getattr(y, "ndim", 0) == 2


def _tag_matrix(y):
    return np.asarray(y.to_numpy() if is_dataframe(y) else y)


def _per_tag(metric, y_true, y_score):
    """Metric per tag column, NaN for tags that are constant in ``y_true``."""
    y_true = _tag_matrix(y_true)
    out = np.full(y_true.shape[1], np.nan)
    for j in range(y_true.shape[1]):
        if 0 < y_true[:, j].sum() < len(y_true):
            out[j] = metric(y_true[:, j], y_score[:, j])
    return out


def _nanmean(values):
    values = np.asarray(values, dtype=float)
    return float(np.nanmean(values)) if np.isfinite(values).any() else float("nan")


def macro_roc_auc(estimator, X, y):
    proba = estimator.predict_proba(X)
    y = _tag_matrix(y)
    if y.ndim == 2 and y.shape[1] > 1:
        return _nanmean(_per_tag(roc_auc_score, y, proba))
    # single-label: one-vs-rest macro ROC-AUC over the classes
    index = {label: i for i, label in enumerate(np.asarray(estimator.classes_).tolist())}
    y_idx = np.array([index[label] for label in y.ravel().tolist()])
    if proba.shape[1] == 2:
        return float(roc_auc_score(y_idx == 1, proba[:, 1]))
    return float(roc_auc_score(y_idx, proba, multi_class="ovr", labels=np.arange(proba.shape[1])))


def _macro_average_precision(estimator, X, y):
    return _nanmean(_per_tag(average_precision_score, y, estimator.predict_proba(X)))


def _prf(metric, average, estimator, X, y):
    y_true = _tag_matrix(y)
    return float(metric(y_true, estimator.predict(X), average=average, zero_division=0))


def tagging_scorers():
    """Scorers for multi-label tagging, for ``cross_validate`` / ``GridSearchCV``.

    Each value is a callable ``scorer(estimator, X, y) -> float`` (higher is
    better) that works with any estimator having ``predict`` (and
    ``predict_proba`` for the ranking metrics) on a tag indicator ``y``,
    including scikit-learn's own (e.g. ``MultiOutputClassifier`` needs its
    list-valued ``predict_proba`` converted, so pass :class:`~skmer.estimators.CNNTagger` or a
    pipeline ending in one).

    Returns
    -------
    scorers : dict of str -> callable
        ``'roc_auc_macro'`` (mean per-tag ROC-AUC over the tags present and
        absent in the fold), ``'average_precision_macro'`` (same, average
        precision), ``'f1_macro'``, ``'f1_micro'``, ``'f1_samples'``,
        ``'precision_macro'``, ``'recall_macro'`` (on :meth:`predict`,
        ``zero_division=0``).

    Examples
    --------
    >>> from sklearn.model_selection import cross_validate
    >>> from skmer.metrics import tagging_scorers
    >>> scores = cross_validate(tagger, X, Y, scoring=tagging_scorers())  # doctest: +SKIP
    """
    return {
        "roc_auc_macro": macro_roc_auc,
        "average_precision_macro": _macro_average_precision,
        "f1_macro": partial(_prf, f1_score, "macro"),
        "f1_micro": partial(_prf, f1_score, "micro"),
        "f1_samples": partial(_prf, f1_score, "samples"),
        "precision_macro": partial(_prf, precision_score, "macro"),
        "recall_macro": partial(_prf, recall_score, "macro"),
    }


def tagging_report(y_true, y_pred, y_score=None, tag_names=None):
    """Per-tag precision, recall, F1 (and ROC-AUC, average precision) with macro/micro rows.

    Parameters
    ----------
    y_true, y_pred : array-like or DataFrame of shape (n_clips, n_tags)
        Binary indicator matrices of the true and predicted tags.
    y_score : array-like of shape (n_clips, n_tags) or None
        Tag probabilities (e.g. ``predict_proba``) for ROC-AUC and average
        precision; ``None`` leaves those columns out.
    tag_names : sequence of str or None
        Row names; default: ``y_true``'s DataFrame columns, else ``0 ..``.

    Returns
    -------
    report : pandas.DataFrame
        One row per tag plus ``'macro'`` (mean over tags; ROC-AUC and AP
        over the tags with both classes in ``y_true``) and ``'micro'`` (all
        tag decisions pooled; ROC-AUC/AP left NaN) rows; columns
        ``precision``, ``recall``, ``f1``, [``roc_auc``, ``average_precision``],
        ``support`` (clips with the tag).
    """
    import pandas as pd

    if tag_names is None and is_dataframe(y_true):
        tag_names = list(y_true.columns)
    yt = _tag_matrix(y_true).astype(int)
    yp = _tag_matrix(y_pred).astype(int)
    if yt.ndim != 2 or yt.shape != yp.shape:
        raise ValueError(
            f"y_true and y_pred must be tag matrices of the same shape, got {yt.shape} and "
            f"{yp.shape}"
        )
    n_tags = yt.shape[1]
    names = list(range(n_tags)) if tag_names is None else list(tag_names)
    if len(names) != n_tags:
        raise ValueError(f"tag_names has {len(names)} names for {n_tags} tags")
    cols = {}
    for key, fn in (("precision", precision_score), ("recall", recall_score), ("f1", f1_score)):
        per = fn(yt, yp, average=None, zero_division=0)
        cols[key] = [*per, per.mean(), fn(yt, yp, average="micro", zero_division=0)]
    if y_score is not None:
        ys = np.asarray(y_score, dtype=float)
        if ys.shape != yt.shape:
            raise ValueError(f"y_score has shape {ys.shape}, expected {yt.shape}")
        for key, fn in (("roc_auc", roc_auc_score), ("average_precision",
                                                     average_precision_score)):
            per = _per_tag(fn, yt, ys)
            cols[key] = [*per, _nanmean(per), np.nan]
    support = yt.sum(axis=0)
    cols["support"] = [*support.tolist(), int(support.sum()), int(support.sum())]
    return pd.DataFrame(cols, index=[*names, "macro", "micro"])

