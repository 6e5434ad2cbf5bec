"""Plots for music emotion recognition results (matplotlib, imported lazily).

* :func:`plot_va_plane` -- true and predicted points on the valence-arousal
  plane with the four quadrants of Russell's circumplex labelled;
* :func:`plot_training_curves` -- train / validation loss per epoch of a
  fitted skorch estimator (ADFF) or of a pipeline ending in one;
* :func:`plot_seg_num_tradeoff` -- score and time against ``seg_num``, the
  trade-off of the ADFF paper's Figure 3 and Table 2.

Every function draws on ``ax`` (a new figure when None) and returns the
:class:`matplotlib.axes.Axes`. matplotlib is needed only when one of them is
called; use a non-interactive backend (``matplotlib.use("Agg")``) on servers.
"""

from __future__ import annotations

import numpy as np

__all__ = ["QUADRANT_NAMES", "plot_seg_num_tradeoff", "plot_training_curves", "plot_va_plane"]

#: Quadrant number -> description, as numbered by
#: :func:`skmer.estimators.va_to_quadrant` (counter-clockwise from +V+A).
QUADRANT_NAMES = {
    1: "Q1 happy / excited",
    2: "Q2 tense / angry",
    3: "Q3 sad / depressed",
    4: "Q4 calm / relaxed",
}


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised by monkeypatching in tests
        raise ImportError(
            "skmer.plotting needs matplotlib; install it with `pip install matplotlib`"
        ) from exc
    return plt


def _axes(ax, figsize):
    if ax is not None:
        return ax
    plt = _pyplot()
    _, ax = plt.subplots(figsize=figsize)
    return ax


