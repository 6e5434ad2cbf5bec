"""MusicnnMel: audio -> musicnn's log-mel input, for fine-tuning a pretrained CNNTagger."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    MEMORY,
    N_JOBS,
    ON_ERROR,
    POSITIVE_INT,
    RANDOM_STATE,
    StrOptions,
    validate_constraints,
)
from ..audio import ClipSpec, load_audio
from ..features._batch import run_batch
from ..features._output import AudioInputMixin, SpectrogramOutputMixin, stack_results
from ..features._sources import (
    CROP_MODES,
    as_memory,
    as_sources,
    check_waveform_width,
    crop_start,
    file_identity,
    set_waveform_width,
    source_rng,
)
from ._musicnn import N_FRAMES, N_MELS, SR, musicnn_mel

__all__ = ["MusicnnMel"]


def _file_mel(identity, offset, duration):
    y, _ = load_audio(identity[0], sr=SR, offset=offset, duration=duration)
    return musicnn_mel(y)


def _source_mel(source, index, cfg):
    if isinstance(source, ClipSpec):
        compute = cfg["memory"].cache(_file_mel)
        S = compute(file_identity(source.path), source.offset, source.duration)
    else:
        S = musicnn_mel(source)
    n = cfg["n_frames"]
    start = crop_start(S.shape[0], n, cfg["crop"],
                       lambda: source_rng(cfg["random_state"], source, index))
    S = S[start:start + n]
    if S.shape[0] < n:
        S = np.concatenate([S, np.zeros((n - S.shape[0], S.shape[1]), S.dtype)])
    return S


class MusicnnMel(AudioInputMixin, SpectrogramOutputMixin, TransformerMixin, BaseEstimator):
    """Audio -> musicnn's log-mel representation ``(n, 1, n_frames, 96)``.

    The input of ``CNNTagger(pretrained='MSD_musicnn')`` (and of the other
    musicnn models): 16 kHz mono, 512-sample windows, 256-sample hops, 96 mel
    bands, ``log10(10000 * mel + 1)`` after float16 rounding, exactly as
    ``musicnn.extractor``. One window of `n_frames` frames is kept per input
    (187 frames = 3 s, the length the networks were trained on); shorter
    audio is zero-padded.

    Parameters
    ----------
    n_frames : int, default=187
        Frames per output (16 ms each). The VGG models need 187; musicnn
        models pool over time and accept any length.
    crop : {'start', 'center', 'random'}, default='center'
        Which window of longer audio is kept.
    random_state : int, RandomState or None, default=None
        Seeds ``crop='random'`` (per file, as :class:`~skmer.LogMelTransformer`).
    memory : str, path or joblib.Memory, default=None
        Cache of the full log-mel of each file window.
    n_jobs, verbose, on_error
        As :class:`~skmer.LogMelTransformer`.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skmer import CNNTagger
    >>> from skmer.pretrained import MusicnnMel
    >>> model = make_pipeline(MusicnnMel(n_frames=187 * 3),
    ...                       CNNTagger(pretrained="MSD_musicnn", lr=1e-4))
    >>> model.fit(paths, tag_matrix)  # doctest: +SKIP
    """

    _parameter_constraints = {
        "n_frames": [POSITIVE_INT],
        "crop": [StrOptions(set(CROP_MODES))],
        "random_state": RANDOM_STATE,
        "memory": MEMORY,
        "n_jobs": N_JOBS,
        "verbose": ["verbose"],
        "on_error": ON_ERROR,
    }

    def __init__(self, n_frames=N_FRAMES, crop="center", random_state=None, memory=None,
                 n_jobs=None, verbose=0, on_error="raise"):
        self.n_frames = n_frames
        self.crop = crop
        self.random_state = random_state
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.on_error = on_error

    def fit(self, X, y=None):
        """Validate the parameters and X; nothing is learned."""
        validate_constraints(self)
        set_waveform_width(self, as_sources(X, sr=SR))
        self.n_frames_ = int(self.n_frames)
        return self

    def transform(self, X):
        """Log-mel windows, shape ``(n_samples, 1, n_frames, 96)``, float32."""
        check_is_fitted(self, "n_frames_")
        sources = as_sources(X, sr=SR)
        check_waveform_width(self, sources)
        cfg = {"n_frames": self.n_frames_, "crop": self.crop, "random_state": self.random_state,
               "memory": as_memory(self.memory)}
        results = run_batch(_source_mel, sources, (cfg,), n_jobs=self.n_jobs,
                            verbose=self.verbose, on_error=self.on_error, desc="musicnn mel")
        return stack_results(results, (1, self.n_frames_, N_MELS))
