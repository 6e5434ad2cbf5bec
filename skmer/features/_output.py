"""What the spectrogram and audio transformers share on their output side."""

from __future__ import annotations

import numpy as np

__all__ = ["AudioInputMixin", "SpectrogramOutputMixin", "stack_results"]


class SpectrogramOutputMixin:
    """``set_output`` for transformers whose output is a 4-D spectrogram array.

    A 4-D array has no DataFrame form, so these transformers always return
    numpy arrays; accepting ``set_output`` lets ``Pipeline.set_output(transform='pandas')``
    configure the 2-D steps that follow them.
    """

    def set_output(self, *, transform=None):
        """Accept a ``set_output`` configuration; 4-D output stays a numpy array.

        Parameters
        ----------
        transform : {'default', 'pandas', 'polars'} or None
            Recorded; has no effect on the 4-D output.

        Returns
        -------
        self
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(
                f"transform must be 'default', 'pandas', 'polars' or None, got {transform!r}"
            )
        return self


class AudioInputMixin:
    """Tags of the transformers reading audio (paths, clip specs, waveform rows) into float32."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags


def stack_results(results, shape):
    """Per-input results as one float32 array of shape ``(len(results), *shape)``.

    A failed input (``None``, kept by ``run_batch(on_error='warn')``) gets a NaN row.
    """
    out = np.full((len(results), *shape), np.nan, dtype=np.float32)
    for i, r in enumerate(results):
        if r is not None:
            out[i] = np.reshape(r, shape)
    return out
