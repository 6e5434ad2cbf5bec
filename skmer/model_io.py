"""Model files that are safe to share: JSON description + tensors, no pickled code.

A ``.skmer`` file is a zip archive with two members:

``model.json``
    Format version, the skmer version that wrote it, and each pipeline step
    as a class name from a fixed allow-list, its parameters (JSON values; a
    class-valued parameter such as ``optimizer=torch.optim.Adam`` is stored by
    name and must be on the allow-list too) and its fitted attributes; plus
    free-form ``info`` (target names, ...) and the SHA-256 of the weights.
``weights.pt``
    The networks' ``state_dict`` tensors, read back with
    ``torch.load(..., weights_only=True)``.

Feature caches (``memory=``) are machine-local and are not saved: a loaded
model has ``memory=None``; set it again with ``set_params`` if wanted.

Loading never unpickles objects and never imports a name that is not on the
allow-list, so a model file someone sent you cannot run code. Plain
``pickle``/``joblib.dump`` of a fitted pipeline also works, but only load such
files from sources you trust.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import numbers
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._version import __version__

__all__ = ["ModelFileError", "load_model", "save_model", "FORMAT_VERSION"]

FORMAT_VERSION = 1

#: Classes a model file may name (steps and class-valued parameters).
ALLOWED_CLASSES = frozenset({
    "sklearn.pipeline.Pipeline",
    "skmer.features.logmel.LogMelTransformer",
    "skmer.features.segments.SegmentStacker",
    "skmer.features.stats.SpectrogramStats",
    "skmer.features.descriptors.AudioFeatures",
    "skmer.features.windows.SlidingWindows",
    "skmer.estimators.adff.ADFFRegressor",
    "skmer.estimators.adff.ADFFClassifier",
    "skmer.estimators.damff.DAMFFRegressor",
    "skmer.estimators.tagger.CNNTagger",
    "skmer.nn.adff.ADFFNet",
    "skmer.nn.damff.DAMFFNet",
    "skmer.nn.damff.CCCLoss",
    "skmer.nn.tagger.TaggerCNN",
    "torch.optim.adam.Adam",
    "torch.optim.adamw.AdamW",
    "torch.optim.sgd.SGD",
    "torch.nn.modules.loss.MSELoss",
    "torch.nn.modules.loss.L1Loss",
    "torch.nn.modules.loss.CrossEntropyLoss",
    "torch.nn.modules.loss.BCEWithLogitsLoss",
    "torch.nn.modules.loss.NLLLoss",
    "torch.utils.data.dataloader.DataLoader",
    "skorch.dataset.Dataset",
})

# skorch bookkeeping that is rebuilt by initialize(), never stored
_SKORCH_RUNTIME = {"history_", "module_", "criterion_", "optimizer_", "callbacks_",
                   "initialized_", "virtual_params_", "prefixes_", "cuda_dependent_attributes_",
                   "init_context_", "_modules", "_criteria", "_optimizers"}


class ModelFileError(ValueError):
    """A model file is missing, truncated, tampered with, from an incompatible
    version, or names something that is not allowed."""


# --------------------------------------------------------------------------- encoding


def _qualname(cls):
    return f"{cls.__module__}.{cls.__qualname__}"


def _encode(value, where):
    """Python value -> JSON value (tagged for tuples, arrays and classes)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, where) for v in value]}
    if isinstance(value, list):
        return [_encode(v, where) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"__dict__": {k: _encode(v, where) for k, v in value.items()}}
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufU":
        return {"__array__": value.tolist(), "dtype": value.dtype.str}
    if isinstance(value, type):
        name = _qualname(value)
        if name not in ALLOWED_CLASSES:
            raise ModelFileError(
                f"{where} is the class {name}, which a safe model file cannot reference; "
                "save with joblib.dump instead (and load only from trusted sources)"
            )
        return {"__class__": name}
    raise ModelFileError(
        f"{where} = {value!r:.80} cannot be stored in a safe model file (not a JSON value, "
        "array or allowed class); save with joblib.dump instead (trusted sources only)"
    )


