"""Dask worker settings for training skmer's networks.

skmer runs on a Dask cluster through joblib's Dask backend (see the *Scaling
out* page of the documentation); this module only holds the one setting where
Dask's defaults and PyTorch's CPU training disagree.

Dask's nanny starts each worker process with the environment
``distributed.nanny.pre-spawn-environ``, which by default sets
``MALLOC_TRIM_THRESHOLD_=65536``. Any explicit glibc trim threshold also
switches off glibc's adaptive ``mmap`` threshold, so every large tensor a
training step allocates is mapped and unmapped afresh and its pages fault in
again: on the machine of ``benchmarks/bench_scale.py`` a small ADFF fit took
2.1-2.2x as long in a default worker as in the client process, and as long
once the variable was left out. :func:`dask_worker_config` keeps Dask's
one-thread-per-library settings and leaves the trim threshold out.
"""

from __future__ import annotations

__all__ = ["dask_worker_config", "dask_worker_environ"]


def dask_worker_environ(threads=1):
    """Environment for Dask worker processes that train networks.

    Parameters
    ----------
    threads : int, default=1
        Threads per worker process for torch (OpenMP), MKL and OpenBLAS. Use
        the number of threads each worker may occupy, usually 1 with one
        worker per core.

    Returns
    -------
    environ : dict of str -> int
        ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS``;
        no ``MALLOC_TRIM_THRESHOLD_``.
    """
    from ._validation import POSITIVE_INT, validate_arguments

    validate_arguments({"threads": [POSITIVE_INT]}, {"threads": threads}, "dask_worker_environ")
    return {"OMP_NUM_THREADS": threads, "MKL_NUM_THREADS": threads,
            "OPENBLAS_NUM_THREADS": threads}


def dask_worker_config(threads=1):
    """Dask configuration for clusters that train skmer networks.

    Parameters
    ----------
    threads : int, default=1
        Threads per worker process, see :func:`dask_worker_environ`.

    Returns
    -------
    config : dict
        ``{"distributed.nanny.pre-spawn-environ": dask_worker_environ(threads)}``,
        for :func:`dask.config.set` around the creation of a
        ``distributed.LocalCluster`` (or in the Dask configuration of the
        machines that run ``dask worker``; as an environment variable:
        ``DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON='{"OMP_NUM_THREADS": 1}'``).

    Examples
    --------
    >>> import dask
    >>> from skmer.parallel import dask_worker_config
    >>> with dask.config.set(dask_worker_config()):  # doctest: +SKIP
    ...     cluster = LocalCluster(n_workers=4, threads_per_worker=1)
    """
    return {"distributed.nanny.pre-spawn-environ": dask_worker_environ(threads)}