def _va_points(y, name):
    y = np.asarray(y, dtype=np.float64)
    if y.ndim != 2 or y.shape[1] != 2:
        raise ValueError(f"{name} must have shape (n, 2) = [valence, arousal], got {y.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return y


def plot_va_plane(y_true, y_pred=None, ax=None, labels=None, threshold=0.0,
                  true_label="true", pred_label="predicted"):
    """Scatter valence-arousal points, optionally with predictions joined to them.

    Parameters
    ----------
    y_true : array-like of shape (n, 2)
        ``[valence, arousal]`` per clip (e.g. in ``[-1, 1]``).
    y_pred : array-like of shape (n, 2), optional
        Predictions for the same clips; each is joined to its true point by a
        grey line.
    ax : matplotlib Axes, optional
        Where to draw; a new 5.5 x 5.5 inch figure when None.
    labels : sequence of str of length n, optional
        Text written next to each true point (e.g. clip ids).
    threshold : float, default=0.0
        Neutral point of both dimensions, where the quadrant lines are drawn
        (``0.5`` for annotations in ``[0, 1]``), as in
        :func:`~skmer.estimators.va_to_quadrant`.
    true_label, pred_label : str
        Legend entries.

    Returns
    -------
    ax : matplotlib Axes
        ``ax.collections`` holds the true points, then (with ``y_pred``) the
        predicted points and the joining lines; the quadrant names
        (:data:`QUADRANT_NAMES`) are in ``ax.texts``.

    Raises
    ------
    ValueError
        If the arrays are not ``(n, 2)``, differ in shape, are not finite, or
        `labels` has the wrong length.
    """
    y_true = _va_points(y_true, "y_true")
    if y_pred is not None:
        y_pred = _va_points(y_pred, "y_pred")
        if y_pred.shape != y_true.shape:
            raise ValueError(
                f"y_true and y_pred have different shapes: {y_true.shape} vs {y_pred.shape}"
            )
    if labels is not None and len(labels) != len(y_true):
        raise ValueError(f"got {len(labels)} labels for {len(y_true)} points")
    ax = _axes(ax, (5.5, 5.5))
    from matplotlib.collections import LineCollection

    points = y_true if y_pred is None else np.vstack([y_true, y_pred])
    half = 1.05 * max(1.0 if threshold == 0 else 0.5, float(np.max(np.abs(points - threshold))))
    lo, hi = threshold - half, threshold + half

    ax.axhline(threshold, color="0.6", lw=0.8, zorder=0)
    ax.axvline(threshold, color="0.6", lw=0.8, zorder=0)
    ax.scatter(y_true[:, 0], y_true[:, 1], s=16, color="tab:blue", label=true_label, zorder=3)
    if y_pred is not None:
        ax.scatter(y_pred[:, 0], y_pred[:, 1], s=16, color="tab:orange", label=pred_label,
                   zorder=4)
        segments = np.stack([y_true, y_pred], axis=1)  # (n, 2 points, 2 coords)
        ax.add_collection(LineCollection(segments, colors="0.75", linewidths=0.7, zorder=2))
    if labels is not None:
        for (v, a), text in zip(y_true, labels):
            ax.annotate(str(text), (v, a), xytext=(3, 3), textcoords="offset points",
                        fontsize=7)
    pad = 0.03 * (hi - lo)
    corners = {1: (hi - pad, hi - pad, "right", "top"), 2: (lo + pad, hi - pad, "left", "top"),
               3: (lo + pad, lo + pad, "left", "bottom"),
               4: (hi - pad, lo + pad, "right", "bottom")}
    for q, (x, y, ha, va) in corners.items():
        ax.text(x, y, QUADRANT_NAMES[q], ha=ha, va=va, fontsize=8, color="0.35")
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("valence")
    ax.set_ylabel("arousal")
    ax.legend(loc="center right", fontsize=8)
    return ax


def _skorch_history(estimator):
    """The skorch History of a fitted net, a pipeline ending in one, or a search."""
    est = estimator
    if hasattr(est, "best_estimator_"):
        est = est.best_estimator_
    if hasattr(est, "steps"):
        est = est.steps[-1][1]
    history = getattr(est, "history_", None)
    if history is None:
        history = getattr(est, "history", None)
    if history is None or not hasattr(history, "__len__") or len(history) == 0:
        raise ValueError(
            f"{type(estimator).__name__} has no training history: pass a fitted skorch "
            "estimator (e.g. ADFFRegressor) or a Pipeline whose last step is one"
        )
    return history


def plot_training_curves(estimator, ax=None, log_y=False):
    """Training (and validation) loss per epoch of a fitted skorch estimator.

    Parameters
    ----------
    estimator : skorch NeuralNet, Pipeline or fitted search
        A fitted :class:`~skmer.estimators.ADFFRegressor` /
        :class:`~skmer.estimators.ADFFClassifier`, a Pipeline whose last step
        is one, or a fitted ``GridSearchCV`` over such a pipeline (its
        ``best_estimator_``).
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.
    log_y : bool, default=False
        Logarithmic loss axis.

    Returns
    -------
    ax : matplotlib Axes
        One line per recorded loss: ``'train loss'`` and, when the net was
        trained with a validation split (``train_split``), ``'valid loss'``;
        x is the epoch number (from 1).

    Raises
    ------
    ValueError
        If no skorch history is found (unfitted, or not a skorch estimator).
    """
    history = _skorch_history(estimator)
    ax = _axes(ax, (6.0, 4.0))
    epochs = np.array([h.get("epoch", i + 1) for i, h in enumerate(history)], dtype=float)
    plotted = False
    for key, label in (("train_loss", "train loss"), ("valid_loss", "valid loss")):
        values = [h.get(key) for h in history]
        if all(v is not None for v in values):
            ax.plot(epochs, np.asarray(values, dtype=float), marker="o", ms=3, label=label)
            plotted = True
    if not plotted:
        raise ValueError("the training history records no 'train_loss'")
    if log_y:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return ax


def plot_seg_num_tradeoff(seg_nums, scores, times, ax=None, score_label="R²",
                          time_label="training time (s)"):
    """Score and time against ``seg_num`` on twin y axes (ADFF Figure 3 / Table 2).

    Parameters
    ----------
    seg_nums : array-like of int, shape (k,)
        The ``seg_num`` values tried.
    scores : array-like of shape (k,) or dict of str -> array-like of shape (k,)
        Score per ``seg_num``; a dict draws one line per entry (e.g.
        ``{'valence': ..., 'arousal': ...}``).
    times : array-like of shape (k,)
        Time per ``seg_num`` in seconds (or any unit named by `time_label`).
    ax : matplotlib Axes, optional
        Axes for the scores; the times go on ``ax.twinx()``. A new figure when
        None.
    score_label, time_label : str
        Axis labels.

    Returns
    -------
    ax : matplotlib Axes
        The score axes (left); its twin with the time line is in
        ``ax.figure.axes`` (the axes sharing its x axis).

    Raises
    ------
    ValueError
        If the lengths differ or values are not finite.
    """
    seg_nums = np.asarray(seg_nums, dtype=float)
    if seg_nums.ndim != 1 or seg_nums.size == 0:
        raise ValueError(f"seg_nums must be a non-empty 1-D sequence, got shape {seg_nums.shape}")
    series = dict(scores) if isinstance(scores, dict) else {score_label: scores}
    checked = {}
    for name, values in {**series, time_label: times}.items():
        values = np.asarray(values, dtype=float)
        if values.shape != seg_nums.shape:
            raise ValueError(
                f"{name!r} has shape {values.shape}, expected one value per seg_num "
                f"{seg_nums.shape}"
            )
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{name!r} contains NaN or infinite values")
        checked[name] = values
    times = checked.pop(time_label)

    ax = _axes(ax, (6.0, 4.0))
    for name, values in checked.items():
        ax.plot(seg_nums, values, marker="o", label=name)
    ax.set_xlabel("seg_num")
    ax.set_ylabel(score_label)
    ax.set_xticks(seg_nums)
    ax.set_xticklabels([f"{s:g}" for s in seg_nums])
    twin = ax.twinx()
    twin.plot(seg_nums, times, marker="s", ls="--", color="0.4", label=time_label)
    twin.set_ylabel(time_label)
    handles, names = ax.get_legend_handles_labels()
    h2, n2 = twin.get_legend_handles_labels()
    ax.legend(handles + h2, names + n2, fontsize=8, loc="best")
    return ax
