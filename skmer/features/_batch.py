"""Machinery shared by the audio transformers: inputs, caching, parallel batches.

An audio transformer computes one array per input "source": a :class:`ClipSpec`
(a window of a file) or a row of a waveform array. This module turns the X a
user passes into sources, computes each source once through an optional
``joblib.Memory`` keyed on the file's identity (path, size, mtime) and the
parameters, runs sources in parallel with joblib, and gathers every failure
before reporting them together.
"""

from __future__ import annotations

import os
import sys
import zlib
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .._validation import seed_from
from ..audio import ClipSpec
from ..exceptions import FailedInput, FeatureExtractionError

CROP_MODES = ("start", "center", "random")
#: ``on_error`` of the transformers, as of the dataset loaders: ``'raise'`` or
#: ``'skip'`` (warn, listing every failure, and keep going); ``'warn'`` is a
#: synonym of ``'skip'``.
ON_ERROR_MODES = ("raise", "skip", "warn")

# Frames in these packages are not "the user's call" a warning should point at.
_INTERNAL_PACKAGES = ("skmer", "sklearn", "skorch", "joblib", "imblearn")


def external_stacklevel():
    """``stacklevel`` that makes a warning point at the first frame outside skmer and sklearn.

    Call it as ``warnings.warn(msg, stacklevel=external_stacklevel())``: the
    warning then names the user's line (e.g. ``pipeline.predict(...)``)
    rather than a line inside scikit-learn's pipeline code.
    """
    prefixes = []
    for name in _INTERNAL_PACKAGES:
        module = sys.modules.get(name)
        if module is not None and getattr(module, "__file__", None):
            prefixes.append(os.path.dirname(module.__file__) + os.sep)
    prefixes = tuple(prefixes)
    frame = sys._getframe(1)  # the function that calls warnings.warn: stacklevel 1
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(prefixes):
        frame = frame.f_back
        level += 1
    return level


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


class SpectrogramOutputMixin:
    """``set_output`` for transformers whose output is a 4-D spectrogram array.

    A 4-D array has no DataFrame form, so these transformers always return
    numpy arrays; accepting ``set_output`` lets ``Pipeline.set_output(transform='pandas')``
    configure the 2-D steps that follow them.
    """

    def set_output(self, *, transform=None):
        """Accept a ``set_output`` configuration; 4-D output stays a numpy array.

        Parameters
        ----------
        transform : {'default', 'pandas', 'polars'} or None
            Recorded; has no effect on the 4-D output.

        Returns
        -------
        self
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}"
            )
        return self


class AudioInputMixin:
    """Tags of the transformers reading audio (paths, clip specs, waveform rows) into float32."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def stack_results(results, shape):
    """Per-input results as one float32 array of shape ``(len(results), *shape)``.

    A failed input (``None``, kept by ``run_batch(on_error='warn')``) gets a NaN row.
    """
    out = np.full((len(results), *shape), np.nan, dtype=np.float32)
    for i, r in enumerate(results):
        if r is not None:
            out[i] = np.reshape(r, shape)
    return out


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


def _guarded(func, source, index, args, limit_threads):
    """Run one source; return ('ok', result) or ('error', reason) instead of raising."""
    try:
        if limit_threads:
            from threadpoolctl import threadpool_limits

            with threadpool_limits(limits=1):
                return "ok", func(source, index, *args)
        return "ok", func(source, index, *args)
    except (OSError, ValueError, RuntimeError, MemoryError) as exc:
        return "error", f"{type(exc).__name__}: {exc}"


def _in_dask_task():
    """True while a Dask worker runs this code (joblib's Dask backend nests onto the cluster)."""
    distributed = sys.modules.get("distributed")
    if distributed is None:
        return False
    try:
        distributed.get_worker()
    except ValueError:
        return False
    return True


def run_batch(func, sources, args=(), *, n_jobs=None, verbose=0, on_error="raise", desc=""):
    """Apply ``func(source, index, *args)`` to every source, in parallel, keeping going on errors.

    Parameters
    ----------
    func : callable
        Module-level function (picklable) computing one source from the
        source and its position in the batch.
    sources : list
        Output of :func:`as_sources`.
    args : tuple
        Extra positional arguments for `func`.
    n_jobs : int or None
        joblib parallelism; runs under the active joblib backend (Dask too).
        ``None`` inside a task on a Dask worker (e.g. a pipeline fitted by a
        grid search on the cluster) runs the sources one after the other on
        that worker instead of fanning out onto the cluster again.
    verbose : int
        ``> 0`` shows a tqdm progress bar.
    on_error : {'raise', 'skip'}
        After every source has been attempted, ``'raise'`` raises one
        :class:`FeatureExtractionError` listing every failure; ``'skip'``
        (synonym ``'warn'``) warns with the same list and returns ``None`` for
        the failures.

    Returns
    -------
    results : list
        One result per source (``None`` for failures under ``'skip'``).
    """
    import joblib
    from threadpoolctl import threadpool_limits

    if len(sources) <= 1 or (n_jobs is None and _in_dask_task()):
        n_workers = 1
    else:
        n_workers = joblib.effective_n_jobs(n_jobs)
    if n_workers == 1:
        outcomes = (_guarded(func, s, i, args, False) for i, s in enumerate(sources))
    else:
        parallel = joblib.Parallel(n_jobs=n_jobs, return_as="generator")
        outcomes = parallel(
            joblib.delayed(_guarded)(func, s, i, args, True) for i, s in enumerate(sources)
        )
    if verbose:
        from tqdm.auto import tqdm

        outcomes = tqdm(outcomes, total=len(sources), desc=desc, unit="file")
    # One BLAS thread everywhere, so results are bit-identical whatever n_jobs and backend.
    with threadpool_limits(limits=1):
        outcomes = list(outcomes)

    results, failures = [], []
    for i, (status, value) in enumerate(outcomes):
        if status == "ok":
            results.append(value)
        else:
            results.append(None)
            path = sources[i].path if isinstance(sources[i], ClipSpec) else None
            failures.append(FailedInput(i, path, value, describe(sources[i], i)))
    if failures:
        error = FeatureExtractionError(failures)
        if on_error == "raise":
            raise error
        import warnings

        lines = "\n".join(f"  - {name}: {reason}" for name, reason in error.failures)
        warnings.warn(
            f"{len(failures)} of {len(sources)} input(s) could not be processed; their output "
            f"rows are filled with NaN:\n{lines}",
            UserWarning,
            stacklevel=external_stacklevel(),
        )
    return results
