"""PyTorch networks used by the skmer estimators."""

from .adff import MIN_FRAMES, MIN_MELS, SFLM, ADFFNet, SELayer, TFLMLevel, vgg16_channels
from .damff import CCCLoss, DAMFFNet, DualAttentionFusion, HybridConvBlock

__all__ = [
    "ADFFNet",
    "CCCLoss",
    "DAMFFNet",
    "DualAttentionFusion",
    "HybridConvBlock",
    "MIN_FRAMES",
    "MIN_MELS",
    "SELayer",
    "SFLM",
    "TFLMLevel",
    "vgg16_channels",
]