def _resolve_class(name, where):
    if not isinstance(name, str) or name not in ALLOWED_CLASSES:
        raise ModelFileError(f"{where} names {name!r}, which is not an allowed class; refusing "
                             "to load (the file may have been tampered with)")
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ModelFileError(f"{where}: {name} is not available in this installation") from exc


def _decode(value, where):
    if isinstance(value, list):
        return [_decode(v, where) for v in value]
    if isinstance(value, dict):
        if "__tuple__" in value:
            return tuple(_decode(v, where) for v in value["__tuple__"])
        if "__dict__" in value:
            return {k: _decode(v, where) for k, v in value["__dict__"].items()}
        if "__array__" in value:
            return np.asarray(value["__array__"], dtype=np.dtype(value["dtype"]))
        if "__class__" in value:
            return _resolve_class(value["__class__"], where)
        raise ModelFileError(f"{where}: unknown encoded value {value!r:.80}")
    return value


def _is_net(estimator):
    return hasattr(estimator, "module_") or hasattr(estimator, "initialize")


def _fitted_attributes(estimator):
    state = {}
    for key, value in vars(estimator).items():
        if not key.endswith("_") or key.startswith("_") or key in _SKORCH_RUNTIME:
            continue
        if _is_net(estimator) and not isinstance(value, np.ndarray | tuple | list | numbers.Number
                                                 | str | type(None)):
            continue
        state[key] = value
    return state


def _describe_step(name, estimator):
    cls_name = _qualname(type(estimator))
    if cls_name not in ALLOWED_CLASSES:
        raise ModelFileError(
            f"step {name!r} is a {cls_name}, which safe model files do not support; "
            "save with joblib.dump instead (trusted sources only)"
        )
    params = estimator.get_params(deep=False)
    if "memory" in params:
        params["memory"] = None  # a cache folder is machine-local; not part of the model
    return {
        "name": name,
        "class": cls_name,
        "params": {k: _encode(v, f"{name}.{k}") for k, v in params.items()},
        "fitted": {k: _encode(v, f"{name}.{k}")
                   for k, v in _fitted_attributes(estimator).items()},
        "has_weights": _is_net(estimator),
    }


# --------------------------------------------------------------------------- save / load


def save_model(model, path, **info):
    """Write a fitted skmer pipeline (or single estimator) to a safe model file.

    Parameters
    ----------
    model : Pipeline or estimator
        Fitted; its steps must be skmer transformers/estimators (allow-list in
        :data:`ALLOWED_CLASSES`).
    path : str or os.PathLike
        File to write (``.skmer`` by convention).
    **info
        JSON-serialisable facts kept beside the model, e.g.
        ``target_names=['valence', 'arousal']``; returned by
        ``load_model(..., with_info=True)``. Facts read off the pipeline are
        added unless given: ``dynamic`` (True when the last step is a
        :class:`~skmer.estimators.DAMFFRegressor`, whose predictions are
        curves) and, with a :class:`~skmer.features.SlidingWindows` step,
        ``label_hop`` and ``label_start`` (seconds) of the curve points.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    ModelFileError
        A step or parameter cannot be stored without pickling code.
    """
    import torch
    from sklearn.pipeline import Pipeline
    from sklearn.utils.validation import check_is_fitted

    steps = model.steps if isinstance(model, Pipeline) else [("model", model)]
    description = []
    weights = {}
    for name, estimator in steps:
        if estimator in (None, "passthrough"):
            raise ModelFileError(f"step {name!r} is empty; remove it before saving")
        check_is_fitted(estimator)
        description.append(_describe_step(name, estimator))
        if _is_net(estimator):
            weights[name] = {k: v.detach().cpu() for k, v in estimator.module_.state_dict().items()}
    info = {**_pipeline_facts(steps), **info}
    buffer = io.BytesIO()
    torch.save(weights, buffer)
    blob = buffer.getvalue()
    document = {
        "format": "skmer-model",
        "format_version": FORMAT_VERSION,
        "skmer_version": __version__,
        "pipeline": isinstance(model, Pipeline),
        "steps": description,
        "info": _encode(info, "info"),
        "weights_sha256": hashlib.sha256(blob).hexdigest(),
    }
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("model.json", json.dumps(document, indent=1))
        archive.writestr("weights.pt", blob)
    tmp.replace(path)
    return path


