"""Data sets for music emotion recognition.

- :func:`make_music_emotion`: the embedded default, synthetic music clips
  whose valence, arousal and tags follow documented musical factors.
- :func:`load_pmemo`, :func:`load_deam`: loaders for local copies of the
  PMEmo2019 and DEAM data sets (nothing is downloaded).
- :func:`load_4q`: the 4Q audio emotion data set (quadrant classes, mood
  tags, artist groups for grouped cross-validation).
- :func:`load_cal500`, :func:`load_cal500exp`, :func:`load_tags_csv`: tagged music
  (CAL500 song tags, CAL500exp segment tags, a generic ``tags.csv``) for
  :class:`~skmer.estimators.CNNTagger`.
- :func:`simple_segments`, :func:`full_segments`, :func:`aggregate_segments`:
  the fixed-length segment datasets of the ADFF paper, with clip groups for
  ``GroupKFold``.

Every valence-arousal target array has the columns ``['valence', 'arousal']``
in [-1, 1] (loaders: with ``scale=True``); :func:`load_4q`'s target is the
quadrant, 1..4.
"""

from ._common import TARGET_NAMES, DatasetError, DatasetWarning, get_data_home
from .cal500 import EMOTION_PREFIX, load_cal500, load_cal500exp, load_tags_csv
from .deam import load_deam
from .fourq import load_4q
from .pmemo import load_pmemo
from .segments import (
    SegmentDataset,
    aggregate_segments,
    full_segment_offsets,
    full_segments,
    simple_segment_offset,
    simple_segments,
)
from .synthetic import make_music_emotion

__all__ = [
    "TARGET_NAMES",
    "DatasetError",
    "DatasetWarning",
    "EMOTION_PREFIX",
    "SegmentDataset",
    "aggregate_segments",
    "full_segment_offsets",
    "full_segments",
    "get_data_home",
    "load_4q",
    "load_cal500",
    "load_cal500exp",
    "load_deam",
    "load_pmemo",
    "load_tags_csv",
    "make_music_emotion",
    "simple_segment_offset",
    "simple_segments",
]
