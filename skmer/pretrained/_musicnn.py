"""musicnn's pretrained checkpoints: locate them, convert them once, load them into torch.

skmer does not redistribute musicnn's weights: they come from the ``musicnn``
package on PyPI (ISC licence), installed with ``pip install --no-deps musicnn``
(its own code needs TensorFlow 1 and old numpy; skmer never imports it, it only
reads the checkpoint files the wheel ships).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

from ._checkpoint import CheckpointError, crc32c, read_checkpoint

__all__ = [
    "MUSICNN_LICENSE",
    "MUSICNN_MODELS",
    "MusicnnNotInstalledError",
    "SR",
    "N_FFT",
    "HOP_LENGTH",
    "N_MELS",
    "N_FRAMES",
    "find_musicnn",
    "load_musicnn",
    "load_musicnn_weights",
    "musicnn_labels",
    "musicnn_mel",
    "musicnn_patches",
]

MUSICNN_MODELS = ("MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg")
INSTALL_COMMAND = "pip install --no-deps musicnn"

# musicnn/configuration.py and extractor.py
SR = 16000
N_FFT = 512
HOP_LENGTH = 256
N_MELS = 96
N_FRAMES = 187  # librosa.time_to_frames(3 s, sr=16000, n_fft=512, hop_length=256) + 1

MUSICNN_LICENSE = """\
musicnn (https://github.com/jordipons/musicnn), weights and code by Jordi Pons and
Xavier Serra, "musicnn: pre-trained convolutional neural networks for music audio
tagging", ISMIR 2019 late-breaking/demo. ISC License:

Copyright (c) 2019, Jordi Pons

Permission to use, copy, modify, and/or distribute this software for any
purpose with or without fee is hereby granted, provided that the above
copyright notice and this permission notice appear in all copies.

THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
"""


class MusicnnNotInstalledError(ImportError):
    """The ``musicnn`` package (which ships the pretrained checkpoints) is not installed."""


def _check_model(model):
    if model not in MUSICNN_MODELS:
        raise ValueError(f"model must be one of {list(MUSICNN_MODELS)}, got {model!r}")


def find_musicnn():
    """Folder of the installed ``musicnn`` package, found without importing it.

    Returns
    -------
    folder : pathlib.Path

    Raises
    ------
    MusicnnNotInstalledError
        With the install command: ``pip install --no-deps musicnn``.
    """
    spec = importlib.util.find_spec("musicnn")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    folder = Path(locations[0]) if locations else None
    if folder is None or not (folder / "MSD_musicnn" / ".index").exists():
        raise MusicnnNotInstalledError(
            "the pretrained musicnn weights come from the 'musicnn' package, which is not "
            f"installed{'' if folder is None else ' completely'}. Install it with:\n"
            f"    {INSTALL_COMMAND}\n"
            "(--no-deps matters: musicnn's own requirements pin TensorFlow 1 and numpy<1.17, "
            "which skmer does not need)"
        )
    return folder


def _musicnn_version(folder):
    for dist in folder.parent.glob("musicnn-*.dist-info"):
        return dist.name[len("musicnn-"):-len(".dist-info")]
    return "unknown"


@lru_cache(maxsize=4)
def _labels(config_path, mtime):
    tree = ast.parse(Path(config_path).read_text(encoding="utf-8"))
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            if node.targets[0].id in ("MSD_LABELS", "MTT_LABELS"):
                out[node.targets[0].id] = ast.literal_eval(node.value)
    return out


def musicnn_labels(model="MSD_musicnn"):
    """The 50 tag names of a musicnn model, in output order (read from musicnn's configuration).

    Parameters
    ----------
    model : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'}

    Returns
    -------
    labels : list of str
    """
    _check_model(model)
    path = find_musicnn() / "configuration.py"
    labels = _labels(str(path), path.stat().st_mtime_ns)
    return list(labels["MSD_LABELS" if model.startswith("MSD") else "MTT_LABELS"])


def _cache_path(model, data_home, version):
    from ..datasets import get_data_home

    return get_data_home(data_home) / "pretrained" / f"musicnn-{version}" / f"{model}.npz"


def load_musicnn_weights(model="MSD_musicnn", data_home=None):
    """Trained weights of a musicnn model as numpy arrays, named as in its checkpoint.

    The first call reads the TensorFlow checkpoint from the installed
    ``musicnn`` package (checking every tensor's crc32c) and stores the
    weights (without the optimiser state) in
    ``<data_home>/pretrained/musicnn-<version>/<model>.npz``, with the ISC
    licence notice and the source in its ``__meta__`` entry; later calls read
    that file (``np.load(..., allow_pickle=False)``).

    Parameters
    ----------
    model : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'}
    data_home : str or os.PathLike, optional
        See :func:`skmer.datasets.get_data_home` (``$SKMER_DATA``, else
        ``~/.cache/skmer``).

    Returns
    -------
    weights : dict
        Tensor name -> ndarray of float32.

    Raises
    ------
    MusicnnNotInstalledError
        musicnn is not installed (the message gives ``pip install --no-deps musicnn``).
    CheckpointError
        The checkpoint is corrupt (crc32c mismatch) or unreadable.
    """
    _check_model(model)
    folder = find_musicnn()
    prefix = f"{folder / model}{os.sep}"  # musicnn's checkpoint files are <model>/.index etc.
    index_crc = crc32c(Path(f"{prefix}.index").read_bytes())
    version = _musicnn_version(folder)
    path = _cache_path(model, data_home, version)
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as z:
                meta = json.loads(str(z["__meta__"]))
                if meta.get("index_crc32c") == index_crc:
                    return {k: z[k] for k in z.files if k != "__meta__"}
        except (OSError, ValueError, KeyError):
            pass  # unreadable or stale cache: convert again
    tensors = read_checkpoint(f"{prefix}")
    weights = {k: v.astype(np.float32) for k, v in tensors.items()
               if "Adam" not in k and not k.endswith("_power") and k != "global_step"}
    meta = {
        "model": model,
        "source": f"musicnn {version} (PyPI), {prefix}",
        "source_url": "https://github.com/jordipons/musicnn",
        "license": "ISC",
        "license_text": MUSICNN_LICENSE,
        "index_crc32c": index_crc,
        "converted_by": "skmer.pretrained.load_musicnn_weights",
        "note": "skmer does not redistribute these weights; converted from the local install",
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp.npz")
    np.savez(tmp, __meta__=np.array(json.dumps(meta)), **weights)
    os.replace(tmp, path)
    return weights


def load_musicnn(model="MSD_musicnn", data_home=None):
    """The pretrained musicnn network as a torch module in eval mode.

    Parameters
    ----------
    model : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'}
    data_home : str or os.PathLike, optional
        Where the converted weights are cached (see :func:`load_musicnn_weights`).

    Returns
    -------
    net : torch.nn.Module
        ``net(x)`` maps log-mel patches ``(batch, 187, 96)`` to tag logits
        ``(batch, 50)``; ``net.features(x)`` returns every named output.
    """
    from ._network import build_network

    return build_network(model, load_musicnn_weights(model, data_home))


def musicnn_mel(y):
    """musicnn's input representation of a 16 kHz mono signal.

    As ``musicnn.extractor.batch_data``: ``librosa.feature.melspectrogram``
    (n_fft 512, hop 256, 96 Slaney mel bands, power 2, centred frames), cast to
    float16, then ``log10(10000 * S + 1)`` in float32 (what numpy 1.x, which
    musicnn ran on, computes).

    Parameters
    ----------
    y : ndarray of float32, shape (n_samples,)
        Mono audio at 16 kHz.

    Returns
    -------
    S : ndarray of float32, shape (n_frames, 96)
    """
    from ..features.melspec import power_mel

    S = power_mel(np.asarray(y, dtype=np.float32), SR, N_FFT, HOP_LENGTH, N_MELS)
    S = S.astype(np.float16).astype(np.float32)
    return np.log10(np.float32(10000) * S + np.float32(1))


def musicnn_patches(S, hop=N_FRAMES, pad=True):
    """Cut a musicnn log-mel ``(n_frames, 96)`` into 187-frame (3 s) patches.

    Patches start at frames ``0, hop, 2 * hop, ...`` and end inside the
    spectrogram, as musicnn's ``batch_data`` (default hop: no overlap). A
    spectrogram shorter than one patch, for which musicnn fails, is zero-padded
    at the end (log-mel 0 is silence) when `pad` is True.

    Returns
    -------
    patches : ndarray of float32, shape (n_patches, 187, 96)
    """
    n = S.shape[0]
    if n < N_FRAMES:
        if not pad:
            raise ValueError(f"need at least {N_FRAMES} frames (3 s), got {n}")
        S = np.concatenate([S, np.zeros((N_FRAMES - n, S.shape[1]), S.dtype)])
        n = N_FRAMES
    starts = range(0, n - N_FRAMES + 1, hop)
    return np.stack([S[s:s + N_FRAMES] for s in starts])


__all__ += ["CheckpointError", "INSTALL_COMMAND"]
