"""Loaders for tagged music: CAL500, CAL500exp and a generic ``tags.csv``.

Nothing is downloaded; the loaders read local copies. The layouts are:

CAL500 (Turnbull et al., SIGIR 2007; layout from the data set's
``details_cal500.txt``)::

    songNames.txt         one song per line, "artist_name-song_name" (502 lines)
    vocab.txt             one word per line (174 words), e.g. "Emotion-Happy",
                          "NOT-Emotion-Happy", "Genre-Rock", "Usage-Driving"
    hardAnnotations.txt   songs x words binary matrix, comma-separated, no header
                          (1 if >= 80 % of >= 2 annotators agree)
    softAnnotations.txt   songs x words real matrix in [0, 1] (annotator agreement)
    mp3/<song>.mp3        audio (the "CAL500_32kps" folder of 32 kbps MP3s also works)

CAL500exp (Wang et al., 2014; segment-level labels of CAL500 songs). The
official description was not available to us; the layout below is the one
third-party code reading the archive relies on::

    SegLabelHard/<song>.csv   one row per segment: Start_Time, End_Time (seconds),
                              then one 0/1 column per tag, named as in CAL500's vocab
    SegLabelSoft/<song>.csv   same with real-valued labels
    <audio_dir>/<song>.mp3    the CAL500 audio of the song

Generic ``tags.csv`` (:func:`load_tags_csv`): a CSV with a ``path`` column
(relative paths are relative to the CSV's folder), optional ``offset`` /
``duration`` columns in seconds and one 0/1 column per tag.

The CAL500, CAL500exp and tag-CSV loaders share one tag-vocabulary and file-matching
logic, hence one module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import ON_ERROR, StrOptions, validate_arguments
from ._common import report_problems

__all__ = ["EMOTION_PREFIX", "load_cal500", "load_cal500exp", "load_tags_csv"]

#: CAL500 words describing emotions start with this (the negated words start with
#: ``'NOT-Emotion-'`` and are not part of the emotion subset).
EMOTION_PREFIX = "Emotion-"

_AUDIO_DIRS = ("mp3", "CAL500_32kps", "audio")

DESCR_CAL500 = """\
CAL500 (Turnbull, Barrington, Torres and Lanckriet, "Towards musical
query-by-semantic description using the CAL500 data set", SIGIR 2007): 502
western popular songs by 502 artists, each annotated by at least 3 listeners
with a vocabulary of 174 words (instruments, vocals, genres, 18 emotions
with their negations, song qualities, usages). hardAnnotations.txt holds the
binary ground truth (a word is on when at least two listeners gave an opinion
and at least 80 % agreed), softAnnotations.txt the agreement weights.

With vocabulary='emotion' (default) only the words starting with 'Emotion-'
are kept (the emotion tags used by emotion-tagging papers); 'NOT-Emotion-'
words and the other categories are dropped.
"""

DESCR_CAL500EXP = """\
CAL500exp (Wang, Wang, Yang and Wang, 2014): an expansion of CAL500 with
time-varying labels. Acoustically homogeneous segments (3-16 s) of the CAL500
songs were annotated with 67 tags of the CAL500 vocabulary. Each row of
bunch.tags is one segment; bunch.clips gives its audio window (song file,
start, length) for LogMelTransformer, bunch.groups the song it comes from
(use GroupKFold so that segments of a song stay in one fold).
"""


def _read_lines(path):
    return [line.strip() for line in Path(path).read_text(encoding="utf-8",
                                                          errors="replace").splitlines()
            if line.strip()]


def _select(vocab, vocabulary):
    """Indices of the kept words and their names."""
    vocab = list(vocab)
    if isinstance(vocabulary, str):
        if vocabulary == "emotion":
            keep = [i for i, w in enumerate(vocab) if w.startswith(EMOTION_PREFIX)]
        elif vocabulary == "all":
            keep = list(range(len(vocab)))
        else:
            raise ValueError(
                f"vocabulary must be 'emotion', 'all' or a list of words, got {vocabulary!r}"
            )
    else:
        wanted = list(vocabulary)
        index = {w: i for i, w in enumerate(vocab)}
        missing = [w for w in wanted if w not in index]
        if missing:
            raise ValueError(f"words not in the vocabulary: {missing!r}")
        keep = [index[w] for w in wanted]
    if not keep:
        raise ValueError(f"no word of the vocabulary is selected by vocabulary={vocabulary!r}")
    return keep, [vocab[i] for i in keep]


def _audio_folder(root, audio_dir, what):
    if audio_dir is not None:
        return root / audio_dir
    for name in _AUDIO_DIRS:
        if (root / name).is_dir():
            return root / name
    raise FileNotFoundError(
        f"{what}: no audio folder found in {root} (looked for {', '.join(_AUDIO_DIRS)}); "
        "pass audio_dir="
    )


def _read_matrix(path, n_rows, n_cols):
    """A comma-separated numeric matrix; problems instead of exceptions."""
    rows, problems = [], []
    for lineno, line in enumerate(Path(path).read_text().splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = [float(v) for v in line.replace(" ", "").rstrip(",").split(",")]
        except ValueError:
            problems.append(f"{path.name} line {lineno}: not comma-separated numbers")
            values = [np.nan] * n_cols
        if len(values) != n_cols:
            problems.append(
                f"{path.name} line {lineno}: {len(values)} values, vocab.txt has {n_cols} words"
            )
            values = (values + [np.nan] * n_cols)[:n_cols]
        rows.append(values)
    if len(rows) != n_rows:
        problems.append(f"{path.name} has {len(rows)} rows, songNames.txt has {n_rows} songs")
    return np.array(rows, dtype=float).reshape(-1, n_cols), problems


def load_cal500(
    root,
    annotations="hard",
    vocabulary="emotion",
    audio_dir=None,
    audio_ext=".mp3",
    on_error="raise",
    return_X_y=False,
):
    """Load CAL500 song-level tags and audio paths from a local folder.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding ``songNames.txt``, ``vocab.txt``,
        ``hardAnnotations.txt`` / ``softAnnotations.txt`` and the audio
        folder (see the module documentation).
    annotations : {'hard', 'soft'}, default='hard'
        ``'hard'``: the binary ground truth (int tags); ``'soft'``: the
        agreement weights in [0, 1] (float).
    vocabulary : {'emotion', 'all'} or list of str, default='emotion'
        Words to keep: those starting with ``'Emotion-'``, all 174, or the
        listed ones (in that order).
    audio_dir : str or None, default=None
        Audio sub-folder of `root`; ``None`` uses the first of ``mp3``,
        ``CAL500_32kps``, ``audio`` that exists.
    audio_ext : str, default='.mp3'
        Audio file name is ``<song name><audio_ext>``.
    on_error : {'raise', 'skip'}, default='raise'
        Songs with missing audio, duplicated names, malformed or out-of-range
        annotation rows: ``'raise'`` raises
        :class:`~skmer.datasets.DatasetError` listing all of them, ``'skip'``
        drops those songs with a :class:`~skmer.datasets.DatasetWarning`.
    return_X_y : bool, default=False
        Return ``(paths, tags)``.

    Returns
    -------
    data : sklearn.utils.Bunch
        paths : list of str
            Audio file of each song.
        tags : ndarray of shape (n_songs, n_tags)
            int 0/1 (hard) or float in [0, 1] (soft).
        tag_names : list of str
            The kept vocabulary words, e.g. ``'Emotion-Happy'``.
        ids : ndarray of str
            Song names (``artist-title``).
        frame : pandas.DataFrame
            ``id``, ``path`` and one column per tag.
        DESCR : str
            Description of the data set.

    Raises
    ------
    FileNotFoundError
        `root` or one of the text files is missing.
    DatasetError
        With ``on_error='raise'``, every problem found.
    """
    import pandas as pd
    from sklearn.utils import Bunch

    validate_arguments({"on_error": ON_ERROR, "annotations": [StrOptions({"hard", "soft"})]},
                       {"on_error": on_error, "annotations": annotations}, "load_cal500")
    root = Path(root).expanduser()
    if not root.is_dir():
        raise FileNotFoundError(f"CAL500 root folder not found: {root}")
    files = {name: root / name for name in ("songNames.txt", "vocab.txt",
                                            f"{annotations}Annotations.txt")}
    for name, path in files.items():
        if not path.is_file():
            raise FileNotFoundError(f"CAL500: {name} not found in {root}")
    songs = _read_lines(files["songNames.txt"])
    vocab = _read_lines(files["vocab.txt"])
    keep, names = _select(vocab, vocabulary)
    matrix, problems = _read_matrix(files[f"{annotations}Annotations.txt"], len(songs),
                                    len(vocab))
    audio = _audio_folder(root, audio_dir, "CAL500")
    drop = set()
    seen = {}
    for i, song in enumerate(songs):
        if song in seen:
            problems.append(f"song {song!r} listed twice (lines {seen[song] + 1} and {i + 1})")
            drop.add(i)
        seen.setdefault(song, i)
        if i < len(matrix):
            row = matrix[i]
            if not np.isfinite(row).all():
                drop.add(i)
            elif annotations == "hard" and not np.isin(row, (0, 1)).all():
                problems.append(f"song {song!r}: hard annotations other than 0/1")
                drop.add(i)
            elif annotations == "soft" and ((row < 0) | (row > 1)).any():
                problems.append(f"song {song!r}: soft annotations outside [0, 1]")
                drop.add(i)
        else:
            drop.add(i)
        if not (audio / f"{song}{audio_ext}").is_file():
            problems.append(f"song {song!r}: audio file not found: {audio / (song + audio_ext)}")
            drop.add(i)
    kept = [i for i in range(len(songs)) if i not in drop]
    report_problems("CAL500", problems, on_error, f"{len(songs) - len(kept)} song(s)",
                    stacklevel=2)
    paths = [str(audio / f"{songs[i]}{audio_ext}") for i in kept]
    tags = matrix[kept][:, keep] if kept else np.zeros((0, len(keep)))
    tags = tags.astype(np.int64) if annotations == "hard" else tags
    if return_X_y:
        return paths, tags
    ids = np.array([songs[i] for i in kept], dtype=object)
    frame = pd.concat(
        [pd.DataFrame({"id": ids, "path": paths}), pd.DataFrame(tags, columns=names)], axis=1
    )
    return Bunch(paths=paths, tags=tags, tag_names=names, ids=ids, frame=frame,
                 DESCR=DESCR_CAL500)


def _segment_folder(root, labels):
    folder = root / ("SegLabelHard" if labels == "hard" else "SegLabelSoft")
    nested = folder / folder.name  # as some archives unpack
    if nested.is_dir():
        return nested
    return folder


def load_cal500exp(
    root,
    labels="hard",
    vocabulary="emotion",
    audio_dir=None,
    audio_ext=".mp3",
    on_error="raise",
):
    """Load CAL500exp segment-level tags with the audio window of every segment.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding ``SegLabelHard/`` (or ``SegLabelSoft/``) and the CAL500
        audio folder (see the module documentation for the layout we assume).
    labels : {'hard', 'soft'}, default='hard'
        Binary (int) or real-valued (float) segment labels.
    vocabulary : {'emotion', 'all'} or list of str, default='emotion'
        Tag columns to keep: those starting with ``'Emotion-'``, all tag
        columns of the files, or the listed ones.
    audio_dir : str or None, default=None
        Audio sub-folder of `root`; ``None``: first of ``mp3``,
        ``CAL500_32kps``, ``audio`` that exists.
    audio_ext : str, default='.mp3'
    on_error : {'raise', 'skip'}, default='raise'
        Songs whose audio is missing, files without ``Start_Time`` /
        ``End_Time`` or with other tag columns than the first file, rows with
        unparsable, non-binary (hard) or out-of-range values or ``End_Time <=
        Start_Time``: raise one :class:`~skmer.datasets.DatasetError` listing
        all, or skip them with a warning.

    Returns
    -------
    data : sklearn.utils.Bunch
        clips : list of skmer.audio.ClipSpec
            ``(song audio, Start_Time, End_Time - Start_Time)`` per segment;
            pass to :class:`~skmer.features.LogMelTransformer`.
        tags : ndarray of shape (n_segments, n_tags)
            int 0/1 (hard) or float (soft).
        tag_names : list of str
            Names of the tag columns.
        groups : ndarray of int, shape (n_segments,)
            Index of the song of each segment (for ``GroupKFold``).
        song_ids : ndarray of str
            Song names, indexed by ``groups``.
        frame : pandas.DataFrame
            ``song``, ``path``, ``start``, ``end`` and one column per tag.
        DESCR : str
            Description of the data set.
    """
    import pandas as pd
    from sklearn.utils import Bunch

    from ..audio import ClipSpec

    validate_arguments({"on_error": ON_ERROR, "labels": [StrOptions({"hard", "soft"})]},
                       {"on_error": on_error, "labels": labels}, "load_cal500exp")
    root = Path(root).expanduser()
    folder = _segment_folder(root, labels)
    if not folder.is_dir():
        raise FileNotFoundError(f"CAL500exp: {folder.name}/ not found in {root}")
    files = sorted(folder.glob("*.csv"))
    if not files:
        raise FileNotFoundError(f"CAL500exp: no .csv files in {folder}")
    audio = _audio_folder(root, audio_dir, "CAL500exp")
    problems, records, columns = [], [], None
    for f in files:
        song = f.stem
        try:
            table = pd.read_csv(f)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            problems.append(f"{f.name}: cannot parse ({exc})")
            continue
        table.columns = [str(c).strip() for c in table.columns]
        if not {"Start_Time", "End_Time"} <= set(table.columns):
            problems.append(f"{f.name}: no Start_Time / End_Time columns")
            continue
        tag_cols = [c for c in table.columns if c not in ("Start_Time", "End_Time")]
        if columns is None:
            columns = tag_cols
            keep, names = _select(columns, vocabulary)
        elif tag_cols != columns:
            problems.append(f"{f.name}: tag columns differ from {files[0].name}")
            continue
        path = audio / f"{song}{audio_ext}"
        if not path.is_file():
            problems.append(f"song {song!r}: audio file not found: {path}")
            continue
        values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        i_start, i_end = table.columns.get_loc("Start_Time"), table.columns.get_loc("End_Time")
        i_tags = [table.columns.get_loc(c) for c in columns]
        for r, row in enumerate(values):
            start, end, tags = row[i_start], row[i_end], row[i_tags]
            where = f"{f.name} row {r + 2}"
            if not (np.isfinite(start) and np.isfinite(end) and np.isfinite(tags).all()):
                problems.append(f"{where}: missing or non-numeric values")
            elif end <= start or start < 0:
                problems.append(f"{where}: End_Time {end:g} <= Start_Time {start:g}")
            elif labels == "hard" and not np.isin(tags, (0, 1)).all():
                problems.append(f"{where}: hard labels other than 0/1")
            elif labels == "soft" and ((tags < 0) | (tags > 1)).any():
                problems.append(f"{where}: soft labels outside [0, 1]")
            else:
                records.append((song, str(path), float(start), float(end), tags[keep]))
    report_problems("CAL500exp", problems, on_error,
                    "the songs and segment rows listed", stacklevel=2)
    if columns is None:
        raise FileNotFoundError(f"CAL500exp: no readable label file in {folder}")
    song_ids = np.array(sorted({r[0] for r in records}), dtype=object)
    song_index = {s: i for i, s in enumerate(song_ids)}
    tags = np.array([r[4] for r in records], dtype=float).reshape(-1, len(names))
    if labels == "hard":
        tags = tags.astype(np.int64)
    clips = [ClipSpec(r[1], r[2], r[3] - r[2]) for r in records]
    frame = pd.concat(
        [
            pd.DataFrame({"song": [r[0] for r in records], "path": [r[1] for r in records],
                          "start": [r[2] for r in records], "end": [r[3] for r in records]}),
            pd.DataFrame(tags, columns=names),
        ],
        axis=1,
    )
    return Bunch(clips=clips, tags=tags, tag_names=names,
                 groups=np.array([song_index[r[0]] for r in records], dtype=np.int64),
                 song_ids=song_ids, frame=frame, DESCR=DESCR_CAL500EXP)


def load_tags_csv(
    path,
    path_column="path",
    tag_columns=None,
    offset_column="offset",
    duration_column="duration",
    group_column=None,
    on_error="raise",
):
    """Load a generic tagged data set: one CSV row per clip, one 0/1 column per tag.

    Parameters
    ----------
    path : str or os.PathLike
        The CSV file. Relative audio paths are relative to its folder.
    path_column : str, default='path'
        Column holding the audio file of each clip.
    tag_columns : list of str or None, default=None
        Tag columns, in this order; ``None``: every column other than the
        path, offset, duration and group columns.
    offset_column, duration_column : str or None, default='offset', 'duration'
        Optional columns (used when present) with the start and length of
        the clip in its file, in seconds.
    group_column : str or None, default=None
        Optional column of group labels (e.g. artist or song) for
        ``GroupKFold``, returned as ``groups``.
    on_error : {'raise', 'skip'}, default='raise'
        Rows whose audio file is missing or whose tags are not 0/1 (or
        empty): raise one :class:`~skmer.datasets.DatasetError` listing all,
        or skip them with a warning.

    Returns
    -------
    data : sklearn.utils.Bunch
        paths : list of str
            Absolute audio paths.
        clips : list of skmer.audio.ClipSpec
            ``(path, offset, duration)`` per row (offset 0 and duration None
            when the columns are absent); pass to ``LogMelTransformer``.
        tags : ndarray of int, shape (n_clips, n_tags)
            0/1 tag indicator matrix.
        tag_names : list of str
            Names of the tag columns.
        groups : ndarray or None
            The `group_column` value of each row; None without `group_column`.
        frame : pandas.DataFrame
            The kept rows of the CSV.

    Raises
    ------
    FileNotFoundError
        The CSV does not exist.
    ValueError
        Missing path or tag columns, or no tag column at all.
    DatasetError
        With ``on_error='raise'``, every row problem found.

    Examples
    --------
    ``tags.csv``::

        path,happy,sad,calm
        audio/a.wav,1,0,0
        audio/b.wav,0,1,1

    >>> data = load_tags_csv("tags.csv")  # doctest: +SKIP
    >>> data.tags.shape, data.tag_names  # doctest: +SKIP
    ((2, 3), ['happy', 'sad', 'calm'])
    """
    import pandas as pd
    from sklearn.utils import Bunch

    from ..audio import ClipSpec

    validate_arguments({"on_error": ON_ERROR}, {"on_error": on_error}, "load_tags_csv")
    path = Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"tags CSV not found: {path}")
    frame = pd.read_csv(path)
    frame.columns = [str(c).strip() for c in frame.columns]
    if path_column not in frame.columns:
        raise ValueError(f"{path.name}: no {path_column!r} column (columns: {list(frame.columns)})")
    special = {path_column, offset_column, duration_column, group_column} - {None}
    if tag_columns is None:
        tag_columns = [c for c in frame.columns if c not in special]
    tag_columns = list(tag_columns)
    missing = [c for c in tag_columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path.name}: tag columns not found: {missing!r}")
    if not tag_columns:
        raise ValueError(f"{path.name}: no tag column")
    if group_column is not None and group_column not in frame.columns:
        raise ValueError(f"{path.name}: no group column {group_column!r}")
    base = path.parent
    values = frame[tag_columns].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    problems, keep, paths = [], [], []
    for r in range(len(frame)):
        where = f"{path.name} row {r + 2}"
        audio = Path(str(frame[path_column].iloc[r])).expanduser()
        audio = audio if audio.is_absolute() else base / audio
        ok = True
        if not np.isin(values[r], (0, 1)).all():
            bad = [c for c, v in zip(tag_columns, values[r]) if v not in (0, 1)]
            problems.append(f"{where}: tags not 0/1 in columns {bad[:5]!r}")
            ok = False
        if not audio.is_file():
            problems.append(f"{where}: audio file not found: {audio}")
            ok = False
        if ok:
            keep.append(r)
            paths.append(str(audio))
    report_problems(f"tags CSV {path.name}", problems, on_error, f"{len(frame) - len(keep)} row(s)",
                    stacklevel=2)
    kept = frame.iloc[keep].reset_index(drop=True)
    offsets = (kept[offset_column].astype(float).to_numpy() if offset_column in kept.columns
               else np.zeros(len(kept)))
    durations = (kept[duration_column].astype(float).to_numpy()
                 if duration_column in kept.columns else [None] * len(kept))
    clips = [ClipSpec(p, float(o), None if d is None or not np.isfinite(d) else float(d))
             for p, o, d in zip(paths, offsets, durations)]
    return Bunch(
        paths=paths,
        clips=clips,
        tags=values[keep].astype(np.int64).reshape(-1, len(tag_columns)),
        tag_names=tag_columns,
        groups=kept[group_column].to_numpy() if group_column is not None else None,
        frame=kept,
    )
