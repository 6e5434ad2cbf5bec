"""Fixed-length segment datasets of the ADFF paper (section 3.1).

Music emotion models are trained on fixed-length windows of the clips:

- the *simple* dataset takes one window per clip at a random position
  (:func:`simple_segments`);
- the *full* dataset cuts every clip into consecutive windows in time order
  (:func:`full_segments`); a last window shorter than ``seg_len / 2`` is
  dropped, a longer one is extended backwards to full length.

Clips shorter than ``seg_len`` give one window at offset 0 that keeps the
length ``seg_len``: :class:`~skmer.features.LogMelTransformer` and
:class:`~skmer.features.AudioFeatures` zero-pad it, as the paper does.

Both return the windows as :class:`~skmer.audio.ClipSpec` (path, offset,
duration), the clip targets repeated per window, and ``groups``: the index
of each window's clip. Split with :class:`~sklearn.model_selection.GroupKFold`
on these groups. Windows of one clip share its label and most of its sound;
with windows of the same clip on both sides of a split the model is scored
on music it was trained on, and the scores are inflated. Use
:func:`aggregate_segments` to turn window predictions back into one
prediction per clip.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._validation import FINITE_POSITIVE, seed_from, validate_arguments
from ..audio import ClipSpec, audio_duration

__all__ = [
    "SegmentDataset",
    "aggregate_segments",
    "full_segment_offsets",
    "full_segments",
    "simple_segment_offset",
    "simple_segments",
]

# durations within this many seconds of a segment boundary count as on it
_TOL = 1e-6


class SegmentDataset(NamedTuple):
    """Windows of audio clips with their labels and clip groups.

    Attributes
    ----------
    X : list of ClipSpec, length n_segments
        ``ClipSpec(path, offset, seg_len)``; offsets and lengths in seconds.
    y : ndarray of shape (n_segments,) or (n_segments, n_targets), or None
        The label of each window's clip (None when no labels were given).
    groups : ndarray of int, shape (n_segments,)
        Index (in the input `paths`) of each window's clip: pass it to
        :class:`~sklearn.model_selection.GroupKFold` and to
        :func:`aggregate_segments`.
    """

    X: list
    y: np.ndarray | None
    groups: np.ndarray


def _seconds(name, value, caller):
    """`value` as float seconds, declared as a finite number > 0 (``validate_arguments``)."""
    validate_arguments({name: [FINITE_POSITIVE]}, {name: value}, caller)
    return float(value)


def full_segment_offsets(duration, seg_len):
    """Start times of the full-dataset windows of one clip.

    Consecutive windows ``[k * seg_len, (k + 1) * seg_len)`` cover the clip
    in time order. The remainder after the last whole window is dropped if
    it is shorter than ``seg_len / 2``; otherwise a last window is extended
    backwards to full length: it starts at ``duration - seg_len`` and ends
    with the clip. A clip no longer than `seg_len` gives the single offset
    0 (the window is zero-padded later).

    Parameters
    ----------
    duration : float
        Length of the clip in seconds.
    seg_len : float
        Length of the windows in seconds.

    Returns
    -------
    offsets : ndarray of float, shape (n_windows,)
        Increasing start times in seconds; every window
        ``[offset, offset + seg_len]`` lies inside ``[0, duration]`` unless
        the clip is shorter than `seg_len`.

    Examples
    --------
    >>> full_segment_offsets(50.0, 20.0)    # remainder 10 s >= 10 s: extended
    array([ 0., 20., 30.])
    >>> full_segment_offsets(49.0, 20.0)    # remainder 9 s < 10 s: dropped
    array([ 0., 20.])
    >>> full_segment_offsets(12.0, 20.0)    # shorter than seg_len: zero-padded
    array([0.])
    """
    duration = _seconds("duration", duration, "full_segment_offsets")
    seg_len = _seconds("seg_len", seg_len, "full_segment_offsets")
    if duration <= seg_len + _TOL:
        return np.zeros(1)
    n_whole = int(np.floor(duration / seg_len + _TOL / seg_len))
    offsets = seg_len * np.arange(n_whole)
    remainder = duration - n_whole * seg_len
    if remainder > _TOL and remainder >= seg_len / 2 - _TOL:
        offsets = np.append(offsets, duration - seg_len)
    return offsets


def simple_segment_offset(duration, seg_len, rng):
    """Start time of the simple-dataset window of one clip.

    Parameters
    ----------
    duration : float
        Length of the clip in seconds.
    seg_len : float
        Length of the window in seconds.
    rng : numpy.random.Generator
        Source of the random position.

    Returns
    -------
    offset : float
        Uniform in ``[0, duration - seg_len]``, rounded down to the
        millisecond; 0 when the clip is no longer than `seg_len`.
    """
    duration = _seconds("duration", duration, "simple_segment_offset")
    seg_len = _seconds("seg_len", seg_len, "simple_segment_offset")
    room = duration - seg_len
    if room <= _TOL:
        return 0.0
    return float(np.floor(rng.uniform(0.0, room) * 1000.0) / 1000.0)


def _prepare(paths, y, durations):
    if isinstance(paths, (str, bytes)):
        raise TypeError("paths must be a sequence of audio file paths, not a single string")
    paths = [str(p) for p in paths]
    if not paths:
        raise ValueError("paths is empty")
    if y is not None:
        y = np.asarray(y)
        if y.shape[0] != len(paths):
            raise ValueError(f"y has {y.shape[0]} rows for {len(paths)} paths")
    if durations is None:
        durations = [audio_duration(p) for p in paths]
    else:
        durations = list(durations)
        if len(durations) != len(paths):
            raise ValueError(f"durations has {len(durations)} entries for {len(paths)} paths")
    durations = [_seconds(f"duration of {p}", d, "durations") for d, p in zip(durations, paths)]
    return paths, y, durations


def _assemble(paths, y, offsets, seg_len):
    counts = [len(o) for o in offsets]
    groups = np.repeat(np.arange(len(paths)), counts)
    X = [
        ClipSpec(paths[i], float(off), seg_len)
        for i, offs in enumerate(offsets)
        for off in offs
    ]
    return SegmentDataset(X, None if y is None else y[groups], groups)


def simple_segments(paths, y=None, seg_len=20.0, random_state=None, durations=None):
    """The simple dataset: one window of `seg_len` seconds per clip, at a random position.

    Parameters
    ----------
    paths : sequence of str or os.PathLike, length n_clips
        Audio files.
    y : array-like of shape (n_clips,) or (n_clips, n_targets), optional
        Clip labels, repeated for each window.
    seg_len : float, default=20.0
        Window length in seconds. A clip no longer than this gives the window
        at offset 0 with length `seg_len`; the feature extractors zero-pad it.
    random_state : int, numpy Generator or RandomState, or None, default=None
        Seed of the window positions (uniform in ``[0, duration - seg_len]``,
        rounded down to the millisecond).
    durations : sequence of float, optional
        Clip lengths in seconds; read from the file headers with
        :func:`skmer.audio.audio_duration` when omitted (for MP3 the header
        may overstate the decodable length by a few tens of ms; the
        extractors zero-pad what is missing).

    Returns
    -------
    SegmentDataset
        ``(X, y, groups)``: n_clips clip specs, labels and clip indices.
        Cross-validate with ``GroupKFold`` on `groups` (see the module
        documentation for why).

    Examples
    --------
    >>> data = simple_segments(["a.mp3", "b.mp3"], [[0.1, 0.5], [-0.3, 0.2]],
    ...                        seg_len=20.0, random_state=0, durations=[45.0, 12.0])
    >>> [(spec.offset, spec.duration) for spec in data.X]
    [(15.924, 20.0), (0.0, 20.0)]
    >>> data.groups
    array([0, 1])
    """
    seg_len = _seconds("seg_len", seg_len, "simple_segments")
    paths, y, durations = _prepare(paths, y, durations)
    rng = (random_state if isinstance(random_state, np.random.Generator)
           else np.random.default_rng(seed_from(random_state)))
    offsets = [[simple_segment_offset(d, seg_len, rng)] for d in durations]
    return _assemble(paths, y, offsets, seg_len)


def full_segments(paths, y=None, seg_len=20.0, durations=None):
    """The full dataset: every clip cut into consecutive windows of `seg_len` seconds.

    Rules (:func:`full_segment_offsets`): windows follow each other in time
    order from the start of the clip; a last remainder shorter than
    ``seg_len / 2`` is dropped, a longer one becomes a full window ending at
    the clip's end (it overlaps the previous one); a clip no longer than
    `seg_len` gives one window at offset 0, zero-padded by the extractors.
    Every window carries its clip's label.

    Parameters
    ----------
    paths : sequence of str or os.PathLike, length n_clips
        Audio files.
    y : array-like of shape (n_clips,) or (n_clips, n_targets), optional
        Clip labels, repeated for each window.
    seg_len : float, default=20.0
        Window length in seconds.
    durations : sequence of float, optional
        Clip lengths in seconds; read from the file headers with
        :func:`skmer.audio.audio_duration` when omitted.

    Returns
    -------
    SegmentDataset
        ``(X, y, groups)``, windows ordered by clip then time. Cross-validate
        with ``GroupKFold`` on `groups`: windows of one clip must never be
        on both sides of a split.

    Examples
    --------
    >>> data = full_segments(["a.mp3", "b.mp3"], [0.5, -0.2], seg_len=20.0,
    ...                      durations=[50.0, 12.0])
    >>> [(spec.offset, spec.duration) for spec in data.X]
    [(0.0, 20.0), (20.0, 20.0), (30.0, 20.0), (0.0, 20.0)]
    >>> data.y, data.groups
    (array([ 0.5,  0.5,  0.5, -0.2]), array([0, 0, 0, 1]))
    """
    seg_len = _seconds("seg_len", seg_len, "full_segments")
    paths, y, durations = _prepare(paths, y, durations)
    offsets = [full_segment_offsets(d, seg_len) for d in durations]
    return _assemble(paths, y, offsets, seg_len)


def aggregate_segments(y_pred, groups, how="mean"):
    """Combine window predictions into one prediction per clip.

    Parameters
    ----------
    y_pred : array-like of shape (n_segments,) or (n_segments, n_targets)
        Predictions for the windows.
    groups : array-like of shape (n_segments,)
        Clip of each window (``SegmentDataset.groups``).
    how : {'mean', 'median'} or callable, default='mean'
        Reduction over the windows of a clip; a callable gets an array of
        shape (n_windows, ...) and ``axis=0``.

    Returns
    -------
    y_clip : ndarray of shape (n_clips,) or (n_clips, n_targets)
        One prediction per clip present in `groups`.
    clip_groups : ndarray of shape (n_clips,)
        The sorted distinct groups, in the order of `y_clip`. With the
        default integer groups these are clip indices, so ``y[clip_groups]``
        are the matching clip labels.

    Examples
    --------
    >>> aggregate_segments([0.2, 0.4, -1.0], [0, 0, 1])
    (array([ 0.3, -1. ]), array([0, 1]))
    """
    y_pred = np.asarray(y_pred, dtype=float)
    groups = np.asarray(groups)
    if y_pred.ndim == 0 or groups.ndim != 1 or y_pred.shape[0] != groups.shape[0]:
        raise ValueError(
            f"y_pred (shape {y_pred.shape}) and groups (shape {groups.shape}) must have "
            "the same number of rows"
        )
    if callable(how):
        reduce = how
    elif how in ("mean", "median"):
        reduce = getattr(np, how)
    else:
        raise ValueError(f"how must be 'mean', 'median' or a callable, got {how!r}")
    clip_groups, inverse = np.unique(groups, return_inverse=True)
    if how == "mean":
        counts = np.bincount(inverse, minlength=clip_groups.size)
        sums = np.zeros((clip_groups.size,) + y_pred.shape[1:])
        np.add.at(sums, inverse, y_pred)
        y_clip = sums / counts.reshape((-1,) + (1,) * (y_pred.ndim - 1))
    else:
        order = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=clip_groups.size))[:-1]
        y_clip = np.stack([reduce(part, axis=0) for part in np.split(y_pred[order], bounds)])
    return y_clip, clip_groups
