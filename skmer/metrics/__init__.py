"""Scores for music emotion recognition.

- Regression (valence, arousal; static or dynamic): :func:`r2`, :func:`rmse`,
  :func:`pcc`, :func:`ccc`, :func:`mer_report` and scikit-learn scorers
  (:func:`mer_scoring`, :func:`dimension_scorer`, :data:`MER_SCORERS`).
- Multi-label tagging: :func:`tagging_scorers` and :func:`tagging_report`.
"""

from ._regression import (
    DEFAULT_TARGET_NAMES,
    MER_SCORERS,
    ccc,
    dimension_scorer,
    mer_report,
    mer_scoring,
    pcc,
    r2,
    rmse,
)
from ._tagging import tagging_report, tagging_scorers

__all__ = [
    "DEFAULT_TARGET_NAMES",
    "MER_SCORERS",
    "ccc",
    "dimension_scorer",
    "mer_report",
    "mer_scoring",
    "pcc",
    "r2",
    "rmse",
    "tagging_report",
    "tagging_scorers",
]
