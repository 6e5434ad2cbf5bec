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
from numbers import Integral, Real
from pathlib import Path

import numpy as np

from .._validation import RANDOM_STATE, Interval, seed_from, validate_arguments
from ._common import TARGET_NAMES, get_data_home
from ._synth_audio import _synthesise
from ._synth_model import (
    _FRAME_HOP,
    FACTOR_NAMES,
    TAG_NAMES,
    _clip_seed,
    _draw_factors,
    _labels,
    _tags,
)

__all__ = ["make_music_emotion", "DESCR", "TAG_NAMES", "FACTOR_NAMES"]

#: Bumped whenever the synthesis changes, so cached files of an older version are never reused.
_SYNTH_VERSION = 1

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


# --------------------------------------------------------------------------- files


def _seed_from(random_state):
    if random_state is None:
        return int(np.random.SeedSequence().entropy)
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(2**63))  # the seed space of earlier releases
    return seed_from(random_state)  # declared >= 0 (RANDOM_STATE)


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


#: Declared constraints of :func:`make_music_emotion` (seconds, Hz, a standard deviation).
_PARAMETERS = {
    "n_clips": [Interval(Integral, 1, None, closed="left")],
    "sr": [Interval(Integral, 1000, None, closed="left")],
    "duration": [Interval(Real, 1, np.inf, closed="left")],
    "noise": [Interval(Real, 0, np.inf, closed="left")],
    "random_state": RANDOM_STATE,
}


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

    validate_arguments(_PARAMETERS, {"n_clips": n_clips, "sr": sr, "duration": duration,
                                     "noise": noise, "random_state": random_state},
                       "make_music_emotion")
    n_clips, sr, duration, noise = int(n_clips), int(sr), float(duration), float(noise)
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
