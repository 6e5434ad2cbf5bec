"""The one parallel map of skmer: run a function over sources, keep going on failures.

:func:`run_batch` runs one function per source with joblib (any backend, Dask
too), shows a tqdm bar, and gathers every failure before reporting them
together (:class:`~skmer.exceptions.FeatureExtractionError`, or a warning with
``on_error='skip'``). Inputs are made into sources by :mod:`._sources`.
"""

from __future__ import annotations

import os
import sys

from ..audio import ClipSpec
from ..exceptions import FailedInput, FeatureExtractionError
from ._sources import describe

__all__ = ["ON_ERROR_MODES", "external_stacklevel", "run_batch"]

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
