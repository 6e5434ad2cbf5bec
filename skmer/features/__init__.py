"""Transformers that turn audio into the arrays models consume.

- :class:`LogMelTransformer`: audio -> log-Mel spectrograms ``(n, 1, frames, mels)``.
- :class:`SegmentStacker`: ``(n, 1, T, M)`` -> ``(n, seg_num, T // seg_num, M)`` (ADFF input).
- :class:`SpectrogramStats`: spectrograms -> per-band statistics (baseline features).
- :class:`AudioFeatures`: audio -> hand-crafted descriptors (baseline features).
"""

from .descriptors import AudioFeatures
from .logmel import LogMelTransformer
from .segments import SegmentStacker
from .stats import SpectrogramStats

__all__ = ["AudioFeatures", "LogMelTransformer", "SegmentStacker", "SpectrogramStats"]
