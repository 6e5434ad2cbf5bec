"""The generic skeleton of skmer's skorch estimators (ADFF, DAMFF, CNN tagger).

:class:`_NetMixin` sits in front of a skorch net class (``NeuralNet``,
``NeuralNetRegressor``, ``NeuralNetClassifier``) in the MRO. With the
parameter declarations of :mod:`._skeleton` it

* builds the network (e.g. :class:`skmer.nn.ADFFNet`) from the estimator's
  network parameters and the shape of the training data (e.g. ``seg_num``
  input channels, number of outputs), at every ``fit``;
* validates the parameters, ``X`` and ``y`` completely before anything is
  initialised or trained;
* adds weight decay and a MultiStepLR schedule as defaults, an optional tqdm
  batch bar, a stop on a diverged loss, the ``'auto'`` device and
  ``random_state`` seeding.

What only the ADFF estimators do (crops, windows, mixup, input scaling, early
stopping) is in :mod:`._adff_mixin`.
"""

from __future__ import annotations

import contextlib
import numbers
import re
import sys
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import LRScheduler, PrintLog, ProgressBar
from skorch.utils import to_tensor

from .._device import resolve_device
from .._validation import (
    RANDOM_STATE,
    Interval,
    IntSequence,
    TorchDevice,
    seed_from,
    validate_constraints,
)
from ..exceptions import TrainingDivergedError

__all__ = ["resolve_device"]


def _positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _milestones_given(milestones):
    if milestones is None:
        return False
    try:
        return len(milestones) > 0
    except TypeError:
        return True  # invalid; reported by _validate_net_params


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _PrintLog(PrintLog):
    """skorch's epoch table, with its colour codes only when printed to a terminal."""

    def format_row(self, row, key, color):
        text = super().format_row(row, key, color)
        if isinstance(text, str) and self.sink is print and not _stdout_is_terminal():
            return _ANSI.sub("", text)
        return text


def _stdout_is_terminal():
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def _failed_rows(X):
    """Boolean mask of the rows of a float array that are entirely NaN, or None if none are."""
    if isinstance(X, torch.Tensor):
        X = X.detach().cpu().numpy()
    if not isinstance(X, np.ndarray) or X.dtype.kind != "f" or X.ndim < 2 or not len(X):
        return None
    nan = np.isnan(X)
    if not nan.any():
        return None
    failed = nan.reshape(len(X), -1).all(axis=1)
    return failed if failed.any() else None


