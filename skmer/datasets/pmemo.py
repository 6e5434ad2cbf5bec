"""Loader for the PMEmo2019 data set (popular music choruses) from a local copy."""

from __future__ import annotations

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
    scale_linear,
    to_float,
)

__all__ = ["load_pmemo"]

_STATIC = "annotations/static_annotations.csv"
_STATIC_STD = "annotations/static_annotations_std.csv"
_DYNAMIC = "annotations/dynamic_annotations.csv"

DESCR = """\
PMEmo2019 (Zhang et al., ICMR 2018: "The PMEmo dataset for music emotion
recognition"): 794 chorus excerpts of popular songs with valence and arousal
annotations from at least 10 annotators each; static (whole chorus, mean and
standard deviation across annotators) and dynamic (every 0.5 s from 15.5 s)
ratings on a [0, 1] scale. skmer reads a local copy with the PMEmo2019 layout:

    metadata.csv                               musicId, fileName, title, ...
    chorus/<fileName>                          audio (MP3)
    annotations/static_annotations.csv        musicId, Arousal(mean), Valence(mean)
    annotations/static_annotations_std.csv    musicId, Arousal(std), Valence(std)  (optional)
    annotations/dynamic_annotations.csv       musicId, frameTime, Arousal(mean), Valence(mean)

With scale=True the annotations are mapped linearly from [0, 1] to [-1, 1]
(x -> 2x - 1; standard deviations x2), as the ADFF paper does. Target columns
are [valence, arousal].
"""


def load_pmemo(
    root,
    scale=True,
    dynamic=True,
    audio_dir="chorus",
    audio_ext=".mp3",
    on_error="raise",
    return_X_y=False,
):
    """Load PMEmo2019 annotations and audio paths from a local folder.

    Nothing is downloaded: `root` must hold the PMEmo2019 layout (see
    ``DESCR``). Only the existence of the audio files is checked, they are
    not decoded.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding ``metadata.csv``, ``annotations/`` and ``chorus/``.
    scale : bool, default=True
        Map annotations linearly from [0, 1] to [-1, 1].
    dynamic : bool, default=True
        Also read ``annotations/dynamic_annotations.csv`` (required then).
    audio_dir : str, default='chorus'
        Audio sub-folder of `root`.
    audio_ext : str, default='.mp3'
        Extension of the audio files, used when ``metadata.csv`` is absent or
        has no ``fileName`` for a clip (``<musicId><audio_ext>``).
    on_error : {'raise', 'skip'}, default='raise'
        What to do with annotated clips whose audio is missing, ids annotated
        more than once and unparsable or out-of-range annotation rows:
        ``'raise'`` raises :class:`~skmer.datasets.DatasetError` listing all
        of them; ``'skip'`` drops those clips (and unparsable dynamic rows)
        with a :class:`~skmer.datasets.DatasetWarning` listing them.
    return_X_y : bool, default=False
        Return ``(paths, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        With attributes

        paths : list of str
            Audio file of each clip, in the order of the static annotations.
        target : ndarray of float, shape (n_clips, 2)
            Static [valence, arousal].
        target_names : list of str
            ``['valence', 'arousal']``.
        target_std : ndarray of float, shape (n_clips, 2) or None
            Standard deviation across annotators (same scale as `target`);
            None when ``static_annotations_std.csv`` is absent.
        ids : ndarray of str, shape (n_clips,)
            musicId of each clip.
        frame : pandas.DataFrame
            One row per clip: id, path, valence, arousal, [valence_std,
            arousal_std], and the ``metadata.csv`` columns.
        target_dynamic : list of ndarray of shape (n_steps_i, 2)
            Only if `dynamic`: [valence, arousal] every 0.5 s, per clip
            (empty for clips without dynamic annotations).
        frame_times : list of ndarray of shape (n_steps_i,)
            Only if `dynamic`: ``frameTime`` in seconds of each dynamic
            label, from the start of the chorus file.
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
        `root` or a required annotation file does not exist.
    DatasetError
        With ``on_error='raise'``: every problem found (missing audio,
        duplicated ids, unparsable rows).
    """
    validate_arguments({"on_error": ON_ERROR}, {"on_error": on_error}, "load_pmemo")
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"PMEmo root folder not found: {root}")
    static_path = _required(root / _STATIC, "static annotations")

    frame, lines = read_rows(static_path)
    columns = {"id": "musicId", "valence": "Valence(mean)", "arousal": "Arousal(mean)"}
    require_columns(frame, columns.values(), static_path)
    records, problems, drop_ids = parse_static(frame, lines, static_path, columns, (0.0, 1.0))
    dup_problems, dup_ids = duplicate_problems(records)
    problems += dup_problems
    drop_ids |= dup_ids

    std_path = root / _STATIC_STD
    has_std = std_path.is_file()
    if has_std:
        std_frame, std_lines = read_rows(std_path)
        std_cols = {"id": "musicId", "valence_std": "Valence(std)", "arousal_std": "Arousal(std)"}
        require_columns(std_frame, std_cols.values(), std_path)
        std_records, std_problems, std_bad = parse_static(
            std_frame, std_lines, std_path, std_cols, (0.0, 1.0)
        )
        problems += std_problems
        drop_ids |= std_bad
        stds = {rec["id"]: rec for rec in std_records}
        for rec in records:
            other = stds.get(rec["id"], {})
            rec["valence_std"] = other.get("valence_std", np.nan)
            rec["arousal_std"] = other.get("arousal_std", np.nan)

    metadata = _read_metadata(root / "metadata.csv")
    file_names = metadata["fileName"] if "fileName" in metadata.columns else {}
    audio_paths = {}
    for rec in records:
        name = file_names.get(rec["id"])
        if not isinstance(name, str) or not name:
            name = f"{rec['id']}{audio_ext}"
        audio_paths[rec["id"]] = root / audio_dir / name

    series = None
    if dynamic:
        dyn_path = _required(root / _DYNAMIC, "dynamic annotations (or pass dynamic=False)")
        series, dyn_problems = _read_dynamic(dyn_path, scale)
        problems += dyn_problems

    return build_bunch(
        "PMEmo",
        records,
        audio_paths,
        problems,
        drop_ids,
        on_error,
        scale,
        (0.0, 1.0),
        has_std,
        metadata,
        series,
        DESCR,
        return_X_y,
    )


