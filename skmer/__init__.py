"""skmer: scikit-learn compatible music emotion recognition from audio.

The front end (:mod:`skmer.audio`, :mod:`skmer.features`) turns audio files
into arrays; the models (:mod:`skmer.estimators`) are skorch estimators that
behave like any scikit-learn estimator. Heavy modules (torch, librosa) are
imported only when a name that needs them is first used.
"""

import importlib

from ._version import __version__

# public name -> module that defines it
_LAZY = {
    "load_audio": "skmer.audio",
    "AudioLoadError": "skmer.audio",
    "ClipSpec": "skmer.audio",
    "FeatureExtractionError": "skmer.exceptions",
    "TrainingDivergedError": "skmer.exceptions",
    "LogMelTransformer": "skmer.features",
    "SegmentStacker": "skmer.features",
    "SpectrogramStats": "skmer.features",
    "AudioFeatures": "skmer.features",
    "SlidingWindows": "skmer.features",
    "ADFFRegressor": "skmer.estimators",
    "ADFFClassifier": "skmer.estimators",
    "va_to_quadrant": "skmer.estimators",
    "DAMFFRegressor": "skmer.estimators",
    "CNNTagger": "skmer.estimators",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skmer' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
