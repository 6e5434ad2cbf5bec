"""scikit-learn estimator for the DAMFF network (dynamic music emotion recognition).

:class:`DAMFFRegressor` predicts valence/arousal curves: one value per dynamic
label (every 0.5 s) from the log-Mel window that ends at that label
(:class:`skmer.features.SlidingWindows`). It is a skorch net and therefore a
scikit-learn estimator: pipelines, ``cross_validate`` with ``GroupKFold``,
``clone``, pickle and joblib work.
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, check_consistent_length
from skorch import NeuralNetRegressor

from ..nn.damff import DAMFFNet
from ._base import _NetMixin
from ._docstrings import Substitution, training_parameters
from ._skeleton import declared_parameters

__all__ = ["DAMFFRegressor"]

_X_SHAPE = "(n_clips, n_steps, 1, n_frames, n_mels)"
_RECIPE = (
    "Use LogMelTransformer followed by SlidingWindows to produce it, e.g. "
    "make_pipeline(LogMelTransformer(duration=D, crop='start'), SlidingWindows(), "
    "DAMFFRegressor())"
)
_ALIGNMENT = (
    "label k must belong to window k: SlidingWindows puts label k at t_k = start + k * hop "
    "seconds and window k over the frames in [t_k - window, t_k)"
)

@Substitution(training=training_parameters(lr="1e-3", max_epochs=50, batch_size=8,
                                             batch_unit="clips, each with all its windows"))
@declared_parameters
class DAMFFRegressor(_NetMixin, NeuralNetRegressor):
    """Dynamic (per time step) valence/arousal regression with the DAMFF network.

    Dual attention-based multi-scale feature fusion (Zhang et al., poster;
    see :mod:`skmer.nn.damff` for the architecture and how we read it): a
    hybrid multi-scale CNN with dual-attention fusion embeds each log-Mel
    window, a BiLSTM over the windows of a clip predicts one value per window
    and target dimension. Trained with mean squared error on all steps.

    ``X`` holds one window per label, ``(n_clips, n_steps, 1, n_frames,
    n_mels)``, as made by :class:`~skmer.features.SlidingWindows`; ``y``
    holds the labels ``(n_clips, n_steps, n_dims)`` (e.g. ``[valence,
    arousal]`` every 0.5 s) or ``(n_clips, n_steps)`` for one dimension.
    Label ``k`` of a clip must be the label of its window ``k``.

    The poster gives no training protocol; the defaults (Adam, learning rate
    1e-3, 50 epochs, 8 clips per batch) are ours. For CPU experiments use
    e.g. ``width=1/8, lstm_hidden=16, lstm_layers=1``.

    Parameters
    ----------
    width : float, default=1.0
        Channel multiplier of the hybrid CNN (at ``width=1`` the two levels
        have 16 and 32 channels per filter branch, 64 and 128 in all).
    filters : sequence of str, default=('tf', 'square', 'time', 'freq')
        Filter branches of the hybrid CNN: time-frequency 5x5, square 3x3,
        time-oriented 7x1, frequency-oriented 1x7 kernels. A single name gives
        the poster's single-filter rows ("T-F CNN", "Square CNN", ...).
    reduction : int, default=4
        Channel reduction of the attention bottlenecks.
    use_fusion : bool, default=True
        Gated fusion ``Z = X' * A + (1 - X') * B`` of the two scales;
        ``False`` ("w/o fusion strategy") concatenates them instead (1x1
        convolution), with no attention.
    use_channel_attention : bool, default=True
        Channel attention ``C`` in ``X' = sigmoid(S + C)`` ("w/o channel
        attention" when False).
    use_spatial_attention : bool, default=True
        Spatial (time) attention ``S`` ("w/o spatial attention" when False).
        Both attentions off: ``Z = (A + B) / 2``.
    lstm_hidden : int, default=64
        Hidden size of each direction of the BiLSTM.
    lstm_layers : int, default=2
        Stacked BiLSTM layers.
    dropout : float, default=0.2
        Dropout on window embeddings and BiLSTM outputs, in ``[0, 1)``.
