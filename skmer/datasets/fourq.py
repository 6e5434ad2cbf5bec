"""Loader for the 4Q audio emotion data set (Panda, Malheiro & Paiva) from a local copy."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .._validation import ON_ERROR, POSITIVE_INT, validate_arguments
from ._common import (
    duplicate_problems,
    normalise_id,
    read_rows,
    report_problems,
    require_columns,
)

__all__ = ["load_4q"]

# Class names of the target: quadrant k is _LABELS[k - 1].
_LABELS = ["Q1", "Q2", "Q3", "Q4"]

_ANNOTATIONS = "panda_dataset_taffc_annotations.csv"
_METADATA = "panda_dataset_taffc_metadata.csv"
_NUMERIC = ("PQuad", "MoodsTotal", "Moods", "Genres", "Sample")

DESCR = """\
4Q audio emotion dataset (R. Panda, R. Malheiro and R. P. Paiva, "Novel audio
features for music emotion recognition", IEEE Transactions on Affective
Computing 11(4), 2018; mir.dei.uc.pt): 900 AllMusic 30 s preview clips,
225 per quadrant of Russell's circumplex (Q1 positive valence / high arousal,
Q2 negative / high, Q3 negative / low, Q4 positive / low). The quadrant of a
song comes from its AllMusic mood tags (mapped to Warriner's valence-arousal
norms) and was checked by the authors by listening. Research use only: do not
redistribute the audio. skmer reads a local copy with the dataset's layout:

    Q1/ .. Q4/<Song>.mp3                    audio, one folder per quadrant
    panda_dataset_taffc_annotations.csv    Song, Quadrant
    panda_dataset_taffc_metadata.csv       Song, Artist, Title, Quadrant, PQuad,
                                           MoodsTotal, Moods, MoodsFoundStr,
                                           MoodsStr, MoodsStrSplit, Genres,
                                           GenresStr, Sample, SampleURL

