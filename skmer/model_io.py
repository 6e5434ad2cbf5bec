"""Model files that are safe to share: JSON description + tensors, no pickled code.

A ``.skmer`` file is a zip archive with two members:

``model.json``
    Format version, the skmer version that wrote it, and each pipeline step
    as a class name from a fixed allow-list, its parameters (JSON values; a
    class-valued parameter such as ``optimizer=torch.optim.Adam`` is stored by
    name and must be on the allow-list too) and its fitted attributes; plus
    free-form ``info`` (target names, ...) and a SHA-256 checksum of the
    description and the weights together.
``weights.pt``
    The networks' ``state_dict`` tensors, read back with
    ``torch.load(..., weights_only=True)``.

Feature caches (``memory=``) and parallelism (``n_jobs=``) are machine-local
and are not taken from the file: a loaded model has ``memory=None`` and
``n_jobs=None``; set them again with ``set_params`` if wanted.

Threat model
------------
Loading never unpickles objects, never imports a name that is not on the
allow-list, and sets only the parameters each class lists in
:data:`ALLOWED_PARAMS`, to plain values (numbers, strings, booleans, ``None``
and tuples/lists of these) of the expected kind; fitted attributes must be
plain public learned attributes (``name_``) holding plain values or arrays.
Anything else is refused with :class:`ModelFileError`. So a model file from a
stranger cannot run code, read or write files (no cache folder, no paths) or
re-class objects; the worst it can do is make predictions wrong or slow
(e.g. a huge network that exhausts memory). The checksum detects accidental
corruption and edits by someone who did not recompute it; it does not prove
who wrote the file, so a malicious author can still ship a model that
predicts nonsense. Plain ``pickle``/``joblib.dump`` of a fitted pipeline also
works, but only load such files from sources you trust: unpickling runs code.

One module: the writer, the reader and the allow-list of the file format must change
together, and the threat model is easiest to review in one place.
"""

from __future__ import annotations

import hashlib
import importlib
import io
import json
import numbers
import re
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._version import __version__

__all__ = ["ModelFileError", "load_model", "save_model", "FORMAT_VERSION"]

#: Version of the file layout. 2: the checksum covers the description too.
FORMAT_VERSION = 2

