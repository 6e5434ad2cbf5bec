"""Log-Mel spectrogram arithmetic, numerically equal to librosa's, without its JIT.

librosa's ``melspectrogram`` pays 1-2 s of numba compilation on its first call
in a process (13 s with an empty numba cache). These functions compute the
same quantities with numpy and ``scipy.fft`` only: a centred STFT with a
periodic Hann window and zero padding (librosa >= 0.10 defaults), a Slaney
Mel filterbank, and ``power_to_db`` with ``ref=1``. ``tests/test_logmel.py``
checks them against librosa on real recordings.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.fft

__all__ = [
    "hz_to_mel", "mel_to_hz", "mel_filterbank", "n_stft_frames", "power_mel", "power_spectrogram",
    "power_to_db",
]

_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0
_FRAMES_PER_CHUNK = 256


def hz_to_mel(frequencies):
    """Slaney Mel scale (linear below 1 kHz, logarithmic above); Hz -> Mel."""
    f = np.asarray(frequencies, dtype=np.float64)
    mels = f / _F_SP
    log_part = f >= _MIN_LOG_HZ
    mels = np.where(
        log_part, _MIN_LOG_MEL + np.log(np.maximum(f, _MIN_LOG_HZ) / _MIN_LOG_HZ) / _LOGSTEP, mels
    )
    return mels


def mel_to_hz(mels):
    """Inverse of :func:`hz_to_mel`; Mel -> Hz."""
    m = np.asarray(mels, dtype=np.float64)
    freqs = _F_SP * m
    return np.where(m >= _MIN_LOG_MEL, _MIN_LOG_HZ * np.exp(_LOGSTEP * (m - _MIN_LOG_MEL)), freqs)


@lru_cache(maxsize=16)
def mel_filterbank(sr, n_fft, n_mels, fmin=0.0, fmax=None):
    """Slaney-normalised triangular Mel filterbank, as ``librosa.filters.mel``.

    Parameters
    ----------
    sr : int
        Sampling rate in Hz.
    n_fft : int
        FFT size in samples.
    n_mels : int
        Number of Mel bands.
    fmin, fmax : float
        Lowest and highest frequency in Hz (``fmax=None``: ``sr / 2``).

    Returns
    -------
    weights : ndarray of float32, shape (n_mels, 1 + n_fft // 2)
        Read-only; rows are bands, columns FFT bins.
    """
    fmax = sr / 2.0 if fmax is None else float(fmax)
    fft_freqs = np.fft.rfftfreq(n_fft, d=1.0 / sr)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fft_freqs)
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_f[2:] - mel_f[:-2]))[:, None]
    weights = weights.astype(np.float32)
    weights.flags.writeable = False
    return weights


@lru_cache(maxsize=8)
def _hann(n_fft):
    window = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)).astype(np.float32)
    window.flags.writeable = False
    return window


def _power_chunks(y, n_fft, hop_length):
    """Yield ``(first_frame, power)`` blocks of a centred STFT, power of shape (frames, bins)."""
    y = np.asarray(y, dtype=np.float32)
    padded = np.pad(y, n_fft // 2)
    if padded.size < n_fft:
        padded = np.pad(padded, (0, n_fft - padded.size))
    n_frames = 1 + y.size // hop_length
    frames = np.lib.stride_tricks.as_strided(
        padded, shape=(n_frames, n_fft), strides=(hop_length * 4, 4), writeable=False
    )
    window = _hann(n_fft)
    for start in range(0, n_frames, _FRAMES_PER_CHUNK):
        spectrum = scipy.fft.rfft(frames[start : start + _FRAMES_PER_CHUNK] * window, axis=1,
                                  workers=1)
        yield start, spectrum.real**2 + spectrum.imag**2


def n_stft_frames(n_samples, hop_length):
    """Frames of a centred STFT: ``1 + n_samples // hop_length``."""
    return 1 + n_samples // hop_length


def power_spectrogram(y, n_fft, hop_length):
    """Power spectrogram ``|STFT|**2`` (centred frames, zero padding, periodic Hann).

    The same frames as ``librosa.stft(y, n_fft=n_fft, hop_length=hop_length)``.

    Parameters
    ----------
    y : ndarray of float, shape (n_samples,)
        Mono audio.
    n_fft : int
        Window and FFT length in samples.
    hop_length : int
        Hop between frames in samples.

    Returns
    -------
    P : ndarray of float32, shape (n_frames, 1 + n_fft // 2)
        Power, time by frequency bin.
    """
    out = np.empty((n_stft_frames(np.size(y), hop_length), 1 + n_fft // 2), dtype=np.float32)
    for start, power in _power_chunks(y, n_fft, hop_length):
        out[start : start + power.shape[0]] = power
    return out


def power_mel(y, sr, n_fft, hop_length, n_mels, fmin=0.0, fmax=None):
    """Mel power spectrogram of a mono signal (centred frames, zero padding).

    Frame ``k`` is centred on sample ``k * hop_length``; there are
    ``1 + len(y) // hop_length`` frames, as ``librosa.feature.melspectrogram``
    with ``center=True, pad_mode='constant', power=2``.

    Parameters
    ----------
    y : ndarray of float, shape (n_samples,)
        Mono audio at `sr` Hz.
    sr : int
        Sampling rate in Hz.
    n_fft : int
        Window and FFT length in samples.
    hop_length : int
        Hop between frames in samples.
    n_mels : int
        Number of Mel bands.
    fmin, fmax : float
        Frequency range of the filterbank in Hz.

    Returns
    -------
    S : ndarray of float32, shape (n_frames, n_mels)
        Mel power, time by Mel.
    """
    basis_t = np.ascontiguousarray(mel_filterbank(sr, n_fft, n_mels, fmin, fmax).T)
    out = np.empty((n_stft_frames(np.size(y), hop_length), n_mels), dtype=np.float32)
    for start, power in _power_chunks(y, n_fft, hop_length):
        np.matmul(power, basis_t, out=out[start : start + power.shape[0]])
    return out


def power_to_db(S, top_db=80.0, amin=1e-10):
    """Power -> decibels (``ref=1``), as ``librosa.power_to_db``.

    Parameters
    ----------
    S : ndarray of float
        Power values (any shape).
    top_db : float or None
        Clip values below ``S_db.max() - top_db``; ``None`` keeps all.
    amin : float
        Power floor before the logarithm, so silence maps to
        ``10 * log10(amin)`` dB (-100 dB) instead of -inf.

    Returns
    -------
    S_db : ndarray of float32
        Same shape as `S`, finite.
    """
    S_db = 10.0 * np.log10(np.maximum(np.asarray(S, dtype=np.float32), np.float32(amin)))
    if top_db is not None and S_db.size:
        S_db = np.maximum(S_db, S_db.max() - np.float32(top_db))
    return S_db.astype(np.float32, copy=False)
