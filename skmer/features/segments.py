"""SegmentStacker: cut a spectrogram into time segments stacked as channels (ADFF 2.1)."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import POSITIVE_INT, validate_constraints
from ._output import SpectrogramOutputMixin

__all__ = ["SegmentStacker"]


def _check_spectrograms(X, what, n_channels=1):
    X = np.asarray(X)
    if X.ndim != 4 or (n_channels is not None and X.shape[1] != n_channels):
        expected = f"(n_samples, {n_channels}, n_frames, n_mels)"
        hint = " as LogMelTransformer produces" if n_channels == 1 else ""
        raise ValueError(f"{what} expects a 4-D array {expected}{hint}; got shape {X.shape}")
    if X.dtype.kind not in "fiu":
        raise ValueError(f"{what} expects numeric spectrograms, got dtype {X.dtype}")
    return X


class SegmentStacker(SpectrogramOutputMixin, TransformerMixin, BaseEstimator):
    """Cut each spectrogram into `seg_num` consecutive time segments, stacked as channels.

    The ADFF data processing (paper section 2.1): an input of shape
    ``(1, T, M)`` becomes ``(seg_num, T // seg_num, M)``; channel ``c`` holds
    frames ``[c * L, (c + 1) * L)`` with ``L = T // seg_num``, so segments
    keep their time order. The last ``T % seg_num`` frames do not fit a whole
    segment and are dropped (at most ``seg_num - 1`` frames, i.e. under
    ``seg_num`` hops; none for 2000 frames and seg_num in 1, 2, 4, 8, 10, 16).
    ``seg_num=1`` is the identity.

    Parameters
    ----------
    seg_num : int, default=6
        Number of segments (channels). The paper uses 6 for 20 s inputs and
        studies 1-16.

    Attributes
    ----------
    n_frames_in_ : int
        Frames per input spectrogram seen at `fit`.
    segment_frames_ : int
        Frames per segment, ``n_frames_in_ // seg_num``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmer import SegmentStacker
    >>> S = np.zeros((3, 1, 2000, 128), dtype=np.float32)
    >>> SegmentStacker(seg_num=6).fit_transform(S).shape
    (3, 6, 333, 128)
    """

    _parameter_constraints = {"seg_num": [POSITIVE_INT]}

    def __init__(self, seg_num=6):
        self.seg_num = seg_num

    def fit(self, X, y=None):
        """Check `seg_num` against the spectrogram length of X.

        Parameters
        ----------
        X : ndarray of shape (n_samples, 1, n_frames, n_mels)
            Spectrograms, e.g. from :class:`LogMelTransformer`.
        y : ignored

        Returns
        -------
        self : SegmentStacker
        """
        validate_constraints(self)
        X = _check_spectrograms(X, "SegmentStacker")
        n_frames = X.shape[2]
        if self.seg_num > n_frames:
            raise ValueError(
                f"seg_num={self.seg_num} is larger than the number of frames ({n_frames})"
            )
        self.n_frames_in_ = n_frames
        self.segment_frames_ = n_frames // int(self.seg_num)
        return self

    def transform(self, X):
        """Stack the segments.

        Parameters
        ----------
        X : ndarray of shape (n_samples, 1, n_frames, n_mels)

        Returns
        -------
        X_seg : ndarray of shape (n_samples, seg_num, n_frames // seg_num, n_mels)
            Same dtype as X.
        """
        check_is_fitted(self, "segment_frames_")
        X = _check_spectrograms(X, "SegmentStacker")
        seg_num = int(self.seg_num)
        if seg_num > X.shape[2]:
            raise ValueError(
                f"seg_num={seg_num} is larger than the number of frames ({X.shape[2]})"
            )
        length = X.shape[2] // seg_num
        n, _, _, n_mels = X.shape
        return np.ascontiguousarray(X[:, 0, : seg_num * length].reshape(n, seg_num, length, n_mels))

    def inverse_transform(self, X):
        """Put the segments back end to end.

        Parameters
        ----------
        X : ndarray of shape (n_samples, seg_num, segment_frames, n_mels)

        Returns
        -------
        X_full : ndarray of shape (n_samples, 1, seg_num * segment_frames, n_mels)
            The input of :meth:`transform` without its dropped last frames.
        """
        check_is_fitted(self, "segment_frames_")
        X = _check_spectrograms(X, "SegmentStacker.inverse_transform", n_channels=int(self.seg_num))
        n, seg_num, length, n_mels = X.shape
        return np.ascontiguousarray(X.reshape(n, 1, seg_num * length, n_mels))
