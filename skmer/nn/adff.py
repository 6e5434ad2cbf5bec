"""The ADFF network: attention-based deep feature fusion for music emotion recognition.

Implements the model of Huang et al., "ADFF: Attention Based Deep Feature
Fusion Approach for Music Emotion Recognition" (Interspeech 2022) as a plain
:class:`torch.nn.Module`:

* **SFLM** (spatial feature learning module, paper section 2.2.1): the five
  convolutional blocks of VGG16 with BatchNorm + ReLU at the end of each block,
  producing the multi-level feature maps ``S_1 .. S_5``;
* **TFLM** (temporal feature learning module, section 2.2.2): per level a
  squeeze-and-excitation (SE) channel attention (eq. 2-4) followed by a 2-layer
  bidirectional LSTM over the time axis, giving the per-level summary ``E_N``;
* **fusion and prediction** (section 2.3): ``E = [E_1, .., E_5]`` goes through
  fully connected layers, a feed-forward layer and an output layer with one
  unit per regression target (1 or 2) or per class (logits).

The input is a stack of log-mel segments ``(N, seg_num, T, M)`` (time frames x
mel bands per segment) as produced by ``LogMelTransformer`` followed by
``SegmentStacker``; the ``seg_num`` segments are the input channels
(paper section 2.1).

One module for one network: SFLM, SE, TFLM and the fusion head are the paper's parts
of a single model and are only used together.
"""

from __future__ import annotations

import contextlib
import numbers

import torch
from torch import nn

from .._validation import (
    FINITE_POSITIVE,
    POSITIVE_INT,
    UNIT_RATE,
    IntSequence,
    StrOptions,
    validate_arguments,
)

__all__ = [
    "ADFFNet",
    "MIN_FRAMES",
    "FREQ_POOLINGS",
    "LSTM_SUMMARIES",
    "MIN_MELS",
    "PRECISIONS",
    "SELayer",
    "SFLM",
    "TFLMLevel",
    "vgg16_channels",
]

#: Output channels of the five VGG16 convolutional blocks at ``width=1``.
VGG16_CHANNELS = (64, 128, 256, 512, 512)
#: Number of 3x3 convolutions in each VGG16 block.
VGG16_CONVS = (2, 2, 3, 3, 3)
#: Each of the five blocks ends with a 2x2 max-pool, so at least 2**5 frames
#: and mel bands per segment are needed for the last level to be non-empty.
MIN_FRAMES = 2 ** len(VGG16_CONVS)
MIN_MELS = 2 ** len(VGG16_CONVS)
#: Accepted values of ``precision``.
PRECISIONS = ("fp32", "bf16")
#: Accepted values of ``lstm_summary``.
LSTM_SUMMARIES = ("last", "mean")
#: Accepted values of ``freq_pooling``.
FREQ_POOLINGS = ("mean", "flatten")


def vgg16_channels(width):
    """Channel counts of the five SFLM levels for a width multiplier.

    Parameters
    ----------
    width : float
        Channel multiplier; ``1.0`` gives VGG16's ``(64, 128, 256, 512, 512)``.

    Returns
    -------
    channels : tuple of int, length 5
        ``max(1, round(c * width))`` for each VGG16 block.
    """
    return tuple(max(1, int(round(c * width))) for c in VGG16_CHANNELS)


def check_input_shape(shape, seg_num=None):
    """Raise a ValueError if an input shape cannot go through the network.

    Parameters
    ----------
    shape : tuple of int
        Shape of the input, expected ``(N, seg_num, T, M)``.
    seg_num : int or None
        Expected number of input channels (segments); ``None`` skips that check.

    Raises
    ------
    ValueError
        If the input is not 4-D, has the wrong number of segments, or has fewer
        than :data:`MIN_FRAMES` frames or :data:`MIN_MELS` mel bands per segment.
    """
    shape = tuple(int(s) for s in shape)
    if len(shape) != 4:
        raise ValueError(
            f"ADFF expects a 4-D input (n_clips, seg_num, n_frames, n_mels); got shape {shape}"
        )
    if seg_num is not None and shape[1] != seg_num:
        raise ValueError(
            f"ADFF was built for seg_num={seg_num} input channels (segments) but got "
            f"{shape[1]} in input of shape {shape}"
        )
    if shape[2] < MIN_FRAMES or shape[3] < MIN_MELS:
        raise ValueError(
            f"ADFF needs at least {MIN_FRAMES} frames and {MIN_MELS} mel bands per segment "
            f"(its five 2x2 max-poolings halve both axes five times); got input of shape "
            f"{shape} = (n_clips, seg_num, n_frames={shape[2]}, n_mels={shape[3]})"
        )


