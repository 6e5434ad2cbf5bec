"""scikit-learn estimators for the ADFF network (Huang et al., 2022).

:class:`ADFFRegressor` predicts continuous emotion values (valence and/or
arousal); :class:`ADFFClassifier` predicts emotion categories (e.g. the
quadrants of :func:`~skmer.estimators.va_to_quadrant`). Both are skorch nets
and therefore scikit-learn estimators: they work in pipelines, grid searches,
cross-validation, ``clone``, pickle and joblib.

Both ADFF estimators, the regressor and the classifier; most of the length is their
numpydoc.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_consistent_length
from skorch import NeuralNet, NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochScoring
from skorch.utils import to_numpy

from .._validation import ClassWeight, StrOptions
from ._adff_mixin import _ADFFMixin
from ._docstrings import (
    ADFF_NETWORK_PARAMETERS,
    ADFF_RECIPE_PARAMETERS,
    ADFF_TRAINING_PARAMETERS,
    Substitution,
)
from ._labels import class_weights, encode_labels
from ._skeleton import declared_parameters

__all__ = ["ADFFClassifier", "ADFFRegressor"]


def _encoded_accuracy(net, X, y):
    """Accuracy on skorch's internal validation split, whose ``y`` is label-encoded."""
    # skorch's own predict_proba: works on datasets and uses the scoring cache
    y_pred = NeuralNet.predict_proba(net, X).argmax(axis=1)
    return float(np.mean(y_pred == to_numpy(y).reshape(-1)))


@Substitution(adff_network=ADFF_NETWORK_PARAMETERS, adff_recipe=ADFF_RECIPE_PARAMETERS,
              adff_training=ADFF_TRAINING_PARAMETERS)
@declared_parameters
class ADFFRegressor(_ADFFMixin, NeuralNetRegressor):
    """Music emotion regression with the ADFF network.

    Attention-based deep feature fusion (Huang et al., Interspeech 2022): a
    VGG16-style CNN over stacked log-mel segments, squeeze-and-excitation
    attention and a BiLSTM per CNN level, and fully connected layers on the
    fused level features (see :class:`skmer.nn.ADFFNet`). Predicts one target
    (e.g. valence) or several at once (e.g. ``[valence, arousal]``, the
    paper's multi-task setting); trained with mean squared error.

    The defaults follow the paper's protocol (section 3.2): Adam, learning rate
    1e-5, weight decay 1e-5, batch size 32, 200 epochs, learning-rate decay at
    epochs 20, 45, 80, 110, 140 and 170. That takes hours on a GPU at full
    width. For CPU experiments use e.g. ``width=1/8, lr=1e-3, batch_size=16,
    max_epochs=20, lr_milestones=None`` with ``seg_num`` 8-16.

    Parameters
    ----------
%(adff_network)s
%(adff_recipe)s
    target_scaling : bool, default=False
        Standardise each target column with its training mean and standard
        deviation for the loss; predictions are transformed back.
    criterion : torch loss class, default=torch.nn.MSELoss
        Loss on the (scaled) outputs.
%(adff_training)s

    Attributes
    ----------
    module_ : ADFFNet
        The trained network.
    input_shape_ : tuple of int
        ``(seg_num, n_frames, n_mels)`` of the training ``X``.
    n_outputs_ : int
        Number of regression targets.
    y_ndim_ : int
        Dimensionality of the training ``y`` (1 or 2); :meth:`predict`
        returns the same.
    history_ : skorch.History
        Per-epoch and per-batch training record (losses, durations, lr).

    See Also
    --------
    ADFFClassifier : The same network for emotion categories.
    skmer.features.SegmentStacker : Produces the 4-D input.

    Notes
    -----
    ``X`` is a float array of shape ``(n_clips, seg_num, n_frames, n_mels)``:
    log-mel spectrograms cut into ``seg_num`` consecutive segments stacked as
    channels, as produced by ``LogMelTransformer`` followed by
    ``SegmentStacker``. At least 32 frames and 32 mel bands per segment are
    required. The network is (re)built at every ``fit`` from the shape of
    ``X`` and ``y``. At prediction ``seg_num`` and ``n_mels`` must match the
    training data; the number of frames may differ.

    References
    ----------
    Z. Huang, S. Ji, Z. Hu, C. Cai, J. Luo and X. Yang, "ADFF: Attention
    Based Deep Feature Fusion Approach for Music Emotion Recognition",
    Interspeech 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from skmer.estimators import ADFFRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 2, 32, 32)).astype(np.float32)
    >>> y = rng.uniform(-1, 1, size=(8, 2))          # valence, arousal
    >>> reg = ADFFRegressor(width=1/16, lstm_hidden=8, lr=1e-3, max_epochs=2,
    ...                     lr_milestones=None, random_state=0, verbose=0)
    >>> reg.fit(X, y).predict(X).shape
    (8, 2)
    """

    _estimator_parameters = {**_ADFFMixin._estimator_parameters, "target_scaling": False}
    _training_defaults = {**_ADFFMixin._training_defaults, "criterion": torch.nn.MSELoss}
    _parameter_constraints = {
        **_ADFFMixin._parameter_constraints,
        "target_scaling": ["boolean"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # needs (n, seg_num, T, M)
        tags.target_tags.multi_output = True
        return tags

    def _n_module_outputs(self):
        return self.n_outputs_

    def _validate_y(self, y, n_samples, reset):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        if isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        y = check_array(
            y,
            ensure_2d=False,
            dtype=np.float32,
            ensure_all_finite=True,
            input_name="y",
            estimator=self,
        )
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be of shape (n,) or (n, n_outputs); got shape {y.shape}")
        y_ndim = y.ndim
        check_consistent_length(np.empty((n_samples, 0)), y)
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        y = y.reshape(n_samples, n_outputs)
        if reset:
            self.n_outputs_ = n_outputs
            self.y_ndim_ = 1 if y_ndim == 1 else 2
            if self.target_scaling:
                self.target_mean_ = y.mean(axis=0).astype(np.float64)
                self.target_scale_ = np.maximum(y.std(axis=0), 1e-6).astype(np.float64)
            else:
                self.target_mean_ = np.zeros(n_outputs)
                self.target_scale_ = np.ones(n_outputs)
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} outputs but {type(self).__name__} was fitted with "
                f"{self.n_outputs_}"
            )
        return ((y - self.target_mean_) / self.target_scale_).astype(np.float32)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-creating the network.

        The first call (or a call on an unfitted estimator) builds the
        network like :meth:`fit`.

        Parameters
        ----------
        X : array-like of shape (n_clips, seg_num, n_frames, n_mels)
        y : array-like of shape (n_clips,) or (n_clips, n_outputs)
        classes : None
            Unused, for API compatibility.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, fit_params)

    def predict(self, X):
        """Predict the targets.

        Parameters
        ----------
        X : array-like of shape (n_clips, seg_num, n_frames, n_mels)
            Stacked log-mel segments with the ``seg_num`` and ``n_mels`` of
            the training data.

        Returns
        -------
        y_pred : ndarray of shape (n_clips,) or (n_clips, n_outputs), float64
            Same dimensionality as the ``y`` given to ``fit``. A clip whose
            ``X`` is entirely NaN (a file the front end could not read, under
            ``on_error='skip'``) gets NaN; the others are predicted as usual.
        """
        y_pred = self._forward_output(X, failed_rows_nan=True).astype(np.float64)
        y_pred = y_pred * getattr(self, "target_scale_", 1.0) + getattr(self, "target_mean_", 0.0)
        if self.y_ndim_ == 1:
            return y_pred.reshape(-1)
        return y_pred

    @available_if(lambda self: False)
    def predict_proba(self, X):
        """Not available: a regressor has no probabilities (hidden from ``hasattr``)."""


