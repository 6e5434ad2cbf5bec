"""AudioFeatures: classic hand-crafted clip descriptors for SVR / random-forest baselines."""

from __future__ import annotations

from numbers import Integral

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
from ._output import AudioInputMixin, stack_results
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
from .melspec import power_spectrogram

__all__ = ["AudioFeatures"]

_N_FFT = 2048
_HOP = 512
_PITCHES = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"]
# Krumhansl-Kessler key profiles (major, minor), tonic first.
_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


def _feature_names(n_mfcc):
    names = []

    def mean_std(prefix, labels):
        for stat in ("mean", "std"):
            names.extend(f"{prefix}{label}_{stat}" for label in labels)

    mean_std("mfcc", range(n_mfcc))
    mean_std("mfcc_delta", range(n_mfcc))
    mean_std("", ["spectral_centroid", "spectral_bandwidth", "spectral_rolloff",
                  "spectral_flatness", "rms", "zero_crossing_rate", "onset_strength"])
    mean_std("spectral_contrast", range(7))
    mean_std("chroma_", _PITCHES)
    mean_std("tonnetz", range(6))
    names += ["key_major_corr", "key_minor_corr", "mode_major_minus_minor", "tempo_bpm",
              "onset_rate_per_s"]
    return names


def _key_correlations(chroma_mean):
    """Best correlation of the mean chroma with any major and any minor key profile."""
    c = chroma_mean - chroma_mean.mean()
    if not np.any(c):
        return 0.0, 0.0
    best = []
    for profile in (_MAJOR, _MINOR):
        p = profile - profile.mean()
        corr = [
            float(np.dot(c, np.roll(p, k)) / (np.linalg.norm(c) * np.linalg.norm(p)))
            for k in range(12)
        ]
        best.append(max(corr))
    return best[0], best[1]


def import_librosa():
    """Import the librosa modules AudioFeatures uses, compiling their numba code once.

    librosa compiles its numba functions when its modules are first imported
    and caches the machine code on disk (about 15 s with an empty cache).
    Worker processes that compile and write that cache at the same time can
    read each other's half-written files and crash, so the parent imports
    first and the workers load the finished cache.
    """
    import librosa

    for module in (librosa.feature, librosa.onset, librosa.util):
        getattr(module, "__name__", None)
    return librosa


def clip_descriptors(y, sr, n_mfcc=20):
    """Hand-crafted descriptors of one mono clip.

    Parameters
    ----------
    y : ndarray of float32, shape (n_samples,)
        Mono audio.
    sr : int
        Sampling rate in Hz.
    n_mfcc : int
        Number of MFCCs.

    Returns
    -------
    features : ndarray of float32, shape (n_features,)
        In the order of ``AudioFeatures.get_feature_names_out()``.
    """
    librosa = import_librosa()

    with np.errstate(all="ignore"):
        power = power_spectrogram(y, _N_FFT, _HOP).T
        S = np.sqrt(power)
        mel_db = librosa.power_to_db(librosa.feature.melspectrogram(S=power, sr=sr))
        mfcc = librosa.feature.mfcc(S=mel_db, n_mfcc=n_mfcc)
        if mfcc.shape[1] >= 3:
            mfcc_delta = librosa.feature.delta(mfcc, width=min(9, _odd_at_most(mfcc.shape[1])))
        else:
            mfcc_delta = np.zeros_like(mfcc)
        onset_env = librosa.onset.onset_strength(S=mel_db, sr=sr, hop_length=_HOP)
        framewise = np.vstack([
            librosa.feature.spectral_centroid(S=S, sr=sr),
            librosa.feature.spectral_bandwidth(S=S, sr=sr),
            librosa.feature.spectral_rolloff(S=S, sr=sr),
            librosa.feature.spectral_flatness(S=S),
            librosa.feature.rms(S=S, frame_length=_N_FFT),
            librosa.feature.zero_crossing_rate(y, frame_length=_N_FFT, hop_length=_HOP,
                                               center=True)[:, : S.shape[1]],
            onset_env[None, : S.shape[1]],
        ])
        # librosa's default lowest band edge (200 Hz) leaves no room below Nyquist under ~13 kHz
        contrast = librosa.feature.spectral_contrast(S=S, sr=sr, fmin=min(200.0, sr / 72))
        # tuning=0: A440 tuning assumed (librosa's tuning estimate needs its numba JIT)
        chroma = librosa.feature.chroma_stft(S=power, sr=sr, tuning=0.0)
        tonnetz = librosa.feature.tonnetz(chroma=chroma, sr=sr)
        tempo = _tempo_bpm(librosa, onset_env, sr)
        n_onsets = _count_onsets(onset_env, sr)

    def mean_std(a):
        return np.concatenate([a.mean(axis=1), a.std(axis=1)])

    major, minor = _key_correlations(chroma.mean(axis=1))
    seconds = y.size / sr
    out = np.concatenate([
        mean_std(mfcc), mean_std(mfcc_delta), mean_std(framewise), mean_std(contrast),
        mean_std(chroma), mean_std(tonnetz),
        [major, minor, major - minor, tempo, n_onsets / seconds],
    ]).astype(np.float32)
    return np.nan_to_num(out, nan=0.0, posinf=0.0, neginf=0.0)


