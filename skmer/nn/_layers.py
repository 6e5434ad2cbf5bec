"""Layers shared by skmer's networks."""

from __future__ import annotations

from torch import nn
from torch.nn import functional as F

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(nn.modules.batchnorm._BatchNorm):
    """BatchNorm that falls back to its running statistics when a training batch has a
    single value per channel (e.g. the pooled attention branch of a one-window batch),
    where batch statistics are undefined."""

    def forward(self, x):
        if self.training and x.numel() <= x.shape[1]:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0,
                self.eps,
            )
        return super().forward(x)


class BatchNorm2d(_BatchNorm, nn.BatchNorm2d):
    """:class:`torch.nn.BatchNorm2d` that accepts one value per channel in training."""


class BatchNorm1d(_BatchNorm, nn.BatchNorm1d):
    """:class:`torch.nn.BatchNorm1d` that accepts one value per channel in training."""
