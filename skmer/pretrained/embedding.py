"""MusicnnEmbedding: audio -> pooled outputs of the pretrained musicnn networks."""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .._validation import POSITIVE_INT, StrOptions
from ..audio import ClipSpec, load_audio
from ..features._output import stack_results
from ..features._sources import file_identity
from ._musicnn import (
    MUSICNN_MODELS,
    N_FRAMES,
    SR,
    musicnn_labels,
    musicnn_mel,
    musicnn_patches,
)
from ._transformer import MusicnnTransformer, cached_network

__all__ = ["MUSICNN_LAYERS", "POOLINGS", "MusicnnEmbedding", "musicnn_tags"]

# per-patch outputs (one vector per 3 s patch) of each architecture
MUSICNN_LAYERS = {
    "musicnn": ("taggram", "penultimate", "mean_pool", "max_pool"),
    "vgg": ("taggram", "pool5"),
}
POOLINGS = ("mean", "std", "mean+std", "max", "mean+max")
_LAYER_SIZES = {"taggram": 50, "penultimate": 200, "mean_pool": 753, "max_pool": 753,
                "pool5": 256}


def _arch(model):
    return "vgg" if "vgg" in model else "musicnn"


def patch_outputs(patches, model, data_home=None, device="cpu", batch_size=32):
    """Per-patch outputs of every supported layer for log-mel patches ``(n, 187, 96)``."""
    import torch

    net = cached_network(model, data_home, str(device))
    layers = MUSICNN_LAYERS[_arch(model)]
    chunks = {name: [] for name in layers}
    with torch.inference_mode():
        for start in range(0, len(patches), batch_size):
            x = torch.from_numpy(np.ascontiguousarray(patches[start:start + batch_size]))
            feats = net.features(x.to(device))
            for name in layers:
                v = feats[name]
                chunks[name].append(v.reshape(v.shape[0], -1).float().cpu().numpy())
    return {name: np.concatenate(v) for name, v in chunks.items()}


def _file_outputs(identity, offset, duration, model, hop, data_home, device, batch_size):
    """Decode a file window, make musicnn's patches, run the network: the unit `memory` caches."""
    y, _ = load_audio(identity[0], sr=SR, offset=offset, duration=duration)
    return patch_outputs(musicnn_patches(musicnn_mel(y), hop), model, data_home, device,
                         batch_size)


def _source_outputs(source, index, cfg):
    args = (cfg["model"], cfg["hop"], cfg["data_home"], cfg["device"], cfg["batch_size"])
    if isinstance(source, ClipSpec):
        compute = cfg["memory"].cache(_file_outputs, ignore=["device", "batch_size"])
        return compute(file_identity(source.path), source.offset, source.duration, *args)
    return patch_outputs(musicnn_patches(musicnn_mel(source), cfg["hop"]), cfg["model"],
                         *args[2:])


def _pool(P, pooling):
    parts = []
    for stat in pooling.split("+"):
        if stat == "mean":
            parts.append(P.mean(axis=0))
        elif stat == "std":
            parts.append(P.std(axis=0))
        elif stat == "max":
            parts.append(P.max(axis=0))
    return np.concatenate(parts)


