"""Transformers that turn audio into the arrays models consume.

- :class:`LogMelTransformer`: audio -> log-Mel spectrograms ``(n, 1, frames, mels)``.
- :class:`SegmentStacker`: ``(n, 1, T, M)`` -> ``(n, seg_num, T // seg_num, M)`` (ADFF input).
- :class:`SpectrogramStats`: spectrograms -> per-band statistics (baseline features).
- :class:`AudioFeatures`: audio -> hand-crafted descriptors (baseline features).
- :class:`SlidingWindows`: ``(n, 1, T, M)`` -> ``(n, n_steps, 1, frames, M)``, one window
  per dynamic label (DAMFF input); :func:`align_dynamic_annotations` aligns ragged
  PMEmo/DEAM label series with audio windows.
"""

from .descriptors import AudioFeatures
from .logmel import LogMelTransformer
from .segments import SegmentStacker
from .stats import SpectrogramStats
from .windows import SlidingWindows, align_dynamic_annotations

__all__ = [
    "AudioFeatures",
    "LogMelTransformer",
    "SegmentStacker",
    "SlidingWindows",
    "SpectrogramStats",
    "align_dynamic_annotations",
]
