"""Exceptions shared across skmer."""

from typing import NamedTuple

__all__ = ["FailedInput", "FeatureExtractionError", "TrainingDivergedError"]


class FailedInput(NamedTuple):
    """One input of a batch that could not be turned into features.

    Attributes
    ----------
    index : int or None
        Position of the input in the batch (``X[index]``).
    path : str or None
        The audio file, or ``None`` for a waveform row.
    reason : str
        What went wrong.
    description : str
        How messages name the input, e.g. ``'song.mp3 [10s+20s]'`` for a
        window of a file.
    """

    index: int | None
    path: str | None
    reason: str
    description: str


class FeatureExtractionError(ValueError):
    """One or more inputs of a batch could not be turned into features.

    Every input of the batch is attempted before this is raised; results of the
    inputs that succeeded are kept in the transformer's cache (when one is
    set), so a rerun after fixing the failing files recomputes only those.

    Parameters
    ----------
    failures : list of FailedInput or (str, str)
        The failing inputs; a ``(description, reason)`` pair has no index or
        path.

    Attributes
    ----------
    failures : list of (str, str)
        ``(input description, reason)`` for each failing input, in input order.
    records : list of FailedInput
        The same failures as structured data: position in the batch, path,
        reason and description. Use these (not the descriptions, which may
        hold any characters a file name can) to find the failing inputs.
    """

    def __init__(self, failures):
        self.records = [
            f if isinstance(f, FailedInput) else FailedInput(None, None, str(f[1]), str(f[0]))
            for f in failures
        ]
        self.failures = [(r.description, r.reason) for r in self.records]
        lines = "\n".join(f"  - {name}: {reason}" for name, reason in self.failures)
        super().__init__(
            f"{len(self.failures)} input(s) could not be processed:\n{lines}"
        )

    def __reduce__(self):
        return type(self), (self.records,)


class TrainingDivergedError(FloatingPointError):
    """Training of a network diverged: its loss became NaN or infinite.

    Raised by skmer's skorch estimators at the batch where it happens, instead
    of finishing the epochs and returning a model that predicts NaN. The
    message names the epoch and the learning rate; lowering ``lr`` usually
    helps.
    """