class SFLM(nn.Module):
    """Spatial feature learning module: the five conv blocks of VGG16.

    Each level ``N`` is ``k`` 3x3 convolutions (padding 1, stride 1; ReLU
    between them as in VGG16), then BatchNorm and ReLU at the end of the level
    (the paper's adaptation, section 2.2.1) and a 2x2 max-pool (stride 2,
    floor). ``k`` is ``(2, 2, 3, 3, 3)`` and the channels
    ``(64, 128, 256, 512, 512) * width``.

    Parameters
    ----------
    in_channels : int
        Number of input channels, i.e. ``seg_num``.
    width : float, default=1.0
        Channel multiplier, see :func:`vgg16_channels`.

    Attributes
    ----------
    channels : tuple of int
        Output channels ``C_1 .. C_5`` of the five levels.
    levels : torch.nn.ModuleList
        The five blocks.
    """

    def __init__(self, in_channels, width=1.0):
        super().__init__()
        self.channels = vgg16_channels(width)
        levels = []
        c_in = in_channels
        for n_convs, c_out in zip(VGG16_CONVS, self.channels):
            layers = []
            for i in range(n_convs):
                layers.append(nn.Conv2d(c_in, c_out, kernel_size=3, padding=1))
                c_in = c_out
                if i < n_convs - 1:
                    layers.append(nn.ReLU(inplace=True))
            layers += [
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
                nn.MaxPool2d(kernel_size=2, stride=2),
            ]
            levels.append(nn.Sequential(*layers))
        self.levels = nn.ModuleList(levels)

    def forward(self, x):
        """Compute the five level outputs.

        Parameters
        ----------
        x : torch.Tensor, shape (N, seg_num, T, M)
            Stacked log-mel segments (time frames x mel bands).

        Returns
        -------
        maps : list of torch.Tensor
            ``S_n`` of shape ``(N, C_n, T // 2**n, M // 2**n)`` for ``n = 1..5``.
        """
        maps = []
        for level in self.levels:
            x = level(x)
            maps.append(x)
        return maps


class SELayer(nn.Module):
    """Squeeze-and-excitation channel attention (paper eq. 2-4, Hu et al. 2018).

    ``z = mean_{h,w} S`` (squeeze), ``a = sigmoid(W2 relu(W1 z))`` (excitation,
    ``W1`` reduces ``C`` to ``max(1, C // reduction)``), ``S_hat = a * S``
    (channel-wise rescaling).

    Parameters
    ----------
    channels : int
        Number of channels ``C`` of the feature map.
    reduction : int, default=16
        Reduction ratio of the excitation bottleneck.
    """

    def __init__(self, channels, reduction=16):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.fc = nn.Sequential(
            nn.Linear(channels, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, channels),
            nn.Sigmoid(),
        )

    def forward(self, s):
        """Rescale the channels of ``s``.

        Parameters
        ----------
        s : torch.Tensor, shape (N, C, H, W)

        Returns
        -------
        s_hat : torch.Tensor, shape (N, C, H, W)
        """
        z = s.mean(dim=(2, 3))
        a = self.fc(z)
        return s * a[:, :, None, None].to(s.dtype)


