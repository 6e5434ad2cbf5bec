"""Training-recipe pieces of the ADFF estimators: crops, windows, augmentation, schedules.

The ADFF input is a stack of ``seg_num`` *consecutive* log-mel segments,
``(n, seg_num, T, M)`` (see :class:`~skmer.features.SegmentStacker`). Because
the segments are consecutive, un-stacking is a reshape to
``(n, seg_num * T, M)``; a window of ``crop_frames`` frames of that
spectrogram, re-stacked into ``seg_num`` segments of ``crop_frames // seg_num``
frames, is exactly what ``SegmentStacker`` would produce from the cropped
spectrogram. This lets the estimators train on random windows of long inputs
and predict by aggregating over windows while the Pipeline stays
``LogMelTransformer -> SegmentStacker -> estimator``.
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "LR_SCHEDULES",
    "OneCycleLambda",
    "mixup",
    "random_crop_frames",
    "random_crop_stacked",
    "spec_augment",
    "window_starts",
    "windows_frames",
    "windows_stacked",
]

#: Accepted values of the estimators' ``lr_schedule``.
LR_SCHEDULES = ("multistep", "cosine", "onecycle", "constant")


def _unstack(X):
    n, seg_num, n_frames, n_mels = X.shape
    return X.reshape(n, seg_num * n_frames, n_mels)


def _restack(flat, seg_num):
    n, length, n_mels = flat.shape
    seg_len = length // seg_num
    return flat[:, : seg_len * seg_num].reshape(n, seg_num, seg_len, n_mels)


def random_crop_stacked(X, crop_frames, generator=None):
    """A random window of ``crop_frames`` frames of each stacked input, re-stacked.

    Parameters
    ----------
    X : torch.Tensor, shape (n, seg_num, T, M)
        Stacked consecutive segments.
    crop_frames : int
        Window length in frames of the un-stacked spectrogram
        (``seg_num * T`` frames); each output segment has
        ``crop_frames // seg_num`` frames.
    generator : torch.Generator or None
        Source of the window offsets (the global torch RNG when None).

    Returns
    -------
    crops : torch.Tensor, shape (n, seg_num, crop_frames // seg_num, M)
        Input unchanged (no copy) when ``crop_frames >= seg_num * T``.
    """
    n, seg_num, n_frames, n_mels = X.shape
    total = seg_num * n_frames
    length = (min(int(crop_frames), total) // seg_num) * seg_num
    if length >= total:
        return X
    flat = _unstack(X)
    starts = torch.randint(0, total - length + 1, (n,), generator=generator, device=X.device)
    index = starts[:, None] + torch.arange(length, device=X.device)[None, :]
    crops = torch.gather(flat, 1, index[:, :, None].expand(n, length, n_mels))
    return _restack(crops, seg_num)


def random_crop_frames(X, crop_frames, generator=None):
    """A random window of ``crop_frames`` frames of each input, the same for all its channels.

    Parameters
    ----------
    X : torch.Tensor, shape (n, C, T, M)
        Spectrograms with ``C`` channels of ``T`` frames (the tagger's input).
    crop_frames : int
        Window length in frames.
    generator : torch.Generator or None
        Source of the window offsets (the global torch RNG when None).

    Returns
    -------
    crops : torch.Tensor, shape (n, C, min(crop_frames, T), M)
        Input unchanged (no copy) when ``crop_frames >= T``.
    """
    n, channels, n_frames, n_mels = X.shape
    length = min(int(crop_frames), n_frames)
    if length >= n_frames:
        return X
    starts = torch.randint(0, n_frames - length + 1, (n,), generator=generator, device=X.device)
    index = starts[:, None] + torch.arange(length, device=X.device)[None, :]
    index = index[:, None, :, None].expand(n, channels, length, n_mels)
    return torch.gather(X, 2, index)


def windows_frames(X, crop_frames, hop_frames):
    """All evaluation windows of each input (:func:`window_starts`), window-major.

    Parameters
    ----------
    X : torch.Tensor, shape (n, C, T, M)
    crop_frames, hop_frames : int
        Window length and hop in frames.

    Returns
    -------
    windows : torch.Tensor, shape (n_windows * n, C, min(crop_frames, T), M)
        Rows ``w * n .. (w + 1) * n - 1`` are window ``w`` of every input.
    n_windows : int
    """
    n_frames = X.shape[2]
    length = min(int(crop_frames), n_frames)
    if length >= n_frames:
        return X, 1
    starts = window_starts(n_frames, length, hop_frames)
    return torch.cat([X[:, :, s : s + length] for s in starts], dim=0), len(starts)


def window_starts(total_frames, crop_frames, hop_frames):
    """Start frames of the evaluation windows covering a spectrogram.

    Parameters
    ----------
    total_frames : int
        Frames of the un-stacked spectrogram.
    crop_frames : int
        Window length in frames.
    hop_frames : int
        Frames between window starts (at most `crop_frames`, so that no frame
        is skipped).

    Returns
    -------
    starts : list of int
        ``0, hop, 2 hop, ...`` and a last window flush with the end, so the
        windows cover every frame; ``[0]`` when the input is not longer than
        one window.
    """
    if total_frames <= crop_frames:
        return [0]
    last = total_frames - crop_frames
    starts = list(range(0, last + 1, max(1, min(int(hop_frames), int(crop_frames)))))
    if starts[-1] != last:
        starts.append(last)
    return starts


def windows_stacked(X, crop_frames, hop_frames):
    """All evaluation windows of each stacked input, re-stacked.

    Parameters
    ----------
    X : torch.Tensor, shape (n, seg_num, T, M)
    crop_frames, hop_frames : int
        Window length and hop in frames of the un-stacked spectrogram.

    Returns
    -------
    windows : torch.Tensor, shape (n_windows * n, seg_num, crop_frames // seg_num, M)
        Window-major: rows ``w * n .. (w + 1) * n - 1`` are window ``w`` of
        every input.
    n_windows : int
    """
    n, seg_num, n_frames, n_mels = X.shape
    total = seg_num * n_frames
    length = (min(int(crop_frames), total) // seg_num) * seg_num
    if length >= total:
        return X, 1
    flat = _unstack(X)
    starts = window_starts(total, length, hop_frames)
    parts = [_restack(flat[:, s : s + length], seg_num) for s in starts]
    return torch.cat(parts, dim=0), len(parts)


def spec_augment(X, n_masks, generator=None):
    """SpecAugment-style masking: ``n_masks`` time and ``n_masks`` mel-band masks per input.

    Each mask sets a band of up to 1/8 of the mel bands (or of the frames of
    each segment) to the input's mean, independently per input.

    Parameters
    ----------
    X : torch.Tensor, shape (n, seg_num, T, M)
    n_masks : int
        Masks per axis; 0 returns ``X`` unchanged.
    generator : torch.Generator or None

    Returns
    -------
    X_masked : torch.Tensor, shape (n, seg_num, T, M)
    """
    if n_masks <= 0:
        return X
    n, _, n_frames, n_mels = X.shape
    X = X.clone()
    fill = X.mean(dim=(1, 2, 3), keepdim=True)
    device = X.device
    for axis, size in ((2, n_frames), (3, n_mels)):
        max_width = max(1, size // 8)
        for _ in range(int(n_masks)):
            width = torch.randint(0, max_width + 1, (n,), generator=generator, device=device)
            start = (torch.rand(n, generator=generator, device=device) * (size - width + 1)).long()
            pos = torch.arange(size, device=device)[None, :]
            mask = (pos >= start[:, None]) & (pos < (start + width)[:, None])  # (n, size)
            shape = (n, 1, size, 1) if axis == 2 else (n, 1, 1, size)
            X = torch.where(mask.reshape(shape), fill, X)
    return X


def mixup(X, alpha, generator=None):
    """Mix each input with a random partner: ``lam * X + (1 - lam) * X[perm]``.

    Parameters
    ----------
    X : torch.Tensor, shape (n, ...)
    alpha : float
        Parameter of the Beta(alpha, alpha) distribution of ``lam``.
    generator : torch.Generator or None

    Returns
    -------
    X_mixed : torch.Tensor, same shape as ``X``
    perm : torch.Tensor of int64, shape (n,)
        The partner of each row.
    lam : float
        The mixing weight, one per batch (``max(lam, 1 - lam)``, so each row
        stays closer to its own label).
    """
    n = X.shape[0]
    gammas = torch._standard_gamma(torch.full((2,), float(alpha)), generator=generator)
    lam = float(gammas[0] / gammas.sum())
    lam = max(lam, 1.0 - lam)
    perm = torch.randperm(n, generator=generator).to(X.device)
    return lam * X + (1.0 - lam) * X[perm], perm, lam


class OneCycleLambda:
    """Per-epoch learning-rate factor of a one-cycle or cosine schedule.

    A picklable callable for :class:`torch.optim.lr_scheduler.LambdaLR`:
    ``factor(epoch)`` multiplies the base learning rate.

    Parameters
    ----------
    max_epochs : int
        Length of the schedule in epochs.
    warmup : float, default=0.3
        Share of the epochs spent rising linearly from ``1 / div`` to 1
        (0: a plain cosine decay from 1).
    div : float, default=25.0
        Initial learning rate is ``lr / div`` (one-cycle's ``div_factor``).
    final_div : float, default=1e4
        Final learning rate is ``lr / final_div``.
    """

    def __init__(self, max_epochs, warmup=0.3, div=25.0, final_div=1e4):
        self.max_epochs = max(1, int(max_epochs))
        self.warmup = float(warmup)
        self.div = float(div)
        self.final_div = float(final_div)

    def __call__(self, epoch):
        warm = int(round(self.warmup * self.max_epochs))
        if epoch < warm:
            start = 1.0 / self.div
            return start + (1.0 - start) * epoch / warm
        span = max(1, self.max_epochs - warm - 1)
        progress = min(1.0, (epoch - warm) / span)
        end = 1.0 / self.final_div
        return end + (1.0 - end) * 0.5 * (1.0 + math.cos(math.pi * progress))
