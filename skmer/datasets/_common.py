"""Helpers shared by the dataset generators and loaders."""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

import numpy as np

__all__ = [
    "DatasetError",
    "DatasetWarning",
    "TARGET_NAMES",
    "get_data_home",
]

#: Column order of every target array in :mod:`skmer.datasets`.
TARGET_NAMES = ["valence", "arousal"]

#: ``on_error`` of the loaders, as of the audio transformers; ``'warn'`` is a synonym of
#: ``'skip'`` (warn with every problem and drop the affected clips).


class DatasetError(ValueError):
    """Annotations or audio of a dataset on disk are inconsistent.

    Every problem found while loading is listed, not only the first one.

    Attributes
    ----------
    problems : list of str
        One line per problem (missing audio file, duplicated id, unparsable
        row, ...), in the order they were found.
    """

    def __init__(self, dataset, problems):
        self.dataset = str(dataset)
        self.problems = [str(p) for p in problems]
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(
            f"{self.dataset}: {len(self.problems)} problem(s) found "
            f"(pass on_error='skip' to drop the affected clips with a warning):\n{lines}"
        )

    def __reduce__(self):
        return type(self), (self.dataset, self.problems)


class DatasetWarning(UserWarning):
    """Clips or annotation rows were skipped while loading a dataset."""


def get_data_home(data_home=None):
    """Folder where skmer stores generated data sets.

    Resolution order: the `data_home` argument, the ``SKMER_DATA``
    environment variable, ``$XDG_CACHE_HOME/skmer`` and finally
    ``~/.cache/skmer``. Everything stored there can be regenerated, so the
    folder can be deleted at any time. The folder is created if needed.

    Parameters
    ----------
    data_home : str or os.PathLike, optional
        Explicit folder; ``~`` is expanded.

    Returns
    -------
    data_home : pathlib.Path
        The resolved folder.
    """
    if data_home is None:
        data_home = os.environ.get("SKMER_DATA")
    if not data_home:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join("~", ".cache")
        data_home = os.path.join(cache, "skmer")
    path = Path(data_home).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    return path


def report_problems(dataset, problems, on_error, skipped_what, stacklevel=2):
    """Raise :class:`DatasetError` or warn about `problems` (no-op when empty)."""
    if not problems:
        return
    if on_error == "raise":
        raise DatasetError(dataset, problems)
    lines = "\n".join(f"  - {p}" for p in problems)
    warnings.warn(
        f"{dataset}: skipped {skipped_what} because of {len(problems)} problem(s):\n{lines}",
        DatasetWarning,
        stacklevel=stacklevel + 1,
    )


_INT_LIKE = re.compile(r"^[+-]?\d+(\.0*)?$")


def normalise_id(value):
    """Clip id as a clean string (``' 108.0'`` -> ``'108'``), or None if empty."""
    if value is None:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None
    text = str(value).strip()
    if not text or text.lower() == "nan":
        return None
    if _INT_LIKE.match(text):
        return str(int(float(text)))
    return text


def to_float(value):
    """`value` as a finite float, or None when it is empty or not a number."""
    try:
        x = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return x if np.isfinite(x) else None


def scale_linear(x, lo, hi):
    """Map values linearly from ``[lo, hi]`` to ``[-1, 1]``."""
    return (np.asarray(x, dtype=float) - (lo + hi) / 2.0) * (2.0 / (hi - lo))


def require_columns(frame, columns, path):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")


def read_rows(path):
    """Read a CSV as strings, stripped column names, one entry per file line.

    Returns the frame and the file line number of each of its rows (blank
    lines are dropped but counted).
    """
    import pandas as pd

    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, skipinitialspace=True, skip_blank_lines=False
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DatasetError(path, [f"cannot parse {path}: {exc}"]) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    frame = frame.apply(lambda col: col.str.strip())
    lines = np.arange(len(frame)) + 2
    blank = (frame == "").all(axis=1).to_numpy()
    return frame.loc[~blank].reset_index(drop=True), lines[~blank]


def parse_static(frame, lines, path, columns, value_range):
    """Parse static annotation rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows as strings (from :func:`read_rows`).
    lines : ndarray of int
        File line of each row.
    path : path-like
        The file, for messages.
    columns : dict
        Maps ``'id'``, ``'valence'``, ``'arousal'`` and optionally
        ``'valence_std'``, ``'arousal_std'`` to column names of `frame`.
    value_range : (float, float)
        Valid range of valence and arousal on the file's scale.

    Returns
    -------
    records : list of dict
        One per parsable row: id, line, file and the float values.
    problems : list of str
        Unparsable rows.
    bad_ids : set of str
        Ids of unparsable rows.
    """
    name = Path(path).name
    lo, hi = value_range
    records, problems, bad_ids = [], [], set()
    for row, line in zip(frame.itertuples(index=False), lines):
        cells = dict(zip(frame.columns, row))
        cid = normalise_id(cells[columns["id"]])
        where = f"{name} line {line}"
        if cid is None:
            problems.append(f"{where}: missing id ({columns['id']!r} is empty)")
            continue
        rec = {"id": cid, "line": int(line), "file": name}
        errors = []
        for key, col in columns.items():
            if key == "id":
                continue
            x = to_float(cells[col])
            if x is None:
                errors.append(f"{col} {cells[col]!r} is not a number")
            elif key in ("valence", "arousal") and not lo - 1e-9 <= x <= hi + 1e-9:
                errors.append(f"{col} {x:g} is outside [{lo:g}, {hi:g}]")
            elif key.endswith("_std") and x < 0:
                errors.append(f"{col} {x:g} is negative")
            rec[key] = x
        if errors:
            problems.append(f"{where}: id {cid!r}: " + "; ".join(errors))
            bad_ids.add(cid)
        else:
            records.append(rec)
    return records, problems, bad_ids


