"""scikit-learn compatible estimators (skorch nets) for music emotion recognition."""

from .adff import ADFFClassifier, ADFFRegressor
from .damff import DAMFFRegressor
from .quadrants import va_to_binary, va_to_quadrant

__all__ = [
    "ADFFClassifier",
    "ADFFRegressor",
    "DAMFFRegressor",
    "va_to_binary",
    "va_to_quadrant",
]
