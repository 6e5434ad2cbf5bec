"""Inputs of the audio transformers: X -> sources, their names, identities and crops.

An audio transformer computes one array per input "source": a :class:`ClipSpec`
(a window of a file) or a row of a waveform array. :func:`as_sources` turns the X a
user passes into sources; :func:`file_identity` keys a ``joblib.Memory`` cache on a
file's path, size and modification time; :func:`crop_start` and :func:`source_rng`
place a fixed-length window in a source.
"""

from __future__ import annotations

import os
import zlib
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .._validation import seed_from
from ..audio import ClipSpec

__all__ = ["CROP_MODES", "as_memory", "as_sources", "check_waveform_width", "crop_start",
           "describe", "file_identity", "set_waveform_width", "source_rng"]

CROP_MODES = ("start", "center", "random")


def as_sources(X, *, sr):
    """Normalise a transformer's X into a list of sources.

    Parameters
    ----------
    X : sequence of path, sequence of ClipSpec/(path, offset, duration), \
DataFrame with a ``path`` column, or ndarray of float, shape (n_samples, n_audio_samples)
        Audio files, windows of audio files, or waveforms sampled at `sr`.
    sr : int
        Sampling rate of waveform rows, in Hz (only used in messages).

    Returns
    -------
    sources : list of ClipSpec or ndarray of float32, shape (n_audio_samples,)
    """
    if hasattr(X, "columns") and hasattr(X, "itertuples"):  # pandas DataFrame
        if "path" not in X.columns:
            raise ValueError(
                "a DataFrame X needs a 'path' column (and optionally 'offset' and "
                f"'duration' in seconds); got columns {list(X.columns)}"
            )
        offsets = X["offset"] if "offset" in X.columns else [0.0] * len(X)
        durations = X["duration"] if "duration" in X.columns else [None] * len(X)
        return [_clip(p, o, d) for p, o, d in zip(X["path"], offsets, durations)]

    if hasattr(X, "tocsr") or type(X).__module__.startswith("scipy.sparse"):
        raise TypeError(
            "Sparse input is not supported: X must hold audio paths, clip specs or dense "
            "waveforms"
        )
    if isinstance(X, str | os.PathLike):
        raise TypeError(
            "X must be a sequence of audio paths, not a single path; wrap it in a list: [path]"
        )
    if not isinstance(X, np.ndarray | list | tuple) and hasattr(X, "__array__"):
        X = np.asarray(X)
    if isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 2:
        first = X[0, 0] if X.size else None
        if not (isinstance(first, str | os.PathLike) and X.shape[1] <= 3):
            try:
                X = X.astype(np.float64)
            except ValueError:
                raise ValueError(
                    "an object array X must hold clip specs (path, offset, duration) per row "
                    "or numbers (waveforms); could not convert it to numbers"
                ) from None
    if isinstance(X, np.ndarray) and X.dtype.kind == "c":
        raise ValueError("Complex data not supported: waveforms must be real-valued")
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiu":
        if X.ndim != 2:
            raise ValueError(
                "a numeric X must be a 2-D array of mono waveforms, shape "
                f"(n_samples, n_audio_samples) at sr={sr} Hz; got shape {X.shape}. "
                "Reshape your data, e.g. X[np.newaxis] for a single waveform."
            )
        if X.shape[0] == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
            )
        if X.shape[1] == 0:
            raise ValueError(
                f"Found array with 0 feature(s) (shape={X.shape}) while a minimum of 1 is "
                "required: waveforms hold no audio samples."
            )
        X = X.astype(np.float32, copy=False)
        bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
        if bad.size:
            raise ValueError(
                f"waveform rows {bad[:10].tolist()} contain NaN or infinite samples"
            )
        return list(X)

    try:
        items = list(X)
    except TypeError:
        raise TypeError(
            "X must be a sequence of audio paths or clip specs, or a 2-D waveform "
            f"array; got {type(X).__name__}"
        ) from None
    if not items:
        raise ValueError("X is empty: expected at least one audio path or waveform")
    if all(isinstance(x, np.ndarray) and x.dtype.kind == "f" for x in items):
        return as_sources(np.asarray(items), sr=sr)
    first = items[0]
    if isinstance(first, list | tuple) and first and isinstance(first[0], Real):
        return as_sources(np.asarray(items, dtype=np.float64), sr=sr)
    return [_item_to_clip(x, i) for i, x in enumerate(items)]


