"""Exceptions shared across skmer."""

__all__ = ["FeatureExtractionError", "TrainingDivergedError"]


class FeatureExtractionError(ValueError):
    """One or more inputs of a batch could not be turned into features.

    Every input of the batch is attempted before this is raised; results of the
    inputs that succeeded are kept in the transformer's cache (when one is
    set), so a rerun after fixing the failing files recomputes only those.

    Attributes
    ----------
    failures : list of (str, str)
        ``(input description, reason)`` for each failing input, in input order.
    """

    def __init__(self, failures):
        self.failures = [(str(name), str(reason)) for name, reason in failures]
        lines = "\n".join(f"  - {name}: {reason}" for name, reason in self.failures)
        super().__init__(
            f"{len(self.failures)} input(s) could not be processed:\n{lines}"
        )

    def __reduce__(self):
        return type(self), (self.failures,)


class TrainingDivergedError(FloatingPointError):
    """Training of a network diverged: its loss became NaN or infinite.

    Raised by skmer's skorch estimators at the batch where it happens, instead
    of finishing the epochs and returning a model that predicts NaN. The
    message names the epoch and the learning rate; lowering ``lr`` usually
    helps.
    """