@Substitution(adff_network=ADFF_NETWORK_PARAMETERS, adff_recipe=ADFF_RECIPE_PARAMETERS,
              adff_training=ADFF_TRAINING_PARAMETERS)
@declared_parameters
class ADFFClassifier(_ADFFMixin, NeuralNetClassifier):
    """Music emotion classification with the ADFF network.

    The network of :class:`ADFFRegressor` with one output logit per class,
    trained with cross-entropy. Labels may be of any type (ints, strings);
    the paper's Table 4 tasks are the four V-A quadrants
    (:func:`~skmer.estimators.va_to_quadrant`) and the signs of valence or
    arousal (:func:`~skmer.estimators.va_to_binary`).

    The defaults follow the paper's protocol (section 3.2), see
    :class:`ADFFRegressor`.

    Parameters
    ----------
%(adff_network)s
%(adff_recipe)s
    class_weight : {'balanced'}, dict or None, default=None
        Weights of the classes in the cross-entropy: ``'balanced'`` is
        :func:`sklearn.utils.class_weight.compute_class_weight` on the
        training labels; a dict maps labels to weights (1 for those it
        omits). ``None``: equal weights.
%(adff_training)s
    classes : array-like or None, default=None
        The complete set of labels, in the order of the columns of
        :meth:`predict_proba`. ``None``: the sorted unique labels of ``y`` at
        ``fit``. Useful when a training fold may miss a class.
    criterion : torch loss class, default=torch.nn.CrossEntropyLoss
        Loss on the network's logits.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    module_ : ADFFNet
        The trained network.
    input_shape_ : tuple of int
        ``(seg_num, n_frames, n_mels)`` of the training ``X``.
    n_outputs_ : int
        Number of classes (output logits).
    history_ : skorch.History
        Per-epoch and per-batch training record.

    See Also
    --------
    ADFFRegressor : The same network for continuous valence/arousal.
    va_to_quadrant, va_to_binary : Labels for the paper's classification tasks.

    Notes
    -----
    See :class:`ADFFRegressor` for the input format. With ``train_split``
    set, the epoch table shows ``valid_acc``, the accuracy on skorch's
    internal validation split.

    Examples
    --------
    >>> import numpy as np
    >>> from skmer.estimators import ADFFClassifier, va_to_quadrant
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(8, 2, 32, 32)).astype(np.float32)
    >>> y = va_to_quadrant(rng.uniform(-1, 1, size=(8, 2)))
    >>> clf = ADFFClassifier(width=1/16, lstm_hidden=8, lr=1e-3, max_epochs=2,
    ...                      lr_milestones=None, random_state=0, verbose=0)
    >>> clf.fit(X, y).predict_proba(X).shape[0]
    8
    """

    _estimator_parameters = {**_ADFFMixin._estimator_parameters, "class_weight": None,
                             "classes": None}
    _training_defaults = {**_ADFFMixin._training_defaults,
                          "criterion": torch.nn.CrossEntropyLoss}
    _parameter_constraints = {
        **_ADFFMixin._parameter_constraints,
        "class_weight": [None, StrOptions({"balanced"}), ClassWeight()],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # needs (n, seg_num, T, M)
        return tags

    @property
    def _default_callbacks(self):
        callbacks = []
        for name, cb in super()._default_callbacks:
            if name == "valid_acc":
                # skorch's default scores predict() against the encoded labels
                cb = EpochScoring(_encoded_accuracy, name="valid_acc", lower_is_better=False)
            callbacks.append((name, cb))
        return callbacks

    _stratified_validation = True

    def _n_module_outputs(self):
        return self.n_outputs_

    def _aggregate_windows(self, out):
        """Log of the mean window probabilities, ``out`` logits (n_windows, n, n_classes).

        The softmax applied by :meth:`predict_proba` then returns the mean of
        the windows' class probabilities, and the cross-entropy of the
        validation split is the clip-level one.
        """
        return torch.log(torch.softmax(out.float(), dim=-1).mean(dim=0).clamp_min(1e-12))

    def get_params_for(self, prefix):
        """Component parameters (skorch API); the criterion gets ``class_weight_``."""
        params = super().get_params_for(prefix)
        weights = getattr(self, "class_weight_", None)
        if prefix == "criterion" and weights is not None and "weight" not in params:
            params["weight"] = torch.as_tensor(weights, dtype=torch.float32)
        return params

    def check_data(self, X, y):
        """No-op: ``fit`` has validated and label-encoded the data already."""

    def _validate_y(self, y, n_samples, reset, classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        if isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        if reset:
            given = self.classes if self.classes is not None else classes
            labels, y_enc = encode_labels(y, n_samples, given, estimator=self)
            self.classes_inferred_ = labels
            self.n_outputs_ = len(labels)
            self.class_weight_ = class_weights(self.class_weight, y_enc, labels)
        else:
            _, y_enc = encode_labels(y, n_samples, self.classes_, estimator=self)
        return y_enc

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-creating the network.

        Parameters
        ----------
        X : array-like of shape (n_clips, seg_num, n_frames, n_mels)
        y : array-like of shape (n_clips,)
        classes : array-like or None, default=None
            All labels that may appear, required at the first call when a
            batch does not contain every class (ignored if the ``classes``
            parameter is set, or after the first call).
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
        """
        return self._partial_fit(X, y, fit_params, classes=classes)

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_clips, seg_num, n_frames, n_mels)

        Returns
        -------
        proba : ndarray of shape (n_clips, n_classes), float64
            Softmax of the network's logits; columns follow ``classes_``. A
            clip whose ``X`` is entirely NaN (a file the front end could not
            read, under ``on_error='skip'``) gets a NaN row.
        """
        proba = self._forward_output(X, failed_rows_nan=True).astype(np.float64)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X):
        """Predict class labels.

        Parameters
        ----------
        X : array-like of shape (n_clips, seg_num, n_frames, n_mels)

        Returns
        -------
        y_pred : ndarray of shape (n_clips,)
            Labels from ``classes_``.

        Raises
        ------
        ValueError
            Some clips' ``X`` is entirely NaN (files the front end could not
            read): a label cannot be missing; use :meth:`predict_proba`, which
            gives NaN rows for them, or drop those clips.
        """
        proba = self.predict_proba(X)  # checks fitted-ness first
        failed = np.flatnonzero(np.isnan(proba).any(axis=1))
        if failed.size:
            raise ValueError(
                f"X rows {failed[:10].tolist()} are entirely NaN (inputs the front end could not "
                "read): they have no class label. predict_proba gives NaN rows for them; or "
                "drop those clips."
            )
        return self.classes_[proba.argmax(axis=1)]
