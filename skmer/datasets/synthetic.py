"""A synthetic music emotion data set: audio clips whose emotion is known.

:func:`make_music_emotion` draws, for every clip, a few musical factors
(tempo, note density, loudness, brightness, percussiveness, mode, dissonance,
register), computes valence and arousal from them with documented formulas
(:data:`DESCR`), and renders the clip as a WAV file with a chord pad, a bass
line, a melody and drums. It is the embedded default data set of skmer: it
needs no download, and a model that learns it has learned something musical.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np

from .._validation import seed_from
from ._common import TARGET_NAMES, get_data_home

__all__ = ["make_music_emotion", "DESCR", "TAG_NAMES", "FACTOR_NAMES"]

#: Bumped whenever the synthesis changes, so cached files of an older version are never reused.
_SYNTH_VERSION = 1

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

DESCR = """\
Synthetic music emotion data set (skmer.datasets.make_music_emotion)
===================================================================

Every clip is rendered from latent musical factors drawn uniformly at random:

==============  ================  =============================================
factor          range             what it changes in the audio
==============  ================  =============================================
tempo           60 - 180 BPM      beat rate of drums, chords and melody grid
density         0 - 1             melody onsets per 16th note (8 % - 88 %),
                                  chord re-strikes per bar (1, 2 or 4)
loudness        -32 - -14 dBFS    RMS level of the mix
brightness      0 - 1             number and strength of harmonic partials
percussiveness  0 - 1             level (and pattern) of kick, snare, hi-hat
dissonance      0 - 1             up to 3 clashing tones (minor 2nd, tritone,
                                  major 7th, minor 9th) faded into every
                                  chord, detuned copies that beat against the
                                  chord and melody, chromatic melody notes
register        -1 - 1 octaves    pitch height of chords, bass and melody
mode            major / minor     scale (major or harmonic minor) and chord
                                  progression
key             C - B             nuisance: transposition
even_harmonics  0.2 - 1           nuisance: timbre (even-partial weight)
==============  ================  =============================================

In ``bunch.frame``, mode is 1 for major and 0 for minor, key 0 is C.

With every continuous factor f scaled to z(f) in [-1, 1] and mode m = +1
(major) or -1 (minor), the noise-free emotion of a clip is

    arousal = tanh(2.0 * (0.30 z(tempo) + 0.20 z(density) + 0.25 z(loudness)
                          + 0.10 z(brightness) + 0.15 z(percussiveness)))
    valence = tanh(1.5 * (0.25 m - 0.45 z(dissonance) + 0.35 z(register)))

Valence depends only on harmony and pitch, never on tempo or loudness, so, as
in real recordings, it is the harder dimension to predict from audio. The
targets are these values plus Gaussian annotator noise of standard deviation
`noise`, clipped to [-1, 1]; columns are [valence, arousal].

Tags (multi-label) follow from the noise-free values and the factors:
happy (valence > 0.25 and arousal > 0), sad (valence < -0.25 and arousal < 0),
tense (valence < -0.25 and arousal > 0.25, or dissonance > 0.75),
calm (arousal < -0.25), energetic (arousal > 0.25), peaceful (valence > 0.25,
arousal < 0 and dissonance < 0.4).

