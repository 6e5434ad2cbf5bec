"""Exceptions shared across skmer."""

__all__ = ["FeatureExtractionError"]


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
