"""scikit-learn estimator for emotion tagging with a deep CNN on log-Mel spectrograms.

:class:`CNNTagger` predicts a binary indicator matrix of emotion tags (multi-
label, e.g. CAL500's ``Emotion-*`` words) or one label per clip (single-label,
multi-class). The metrics tagging papers report are in :mod:`skmer.metrics`
(:func:`~skmer.metrics.tagging_scorers`, :func:`~skmer.metrics.tagging_report`).

Long because one estimator handles multi-label and single-label targets, the
pretrained musicnn start and windowed prediction, which share its fit and predict.
"""

from __future__ import annotations

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.utils.validation import check_array, check_consistent_length
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.utils import to_tensor

from .._validation import ClassWeight, Interval, StrOptions
from ..metrics._tagging import is_dataframe, macro_roc_auc
from ..nn.tagger import TaggerCNN
from ..pretrained._musicnn import MUSICNN_MODELS
from ._base import _NetMixin, resolve_device
from ._docstrings import Substitution, training_parameters
from ._labels import class_weights, encode_labels
from ._skeleton import declared_parameters
from ._training import random_crop_frames, windows_frames

__all__ = ["CNNTagger", "TagWarning"]

_X_SHAPE = "(n_clips, n_channels, n_frames, n_mels)"


class TagWarning(UserWarning):
    """A tag column cannot be learnt or evaluated (e.g. it is constant in ``y``)."""



@Substitution(training=training_parameters(lr="1e-3", max_epochs=30, batch_size=16,
                                             batch_unit="clips"))
