"""Where torch code runs: the ``device`` parameter of the estimators and transformers."""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(device):
    """Turn ``'auto'`` into ``'cuda'`` or ``'cpu'``; return other values unchanged.

    Parameters
    ----------
    device : str, torch.device or None
        ``'auto'`` selects ``'cuda'`` when :func:`torch.cuda.is_available`,
        else ``'cpu'``.

    Returns
    -------
    device : str, torch.device or None
    """
    if isinstance(device, str) and device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device
