"""LogMelTransformer: audio files or waveforms -> fixed-size log-Mel spectrograms."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import (
    MEMORY,
    N_JOBS,
    NON_NEGATIVE,
    ON_ERROR,
    POSITIVE,
    POSITIVE_INT,
    RANDOM_STATE,
    StrOptions,
    validate_constraints,
)
from ..audio import ClipSpec, load_audio
from ._batch import run_batch
from ._output import AudioInputMixin, SpectrogramOutputMixin, stack_results
from ._sources import (
    CROP_MODES,
    as_memory,
    as_sources,
    check_waveform_width,
    crop_start,
    file_identity,
    set_waveform_width,
    source_rng,
)
from .melspec import power_mel, power_to_db

__all__ = ["LogMelTransformer"]


def _file_power_mel(identity, offset, duration, sr, n_fft, hop_length, n_mels, fmin, fmax):
    """Decode a file window and return ``(mel power (n_frames, n_mels), n_audio_samples)``.

    This is the unit ``memory`` caches: `identity` (path, size, mtime) makes a
    changed file a new key; cropping, padding and dB conversion stay outside
    so changing them reuses the cache.
    """
    y, _ = load_audio(identity[0], sr=sr, offset=offset, duration=duration)
    return power_mel(y, sr, n_fft, hop_length, n_mels, fmin, fmax), y.size


def _source_log_mel(source, index, cfg):
    """Log-Mel of one source, cropped or padded to the configured length."""
    decode_args = (cfg["sr"], cfg["n_fft"], cfg["hop_length"], cfg["n_mels"], cfg["fmin"],
                   cfg["fmax"])
    if isinstance(source, ClipSpec):
        compute = cfg["memory"].cache(_file_power_mel)
        S, n_audio = compute(
            file_identity(source.path), source.offset, source.duration, *decode_args
        )
    else:
        S, n_audio = power_mel(source, *decode_args), source.size

    seconds = n_audio / cfg["sr"]
    if seconds < cfg["min_duration"]:
        raise ValueError(
            f"audio is {seconds:.2f} s long, shorter than min_duration={cfg['min_duration']:g} s "
            "(set min_duration=0 to zero-pad clips of any length)"
        )
    n_valid = n_audio // cfg["hop_length"]
    n_out = cfg["n_frames"]
    if n_out is None:
        if n_valid == 0:
            raise ValueError(f"audio is {seconds:.4f} s long, shorter than one hop")
        S = S[:n_valid]
    else:
        start = crop_start(n_valid, n_out, cfg["crop"],
                           lambda: source_rng(cfg["random_state"], source, index))
        S = S[start : start + n_out]
        if S.shape[0] < n_out:
            S = np.concatenate([S, np.zeros((n_out - S.shape[0], S.shape[1]), S.dtype)])
    return power_to_db(S, top_db=cfg["top_db"])


class LogMelTransformer(AudioInputMixin, SpectrogramOutputMixin, TransformerMixin, BaseEstimator):
    """Audio -> log-power Mel spectrograms of a fixed length, ready for ADFF.

    Decodes each input with :func:`skmer.audio.load_audio` (mono, resampled to
    `sr`), computes a Mel power spectrogram with a centred Hann-windowed STFT
    and converts it to decibels, exactly as ``librosa.feature.melspectrogram``
    followed by ``librosa.power_to_db`` (checked to 0.01 dB on real
    recordings) but without librosa's JIT start-up cost. Defaults follow the
    ADFF paper (section 3.2): 44.1 kHz, 128 Mel bands, 60 ms windows, 10 ms
    hops, 20 s inputs.

    Parameters
    ----------
    sr : int, default=44100
        Sampling rate in Hz that audio is resampled to.
    n_mels : int, default=128
        Number of Mel bands.
    window : float, default=0.06
        STFT window (and FFT) length in seconds: ``round(window * sr)``
        samples (2646 at 44.1 kHz).
    hop : float, default=0.01
        Hop between frames in seconds: ``round(hop * sr)`` samples (441).
    fmin : float, default=0.0
        Lowest Mel filter edge in Hz.
    fmax : float or None, default=None
        Highest Mel filter edge in Hz; ``None`` is ``sr / 2``.
    top_db : float or None, default=80.0
        Dynamic range kept below each spectrogram's maximum, in dB, as
        ``librosa.power_to_db``; ``None`` keeps everything down to the
        -100 dB floor.
    duration : float or None, default=20.0
        Output length in seconds. Every output has exactly
        ``n_frames = round(duration / hop)`` frames (20 s at 10 ms -> 2000).
        Frame ``k`` is centred on ``k * hop`` seconds after the start of the
        kept window. Shorter audio is zero-padded at the end (as in the
        paper); longer audio is cropped as `crop` says. With ``None`` each
        output has ``floor(n_audio_samples / hop_samples)`` frames and all
        inputs must agree on that number, else a ``ValueError`` lists them.
    crop : {'start', 'center', 'random'}, default='center'
        Which `duration`-long window of longer audio is kept.
    min_duration : float, default=0.5
        Audio shorter than this many seconds is an error rather than being
        silently padded; 0 pads any clip.
    random_state : int, RandomState or None, default=None
        Seeds ``crop='random'``. With an int, the window of a given file
        depends only on the seed and the file, not on the batch it is in.
    memory : str, path or joblib.Memory, default=None
        Cache of decoded Mel power per (file path, size, modification time,
        window, analysis parameters). A file is decoded once across fits, CV
        folds and grid-search candidates; changing the file or any analysis
        parameter recomputes it; `duration`, `crop` and `top_db` changes
        reuse it. Waveform inputs are not cached.
    n_jobs : int or None, default=None
        Parallel workers (joblib; any joblib backend, Dask's included). BLAS
        uses one thread inside each worker. ``None`` follows the active joblib
        backend, except inside a task on a Dask worker (e.g. this step of a
        pipeline fitted by a grid search on the cluster), where the files are
        computed one after the other on that worker.
    verbose : int, default=0
        ``> 0`` shows a progress bar.
    on_error : {'raise', 'skip'}, default='raise'
        Every input is attempted; then ``'raise'`` raises one
        :class:`~skmer.exceptions.FeatureExtractionError` listing every failing
        input and its reason, ``'skip'`` warns with that list and fills their
        outputs with NaN (skmer's estimators predict NaN for such rows). The
        same words as the dataset loaders' ``on_error``; ``'warn'`` is
        accepted as a synonym of ``'skip'``. Results that succeeded stay in
        `memory`.

    Attributes
    ----------
    n_fft_ : int
        Window/FFT length in samples.
    hop_length_ : int
        Hop in samples.
    n_frames_ : int or None
        Frames per output (``None`` when ``duration=None``).
    n_features_in_ : int
        Samples per waveform row, set only when fitted on a waveform array;
        waveform arrays given to `transform` must then have rows of that
        length (pass paths for clips of varying length).

    See Also
    --------
    SegmentStacker : cuts the output into ``seg_num`` channels for ADFF.
    SpectrogramStats : summarises the output for SVR / random-forest baselines.

    Notes
    -----
    X may be a sequence of paths, a sequence of clip specs
    ``(path, offset_seconds, duration_seconds)`` / :class:`~skmer.audio.ClipSpec`
    (as the segment datasets produce), a DataFrame with ``path`` (and
    ``offset``, ``duration``) columns, or a 2-D float array of mono waveforms
    at `sr`.

    Examples
    --------
    >>> from skmer import LogMelTransformer
    >>> mel = LogMelTransformer(duration=20.0)
    >>> S = mel.fit_transform(["a.mp3", "b.wav"])  # doctest: +SKIP
    >>> S.shape  # doctest: +SKIP
    (2, 1, 2000, 128)
    """

    _parameter_constraints = {
        "sr": [POSITIVE_INT],
        "n_mels": [POSITIVE_INT],
        "window": [POSITIVE],
        "hop": [POSITIVE],
        "fmin": [NON_NEGATIVE],
        "fmax": [None, POSITIVE],
        "top_db": [None, POSITIVE],
        "duration": [None, POSITIVE],
        "crop": [StrOptions(set(CROP_MODES))],
        "min_duration": [NON_NEGATIVE],
        "random_state": RANDOM_STATE,
        "memory": MEMORY,
        "n_jobs": N_JOBS,
        "verbose": ["verbose"],
        "on_error": ON_ERROR,
    }

    def __init__(
        self,
        sr=44100,
        n_mels=128,
        window=0.06,
        hop=0.01,
        fmin=0.0,
        fmax=None,
        top_db=80.0,
        duration=20.0,
        crop="center",
        min_duration=0.5,
        random_state=None,
        memory=None,
        n_jobs=None,
        verbose=0,
        on_error="raise",
    ):
        self.sr = sr
        self.n_mels = n_mels
        self.window = window
        self.hop = hop
        self.fmin = fmin
        self.fmax = fmax
        self.top_db = top_db
        self.duration = duration
        self.crop = crop
        self.min_duration = min_duration
        self.random_state = random_state
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.on_error = on_error

    def _stft_sizes(self):
        """Validate the parameters; return ``(n_fft, hop_length)`` in samples."""
        validate_constraints(self)
        fmax = self.sr / 2 if self.fmax is None else self.fmax
        if fmax > self.sr / 2 or self.fmin >= fmax:
            raise ValueError(
                f"need 0 <= fmin < fmax <= sr/2 = {self.sr / 2:g} Hz; got fmin={self.fmin}, "
                f"fmax={self.fmax}"
            )
        n_fft = int(round(self.window * self.sr))
        hop_length = int(round(self.hop * self.sr))
        if n_fft < 2 or hop_length < 1:
            raise ValueError(
                f"window={self.window} s and hop={self.hop} s are too short at sr={self.sr} Hz "
                f"({n_fft} and {hop_length} samples)"
            )
        return n_fft, hop_length

    def fit(self, X, y=None):
        """Validate the parameters and X; nothing is learned.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)
            Audio inputs (see Notes of the class).
        y : ignored

        Returns
        -------
        self : LogMelTransformer
        """
        self.n_fft_, self.hop_length_ = self._stft_sizes()
        self.n_frames_ = None if self.duration is None else int(round(self.duration / self.hop))
        set_waveform_width(self, as_sources(X, sr=self.sr))
        return self

    def transform(self, X):
        """Compute the log-Mel spectrograms.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)
            Audio inputs.

        Returns
        -------
        S : ndarray of float32, shape (n_samples, 1, n_frames, n_mels)
            Log-power Mel spectrograms in dB (time by Mel, one channel).

        Raises
        ------
        FeatureExtractionError
            One or more inputs failed (missing, corrupt, too short...), after
            all were attempted (``on_error='raise'``).
        """
        check_is_fitted(self, "n_fft_")
        sources = as_sources(X, sr=self.sr)
        check_waveform_width(self, sources)
        cfg = {
            "sr": int(self.sr),
            "n_fft": self.n_fft_,
            "hop_length": self.hop_length_,
            "n_mels": int(self.n_mels),
            "fmin": float(self.fmin),
            "fmax": None if self.fmax is None else float(self.fmax),
            "top_db": self.top_db,
            "n_frames": self.n_frames_,
            "crop": self.crop,
            "min_duration": self.min_duration,
            "random_state": self.random_state,
            "memory": as_memory(self.memory),
        }
        results = run_batch(
            _source_log_mel, sources, (cfg,), n_jobs=self.n_jobs, verbose=self.verbose,
            on_error=self.on_error, desc="log-Mel",
        )
        lengths = sorted({r.shape[0] for r in results if r is not None})
        if len(lengths) > 1:
            raise ValueError(
                f"duration=None needs inputs of equal length, got frame counts {lengths[:10]}; "
                "set duration (seconds) to crop/pad them to one length"
            )
        n_frames = lengths[0] if lengths else (self.n_frames_ or 1)
        return stack_results(results, (1, n_frames, int(self.n_mels)))
