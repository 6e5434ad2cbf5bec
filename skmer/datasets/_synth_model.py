"""The label model of the synthetic data set: musical factors -> valence, arousal, tags.

Each clip's latent factors (tempo, note density, loudness, brightness,
percussiveness, dissonance, register, mode, key) are drawn from its seed;
valence and arousal are documented functions of them (``DESCR`` of
:mod:`skmer.datasets.synthetic`), with annotator noise, and the tags are
thresholds of the noise-free values. :mod:`._synth_audio` renders the factors.
"""

from __future__ import annotations

import numpy as np

from ._synth_audio import _PROGRESSIONS

__all__ = ["FACTOR_NAMES", "TAG_NAMES"]

#: Continuous factors and their ranges (low, high).
_RANGES = {
    "tempo": (60.0, 180.0),  # beats per minute
    "density": (0.0, 1.0),  # melody notes per 16th-note slot (probability scale)
    "loudness": (-32.0, -14.0),  # RMS level in dBFS
    "brightness": (0.0, 1.0),  # 0: near-sinusoidal partials, 1: 16 strong partials
    "percussiveness": (0.0, 1.0),  # drum level, 0 = no drums
    "dissonance": (0.0, 1.0),  # added clashing tones and detuning
    "register": (-1.0, 1.0),  # octaves around middle C (C4)
}

#: Names of the latent factors, as columns of ``bunch.frame``.
FACTOR_NAMES = [*_RANGES, "mode", "key", "even_harmonics"]

#: Emotion tags, as columns of ``bunch.tags``.
TAG_NAMES = ["happy", "sad", "tense", "calm", "energetic", "peaceful"]

_AROUSAL_WEIGHTS = {
    "tempo": 0.30,
    "density": 0.20,
    "loudness": 0.25,
    "brightness": 0.10,
    "percussiveness": 0.15,
}
_AROUSAL_GAIN = 2.0
_VALENCE_WEIGHTS = {"mode": 0.25, "dissonance": -0.45, "register": 0.35}
_VALENCE_GAIN = 1.5

_FRAME_HOP = 0.5  # seconds between dynamic labels



def _z(name, value):
    lo, hi = _RANGES[name]
    return 2.0 * (np.asarray(value, dtype=float) - lo) / (hi - lo) - 1.0


class _Factors:
    """The latent factors of one clip, as functions of time."""

    def __init__(self, start, end, mode, mode_end, switch_time, key, even, progressions):
        self.start = start
        self.end = end
        self.mode_start = mode
        self.mode_end = mode_end
        self.switch_time = switch_time
        self.key = key
        self.even = even
        self.progressions = progressions

    def at(self, name, t, duration):
        frac = np.clip(np.asarray(t, dtype=float) / duration, 0.0, 1.0)
        return self.start[name] + (self.end[name] - self.start[name]) * frac

    def mode_at(self, t):
        t = np.asarray(t, dtype=float)
        return np.where(t < self.switch_time, self.mode_start, self.mode_end).astype(int)

    def emotion_at(self, t, duration):
        """Noise-free (valence, arousal) at times `t`; arrays of the shape of `t`."""
        a = sum(w * _z(n, self.at(n, t, duration)) for n, w in _AROUSAL_WEIGHTS.items())
        m = 2.0 * self.mode_at(t) - 1.0
        v = (
            _VALENCE_WEIGHTS["mode"] * m
            + _VALENCE_WEIGHTS["dissonance"] * _z("dissonance", self.at("dissonance", t, duration))
            + _VALENCE_WEIGHTS["register"] * _z("register", self.at("register", t, duration))
        )
        return np.tanh(_VALENCE_GAIN * v), np.tanh(_AROUSAL_GAIN * a)


def _clip_seed(seed, index, stream):
    return np.random.SeedSequence(seed, spawn_key=(index, stream))


def _draw_factors(seed, index, duration, dynamic):
    rng = np.random.default_rng(_clip_seed(seed, index, 0))
    start = {name: float(rng.uniform(lo, hi)) for name, (lo, hi) in _RANGES.items()}
    mode = int(rng.integers(2))
    key = int(rng.integers(12))
    even = float(rng.uniform(0.2, 1.0))
    progressions = (int(rng.integers(len(_PROGRESSIONS[0]))), int(rng.integers(4)))
    end, mode_end, switch = dict(start), mode, np.inf
    if dynamic:
        for name, (lo, hi) in _RANGES.items():
            step = rng.uniform(-0.6, 0.6) * (hi - lo)
            end[name] = float(np.clip(start[name] + step, lo, hi))
        if rng.random() < 0.5:
            mode_end = 1 - mode
            switch = float(rng.uniform(0.3, 0.7) * duration)
    return _Factors(start, end, mode, mode_end, switch, key, even, progressions)




def _labels(fac, duration, noise, rng, dynamic):
    """Static (valence, arousal) with noise, noise-free static values, dynamic labels."""
    if dynamic:
        n_steps = int(np.floor(duration / _FRAME_HOP + 1e-9))
        frame_times = _FRAME_HOP * (np.arange(n_steps) + 1)
        sub = frame_times[:, None] - _FRAME_HOP * (np.arange(10) / 10.0)
        v, a = fac.emotion_at(sub, duration)
        clean = np.stack([v.mean(axis=1), a.mean(axis=1)], axis=1)  # (n_steps, 2)
        eps = rng.standard_normal((n_steps, 2)) * noise
        ar = np.empty_like(eps)
        ar[0] = eps[0]
        rho = 0.9
        for k in range(1, n_steps):
            ar[k] = rho * ar[k - 1] + np.sqrt(1 - rho**2) * eps[k]
        dyn = np.clip(clean + ar, -1.0, 1.0)
        static_clean = clean.mean(axis=0)
    else:
        v, a = fac.emotion_at(0.0, duration)
        static_clean = np.array([float(v), float(a)])
        dyn = None
    static = np.clip(static_clean + noise * rng.standard_normal(2), -1.0, 1.0)
    return static, static_clean, dyn


def _tags(valence, arousal, dissonance):
    v, a, d = valence, arousal, dissonance
    return np.stack(
        [
            (v > 0.25) & (a > 0),
            (v < -0.25) & (a < 0),
            ((v < -0.25) & (a > 0.25)) | (d > 0.75),
            a < -0.25,
            a > 0.25,
            (v > 0.25) & (a < 0) & (d < 0.4),
        ],
        axis=1,
    ).astype(np.int64)
