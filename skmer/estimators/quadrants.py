"""Category labels from valence-arousal annotations (the paper's Table 4 tasks).

ADFF's classification experiments (Huang et al. 2022, section 3.3.4) derive
categories "according to the positive and negative values of valence and
arousal" (annotations scaled to ``[-1, 1]``):

* four categories: the quadrants of Russell's circumplex,
  :func:`va_to_quadrant`;
* two categories: the sign of valence, or of arousal, :func:`va_to_binary`.

Recipe for the paper's tasks, with ``Y`` of shape ``(n, 2)`` holding
``[valence, arousal]`` in ``[-1, 1]``::

    y4 = va_to_quadrant(Y)                        # 1..4
    y_valence = va_to_binary(Y, "valence")        # 1 = positive, 0 = negative
    y_arousal = va_to_binary(Y, "arousal")
    ADFFClassifier(...).fit(X, y4)
"""

from __future__ import annotations

import numpy as np

__all__ = ["va_to_binary", "va_to_quadrant"]

_DIMENSIONS = {"valence": 0, "arousal": 1}


def _check_va(y):
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != 2:
        raise ValueError(
            f"expected valence-arousal values of shape (n, 2) = [valence, arousal], "
            f"got shape {y.shape}"
        )
    if not np.all(np.isfinite(y)):
        raise ValueError("valence-arousal values contain NaN or infinity")
    return y


def va_to_quadrant(y, threshold=0.0):
    """Map valence-arousal pairs to the quadrants of Russell's circumplex.

    Quadrants are numbered counter-clockwise from the positive-positive one:

    ====  ========  ========  ==================
    Q     valence   arousal   e.g.
    ====  ========  ========  ==================
    1     positive  positive  happy, excited
    2     negative  positive  angry, tense
    3     negative  negative  sad, depressed
    4     positive  negative  calm, relaxed
    ====  ========  ========  ==================

    Parameters
    ----------
    y : array-like of shape (n, 2)
        ``[valence, arousal]`` per clip (e.g. scaled to ``[-1, 1]``).
    threshold : float or array-like of shape (2,), default=0.0
        Neutral point of each dimension; a value counts as *positive* when it
        is ``>= threshold`` (so exactly 0 is positive with the default). Use
        ``0.5`` for annotations in ``[0, 1]`` such as PMEmo's raw values.

    Returns
    -------
    quadrant : ndarray of shape (n,), int64
        Quadrant labels in ``{1, 2, 3, 4}``.

    Raises
    ------
    ValueError
        If ``y`` is not of shape ``(n, 2)`` or is not finite.

    Examples
    --------
    >>> va_to_quadrant([[0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5], [0.5, -0.5], [0.0, 0.0]])
    array([1, 2, 3, 4, 1])
    """
    y = _check_va(y)
    threshold = np.broadcast_to(np.asarray(threshold, dtype=np.float64), (2,))
    positive_v = y[:, 0] >= threshold[0]
    positive_a = y[:, 1] >= threshold[1]
    quadrant = np.where(positive_a, np.where(positive_v, 1, 2), np.where(positive_v, 4, 3))
    return quadrant.astype(np.int64)


def va_to_binary(y, dimension="valence", threshold=0.0):
    """Two-category labels: whether valence (or arousal) is positive.

    Parameters
    ----------
    y : array-like of shape (n, 2) or (n,)
        ``[valence, arousal]`` per clip, or the values of one dimension.
    dimension : {'valence', 'arousal'} or {0, 1}, default='valence'
        Column of ``y`` to use when ``y`` is 2-D.
    threshold : float, default=0.0
        Values ``>= threshold`` are positive.

    Returns
    -------
    labels : ndarray of shape (n,), int64
        ``1`` for positive, ``0`` for negative.

    Examples
    --------
    >>> va_to_binary([[0.5, -0.2], [-0.1, 0.3]], "valence")
    array([1, 0])
    >>> va_to_binary([[0.5, -0.2], [-0.1, 0.3]], "arousal")
    array([0, 1])
    """
    y = np.asarray(y, dtype=np.float64)
    if y.ndim == 2:
        col = _DIMENSIONS.get(dimension, dimension)
        if col not in (0, 1) or isinstance(col, bool):
            raise ValueError(f"dimension must be 'valence', 'arousal', 0 or 1, got {dimension!r}")
        values = _check_va(y)[:, col]
    elif y.ndim == 1:
        values = y
        if not np.all(np.isfinite(values)):
            raise ValueError("values contain NaN or infinity")
    else:
        raise ValueError(f"expected y of shape (n, 2) or (n,), got shape {y.shape}")
    return (values >= threshold).astype(np.int64)