Dynamic clips (dynamic=True): every continuous factor moves linearly from a
start to an end value over the clip (tempo ramps, crescendi, ...) and, in half
of the clips, the mode switches (major <-> minor) at a random time between
30 % and 70 % of the clip. Labels come every 0.5 s: label k (frame_times[k] =
0.5 (k + 1) s) is the mean of the instantaneous emotion over the preceding
half second (t_k - 0.5, t_k], plus AR(1) noise (coefficient 0.9, marginal
standard deviation `noise`). The static target of a dynamic clip is the mean
of its noise-free labels plus noise; the factor columns of the frame hold the
start values, the ``<factor>_end`` columns the end values.
"""


# --------------------------------------------------------------------------- factors


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


# --------------------------------------------------------------------------- synthesis

_SCALES = np.array(
    [
        [0, 2, 3, 5, 7, 8, 11],  # harmonic minor (raised 7th: major V chord)
        [0, 2, 4, 5, 7, 9, 11],  # major
    ]
)
# four-bar progressions as scale degrees (0 = tonic), none on a diminished/augmented triad
_PROGRESSIONS = (
    ((0, 3, 4, 0), (0, 5, 3, 4), (0, 3, 0, 5), (0, 4, 5, 3)),
    ((0, 4, 5, 3), (0, 3, 4, 0), (0, 5, 3, 4), (0, 3, 0, 4)),
)
_CLASH_INTERVALS = np.array([1, 6, 13, 11])  # semitones above the chord root
_TABLE_BITS = 11
_TABLE_SIZE = 1 << _TABLE_BITS
_MAX_PARTIALS = 16
_BRIGHT_LEVELS = 16  # brightness is quantised to 1/16 for the table lookup


def _wavetable(n_partials, alpha, even):
    k = np.arange(1, n_partials + 1)
    amps = k**-alpha * np.where(k % 2 == 0, even, 1.0)
    x = np.arange(_TABLE_SIZE) / _TABLE_SIZE
    table = np.sin(2 * np.pi * np.outer(x, k)) @ amps
    return table / np.abs(table).max()


def _oscillator(freq, brightness, even, sr):
    """Band-limited voices whose timbre follows `brightness` sample by sample.

    Parameters
    ----------
    freq : ndarray, shape (n_voices, n_samples)
        Instantaneous frequency of every voice in Hz.
    brightness : ndarray, shape (n_samples,)
        In [0, 1]: cross-fade between a dark table (2 partials, steep
        roll-off) and a bright one (up to 16 partials, below 0.45 `sr`).
    even : float
        Weight of the even partials (timbre nuisance).
    sr : int
        Sampling rate in Hz.

    Returns
    -------
    y : ndarray, shape (n_voices, n_samples)
    """
    f_max = max(float(freq.max()), 1.0)
    n_bright = int(np.clip(0.45 * sr / f_max, 1, _MAX_PARTIALS))
    dark = _wavetable(min(2, n_bright), 2.2, even)
    bright = _wavetable(n_bright, 0.8, even)
    mix = np.linspace(0.0, 1.0, _BRIGHT_LEVELS + 1)[:, None]
    tables = (dark + mix * (bright - dark)).ravel()
    level = np.rint(brightness * _BRIGHT_LEVELS).astype(np.intp) << _TABLE_BITS
    phase = np.cumsum(freq * (_TABLE_SIZE / sr), axis=-1)
    idx = phase.astype(np.intp) & (_TABLE_SIZE - 1)
    idx += level
    return tables[idx]


def _hold(values, starts, n):
    """Hold ``values[..., k]`` from sample ``starts[k]`` up to ``starts[k + 1]``.

    ``starts`` are increasing sample indices with ``starts[0] == 0``.
    """
    return np.repeat(values, np.diff(np.append(starts, n)), axis=-1)


def _envelope(starts, n, sr, attack, decay):
    """Attack-decay envelope re-triggered at every sample index in `starts` (``starts[0] == 0``)."""
    i = np.arange(n)
    since = (i - _hold(starts, starts, n)) / sr
    until = (_hold(np.append(starts[1:], n), starts, n) - i) / sr
    env = np.minimum(1.0, since / attack) * np.exp(-since / decay)
    return env * np.minimum(1.0, until / 0.01)  # 10 ms release before the next onset


def _midi_to_hz(m):
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=float) - 69.0) / 12.0)


def _place(pitch_classes, low):
    """MIDI numbers of `pitch_classes` in the octave window [low, low + 12)."""
    return low + np.mod(np.asarray(pitch_classes) - low, 12)


def _drum_templates(sr, rng):
    t = np.arange(int(0.35 * sr)) / sr
    f = 50.0 + 110.0 * np.exp(-t / 0.03)
    kick = np.sin(2 * np.pi * np.cumsum(f) / sr) * np.exp(-t / 0.12)
    ts = t[: int(0.2 * sr)]
    snare = rng.standard_normal(ts.size) * np.exp(-ts / 0.06)
    snare += 0.5 * np.sin(2 * np.pi * 185.0 * ts) * np.exp(-ts / 0.05)
    th = t[: int(0.06 * sr)]
    hat = np.diff(rng.standard_normal(th.size + 1)) * np.exp(-th / 0.015)
    return kick, 0.6 * snare, 0.25 * hat


def _add_hits(out, template, positions, gains):
    n = out.size
    for pos, g in zip(positions, gains):
        stop = min(n, pos + template.size)
        if stop > pos:
            out[pos:stop] += g * template[: stop - pos]


def _synthesise(fac, duration, sr, rng):
    """Render one clip; returns float64 mono audio of ``round(duration * sr)`` samples."""
    n = int(round(duration * sr))
    T = duration
    t_sample = np.arange(n) / sr

    # 16th-note grid that follows the (possibly ramping) tempo
    grid = np.linspace(0.0, T, int(T * 200) + 2)
    beats = np.concatenate([[0.0], np.cumsum(np.diff(grid) * fac.at("tempo", grid[1:], T) / 60)])
    n_slots = int(np.floor(beats[-1] * 4)) + 1
    slot_t = np.interp(np.arange(n_slots) / 4.0, beats, grid)
    slot_i = np.minimum((slot_t * sr).astype(np.intp), n - 1)
    keep = np.append(True, np.diff(slot_i) > 0)
    slot_t, slot_i = slot_t[keep], slot_i[keep]
    n_slots = slot_i.size

    density = fac.at("density", slot_t, T)
    perc = fac.at("percussiveness", slot_t, T)
    diss = fac.at("dissonance", slot_t, T)
    reg = fac.at("register", slot_t, T)
    mode = fac.mode_at(slot_t)
    bar = np.arange(n_slots) // 16
    in_bar = np.arange(n_slots) % 16
    bright = fac.at("brightness", t_sample, T)

    # chords: triad + octave doubling, re-struck 1, 2 or 4 times per bar with density
    strikes_per_bar = np.where(density < 1 / 3, 1, np.where(density < 2 / 3, 2, 4))
    strike = np.flatnonzero(in_bar % (16 // strikes_per_bar) == 0)
    s_mode = mode[strike]
    prog = np.array([_PROGRESSIONS[m][fac.progressions[m]] for m in (0, 1)])
    degree = prog[s_mode, bar[strike] % 4]
    triad_deg = (degree[:, None] + np.array([0, 2, 4])) % 7
    triad_pc = fac.key + np.take_along_axis(_SCALES[s_mode], triad_deg, axis=1)
    low = np.round(54 + 12 * reg[strike]).astype(int)  # chords sit in [low, low + 12)
    voices = [_place(triad_pc[:, j], low) for j in range(3)]
    voices.append(voices[0] + 12)
    amps = [np.ones(strike.size)] * 4
    # dissonance: up to 3 clashing tones faded in, and detuned copies of the triad that
    # beat against it (roughness), all slightly out of tune
    d_strike = diss[strike]
    clash = np.array([rng.permutation(_CLASH_INTERVALS)[:3] for _ in strike]).reshape(-1, 3)
    for j in range(3):
        voices.append(voices[0] + clash[:, j])
        amps.append(np.clip(3 * d_strike - j, 0.0, 1.0))
    for j in range(3):
        voices.append(voices[j] + 0.35 * d_strike)
        amps.append(d_strike)
    voices, amps = np.array(voices, dtype=float), np.array(amps)
    voices += d_strike * rng.uniform(-0.2, 0.2, voices.shape)
    on = amps.any(axis=1)
    starts = slot_i[strike]
    pad_f = _hold(_midi_to_hz(voices[on]), starts, n)
    pad_amp = _hold(amps[on], starts, n)
    pad = np.einsum("vn,vn->n", pad_amp, _oscillator(pad_f, bright, fac.even, sr))
    pad *= _envelope(starts, n, sr, attack=0.04, decay=1.5)

    bass_f = _hold(_midi_to_hz(_place(triad_pc[:, 0], low - 12)), starts, n)[None]
    bass = _oscillator(bass_f, 0.3 * bright, fac.even, sr)[0]
    bass *= _envelope(starts, n, sr, attack=0.01, decay=0.5)

    # melody: a random walk on the scale above the chords, onsets with density; with
    # dissonance, chromatic notes and a detuned double
    onset = rng.random(n_slots) < 0.08 + 0.8 * density
    onset[0] = True
    mel = np.flatnonzero(onset)
    walk = np.mod(np.cumsum(rng.integers(-2, 3, mel.size)) + 7, 14)  # 2 octaves of degrees
    pcs = fac.key + _SCALES[mode[mel], walk % 7]
    midi = _place(pcs, np.round(66 + 12 * reg[mel]).astype(int)) + 12 * (walk >= 7)
    chromatic = rng.random(mel.size) < 0.5 * diss[mel]
    midi = midi + chromatic * rng.choice([-1, 1], mel.size)
    m_starts = slot_i[mel]
    mel_f = _hold(_midi_to_hz(midi), m_starts, n)
    mel_d = fac.at("dissonance", t_sample, T)
    two = _oscillator(np.stack([mel_f, mel_f * 2.0 ** (0.4 * mel_d / 12)]), bright, 1.0, sr)
    melody = (two[0] + mel_d * two[1]) * _envelope(m_starts, n, sr, attack=0.01, decay=0.35)

    # drums: kick on 1 and 3, snare on 2 and 4, hi-hats on 8ths (16ths when percussive)
    kick_t, snare_t, hat_t = _drum_templates(sr, rng)
    drums = np.zeros(n)
    kick = (in_bar % 8 == 0) | ((in_bar == 10) & (perc > 0.6))
    snare = in_bar % 8 == 4
    hat = (perc > 0.6) | (in_bar % 2 == 0)
    for mask, tmpl in ((kick, kick_t), (snare, snare_t), (hat, hat_t)):
        hits = np.flatnonzero(mask)
        _add_hits(drums, tmpl, slot_i[hits], 0.2 + 0.8 * perc[hits] ** 1.5)

    mix = 0.15 * pad + 0.35 * bass + 0.4 * melody + 0.8 * drums
    mix /= np.sqrt(np.mean(mix**2)) + 1e-12
    mix *= 10.0 ** (fac.at("loudness", t_sample, T) / 20.0)
    return 0.95 * np.tanh(mix / 0.95)


# --------------------------------------------------------------------------- labels


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


# --------------------------------------------------------------------------- files


def _seed_from(random_state):
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))  # the seed space of earlier releases
    seed = seed_from(random_state)
    if seed < 0:
        raise ValueError(f"random_state must be >= 0, got {random_state}")
    return seed


def _file_is_valid(path, sr, n_samples):
    import soundfile as sf

    try:
        info = sf.info(str(path))
    except (OSError, RuntimeError, sf.LibsndfileError):
        return False
    return (
        info.samplerate == sr
        and info.frames == n_samples
        and info.channels == 1
        and info.subtype == "PCM_16"
    )


def _render_file(path, seed, index, duration, sr, dynamic):
    """Synthesise clip `index` to `path` unless a valid file is already there."""
    n_samples = int(round(duration * sr))
    if _file_is_valid(path, sr, n_samples):
        return False
    import soundfile as sf

    fac = _draw_factors(seed, index, duration, dynamic)
    audio = _synthesise(fac, duration, sr, np.random.default_rng(_clip_seed(seed, index, 1)))
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    sf.write(str(tmp), audio, sr, subtype="PCM_16", format="WAV")
    os.replace(tmp, path)  # atomic: a half-written file never carries the final name
    return True


# --------------------------------------------------------------------------- public


def make_music_emotion(
    n_clips=200,
    duration=10.0,
    sr=22050,
    noise=0.1,
    dynamic=False,
    random_state=None,
    data_home=None,
    return_X_y=False,
    n_jobs=None,
    verbose=False,
):
    """Generate music-like audio clips with known valence, arousal and tags.

    Every clip is rendered from latent musical factors (tempo, note density,
    loudness, brightness, percussiveness, mode, dissonance, register) and
    labelled with valence and arousal computed from those factors (formulas
    in :data:`DESCR` and ``bunch.DESCR``): arousal follows tempo, density,
    loudness, brightness and percussiveness; valence follows mode, consonance
    and register only, so that it is the harder dimension, as in real data.
    The audio has chords (consonant or with clashing added tones), a bass, a
    melody and drums, with harmonic partials, not bare sine tones.

    The clips are written as 16-bit mono WAV files to
    ``<data_home>/music_emotion/<key>/clip_<index>.wav``, where ``<key>`` is a
    hash of the parameters the audio depends on (seed, `duration`, `sr`,
    `dynamic`, synthesis version). Clip ``i`` depends only on those and
    ``i``: asking again, or for more clips, reuses the files already there
    (a file is rewritten only when missing or its header does not match).
    Labels are recomputed on every call, so `noise` does not change the files.

    Parameters
    ----------
    n_clips : int, default=200
        Number of clips.
    duration : float, default=10.0
        Length of every clip in seconds.
    sr : int, default=22050
        Sampling rate of the files in Hz.
    noise : float, default=0.1
        Standard deviation of the Gaussian annotator noise added to valence
        and arousal, in target units (the targets span [-1, 1]).
    dynamic : bool, default=False
        If True, the factors change within every clip (linear ramps, mode
        switches) and labels are also given every 0.5 s
        (``target_dynamic``, ``frame_times``).
    random_state : int, numpy Generator or RandomState, or None, default=None
        Seed of everything random. The same int gives byte-identical files
        and identical targets. None draws a fresh seed (and so writes a new
        folder on every call).
    data_home : str or os.PathLike, optional
        Root folder of the cache; default: ``$SKMER_DATA``, else
        ``$XDG_CACHE_HOME/skmer``, else ``~/.cache/skmer`` (see
        :func:`skmer.datasets.get_data_home`).
    return_X_y : bool, default=False
        Return ``(paths, target)`` instead of a Bunch.
    n_jobs : int or None, default=None
        Processes used to render missing files (joblib semantics; None = 1).
    verbose : bool, default=False
        Show a tqdm progress bar while rendering and print the time taken.

    Returns
    -------
    data : sklearn.utils.Bunch
        With attributes

        paths : list of str, length n_clips
            WAV files, in clip order.
        target : ndarray of float, shape (n_clips, 2)
            Noisy [valence, arousal] in [-1, 1].
        target_names : list of str
            ``['valence', 'arousal']``.
        ids : ndarray of str, shape (n_clips,)
            ``'clip_00000'``, ... (file stems).
        feature_names : list of str
            Names of the latent factor columns of `frame`.
        frame : pandas.DataFrame
            One row per clip: id, path, the factors (start values; ``*_end``
            columns for dynamic clips), ``valence_clean`` and
            ``arousal_clean`` (noise-free), valence, arousal, tags (``;``
            separated).
        tags : ndarray of int, shape (n_clips, n_tags)
            Binary indicator of the emotion tags.
        tag_names : list of str
            Names of the tag columns.
        target_dynamic : ndarray of float, shape (n_clips, n_steps, 2)
            Only if `dynamic`: noisy [valence, arousal] every 0.5 s.
        frame_times : ndarray of float, shape (n_steps,)
            Only if `dynamic`: time in seconds of each dynamic label; label k
            describes the audio in (frame_times[k] - 0.5, frame_times[k]].
        data_dir : str
            Folder holding the files.
        DESCR : str
            Description of the generator and its formulas.

    (paths, target) : tuple
        If `return_X_y` is True.

    Examples
    --------
    >>> from skmer.datasets import make_music_emotion
    >>> data = make_music_emotion(n_clips=20, random_state=0)  # doctest: +SKIP
    >>> data.target.shape, data.target_names  # doctest: +SKIP
    ((20, 2), ['valence', 'arousal'])
    """
    from sklearn.utils import Bunch

    n_clips = _check_int("n_clips", n_clips, 1)
    sr = _check_int("sr", sr, 1000)
    if not np.isscalar(duration) or not np.isfinite(duration) or duration < 1.0:
        raise ValueError(f"duration must be a number of seconds >= 1, got {duration!r}")
    duration = float(duration)
    if not np.isscalar(noise) or not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a standard deviation >= 0, got {noise!r}")
    dynamic = bool(dynamic)
    seed = _seed_from(random_state)

    params = {
        "generator": "make_music_emotion",
        "version": _SYNTH_VERSION,
        "seed": seed,
        "duration": duration,
        "sr": sr,
        "dynamic": dynamic,
    }
    key = hashlib.sha1(json.dumps(params, sort_keys=True).encode()).hexdigest()[:16]
    folder = get_data_home(data_home) / "music_emotion" / key
    folder.mkdir(parents=True, exist_ok=True)
    params_file = folder / "params.json"
    if not params_file.exists():
        params_file.write_text(json.dumps(params, indent=2, sort_keys=True) + "\n")

    ids = [f"clip_{i:05d}" for i in range(n_clips)]
    paths = [folder / f"{cid}.wav" for cid in ids]

    t0 = time.perf_counter()
    written = _render_all(paths, seed, duration, sr, dynamic, n_jobs, verbose)
    if verbose:
        print(
            f"make_music_emotion: {written} of {n_clips} clips rendered, "
            f"{n_clips - written} reused, in {time.perf_counter() - t0:.1f} s ({folder})"
        )

    return _assemble(ids, paths, seed, duration, noise, dynamic, folder, return_X_y, Bunch)


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _render_one(clip, position, clip_indices, seed, duration, sr, dynamic):
    _render_file(Path(clip.path), seed, clip_indices[position], duration, sr, dynamic)


def _render_all(paths, seed, duration, sr, dynamic, n_jobs, verbose):
    """Write the missing or invalid clips (skmer's one parallel map); return how many."""
    from ..audio import ClipSpec
    from ..features._batch import run_batch

    todo = [i for i, p in enumerate(paths) if not _file_is_valid(p, sr, int(round(duration * sr)))]
    if todo:
        run_batch(_render_one, [ClipSpec(str(paths[i])) for i in todo],
                  (todo, seed, duration, sr, dynamic), n_jobs=n_jobs, verbose=verbose,
                  desc="make_music_emotion")
    return len(todo)


def _assemble(ids, paths, seed, duration, noise, dynamic, folder, return_X_y, Bunch):
    import pandas as pd

    n = len(ids)
    target = np.empty((n, 2))
    clean = np.empty((n, 2))
    dyn = []
    rows = []
    for i in range(n):
        fac = _draw_factors(seed, i, duration, dynamic)
        rng = np.random.default_rng(_clip_seed(seed, i, 2))
        target[i], clean[i], d = _labels(fac, duration, noise, rng, dynamic)
        dyn.append(d)
        row = dict(fac.start)
        row.update(mode=fac.mode_start, key=fac.key, even_harmonics=fac.even)
        if dynamic:
            row.update({f"{k}_end": v for k, v in fac.end.items()})
            row.update(
                mode_end=fac.mode_end,
                mode_switch_time=fac.switch_time if np.isfinite(fac.switch_time) else np.nan,
            )
        rows.append(row)

    factors = pd.DataFrame(rows)
    diss = factors["dissonance"].to_numpy()
    if dynamic:
        diss = (diss + factors["dissonance_end"].to_numpy()) / 2
    tags = _tags(clean[:, 0], clean[:, 1], diss)
    str_paths = [str(p) for p in paths]
    if return_X_y:
        return str_paths, target

    frame = pd.concat(
        [
            pd.DataFrame({"id": ids, "path": str_paths}),
            factors,
            pd.DataFrame(
                {
                    "valence_clean": clean[:, 0],
                    "arousal_clean": clean[:, 1],
                    "valence": target[:, 0],
                    "arousal": target[:, 1],
                    "tags": [
                        ";".join(t for t, on in zip(TAG_NAMES, row) if on) for row in tags
                    ],
                }
            ),
        ],
        axis=1,
    )
    bunch = Bunch(
        paths=str_paths,
        target=target,
        target_names=list(TARGET_NAMES),
        ids=np.array(ids, dtype=object),
        feature_names=list(factors.columns),
        frame=frame,
        tags=tags,
        tag_names=list(TAG_NAMES),
        data_dir=str(folder),
        DESCR=DESCR,
    )
    if dynamic:
        bunch.target_dynamic = np.stack(dyn)
        bunch.frame_times = _FRAME_HOP * (np.arange(bunch.target_dynamic.shape[1]) + 1)
    return bunch
