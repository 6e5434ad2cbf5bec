"""MusicnnLevels: audio -> musicnn's five feature levels over time, the input of a pretrained ADFF.

ADFF (Huang et al., 2022) learns five levels of spatial features with a
VGG16 trained from scratch (its SFLM), then one SE + BiLSTM module per level
(TFLM) and a fusion head. On a few hundred labelled clips the from-scratch
SFLM is what fails (benchmarks/RESULTS.md, "bench_real levers"). musicnn's
pretrained front and mid end also computes five levels at every 16 ms frame:
the timbral (408 channels) and temporal (153) front-end filters and the three
mid-end convolution layers (64 each, ``cnn1``-``cnn3``). This transformer
computes them once per file (cached with `memory`) so that
``ADFFClassifier(levels=LEVEL_SIZES)`` trains only the TFLM and the head
(only the head with ``use_tflm=False``, the ``preset='cpu'`` recipe).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._validation import POSITIVE_INT, Interval, StrOptions
from ..audio import ClipSpec, load_audio
from ..features._output import stack_results
from ..features._sources import crop_start, file_identity
from ._musicnn import N_FRAMES, SR, musicnn_mel, musicnn_patches
from ._transformer import MusicnnTransformer, cached_network

__all__ = ["LEVELS", "LEVEL_SIZES", "MusicnnLevels"]

#: musicnn's five levels, in output order, and their channels.
LEVELS = ("timbral", "temporal", "cnn1", "cnn2", "cnn3")
_CHANNELS = (408, 153, 64, 64, 64)
#: Output columns of each level (its channels' mean, then their max over a block).
LEVEL_SIZES = tuple(2 * c for c in _CHANNELS)
_MODELS = ("MSD_musicnn", "MTT_musicnn")
#: Seconds per musicnn frame (256 samples at 16 kHz).
FRAME_SECONDS = 256 / SR


def _window(S, n_frames):
    """Centre window of `n_frames` frames of a log-mel, zero-padded at the end (silence)."""
    start = crop_start(S.shape[0], n_frames, "center", None)
    S = S[start:start + n_frames]
    if S.shape[0] < n_frames:
        S = np.concatenate([S, np.zeros((n_frames - S.shape[0], S.shape[1]), S.dtype)])
    return S


def level_steps(S, model, block, data_home=None, device="cpu", batch_size=32):
    """Block-pooled musicnn levels of a log-mel window.

    Parameters
    ----------
    S : ndarray of float32, shape (n_frames, 96)
        musicnn log-mel (:func:`skmer.pretrained.musicnn_mel`), ``n_frames`` a
        multiple of 187.
    model : {'MSD_musicnn', 'MTT_musicnn'}
    block : int
        Frames (16 ms each) per output step; each 187-frame patch gives
        ``187 // block`` steps (its last ``187 % block`` frames are dropped).

    Returns
    -------
    Z : ndarray of float32, shape (n_patches * (187 // block), sum(LEVEL_SIZES))
        Per step and level, the mean then the max over the block of each
        channel; levels side by side in :data:`LEVELS` order.
    """
    import torch

    net = cached_network(model, data_home, str(device))
    patches = musicnn_patches(S)
    per_patch = N_FRAMES // block
    steps = []
    with torch.inference_mode():
        for start in range(0, len(patches), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(patches[start:start + batch_size]))
            feats = net.features(x.to(device))
            parts = []
            for name in LEVELS:
                f = feats[name][:, : per_patch * block].float()  # (B, frames, C)
                f = f.reshape(f.shape[0], per_patch, block, f.shape[2])
                parts += [f.mean(dim=2), f.amax(dim=2)]
            steps.append(torch.cat(parts, dim=2).reshape(-1, sum(LEVEL_SIZES)).cpu().numpy())
    return np.concatenate(steps).astype(np.float32, copy=False)


def _file_levels(identity, offset, duration, n_frames, model, block, data_home, device,
                 batch_size):
    y, _ = load_audio(identity[0], sr=SR, offset=offset, duration=duration)
    return level_steps(_window(musicnn_mel(y), n_frames), model, block, data_home, device,
                       batch_size)


def _source_levels(source, index, cfg):
    args = (cfg["n_frames"], cfg["model"], cfg["block"], cfg["data_home"], cfg["device"],
            cfg["batch_size"])
    if isinstance(source, ClipSpec):
        compute = cfg["memory"].cache(_file_levels, ignore=["device", "batch_size"])
        return compute(file_identity(source.path), source.offset, source.duration, *args)
    return level_steps(_window(musicnn_mel(source), args[0]), *args[1:])


class MusicnnLevels(MusicnnTransformer):
    """Audio -> musicnn's five pretrained feature levels over time ``(n, 1, n_steps, 1506)``.

    The frozen, pretrained counterpart of ADFF's SFLM, for
    ``ADFFClassifier(levels=LEVEL_SIZES)`` /
    ``ADFFRegressor(levels=LEVEL_SIZES)`` (or
    ``make_adff_pipeline(preset='cpu')``). Each input is decoded at
    16 kHz mono, turned into musicnn's log-mel and its centre `n_frames`
    frames (zero-padded when shorter) cut into 3 s patches of 187 frames, as
    :class:`MusicnnEmbedding` does. The pretrained network's front and mid
    end give five levels per frame (:data:`LEVELS`: timbral 408, temporal
    153, ``cnn1``-``cnn3`` 64 channels); every `block` frames become one step
    holding each channel's mean and max over the block.

    Parameters
    ----------
    model : {'MSD_musicnn', 'MTT_musicnn'}, default='MSD_musicnn'
        Pretrained musicnn network (Million Song Dataset or MagnaTagATune
        tags). The VGG models have no frame-level front end and are not
        accepted.
    n_frames : int, default=1870
        Frames (16 ms) of each input used: ``1870`` is ten 3 s patches,
        29.9 s. Must be a multiple of 187.
    block : int, default=31
        Frames per output step (31 frames = 0.496 s: 6 steps per patch).
        At most 187.
    batch_size : int, default=32
        Patches per network call.
    device : {'cpu', 'cuda', 'auto'} or str or torch.device, default='cpu'
        Torch device of the network.
    data_home : str or None, default=None
        Folder of the converted weights.
    memory : str, path or joblib.Memory, default=None
        Cache of the output per (file path, size, modification time, window,
        model, n_frames, block). Waveform inputs are not cached.
    n_jobs : int or None, default=None
        Parallel workers (joblib), as the other audio transformers.
    verbose : int, default=0
        ``> 0`` shows a progress bar.
    on_error : {'raise', 'warn'}, default='raise'
        As :class:`~skmer.AudioFeatures`: ``'warn'`` fills failed rows with NaN.

    Attributes
    ----------
    level_sizes_ : tuple of int
        Columns of each level in the last axis, :data:`LEVEL_SIZES`
        ``(816, 306, 128, 128, 128)``.
    n_steps_ : int
        Steps per input, ``(n_frames // 187) * (187 // block)``.
    step_seconds_ : float
        Seconds per step, ``block * 0.016``.
    n_features_in_ : int
        Samples per waveform row, set only when fitted on a waveform array.

    Notes
    -----
    Output shape ``(n_samples, 1, n_steps_, 1506)``, float32: one "segment"
    as ADFF's input convention ``(n, seg_num, n_frames, n_features)``, so the
    ADFF estimators' random-crop training (``crop_frames`` in steps) and
    per-feature input scaling apply unchanged. Columns: for each level in
    :data:`LEVELS` order, its channels' block means, then their block maxima.

    Examples
    --------
    >>> from skmer.pretrained import LEVEL_SIZES, MusicnnLevels
    >>> from skmer import ADFFClassifier
    >>> from sklearn.pipeline import make_pipeline
    >>> model = make_pipeline(MusicnnLevels(memory="cache"),
    ...                       ADFFClassifier(levels=LEVEL_SIZES, crop_frames=20))
    >>> model.fit(paths, quadrants)  # doctest: +SKIP
    """

    _parameter_constraints = {
        **MusicnnTransformer._parameter_constraints,
        "model": [StrOptions(set(_MODELS))],
        "n_frames": [POSITIVE_INT],
        "block": [Interval(Integral, 1, N_FRAMES, closed="both")],
    }

    def __init__(self, model="MSD_musicnn", n_frames=10 * N_FRAMES, block=31, batch_size=32,
                 device="cpu", data_home=None, memory=None, n_jobs=None, verbose=0,
                 on_error="raise"):
        self.model = model
        self.n_frames = n_frames
        self.block = block
        self.batch_size = batch_size
        self.device = device
        self.data_home = data_home
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.on_error = on_error

    def _validate(self):
        super()._validate()
        if self.n_frames % N_FRAMES:
            raise ValueError(
                f"n_frames must be a multiple of {N_FRAMES} (musicnn's 3 s patch), got "
                f"{self.n_frames}; e.g. {max(1, round(self.n_frames / N_FRAMES)) * N_FRAMES}"
            )

    def fit(self, X, y=None):
        """Validate the parameters and X; nothing is learned.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)
        y : ignored

        Returns
        -------
        self : MusicnnLevels
        """
        self._fit_sources(X)
        self.level_sizes_ = LEVEL_SIZES
        self.n_steps_ = (self.n_frames // N_FRAMES) * (N_FRAMES // self.block)
        self.step_seconds_ = self.block * FRAME_SECONDS
        return self

    def transform(self, X):
        """Level features, shape ``(n_samples, 1, n_steps_, 1506)``, float32."""
        check_is_fitted(self, "n_steps_")
        results = self._run(X, _source_levels, "musicnn levels", n_frames=int(self.n_frames),
                            block=int(self.block))
        n_steps = (self.n_frames // N_FRAMES) * (N_FRAMES // self.block)  # current params
        return stack_results(results, (1, n_steps, sum(LEVEL_SIZES)))
