"""PyTorch re-implementation of musicnn's two architectures (Pons & Serra, 2019).

Mirrors ``musicnn/models.py`` (``build_musicnn`` and ``vgg``) layer by layer in
inference mode: TensorFlow's NHWC tensors become NCHW, 'same' padding is
reproduced with TensorFlow's asymmetric rule (the extra row goes after), and
batch normalisation uses TensorFlow's epsilon of 1e-3. Weights come from
:func:`skmer.pretrained.load_musicnn_weights` (named as in the checkpoint).

Input: log-mel patches ``(batch, 187, 96)`` (time by mel), as musicnn makes
them (see :func:`skmer.pretrained.musicnn_mel`).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["Musicnn", "MusicnnVGG", "build_network"]

_BN_EPS = 1e-3


class _BN(nn.BatchNorm1d):
    """Batch norm over dim 1 of any-rank input, TensorFlow's epsilon and momentum (0.99)."""

    def __init__(self, n):
        super().__init__(n, eps=_BN_EPS, momentum=0.01)

    def _check_input_dim(self, x):
        pass

    def forward(self, x):
        if x.dim() == 2 or x.dim() == 3:
            return super().forward(x)
        shape = x.shape
        return super().forward(x.reshape(shape[0], shape[1], -1)).reshape(shape)


def _tf_same_pad(kernel):
    total = kernel - 1
    return total // 2, total - total // 2


class Musicnn(nn.Module):
    """musicnn: musically motivated front end, dense mid end, temporal-pooling back end.

    ``forward(x)`` returns the logits; :meth:`features` returns every named
    output of the original (``timbral``, ``temporal``, ``cnn1``-``cnn3``,
    ``mean_pool``, ``max_pool``, ``penultimate``, ``logits``, ``taggram``).
    """

    n_mels = 96

    def __init__(self, n_classes=50, num_filt_midend=64, num_units_backend=200):
        super().__init__()
        nf_timbral, nf_temporal = int(1.6 * 128), int(1.6 * 32)
        self.bn_input = _BN(1)
        self.timbral = nn.ModuleList([
            nn.Conv2d(1, nf_timbral, (7, int(0.4 * self.n_mels))),
            nn.Conv2d(1, nf_timbral, (7, int(0.7 * self.n_mels))),
        ])
        self.bn_timbral = nn.ModuleList([_BN(nf_timbral), _BN(nf_timbral)])
        self.temporal = nn.ModuleList([nn.Conv2d(1, nf_temporal, (k, 1)) for k in (128, 64, 32)])
        self.bn_temporal = nn.ModuleList([_BN(nf_temporal) for _ in range(3)])
        n_front = 2 * nf_timbral + 3 * nf_temporal
        self.midend = nn.ModuleList([
            nn.Conv1d(n_front, num_filt_midend, 7),
            nn.Conv1d(num_filt_midend, num_filt_midend, 7),
            nn.Conv1d(num_filt_midend, num_filt_midend, 7),
        ])
        self.bn_midend = nn.ModuleList([_BN(num_filt_midend) for _ in range(3)])
        n_mid = n_front + 3 * num_filt_midend
        self.n_mid = n_mid
        self.bn_pool = _BN(2 * n_mid)
        self.dropout = nn.Dropout(0.5)
        self.dense = nn.Linear(2 * n_mid, num_units_backend)
        self.bn_dense = _BN(num_units_backend)
        self.output = nn.Linear(num_units_backend, n_classes)

    def features(self, x):
        """All named outputs for patches `x` of shape ``(batch, time, mels)``."""
        x = self.bn_input(x.unsqueeze(1))  # (B, 1, T, M)
        x7 = F.pad(x, (0, 0, 3, 3))
        front = []
        for conv, bn in zip(self.timbral, self.bn_timbral):
            h = bn(F.relu(conv(x7)))  # (B, C, T, M')
            front.append(h.amax(dim=3))
        for conv, bn in zip(self.temporal, self.bn_temporal):
            before, after = _tf_same_pad(conv.kernel_size[0])
            h = bn(F.relu(conv(F.pad(x, (0, 0, before, after)))))
            front.append(h.amax(dim=3))
        front_cat = torch.cat(front, dim=1)  # (B, 561, T)
        mids = [front_cat]
        h = front_cat
        for i, (conv, bn) in enumerate(zip(self.midend, self.bn_midend)):
            out = bn(F.relu(conv(F.pad(h, (3, 3)))))
            h = out if i == 0 else out + h
            mids.append(h)
        feature_map = torch.cat(mids, dim=1)  # (B, 753, T)
        max_pool = feature_map.amax(dim=2)
        mean_pool = feature_map.mean(dim=2)
        # TF concatenates (B, C, 1) maps on the last axis and flattens: max/mean interleaved
        flat = torch.stack([max_pool, mean_pool], dim=2).reshape(x.shape[0], -1)
        flat = self.dropout(self.bn_pool(flat))
        penultimate = self.bn_dense(F.relu(self.dense(flat)))
        logits = self.output(self.dropout(penultimate))
        return {
            "timbral": torch.cat(front[:2], dim=1).transpose(1, 2),
            "temporal": torch.cat(front[2:], dim=1).transpose(1, 2),
            "cnn1": mids[1].transpose(1, 2),
            "cnn2": mids[2].transpose(1, 2),
            "cnn3": mids[3].transpose(1, 2),
            "mean_pool": mean_pool,
            "max_pool": max_pool,
            "penultimate": penultimate,
            "logits": logits,
            "taggram": torch.sigmoid(logits),
        }

    def forward(self, x):
        return self.features(x)["logits"]

    def load_tf_weights(self, w):
        """Copy checkpoint arrays (name -> ndarray, TensorFlow layout) into the modules."""
        convs = [*self.timbral, *self.temporal]
        bns = [self.bn_input, *self.bn_timbral, *self.bn_temporal, *self.bn_midend,
               self.bn_pool, self.bn_dense]
        for i, conv in enumerate(convs):
            _conv2d(conv, w, f"conv2d{_suffix(i)}")
        for j, conv in enumerate(self.midend):
            name = f"conv2d{_suffix(len(convs) + j)}"
            k = w[f"{name}/kernel"]  # (7, C_in, 1, C_out)
            _copy(conv.weight, k[:, :, 0, :].transpose(2, 1, 0))
            _copy(conv.bias, w[f"{name}/bias"])
        for i, bn in enumerate(bns):
            _bn(bn, w, f"batch_normalization{_suffix(i)}")
        _dense(self.dense, w, "dense")
        _dense(self.output, w, "dense_1")
        return self