class _NetMixin:
    """Generic behaviour of skmer's skorch estimators (ADFF, DAMFF, CNN tagger).

    A subclass declares its parameters (``_network``, ``_network_parameters``,
    ``_estimator_parameters``, ``_training_defaults``; see :mod:`._skeleton`)
    and is decorated with :func:`~._skeleton.declared_parameters`.
    ``_parameter_constraints`` declares the training parameters; subclasses
    extend it with their own (``{**_NetMixin._parameter_constraints, ...}``),
    the decorator adds the network's, and
    :func:`skmer._validation.validate_constraints` checks them at ``fit``.

    Subclasses provide

    * ``_validate_X(X, reset)`` returning the array passed to skorch;
    * ``_validate_y(y, n_samples, reset, **kwargs)`` returning the target as
      passed to skorch;
    * ``_module_kwargs()``: keyword arguments of the module,
      :meth:`_network_kwargs` plus those learnt by validation (e.g. from
      ``input_shape_``), raising ``AttributeError`` before ``fit``.
    """

    _network = None
    _network_parameters = ()
    _estimator_parameters = {}
    _training_defaults = {}

    _parameter_constraints = {
        "lr": [Interval(Real, 0, None, closed="left")],
        "weight_decay": [None, Interval(Real, 0, None, closed="left")],
        "max_epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "lr_milestones": [None, IntSequence(0)],
        "lr_gamma": [Interval(Real, 0, None, closed="neither")],
        "random_state": RANDOM_STATE,
        "device": [None, TorchDevice()],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ skorch hooks

    def _get_param_names(self):
        # skorch lists every attribute not ending in "_", which includes its
        # private bookkeeping set `_params_to_validate`; it is no parameter.
        return [k for k in super()._get_param_names() if not k.startswith("_")]

    @property
    def _default_callbacks(self):
        # Evaluated by get_params(deep=True) too: must not raise on bad values
        # (they are reported by fit's parameter validation).
        callbacks = [(name, _PrintLog() if name == "print_log" else cb)
                     for name, cb in super()._default_callbacks]
        extra = []
        if _milestones_given(self.lr_milestones):
            extra.append(
                (
                    "lr_scheduler",
                    LRScheduler(
                        policy=torch.optim.lr_scheduler.MultiStepLR,
                        milestones=self.lr_milestones,
                        gamma=self.lr_gamma,
                    ),
                )
            )
        if isinstance(self.verbose, numbers.Real) and self.verbose > 1:
            extra.append(("progress_bar", ProgressBar()))
        # skorch moves PrintLog to the end anyway; keep the others in order.
        return callbacks + extra

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        """Stop training on a non-finite loss (skorch hook, run after each batch).

        Raises
        ------
        TrainingDivergedError
            The loss of the batch is NaN or infinite: training diverged.
        """
        super().on_batch_end(net, batch=batch, training=training, **kwargs)
        loss = kwargs.get("loss")
        if loss is None:
            return
        value = float(loss.detach().float().mean()) if isinstance(loss, torch.Tensor) else loss
        if not np.isfinite(value):
            epoch = len(self.history)
            batch_index = len(self.history[-1]["batches"]) if epoch else 0
            phase = "training" if training else "validation"
            raise TrainingDivergedError(
                f"{type(self).__name__}: training diverged, the {phase} loss is {value} at "
                f"epoch {epoch} (batch {batch_index}); no usable model was trained. The "
                f"learning rate lr={self.lr!r} is probably too high: try a lower one "
                f"(e.g. lr={self.lr / 10:g}), and check X and y for extreme values."
            )

    def get_params_for(self, prefix):
        """Collect init parameters for a component (skorch API).

        Adds ``shuffle=True`` for the training iterator unless
        ``iterator_train__shuffle`` was given, and ``pin_memory=True`` for
        both iterators when the network runs on CUDA (page-locked batches
        copy to the GPU faster) unless ``iterator_*__pin_memory`` was given.
        """
        params = super().get_params_for(prefix)
        if prefix == "iterator_train":
            params.setdefault("shuffle", True)
        if prefix in ("iterator_train", "iterator_valid") and self._on_cuda():
            params.setdefault("pin_memory", True)
        return params

    def _on_cuda(self):
        try:
            return torch.device(resolve_device(self.device) or "cpu").type == "cuda"
        except (RuntimeError, TypeError):
            return False  # an invalid device is reported by fit's parameter validation

    def get_params_for_optimizer(self, prefix, named_parameters):
        """Optimiser arguments (skorch API); adds ``weight_decay`` unless set."""
        args, kwargs = super().get_params_for_optimizer(prefix, named_parameters)
        if prefix == "optimizer" and self.weight_decay is not None:
            kwargs.setdefault("weight_decay", self.weight_decay)
        return args, kwargs

    def initialize_module(self):
        """Build the network from the hyper-parameters and the fitted input shape."""
        kwargs = self._module_kwargs()
        kwargs.update(self.get_params_for("module"))
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def _network_kwargs(self):
        """The network parameters, as passed to the module (lists and arrays as tuples)."""
        return {name: tuple(value) if isinstance(value, (list, np.ndarray)) else value
                for name in self._network_parameters
                for value in [getattr(self, name)]}

    def _not_fitted_error(self):
        return AttributeError(
            f"{type(self).__name__} builds its network from the shape of the training "
            "data; call fit(X, y) rather than initialize()"
        )

    def initialize(self):
        """Initialise callbacks, module, criterion and optimiser (skorch API)."""
        with self._resolved_device():
            return super().initialize()

    def infer(self, x, **fit_params):
        """Run the module on one batch (skorch API), on the resolved device."""
        x = to_tensor(x, device=resolve_device(self.device))
        if isinstance(x, Mapping):
            return self.module_(**self._merge_x_and_fit_params(x, fit_params))
        return self.module_(x, **fit_params)

    def load_params(self, *args, **kwargs):
        """Load saved parameters (skorch API), resolving ``device='auto'``."""
        with self._resolved_device():
            return super().load_params(*args, **kwargs)

    def __setstate__(self, state):
        if isinstance(state.get("device"), str) and state["device"] == "auto":
            state["device"] = resolve_device("auto")
            super().__setstate__(state)
            self.device = "auto"
        else:
            super().__setstate__(state)

    # ------------------------------------------------------------------ contexts

    @contextlib.contextmanager
    def _resolved_device(self):
        """Temporarily replace ``device='auto'`` by the actual device.

        skorch reads ``self.device`` in many places during training; the
        parameter itself is restored afterwards so that ``get_params`` is
        unchanged.
        """
        device = self.device
        resolved = resolve_device(device)
        if resolved is device:
            yield
            return
        self.device = resolved
        try:
            yield
        finally:
            self.device = device

    @contextlib.contextmanager
    def _seeded(self, reset=True):
        """Run training on the estimator's own torch random stream.

        A fresh fit (``reset``) seeds the stream from ``random_state``; a
        continued fit (``partial_fit``, ``warm_start``) resumes the stream where
        the previous call left it, so successive calls see new batch orders and
        dropout masks while the whole sequence stays reproducible. The
        process-wide RNG is restored afterwards.
        """
        if self.random_state is None:
            yield
            return
        seed = seed_from(self.random_state)
        device = torch.device(resolve_device(self.device) or "cpu")
        cuda_devices = []
        if device.type == "cuda" and torch.cuda.is_available():
            index = device.index if device.index is not None else torch.cuda.current_device()
            cuda_devices = [index]
        with torch.random.fork_rng(devices=cuda_devices):
            state = getattr(self, "_torch_rng_state", None)
            if reset or state is None:
                torch.manual_seed(seed)
            else:
                torch.set_rng_state(state)
            yield
            self._torch_rng_state = torch.get_rng_state()

    # ------------------------------------------------------------------ validation

    def _validate_net_params(self):
        """Check the parameters against ``_parameter_constraints``; then CUDA availability."""
        validate_constraints(self)
        device = torch.device(resolve_device(self.device) or "cpu")
        if device.type == "cuda" and not torch.cuda.is_available():
            raise ValueError(
                f"device={self.device!r} but CUDA is not available; use device='cpu' or 'auto'"
            )

    def _dense_array(self, X, expected_shape):
        """``X`` as a numpy array (torch tensors are copied to the CPU).

        Raises ``TypeError`` for scipy sparse input, naming `expected_shape`
        (a string such as ``'(n_clips, seg_num, n_frames, n_mels)'``).
        """
        if sp.issparse(X):
            raise TypeError(
                f"{type(self).__name__} does not accept sparse input (got {type(X).__name__}); "
                f"X must be a dense array of shape {expected_shape}"
            )
        if isinstance(X, torch.Tensor):
            return X.detach().cpu().numpy()
        if not isinstance(X, np.ndarray):
            return np.asarray(X)
        return X

    def _validate_fit_data(self, X, y, reset, **kwargs):
        if reset:
            self._validate_net_params()
        X = self._validate_X(X, reset=reset)
        y = self._validate_y(y, X.shape[0], reset=reset, **kwargs)
        if reset:
            self.input_shape_ = tuple(int(s) for s in X.shape[1:])
        return X, y

    def _check_fitted(self):
        check_is_fitted(self, ["module_", "input_shape_"])

    # ------------------------------------------------------------------ training API

    def fit(self, X, y, **fit_params):
        """Build the network for the shape of ``X`` and ``y`` and train it.

        ``X`` and ``y`` are validated completely before the network is built
        or trained. Unless ``warm_start=True``, the network is re-created at
        every call, so the input shape and the number of outputs or classes
        may change between calls (e.g. in a grid search over a front-end
        parameter).

        Parameters
        ----------
        X : array-like
            The network's input; its shape is given by the estimator's
            documentation.
        y : array-like
            Targets.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        reset = not (self.warm_start and self.initialized_)
        X, y = self._validate_fit_data(X, y, reset=reset)
        with self._resolved_device(), self._seeded(reset):
            if reset:
                self.initialize()
            super().partial_fit(X, y, _routing_method="fit", **fit_params)
        return self

    def _partial_fit(self, X, y, fit_params, **validate_kwargs):
        reset = not self.initialized_
        X, y = self._validate_fit_data(X, y, reset=reset, **validate_kwargs)
        with self._resolved_device(), self._seeded(reset):
            if reset:
                self.initialize()
            super().partial_fit(X, y, **fit_params)
        return self

    def _forward_output(self, X, failed_rows_nan=False):
        """Validated module output on ``X`` as a numpy array (n, n_module_outputs).

        With `failed_rows_nan`, rows of ``X`` that are entirely NaN (inputs a
        front end with ``on_error='skip'`` could not read) give NaN output rows
        instead of an error; the other rows are predicted as usual.
        """
        self._check_fitted()
        if failed_rows_nan:
            failed = _failed_rows(X)
            if failed is not None:
                X = np.array(X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else X)
                X[failed] = 0.0  # placeholder input; its output is replaced below
                out = np.array(self._forward_output(X), dtype=np.float64)
                out[failed] = np.nan
                return out
        X = self._validate_X(X, reset=False)
        # NeuralNet.predict_proba: forward in eval mode + predict_nonlinearity.
        return super().predict_proba(X)
