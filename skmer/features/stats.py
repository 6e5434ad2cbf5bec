"""SpectrogramStats: per-band summary statistics of spectrograms, for classic regressors."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .._validation import OptionSequence, validate_constraints

__all__ = ["SpectrogramStats"]

_STATS = {
    "mean": lambda S, d: S.mean(axis=1),
    "std": lambda S, d: S.std(axis=1),
    "min": lambda S, d: S.min(axis=1),
    "max": lambda S, d: S.max(axis=1),
    "median": lambda S, d: np.median(S, axis=1),
    "delta_mean": lambda S, d: np.abs(d).mean(axis=1),
    "delta_std": lambda S, d: d.std(axis=1),
}
DEFAULT_STATS = ("mean", "std", "delta_mean", "delta_std")


class SpectrogramStats(TransformerMixin, BaseEstimator):
    """Summarise each Mel band of a spectrogram over time: 4-D -> 2-D features.

    Turns ``(n_samples, n_channels, n_frames, n_mels)`` spectrograms (from
    :class:`LogMelTransformer`, optionally after :class:`SegmentStacker`; the
    channels are put back end to end first) into one row of per-band
    statistics per sample, so that
    ``Pipeline([mel, SpectrogramStats(), StandardScaler(), SVR()])`` is a
    drop-in baseline fed by the same X as an ADFF pipeline.

    Parameters
    ----------
    stats : sequence of str, default=('mean', 'std', 'delta_mean', 'delta_std')
        Statistics over time per band, from ``'mean'``, ``'std'``, ``'min'``,
        ``'max'``, ``'median'`` (of the band's dB values), ``'delta_mean'``
        (mean absolute frame-to-frame change, dB per frame) and
        ``'delta_std'`` (standard deviation of that change).

    Attributes
    ----------
    n_mels_ : int
        Mel bands seen at `fit`.
    n_features_out_ : int
        ``len(stats) * n_mels_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmer import SpectrogramStats
    >>> S = np.random.default_rng(0).normal(size=(5, 1, 100, 16)).astype("float32")
    >>> SpectrogramStats().fit_transform(S).shape
    (5, 64)
    """

    _parameter_constraints = {"stats": [OptionSequence(_STATS)]}

    def __init__(self, stats=DEFAULT_STATS):
        self.stats = stats

    def _check_X(self, X):
        X = np.asarray(X)
        if X.ndim != 4:
            raise ValueError(
                "SpectrogramStats expects 4-D spectrograms (n_samples, n_channels, n_frames, "
                f"n_mels) as LogMelTransformer produces; got shape {X.shape}"
            )
        if X.shape[2] < 2:
            raise ValueError(f"SpectrogramStats needs at least 2 frames, got {X.shape[2]}")
        if not np.isfinite(X).all():
            raise ValueError("SpectrogramStats input contains NaN or infinite values")
        n, c, t, m = X.shape
        return X.reshape(n, c * t, m).astype(np.float32, copy=False)

    def fit(self, X, y=None):
        """Check the statistics and record the number of Mel bands.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_channels, n_frames, n_mels)
        y : ignored

        Returns
        -------
        self : SpectrogramStats
        """
        validate_constraints(self)
        S = self._check_X(X)
        self.n_mels_ = S.shape[2]
        self.n_features_out_ = len(self.stats) * self.n_mels_
        return self

    def transform(self, X):
        """Compute the statistics.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_channels, n_frames, n_mels)

        Returns
        -------
        features : ndarray of float32, shape (n_samples, len(stats) * n_mels)
            Grouped by statistic: all bands' first statistic, then the next.
        """
        check_is_fitted(self, "n_mels_")
        S = self._check_X(X)
        if S.shape[2] != self.n_mels_:
            raise ValueError(f"X has {S.shape[2]} Mel bands, but fit saw {self.n_mels_}")
        delta = np.diff(S, axis=1)
        return np.concatenate([_STATS[name](S, delta) for name in self.stats], axis=1).astype(
            np.float32
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def get_feature_names_out(self, input_features=None):
        """Names ``'<stat>_mel<k>'`` of the output columns."""
        check_is_fitted(self, "n_mels_")
        return np.asarray(
            [f"{name}_mel{k}" for name in self.stats for k in range(self.n_mels_)], dtype=object
        )