class MusicnnEmbedding(MusicnnTransformer):
    """Audio -> clip embeddings from musicnn's pretrained tagging networks.

    Each input is decoded at 16 kHz mono (:func:`skmer.audio.load_audio`),
    turned into musicnn's log-mel representation and cut into 3 s patches
    (187 frames) exactly as the original ``musicnn.extractor``; the torch
    re-implementation of the chosen network (weights read from the installed
    ``musicnn`` package, see :doc:`/pretrained`) computes `layer` for each
    patch, and `pooling` summarises the patches into one row per input. The
    outputs match the original TensorFlow code to about 1e-5.

    Parameters
    ----------
    model : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'}, default='MSD_musicnn'
        Pretrained network: musicnn or its VGG baseline, trained on the
        Million Song Dataset (MSD) or MagnaTagATune (MTT) tags.
    layer : str, default='penultimate'
        Per-patch output. musicnn models: ``'taggram'`` (50 tag
        probabilities), ``'penultimate'`` (200, the embedding usually used),
        ``'mean_pool'`` and ``'max_pool'`` (753 each, temporal pooling of the
        front/mid end). VGG models: ``'taggram'``, ``'pool5'`` (256).
    pooling : {'mean', 'std', 'mean+std', 'max', 'mean+max'}, default='mean+std'
        Statistics over a clip's patches, concatenated in this order.
    patch_hop : int or None, default=None
        Frames between patch starts (16 ms each); ``None`` is 187 (no
        overlap, musicnn's default).
    batch_size : int, default=32
        Patches per network call.
    device : {'cpu', 'cuda', 'auto'} or str or torch.device, default='cpu'
        Torch device of the network; ``'auto'`` is ``'cuda'`` when available.
    data_home : str or None, default=None
        Folder of the converted weights (see
        :func:`skmer.pretrained.load_musicnn_weights`).
    memory : str, path or joblib.Memory, default=None
        Cache of the per-patch outputs of all layers per (file path, size,
        modification time, window, model, patch_hop): changing `layer` or
        `pooling` reuses it. Waveform inputs are not cached.
    n_jobs : int or None, default=None
        Parallel workers (joblib), as the other audio transformers.
    verbose : int, default=0
        ``> 0`` shows a progress bar.
    on_error : {'raise', 'warn'}, default='raise'
        As :class:`~skmer.AudioFeatures`: failures are collected; ``'warn'``
        fills their rows with NaN.

    Attributes
    ----------
    n_features_out_ : int
        Output columns.
    labels_ : list of str
        The model's 50 tag names (columns of the taggram).
    n_features_in_ : int
        Samples per waveform row, set only when fitted on a waveform array.

    Notes
    -----
    X may be a sequence of paths or clip specs, a DataFrame with a ``path``
    column, or a 2-D float array of mono waveforms at 16 kHz. Audio shorter
    than 3 s is zero-padded to one patch (the original fails on it).
    :meth:`transform_patches` gives the per-patch outputs for dynamic (per
    3 s) use.

    Examples
    --------
    >>> from skmer.pretrained import MusicnnEmbedding
    >>> emb = MusicnnEmbedding(layer="penultimate", pooling="mean+std")
    >>> Z = emb.fit_transform(["a.mp3", "b.mp3"])  # doctest: +SKIP
    >>> Z.shape  # doctest: +SKIP
    (2, 400)
    """

    _parameter_constraints = {
        **MusicnnTransformer._parameter_constraints,
        "model": [StrOptions(set(MUSICNN_MODELS))],
        "layer": [str],
        "pooling": [StrOptions(set(POOLINGS))],
        "patch_hop": [None, POSITIVE_INT],
    }

    def __init__(self, model="MSD_musicnn", layer="penultimate", pooling="mean+std",
                 patch_hop=None, batch_size=32, device="cpu", data_home=None, memory=None,
                 n_jobs=None, verbose=0, on_error="raise"):
        self.model = model
        self.layer = layer
        self.pooling = pooling
        self.patch_hop = patch_hop
        self.batch_size = batch_size
        self.device = device
        self.data_home = data_home
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.on_error = on_error

    def _validate(self):
        super()._validate()
        layers = MUSICNN_LAYERS[_arch(self.model)]
        if self.layer not in layers:
            raise ValueError(
                f"layer {self.layer!r} is not available for {self.model}; choose one of "
                f"{list(layers)}"
            )

    def fit(self, X, y=None):
        """Validate the parameters and X, locate the weights; nothing is learned.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)
        y : ignored

        Returns
        -------
        self : MusicnnEmbedding

        Raises
        ------
        MusicnnNotInstalledError
            musicnn is not installed (``pip install --no-deps musicnn``).
        """
        self._fit_sources(X)
        self.labels_ = musicnn_labels(self.model)
        self.n_features_out_ = _LAYER_SIZES[self.layer] * len(self.pooling.split("+"))
        return self

    def _outputs(self, X):
        check_is_fitted(self, "n_features_out_")
        return self._run(X, _source_outputs, "musicnn",
                         hop=N_FRAMES if self.patch_hop is None else int(self.patch_hop))

    def transform(self, X):
        """Pooled embeddings, one row per input.

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)

        Returns
        -------
        Z : ndarray of float32, shape (n_samples, n_features_out_)
        """
        results = self._outputs(X)
        n_out = _LAYER_SIZES[self.layer] * len(self.pooling.split("+"))  # current params
        return stack_results([None if r is None else _pool(r[self.layer], self.pooling)
                              for r in results], (n_out,))

    def transform_patches(self, X):
        """Per-patch outputs of `layer` (no pooling), for dynamic (per-time) use.

        Patch ``k`` of an input covers ``[k * hop * 0.016, k * hop * 0.016 + 3)``
        seconds of it (``hop = patch_hop or 187`` frames of 256 samples at
        16 kHz).

        Parameters
        ----------
        X : sequence of paths or clip specs, or ndarray of shape (n_samples, n_audio_samples)

        Returns
        -------
        patches : list of ndarray of float32, shape (n_patches_i, layer_size)
            One array per input (``None`` for a failed input under
            ``on_error='warn'``).
        """
        return [None if r is None else r[self.layer] for r in self._outputs(X)]

    def get_feature_names_out(self, input_features=None):
        """Column names, e.g. ``'penultimate17_mean'`` or ``'taggram_rock_std'``."""
        check_is_fitted(self, "n_features_out_")
        if self.layer == "taggram":
            units = [f"taggram_{t.replace(' ', '_')}" for t in self.labels_]
        else:
            units = [f"{self.layer}{i}" for i in range(_LAYER_SIZES[self.layer])]
        names = [f"{u}_{stat}" for stat in self.pooling.split("+") for u in units]
        return np.asarray(names, dtype=object)


def musicnn_tags(path, model="MSD_musicnn", top=5, data_home=None, device="cpu"):
    """musicnn's own top tags for an audio file (mean tag probability over its 3 s patches).

    Parameters
    ----------
    path : str or os.PathLike or ClipSpec
        Audio file (or window of one).
    model : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'}, default='MSD_musicnn'
    top : int, default=5
        How many tags to return.
    data_home, device
        As :class:`MusicnnEmbedding`.

    Returns
    -------
    tags : list of (str, float)
        ``(tag, probability)``, most likely first.

    Examples
    --------
    >>> from skmer.pretrained import musicnn_tags
    >>> musicnn_tags("song.mp3", top=3)  # doctest: +SKIP
    [('rock', 0.61), ('alternative', 0.33), ('indie', 0.28)]
    """
    emb = MusicnnEmbedding(model=model, layer="taggram", pooling="mean", data_home=data_home,
                           device=device)
    probs = emb.fit_transform([path])[0]
    order = np.argsort(-probs, kind="stable")[: int(top)]
    return [(emb.labels_[i], float(probs[i])) for i in order]
