"""Shared machinery of skmer's skorch estimators.

:class:`_NetMixin` sits in front of a skorch net class (``NeuralNet``,
``NeuralNetRegressor``, ``NeuralNetClassifier``) in the MRO; :class:`_ADFFMixin`
adds what is specific to the ADFF network. Together they

* build the network (e.g. :class:`skmer.nn.ADFFNet`) from the estimator's
  plain keyword hyper-parameters and the shape of the training data (e.g.
  ``seg_num`` input channels, number of outputs), at every ``fit``;
* validate ``X`` and ``y`` completely before anything is initialised or
  trained;
* add an optimisation protocol (Adam with weight decay, MultiStepLR) as
  defaults, an optional tqdm batch bar, the ``'auto'`` device and
  ``random_state`` seeding.

It is long because it is the one skeleton of all four skorch estimators
(validation, seeding, devices, the training recipe); splitting it would spread one
mixin chain over several files.
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
from sklearn.utils.validation import check_array, check_is_fitted
from skorch.callbacks import EarlyStopping, LRScheduler, PrintLog, ProgressBar
from skorch.dataset import ValidSplit, unpack_data
from skorch.utils import to_tensor

from .._device import resolve_device
from .._validation import (
    RANDOM_STATE,
    Interval,
    IntSequence,
    StrOptions,
    TorchDevice,
    seed_from,
    validate_constraints,
)
from ..exceptions import TrainingDivergedError
from ..nn.adff import MIN_FRAMES, MIN_MELS, ADFFNet
from ._training import (
    LR_SCHEDULES,
    OneCycleLambda,
    mixup,
    random_crop_stacked,
    spec_augment,
    windows_stacked,
)

__all__ = ["resolve_device"]

#: The paper's learning-rate decay epochs (section 3.2).
PAPER_LR_MILESTONES = (20, 45, 80, 110, 140, 170)

_RECIPE = (
    "Use LogMelTransformer followed by SegmentStacker to produce it, e.g. "
    "make_pipeline(LogMelTransformer(), SegmentStacker(seg_num=6), {name}())"
)


#: Accepted values of the ADFF estimators' ``input_scaling``.
INPUT_SCALINGS = (None, "band", "global")


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

    ``_parameter_constraints`` declares the training parameters; subclasses
    extend it with their network's (``{**_NetMixin._parameter_constraints,
    ...}``) and :func:`skmer._validation.validate_constraints` checks them at
    ``fit``.

    Goes in front of a skorch net class in the MRO. Subclasses provide

    * the parameters ``weight_decay``, ``lr_milestones``, ``lr_gamma`` and
      ``random_state`` (set in ``__init__``);
    * ``_validate_X(X, reset)`` returning the array passed to skorch;
    * ``_validate_y(y, n_samples, reset, **kwargs)`` returning the target as
      passed to skorch;
    * ``_module_kwargs()``: keyword arguments of the module, from the
      hyper-parameters and the attributes learnt by validation (e.g.
      ``input_shape_``), raising ``AttributeError`` before ``fit``.
    """

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