@declared_parameters
class CNNTagger(_NetMixin, ClassifierMixin, NeuralNet):
    """Emotion tagging with a deep CNN on log-Mel spectrograms.

    A VGG-style CNN (:class:`skmer.nn.TaggerCNN`) learns the tags of a clip
    from its spectrogram, as in "CNN based music emotion classification"
    (CAL500 / CAL500exp). Two kinds of targets:

    * **multi-label** (tagging): ``y`` is a binary indicator matrix
      ``(n_clips, n_tags)`` (array, or DataFrame whose columns name the tags)
      with at least two columns; one sigmoid output per tag, trained with
      binary cross-entropy (``BCEWithLogitsLoss``). :meth:`predict` returns
      the indicator matrix ``proba >= threshold``, :meth:`predict_proba` the
      tag probabilities.
    * **single-label** (multi-class): ``y`` is 1-D (any label type; a
      one-column 2-D ``y`` is raveled with a ``DataConversionWarning``, as in
      scikit-learn); softmax outputs, cross-entropy, :meth:`predict` returns
      labels.

    Parameters
    ----------
    width : float, default=1.0
        Channel multiplier; ``1.0`` gives 32, 64, 128, 256 channels for 4
        blocks. ``1/8`` trains toy problems on a CPU in seconds.
    n_blocks : int, default=4
        Convolution blocks (two 3x3 convolutions, BatchNorm, ReLU and a 2x2
        max-pool each).
    dropout : float, default=0.3
        Dropout before the fully connected layers, in ``[0, 1)``.
    threshold : float or array-like of shape (n_tags,), default=0.5
        Multi-label only: tag ``j`` is predicted when its probability is
        ``>= threshold[j]``. May be changed after fitting (``set_params``).
    tag_names : sequence or None, default=None
        Multi-label: the name of each column of ``y`` (default: the
        DataFrame's column names, else ``0 .. n_tags - 1``). Single-label:
        the complete list of labels in the order of :meth:`predict_proba`'s
        columns (default: the sorted unique labels of ``y``), useful when a
        fold misses a class.
    class_weight : {'balanced'}, dict or None, default=None
        ``'balanced'``: multi-label, each tag's positive examples are
        weighted by ``n_negative / n_positive`` (``BCEWithLogitsLoss``'s
        ``pos_weight``; 1 for constant tags), which helps rare tags reach
        the threshold; single-label, each class by ``n / (n_classes *
        count)``. A dict maps tag names (positive-example weight) or class
        labels (class weight) to weights, 1 for those it omits. Ignored when
        ``criterion`` is given.
    pretrained : {'MSD_musicnn', 'MTT_musicnn', 'MSD_vgg', 'MTT_vgg'} or None, default=None
        Start from a pretrained musicnn network (weights from the
        ``musicnn`` package: ``pip install --no-deps musicnn``) whose tag
        output layer is replaced by one for ``y``, and fine-tune it
        (``skmer.pretrained._tagger.PretrainedMusicnnTagger``; its
        batch-norm statistics stay frozen). ``X`` must then be musicnn's
        log-mel, shape ``(n, 1, n_frames, 96)``: build the pipeline with
        :class:`skmer.pretrained.MusicnnMel` instead of ``LogMelTransformer``
        (``n_frames=187`` for the VGG models). `width` and `n_blocks` are
        ignored; `dropout` applies before the new output layer. Use a small
        ``lr`` (e.g. ``1e-4``) and a larger `head_lr`.
    crop_frames : int or None, default=None
        Random-crop training: each training step sees a random window of
        ``crop_frames`` frames of every clip (a new one each epoch); in
        prediction the network sees every window (hop `crop_hop`) and the
        logits are averaged over windows. ``None`` trains and predicts on the
        whole input. For a pretrained musicnn network, ``187`` is its own
        3 s patch.
    crop_hop : int or None, default=None
        Frames between prediction windows; ``None`` is ``crop_frames``
        (windows that touch, the last one flush with the end).
    head_lr : float or None, default=None
        With `pretrained`: learning rate of the new output layer (the rest of
        the network trains at `lr`). The new layer starts from random weights
        and needs a larger rate than the pretrained ones, e.g. ``10 * lr``.
        ``None`` trains every layer at `lr`. Ignored without `pretrained`.
%(training)s    criterion : torch loss class or None, default=None
        ``None`` picks ``BCEWithLogitsLoss`` (multi-label) or
        ``CrossEntropyLoss`` (single-label) at ``fit``.
    module : type, default=TaggerCNN
        The torch module class, instantiated at ``fit`` with ``n_outputs``,
        ``in_channels`` and the network parameters above.
    **kwargs
        Other skorch :class:`~skorch.NeuralNet` arguments (``callbacks``,
        ``warm_start``, ``optimizer__<name>``, ``criterion__<name>``, ...).

    Attributes
    ----------
    classes_ : ndarray of shape (n_tags,) or (n_classes,)
        Tag names (multi-label) or class labels (single-label): the columns of
        :meth:`predict_proba` (and of :meth:`predict` for multi-label).
    multilabel_ : bool
        Whether ``y`` was a tag indicator matrix.
    n_outputs_ : int
        Number of tags or classes.
    tag_prevalence_ : ndarray of shape (n_tags,)
        Multi-label: fraction of training clips with each tag.
    module_ : TaggerCNN
        The trained network.
    input_shape_ : tuple of int
        ``(n_channels, n_frames, n_mels)`` of the training ``X``.
    history_ : skorch.History
        Per-epoch training record.

    See Also
    --------
    tagging_scorers : Scorers (macro ROC-AUC, F1, ...) for ``cross_validate``.
    tagging_report : Per-tag precision, recall, F1, ROC-AUC as a DataFrame.
    skmer.datasets.load_cal500, skmer.datasets.load_tags_csv : Tagged data sets.

    Notes
    -----
    :meth:`score` is the macro ROC-AUC (over tags with both classes in ``y``)
    for multi-label targets and the accuracy for single-label ones.
    scikit-learn's scorer strings work too: ``'f1_macro'``, ``'f1_micro'``,
    ``'f1_samples'``, ``'precision_macro'``, ``'recall_macro'``,
    ``'accuracy'`` use :meth:`predict`; ``'roc_auc'`` and
    ``'average_precision'`` use :meth:`predict_proba` and need at least 3
    tags (scikit-learn infers a binary problem from two tag names) and every
    tag present and absent in each test fold; :func:`tagging_scorers` has
    neither restriction.

    References
    ----------
    "CNN based music emotion classification" (abstract; CAL500, CAL500exp).

    Examples
    --------
    >>> import numpy as np
    >>> from skmer.estimators import CNNTagger
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 1, 40, 16)).astype(np.float32)
    >>> Y = rng.integers(0, 2, size=(8, 3))           # 3 tags
    >>> tagger = CNNTagger(width=1/8, n_blocks=2, max_epochs=2, random_state=0, verbose=0,
    ...                    tag_names=["happy", "sad", "calm"])
    >>> tagger.fit(X, Y).predict(X).shape, tagger.classes_.tolist()
    ((8, 3), ['happy', 'sad', 'calm'])
    """

    _network = TaggerCNN
    _network_parameters = ("width", "n_blocks", "dropout")
    _estimator_parameters = {
        "threshold": 0.5,
        "tag_names": None,
        "class_weight": None,
        "pretrained": None,
        "crop_frames": None,
        "crop_hop": None,
        "head_lr": None,
    }
    _training_defaults = {"lr": 1e-3, "max_epochs": 30, "batch_size": 16}
    _parameter_constraints = {
        **_NetMixin._parameter_constraints,
        "class_weight": [None, StrOptions({"balanced"}), ClassWeight()],
        "pretrained": [None, StrOptions(set(MUSICNN_MODELS))],
        "crop_frames": [None, Interval(Integral, 1, None, closed="left")],
        "crop_hop": [None, Interval(Integral, 1, None, closed="left")],
        "head_lr": [None, Interval(Real, 0, None, closed="left")],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # needs (n, C, T, M)
        tags.target_tags.multi_output = True
        tags.classifier_tags.multi_label = True
        return tags

    # ------------------------------------------------------------------ network / loss

    def _module_kwargs(self):
        try:
            n_outputs, in_channels = self.n_outputs_, self.input_shape_[0]
        except AttributeError:
            raise self._not_fitted_error() from None
        return {**self._network_kwargs(), "n_outputs": int(n_outputs),
                "in_channels": int(in_channels)}

    def initialize_module(self):
        """Build the network (skorch API); with `pretrained`, the pretrained musicnn network."""
        if getattr(self, "pretrained", None) is None:
            return super().initialize_module()
        from ..pretrained._musicnn import MUSICNN_MODELS, N_FRAMES, N_MELS
        from ..pretrained._tagger import PretrainedMusicnnTagger

        if self.pretrained not in MUSICNN_MODELS:
            raise ValueError(
                f"pretrained must be None or one of {list(MUSICNN_MODELS)}, got "
                f"{self.pretrained!r}"
            )
        kwargs = self._module_kwargs()
        channels, n_frames, n_mels = self.input_shape_
        if channels != 1 or n_mels != N_MELS or ("vgg" in self.pretrained and n_frames != N_FRAMES):
            raise ValueError(
                f"pretrained={self.pretrained!r} needs musicnn log-mels of shape (n, 1, "
                f"{N_FRAMES if 'vgg' in self.pretrained else 'n_frames'}, {N_MELS}) from "
                f"skmer.pretrained.MusicnnMel; got X of shape (n, {channels}, {n_frames}, "
                f"{n_mels})"
            )
        kwargs = {"model": self.pretrained, "n_outputs": kwargs["n_outputs"],
                  "dropout": self.dropout, **self.get_params_for("module")}
        self.module_ = self.initialized_instance(PretrainedMusicnnTagger, kwargs)
        return self

    def get_params_for_optimizer(self, prefix, named_parameters):
        """Optimiser arguments (skorch API); with `pretrained` and `head_lr`, two groups."""
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if prefix != "optimizer" or self.pretrained is None or self.head_lr is None:
            return args, kwargs
        head = {id(p) for p in self.module_.net.output.parameters()}
        groups = []
        for group in args[0]:
            params = list(group["params"])
            rest = [p for p in params if id(p) not in head]
            new = [p for p in params if id(p) in head]
            if rest:
                groups.append({**group, "params": rest})
            if new:
                groups.append({**group, "params": new, "lr": float(self.head_lr)})
        return (groups,), kwargs

    def train_step_single(self, batch, **fit_params):
        """One training step (skorch API), on a random window with `crop_frames`."""
        if self.crop_frames is None:
            return super().train_step_single(batch, **fit_params)
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        device = resolve_device(self.device)
        Xi = random_crop_frames(to_tensor(Xi, device=device), self.crop_frames)
        y_pred = self.infer(Xi, **fit_params)
        loss = self.get_loss(y_pred, to_tensor(yi, device=device), X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def infer(self, x, **fit_params):
        """Run the network (skorch API); with `crop_frames`, mean logits over windows."""
        if self.crop_frames is None or self.module_.training:
            return super().infer(x, **fit_params)
        x = to_tensor(x, device=resolve_device(self.device))
        hop = self.crop_hop if self.crop_hop is not None else self.crop_frames
        windows, n_windows = windows_frames(x, self.crop_frames, hop)
        out = self.module_(windows, **fit_params)
        if n_windows == 1:
            return out
        return out.reshape(n_windows, x.shape[0], *out.shape[1:]).mean(dim=0)

    def initialize_criterion(self):
        """Build the loss (skorch API): BCE with logits for tags, cross-entropy for classes."""
        kwargs = self.get_params_for("criterion")
        criterion = self.criterion
        if criterion is None:
            criterion = (
                torch.nn.BCEWithLogitsLoss if self.multilabel_ else torch.nn.CrossEntropyLoss
            )
            weights = getattr(self, "loss_weights_", None)
            if weights is not None:
                kwargs.setdefault("pos_weight" if self.multilabel_ else "weight",
                                  torch.as_tensor(weights, dtype=torch.float32))
        self.criterion_ = self.initialized_instance(criterion, kwargs)
        return self

    def _get_predict_nonlinearity(self):
        if self.predict_nonlinearity != "auto":
            return super()._get_predict_nonlinearity()
        if getattr(self, "multilabel_", False):
            return torch.sigmoid
        return partial(torch.softmax, dim=-1)

    # ------------------------------------------------------------------ validation

    def _dict_weights(self, names):
        """Loss weights from a ``class_weight`` dict (1 for names it does not list)."""
        known = set(np.asarray(names).tolist())
        unknown = [k for k in self.class_weight if k not in known]
        if unknown:
            raise ValueError(
                f"class_weight has keys {unknown!r} that are not among the "
                f"{'tags' if self.multilabel_ else 'classes'} {sorted(known, key=str)!r}"
            )
        return np.array([float(self.class_weight.get(k, 1.0)) for k in np.asarray(names).tolist()])

    def _validate_X(self, X, reset):
        name = type(self).__name__
        X = self._dense_array(X, _X_SHAPE)
        if X.ndim != 4:
            raise ValueError(
                f"{name} expects log-mel spectrograms of shape {_X_SHAPE}, e.g. "
                f"LogMelTransformer output; got a {X.ndim}-D input of shape {X.shape}"
            )
        X = check_array(
            X, allow_nd=True, dtype=np.float32, ensure_all_finite=True, input_name="X",
            estimator=self,
        )
        if min(X.shape[1:]) < 1:
            raise ValueError(f"{name} got X with an empty axis: shape {X.shape} = {_X_SHAPE}")
        if not reset:
            channels, _, n_mels = self.input_shape_
            if X.shape[1] != channels or X.shape[3] != n_mels:
                raise ValueError(
                    f"X has {X.shape[1]} channel(s) and {X.shape[3]} mel bands but {name} was "
                    f"fitted with {channels} and {n_mels}; X shape {X.shape}"
                )
        return X

    def _validate_y(self, y, n_samples, reset, classes=None):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None")
        columns = None
        if is_dataframe(y):
            columns = list(y.columns)
            y = y.to_numpy()
        elif isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] >= 2:
            return self._validate_tags(y, n_samples, reset, columns)
        if y.ndim > 2:
            raise ValueError(
                f"y must be a tag indicator matrix (n_clips, n_tags) or labels (n_clips,); "
                f"got shape {y.shape}"
            )
        return self._validate_labels(y, n_samples, reset, classes)

    def _validate_tags(self, y, n_samples, reset, columns):
        name = type(self).__name__
        check_consistent_length(np.empty((n_samples, 0)), y)
        if y.dtype == object or y.dtype.kind in "fc":
            try:
                yf = y.astype(np.float64)
            except (TypeError, ValueError):
                raise ValueError(
                    f"{name}: the tag matrix y must hold 0/1 values; it has non-numeric entries"
                ) from None
            if np.isnan(yf).any():
                where = np.argwhere(np.isnan(yf))[0]
                raise ValueError(
                    f"y contains NaN (first at clip {where[0]}, tag {where[1]}); a tag matrix "
                    "must be complete 0/1 values"
                )
            y = yf
        elif y.dtype.kind not in "biu":
            raise ValueError(f"{name}: the tag matrix y must hold 0/1 values, got dtype {y.dtype}")
        values = np.unique(y)
        if not np.isin(values, (0, 1)).all():
            bad = values[~np.isin(values, (0, 1))][:5]
            raise ValueError(
                f"{name}: y with {y.shape[1]} columns is taken as a binary tag indicator matrix "
                f"but it holds non-binary values such as {bad.tolist()}; binarise soft "
                "annotations first (e.g. (y >= 0.5).astype(int)) or pass 1-D class labels"
            )
        y = y.astype(np.float32)
        n_tags = y.shape[1]
        if reset:
            names = self.tag_names if self.tag_names is not None else columns
            names = np.arange(n_tags) if names is None else np.asarray(list(names), dtype=object)
            if names.ndim != 1 or len(names) != n_tags or len(set(names.tolist())) != n_tags:
                raise ValueError(
                    f"tag_names must list {n_tags} distinct names (one per column of y), got "
                    f"{list(names)!r}"
                )
            if names.dtype == object and all(isinstance(n, str) for n in names):
                names = names.astype(str)
            prevalence = y.mean(axis=0)
            constant = np.flatnonzero((prevalence == 0) | (prevalence == 1))
            if constant.size:
                listed = [
                    f"{names[j:j + 1].tolist()[0]!r} (all {int(prevalence[j])})"
                    for j in constant[:10]
                ]
                warnings.warn(
                    f"{len(constant)} tag(s) are constant in y: {', '.join(listed)}"
                    f"{' ...' if constant.size > 10 else ''}; the network can only learn to "
                    "always/never predict them and their ROC-AUC is undefined",
                    TagWarning,
                    stacklevel=5,
                )
            self.multilabel_ = True
            self.classes_ = names
            self.n_outputs_ = n_tags
            self.tag_prevalence_ = prevalence.astype(np.float64)
            self.loss_weights_ = None
            if isinstance(self.class_weight, dict):
                self.loss_weights_ = self._dict_weights(names)
            elif self.class_weight == "balanced":
                pos = y.sum(axis=0)
                neg = len(y) - pos
                self.loss_weights_ = np.where((pos > 0) & (neg > 0), neg / np.maximum(pos, 1), 1.0)
        else:
            if not self.multilabel_ or n_tags != self.n_outputs_:
                raise ValueError(
                    f"y has {n_tags} tag columns but {name} was fitted with "
                    + (f"{self.n_outputs_} tags" if self.multilabel_ else "1-D class labels")
                )
        return y

    def _validate_labels(self, y, n_samples, reset, classes):
        if not reset:
            if self.multilabel_:
                raise ValueError(f"{type(self).__name__} was fitted on a tag matrix; y must "
                                 f"have {self.n_outputs_} columns")
            return encode_labels(y, n_samples, self.classes_, estimator=self)[1]
        given = list(self.tag_names) if self.tag_names is not None else classes
        labels, y_enc = encode_labels(y, n_samples, given, estimator=self,
                                      labels_param="tag_names")
        self.multilabel_ = False
        self.classes_ = labels
        self.n_outputs_ = len(labels)
        self.tag_prevalence_ = None
        self.loss_weights_ = class_weights(self.class_weight, y_enc, labels)
        return y_enc

    # ------------------------------------------------------------------ API

    def fit(self, X, y, **fit_params):
        """Build the network for the shape of ``X`` and ``y`` and train it.

        ``X`` and ``y`` are validated completely (binary tag values, no NaN)
        before the network is built or trained; constant tag columns give a
        :class:`TagWarning`.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_channels, n_frames, n_mels)
            Log-mel spectrograms (``LogMelTransformer`` output, 1 channel).
        y : array-like of shape (n_clips, n_tags) or (n_clips,)
            Binary tag indicator matrix (array or DataFrame), or labels.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : CNNTagger
        """
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-creating the network.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_channels, n_frames, n_mels)
        y : array-like of shape (n_clips, n_tags) or (n_clips,)
        classes : array-like or None, default=None
            Single-label: all labels that may appear (first call only).
        **fit_params : dict

        Returns
        -------
        self : CNNTagger
        """
        return self._partial_fit(X, y, fit_params, classes=classes)

    def predict_proba(self, X):
        """Tag or class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_channels, n_frames, n_mels)

        Returns
        -------
        proba : ndarray of shape (n_clips, n_tags) or (n_clips, n_classes), float64
            Multi-label: independent sigmoid probability of each tag.
            Single-label: softmax over the classes (rows sum to 1). Columns
            follow ``classes_``.
        """
        proba = self._forward_output(X).astype(np.float64)
        if not self.multilabel_:
            proba /= proba.sum(axis=1, keepdims=True)
        return proba

    def _thresholds(self):
        try:
            t = np.asarray(self.threshold, dtype=np.float64)
        except (TypeError, ValueError):
            t = np.array(np.nan)
        if t.ndim > 1 or (t.ndim == 1 and t.shape != (self.n_outputs_,)) or not (
            np.isfinite(t).all() and (t >= 0).all() and (t <= 1).all()
        ):
            raise ValueError(
                f"threshold must be a number in [0, 1] or {self.n_outputs_} of them (one per "
                f"tag), got {self.threshold!r}"
            )
        return t

    def predict(self, X):
        """Predict tags (indicator matrix) or labels.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_channels, n_frames, n_mels)

        Returns
        -------
        y_pred : ndarray of shape (n_clips, n_tags), int64, or (n_clips,)
            Multi-label: 1 where the tag probability is ``>= threshold``.
            Single-label: the most probable label of ``classes_``.
        """
        proba = self.predict_proba(X)
        if self.multilabel_:
            return (proba >= self._thresholds()).astype(np.int64)
        return self.classes_[proba.argmax(axis=1)]

    def score(self, X, y, sample_weight=None):
        """Macro ROC-AUC (multi-label) or accuracy (single-label).

        Parameters
        ----------
        X : array-like of shape (n_clips, n_channels, n_frames, n_mels)
        y : array-like of shape (n_clips, n_tags) or (n_clips,)
        sample_weight : array-like of shape (n_clips,) or None
            Single-label only.

        Returns
        -------
        score : float
            Multi-label: mean ROC-AUC over the tags that are both present and
            absent in ``y`` (NaN if none is). Single-label: accuracy.
        """
        self._check_fitted()
        if not self.multilabel_:
            return super().score(X, y, sample_weight=sample_weight)
        if sample_weight is not None:
            raise ValueError("sample_weight is not supported for tag matrices")
        return macro_roc_auc(self, X, y)