def _pipeline_facts(steps):
    """Default ``info`` read off the steps: is the model dynamic, and its label grid."""
    from .estimators.damff import DAMFFRegressor
    from .features.windows import SlidingWindows

    facts = {"dynamic": isinstance(steps[-1][1], DAMFFRegressor)}
    for _, step in steps:
        if isinstance(step, SlidingWindows):
            facts["label_hop"] = float(step.hop)
            facts["label_start"] = float(step._start())
    return facts


def _read_archive(path):
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            document = json.loads(archive.read("model.json"))
            blob = archive.read("weights.pt")
    except (zipfile.BadZipFile, KeyError, EOFError, json.JSONDecodeError, OSError) as exc:
        raise ModelFileError(f"{path} is not a readable skmer model file (truncated or "
                             f"corrupt: {exc})") from None
    if not isinstance(document, dict) or document.get("format") != "skmer-model":
        raise ModelFileError(f"{path} is not a skmer model file")
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by skmer {document.get('skmer_version', '?')} in model format "
            f"{version}; this skmer {__version__} reads format {FORMAT_VERSION} only. Load it "
            f"with a skmer version that writes format {version}, or retrain."
        )
    if hashlib.sha256(blob).hexdigest() != document.get("weights_sha256"):
        raise ModelFileError(f"{path}: the weights do not match the model description "
                             "(tampered or corrupt file)")
    return document, blob


def load_model(path, device="auto", with_info=False):
    """Read a model file written by :func:`save_model`.

    Parameters
    ----------
    path : str or os.PathLike
        The model file.
    device : str, default='auto'
        Device for the networks: ``'auto'`` (CUDA when available, else CPU),
        ``'cpu'`` or ``'cuda'``. A model trained on a GPU loads on a CPU-only
        machine.
    with_info : bool, default=False
        Also return the ``info`` dict given to :func:`save_model`, with
        ``skmer_version`` added.

    Returns
    -------
    model : Pipeline or estimator
        Fitted, ready to ``predict``.
    info : dict
        Only if `with_info`.

    Raises
    ------
    ModelFileError
        Missing, truncated or tampered file, incompatible format version, or a
        class that is not on the allow-list.
    """
    import torch
    from sklearn.pipeline import Pipeline

    document, blob = _read_archive(path)
    try:
        weights = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for bad archives
        raise ModelFileError(f"{path}: cannot read the weights ({exc})") from None

    steps = []
    for step in document.get("steps", []):
        name = step.get("name", "?")
        cls = _resolve_class(step.get("class"), f"step {name!r}")
        params = {k: _decode(v, f"{name}.{k}") for k, v in step.get("params", {}).items()}
        if "device" in params and _is_net_class(cls):
            params["device"] = device
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            estimator = cls(**params)
        fitted = {k: _decode(v, f"{name}.{k}") for k, v in step.get("fitted", {}).items()}
        for key, value in fitted.items():
            setattr(estimator, key, value)
        if step.get("has_weights"):
            if name not in weights:
                raise ModelFileError(f"{path}: no weights for step {name!r}")
            estimator.initialize()
            try:
                estimator.module_.load_state_dict(weights[name])
            except RuntimeError as exc:
                raise ModelFileError(f"{path}: weights of step {name!r} do not fit its network "
                                     f"({exc})") from None
            for key, value in fitted.items():
                setattr(estimator, key, value)
        steps.append((name, estimator))
    if not steps:
        raise ModelFileError(f"{path} holds no model steps")
    model = Pipeline(steps) if document.get("pipeline") else steps[0][1]
    if with_info:
        info = _decode(document.get("info", {}), "info")
        info = dict(info) if isinstance(info, dict) else {}
        info["skmer_version"] = document.get("skmer_version")
        return model, info
    return model


def _is_net_class(cls):
    from skorch import NeuralNet

    return isinstance(cls, type) and issubclass(cls, NeuralNet)
