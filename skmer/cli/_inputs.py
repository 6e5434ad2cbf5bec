"""The command line's inputs: audio files and folders, and training data sets.

:func:`collect_audio` expands files and folders into audio files; :func:`load_dataset`
and :func:`load_dynamic_dataset` read a PMEmo or DEAM folder (static or per-0.5 s
annotations) or a CSV file of ``path, valence, arousal`` (``_load_va_csv``), whose
layout ``_detect_layout`` tells from the files it holds.
"""

from __future__ import annotations

from pathlib import Path

from ._common import CLIError, _listed

AUDIO_EXTENSIONS = (".wav", ".flac", ".ogg", ".mp3")


def collect_audio(inputs, recursive=True):
    """Expand files and folders into a sorted list of audio files.

    Parameters
    ----------
    inputs : list of str
        Audio files or folders.
    recursive : bool
        Look into sub-folders.

    Returns
    -------
    files : list of str
    """
    files, missing = [], []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            pattern = "**/*" if recursive else "*"
            found = sorted(p for p in path.glob(pattern)
                           if p.is_file() and p.suffix.lower() in AUDIO_EXTENSIONS)
            if not found:
                raise CLIError(f"no audio files ({', '.join(AUDIO_EXTENSIONS)}) in folder {path}")
            files.extend(str(p) for p in found)
        elif path.is_file():
            files.append(str(path))
        else:
            missing.append(str(path))
    if missing:
        raise CLIError("not found: " + ", ".join(missing))
    return files


def _detect_layout(path, layout):
    path = Path(path)
    if not path.exists():
        raise CLIError(f"dataset not found: {path}")
    if layout != "auto":
        return layout
    if path.is_file() and path.suffix.lower() == ".csv":
        return "csv"
    if (path / "annotations" / "static_annotations.csv").exists():
        return "pmemo"
    if (path / "MEMD_audio").exists():
        return "deam"
    if (path / "panda_dataset_taffc_annotations.csv").exists():
        return "4q"
    raise CLIError(
        f"cannot tell the layout of {path}: expected a PMEmo folder "
        "(annotations/static_annotations.csv), a DEAM folder (MEMD_audio/), a 4Q folder "
        "(panda_dataset_taffc_annotations.csv) or a CSV file with path, valence, arousal "
        "columns; pass --layout"
    )


def load_dataset(path, layout, scale=True, on_error="raise"):
    """(paths, target[valence, arousal], description) from a dataset folder or CSV.

    `on_error` is the loaders' ``'raise'`` or ``'skip'`` (leave out, with a
    warning, the clips whose audio is missing or whose labels are broken).
    """
    from .. import datasets

    path = Path(path)
    layout = _detect_layout(path, layout)
    if layout == "pmemo":
        data = datasets.load_pmemo(path, scale=scale, dynamic=False, on_error=on_error)
    elif layout == "deam":
        data = datasets.load_deam(path, scale=scale, dynamic=False, on_error=on_error)
    elif layout == "csv":
        return _load_va_csv(path, on_error=on_error)
    else:
        raise CLIError(f"unknown layout {layout!r}")
    return list(data.paths), data.target, f"{layout} dataset {path} ({len(data.paths)} clips)"


def load_dynamic_dataset(path, layout, window, scale=True, on_error="raise"):
    """Per-0.5 s annotations of a PMEmo/DEAM folder, aligned to audio windows.

    Returns the Bunch of :func:`skmer.features.align_dynamic_annotations`
    (``clips``, ``target`` of shape (n_clips, n_steps, 2), the label grid,
    ``duration``) and a description.
    """
    from .. import datasets
    from ..features import align_dynamic_annotations

    path = Path(path)
    layout = _detect_layout(path, layout)
    if layout not in ("pmemo", "deam"):
        raise CLIError(f"--dynamic needs a PMEmo or DEAM folder with dynamic (per-0.5 s) "
                       f"annotations; {path} is a {layout} dataset")
    loader = datasets.load_pmemo if layout == "pmemo" else datasets.load_deam
    data = loader(path, scale=scale, dynamic=True, on_error=on_error)
    aligned = align_dynamic_annotations(data.paths, data.frame_times, data.target_dynamic,
                                        window_duration=window)
    description = (f"{layout} dataset {path}: {len(aligned.clips)} clips with the first "
                   f"{aligned.n_steps} dynamic labels each ({len(aligned.dropped)} left out)")
    return aligned, description


def _load_va_csv(path, on_error="raise"):
    import warnings

    import numpy as np
    import pandas as pd

    try:
        frame = pd.read_csv(path)
    except (ValueError, OSError) as exc:  # pandas' ParserError is a ValueError
        raise CLIError(f"cannot read the CSV file {path}: {exc}") from None
    frame.columns = [c.strip().lower() for c in frame.columns]
    needed = {"path", "valence", "arousal"}
    if not needed <= set(frame.columns):
        raise CLIError(f"{path} needs columns path, valence, arousal; has {list(frame.columns)}")
    paths = [str((path.parent / str(p)) if not Path(str(p)).is_absolute() else Path(str(p)))
             for p in frame["path"]]
    target = frame[["valence", "arousal"]].apply(pd.to_numeric, errors="coerce").to_numpy(float)
    problems, keep = [], []
    for i, (clip, labels) in enumerate(zip(paths, target)):
        line = i + 2  # the header is line 1
        if not Path(clip).is_file():
            problems.append(f"line {line}: audio file not found: {clip}")
        elif not np.isfinite(labels).all():
            problems.append(f"line {line}: non-numeric or missing valence/arousal")
        else:
            keep.append(i)
    if problems and on_error == "raise":
        raise CLIError(f"{path}: {len(problems)} problem(s) (use --on-error skip to leave "
                       f"those clips out):\n{_listed(problems)}")
    if problems:
        warnings.warn(f"{path}: left out {len(problems)} clip(s):\n{_listed(problems)}",
                      UserWarning, stacklevel=2)
    if not keep:
        raise CLIError(f"{path}: no usable clips")
    paths = [paths[i] for i in keep]
    target = target[keep]
    return paths, target, f"CSV {path} ({len(paths)} clips)"