def _tempo_bpm(librosa, onset_env, sr):
    """Global tempo in BPM, ``librosa.feature.tempo`` (prior at 120 BPM); 0 without onsets."""
    if onset_env.size < 4 or not np.any(onset_env - onset_env.mean()):
        return 0.0
    return float(librosa.feature.tempo(onset_envelope=onset_env, sr=sr, hop_length=_HOP)[0])


def _count_onsets(onset_env, sr):
    """Peaks of the normalised onset envelope with prominence >= 0.07, >= 30 ms apart.

    The thresholds of ``librosa.onset.onset_detect``'s defaults, with
    ``scipy.signal.find_peaks`` instead of librosa's peak picker: that one is
    compiled by numba on its first call in a fresh environment (its cache is
    written then, not at install), which would break ``AudioFeatures``'
    no-JIT first call (``bench_features``: < 0.3 s). The other descriptors are
    librosa's own (tempo, zero-crossing rate and the spectral features compile
    when librosa is imported, see :func:`import_librosa`).
    """
    from scipy.signal import find_peaks

    span = onset_env.max() - onset_env.min() if onset_env.size else 0.0
    if span <= 0:
        return 0
    env = (onset_env - onset_env.min()) / span
    peaks, _ = find_peaks(env, prominence=0.07, distance=max(1, int(round(0.03 * sr / _HOP))))
    return int(peaks.size)


def _odd_at_most(n):
    n = max(3, int(n))
    return n if n % 2 else n - 1


def _crop_or_pad(y, n_out, crop, rng_for_source):
    start = crop_start(y.size, n_out, crop, rng_for_source)
    y = y[start : start + n_out]
    if y.size < n_out:
        y = np.pad(y, (0, n_out - y.size))
    return y


#: Part of the cache key of the descriptors: raised when they change (2: librosa's tempo and
#: zero-crossing rate), so that results cached by an earlier release are recomputed.
DESCRIPTORS_VERSION = 2


def _file_descriptors(identity, offset, duration, sr, n_mfcc, n_out, crop, start_seed,
                      min_duration, version):
    """Decode a file window, crop/pad it, and describe it (the unit ``memory`` caches)."""
    y, _ = load_audio(identity[0], sr=sr, offset=offset, duration=duration)
    rng_for_source = lambda: np.random.default_rng(start_seed)  # noqa: E731
    return _describe(y, sr, n_mfcc, n_out, crop, rng_for_source, min_duration)[0]


