"""The audio of the synthetic data set: a chord pad, a bass line, a melody and drums.

:func:`_synthesise` renders one clip from its factors (:mod:`._synth_model`):
wavetable oscillators whose partials follow the brightness, chord progressions
in the clip's key and mode, note density and register, clashing tones for
dissonance, and drum hits for percussiveness, at the clip's tempo and loudness.
"""

from __future__ import annotations

import numpy as np

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
