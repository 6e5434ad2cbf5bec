"""Loader for the DEAM data set (MediaEval Database for Emotional Analysis in Music)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from .._validation import ON_ERROR, validate_arguments
from ._common import (
    build_bunch,
    duplicate_problems,
    normalise_id,
    parse_static,
    read_rows,
    require_columns,
    to_float,
)

__all__ = ["load_deam"]

_AVERAGED = Path("annotations") / "annotations averaged per song"
_SONG_LEVEL = _AVERAGED / "song_level"
_STATIC_GLOB = "static_annotations_averaged_songs_*.csv"
_DYNAMIC = _AVERAGED / "dynamic (per second annotations)"
_SAMPLE_COLUMN = re.compile(r"^sample_(\d+)ms$")

DESCR = """\
DEAM (Aljanaki, Yang and Soleymani, PLOS ONE 2017: "Developing a benchmark
for emotional analysis of music"): 1802 excerpts (45 s) and full songs with
valence and arousal annotations: static ratings on a 9-point scale [1, 9]
averaged per song, and dynamic ratings on a continuous [-1, 1] scale every
0.5 s from 15 s. skmer reads a local copy with the DEAM layout:

    MEMD_audio/<song_id>.mp3
    annotations/annotations averaged per song/song_level/
        static_annotations_averaged_songs_1_2000.csv      song_id, valence_mean,
        static_annotations_averaged_songs_2000_2058.csv   valence_std, arousal_mean,
                                                          arousal_std (, ...)
    annotations/annotations averaged per song/dynamic (per second annotations)/
        arousal.csv, valence.csv     song_id, sample_15000ms, sample_15500ms, ...

With scale=True the static annotations are mapped linearly from [1, 9] to
[-1, 1] (x -> (x - 5) / 4; standard deviations / 4), as the ADFF paper does
for PMEmo. The dynamic annotations are already on [-1, 1] and are returned
as they are whatever `scale`. Target columns are [valence, arousal].
"""


def load_deam(
    root,
    scale=True,
    dynamic=True,
    audio_dir="MEMD_audio",
    audio_ext=".mp3",
    on_error="raise",
    return_X_y=False,
):
    """Load DEAM annotations and audio paths from a local folder.

    Nothing is downloaded: `root` must hold the DEAM layout (see ``DESCR``).
    Every ``static_annotations_averaged_songs_*.csv`` file of the song-level
    folder is read (the two of the release cover songs 1-2000 and
    2000-2058); column names are stripped of the spaces the release puts in
    them and extra columns are ignored. Only the existence of the audio files
    is checked, they are not decoded.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding ``MEMD_audio/`` and ``annotations/``.
    scale : bool, default=True
        Map the static annotations linearly from [1, 9] to [-1, 1].
    dynamic : bool, default=True
        Also read the dynamic ``arousal.csv`` and ``valence.csv`` (required
        then).
    audio_dir : str, default='MEMD_audio'
        Audio sub-folder of `root`.
    audio_ext : str, default='.mp3'
        Extension of the audio files (``<song_id><audio_ext>``).
    on_error : {'raise', 'skip'}, default='raise'
        What to do with annotated songs whose audio is missing, songs
        annotated more than once and unparsable or out-of-range rows:
        ``'raise'`` raises :class:`~skmer.datasets.DatasetError` listing all
        of them; ``'skip'`` drops those songs (and the dynamic series of
        unparsable dynamic rows) with a :class:`~skmer.datasets.DatasetWarning`.
    return_X_y : bool, default=False
        Return ``(paths, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        With attributes

        paths : list of str
            Audio file of each song, in the order of the static files.
        target : ndarray of float, shape (n_songs, 2)
            Static [valence, arousal].
        target_names : list of str
            ``['valence', 'arousal']``.
        target_std : ndarray of float, shape (n_songs, 2)
            Standard deviation across annotators (same scale as `target`).
        ids : ndarray of str, shape (n_songs,)
            song_id of each song.
        frame : pandas.DataFrame
            One row per song: id, path, valence, arousal, valence_std,
            arousal_std.
        target_dynamic : list of ndarray of shape (n_steps_i, 2)
            Only if `dynamic`: [valence, arousal] every 0.5 s in [-1, 1]
            (empty for songs without dynamic annotations).
        frame_times : list of ndarray of shape (n_steps_i,)
            Only if `dynamic`: time in seconds of each dynamic label (from
            the ``sample_<ms>ms`` column names).
        dynamic_frame : pandas.DataFrame
            Only if `dynamic`: the dynamic labels in long format (id, time,
            valence, arousal).
        DESCR : str
            Description of the data set.

    (paths, target) : tuple
        If `return_X_y` is True.

    Raises
    ------
    FileNotFoundError
        `root`, the static annotation files or a required dynamic file does
        not exist.
    DatasetError
        With ``on_error='raise'``: every problem found (missing audio,
        duplicated ids, unparsable rows).
    """
    validate_arguments({"on_error": ON_ERROR}, {"on_error": on_error}, "load_deam")
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"DEAM root folder not found: {root}")
    static_files = sorted((root / _SONG_LEVEL).glob(_STATIC_GLOB), key=_first_number)
    if not static_files:
        raise FileNotFoundError(
            f"DEAM static annotations not found: {root / _SONG_LEVEL / _STATIC_GLOB}"
        )

    columns = {
        "id": "song_id",
        "valence": "valence_mean",
        "arousal": "arousal_mean",
        "valence_std": "valence_std",
        "arousal_std": "arousal_std",
    }
    records, problems, drop_ids = [], [], set()
    for path in static_files:
        frame, lines = read_rows(path)
        require_columns(frame, columns.values(), path)
        recs, probs, bad = parse_static(frame, lines, path, columns, (1.0, 9.0))
        records += recs
        problems += probs
        drop_ids |= bad
    dup_problems, dup_ids = duplicate_problems(records)
    problems += dup_problems
    drop_ids |= dup_ids

    audio_paths = {rec["id"]: root / audio_dir / f"{rec['id']}{audio_ext}" for rec in records}

    series = None
    if dynamic:
        per_dim = []
        for dim in ("valence", "arousal"):
            path = root / _DYNAMIC / f"{dim}.csv"
            if not path.is_file():
                raise FileNotFoundError(
                    f"DEAM dynamic {dim} annotations not found: {path} (or pass dynamic=False)"
                )
            values, probs = _read_wide(path)
            per_dim.append(values)
            problems += probs
        series, probs = _pair(*per_dim)
        problems += probs

    return build_bunch(
        "DEAM",
        records,
        audio_paths,
        problems,
        drop_ids,
        on_error,
        scale,
        (1.0, 9.0),
        True,
        None,
        series,
        DESCR,
        return_X_y,
    )


def _first_number(path):
    m = re.search(r"(\d+)", path.name)
    return (int(m.group(1)) if m else 0, path.name)


def _read_wide(path):
    """Id -> (times, values) from a ``song_id, sample_<ms>ms, ...`` file.

    Trailing empty cells end a song's series; an empty cell followed by a
    value, or a cell that is not a number, makes the row unparsable.
    """
    frame, lines = read_rows(path)
    require_columns(frame, ["song_id"], path)
    sample_cols, times = [], []
    for col in frame.columns:
        m = _SAMPLE_COLUMN.match(col)
        if m:
            sample_cols.append(col)
            times.append(int(m.group(1)) / 1000.0)
    order = np.argsort(times, kind="stable")
    sample_cols = [sample_cols[i] for i in order]
    times = np.asarray(times)[order]
    cells = frame[sample_cols].to_numpy(dtype=object)
    name = path.name
    out, problems, seen = {}, [], {}
    for row, cid_raw, line in zip(cells, frame["song_id"], lines):
        cid = normalise_id(cid_raw)
        if cid is None:
            problems.append(f"{name} line {line}: missing song_id")
            continue
        filled = np.array([c != "" for c in row], dtype=bool)
        n = int(np.argmin(filled)) if not filled.all() else filled.size
        errors = []
        if filled[n:].any():
            gap = sample_cols[n]
            errors.append(f"empty cell {gap} followed by values")
        values = np.array([to_float(c) for c in row[:n]], dtype=object)
        bad = [sample_cols[i] for i, x in enumerate(values) if x is None]
        if bad:
            more = " ..." if len(bad) > 5 else ""
            errors.append(f"not a number in {', '.join(bad[:5])}{more}")
        if cid in seen:
            errors.append(f"song_id already on line {seen[cid]}")
        seen.setdefault(cid, line)
        if errors:
            problems.append(f"{name} line {line}: id {cid!r}: " + "; ".join(errors))
            out.pop(cid, None)
            continue
        out[cid] = (times[:n].copy(), values.astype(float))
    return out, problems


def _pair(valence, arousal):
    """Id -> (times, [valence, arousal]) on the frame times both files share."""
    series, problems = {}, []
    for cid in valence.keys() & arousal.keys():
        tv, v = valence[cid]
        ta, a = arousal[cid]
        if tv.size != ta.size or not np.array_equal(tv, ta):
            problems.append(
                f"id {cid!r}: valence.csv has {tv.size} dynamic values, arousal.csv {ta.size}"
            )
            continue
        series[cid] = (tv, np.stack([v, a], axis=1))
    for cid in sorted(valence.keys() ^ arousal.keys()):
        where = "valence.csv" if cid in valence else "arousal.csv"
        problems.append(f"id {cid!r}: dynamic annotations only in {where}")
    return series, problems