def _describe(y, sr, n_mfcc, n_out, crop, rng_for_source, min_duration):
    if y.size / sr < min_duration:
        raise ValueError(
            f"audio is {y.size / sr:.2f} s long, shorter than min_duration={min_duration:g} s "
            "(set min_duration=0 to zero-pad clips of any length)"
        )
    if n_out is not None:
        y = _crop_or_pad(y, n_out, crop, rng_for_source)
    if y.size < _N_FFT // 4:
        y = np.pad(y, (0, _N_FFT // 4 - y.size))
    return clip_descriptors(y, sr, n_mfcc), y.size


def _source_descriptors(source, index, cfg):
    n_out = cfg["n_out"]
    if isinstance(source, ClipSpec):
        seed = None
        if cfg["crop"] == "random" and n_out is not None:
            rng = source_rng(cfg["random_state"], source, index)
            seed = int(rng.integers(0, 2**63 - 1))
        cacheable = cfg["crop"] != "random" or isinstance(cfg["random_state"], Integral)
        compute = cfg["memory"].cache(_file_descriptors) if cacheable else _file_descriptors
        return compute(
            file_identity(source.path), source.offset, source.duration, cfg["sr"], cfg["n_mfcc"],
            n_out, cfg["crop"], seed, cfg["min_duration"], DESCRIPTORS_VERSION,
        )
    features, _ = _describe(
        source, cfg["sr"], cfg["n_mfcc"], n_out, cfg["crop"],
        lambda: source_rng(cfg["random_state"], source, index), cfg["min_duration"],
    )
    return features


class AudioFeatures(AudioInputMixin, TransformerMixin, BaseEstimator):
    """Classic hand-crafted clip descriptors: the features of a careful MER baseline.

    Per clip, the mean and standard deviation over frames of: 20 MFCCs and
    their deltas (timbre), spectral centroid, bandwidth, roll-off and
    flatness (brightness, noisiness), RMS energy (loudness), zero-crossing
    rate, onset strength (percussiveness), 7-band spectral contrast, 12-bin
    chroma (harmony) and the 6-D tonal centroid (tonnetz); plus the best
    correlation of the mean chroma with a major and with a minor key
    profile (Krumhansl-Kessler) and their difference (mode), the tempo in
    BPM and the onset rate per second (rhythm). 149 features with the
    default ``n_mfcc=20``. STFT of 2048 samples, hop 512 (93 / 23 ms at
    22.05 kHz), computed with librosa.

    Inputs, caching, parallelism and error handling are those of
    :class:`LogMelTransformer`, so one X (paths, clip specs or waveforms)
    feeds both an ADFF pipeline and a baseline.

    Parameters
    ----------
    sr : int, default=22050
        Sampling rate in Hz the audio is resampled to.
    n_mfcc : int, default=20
        Number of MFCCs.
    duration : float or None, default=None
        If set, each clip is cropped (per `crop`) or zero-padded to this many
        seconds first, as :class:`LogMelTransformer` does with the same
        parameter, so a baseline sees the same audio as the network.
        ``None`` describes each whole input.
    crop : {'start', 'center', 'random'}, default='center'
        Window kept from longer clips when `duration` is set.
    min_duration : float, default=0.5
        Audio shorter than this many seconds is an error.
    random_state : int, RandomState or None, default=None
        Seeds ``crop='random'`` (per file, as in :class:`LogMelTransformer`).
    memory : str, path or joblib.Memory, default=None
        Cache of descriptors per (file path, size, modification time, window
        and parameters).
    n_jobs : int or None, default=None
        Parallel workers through joblib, as in :class:`LogMelTransformer`.
    verbose : int, default=0
        ``> 0`` shows a progress bar.
    on_error : {'raise', 'skip'}, default='raise'
        As in :class:`LogMelTransformer` (``'warn'`` is a synonym of ``'skip'``).

    Attributes
    ----------
    n_features_out_ : int
        Number of descriptors.
    n_features_in_ : int
        Samples per waveform row, set only when fitted on a waveform array.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVR
    >>> from skmer import AudioFeatures
    >>> baseline = make_pipeline(AudioFeatures(duration=20), StandardScaler(), SVR())
    """

    _parameter_constraints = {
        "sr": [POSITIVE_INT],
        "n_mfcc": [POSITIVE_INT],
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
        sr=22050,
        n_mfcc=20,
        duration=None,
        crop="center",
        min_duration=0.5,
        random_state=None,
        memory=None,
        n_jobs=None,
        verbose=0,
        on_error="raise",
    ):
        self.sr = sr
        self.n_mfcc = n_mfcc
        self.duration = duration
        self.crop = crop
        self.min_duration = min_duration
        self.random_state = random_state
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.on_error = on_error

    def fit(self, X, y=None):
        """Validate the parameters and X; nothing is learned.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)
        y : ignored

        Returns
        -------
        self : AudioFeatures
        """
        validate_constraints(self)
        set_waveform_width(self, as_sources(X, sr=self.sr))
        self.n_features_out_ = len(_feature_names(self.n_mfcc))
        return self

    def transform(self, X):
        """Compute the descriptors.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)

        Returns
        -------
        features : ndarray of float32, shape (n_samples, n_features)
            ``n_features = n_features_out_`` descriptors (149 by default).
        """
        check_is_fitted(self, "n_features_out_")
        sources = as_sources(X, sr=self.sr)
        check_waveform_width(self, sources)
        cfg = {
            "sr": int(self.sr),
            "n_mfcc": int(self.n_mfcc),
            "n_out": None if self.duration is None else int(round(self.duration * self.sr)),
            "crop": self.crop,
            "min_duration": self.min_duration,
            "random_state": self.random_state,
            "memory": as_memory(self.memory),
        }
        import_librosa()
        results = run_batch(
            _source_descriptors, sources, (cfg,), n_jobs=self.n_jobs, verbose=self.verbose,
            on_error=self.on_error, desc="audio features",
        )
        return stack_results(results, (self.n_features_out_,))

    def get_feature_names_out(self, input_features=None):
        """Names of the descriptors, e.g. ``'mfcc0_mean'``, ``'tempo_bpm'``."""
        check_is_fitted(self, "n_features_out_")
        return np.asarray(_feature_names(self.n_mfcc), dtype=object)