Several songs share an artist: cross-validate with folds grouped by artist
(bunch.groups, e.g. StratifiedGroupKFold), or the scores are inflated by
artist and production similarity. Besides the single-label quadrant task the
AllMusic mood tags (MoodsStrSplit) make a multi-label tagging task (bunch.tags).
"""


def load_4q(root, *, min_tag_count=20, audio_ext=".mp3", on_error="raise", return_X_y=False):
    """Load the 4Q audio emotion data set (quadrants, mood tags) from a local folder.

    Nothing is downloaded: `root` must hold the dataset's layout (see
    ``DESCR``): ``Q1/`` .. ``Q4/<Song>.mp3``,
    ``panda_dataset_taffc_annotations.csv`` (``Song, Quadrant``) and
    ``panda_dataset_taffc_metadata.csv`` (artist, title, AllMusic moods and
    genres). Only the existence of the audio files is checked, they are not
    decoded. The quadrant of a song must agree between the two files and with
    the folder its audio is in.

    The data set is described in R. Panda, R. Malheiro and R. P. Paiva,
    "Novel audio features for music emotion recognition", IEEE Transactions
    on Affective Computing 11(4), 2018. It is for research use only: the
    audio must not be redistributed.

    Parameters
    ----------
    root : str or os.PathLike
        Folder holding the two CSV files and the ``Q1`` .. ``Q4`` folders.
    min_tag_count : int, default=20
        Keep the mood tags that at least this many of the loaded songs carry
        (``bunch.tags``); rarer tags are dropped from the tag matrix (they stay
        in ``frame['MoodsStrSplit']``). With 20, a tag has about 4 positives
        in each test fold of a 5-fold split of 450 songs, enough for ROC-AUC.
    audio_ext : str, default='.mp3'
        Audio file name is ``Q<k>/<Song><audio_ext>``.
    on_error : {'raise', 'skip'}, default='raise'
        What to do with songs whose audio is missing, with an unknown
        quadrant, whose quadrant differs between the annotation file, the
        metadata file and the audio folder, that are listed more than once or
        in only one of the two files, or that have no artist: ``'raise'``
        raises :class:`~skmer.datasets.DatasetError` listing all of them (file
        and line of each); ``'skip'`` drops those songs with one
        :class:`~skmer.datasets.DatasetWarning` listing them.
    return_X_y : bool, default=False
        Return ``(paths, target)`` instead of a Bunch.

    Returns
    -------
    data : sklearn.utils.Bunch
        With attributes

        paths : list of str
            Absolute path of each song's audio, in the order of the metadata
            file.
        target : ndarray of int64, shape (n_songs,)
            Quadrant in ``{1, 2, 3, 4}``, numbered as
            :func:`~skmer.estimators.va_to_quadrant` does (1 positive valence
            / high arousal, 2 negative / high, 3 negative / low, 4 positive /
            low).
        target_names : list of str
            ``['Q1', 'Q2', 'Q3', 'Q4']``: the name of quadrant ``k`` is
            ``target_names[k - 1]``.
        valence_binary : ndarray of int64, shape (n_songs,)
            1 for positive valence (Q1, Q4), 0 for negative (Q2, Q3), as
            :func:`~skmer.estimators.va_to_binary` codes it.
        arousal_binary : ndarray of int64, shape (n_songs,)
            1 for high arousal (Q1, Q2), 0 for low (Q3, Q4).
        tags : ndarray of int64, shape (n_songs, n_tags)
            0/1 indicator of the AllMusic mood tags (``MoodsStrSplit``) carried
            by at least `min_tag_count` songs, for
            :class:`~skmer.estimators.CNNTagger`.
        tag_names : list of str
            The kept tags, sorted (e.g. ``'Calm'``).
        groups : ndarray of str, shape (n_songs,)
            Artist of each song: the groups for artist-grouped
            cross-validation.
        genres : list of list of str
            AllMusic genres of each song (``GenresStr``).
        ids, song_ids : ndarray of str, shape (n_songs,)
            The ``Song`` id of each clip (e.g. ``'MT0000040632'``; ``ids`` as
            in the other loaders, ``song_ids`` is the same array).
        frame : pandas.DataFrame
            One row per song: id, path, quadrant, valence_binary,
            arousal_binary and the metadata columns (``Artist``, ``Title``,
            ``PQuad``, ``MoodsStrSplit``, ``GenresStr``, ...; counts and
            ``PQuad`` as numbers).
        DESCR : str
            Description of the data set.

    (paths, target) : tuple
        If `return_X_y` is True.

    Raises
    ------
    FileNotFoundError
        `root` or one of the two CSV files does not exist.
    DatasetError
        With ``on_error='raise'``: every problem found.

    See Also
    --------
    skmer.estimators.ADFFClassifier : Classifies the quadrant from log-Mel segments.
    skmer.estimators.CNNTagger : Multi-label mood tagging.

    Notes
    -----
    **Group the folds by artist.** Several artists have more than one song
    (the 450 songs of the developers' half are by 330 artists). Songs of one
    artist share voice, instruments and production; when they fall on both
    sides of a split, a model is partly scored on recognising the artist and
    its cross-validated scores are inflated. Split on ``groups`` with
    :class:`~sklearn.model_selection.StratifiedGroupKFold`, which also keeps
    the four quadrants balanced in every fold::

        from sklearn.model_selection import StratifiedGroupKFold, cross_validate

        cv = StratifiedGroupKFold(5, shuffle=True, random_state=0)
        folds = list(cv.split(data.paths, data.target, data.groups))
        scores = cross_validate(model, data.paths, data.target, cv=folds,
                                scoring=["accuracy", "f1_macro"])

    Passing the same ``folds`` to every model compares them on identical splits.

    Examples
    --------
    >>> from skmer.datasets import load_4q
    >>> data = load_4q("path/to/4q")  # doctest: +SKIP
    >>> data.target[:4], data.target_names  # doctest: +SKIP
    (array([1, 4, 1, 3]), ['Q1', 'Q2', 'Q3', 'Q4'])
    """
    import pandas as pd
    from sklearn.utils import Bunch

    validate_arguments({"on_error": ON_ERROR, "min_tag_count": [POSITIVE_INT]},
                       {"on_error": on_error, "min_tag_count": min_tag_count}, "load_4q")
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise FileNotFoundError(f"4Q root folder not found: {root}")
    for name in (_ANNOTATIONS, _METADATA):
        if not (root / name).is_file():
            raise FileNotFoundError(f"4Q: {name} not found in {root}")

    problems, drop = [], set()
    ann, ann_problems, ann_bad = _read_quadrants(root / _ANNOTATIONS, ["Song", "Quadrant"])
    meta_cols = ["Song", "Artist", "Quadrant", "MoodsStrSplit", "GenresStr"]
    meta, meta_problems, meta_bad = _read_quadrants(root / _METADATA, meta_cols)
    problems += ann_problems + meta_problems
    drop |= ann_bad | meta_bad
    for records in (ann, meta):
        dup_problems, dup_ids = duplicate_problems(records)
        problems += dup_problems
        drop |= dup_ids

    first_ann = {}
    for rec in ann:
        first_ann.setdefault(rec["id"], rec)
    first_meta = {}
    for rec in meta:
        first_meta.setdefault(rec["id"], rec)
    for cid, rec in first_meta.items():
        where = f"{rec['file']} line {rec['line']}"
        other = first_ann.get(cid)
        if other is None:
            if cid not in ann_bad:
                problems.append(f"{where}: song {cid!r} is not in {_ANNOTATIONS}")
                drop.add(cid)
        elif other["quadrant"] != rec["quadrant"]:
            problems.append(
                f"{where}: song {cid!r} is in Q{rec['quadrant']}, but "
                f"{other['file']} line {other['line']} says Q{other['quadrant']}"
            )
            drop.add(cid)
        if not rec["cells"]["Artist"]:
            problems.append(f"{where}: song {cid!r} has no Artist")
            drop.add(cid)
    for cid, rec in first_ann.items():
        if cid not in first_meta and cid not in meta_bad:
            problems.append(
                f"{rec['file']} line {rec['line']}: song {cid!r} is not in {_METADATA}"
            )
            drop.add(cid)

    audio_paths = {}
    for cid, rec in first_meta.items():
        if cid in drop:
            continue
        path = root / _LABELS[rec["quadrant"] - 1] / f"{cid}{audio_ext}"
        audio_paths[cid] = path
        if path.is_file():
            continue
        elsewhere = [root / q / path.name for q in _LABELS
                     if (root / q / path.name).is_file()]
        where = f"{rec['file']} line {rec['line']}"
        if elsewhere:
            found = ", ".join(str(p.relative_to(root)) for p in elsewhere)
            problems.append(
                f"{where}: song {cid!r} is in Q{rec['quadrant']}, but its audio is in the "
                f"folder of another quadrant: {found}"
            )
        else:
            problems.append(f"{where}: song {cid!r}: audio file not found: {path}")
        drop.add(cid)

    listed = list(dict.fromkeys([rec["id"] for rec in meta] + [rec["id"] for rec in ann]))
    dropped = [cid for cid in listed if cid in drop]
    report_problems("4Q", problems, on_error, f"{len(dropped)} song(s) {dropped}", stacklevel=2)

    kept = [rec for cid, rec in first_meta.items() if cid not in drop]
    ids = np.array([rec["id"] for rec in kept], dtype=object)
    paths = [str(audio_paths[cid]) for cid in ids]
    target = np.array([rec["quadrant"] for rec in kept], dtype=np.int64)
    if return_X_y:
        return paths, target

    valence_binary = np.isin(target, (1, 4)).astype(np.int64)
    arousal_binary = np.isin(target, (1, 2)).astype(np.int64)
    song_tags = [_split(rec["cells"]["MoodsStrSplit"]) for rec in kept]
    counts = pd.Series([t for tags in song_tags for t in set(tags)], dtype=object).value_counts()
    tag_names = sorted(str(t) for t, n in counts.items() if n >= min_tag_count)
    column = {t: j for j, t in enumerate(tag_names)}
    tags = np.zeros((len(kept), len(tag_names)), dtype=np.int64)
    for i, names in enumerate(song_tags):
        for t in names:
            if t in column:
                tags[i, column[t]] = 1

    frame = pd.DataFrame({
        "id": ids,
        "path": paths,
        "quadrant": target,
        "valence_binary": valence_binary,
        "arousal_binary": arousal_binary,
    })
    extra = pd.DataFrame([rec["cells"] for rec in kept], columns=list(meta[0]["cells"]) if meta
                         else None)
    extra = extra.drop(columns=[c for c in ("Song", "Quadrant") if c in extra.columns])
    for col in _NUMERIC:
        if col in extra.columns:
            extra[col] = pd.to_numeric(extra[col], errors="coerce")
    frame = pd.concat([frame, extra.reset_index(drop=True)], axis=1)

    return Bunch(
        paths=paths,
        target=target,
        target_names=list(_LABELS),
        valence_binary=valence_binary,
        arousal_binary=arousal_binary,
        tags=tags,
        tag_names=tag_names,
        groups=np.array([rec["cells"]["Artist"] for rec in kept], dtype=object),
        genres=[_split(rec["cells"]["GenresStr"]) for rec in kept],
        ids=ids,
        song_ids=ids,
        frame=frame,
        DESCR=DESCR,
    )


def _quadrant(text):
    """1..4 from ``'Q3'``, ``'q3'`` or ``'3'``; None otherwise."""
    text = str(text).strip().upper().removeprefix("Q")
    return int(text) if text in ("1", "2", "3", "4") else None


def _split(text):
    """``'Calm; Peaceful'`` -> ``['Calm', 'Peaceful']``."""
    return [t.strip() for t in str(text).split(";") if t.strip()]


def _read_quadrants(path, columns):
    """Rows of a 4Q CSV with their song id and quadrant; problems for bad rows."""
    frame, lines = read_rows(path)
    require_columns(frame, columns, path)
    name = path.name
    records, problems, bad = [], [], set()
    for row, line in zip(frame.itertuples(index=False), lines):
        cells = dict(zip(frame.columns, row))
        cid = normalise_id(cells["Song"])
        where = f"{name} line {line}"
        if cid is None:
            problems.append(f"{where}: missing song id ('Song' is empty)")
            continue
        quadrant = _quadrant(cells["Quadrant"])
        if quadrant is None:
            problems.append(
                f"{where}: song {cid!r}: unknown quadrant {cells['Quadrant']!r} "
                "(expected Q1, Q2, Q3 or Q4)"
            )
            bad.add(cid)
            continue
        records.append({"id": cid, "line": int(line), "file": name, "quadrant": quadrant,
                        "cells": cells})
    return records, problems, bad