def _item_to_clip(x, i):
    if isinstance(x, str | os.PathLike):
        return _clip(x, 0.0, None)
    if isinstance(x, ClipSpec):
        return _clip(*x)
    if isinstance(x, tuple | list | np.ndarray) and 1 <= len(x) <= 3:
        seq = list(x)
        if isinstance(seq[0], str | os.PathLike):
            return _clip(*seq)
    raise TypeError(
        f"X[{i}] must be a path or a clip spec (path, offset_seconds, duration_seconds); "
        f"got {type(x).__name__}: {x!r:.80}"
    )


def _clip(path, offset=0.0, duration=None):
    offset = 0.0 if offset is None or (isinstance(offset, float) and np.isnan(offset)) else offset
    if duration is not None and isinstance(duration, float) and np.isnan(duration):
        duration = None
    if not isinstance(offset, Real) or offset < 0:
        raise ValueError(f"clip offset must be a number of seconds >= 0, got {offset!r} ({path})")
    if duration is not None and (not isinstance(duration, Real) or duration <= 0):
        raise ValueError(f"clip duration must be > 0 seconds or None, got {duration!r} ({path})")
    return ClipSpec(os.fspath(path), float(offset), None if duration is None else float(duration))


def set_waveform_width(estimator, sources):
    """Record ``n_features_in_`` (samples per row) when fitted on a waveform array."""
    if isinstance(sources[0], np.ndarray):
        estimator.n_features_in_ = sources[0].size
    elif hasattr(estimator, "n_features_in_"):
        del estimator.n_features_in_


def check_waveform_width(estimator, sources):
    """Waveform rows at transform must be as long as at fit (a 2-D array has fixed columns)."""
    expected = getattr(estimator, "n_features_in_", None)
    if expected is not None and isinstance(sources[0], np.ndarray) and sources[0].size != expected:
        raise ValueError(
            f"X has {sources[0].size} features, but {type(estimator).__name__} is expecting "
            f"{expected} features as input (samples per waveform row: waveform arrays keep the "
            "length seen at fit; pass file paths for clips of varying length)"
        )


def describe(source, index):
    """Human-readable name of a source for messages."""
    if isinstance(source, ClipSpec):
        if source.offset == 0.0 and source.duration is None:
            return source.path
        end = "end" if source.duration is None else f"{source.duration:g}s"
        window = f"{source.offset:g}s+{end}"
        return f"{source.path} [{window}]"
    return f"waveform row {index}"


def file_identity(path):
    """(absolute path, size in bytes, mtime in ns): changes whenever the file does."""
    p = Path(path)
    try:
        st = p.stat()
    except OSError:
        return (str(p.absolute()), -1, -1)
    return (str(p.resolve()), st.st_size, st.st_mtime_ns)


def as_memory(memory):
    """:func:`sklearn.utils.validation.check_memory`, also for a path-like folder."""
    from sklearn.utils.validation import check_memory

    return check_memory(os.fspath(memory) if isinstance(memory, os.PathLike) else memory)


def crop_start(n_available, n_wanted, crop, rng_for_source):
    """First index of a window of `n_wanted` inside `n_available` (0 when it does not fit).

    ``'start'`` keeps the beginning, ``'center'`` the middle, ``'random'`` a
    uniformly drawn position from ``rng_for_source()``.
    """
    slack = n_available - n_wanted
    if slack <= 0:
        return 0
    if crop == "start":
        return 0
    if crop == "center":
        return slack // 2
    return int(rng_for_source().integers(0, slack + 1))


def source_rng(random_state, source, index):
    """Random generator for a random crop of one source.

    With an int `random_state` the crop of a file depends only on the seed and
    the file window (not on the other files in the batch), so a clip gets the
    same crop in every fold and at predict time.
    """
    if isinstance(random_state, Integral):
        key = describe(source, index) if isinstance(source, ClipSpec) else f"row{index}"
        return np.random.default_rng([int(random_state) & 0xFFFFFFFF, zlib.crc32(key.encode())])
    return np.random.default_rng(seed_from(random_state))
