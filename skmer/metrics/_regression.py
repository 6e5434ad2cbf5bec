"""Regression metrics and scorers for valence-arousal (V-A) prediction.

The ADFF paper (Huang et al. 2022, section 3) reports the coefficient of
determination (R²) and the root mean squared error (RMSE) per emotion
dimension; the music emotion recognition literature also uses Pearson's
correlation (PCC) and Lin's concordance correlation coefficient (CCC). This
module computes all four per dimension and averaged, and builds scikit-learn
scorers for :func:`~sklearn.model_selection.cross_validate` and
:class:`~sklearn.model_selection.GridSearchCV`.

Input shapes
------------
Every metric accepts ``y_true`` and ``y_pred`` of the same shape:

* ``(n,)`` -- one dimension, ``n`` clips; the result is a float;
* ``(n, n_dims)`` -- static annotations, e.g. ``[valence, arousal]`` per clip;
* ``(n_clips, n_steps, n_dims)`` -- dynamic (per time step) curves, such as
  DEAM's 2 Hz annotations. Clips and steps are **flattened** into one axis of
  ``n_clips * n_steps`` samples per dimension before the metric is computed,
  so R², PCC and CCC are computed over all frames of all clips at once
  (the "pooled" convention), not per clip and then averaged.

Values must be finite: NaN or infinity raises :class:`ValueError` (pad
dynamic curves of unequal length by cropping, not with NaN).

Examples
--------
>>> import numpy as np
>>> from skmer.metrics import ccc, rmse
>>> y = np.array([[0.1, 0.5], [0.3, -0.2], [-0.4, 0.0]])
>>> float(ccc(y, y))
1.0
>>> rmse(y, y + [0.1, 0.0], multioutput="raw_values")
array([0.1, 0. ])
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from sklearn.metrics import make_scorer
from sklearn.metrics import r2_score as _sk_r2_score

__all__ = [
    "DEFAULT_TARGET_NAMES",
    "MER_SCORERS",
    "ccc",
    "dimension_scorer",
    "mer_report",
    "mer_scoring",
    "pcc",
    "r2",
    "rmse",
]

DEFAULT_TARGET_NAMES = ("valence", "arousal")

_MULTIOUTPUT_STR = ("raw_values", "uniform_average")


# --------------------------------------------------------------------------- validation
def _as_2d_pair(y_true, y_pred):
    """Validate a (y_true, y_pred) pair and return 2-D float arrays and ``was_1d``.

    1-D -> ``(n, 1)``; 2-D unchanged; 3-D ``(n_clips, n_steps, n_dims)`` ->
    ``(n_clips * n_steps, n_dims)``.
    """
    arrays = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        try:
            a = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} must be numeric array-like: {exc}") from exc
        if a.ndim not in (1, 2, 3):
            raise ValueError(
                f"{name} must have shape (n,), (n, n_dims) or (n_clips, n_steps, n_dims), "
                f"got shape {a.shape}"
            )
        arrays.append(a)
    t, p = arrays
    if t.shape != p.shape:
        raise ValueError(
            f"y_true and y_pred have different shapes: {t.shape} vs {p.shape}"
        )
    for name, a in (("y_true", t), ("y_pred", p)):
        if not np.all(np.isfinite(a)):
            bad = int(np.sum(~np.isfinite(a)))
            raise ValueError(f"{name} contains {bad} NaN or infinite value(s)")
    was_1d = t.ndim == 1
    if t.ndim == 1:
        t, p = t[:, None], p[:, None]
    elif t.ndim == 3:
        t = t.reshape(-1, t.shape[2])
        p = p.reshape(-1, p.shape[2])
    if t.shape[0] < 1 or t.shape[1] < 1:
        raise ValueError(f"need at least one sample and one dimension, got shape {t.shape}")
    return t, p, was_1d


def _reduce(values, multioutput, was_1d):
    """Average per-dimension ``values`` as requested by ``multioutput``."""
    if isinstance(multioutput, str):
        if multioutput not in _MULTIOUTPUT_STR:
            raise ValueError(
                f"multioutput must be one of {_MULTIOUTPUT_STR} or an array of weights, "
                f"got {multioutput!r}"
            )
        if multioutput == "raw_values":
            return values
        return float(values[0]) if was_1d else float(np.mean(values))
    weights = np.asarray(multioutput, dtype=np.float64)
    if weights.shape != values.shape:
        raise ValueError(
            f"multioutput weights must have shape {values.shape} (one per dimension), "
            f"got {weights.shape}"
        )
    return float(np.average(values, weights=weights))


def _moments(t, p):
    """Per-column means, population variances and covariance (ddof=0)."""
    mt, mp = t.mean(axis=0), p.mean(axis=0)
    dt, dp = t - mt, p - mp
    vt = np.mean(dt * dt, axis=0)
    vp = np.mean(dp * dp, axis=0)
    cov = np.mean(dt * dp, axis=0)
    # an exactly constant column has zero spread whatever the rounding of its mean
    vt = np.where(np.ptp(t, axis=0) == 0, 0.0, vt)
    vp = np.where(np.ptp(p, axis=0) == 0, 0.0, vp)
    cov = np.where((vt == 0) | (vp == 0), 0.0, cov)
    return mt, mp, vt, vp, cov


# ------------------------------------------------------------------------------ metrics
def rmse(y_true, y_pred, multioutput="uniform_average"):
    """Root mean squared error per dimension.

    ``RMSE_d = sqrt(mean_i (y_true[i, d] - y_pred[i, d])**2)``, in the units of
    the annotations (e.g. V-A scaled to ``[-1, 1]``). Lower is better.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,), (n, n_dims) or (n_clips, n_steps, n_dims)
        Annotations and predictions; 3-D curves are flattened to
        ``(n_clips * n_steps, n_dims)``.
    multioutput : {'uniform_average', 'raw_values'} or array-like of shape (n_dims,)
        ``'raw_values'``: one RMSE per dimension; ``'uniform_average'``: their
        mean (the mean of per-dimension RMSEs, not the RMSE of all values);
        weights: their weighted mean.

    Returns
    -------
    float or ndarray of shape (n_dims,)

    Raises
    ------
    ValueError
        On different shapes, unsupported dimensionality, NaN or infinity.

    Examples
    --------
    >>> rmse([0.0, 0.0], [0.3, -0.3])
    0.3
    """
    t, p, was_1d = _as_2d_pair(y_true, y_pred)
    values = np.sqrt(np.mean((t - p) ** 2, axis=0))
    return _reduce(values, multioutput, was_1d)


def r2(y_true, y_pred, multioutput="uniform_average"):
    """Coefficient of determination R² per dimension (wraps :func:`sklearn.metrics.r2_score`).

    ``R²_d = 1 - SS_res / SS_tot``; 1 is perfect, 0 is as good as predicting the
    mean of ``y_true``, negative is worse. As in scikit-learn, a constant
    ``y_true`` gives 1.0 for a perfect prediction and 0.0 otherwise.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,), (n, n_dims) or (n_clips, n_steps, n_dims)
        3-D curves are flattened to ``(n_clips * n_steps, n_dims)``.
    multioutput : {'uniform_average', 'raw_values'} or array-like of shape (n_dims,)
        As in :func:`rmse`.

    Returns
    -------
    float or ndarray of shape (n_dims,)

    Raises
    ------
    ValueError
        On different shapes, unsupported dimensionality, NaN, infinity or fewer
        than two samples.
    """
    t, p, was_1d = _as_2d_pair(y_true, y_pred)
    if t.shape[0] < 2:
        raise ValueError("R² needs at least two samples")
    values = np.asarray(_sk_r2_score(t, p, multioutput="raw_values"), dtype=np.float64)
    return _reduce(values, multioutput, was_1d)


def pcc(y_true, y_pred, multioutput="uniform_average"):
    """Pearson correlation coefficient per dimension.

    ``PCC_d = cov(t, p) / (std(t) * std(p))`` in ``[-1, 1]``. It measures linear
    association only: it is unchanged when predictions are shifted or scaled by
    a positive factor, so a biased model can still score 1.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,), (n, n_dims) or (n_clips, n_steps, n_dims)
        3-D curves are flattened to ``(n_clips * n_steps, n_dims)``.
    multioutput : {'uniform_average', 'raw_values'} or array-like of shape (n_dims,)
        As in :func:`rmse`.

    Returns
    -------
    float or ndarray of shape (n_dims,)
        NaN (with a :class:`RuntimeWarning`) for a dimension where ``y_true`` or
        ``y_pred`` is constant, since the correlation is undefined there (as
        :func:`scipy.stats.pearsonr`); e.g. a constant-mean baseline.

    Raises
    ------
    ValueError
        On different shapes, unsupported dimensionality, NaN, infinity or fewer
        than two samples.
    """
    t, p, was_1d = _as_2d_pair(y_true, y_pred)
    if t.shape[0] < 2:
        raise ValueError("PCC needs at least two samples")
    _, _, vt, vp, cov = _moments(t, p)
    denom = np.sqrt(vt) * np.sqrt(vp)
    constant = (np.ptp(t, axis=0) == 0) | (np.ptp(p, axis=0) == 0) | (denom == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(constant, np.nan, cov / np.where(constant, 1.0, denom))
    if np.any(constant):
        warnings.warn(
            "PCC is undefined where y_true or y_pred is constant; returning NaN for "
            f"dimension(s) {np.flatnonzero(constant).tolist()}",
            RuntimeWarning,
            stacklevel=2,
        )
    values = np.clip(values, -1.0, 1.0)
    return _reduce(values, multioutput, was_1d)


def ccc(y_true, y_pred, multioutput="uniform_average"):
    """Lin's concordance correlation coefficient per dimension.

    ``CCC_d = 2 cov(t, p) / (var(t) + var(p) + (mean(t) - mean(p))**2)`` with
    population (``ddof=0``) moments (Lin 1989). It is in ``[-1, 1]``, equals 1
    only when ``y_pred == y_true``, and penalises bias and scale errors that
    PCC ignores: ``|CCC| <= |PCC|``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,), (n, n_dims) or (n_clips, n_steps, n_dims)
        3-D curves are flattened to ``(n_clips * n_steps, n_dims)``.
    multioutput : {'uniform_average', 'raw_values'} or array-like of shape (n_dims,)
        As in :func:`rmse`.

    Returns
    -------
    float or ndarray of shape (n_dims,)
        A constant prediction scores 0 (unless it equals a constant
        ``y_true``, which scores 1).

    Raises
    ------
    ValueError
        On different shapes, unsupported dimensionality, NaN, infinity or fewer
        than two samples.

    Examples
    --------
    >>> ccc([1.0, 2.0, 3.0], [1.0, 2.0, 3.0])
    1.0
    >>> round(ccc([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]), 4)  # PCC would be 1
    0.5714
    """
    t, p, was_1d = _as_2d_pair(y_true, y_pred)
    if t.shape[0] < 2:
        raise ValueError("CCC needs at least two samples")
    mt, mp, vt, vp, cov = _moments(t, p)
    denom = vt + vp + (mt - mp) ** 2
    identical = np.all(t == p, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(denom > 0, 2.0 * cov / np.where(denom > 0, denom, 1.0), 0.0)
    values = np.where(identical, 1.0, np.clip(values, -1.0, 1.0))
    return _reduce(values, multioutput, was_1d)


_METRICS = {
    # name: (function, greater_is_better)
    "r2": (r2, True),
    "rmse": (rmse, False),
    "pcc": (pcc, True),
    "ccc": (ccc, True),
}


def mer_report(y_true, y_pred, target_names=DEFAULT_TARGET_NAMES, metrics=("r2", "rmse",
                                                                          "pcc", "ccc")):
    """All metrics per dimension and averaged, as a flat dict.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n, n_dims), (n,) or (n_clips, n_steps, n_dims)
    target_names : sequence of str, default=('valence', 'arousal')
        One name per dimension (length 1 for 1-D input).
    metrics : sequence of {'r2', 'rmse', 'pcc', 'ccc'}

    Returns
    -------
    dict
        ``{'r2_valence': .., 'r2_arousal': .., 'r2': mean, 'rmse_valence': .., ...}``;
        RMSE is reported as is (lower is better), not negated.

    Examples
    --------
    >>> rep = mer_report([[0, 0], [1, 1]], [[0, 0], [1, 1]])
    >>> rep["ccc_arousal"], rep["rmse"]
    (1.0, 0.0)
    """
    t, _, _ = _as_2d_pair(y_true, y_pred)
    names = _check_target_names(target_names, t.shape[1])
    out = {}
    for metric in metrics:
        if metric not in _METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {sorted(_METRICS)}")
        fn = _METRICS[metric][0]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            values = np.atleast_1d(fn(y_true, y_pred, multioutput="raw_values"))
        for name, v in zip(names, values):
            out[f"{metric}_{name}"] = float(v)
        out[metric] = float(np.mean(values))
    return out


def _check_target_names(target_names, n_dims=None):
    if isinstance(target_names, str):
        target_names = (target_names,)
    names = tuple(str(n) for n in target_names)
    if not names or len(set(names)) != len(names):
        raise ValueError(f"target_names must be non-empty and unique, got {target_names!r}")
    if n_dims is not None and len(names) != n_dims:
        raise ValueError(
            f"got {len(names)} target_names {names} for predictions with {n_dims} dimension(s)"
        )
    return names


# ------------------------------------------------------------------------------ scorers
def _dimension_score(y_true, y_pred, *, metric, dim):
    """Metric on column ``dim`` of the last axis (module level so scorers pickle)."""
    t = np.asarray(y_true, dtype=np.float64)
    p = np.asarray(y_pred, dtype=np.float64)
    if t.ndim == 1 and p.ndim == 1:
        if dim != 0:
            raise ValueError(
                f"cannot take dimension {dim} of 1-D targets; this scorer needs "
                f"(n, n_dims) predictions"
            )
    else:
        if t.ndim < 2 or t.shape != p.shape:
            raise ValueError(
                f"y_true and y_pred have different shapes: {t.shape} vs {p.shape}"
            )
        if not 0 <= dim < t.shape[-1]:
            raise ValueError(
                f"scorer for dimension {dim} got targets with {t.shape[-1]} dimension(s)"
            )
        t, p = t[..., dim], p[..., dim]
    return _METRICS[metric][0](t, p)


def _average_score(y_true, y_pred, *, metric):
    return _METRICS[metric][0](y_true, y_pred, multioutput="uniform_average")


def dimension_scorer(metric, dim):
    """Scorer for one dimension of multi-output predictions.

    Parameters
    ----------
    metric : {'r2', 'rmse', 'pcc', 'ccc'}
    dim : int
        Column of ``y`` (last axis), e.g. 0 for valence in ``[valence, arousal]``.

    Returns
    -------
    scorer : callable ``scorer(estimator, X, y)``
        Greater is better; for ``'rmse'`` the scorer returns **minus** the RMSE
        (scikit-learn's ``neg_`` convention).
    """
    from .._validation import Interval, StrOptions, validate_arguments

    validate_arguments({"metric": [StrOptions(set(_METRICS))],
                        "dim": [Interval(numbers.Integral, 0, None, closed="left")]},
                       {"metric": metric, "dim": dim}, "dimension_scorer")
    return make_scorer(_dimension_score, greater_is_better=_METRICS[metric][1],
                       metric=metric, dim=int(dim))


def mer_scoring(target_names=DEFAULT_TARGET_NAMES, metrics=("r2", "rmse", "pcc", "ccc"),
                average=True):
    """Dict of scorers for ``cross_validate(..., scoring=...)`` or ``GridSearchCV``.

    Parameters
    ----------
    target_names : sequence of str, default=('valence', 'arousal')
        Names of the columns of ``y`` in order; one per-dimension scorer is made
        for each. Use ``('valence',)`` for a single 1-D target.
    metrics : sequence of {'r2', 'rmse', 'pcc', 'ccc'}
    average : bool, default=True
        Also add one scorer per metric averaged over dimensions (key = the
        metric name, e.g. ``'r2'``, ``'neg_rmse'``).

    Returns
    -------
    dict of str -> scorer
        Keys ``'r2_valence'``, ``'r2_arousal'``, ``'r2'``, ``'neg_rmse_valence'``,
        ``'neg_rmse_arousal'``, ``'neg_rmse'``, ``'pcc_valence'``, ... . RMSE
        scorers are prefixed ``neg_`` and return **minus** the RMSE, because
        scikit-learn maximises scores; flip the sign for reporting. PCC scorers
        give NaN on folds where the model predicts a constant.

    Examples
    --------
    >>> from sklearn.model_selection import GridSearchCV
    >>> scoring = mer_scoring()
    >>> sorted(scoring)[:3]
    ['ccc', 'ccc_arousal', 'ccc_valence']
    >>> # GridSearchCV(model, grid, scoring=scoring, refit="r2_valence")
    """
    names = _check_target_names(target_names)
    scorers = {}
    for metric in metrics:
        if metric not in _METRICS:
            raise ValueError(f"unknown metric {metric!r}; choose from {sorted(_METRICS)}")
        key = metric if _METRICS[metric][1] else f"neg_{metric}"
        for dim, name in enumerate(names):
            scorers[f"{key}_{name}"] = dimension_scorer(metric, dim)
        if average:
            scorers[key] = make_scorer(_average_score, greater_is_better=_METRICS[metric][1],
                                       metric=metric)
    return scorers


#: Ready-made scorers for ``[valence, arousal]`` targets (see :func:`mer_scoring`).
MER_SCORERS = mer_scoring()