def duplicate_problems(records):
    """Problems for ids annotated more than once, and the set of those ids."""
    by_id = {}
    for rec in records:
        by_id.setdefault(rec["id"], {}).setdefault(rec["file"], []).append(rec["line"])
    problems, dups = [], set()
    for cid, files in by_id.items():
        count = sum(len(lines) for lines in files.values())
        if count < 2:
            continue
        dups.add(cid)
        where = ", ".join(
            f"{name} line{'s' if len(lines) > 1 else ''} {', '.join(map(str, lines))}"
            for name, lines in files.items()
        )
        problems.append(f"id {cid!r} is annotated {count} times ({where})")
    return problems, dups


def build_bunch(
    dataset,
    records,
    audio_paths,
    problems,
    drop_ids,
    on_error,
    scale,
    scale_range,
    has_std,
    metadata,
    dynamic,
    descr,
    return_X_y,
):
    """Check audio, report problems, and assemble the loaders' common Bunch.

    Parameters
    ----------
    records : list of dict
        Parsed static rows (:func:`parse_static`).
    audio_paths : dict
        Id -> expected audio path.
    problems, drop_ids : list of str, set of str
        Problems found so far and the ids they concern.
    scale_range : (float, float)
        Annotation scale mapped to [-1, 1] when `scale`.
    metadata : pandas.DataFrame or None
        Extra per-clip columns, indexed by id.
    dynamic : dict or None
        Id -> (frame_times (n,), values (n, 2) already on the output scale).
    """
    import pandas as pd
    from sklearn.utils import Bunch

    problems = list(problems)
    drop_ids = set(drop_ids)
    seen = set()
    for rec in records:
        cid = rec["id"]
        if cid in seen:
            continue
        seen.add(cid)
        path = audio_paths[cid]
        if not Path(path).is_file():
            problems.append(f"id {cid!r}: audio file not found: {path}")
            drop_ids.add(cid)
    dropped = sorted(drop_ids & {rec["id"] for rec in records})
    report_problems(
        dataset,
        problems,
        on_error,
        f"{len(dropped)} clip(s) {dropped} and every unparsable annotation row",
        stacklevel=3,  # the loader's caller
    )

    kept = [rec for rec in records if rec["id"] not in drop_ids]
    ids = [rec["id"] for rec in kept]
    paths = [str(audio_paths[cid]) for cid in ids]
    lo, hi = scale_range
    raw = np.array([[rec["valence"], rec["arousal"]] for rec in kept], dtype=float).reshape(-1, 2)
    target = scale_linear(raw, lo, hi) if scale else raw
    if return_X_y:
        return paths, target

    target_std = None
    if has_std:
        std = np.array(
            [[rec["valence_std"], rec["arousal_std"]] for rec in kept], dtype=float
        ).reshape(-1, 2)
        target_std = std * (2.0 / (hi - lo)) if scale else std

    frame = pd.DataFrame(
        {"id": ids, "path": paths, "valence": target[:, 0], "arousal": target[:, 1]}
    )
    if target_std is not None:
        frame["valence_std"] = target_std[:, 0]
        frame["arousal_std"] = target_std[:, 1]
    if metadata is not None and len(metadata.columns):
        extra = metadata.reindex(ids)
        extra = extra[[c for c in extra.columns if c not in frame.columns]]
        frame = pd.concat([frame, extra.reset_index(drop=True)], axis=1)

    bunch = Bunch(
        paths=paths,
        target=target,
        target_names=list(TARGET_NAMES),
        target_std=target_std,
        ids=np.array(ids, dtype=object),
        frame=frame,
        DESCR=descr,
    )
    if dynamic is not None:
        empty_t, empty_v = np.zeros(0), np.zeros((0, 2))
        series = [dynamic.get(cid, (empty_t, empty_v)) for cid in ids]
        bunch.frame_times = [t for t, _ in series]
        bunch.target_dynamic = [v for _, v in series]
        bunch.dynamic_frame = pd.DataFrame(
            {
                "id": np.repeat(np.array(ids, dtype=object), [t.size for t, _ in series]),
                "time": np.concatenate([empty_t] + [t for t, _ in series]),
                "valence": np.concatenate([empty_t] + [v[:, 0] for _, v in series]),
                "arousal": np.concatenate([empty_t] + [v[:, 1] for _, v in series]),
            }
        )
    return bunch