%(training)s    criterion : torch loss class, default=torch.nn.MSELoss
        Loss on the per-step outputs; :class:`skmer.nn.damff.CCCLoss`
        (``1 - CCC``) optimises the reported metric directly.
    module : type, default=DAMFFNet
        The torch module class, instantiated at ``fit`` with ``n_outputs``
        and the network parameters above (plus any ``module__<name>``).
    **kwargs
        Other skorch :class:`~skorch.NeuralNet` arguments, e.g. ``callbacks``,
        ``warm_start``, ``optimizer__<name>``. Training batches are shuffled
        unless ``iterator_train__shuffle=False``.

    Attributes
    ----------
    module_ : DAMFFNet
        The trained network.
    input_shape_ : tuple of int
        ``(n_steps, 1, n_frames, n_mels)`` of the training ``X``.
    n_outputs_ : int
        Target dimensions per step (1 for a 2-D ``y``).
    y_ndim_ : int
        Dimensionality of the training ``y`` (2 or 3); :meth:`predict`
        returns the same.
    history_ : skorch.History
        Per-epoch and per-batch training record.

    See Also
    --------
    skmer.features.SlidingWindows : Produces ``X`` from log-Mel spectrograms.
    skmer.features.align_dynamic_annotations : Ragged PMEmo/DEAM labels ->
        ``y`` and the audio windows.
    skmer.metrics.ccc : The metric of :meth:`score`.

    Notes
    -----
    The network is rebuilt at every ``fit`` from the shape of ``y`` (number
    of target dimensions). At prediction the number of steps and frames per
    window may differ from training (the CNN pools globally and the BiLSTM
    runs over any length); only the window layout ``(1, ..., n_mels)`` must
    match. All clips of a batch must have the same number of steps (``X`` is
    an array): crop ragged label series with
    :func:`~skmer.features.align_dynamic_annotations`.

    References
    ----------
    L. Zhang, X. Yang, Y. Zhang and J. Luo, "Dual attention-based multi-scale
    feature fusion approach for dynamic music emotion recognition" (poster).

    Examples
    --------
    >>> import numpy as np
    >>> from skmer.estimators import DAMFFRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(6, 4, 1, 20, 16)).astype(np.float32)  # 4 windows per clip
    >>> y = rng.uniform(-1, 1, size=(6, 4, 2))                     # V-A per window
    >>> reg = DAMFFRegressor(width=1/8, lstm_hidden=8, lstm_layers=1, max_epochs=2,
    ...                      random_state=0, verbose=0)
    >>> reg.fit(X, y).predict(X).shape
    (6, 4, 2)
    """

    _network = DAMFFNet
    _network_parameters = (
        "width", "filters", "reduction", "use_fusion", "use_channel_attention",
        "use_spatial_attention", "lstm_hidden", "lstm_layers", "dropout",
    )
    _training_defaults = {"lr": 1e-3, "max_epochs": 50, "batch_size": 8,
                          "criterion": torch.nn.MSELoss}
    _parameter_constraints = dict(_NetMixin._parameter_constraints)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False  # needs (n, n_steps, 1, T, M)
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------ network

    def _module_kwargs(self):
        try:
            n_outputs = self.n_outputs_
        except AttributeError:
            raise self._not_fitted_error() from None
        return {**self._network_kwargs(), "n_outputs": int(n_outputs)}

    # ------------------------------------------------------------------ validation

    def _validate_X(self, X, reset):
        """Check ``X``; return it as float32 ``(n_clips, n_steps, 1, n_frames, n_mels)``."""
        name = type(self).__name__
        X = self._dense_array(X, _X_SHAPE)
        if X.ndim != 5 or X.shape[2] != 1:
            raise ValueError(
                f"{name} expects X of shape {_X_SHAPE}, one log-mel window per dynamic label; "
                f"got a {X.ndim}-D input of shape {X.shape}. {_RECIPE}."
            )
        X = check_array(
            X, allow_nd=True, dtype=np.float32, ensure_all_finite=True, input_name="X",
            estimator=self,
        )
        if min(X.shape[1:]) < 1:
            raise ValueError(f"{name} got X with an empty axis: shape {X.shape} = {_X_SHAPE}")
        if not reset:
            fit_mels = self.input_shape_[-1]
            if X.shape[-1] != fit_mels:
                raise ValueError(
                    f"X has {X.shape[-1]} mel bands but {name} was fitted with {fit_mels}; "
                    f"X shape {X.shape}"
                )
        return X

    def _validate_y(self, y, n_samples, reset, n_steps=None):
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None")
        if isinstance(y, torch.Tensor):
            y = y.detach().cpu().numpy()
        y = np.asarray(y)
        if y.ndim not in (2, 3):
            raise ValueError(
                f"{name} expects y of shape (n_clips, n_steps, n_dims) or (n_clips, n_steps): "
                f"one label per window; got shape {y.shape}"
            )
        if y.dtype.kind in "fc" and np.isnan(y).any():
            where = np.argwhere(np.isnan(y))[0]
            raise ValueError(
                f"y contains NaN (first at clip {where[0]}, step {where[1]}); dynamic curves "
                "must be complete: crop clips to a common number of steps (e.g. with "
                "skmer.features.align_dynamic_annotations) instead of padding with NaN"
            )
        y = check_array(
            y, allow_nd=True, ensure_2d=False, dtype=np.float32, ensure_all_finite=True,
            input_name="y", estimator=self,
        )
        check_consistent_length(np.empty((n_samples, 0)), y)
        if n_steps is not None and y.shape[1] != n_steps:
            raise ValueError(
                f"y has {y.shape[1]} steps per clip but X has {n_steps} windows per clip; "
                f"{_ALIGNMENT}. Pass SlidingWindows(n_steps={y.shape[1]}) if that many windows "
                f"fit, or crop y to y[:, :{n_steps}]"
            )
        n_outputs = 1 if y.ndim == 2 else y.shape[2]
        if reset:
            self.n_outputs_ = n_outputs
            self.y_ndim_ = y.ndim
        elif n_outputs != self.n_outputs_:
            raise ValueError(
                f"y has {n_outputs} target dimensions but {name} was fitted with "
                f"{self.n_outputs_}"
            )
        return y.reshape(y.shape[0], y.shape[1], n_outputs)

    def _validate_fit_data(self, X, y, reset, **kwargs):
        if reset:
            self._validate_net_params()
        X = self._validate_X(X, reset=reset)
        y = self._validate_y(y, X.shape[0], reset=reset, n_steps=X.shape[1])
        if reset:
            self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        return X, y

    # ------------------------------------------------------------------ API

    def fit(self, X, y, **fit_params):
        """Build the network for the shape of ``y`` and train it.

        ``X`` and ``y`` are validated completely before the network is built
        or trained. Unless ``warm_start=True``, the network is re-created at
        every call.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_steps, 1, n_frames, n_mels)
            Log-mel windows, one per label (:class:`~skmer.features.SlidingWindows`).
        y : array-like of shape (n_clips, n_steps, n_dims) or (n_clips, n_steps)
            Labels per window, finite.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : DAMFFRegressor
        """
        return super().fit(X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train for ``max_epochs`` more epochs without re-creating the network.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_steps, 1, n_frames, n_mels)
        y : array-like of shape (n_clips, n_steps, n_dims) or (n_clips, n_steps)
        classes : None
            Unused, for API compatibility.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : DAMFFRegressor
        """
        return self._partial_fit(X, y, fit_params)

    def predict(self, X):
        """Predict the label curves.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_steps, 1, n_frames, n_mels)
            Windows with the ``n_mels`` of the training data.

        Returns
        -------
        y_pred : ndarray of shape (n_clips, n_steps, n_dims) or (n_clips, n_steps), float64
            Same dimensionality as the ``y`` given to ``fit``; ``n_steps``
            from ``X``. A clip whose ``X`` is entirely NaN (a file the front
            end could not read, under ``on_error='skip'``) gets a NaN curve;
            the others are predicted as usual.
        """
        out = self._forward_output(X, failed_rows_nan=True).astype(np.float64)
        if self.y_ndim_ == 2:
            return out[..., 0]
        return out

    def score(self, X, y, sample_weight=None):
        """Mean concordance correlation coefficient (CCC) over the target dimensions.

        Clips and steps are pooled (:func:`skmer.metrics.ccc` on the
        ``(n_clips * n_steps, n_dims)`` flattened curves), then the CCC of
        each dimension is averaged.

        Parameters
        ----------
        X : array-like of shape (n_clips, n_steps, 1, n_frames, n_mels)
        y : array-like of shape (n_clips, n_steps, n_dims) or (n_clips, n_steps)
        sample_weight : None
            Not supported (must be None).

        Returns
        -------
        score : float
        """
        from ..metrics import ccc

        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}.score does not support sample_weight")
        y_pred = self.predict(X)
        y = np.asarray(y, dtype=np.float64)
        if y.shape != y_pred.shape:
            raise ValueError(
                f"y has shape {y.shape} but the predictions have shape {y_pred.shape}; "
                f"{_ALIGNMENT}"
            )
        d = y.shape[2] if y.ndim == 3 else 1
        return float(ccc(y.reshape(-1, d), y_pred.reshape(-1, d)))

    @available_if(lambda self: False)
    def predict_proba(self, X):
        """Not available: a regressor has no probabilities (hidden from ``hasattr``)."""