class TFLMLevel(nn.Module):
    """Temporal feature learning for one SFLM level: SE attention + 2-layer BiLSTM.

    **Feature map to sequence.** A level output ``S_N`` of shape
    ``(N, C, H, W)`` (``H`` = time, ``W`` = mel) becomes a sequence of ``H``
    time steps (:meth:`to_sequence`):

    * ``freq_pooling='mean'``: ``C`` features per step, the mean over the mel
      axis. Small LSTM inputs and any number of mel bands >= 32, but the
      convolutions are translation-invariant along frequency, so after the
      mean the network can hardly tell *where* in the spectrum a pattern is
      (bass from treble, a bright from a dark timbre).
    * ``freq_pooling='flatten'``: ``C * W`` features per step, the channels of
      every mel bin (``W = n_mels // 2**N``), which keeps the frequency
      position; the network is then built for one number of mel bands
      (512 features per step at every level at width 1/8 with 128 bands;
      up to 4096 at full width).

    **Summary.** With ``summary='last'``, ``E_N`` is the concatenation of the
    last layer's final forward hidden state (after the last time step) and
    final backward hidden state (after the first time step), ``2 * hidden``
    features. With ``summary='mean'`` it is the mean over time of the last
    layer's outputs (both directions): every time step then receives gradient
    directly, which trains faster on small data than the final states of
    sequences of 60-500 steps.

    Parameters
    ----------
    channels : int
        Channels ``C`` of the level's feature map.
    hidden : int
        Hidden size of each LSTM direction.
    use_se : bool, default=True
        Apply SE attention before the BiLSTM (``False`` is the paper's
        "w/o SE" ablation).
    se_reduction : int, default=16
        SE reduction ratio.
    summary : {'last', 'mean'}, default='last'
        How the BiLSTM output sequence becomes ``E_N`` (see above).
    freq_pooling : {'mean', 'flatten'}, default='mean'
        How the mel axis is removed (see above).
    n_freq : int or None, default=None
        Mel bins ``W`` of the level's map; required with ``'flatten'``.
    """

    def __init__(self, channels, hidden, use_se=True, se_reduction=16, summary="last",
                 freq_pooling="mean", n_freq=None):
        super().__init__()
        if summary not in LSTM_SUMMARIES:
            raise ValueError(f"summary must be one of {LSTM_SUMMARIES}, got {summary!r}")
        if freq_pooling not in FREQ_POOLINGS:
            raise ValueError(
                f"freq_pooling must be one of {FREQ_POOLINGS}, got {freq_pooling!r}"
            )
        if freq_pooling == "flatten" and not (isinstance(n_freq, numbers.Integral)
                                               and n_freq >= 1):
            raise ValueError(f"n_freq (required by freq_pooling='flatten') must be a positive "
                             f"integer, got {n_freq!r}")
        self.summary = summary
        self.freq_pooling = freq_pooling
        self.n_freq = None if n_freq is None else int(n_freq)
        self.se = SELayer(channels, se_reduction) if use_se else None
        self.lstm = nn.LSTM(
            input_size=channels * (self.n_freq if freq_pooling == "flatten" else 1),
            hidden_size=hidden,
            num_layers=2,
            batch_first=True,
            bidirectional=True,
        )
        self.out_features = 2 * hidden

    def to_sequence(self, s):
        """Turn a feature map into a time sequence (the one place this happens).

        Parameters
        ----------
        s : torch.Tensor, shape (N, C, H, W)
            Feature map, ``H`` time steps, ``W`` mel bins.

        Returns
        -------
        seq : torch.Tensor, shape (N, H, C) or (N, H, C * W), float32
            Mel-averaged (``'mean'``) or per-bin (``'flatten'``) features per
            time step.

        Notes
        -----
        The average is taken in the map's own dtype (bfloat16 under
        ``precision='bf16'``; the reduction accumulates in float32) and cast
        afterwards. Casting first makes autograd hand the SFLM a gradient in a
        different dtype and memory format from the main path, which made a
        full-width bf16 + channels-last training step ~1.5x slower.
        """
        if self.freq_pooling == "flatten":
            if s.shape[3] != self.n_freq:
                raise ValueError(
                    f"this ADFF level was built for {self.n_freq} mel bins (freq_pooling="
                    f"'flatten') but got a map of shape {tuple(s.shape)}; the input must have "
                    "the number of mel bands the network was built for"
                )
            n, c, h, w = s.shape
            return s.permute(0, 2, 1, 3).reshape(n, h, c * w).float()
        return s.mean(dim=3).float().transpose(1, 2)

    def forward(self, s):
        """Compute ``E_N``.

        Parameters
        ----------
        s : torch.Tensor, shape (N, C, H, W)

        Returns
        -------
        e : torch.Tensor, shape (N, 2 * hidden), float32
        """
        if self.se is not None:
            s = self.se(s)
        seq = self.to_sequence(s)
        # The LSTM runs in float32 even under bf16 autocast: it is a small
        # share of the FLOPs and its recurrence is sensitive to rounding.
        with _autocast_off(seq.device.type):
            out, (h_n, _) = self.lstm(seq)
        if self.summary == "mean":
            return out.mean(dim=1)
        # h_n: (num_layers * 2, N, hidden); the last two rows are the top
        # layer's forward and backward final states.
        return torch.cat([h_n[-2], h_n[-1]], dim=1)


