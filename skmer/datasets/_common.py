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

_ON_ERROR = ("raise", "skip")


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


def check_on_error(on_error):
    if on_error not in _ON_ERROR:
        raise ValueError(f"on_error must be one of {_ON_ERROR}, got {on_error!r}")
    return on_error


def report_problems(dataset, problems, on_error, skipped_what):
    """Raise :class:`DatasetError` or warn about `problems` (no-op when empty)."""
    if not problems:
        return
    if on_error == "raise":
        raise DatasetError(dataset, problems)
    lines = "\n".join(f"  - {p}" for p in problems)
    warnings.warn(
        f"{dataset}: skipped {skipped_what} because of {len(problems)} problem(s):\n{lines}",
        DatasetWarning,
        stacklevel=3,
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


def read_csv_str(path):
    """Read a CSV with every cell as a string and stripped column names."""
    import pandas as pd

    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def require_columns(frame, columns, path):
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{path}: missing column(s) {missing}; found {list(frame.columns)}")
