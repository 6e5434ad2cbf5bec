"""Data sets: a synthetic generator, loaders for PMEmo and DEAM, segment datasets."""

from ._common import DatasetError, DatasetWarning, get_data_home
from .synthetic import make_music_emotion

__all__ = ["DatasetError", "DatasetWarning", "get_data_home", "make_music_emotion"]
