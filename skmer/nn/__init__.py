"""PyTorch networks used by the skmer estimators."""

from .adff import MIN_FRAMES, MIN_MELS, SFLM, ADFFNet, SELayer, TFLMLevel, vgg16_channels
from .damff import CCCLoss, DAMFFNet, DualAttentionFusion, HybridConvBlock
from .tagger import TaggerCNN, tagger_channels

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
    "TaggerCNN",
    "tagger_channels",
    "vgg16_channels",
]