def _autocast_off(device_type):
    if torch.is_autocast_enabled(device_type):
        return torch.autocast(device_type=device_type, enabled=False)
    return contextlib.nullcontext()


class ADFFNet(nn.Module):
    """ADFF network: VGG16 feature levels, SE + BiLSTM per level, fused regression/logits.

    Parameters
    ----------
    seg_num : int, default=1
        Number of input channels: the segments a clip's spectrogram was cut
        into (paper section 2.1; the paper settles on 6 for 20 s clips).
    n_outputs : int, default=1
        Output units: 1 or 2 regression targets (e.g. valence and arousal),
        or the number of classes (the output are logits).
    width : float, default=1.0
        Channel multiplier of the VGG16 levels (``1.0`` = VGG16's 64..512
        channels; each level keeps at least 1 channel).
    lstm_hidden : int, default=64
        Hidden size of each direction of the per-level BiLSTMs; each level
        contributes ``2 * lstm_hidden`` features to the fusion.
    fc_sizes : sequence of int, default=(256, 64)
        Sizes of the fully connected layers (each Linear -> ReLU -> Dropout)
        applied to the fused features. The feed-forward layer that follows has
        ``fc_sizes[-1]`` units (or the fused size when ``fc_sizes`` is empty).
    dropout : float, default=0.2
        Dropout probability after each fully connected layer, in ``[0, 1)``.
    se_reduction : int, default=16
        Reduction ratio of the SE attention.
    use_se : bool, default=True
        Use SE attention in the TFLM (``False``: paper Table 1 "w/o SE").
    use_tflm : bool, default=True
        Use SE + BiLSTM per level. ``False`` (paper Table 1 "w/o TFLM")
        replaces each level's TFLM by global average pooling, ``E_N = mean_{h,w} S_N``.
    precision : {'fp32', 'bf16'}, default='fp32'
        ``'bf16'`` runs convolutions and linear layers under
        :func:`torch.autocast` with bfloat16 (parameters stay float32); the
        BiLSTMs and the output stay float32.
    channels_last : bool, default=False
        Keep convolution weights and activations in channels-last
        (NHWC) memory format, usually faster on CPU, especially with bf16.
    lstm_summary : {'last', 'mean'}, default='last'
        How each level's BiLSTM output becomes ``E_N``: final states
        (``'last'``) or mean over time (``'mean'``), see :class:`TFLMLevel`.
    freq_pooling : {'mean', 'flatten'}, default='mean'
        How each level's map loses its mel axis before the BiLSTM (or the
        global pooling of ``use_tflm=False``): mean over the mel bins, or their
        channels side by side, which keeps the frequency position (see
        :class:`TFLMLevel`).
    n_mels : int or None, default=None
        Number of mel bands of the input. Required with ``input_norm=True``
        or ``freq_pooling='flatten'``.
    input_norm : bool, default=False
        Standardise the input per mel band, ``(x - input_mean) / input_std``,
        before the first convolution. ``input_mean`` and ``input_std`` are
        buffers of shape ``(n_mels,)`` (saved with the weights), initialised
        to 0 and 1; the estimators set them from the training data at ``fit``.
    levels : sequence of int or None, default=None
        ``None``: the input is a log-mel stack and the SFLM (VGG16, trained
        with the rest) computes the five levels. A sequence of ints: the input
        ``(N, 1, T, sum(levels))`` already holds per-level features of ``T``
        time steps side by side on its last axis, e.g. the pretrained musicnn
        levels of :class:`skmer.pretrained.MusicnnLevels`, with these widths;
        there is no SFLM, and level ``n`` (a ``(N, levels[n], T, 1)`` map) goes
        through its own TFLM. ``width``, ``channels_last`` and
        ``freq_pooling`` then have no effect, and ``T`` may be any length.

    Attributes
    ----------
    sflm : SFLM
        The convolutional levels.
    tflm : torch.nn.ModuleList of TFLMLevel or None
        One temporal module per level (``None`` when ``use_tflm=False``).
    fusion_features : int
        Size of the concatenated ``E = [E_1 .. E_5]``.
    head : torch.nn.Sequential
        FC layers, the feed-forward layer (Linear -> ReLU) and the output layer.

    Notes
    -----
    Input shape ``(N, seg_num, T, M)`` with ``T >= 32`` frames and ``M >= 32``
    mel bands per segment (five 2x2 max-poolings); the network accepts any
    such ``T`` and ``M``, the parameters do not depend on them. With
    ``levels``: ``(N, 1, T, sum(levels))``, any ``T >= 1``. Output shape
    ``(N, n_outputs)``, float32.
    """

    _parameter_constraints = {
        "seg_num": [POSITIVE_INT],
        "n_outputs": [POSITIVE_INT],
        "width": [FINITE_POSITIVE],
        "lstm_hidden": [POSITIVE_INT],
        "fc_sizes": [IntSequence(1)],
        "dropout": [UNIT_RATE],
        "se_reduction": [POSITIVE_INT],
        "use_se": ["boolean"],
        "use_tflm": ["boolean"],
        "precision": [StrOptions(set(PRECISIONS))],
        "channels_last": ["boolean"],
        "lstm_summary": [StrOptions(set(LSTM_SUMMARIES))],
        "freq_pooling": [StrOptions(set(FREQ_POOLINGS))],
        "n_mels": [None, POSITIVE_INT],
        "input_norm": ["boolean"],
        "levels": [None, IntSequence(1)],
    }

    def __init__(
        self,
        seg_num=1,
        n_outputs=1,
        width=1.0,
        lstm_hidden=64,
        fc_sizes=(256, 64),
        dropout=0.2,
        se_reduction=16,
        use_se=True,
        use_tflm=True,
        precision="fp32",
        channels_last=False,
        lstm_summary="last",
        freq_pooling="mean",
        n_mels=None,
        input_norm=False,
        levels=None,
    ):
        super().__init__()
        validate_arguments(type(self)._parameter_constraints, {
            "seg_num": seg_num, "n_outputs": n_outputs, "width": width,
            "lstm_hidden": lstm_hidden, "fc_sizes": fc_sizes, "dropout": dropout,
            "se_reduction": se_reduction, "use_se": use_se, "use_tflm": use_tflm,
            "precision": precision, "channels_last": channels_last,
            "lstm_summary": lstm_summary, "freq_pooling": freq_pooling, "n_mels": n_mels,
            "input_norm": input_norm, "levels": levels,
        }, type(self).__name__)
        if levels is not None:
            if not len(levels):
                raise ValueError("levels must be None or a non-empty sequence of level widths")
            if seg_num != 1:
                raise ValueError(f"levels needs seg_num=1 (one input channel), got {seg_num}")
            levels = tuple(int(c) for c in levels)
            freq_pooling = "mean"  # each level map has one bin: mean and flatten agree
            if input_norm and n_mels != sum(levels):
                raise ValueError(f"n_mels must be sum(levels) = {sum(levels)} with levels, "
                                 f"got {n_mels}")
        if (input_norm or freq_pooling == "flatten") and n_mels is None:
            raise ValueError("n_mels (the input's mel bands) is required by input_norm=True "
                             "and freq_pooling='flatten'")
        if (input_norm or freq_pooling == "flatten") and levels is None and n_mels < MIN_MELS:
            raise ValueError(f"n_mels must be at least {MIN_MELS}, got {n_mels}")
        self.freq_pooling = freq_pooling
        n_freqs = [None] * len(VGG16_CONVS)
        if freq_pooling == "flatten":
            n_freqs = [int(n_mels) // 2 ** (k + 1) for k in range(len(VGG16_CONVS))]

        self.seg_num = int(seg_num)
        self.n_outputs = int(n_outputs)
        self.precision = precision
        self.channels_last = bool(channels_last)
        self.input_norm = bool(input_norm)
        if self.input_norm:
            self.register_buffer("input_mean", torch.zeros(int(n_mels)))
            self.register_buffer("input_std", torch.ones(int(n_mels)))

        self.levels = levels
        if levels is None:
            self.sflm = SFLM(self.seg_num, width)
            channels = self.sflm.channels
        else:
            self.sflm = None
            self.channels_last = False
            channels = levels
            n_freqs = [None] * len(levels)
        if use_tflm:
            self.tflm = nn.ModuleList(
                TFLMLevel(c, int(lstm_hidden), use_se=use_se, se_reduction=int(se_reduction),
                          summary=lstm_summary, freq_pooling=freq_pooling, n_freq=w)
                for c, w in zip(channels, n_freqs)
            )
            self.fusion_features = sum(t.out_features for t in self.tflm)
        else:
            self.tflm = None
            self.fusion_features = sum(
                c * (w if freq_pooling == "flatten" else 1) for c, w in zip(channels, n_freqs)
            )

        layers = []
        d = self.fusion_features
        for size in fc_sizes:
            layers += [nn.Linear(d, int(size)), nn.ReLU(inplace=True), nn.Dropout(dropout)]
            d = int(size)
        layers += [nn.Linear(d, d), nn.ReLU(inplace=True)]  # feed-forward layer
        layers.append(nn.Linear(d, self.n_outputs))  # output layer
        self.head = nn.Sequential(*layers)

        self._init_weights()
        if self.channels_last:
            self.sflm.to(memory_format=torch.channels_last)

    def _init_weights(self):
        if self.sflm is None:
            return
        # As torchvision's VGG: He-normal (fan_out) convolutions, zero biases.
        for m in self.sflm.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)

    def _autocast(self, device_type):
        if self.precision == "bf16":
            return torch.autocast(device_type=device_type, dtype=torch.bfloat16)
        return contextlib.nullcontext()

    def features(self, x):
        """Fused multi-level features ``E = [E_1 .. E_5]``.

        Parameters
        ----------
        x : torch.Tensor, shape (N, seg_num, T, M)
            Stacked log-mel segments, ``T >= 32`` frames, ``M >= 32`` mel bands.

        Returns
        -------
        e : torch.Tensor, shape (N, fusion_features), float32
        """
        if self.levels is None:
            check_input_shape(x.shape, self.seg_num)
        elif x.dim() != 4 or x.shape[1] != 1 or x.shape[3] != sum(self.levels):
            raise ValueError(
                f"this ADFF takes precomputed levels of widths {self.levels}: input of shape "
                f"(n_clips, 1, n_steps, {sum(self.levels)}); got {tuple(x.shape)}"
            )
        x = x.float()
        if self.input_norm:
            if x.shape[3] != self.input_mean.shape[0]:
                raise ValueError(
                    f"ADFF was built for {self.input_mean.shape[0]} mel bands (input_norm) but "
                    f"got {x.shape[3]} in input of shape {tuple(x.shape)}"
                )
            x = (x - self.input_mean) / self.input_std
        if self.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        with self._autocast(x.device.type):
            maps = self.sflm(x) if self.sflm is not None else self._level_maps(x)
            if self.tflm is None:
                parts = [self._global_pool(s) for s in maps]
            else:
                parts = [t(s) for t, s in zip(self.tflm, maps)]
        return torch.cat(parts, dim=1)

    def _level_maps(self, x):
        """Precomputed levels ``(N, 1, T, sum(levels))`` -> maps ``(N, levels[n], T, 1)``."""
        maps, start = [], 0
        for width in self.levels:
            maps.append(x[:, 0, :, start:start + width].transpose(1, 2).unsqueeze(3))
            start += width
        return maps

    def _global_pool(self, s):
        """``use_tflm=False``: mean over time (and over mel unless 'flatten')."""
        if self.freq_pooling == "flatten":
            return s.mean(dim=2).float().flatten(1)
        return s.mean(dim=(2, 3)).float()

    def forward(self, x):
        """Predict regression targets or class logits.

        Parameters
        ----------
        x : torch.Tensor, shape (N, seg_num, T, M)
            Stacked log-mel segments, ``T >= 32`` frames, ``M >= 32`` mel bands.

        Returns
        -------
        y : torch.Tensor, shape (N, n_outputs), float32
            Regression outputs, or unnormalised class logits.

        Raises
        ------
        ValueError
            If ``x`` is not 4-D, has a number of channels other than
            ``seg_num``, or has fewer than 32 frames or 32 mel bands.
        """
        e = self.features(x)
        with self._autocast(e.device.type):
            y = self.head(e)
        return y.float()

