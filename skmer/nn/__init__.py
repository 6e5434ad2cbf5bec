"""PyTorch networks used by the skmer estimators."""

from .adff import MIN_FRAMES, MIN_MELS, SFLM, ADFFNet, SELayer, TFLMLevel, vgg16_channels

__all__ = ["ADFFNet", "MIN_FRAMES", "MIN_MELS", "SELayer", "SFLM", "TFLMLevel", "vgg16_channels"]
