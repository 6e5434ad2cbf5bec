"""The DAMFF network: dual attention-based multi-scale feature fusion for dynamic MER.

Implements our reading of Zhang, Yang, Zhang and Luo, "Dual attention-based
multi-scale feature fusion approach for dynamic music emotion recognition"
(poster; ``/work/shared/papers/damff-poster.txt``) as a plain
:class:`torch.nn.Module`. The poster gives the building blocks and the
attention formulas but no layer sizes; everything marked *(ours)* below is a
choice of this implementation.

Input: a clip is a sequence of ``n_steps`` log-Mel windows, one per dynamic
label (:class:`skmer.features.SlidingWindows`), shape ``(N, n_steps, 1,
F, M)`` (``F`` frames x ``M`` mel bands per window). Every window goes through
the same CNN; a BiLSTM over the window sequence maps the window features to
valence/arousal per step. Output ``(N, n_steps, n_outputs)``.

Per window:

1. **Hybrid (multi-scale) CNN.** Two levels. Each level runs convolution
   branches with differently shaped kernels in parallel (each Conv2d ->
   BatchNorm -> ReLU) and concatenates them on the channel axis, then
   max-pools 2x2. The branch kinds, as in the poster's "Impact of CNN
   filters" table (kernel sizes *(ours)*, in frames x mel bands):

   ==========  ==========  ============================================
   name        kernel      poster row
   ==========  ==========  ============================================
   ``'tf'``    5 x 5       T-F CNN: a time-frequency patch
   ``'square'`` 3 x 3      Square CNN: small local kernel
   ``'time'``  7 x 1       T-S CNN: time-oriented (temporal) kernel
   ``'freq'``  1 x 7       F-S CNN: frequency-oriented (spectral) kernel
   ==========  ==========  ============================================

   All four together are the poster's "Hybrid CNN" (the default);
   ``filters=('square',)`` etc. give the single-filter rows.

2. **Dual attention feature fusion (DAFF)** of two feature maps of the same
   shape *(our reading of A and B)*: ``A`` is the output of level 2 (larger
   receptive field), ``B`` the output of level 1 brought to the same size
   (2x2 max-pool, 1x1 convolution, BatchNorm; smaller receptive field), so
   that the fusion combines features of two scales, the "different fields
   of view" of the poster's motivation. With ``X = A + B`` (initial
   integration, as in attentional feature fusion, Dai et al. 2021):

   * channel attention ``C = BN(Conv2d_2(ReLU(BN(Conv2d_1(Pool2d(X))))))``,
     ``Pool2d`` a global average over time and frequency, ``Conv2d_1`` a 1x1
     convolution reducing the channels by ``reduction``, ``Conv2d_2`` a 1x1
     convolution back; ``C`` is ``(N, c, 1, 1)``;
   * spatial attention ``S = BN(Conv1d_2(ReLU(BN(Conv1d_1(Pool1d(X))))))``,
     ``Pool1d`` an average over the frequency axis, giving a ``(N, c, T')``
     sequence, ``Conv1d_1`` a kernel-3 convolution along time reducing the
     channels, ``Conv1d_2`` a kernel-1 convolution back; ``S`` is ``(N, c,
     T', 1)``, one weight per channel and time position;
   * ``X' = sigmoid(S + C)`` (broadcast to ``(N, c, T', M')``) and
     ``Z = X' * A + (1 - X') * B``: a soft, position- and channel-wise choice
     between the two scales.

   Ablations (poster table "Ablation Study"): ``use_channel_attention=False``
   drops ``C`` (``X' = sigmoid(S)``), ``use_spatial_attention=False`` drops
   ``S``; without both, ``X' = 1/2`` and ``Z = (A + B) / 2`` (our "w/o DAFF":
   no attention). ``use_fusion=False`` ("w/o fusion strategy") replaces the
   gated fusion by plain concatenation, ``Z = BN(Conv1x1([A; B]))``, and
   builds no attention.

3. **Window embedding** *(ours)*: a 3x3 convolution (BatchNorm, ReLU) on
   ``Z``, then the mean and the maximum over time and frequency, concatenated.

Sequence learning: a bidirectional LSTM over the ``n_steps`` window
embeddings, dropout and a linear layer applied to every step.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import torch
from torch import nn

from .._validation import FINITE_POSITIVE, POSITIVE_INT, UNIT_RATE, validate_arguments
from ._layers import BatchNorm1d, BatchNorm2d

__all__ = [
    "BRANCH_KERNELS",
    "CCCLoss",
    "DAMFFNet",
    "DualAttentionFusion",
    "FILTER_NAMES",
    "HybridConvBlock",
]

#: Kernel shape (frames, mel bands) of each multi-scale branch kind.
BRANCH_KERNELS = {"tf": (5, 5), "square": (3, 3), "time": (7, 1), "freq": (1, 7)}
#: The branch kinds of the "Hybrid CNN", in order.
FILTER_NAMES = tuple(BRANCH_KERNELS)
#: Per-branch channels of the two hybrid levels at ``width=1``.
BASE_CHANNELS = (16, 32)


def check_filters(filters, kernels=None):
    """Validate branch names; return them as a tuple and the kernel table used."""
    kernels = dict(BRANCH_KERNELS if kernels is None else kernels)
    if isinstance(filters, str) or not isinstance(filters, Sequence) or not len(filters):
        raise ValueError(
            f"filters must be a non-empty sequence of names from {list(kernels)}, got {filters!r}"
        )
    unknown = [f for f in filters if f not in kernels]
    if unknown or len(set(filters)) != len(filters):
        raise ValueError(
            f"filters must be distinct names from {list(kernels)}, got {list(filters)!r}"
        )
    for name in filters:
        k = tuple(kernels[name])
        if len(k) != 2 or not all(isinstance(v, numbers.Integral) and v >= 1 and v % 2 for v in k):
            raise ValueError(f"kernel of {name!r} must be two odd positive ints, got {k!r}")
    return tuple(filters), kernels


class HybridConvBlock(nn.Module):
    """Parallel convolution branches with differently shaped kernels, concatenated.

    Parameters
    ----------
    in_channels : int
    branch_channels : int
        Output channels of each branch.
    filters : sequence of str, default=FILTER_NAMES
        Branch kinds, keys of `kernels`.
    kernels : dict or None, default=None
        Name -> (frames, mel bands) odd kernel shape; ``None`` is
        :data:`BRANCH_KERNELS`.

    Attributes
    ----------
    out_channels : int
        ``branch_channels * len(filters)``.
    """

    def __init__(self, in_channels, branch_channels, filters=FILTER_NAMES, kernels=None):
        super().__init__()
        filters, kernels = check_filters(filters, kernels)
        self.filters = filters
        self.branches = nn.ModuleDict()
        for name in filters:
            kt, kf = kernels[name]
            self.branches[name] = nn.Sequential(
                nn.Conv2d(in_channels, branch_channels, (kt, kf), padding=(kt // 2, kf // 2),
                          bias=False),
                BatchNorm2d(branch_channels),
                nn.ReLU(inplace=True),
            )
        self.out_channels = branch_channels * len(filters)

    def forward(self, x):
        """(N, in_channels, T, M) -> (N, out_channels, T, M)."""
        return torch.cat([branch(x) for branch in self.branches.values()], dim=1)


class DualAttentionFusion(nn.Module):
    """DAFF: fuse two feature maps with channel and spatial attention (poster formulas).

    ``X = A + B``; ``C = BN(Conv2d(ReLU(BN(Conv2d(GAP(X))))))``;
    ``S = BN(Conv1d(ReLU(BN(Conv1d(mean_freq(X))))))``;
    ``X' = sigmoid(S + C)``; ``Z = X' * A + (1 - X') * B``. See the module
    documentation for the ablation switches.

    Parameters
    ----------
    channels : int
        Channels ``c`` of ``A`` and ``B``.
    reduction : int, default=4
        Channel reduction of the attention bottlenecks (``max(1, c //
        reduction)`` hidden channels).
    use_channel_attention, use_spatial_attention, use_fusion : bool, default=True
        Ablation switches.
    """

    def __init__(self, channels, reduction=4, use_channel_attention=True,
                 use_spatial_attention=True, use_fusion=True):
        super().__init__()
        hidden = max(1, channels // reduction)
        self.use_fusion = bool(use_fusion)
        self.channel = self.spatial = self.concat = None
        if not self.use_fusion:
            self.concat = nn.Sequential(
                nn.Conv2d(2 * channels, channels, 1, bias=False), BatchNorm2d(channels)
            )
            return
        if use_channel_attention:
            self.channel = nn.Sequential(
                nn.AdaptiveAvgPool2d(1),
                nn.Conv2d(channels, hidden, 1, bias=False),
                BatchNorm2d(hidden),
                nn.ReLU(inplace=True),
                nn.Conv2d(hidden, channels, 1, bias=False),
                BatchNorm2d(channels),
            )
        if use_spatial_attention:
            self.spatial = nn.Sequential(
                nn.Conv1d(channels, hidden, 3, padding=1, bias=False),
                BatchNorm1d(hidden),
                nn.ReLU(inplace=True),
                nn.Conv1d(hidden, channels, 1, bias=False),
                BatchNorm1d(channels),
            )

    def attention(self, x):
        """``X' = sigmoid(S + C)`` for ``X = A + B`` of shape (N, c, T, M).

        Returns
        -------
        weights : torch.Tensor, broadcastable to (N, c, T, M), or None
            ``None`` when both attentions are off (``X' = 1/2``).
        """
        logits = None
        if self.channel is not None:
            logits = self.channel(x)  # (N, c, 1, 1)
        if self.spatial is not None:
            s = self.spatial(x.mean(dim=3))[..., None]  # (N, c, T, 1)
            logits = s if logits is None else logits + s
        return None if logits is None else torch.sigmoid(logits)

    def forward(self, a, b):
        """Fuse ``a`` and ``b``, both (N, c, T, M); returns (N, c, T, M)."""
        if not self.use_fusion:
            return self.concat(torch.cat([a, b], dim=1))
        w = self.attention(a + b)
        if w is None:
            return 0.5 * (a + b)
        return w * a + (1.0 - w) * b


class DAMFFNet(nn.Module):
    """DAMFF: hybrid multi-scale CNN + dual attention fusion per window, BiLSTM over windows.

    Parameters
    ----------
    n_outputs : int, default=2
        Outputs per step (e.g. 2 for [valence, arousal]).
    width : float, default=1.0
        Channel multiplier: each branch of the two hybrid levels has
        ``round(16 * width)`` and ``round(32 * width)`` channels (at least 1),
        so at ``width=1`` with the four filters the levels have 64 and 128
        channels *(ours)*.
    filters : sequence of str, default=('tf', 'square', 'time', 'freq')
        Branch kinds of the hybrid levels (see the module documentation).
    kernels : dict or None, default=None
        Kernel shape per branch kind; ``None`` is :data:`BRANCH_KERNELS`.
    reduction : int, default=4
        Channel reduction of the attention bottlenecks.
    use_fusion, use_channel_attention, use_spatial_attention : bool, default=True
        Ablation switches of :class:`DualAttentionFusion`.
    lstm_hidden : int, default=64
        Hidden size of each direction of the BiLSTM.
    lstm_layers : int, default=2
        Stacked BiLSTM layers.
    dropout : float, default=0.2
        Dropout on the window embeddings and on the BiLSTM output, in ``[0, 1)``.

    Attributes
    ----------
    embedding_features : int
        Size of a window embedding (twice the fused channels).

    Notes
    -----
    Input ``(N, n_steps, 1, F, M)`` float, any ``F, M >= 1`` (the 2x2
    max-pools round up); output ``(N, n_steps, n_outputs)`` float32. Steps
    are processed as one batch of ``N * n_steps`` windows by the CNN.
    """

    _parameter_constraints = {
        "n_outputs": [POSITIVE_INT],
        "width": [FINITE_POSITIVE],
        "reduction": [POSITIVE_INT],
        "use_fusion": ["boolean"],
        "use_channel_attention": ["boolean"],
        "use_spatial_attention": ["boolean"],
        "lstm_hidden": [POSITIVE_INT],
        "lstm_layers": [POSITIVE_INT],
        "dropout": [UNIT_RATE],
    }

    def __init__(
        self,
        n_outputs=2,
        width=1.0,
        filters=FILTER_NAMES,
        kernels=None,
        reduction=4,
        use_fusion=True,
        use_channel_attention=True,
        use_spatial_attention=True,
        lstm_hidden=64,
        lstm_layers=2,
        dropout=0.2,
    ):
        super().__init__()
        validate_arguments(type(self)._parameter_constraints, {
            "n_outputs": n_outputs, "width": width, "reduction": reduction,
            "use_fusion": use_fusion, "use_channel_attention": use_channel_attention,
            "use_spatial_attention": use_spatial_attention, "lstm_hidden": lstm_hidden,
            "lstm_layers": lstm_layers, "dropout": dropout,
        }, type(self).__name__)
        filters, kernels = check_filters(filters, kernels)
        self.n_outputs = int(n_outputs)
        self.filters = filters
        b1, b2 = (max(1, int(round(c * width))) for c in BASE_CHANNELS)

        self.level1 = HybridConvBlock(1, b1, filters, kernels)
        self.level2 = HybridConvBlock(self.level1.out_channels, b2, filters, kernels)
        c1, c2 = self.level1.out_channels, self.level2.out_channels
        self.pool = nn.MaxPool2d(2, ceil_mode=True)
        self.to_b = nn.Sequential(nn.Conv2d(c1, c2, 1, bias=False), BatchNorm2d(c2))
        self.fusion = DualAttentionFusion(
            c2,
            reduction=int(reduction),
            use_channel_attention=use_channel_attention,
            use_spatial_attention=use_spatial_attention,
            use_fusion=use_fusion,
        )
        self.post = nn.Sequential(
            nn.Conv2d(c2, c2, 3, padding=1, bias=False), BatchNorm2d(c2), nn.ReLU(inplace=True)
        )
        self.embedding_features = 2 * c2
        self.dropout = nn.Dropout(dropout)
        self.lstm = nn.LSTM(
            self.embedding_features,
            int(lstm_hidden),
            num_layers=int(lstm_layers),
            batch_first=True,
            bidirectional=True,
            dropout=dropout if lstm_layers > 1 else 0.0,
        )
        self.out = nn.Linear(2 * int(lstm_hidden), self.n_outputs)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Conv1d)):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")

    @staticmethod
    def check_input_shape(shape):
        """Raise a ValueError unless `shape` is ``(N, n_steps, 1, F, M)`` with no zero size."""
        shape = tuple(int(s) for s in shape)
        if len(shape) != 5 or shape[2] != 1 or min(shape[1:]) < 1:
            raise ValueError(
                "DAMFF expects window sequences of shape (n_clips, n_steps, 1, n_frames, n_mels) "
                f"with no empty axis (SlidingWindows output); got shape {shape}"
            )

    def embed(self, x):
        """Window embeddings.

        Parameters
        ----------
        x : torch.Tensor, shape (N, n_steps, 1, F, M)

        Returns
        -------
        e : torch.Tensor, shape (N, n_steps, embedding_features)
        """
        self.check_input_shape(x.shape)
        n, steps = x.shape[:2]
        w = x.reshape(n * steps, *x.shape[2:]).float()
        h1 = self.pool(self.level1(w))  # (NS, c1, F/2, M/2)
        a = self.pool(self.level2(h1))  # (NS, c2, F/4, M/4)
        b = self.to_b(self.pool(h1))  # (NS, c2, F/4, M/4)
        z = self.post(self.fusion(a, b))
        e = torch.cat([z.mean(dim=(2, 3)), z.amax(dim=(2, 3))], dim=1)
        return e.reshape(n, steps, -1)

    def forward(self, x):
        """Predict per-step outputs.

        Parameters
        ----------
        x : torch.Tensor, shape (N, n_steps, 1, F, M)
            Log-Mel windows, one per label.

        Returns
        -------
        y : torch.Tensor, shape (N, n_steps, n_outputs), float32
        """
        e = self.dropout(self.embed(x))
        h, _ = self.lstm(e)
        return self.out(self.dropout(h))


class CCCLoss(nn.Module):
    """``1 - CCC``, averaged over outputs: a loss that optimises the reported metric.

    Lin's concordance correlation coefficient per output is computed over
    all steps of all clips of the batch (population moments), as
    :func:`skmer.metrics.ccc` does over a data set. Usable as
    ``DAMFFRegressor(criterion=CCCLoss)``; batches should hold several clips.

    Parameters
    ----------
    eps : float, default=1e-8
        Added to the denominator.
    """

    def __init__(self, eps=1e-8):
        super().__init__()
        self.eps = float(eps)

    def forward(self, y_pred, y_true):
        """Loss of predictions against targets of the same shape ``(..., n_outputs)``."""
        p = y_pred.reshape(-1, y_pred.shape[-1]).float()
        t = y_true.reshape(-1, y_true.shape[-1]).float()
        mp, mt = p.mean(dim=0), t.mean(dim=0)
        vp, vt = p.var(dim=0, unbiased=False), t.var(dim=0, unbiased=False)
        cov = ((p - mp) * (t - mt)).mean(dim=0)
        ccc = 2.0 * cov / (vp + vt + (mp - mt) ** 2 + self.eps)
        return 1.0 - ccc.mean()