#: Classes a model file may name (steps and class-valued parameters).
ALLOWED_CLASSES = frozenset({
    "sklearn.pipeline.Pipeline",
    "skmer.features.logmel.LogMelTransformer",
    "skmer.features.segments.SegmentStacker",
    "skmer.features.stats.SpectrogramStats",
    "skmer.features.descriptors.AudioFeatures",
    "skmer.features.windows.SlidingWindows",
    "skmer.pretrained.mel.MusicnnMel",
    "skmer.pretrained.embedding.MusicnnEmbedding",
    "skmer.pretrained.levels.MusicnnLevels",
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


# --------------------------------------------------------------------------- parameter allow-list
# Each kind is a predicate on a decoded JSON value; a parameter takes any of its kinds.


def _none(v):
    return v is None


def _bool(v):
    return isinstance(v, bool)


def _int(v):
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _real(v):
    return isinstance(v, numbers.Real) and not isinstance(v, bool)


def _str(v):
    return isinstance(v, str)


def _seq(*item_kinds):
    def check(v):
        return isinstance(v, tuple | list) and all(any(k(x) for k in item_kinds) for x in v)
    check.__name__ = "sequence of " + " or ".join(k.__name__.strip("_") for k in item_kinds)
    return check


def _literal(*values):
    def check(v):
        return isinstance(v, str | bool) and v in values
    check.__name__ = " or ".join(repr(v) for v in values)
    return check


def _classes(*names):
    def check(v):
        return isinstance(v, type) and _qualname(v) in names
    check.__name__ = "class " + " or ".join(names)
    return check


def _str_to_real(v):
    return isinstance(v, dict) and all(isinstance(k, str) and _real(x) for k, x in v.items())


_str_to_real.__name__ = "dict of str to number"

_OPTIMIZERS = _classes("torch.optim.adam.Adam", "torch.optim.adamw.AdamW", "torch.optim.sgd.SGD")
_LOSSES = _classes("torch.nn.modules.loss.MSELoss", "torch.nn.modules.loss.L1Loss",
                   "torch.nn.modules.loss.CrossEntropyLoss",
                   "torch.nn.modules.loss.BCEWithLogitsLoss", "torch.nn.modules.loss.NLLLoss",
                   "skmer.nn.damff.CCCLoss")
_INTS = _seq(_int)
_STRS = _seq(_str)


def _net_params(module, **specific):
    """Parameters of a skmer skorch estimator: skorch's, the recipe's, and `specific`."""
    return {
        "module": (_classes(module),),
        "criterion": (_LOSSES,),
        "optimizer": (_OPTIMIZERS,),
        "lr": (_real,),
        "max_epochs": (_int,),
        "batch_size": (_int,),
        "iterator_train": (_classes("torch.utils.data.dataloader.DataLoader"),),
        "iterator_valid": (_classes("torch.utils.data.dataloader.DataLoader"),),
        "dataset": (_classes("skorch.dataset.Dataset"),),
        "train_split": (_none,),
        "callbacks": (_none,),
        "predict_nonlinearity": (_none, _literal("auto")),
        "warm_start": (_bool,),
        "verbose": (_int, _bool),
        "device": (_none, _str),  # replaced by load_model's device
        "compile": (_bool,),
        "use_caching": (_bool, _literal("auto")),
        "torch_load_kwargs": (_none,),
        "weight_decay": (_none, _real),
        "lr_milestones": (_none, _INTS),
        "lr_gamma": (_real,),
        "random_state": (_none, _int),
        **specific,
    }


_AUDIO_PARAMS = {
    "crop": (_str,), "duration": (_none, _real), "min_duration": (_none, _real),
    "memory": (_none,), "n_jobs": (_none, _int), "on_error": (_str,),
    "random_state": (_none, _int), "sr": (_none, _int), "verbose": (_int, _bool),
}

_ADFF = dict(width=(_real,), lstm_hidden=(_int,), fc_sizes=(_INTS,), dropout=(_real,),
             se_reduction=(_int,), use_se=(_bool,), use_tflm=(_bool,), precision=(_str,),
             channels_last=(_bool,),
             # training recipe
             lstm_summary=(_str,), freq_pooling=(_str,), input_scaling=(_none, _str),
             crop_frames=(_none, _int), levels=(_none, _INTS),
             crop_hop=(_none, _int), mixup_alpha=(_real,), spec_augment=(_int,),
             lr_schedule=(_str,), early_stopping=(_none, _int), validation_fraction=(_real,))

#: Parameters renamed since model files of the same format were written: the
#: old name in a file is read as the new one.
RENAMED_PARAMS = {
    "skmer.features.windows.SlidingWindows": {
        "window": "window_duration", "hop": "label_hop", "start": "label_start",
    },
}

#: Per step class: the parameters a model file may set and the kinds of value
#: each accepts. Anything else in a file is refused. (Forced on load, whatever
#: the file says: ``memory=None``, ``n_jobs=None`` and the ``device`` given to
#: :func:`load_model`.)
ALLOWED_PARAMS = {
    "skmer.features.logmel.LogMelTransformer": {
        **_AUDIO_PARAMS, "fmax": (_none, _real), "fmin": (_real,), "hop": (_real,),
        "n_mels": (_int,), "top_db": (_none, _real), "window": (_real,),
    },
    "skmer.features.descriptors.AudioFeatures": {**_AUDIO_PARAMS, "n_mfcc": (_int,)},
    "skmer.features.segments.SegmentStacker": {"seg_num": (_int,)},
    "skmer.features.stats.SpectrogramStats": {"stats": (_STRS,)},
    "skmer.features.windows.SlidingWindows": {
        "frame_hop": (_real,), "label_hop": (_real,), "n_steps": (_none, _int),
        "pad": (_str,), "label_start": (_none, _real), "window_duration": (_real,),
    },
    "skmer.pretrained.mel.MusicnnMel": {
        "n_frames": (_int,), "crop": (_str,), "random_state": (_none, _int),
        "memory": (_none,), "n_jobs": (_none, _int), "verbose": (_int, _bool),
        "on_error": (_str,),
    },
    "skmer.pretrained.embedding.MusicnnEmbedding": {
        "model": (_str,), "layer": (_str,), "pooling": (_str,), "patch_hop": (_none, _int),
        "batch_size": (_int,), "device": (_none, _str), "data_home": (_none,),
        "memory": (_none,), "n_jobs": (_none, _int), "verbose": (_int, _bool),
        "on_error": (_str,),
    },
    "skmer.pretrained.levels.MusicnnLevels": {
        "model": (_str,), "n_frames": (_int,), "block": (_int,), "batch_size": (_int,),
        "device": (_none, _str), "data_home": (_none,), "memory": (_none,),
        "n_jobs": (_none, _int), "verbose": (_int, _bool), "on_error": (_str,),
    },
    "skmer.estimators.adff.ADFFRegressor": _net_params("skmer.nn.adff.ADFFNet", **_ADFF,
                                                       target_scaling=(_bool,)),
    "skmer.estimators.adff.ADFFClassifier": _net_params(
        "skmer.nn.adff.ADFFNet", **_ADFF, classes=(_none, _seq(_str, _int, _real, _bool)),
        class_weight=(_none, _literal("balanced"), _str_to_real)),
    "skmer.estimators.damff.DAMFFRegressor": _net_params(
        "skmer.nn.damff.DAMFFNet", width=(_real,), filters=(_STRS,), reduction=(_int,),
        use_fusion=(_bool,), use_channel_attention=(_bool,), use_spatial_attention=(_bool,),
        lstm_hidden=(_int,), lstm_layers=(_int,), dropout=(_real,)),
    "skmer.estimators.tagger.CNNTagger": {
        **_net_params("skmer.nn.tagger.TaggerCNN", width=(_real,), n_blocks=(_int,),
                      dropout=(_real,), threshold=(_real,), tag_names=(_none, _seq(_str, _int)),
                      class_weight=(_none, _literal("balanced"), _str_to_real),
                      pretrained=(_none, _str), crop_frames=(_none, _int),
                      crop_hop=(_none, _int), head_lr=(_none, _real)),
        "criterion": (_none, _LOSSES),
    },
}

#: Parameters whose value in a file is ignored: machine-local, never from a stranger
#: (``data_home``: the musicnn weights are found in this installation).
_FORCED_PARAMS = {"memory": None, "n_jobs": None, "data_home": None}

_FITTED_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*_")


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


def _decode(value, where, allow_classes=True):
    """JSON value -> Python value; refuses anything but the tagged forms :func:`_encode` writes."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list):
        return [_decode(v, f"{where}[{i}]", allow_classes) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        raise ModelFileError(f"{where}: unexpected value {value!r:.80}")
    keys = set(value)
    if keys == {"__tuple__"} and isinstance(value["__tuple__"], list):
        return tuple(_decode(v, f"{where}[{i}]", allow_classes)
                     for i, v in enumerate(value["__tuple__"]))
    if keys == {"__dict__"} and isinstance(value["__dict__"], dict):
        return {k: _decode(v, f"{where}[{k!r}]", allow_classes)
                for k, v in value["__dict__"].items()}
    if keys == {"__array__", "dtype"}:
        return _decode_array(value, where)
    if keys == {"__class__"} and allow_classes:
        return _resolve_class(value["__class__"], where)
    raise ModelFileError(f"{where}: unknown encoded value {value!r:.80}")


def _decode_array(value, where):
    try:
        dtype = np.dtype(value["dtype"])
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{where}: invalid array dtype {value['dtype']!r:.40} "
                             f"({exc})") from None
    if dtype.kind not in "biufU":
        raise ModelFileError(f"{where}: array dtype {dtype.str!r} is not allowed (expected a "
                             "boolean, integer, float or string dtype)")

    def plain(v):
        if isinstance(v, list):
            return all(plain(x) for x in v)
        return v is None or isinstance(v, bool | int | float | str)

    if not plain(value["__array__"]):
        raise ModelFileError(f"{where}: array values must be nested lists of numbers or strings")
    try:
        return np.asarray(value["__array__"], dtype=dtype)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ModelFileError(f"{where}: invalid array ({exc})") from None


def _check_params(cls_name, params, where):
    """Refuse parameters that are not on the class's allow-list or have the wrong kind."""
    allowed = ALLOWED_PARAMS.get(cls_name)
    if allowed is None:
        raise ModelFileError(f"{where}: {cls_name} cannot be a step of a model file")
    for key, value in params.items():
        if key not in allowed:
            raise ModelFileError(
                f"{where}.params: {key!r} is not a parameter a model file may set for "
                f"{cls_name.rpartition('.')[2]} (allowed: {', '.join(sorted(allowed))})"
            )
        kinds = allowed[key]
        if not any(kind(value) for kind in kinds):
            expected = " or ".join(k.__name__.strip("_") for k in kinds)
            raise ModelFileError(f"{where}.params.{key} = {value!r:.80} is not allowed "
                                 f"(expected {expected})")


def _digest(document, blob):
    """SHA-256 of the description (canonical JSON, without the checksum itself) and weights."""
    body = {k: v for k, v in document.items() if k != "sha256"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    digest = hashlib.sha256(text.encode("ascii"))
    digest.update(b"\0")
    digest.update(blob)
    return digest.hexdigest()


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
    if cls_name not in ALLOWED_CLASSES or cls_name not in ALLOWED_PARAMS:
        raise ModelFileError(
            f"step {name!r} is a {cls_name}, which safe model files do not support; "
            "save with joblib.dump instead (trusted sources only)"
        )
    params = estimator.get_params(deep=False)
    for key, value in _FORCED_PARAMS.items():
        if key in params:  # a cache folder and parallelism are machine-local
            params[key] = value
    encoded = {k: _encode(v, f"{name}.{k}") for k, v in params.items()}
    # Refuse now what load_model would refuse (the allow-list is ALLOWED_PARAMS).
    _check_params(cls_name, params, f"step {name!r}")
    return {
        "name": name,
        "class": cls_name,
        "params": encoded,
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
    }
    document["sha256"] = _digest(document, blob)
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
            facts["label_hop"] = float(step.label_hop)
            facts["label_start"] = float(step.label_start_)
    return facts


def _read_archive(path):
    path = Path(path)
    if path.is_dir():
        raise ModelFileError(f"{path} is a directory, not a model file (expected a .skmer file "
                             "written by `skmer train` or skmer.model_io.save_model)")
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            document = json.loads(archive.read("model.json"))
            blob = archive.read("weights.pt")
    except Exception as exc:  # zipfile/zlib/json raise many types for damaged bytes
        raise ModelFileError(f"{path} is not a readable skmer model file (truncated or "
                             f"corrupt: {type(exc).__name__}: {exc})") from None
    if not isinstance(document, dict) or document.get("format") != "skmer-model":
        raise ModelFileError(f"{path} is not a skmer model file")
    version = document.get("format_version")
    written_by = document.get("skmer_version", "?")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path} was written by skmer {written_by!s:.40} in model format {version!s:.20}; "
            f"this skmer {__version__} reads format {FORMAT_VERSION} only. Load it with a "
            f"skmer version that writes format {version!s:.20}, or retrain."
        )
    if document.get("sha256") != _digest(document, blob):
        raise ModelFileError(f"{path}: the checksum does not match the file's contents (corrupt, "
                             "or edited without updating the checksum); refusing to load")
    if written_by != __version__:
        warnings.warn(f"{path} was written by skmer {written_by!s:.40}, this is skmer "
                      f"{__version__}; the file format is the same, but predictions may differ.",
                      UserWarning, stacklevel=3)
    return document, blob


def load_model(path, device="auto", with_info=False):
    """Read a model file written by :func:`save_model`.

    Only the classes of :data:`ALLOWED_CLASSES` and the parameters of
    :data:`ALLOWED_PARAMS` are accepted, with plain values; see the module's
    threat model. ``memory`` and ``n_jobs`` are set to ``None`` whatever the
    file says.

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
        Missing, truncated, corrupt or edited file (checksum mismatch),
        incompatible format version, a class that is not on the allow-list, or
        a parameter or fitted attribute that is not allowed.

    Warns
    -----
    UserWarning
        The file was written by another skmer version (same file format).
    """
    import torch
    from sklearn.pipeline import Pipeline

    document, blob = _read_archive(path)
    try:
        weights = torch.load(io.BytesIO(blob), map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for bad archives
        raise ModelFileError(f"{path}: cannot read the weights ({exc})") from None
    if not isinstance(weights, dict):
        raise ModelFileError(f"{path}: the weights are not a dict of step name -> state_dict")

    raw_steps = document.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ModelFileError(f"{path}: 'steps' must be a non-empty list of step descriptions, "
                             f"got {raw_steps!r:.80}")
    pipeline = document.get("pipeline")
    if not isinstance(pipeline, bool) or (not pipeline and len(raw_steps) != 1):
        raise ModelFileError(f"{path}: 'pipeline' must be true, or false with exactly one step; "
                             f"got {pipeline!r:.20} with {len(raw_steps)} step(s)")
    steps = [_load_step(path, i, step, weights, device) for i, step in enumerate(raw_steps)]
    try:
        model = Pipeline(steps) if pipeline else steps[0][1]
        if pipeline:
            model._validate_steps()  # unique names without '__'
    except (TypeError, ValueError) as exc:
        raise ModelFileError(f"{path}: the steps do not form a pipeline ({exc})") from None
    if with_info:
        info = _decode(document.get("info", {}), "info", allow_classes=False)
        info = dict(info) if isinstance(info, dict) else {}
        info["skmer_version"] = document.get("skmer_version")
        return model, info
    return model


def _load_step(path, index, step, weights, device):
    """Rebuild one ``(name, estimator)`` from its description, refusing anything unexpected."""
    if not isinstance(step, dict):
        raise ModelFileError(f"{path}: steps[{index}] must be an object, got {step!r:.80}")
    name = step.get("name")
    if not isinstance(name, str) or not name:
        raise ModelFileError(f"{path}: steps[{index}].name must be a non-empty string, "
                             f"got {name!r:.80}")
    where = f"step {name!r}"
    cls_name = step.get("class")
    cls = _resolve_class(cls_name, where)
    for field in ("params", "fitted"):
        if not isinstance(step.get(field, {}), dict):
            raise ModelFileError(f"{path}: {where}.{field} must be an object, "
                                 f"got {step[field]!r:.80}")
    params = {k: _decode(v, f"{where}.params.{k}") for k, v in step.get("params", {}).items()}
    renamed = RENAMED_PARAMS.get(cls_name, {})
    params = {renamed.get(k, k) if renamed.get(k, k) not in params else k: v
              for k, v in params.items()}
    _check_params(cls_name, params, where)
    for key, value in _FORCED_PARAMS.items():
        if key in ALLOWED_PARAMS[cls_name]:
            params[key] = value
    is_net = _is_net_class(cls)
    if is_net:
        params["device"] = device
    elif "device" in ALLOWED_PARAMS[cls_name]:  # a torch transformer (musicnn)
        from ._device import resolve_device

        params["device"] = str(resolve_device(device))
    fitted = {}
    for key, value in step.get("fitted", {}).items():
        if (not _FITTED_NAME.fullmatch(key) or key in _SKORCH_RUNTIME
                or hasattr(cls, key)):
            raise ModelFileError(f"{path}: {where}.fitted: {key!r:.80} is not a learned "
                                 "attribute a model file may set (expected a public name "
                                 "ending in '_')")
        fitted[key] = _decode(value, f"{where}.fitted.{key}", allow_classes=False)
    has_weights = step.get("has_weights")
    if has_weights is not is_net:
        raise ModelFileError(f"{path}: {where}.has_weights must be {str(is_net).lower()} for "
                             f"{cls_name.rpartition('.')[2]}, got {has_weights!r:.20}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            estimator = cls(**params)
        for key, value in fitted.items():
            setattr(estimator, key, value)
        if is_net:
            if name not in weights:
                raise ModelFileError(f"{path}: no weights for {where}")
            estimator.initialize()
            try:
                estimator.module_.load_state_dict(weights[name])
            except Exception as exc:
                raise ModelFileError(f"{path}: weights of {where} do not fit its network "
                                     f"({exc})") from None
            for key, value in fitted.items():
                setattr(estimator, key, value)
    except ModelFileError:
        raise
    except Exception as exc:  # e.g. a hyper-parameter the network refuses
        raise ModelFileError(f"{path}: {where} ({cls_name.rpartition('.')[2]}) cannot be "
                             f"rebuilt from its description ({type(exc).__name__}: "
                             f"{exc})") from None
    return name, estimator


def _is_net_class(cls):
    from skorch import NeuralNet

    return isinstance(cls, type) and issubclass(cls, NeuralNet)
