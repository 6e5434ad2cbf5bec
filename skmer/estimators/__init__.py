"""scikit-learn compatible estimators (skorch nets) for music emotion recognition."""

from .adff import ADFFClassifier, ADFFRegressor
from .damff import DAMFFRegressor
from .quadrants import va_to_binary, va_to_quadrant
from .tagger import CNNTagger, TagWarning

__all__ = [
    "ADFFClassifier",
    "ADFFRegressor",
    "CNNTagger",
    "DAMFFRegressor",
    "TagWarning",
    "va_to_binary",
    "va_to_quadrant",
]