def _required(path, what):
    if not path.is_file():
        raise FileNotFoundError(f"PMEmo {what} not found: {path}")
    return path


def _read_metadata(path):
    import pandas as pd

    if not path.is_file():
        return pd.DataFrame()
    frame, _ = read_rows(path)
    if "musicId" not in frame.columns:
        raise ValueError(f"{path}: missing column 'musicId'; found {list(frame.columns)}")
    frame.index = [normalise_id(x) for x in frame.pop("musicId")]
    frame = frame[[i is not None for i in frame.index]]
    frame = frame[~frame.index.duplicated()]
    if "duration" in frame.columns:
        frame["duration"] = pd.to_numeric(frame["duration"], errors="coerce")
    return frame


def _read_dynamic(path, scale):
    """Per-clip (frame_times, [valence, arousal]) from the long dynamic file."""
    frame, lines = read_rows(path)
    cols = ["musicId", "frameTime", "Valence(mean)", "Arousal(mean)"]
    require_columns(frame, cols, path)
    name = path.name
    problems, rows = [], {}
    for (cid_raw, t_raw, v_raw, a_raw), line in zip(frame[cols].itertuples(index=False), lines):
        cid = normalise_id(cid_raw)
        values = [to_float(x) for x in (t_raw, v_raw, a_raw)]
        if cid is None or any(x is None for x in values):
            bad = [c for c, x in zip(cols, [cid, *values]) if x is None]
            problems.append(f"{name} line {line}: unparsable {', '.join(bad)}")
            continue
        rows.setdefault(cid, []).append((*values, line))
    series = {}
    for cid, items in rows.items():
        items.sort(key=lambda r: r[0])
        times = np.array([r[0] for r in items])
        repeated = np.flatnonzero(np.diff(times) == 0)
        if repeated.size:
            lines_ = sorted({items[k][3] for j in repeated for k in (j, j + 1)})
            problems.append(
                f"{name}: id {cid!r} has several rows for the same frameTime (lines {lines_})"
            )
            continue
        values = np.array([[r[1], r[2]] for r in items])
        series[cid] = (times, scale_linear(values, 0.0, 1.0) if scale else values)
    return series, problems
