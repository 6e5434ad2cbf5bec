"""SlidingWindows: one log-Mel window per dynamic label, for dynamic (per-step) emotion models.

Dynamic emotion annotations (PMEmo, DEAM, :func:`skmer.datasets.make_music_emotion`
with ``dynamic=True``) give valence and arousal every 0.5 s. A dynamic model such
as :class:`skmer.estimators.DAMFFRegressor` sees one spectrogram window per
label and predicts the label sequence of a clip. This module cuts those
windows out of :class:`~skmer.features.LogMelTransformer` output and, with
:func:`align_dynamic_annotations`, turns the loaders' ragged per-clip label
series into a rectangular target array and matching audio windows.

Alignment rule
--------------
Times are in seconds from the first frame of the spectrogram (frame ``j`` of
``LogMelTransformer`` is centred on ``j * frame_hop``). Label ``k`` (``k = 0,
1, ...``) is at ``t_k = label_start + k * label_hop``; its window is the ``F =
round(window_duration / frame_hop)`` frames ``j`` with ``e_k - F <= j < e_k``,
where ``e_k = round(t_k / frame_hop)``: the frames whose centres lie in ``[t_k -
window_duration, t_k)``. A window therefore ends at its label time and looks
back ``window_duration`` seconds, which matches labels that describe the preceding interval (the
generator's label ``k`` averages ``(t_k - 0.5, t_k]``; PMEmo/DEAM labels are
continuous ratings sampled at ``t_k``). Frames before the start of the
spectrogram (``e_k - F < 0``) are padded as ``pad`` says.

The parameters say which time grid they belong to: ``label_hop`` and
``label_start`` are the label grid (0.5 s for PMEmo and DEAM),
``window_duration`` the audio before each label, ``frame_hop`` the STFT hop of
the input frames (``LogMelTransformer``'s ``hop``; its ``window`` is the STFT
window).

SlidingWindows and the dynamic-label alignment (``window_ends``,
``align_dynamic_annotations``) share one definition of window and label timing,
hence one module.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import Bunch
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    FINITE_POSITIVE,
    NON_NEGATIVE,
    POSITIVE,
    POSITIVE_INT,
    StrOptions,
    validate_arguments,
    validate_constraints,
)
from ._output import SpectrogramOutputMixin

__all__ = ["PAD_MODES", "SlidingWindows", "align_dynamic_annotations", "window_ends"]

#: Accepted values of ``SlidingWindows(pad=...)``.
PAD_MODES = ("edge", "min", "zero", "error")

# Tolerance (in frames) when turning times into frame indices: a time that is
# a whole number of frames up to float error maps to that frame.
_EPS = 1e-6


def _frames(seconds, frame_hop):
    """Whole number of frames in `seconds` (round half up, robust to float error)."""
    return int(math.floor(seconds / frame_hop + 0.5 + _EPS))


def window_ends(n_frames, *, window_duration, label_hop, label_start, frame_hop, n_steps=None):
    """Frame indices at which the windows of a spectrogram end (exclusive).

    Parameters
    ----------
    n_frames : int
        Frames of the spectrogram.
    window_duration, label_hop, label_start, frame_hop : float
        Seconds, see :class:`SlidingWindows` (``label_start`` must not be None).
    n_steps : int or None
        Number of windows wanted; ``None``: every label time ``t_k =
        label_start + k * label_hop`` whose window ends inside the spectrogram
        (``e_k <= n_frames``).

    Returns
    -------
    ends : ndarray of int, shape (n_steps,)
        ``e_k = round(t_k / frame_hop)``; window ``k`` is frames
        ``[e_k - F, e_k)`` with ``F = round(window_duration / frame_hop)``.

    Raises
    ------
    ValueError
        If no window fits, or fewer than `n_steps` do; the message gives the
        frames needed and available.
    """
    start, hop = label_start, label_hop
    upper = int(max(0.0, (n_frames * frame_hop - start) / hop)) + 2
    ks = np.arange(upper if n_steps is None else max(upper, int(n_steps)))
    ends = np.array([_frames(start + k * hop, frame_hop) for k in ks], dtype=np.int64)
    fits = ends <= n_frames
    available = int(np.argmin(fits)) if not fits.all() else len(fits)
    seconds = n_frames * frame_hop
    if n_steps is None:
        if available == 0:
            raise ValueError(
                f"no window fits: the first label time label_start={start:g} s needs "
                f"{ends[0]} frames but the spectrogram has {n_frames} frames "
                f"({seconds:g} s at frame_hop={frame_hop:g} s); use longer clips or a "
                "smaller label_start"
            )
        return ends[:available]
    if available < n_steps:
        need = int(ends[n_steps - 1])
        raise ValueError(
            f"n_steps={n_steps} windows do not fit: window {n_steps - 1} ends at label time "
            f"t = label_start + (n_steps - 1) * label_hop = {start + (n_steps - 1) * hop:g} s, "
            f"i.e. frame {need}, but the spectrogram has {n_frames} frames ({seconds:g} s at "
            f"frame_hop={frame_hop:g} s); only {available} window(s) fit"
        )
    return ends[: int(n_steps)]


class SlidingWindows(SpectrogramOutputMixin, TransformerMixin, BaseEstimator):
    """Cut each log-Mel spectrogram into one window per dynamic label.

    ``(n_clips, 1, n_frames, n_mels)`` spectrograms (from
    :class:`LogMelTransformer`) become ``(n_clips, n_steps, 1,
    frames_per_window, n_mels)`` window sequences, the input of
    :class:`~skmer.estimators.DAMFFRegressor`. Window ``k`` belongs to the
    label at ``t_k = label_start + k * label_hop`` seconds and holds the
    ``window_duration`` seconds of frames before it: frames ``j`` with ``t_k -
    window_duration <= j * frame_hop < t_k`` (see the module documentation for
    the exact rounding).

    With the defaults (``label_hop=0.5``, ``label_start=None`` i.e.
    ``label_start=label_hop``) the windows match the labels of
    :func:`~skmer.datasets.make_music_emotion` (``dynamic=True``): label ``k``
    at ``0.5 (k + 1)`` s, ``n_steps = floor(duration / 0.5)``, read with
    ``LogMelTransformer(duration=duration, crop='start')``. For PMEmo and DEAM
    (labels from 15.5 s / 15 s of the file) use
    :func:`align_dynamic_annotations`, which gives the audio windows and the
    matching ``label_start``; :func:`skmer.baselines.make_damff_pipeline`
    builds the whole pipeline with one frame hop for both steps.

    Parameters
    ----------
    window_duration : float, default=1.0
        Seconds of spectrogram in each window (``round(window_duration /
        frame_hop)`` frames). The DAMFF poster does not state it; 1 s (two
        label periods) is our default.
    label_hop : float, default=0.5
        Seconds between consecutive labels (and windows); 0.5 s for PMEmo,
        DEAM and the generator.
    label_start : float or None, default=None
        Time of the first label ``t_0`` in seconds from the first frame;
        ``None`` means ``label_hop`` (labels at ``label_hop, 2 label_hop,
        ...``).
    n_steps : int or None, default=None
        Number of windows per clip. ``None``: as many as fit, i.e. every
        ``k`` whose window ends inside the spectrogram. An int that does not
        fit is an error.
    frame_hop : float, default=0.01
        Seconds per spectrogram frame: the ``hop`` of the
        :class:`LogMelTransformer` that made the input (its default 0.01).
    pad : {'edge', 'min', 'zero', 'error'}, default='edge'
        Frames before the start of the spectrogram (early windows when
        ``label_start < window_duration``): ``'edge'`` repeats the first
        frame, ``'min'`` uses each clip's minimum value (silence in dB),
        ``'zero'`` fills 0, ``'error'`` raises a ``ValueError`` instead.

    Attributes
    ----------
    frames_per_window_ : int
        ``round(window_duration / frame_hop)``.
    n_frames_in_ : int
        Frames per spectrogram seen at `fit`.
    n_steps_ : int
        Windows per clip for `fit`'s input.
    label_start_ : float
        Time of the first label in seconds (`label_start`, or `label_hop`
        when None).
    label_times_ : ndarray of shape (n_steps,)
        Label times ``t_k`` in seconds for `fit`'s input (``n_steps = n_steps_``).
    window_ends_ : ndarray of int, shape (n_steps,)
        Exclusive end frame ``e_k`` of each window for `fit`'s input.

    See Also
    --------
    align_dynamic_annotations : Ragged PMEmo/DEAM labels -> rectangular
        targets, audio windows and ``label_start``.
    skmer.estimators.DAMFFRegressor : The dynamic model fed by this transformer.

    Notes
    -----
    `transform` recomputes the windows from the number of frames of its
    input, so with ``n_steps=None`` longer spectrograms give more windows.
    The output is a new array (windows overlap when ``window_duration >
    label_hop``, so it is ``window_duration / label_hop`` times larger than
    the input).

    Examples
    --------
    >>> import numpy as np
    >>> from skmer.features import SlidingWindows
    >>> S = np.zeros((3, 1, 500, 64), dtype=np.float32)   # 5 s at 10 ms
    >>> W = SlidingWindows(window_duration=1.0, label_hop=0.5).fit_transform(S)
    >>> W.shape                                           # labels at 0.5, 1.0, ..., 5.0 s
    (3, 10, 1, 100, 64)
    """

    _parameter_constraints = {
        "window_duration": [POSITIVE],
        "label_hop": [POSITIVE],
        "label_start": [None, NON_NEGATIVE],
        "n_steps": [None, POSITIVE_INT],
        "frame_hop": [POSITIVE],
        "pad": [StrOptions(set(PAD_MODES))],
    }

    def __init__(self, window_duration=1.0, label_hop=0.5, label_start=None, n_steps=None,
                 frame_hop=0.01, pad="edge"):
        self.window_duration = window_duration
        self.label_hop = label_hop
        self.label_start = label_start
        self.n_steps = n_steps
        self.frame_hop = frame_hop
        self.pad = pad

    # ------------------------------------------------------------------ helpers

    def _start(self):
        return self.label_hop if self.label_start is None else self.label_start

    def _check_params(self):
        validate_constraints(self)
        frames = _frames(self.window_duration, self.frame_hop)
        if frames < 1:
            raise ValueError(
                f"window_duration={self.window_duration:g} s is shorter than one frame (frame_hop="
                f"{self.frame_hop:g} s)"
            )
        return frames

    @staticmethod
    def _check_X(X):
        X = np.asarray(X)
        if X.ndim != 4 or X.shape[1] != 1:
            raise ValueError(
                "SlidingWindows expects log-Mel spectrograms of shape (n_clips, 1, n_frames, "
                f"n_mels) as LogMelTransformer produces; got shape {X.shape}"
            )
        if X.dtype.kind not in "fiu":
            raise ValueError(f"SlidingWindows expects numeric spectrograms, got dtype {X.dtype}")
        return X

    def _ends(self, n_frames):
        return window_ends(
            n_frames,
            window_duration=self.window_duration,
            label_hop=self.label_hop,
            label_start=self._start(),
            frame_hop=self.frame_hop,
            n_steps=self.n_steps,
        )

    # ------------------------------------------------------------------ API

    def fit(self, X, y=None):
        """Check the parameters against the spectrogram length of `X`.

        Parameters
        ----------
        X : ndarray of shape (n_clips, 1, n_frames, n_mels)
            Log-Mel spectrograms.
        y : ignored

        Returns
        -------
        self : SlidingWindows
        """
        frames = self._check_params()
        X = self._check_X(X)
        ends = self._ends(X.shape[2])
        if self.pad == "error" and ends[0] < frames:
            self._raise_pad(ends[0], frames)
        self.frames_per_window_ = frames
        self.n_frames_in_ = int(X.shape[2])
        self.n_steps_ = len(ends)
        self.window_ends_ = ends
        self.label_start_ = float(self._start())
        self.label_times_ = self.label_start_ + self.label_hop * np.arange(len(ends))
        return self

    def _raise_pad(self, first_end, frames):
        raise ValueError(
            f"the first window needs {frames} frames before its label time t_0="
            f"{self._start():g} s (frame {first_end}) but only {first_end} exist; use a "
            "larger label_start, a shorter window_duration or pad='edge'/'min'/'zero'"
        )

    def transform(self, X):
        """Cut the windows.

        Parameters
        ----------
        X : ndarray of shape (n_clips, 1, n_frames, n_mels)

        Returns
        -------
        windows : ndarray of shape (n_clips, n_steps, 1, frames_per_window, n_mels)
            Same dtype as `X`. ``windows[i, k, 0]`` are the frames
            ``[e_k - frames_per_window, e_k)`` of clip ``i``.
        """
        check_is_fitted(self, "frames_per_window_")
        frames = self._check_params()
        X = self._check_X(X)
        n, _, n_frames, n_mels = X.shape
        ends = self._ends(n_frames)
        lead = max(0, frames - int(ends[0]))
        if lead and self.pad == "error":
            self._raise_pad(ends[0], frames)
        S = X[:, 0]
        if lead:
            if self.pad == "edge":
                head = np.repeat(S[:, :1], lead, axis=1)
            elif self.pad == "min":
                lo = S.reshape(n, -1).min(axis=1) if S.size else np.zeros(n, S.dtype)
                head = np.broadcast_to(lo[:, None, None], (n, lead, n_mels)).astype(S.dtype)
            else:
                head = np.zeros((n, lead, n_mels), S.dtype)
            S = np.concatenate([head, S], axis=1)
        index = (ends + lead)[:, None] + np.arange(-frames, 0)[None, :]  # (n_steps, F)
        return np.ascontiguousarray(S[:, index][:, :, None])

    def label_times(self, n_frames):
        """Label times of the windows of an ``n_frames``-long spectrogram.

        Parameters
        ----------
        n_frames : int

        Returns
        -------
        times : ndarray of shape (n_steps,)
            ``t_k = label_start + k * label_hop`` in seconds from the first frame.
        """
        self._check_params()
        ends = self._ends(int(n_frames))
        return self._start() + self.label_hop * np.arange(len(ends))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # needs (n_clips, 1, n_frames, n_mels)
        tags.requires_fit = True
        return tags


# --------------------------------------------------------------------------- ragged labels


def align_dynamic_annotations(
    paths,
    frame_times,
    target_dynamic,
    *,
    window_duration=1.0,
    label_hop=0.5,
    n_steps=None,
    tol=1e-3,
):
    """Turn per-clip dynamic label series into one rectangular, window-aligned data set.

    PMEmo and DEAM give each clip a label series of its own length
    (``bunch.frame_times[i]``, ``bunch.target_dynamic[i]`` of
    :func:`~skmer.datasets.load_pmemo` / :func:`~skmer.datasets.load_deam`,
    starting at 15.5 s / 15 s of the file). This function keeps the first
    ``n_steps`` labels of every clip and returns, per clip, the audio window
    ``ClipSpec(path, offset=t_0 - window_duration, duration=window_duration +
    (n_steps - 1) * label_hop)`` that covers exactly the windows of those
    labels. Feed the clips to ``LogMelTransformer(duration=duration,
    crop='start')`` and ``SlidingWindows(window_duration=window_duration,
    label_hop=label_hop, label_start=window_duration)``: window ``k`` then
    ends at the clip's label ``k`` (:func:`skmer.baselines.make_damff_pipeline`
    builds that pipeline from the result).

    Parameters
    ----------
    paths : sequence of str
        Audio file of each clip.
    frame_times : sequence of array-like of shape (n_i,)
        Label times of each clip in seconds from the start of its file.
    target_dynamic : sequence of array-like of shape (n_i, n_dims)
        Labels of each clip (e.g. [valence, arousal]).
    window_duration : float, default=1.0
        Window length in seconds, as given to :class:`SlidingWindows`. Every
        clip's first label must be at least `window_duration` seconds into
        the file.
    label_hop : float, default=0.5
        Label period in seconds; the labels of every clip must be evenly
        spaced by `label_hop` (within `tol`).
    n_steps : int or None, default=None
        Labels kept per clip (the first ones). ``None``: the length of the
        shortest non-empty series, so that every clip is cropped to a
        common number of steps. Clips with fewer than `n_steps` labels are
        left out (listed in ``dropped``).
    tol : float, default=1e-3
        Tolerance in seconds for the label spacing.

    Returns
    -------
    data : sklearn.utils.Bunch
        clips : list of skmer.audio.ClipSpec
            Audio window of each kept clip.
        target : ndarray of shape (n_kept, n_steps, n_dims), float64
            The first `n_steps` labels of each kept clip.
        index : ndarray of int, shape (n_kept,)
            Position of each kept clip in the inputs.
        dropped : ndarray of int
            Positions of the clips left out (empty series or fewer than
            `n_steps` labels).
        frame_times : ndarray of shape (n_steps,)
            Label times relative to the start of each clip window:
            ``window_duration + k * label_hop``.
        label_start : float
            ``window_duration``: the ``label_start`` to give
            :class:`SlidingWindows`.
        window_duration, label_hop : float
            The parameters, for :class:`SlidingWindows`.
        duration : float
            Length of every clip window in seconds: the ``duration`` to give
            :class:`LogMelTransformer` (with ``crop='start'``).
        n_steps : int
            Labels per clip.

    Raises
    ------
    ValueError
        Inconsistent input lengths, labels not evenly spaced by `label_hop`,
        a first label earlier than `window_duration`, NaN labels, or no clip
        left.

    Examples
    --------
    >>> import numpy as np
    >>> from skmer.features import align_dynamic_annotations
    >>> times = [15.5 + 0.5 * np.arange(n) for n in (60, 58)]
    >>> labels = [np.zeros((60, 2)), np.ones((58, 2))]
    >>> d = align_dynamic_annotations(["a.mp3", "b.mp3"], times, labels, window_duration=1.0)
    >>> d.target.shape, d.clips[0].offset, d.duration
    ((2, 58, 2), 14.5, 29.5)
    """
    from ..audio import ClipSpec

    validate_arguments(
        {"window_duration": [FINITE_POSITIVE], "label_hop": [FINITE_POSITIVE],
         "n_steps": [None, POSITIVE_INT]},
        {"window_duration": window_duration, "label_hop": label_hop, "n_steps": n_steps},
        "align_dynamic_annotations")
    window, hop = window_duration, label_hop
    paths = list(paths)
    frame_times = list(frame_times)
    target_dynamic = list(target_dynamic)
    if not (len(paths) == len(frame_times) == len(target_dynamic)):
        raise ValueError(
            f"paths, frame_times and target_dynamic must have one entry per clip; got "
            f"{len(paths)}, {len(frame_times)} and {len(target_dynamic)}"
        )
    series, problems, n_dims = [], [], None
    for i, (t, v) in enumerate(zip(frame_times, target_dynamic)):
        t = np.asarray(t, dtype=float).reshape(-1)
        v = np.asarray(v, dtype=float)
        if v.ndim == 1:
            v = v[:, None]
        if v.ndim != 2 or len(v) != len(t):
            problems.append(
                f"clip {i}: {len(t)} label times but labels of shape {np.shape(v)}"
            )
            series.append(None)
            continue
        if n_dims is None and len(t):
            n_dims = v.shape[1]
        if len(t) and v.shape[1] != n_dims:
            problems.append(f"clip {i}: {v.shape[1]} label dimensions, others have {n_dims}")
        if not np.isfinite(t).all() or not np.isfinite(v).all():
            problems.append(f"clip {i}: NaN or infinite label times or values")
        if len(t) > 1 and np.abs(np.diff(t) - hop).max() > tol:
            problems.append(
                f"clip {i}: label times are not evenly spaced by label_hop={hop:g} s")
        if len(t) and t[0] < window - tol:
            problems.append(
                f"clip {i}: first label at {t[0]:g} s is earlier than "
                f"window_duration={window:g} s"
            )
        series.append((t, v))
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ValueError(f"{len(problems)} problem(s) in the dynamic annotations:\n{lines}")
    lengths = np.array([len(s[0]) for s in series])
    if n_steps is None:
        nonempty = lengths[lengths > 0]
        if not nonempty.size:
            raise ValueError("no clip has dynamic labels")
        n_steps = int(nonempty.min())
    n_steps = int(n_steps)
    keep = np.flatnonzero(lengths >= n_steps)
    dropped = np.flatnonzero(lengths < n_steps)
    if not keep.size:
        raise ValueError(
            f"no clip has n_steps={n_steps} labels (longest series: {lengths.max()} labels)"
        )
    duration = float(window + (n_steps - 1) * hop)
    clips = [
        ClipSpec(str(paths[i]), float(series[i][0][0] - window), duration) for i in keep
    ]
    target = np.stack([series[i][1][:n_steps] for i in keep])
    return Bunch(
        clips=clips,
        target=target,
        index=keep,
        dropped=dropped,
        frame_times=window + hop * np.arange(n_steps),
        label_start=float(window),
        window_duration=float(window),
        label_hop=float(hop),
        duration=duration,
        n_steps=n_steps,
    )