class MusicnnVGG(nn.Module):
    """musicnn's VGG-like baseline: five 3x3 conv / max-pool blocks and a dense output."""

    def __init__(self, n_classes=50, num_filters=128):
        super().__init__()
        self.bn_input = _BN(1)
        self.convs = nn.ModuleList(
            [nn.Conv2d(1 if i == 0 else num_filters, num_filters, 3) for i in range(5)]
        )
        self.bns = nn.ModuleList([_BN(num_filters) for _ in range(5)])
        self.pools = [((4, 1), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)), ((2, 2), (2, 2)),
                      ((4, 4), (4, 4))]
        self.dropout_conv = nn.Dropout(0.25)
        self.dropout = nn.Dropout(0.5)
        self.output = nn.Linear(2 * 1 * num_filters, n_classes)

    def features(self, x):
        """Named outputs ``pool1``-``pool5`` (NHWC, as the original), ``logits``, ``taggram``."""
        h = self.bn_input(x.unsqueeze(1))
        out = {}
        for i, (conv, bn, (kernel, stride)) in enumerate(zip(self.convs, self.bns, self.pools)):
            if i:
                h = self.dropout_conv(h)
            h = bn(F.relu(conv(F.pad(h, (1, 1, 1, 1)))))
            h = F.max_pool2d(h, kernel, stride)
            out[f"pool{i + 1}"] = h.permute(0, 2, 3, 1)
        flat = out["pool5"].reshape(h.shape[0], -1)
        logits = self.output(self.dropout(flat))
        out["logits"] = logits
        out["taggram"] = torch.sigmoid(logits)
        return out

    def forward(self, x):
        return self.features(x)["logits"]

    def load_tf_weights(self, w):
        for i, conv in enumerate(self.convs):
            _conv2d(conv, w, f"{i + 1}CNN")
        for i, bn in enumerate([self.bn_input, *self.bns]):
            _bn(bn, w, f"batch_normalization{_suffix(i)}")
        _dense(self.output, w, "dense")
        return self


def _suffix(i):
    return "" if i == 0 else f"_{i}"


def _copy(param, array):
    array = np.ascontiguousarray(array, dtype=np.float32)
    if tuple(param.shape) != array.shape:
        raise ValueError(f"weight shape {array.shape} does not fit parameter {tuple(param.shape)}")
    with torch.no_grad():
        param.copy_(torch.from_numpy(array))


def _conv2d(conv, w, name):
    _copy(conv.weight, w[f"{name}/kernel"].transpose(3, 2, 0, 1))  # HWIO -> OIHW
    _copy(conv.bias, w[f"{name}/bias"])


def _dense(linear, w, name):
    _copy(linear.weight, w[f"{name}/kernel"].T)  # (in, out) -> (out, in)
    _copy(linear.bias, w[f"{name}/bias"])


def _bn(bn, w, name):
    _copy(bn.weight, w[f"{name}/gamma"])
    _copy(bn.bias, w[f"{name}/beta"])
    _copy(bn.running_mean, w[f"{name}/moving_mean"])
    _copy(bn.running_var, w[f"{name}/moving_variance"])


def build_network(model, weights=None, n_classes=50):
    """An (untrained or loaded) network for a musicnn model name."""
    net = MusicnnVGG(n_classes) if "vgg" in model else Musicnn(n_classes)
    if weights is not None:
        net.load_tf_weights(weights)
    return net.eval()
