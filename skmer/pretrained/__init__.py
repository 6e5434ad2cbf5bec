"""Pretrained music representations that work offline: musicnn in PyTorch.

The weights come from the ``musicnn`` package on PyPI (Pons & Serra, ISC
licence; install it with ``pip install --no-deps musicnn``); skmer reads its
TensorFlow checkpoints without TensorFlow, converts them once into
``<data_home>/pretrained/`` and runs a torch re-implementation of the
networks that matches the original outputs. skmer does not redistribute the
weights. See :doc:`/pretrained`.

- :class:`MusicnnEmbedding`: audio -> pooled musicnn embeddings (transformer).
- :class:`MusicnnLevels`: audio -> musicnn's five feature levels over time (input
  of a pretrained :class:`~skmer.ADFFClassifier` / :class:`~skmer.ADFFRegressor`).
- :class:`MusicnnMel`: audio -> musicnn's log-mel patches (input of a pretrained
  :class:`~skmer.CNNTagger`).
- :func:`load_musicnn`, :func:`load_musicnn_weights`, :func:`musicnn_labels`,
  :func:`musicnn_tags`: the networks, their weights, tag names, top tags of a file.
- :func:`read_checkpoint`: TensorFlow checkpoint -> numpy arrays.
"""

import importlib

from ._checkpoint import CheckpointError, read_checkpoint
from ._musicnn import (
    MUSICNN_LICENSE,
    MUSICNN_MODELS,
    MusicnnNotInstalledError,
    find_musicnn,
    load_musicnn,
    load_musicnn_weights,
    musicnn_labels,
    musicnn_mel,
    musicnn_patches,
)

_LAZY = {
    "MusicnnEmbedding": "skmer.pretrained.embedding",
    "LEVEL_SIZES": "skmer.pretrained.levels",
    "MusicnnLevels": "skmer.pretrained.levels",
    "MusicnnMel": "skmer.pretrained.mel",
    "musicnn_tags": "skmer.pretrained.embedding",
}

__all__ = [
    "CheckpointError",
    "MUSICNN_LICENSE",
    "MUSICNN_MODELS",
    "MusicnnNotInstalledError",
    "find_musicnn",
    "load_musicnn",
    "load_musicnn_weights",
    "musicnn_labels",
    "musicnn_mel",
    "musicnn_patches",
    "read_checkpoint",
    *_LAZY,
]


def __getattr__(name):
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'skmer.pretrained' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
