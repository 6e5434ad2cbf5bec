"""A deep CNN on log-Mel spectrograms for emotion tagging.

Follows the idea of "CNN based music emotion classification" (abstract:
``/work/shared/papers/cnn-tagger-abstract.txt``): a deep convolutional network
learns from the spectrogram itself (no hand-crafted features) to predict the
emotion tags of a clip, evaluated on CAL500 / CAL500exp. The abstract gives no
architecture; this one *(ours)* is a VGG-style stack:

* ``n_blocks`` blocks of two 3x3 convolutions (each BatchNorm -> ReLU)
  followed by a 2x2 max-pool (rounding up, so any input size works); block
  ``b`` has ``round(32 * 2**b * width)`` channels (32, 64, 128, 256 at
  ``width=1`` and 4 blocks);
* the mean and the maximum of the last feature map over time and frequency,
  concatenated;
* a hidden fully connected layer (ReLU, dropout) and one output logit per
  tag (multi-label: sigmoid) or per class (single-label: softmax), applied by
  the estimator / loss, not here.

Input ``(N, in_channels, T, M)`` (``LogMelTransformer`` output has one
channel), output ``(N, n_outputs)`` logits, float32.
"""

from __future__ import annotations

import torch
from torch import nn

from .._validation import FINITE_POSITIVE, POSITIVE_INT, UNIT_RATE, validate_arguments
from ._layers import BatchNorm2d

__all__ = ["TaggerCNN", "tagger_channels"]

#: Channels of the first block at ``width=1``; each block doubles them.
BASE_CHANNELS = 32


def tagger_channels(n_blocks, width):
    """Channels of each block: ``max(1, round(32 * 2**b * width))`` for ``b < n_blocks``."""
    return tuple(max(1, int(round(BASE_CHANNELS * 2**b * width))) for b in range(n_blocks))


class TaggerCNN(nn.Module):
    """VGG-style CNN over log-Mel spectrograms with one logit per tag or class.

    Parameters
    ----------
    n_outputs : int, default=1
        Output logits: tags (multi-label) or classes (single-label).
    in_channels : int, default=1
        Input channels (1 for ``LogMelTransformer`` output).
    width : float, default=1.0
        Channel multiplier (see :func:`tagger_channels`).
    n_blocks : int, default=4
        Convolution blocks (two 3x3 convolutions and a 2x2 max-pool each).
    dropout : float, default=0.3
        Dropout before each fully connected layer, in ``[0, 1)``.

    Attributes
    ----------
    channels : tuple of int
        Channels of each block.
    """

    _parameter_constraints = {
        "n_outputs": [POSITIVE_INT],
        "in_channels": [POSITIVE_INT],
        "width": [FINITE_POSITIVE],
        "n_blocks": [POSITIVE_INT],
        "dropout": [UNIT_RATE],
    }

    def __init__(self, n_outputs=1, in_channels=1, width=1.0, n_blocks=4, dropout=0.3):
        super().__init__()
        validate_arguments(type(self)._parameter_constraints, {
            "n_outputs": n_outputs, "in_channels": in_channels, "width": width,
            "n_blocks": n_blocks, "dropout": dropout,
        }, type(self).__name__)
        self.n_outputs = int(n_outputs)
        self.in_channels = int(in_channels)
        self.channels = tagger_channels(int(n_blocks), width)
        layers, c_in = [], self.in_channels
        for c in self.channels:
            for _ in range(2):
                layers += [
                    nn.Conv2d(c_in, c, 3, padding=1, bias=False),
                    BatchNorm2d(c),  # tolerates one value per channel in training
                    nn.ReLU(inplace=True),
                ]
                c_in = c
            layers.append(nn.MaxPool2d(2, ceil_mode=True))
        self.features = nn.Sequential(*layers)
        c = self.channels[-1]
        self.head = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(2 * c, c),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(c, self.n_outputs),
        )
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    def embed(self, x):
        """Pooled features ``(N, 2 * channels[-1])`` of spectrograms ``(N, C, T, M)``."""
        if x.dim() != 4 or x.shape[1] != self.in_channels or min(x.shape[2:]) < 1:
            raise ValueError(
                f"TaggerCNN expects spectrograms of shape (n_clips, {self.in_channels}, "
                f"n_frames, n_mels); got shape {tuple(x.shape)}"
            )
        h = self.features(x.float())
        return torch.cat([h.mean(dim=(2, 3)), h.amax(dim=(2, 3))], dim=1)

    def forward(self, x):
        """Logits ``(N, n_outputs)`` of spectrograms ``(N, in_channels, T, M)``."""
        return self.head(self.embed(x))