class _ADFFMixin(_NetMixin):
    """ADFF-specific behaviour shared by the regressor and the classifier.

    Subclasses implement ``_validate_y(y, n_samples, reset)`` returning the
    target as passed to skorch, and ``_n_module_outputs()``.
    """

    _parameter_constraints = {
        **_NetMixin._parameter_constraints,
        # the network's own declarations, for the parameters passed to it unchanged
        **{name: ADFFNet._parameter_constraints[name] for name in (
            "width", "lstm_hidden", "fc_sizes", "dropout", "se_reduction", "use_se", "use_tflm",
            "precision", "channels_last", "lstm_summary", "freq_pooling", "levels")},
        "input_scaling": [None, StrOptions({s for s in INPUT_SCALINGS if s is not None})],
        "crop_frames": [None, Interval(Integral, 1, None, closed="left")],
        "crop_hop": [None, Interval(Integral, 1, None, closed="left")],
        "mixup_alpha": [Interval(Real, 0, None, closed="left")],
        "spec_augment": [Interval(Integral, 0, None, closed="left")],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES))],
        "early_stopping": [None, Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    }

    def _init_adff_params(
        self,
        width,
        lstm_hidden,
        fc_sizes,
        dropout,
        se_reduction,
        use_se,
        use_tflm,
        precision,
        channels_last,
        weight_decay,
        lr_milestones,
        lr_gamma,
        random_state,
        lstm_summary="last",
        freq_pooling="mean",
        input_scaling=None,
        crop_frames=None,
        crop_hop=None,
        mixup_alpha=0.0,
        spec_augment=0,
        lr_schedule="multistep",
        early_stopping=None,
        validation_fraction=0.1,
        levels=None,
    ):
        self.width = width
        self.lstm_hidden = lstm_hidden
        self.fc_sizes = fc_sizes
        self.dropout = dropout
        self.se_reduction = se_reduction
        self.use_se = use_se
        self.use_tflm = use_tflm
        self.precision = precision
        self.channels_last = channels_last
        self.weight_decay = weight_decay
        self.lr_milestones = lr_milestones
        self.lr_gamma = lr_gamma
        self.random_state = random_state
        self.lstm_summary = lstm_summary
        self.freq_pooling = freq_pooling
        self.input_scaling = input_scaling
        self.crop_frames = crop_frames
        self.crop_hop = crop_hop
        self.mixup_alpha = mixup_alpha
        self.spec_augment = spec_augment
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.levels = levels

    # ------------------------------------------------------------------ recipe

    @property
    def _default_callbacks(self):
        callbacks = [
            (name, cb) for name, cb in super()._default_callbacks if name != "lr_scheduler"
        ]
        # Evaluated by get_params(deep=True) too: must not raise on bad values.
        schedule = self.lr_schedule if isinstance(self.lr_schedule, str) else None
        if schedule == "multistep" and _milestones_given(self.lr_milestones):
            callbacks.append((
                "lr_scheduler",
                LRScheduler(policy=torch.optim.lr_scheduler.MultiStepLR,
                            milestones=self.lr_milestones, gamma=self.lr_gamma),
            ))
        elif schedule in ("cosine", "onecycle") and isinstance(self.max_epochs, numbers.Integral):
            factor = OneCycleLambda(self.max_epochs, warmup=0.3 if schedule == "onecycle" else 0.0)
            callbacks.append((
                "lr_scheduler",
                LRScheduler(policy=torch.optim.lr_scheduler.LambdaLR, lr_lambda=factor),
            ))
        if _positive_int(self.early_stopping):
            callbacks.append((
                "early_stopping",
                EarlyStopping(monitor="valid_loss", patience=int(self.early_stopping),
                              load_best=True, sink=self._early_stopping_sink),
            ))
        return callbacks

    def _early_stopping_sink(self, message):
        if isinstance(self.verbose, numbers.Real) and self.verbose > 0:
            print(message)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Training and validation datasets (skorch API).

        With ``early_stopping`` set and ``train_split=None``, a
        ``validation_fraction`` hold-out (stratified for classifiers) is split
        off for the early-stopping criterion.
        """
        if self.train_split is None and _positive_int(self.early_stopping):
            split = ValidSplit(
                cv=float(self.validation_fraction),
                stratified=self._stratified_validation,
                random_state=self._split_seed(),
            )
            dataset = self.get_dataset(X, y)
            return split(dataset, y, **fit_params)
        return super().get_split_datasets(X, y, **fit_params)

    _stratified_validation = False

    def _split_seed(self):
        return seed_from(self.random_state)

    def _learn_input_scaling(self, X):
        """Per-band (or global) mean and std of the training input, float32 (n_mels,)."""
        axes = (0, 1, 2) if self.input_scaling == "band" else None
        n_mels = X.shape[3]
        mean = np.asarray(X.mean(axis=axes, dtype=np.float64), dtype=np.float64)
        std = np.asarray(X.std(axis=axes, dtype=np.float64), dtype=np.float64)
        mean = np.broadcast_to(mean, (n_mels,)).astype(np.float32)
        std = np.broadcast_to(np.maximum(std, 1e-6), (n_mels,)).astype(np.float32)
        return mean, std

    def _validate_fit_data(self, X, y, reset, **kwargs):
        X, y = super()._validate_fit_data(X, y, reset, **kwargs)
        if reset:
            self._pending_input_scaling = (
                None if self.input_scaling is None else self._learn_input_scaling(X)
            )
        return X, y

    def initialize_module(self):
        """Build the network; set its input scaling from the training data of ``fit``."""
        super().initialize_module()
        stats = getattr(self, "_pending_input_scaling", None)
        if stats is not None and getattr(self.module_, "input_norm", False):
            with torch.no_grad():
                self.module_.input_mean.copy_(torch.from_numpy(stats[0]))
                self.module_.input_std.copy_(torch.from_numpy(stats[1]))
        self._pending_input_scaling = None
        return self

    def train_step_single(self, batch, **fit_params):
        """One training step (skorch API) with the recipe's crop, masking and mixup."""
        self._set_training(True)
        Xi, yi = unpack_data(batch)
        device = resolve_device(self.device)
        Xi = to_tensor(Xi, device=device)
        yi = to_tensor(yi, device=device)
        if self.crop_frames is not None:
            Xi = random_crop_stacked(Xi, self.crop_frames)
        Xi = spec_augment(Xi, int(self.spec_augment))
        if self.mixup_alpha and self.mixup_alpha > 0 and Xi.shape[0] > 1:
            Xi, perm, lam = mixup(Xi, self.mixup_alpha)
            y_pred = self.infer(Xi, **fit_params)
            loss = self._mixup_loss(y_pred, yi, perm, lam, Xi)
        else:
            y_pred = self.infer(Xi, **fit_params)
            loss = self.get_loss(y_pred, yi, X=Xi, training=True)
        loss.backward()
        return {"loss": loss, "y_pred": y_pred}

    def _mixup_loss(self, y_pred, yi, perm, lam, Xi):
        """Mixup loss; regressors mix the targets, classifiers the two losses."""
        return (lam * self.get_loss(y_pred, yi, X=Xi, training=True)
                + (1.0 - lam) * self.get_loss(y_pred, yi[perm], X=Xi, training=True))

    def infer(self, x, **fit_params):
        """Run the network (skorch API); in evaluation, aggregate over windows.

        With ``crop_frames`` set and an input longer than one window, the
        network sees every window of ``crop_frames`` frames (hop ``crop_hop``)
        and the outputs are averaged (:meth:`_aggregate_windows`).
        """
        if self.crop_frames is None or self.module_.training or isinstance(x, Mapping):
            return super().infer(x, **fit_params)
        x = to_tensor(x, device=resolve_device(self.device))
        hop = self.crop_hop if self.crop_hop is not None else max(1, self.crop_frames // 2)
        windows, n_windows = windows_stacked(x, self.crop_frames, hop)
        out = self.module_(windows, **fit_params)
        if n_windows == 1:
            return out
        return self._aggregate_windows(out.reshape(n_windows, x.shape[0], *out.shape[1:]))

    def _aggregate_windows(self, out):
        """Mean of the window outputs, ``out`` of shape (n_windows, n, n_outputs)."""
        return out.mean(dim=0)

    def _module_kwargs(self):
        try:
            seg_num = self.input_shape_[0]
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} builds its network from the shape of the training "
                "data; call fit(X, y) rather than initialize()"
            ) from None
        return {
            "seg_num": int(seg_num),
            "n_outputs": int(self._n_module_outputs()),
            "width": self.width,
            "lstm_hidden": self.lstm_hidden,
            "fc_sizes": tuple(self.fc_sizes),
            "dropout": self.dropout,
            "se_reduction": self.se_reduction,
            "use_se": self.use_se,
            "use_tflm": self.use_tflm,
            "precision": self.precision,
            "channels_last": self.channels_last,
            "lstm_summary": self.lstm_summary,
            "freq_pooling": self.freq_pooling,
            "n_mels": int(self.input_shape_[2]),
            "input_norm": self.input_scaling is not None,
            "levels": None if self.levels is None else tuple(self.levels),
        }

    def _check_levels_input(self, shape):
        width = sum(int(c) for c in self.levels)
        if shape[1] != 1 or shape[3] != width:
            raise ValueError(
                f"{type(self).__name__}(levels={tuple(self.levels)}) expects precomputed "
                f"levels of shape (n_clips, 1, n_steps, {width}), e.g. from "
                f"skmer.pretrained.MusicnnLevels; got X of shape {shape}"
            )

    def _validate_net_params(self):
        super()._validate_net_params()
        if self.levels is None and self.crop_frames is not None and (
                self.crop_frames < MIN_FRAMES):
            raise ValueError(
                f"crop_frames must be at least {MIN_FRAMES} frames (the SFLM halves the time "
                f"axis five times), got {self.crop_frames}"
            )

    def _validate_X(self, X, reset):
        """Check ``X`` and return it as a float32 array of shape (n, seg_num, T, M)."""
        name = type(self).__name__
        X = self._dense_array(X, "(n_clips, seg_num, n_frames, n_mels)")
        if X.ndim != 4:
            raise ValueError(
                f"{name} expects X of shape (n_clips, seg_num, n_frames, n_mels), a stack "
                f"of log-mel segments; got a {X.ndim}-D input of shape {X.shape}. "
                + _RECIPE.format(name=name)
                + "."
            )
        X = check_array(
            X,
            allow_nd=True,
            dtype=np.float32,
            ensure_all_finite=True,
            input_name="X",
            estimator=self,
        )
        n, seg_num, n_frames, n_mels = X.shape
        if self.levels is not None:
            self._check_levels_input(X.shape)
        elif n_frames < MIN_FRAMES or n_mels < MIN_MELS:
            raise ValueError(
                f"{name} needs at least {MIN_FRAMES} frames and {MIN_MELS} mel bands per "
                f"segment (the network halves both axes five times); got X of shape "
                f"{X.shape} = (n_clips, seg_num={seg_num}, n_frames={n_frames}, "
                f"n_mels={n_mels}). Use fewer segments (SegmentStacker(seg_num=...)), "
                "longer clips or more mel bands."
            )
        if reset:
            return X
        fit_seg, _, fit_mels = self.input_shape_
        if seg_num != fit_seg:
            raise ValueError(
                f"X has seg_num={seg_num} segments (channels) but {name} was fitted with "
                f"seg_num={fit_seg}; X shape {X.shape}"
            )
        if n_mels != fit_mels:
            raise ValueError(
                f"X has {n_mels} mel bands but {name} was fitted with {fit_mels}; X shape {X.shape}"
            )
        return X

    def fit(self, X, y, **fit_params):
        """Build the network for the shape of ``X`` and ``y`` and train it.

        ``X`` and ``y`` are validated completely before the network is built
        or trained. Unless ``warm_start=True``, the network is re-created at
        every call, so the number of segments, outputs or classes may change
        between calls (e.g. in a grid search over ``SegmentStacker.seg_num``).

        Parameters
        ----------
        X : array-like of shape (n_clips, seg_num, n_frames, n_mels)
            Stacked log-mel segments, float; ``n_frames >= 32`` and
            ``n_mels >= 32``.
        y : array-like of shape (n_clips,) or (n_clips, n_outputs)
            Targets.
        **fit_params : dict
            Passed to the module's ``forward`` and to ``train_split``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return super().fit(X, y, **fit_params)
