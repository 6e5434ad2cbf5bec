"""What the transformers that run a pretrained musicnn network share: parameters and batch run."""

from __future__ import annotations

import os
from functools import lru_cache

from sklearn.base import BaseEstimator, TransformerMixin

from .._device import resolve_device
from .._validation import MEMORY, N_JOBS, ON_ERROR, POSITIVE_INT, TorchDevice, validate_constraints
from ..features._batch import run_batch
from ..features._output import AudioInputMixin
from ..features._sources import as_memory, as_sources, check_waveform_width, set_waveform_width
from ._musicnn import SR, find_musicnn

__all__ = ["MusicnnTransformer", "cached_network"]


@lru_cache(maxsize=8)
def cached_network(model, data_home, device):
    """The loaded network of `model` on `device` (a string), one per process and setting."""
    from ._musicnn import load_musicnn

    return load_musicnn(model, data_home).to(device)


class MusicnnTransformer(AudioInputMixin, TransformerMixin, BaseEstimator):
    """Base of :class:`MusicnnEmbedding` and :class:`MusicnnLevels`.

    Subclasses declare ``model`` in their constraints, store ``model``,
    ``batch_size``, ``device``, ``data_home``, ``memory``, ``n_jobs``,
    ``verbose`` and ``on_error`` in ``__init__``, and call :meth:`_fit_sources`
    in ``fit`` and :meth:`_run` in ``transform``.
    """

    _parameter_constraints = {
        "batch_size": [POSITIVE_INT],
        "device": [None, TorchDevice()],
        "data_home": [None, str, os.PathLike],
        "memory": MEMORY,
        "n_jobs": N_JOBS,
        "verbose": ["verbose"],
        "on_error": ON_ERROR,
    }

    def _validate(self):
        """Declared constraints, then the checks that relate several parameters."""
        validate_constraints(self)

    def _fit_sources(self, X):
        """Validate the parameters, locate the weights (a clear error without musicnn), check
        ``X``; record the waveform width of array input."""
        self._validate()
        find_musicnn()
        set_waveform_width(self, as_sources(X, sr=SR))

    def _run(self, X, worker, desc, **cfg):
        """``worker(source, index, cfg)`` over the inputs of ``X`` (``None`` where one failed).

        ``cfg`` gets ``model``, ``data_home``, ``device`` (a string), ``batch_size``
        and ``memory`` (a ``joblib.Memory``) besides the keywords given.
        """
        self._validate()
        sources = as_sources(X, sr=SR)
        check_waveform_width(self, sources)
        cfg.update(
            model=self.model,
            data_home=self.data_home,
            device=str(resolve_device(self.device) or "cpu"),
            batch_size=int(self.batch_size),
            memory=as_memory(self.memory),
        )
        return run_batch(worker, sources, (cfg,), n_jobs=self.n_jobs, verbose=self.verbose,
                         on_error=self.on_error, desc=desc)
