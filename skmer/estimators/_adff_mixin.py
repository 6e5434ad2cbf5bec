"""What the two ADFF estimators share: the network's parameters and the training recipe.

:class:`_ADFFMixin` adds to :class:`~._base._NetMixin` the ADFF input check
(stacked log-mel segments, or precomputed levels), the input scaling learned
at ``fit``, random-crop training and window aggregation, SpecAugment-style
masking, mixup, the learning-rate schedules and early stopping on a
validation split.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils.validation import check_array
from skorch.callbacks import EarlyStopping, LRScheduler
from skorch.dataset import ValidSplit, unpack_data
from skorch.utils import to_tensor

from .._device import resolve_device
from .._validation import Interval, StrOptions, seed_from
from ..nn.adff import MIN_FRAMES, MIN_MELS, ADFFNet
from ._base import _milestones_given, _NetMixin, _positive_int
from ._training import (
    LR_SCHEDULES,
    OneCycleLambda,
    mixup,
    random_crop_stacked,
    spec_augment,
    windows_stacked,
)

__all__ = ["INPUT_SCALINGS", "PAPER_LR_MILESTONES"]

#: The paper's learning-rate decay epochs (section 3.2).
PAPER_LR_MILESTONES = (20, 45, 80, 110, 140, 170)

#: Accepted values of the ADFF estimators' ``input_scaling``.
INPUT_SCALINGS = (None, "band", "global")

_RECIPE = (
    "Use LogMelTransformer followed by SegmentStacker to produce it, e.g. "
    "make_pipeline(LogMelTransformer(), SegmentStacker(seg_num=6), {name}())"
)


class _ADFFMixin(_NetMixin):
    """ADFF-specific behaviour shared by the regressor and the classifier.

    Subclasses implement ``_validate_y(y, n_samples, reset)`` returning the
    target as passed to skorch, and ``_n_module_outputs()``.
    """

    _network = ADFFNet
    _network_parameters = (
        "width", "lstm_hidden", "fc_sizes", "dropout", "se_reduction", "use_se", "use_tflm",
        "precision", "channels_last", "lstm_summary", "freq_pooling", "levels",
    )
    _estimator_parameters = {
        "input_scaling": None,
        "crop_frames": None,
        "crop_hop": None,
        "mixup_alpha": 0.0,
        "spec_augment": 0,
        "lr_schedule": "multistep",
        "early_stopping": None,
        "validation_fraction": 0.1,
    }
    #: The paper's protocol (section 3.2).
    _training_defaults = {
        "lr": 1e-5,
        "max_epochs": 200,
        "batch_size": 32,
        "lr_milestones": PAPER_LR_MILESTONES,
    }
    _parameter_constraints = {
        **_NetMixin._parameter_constraints,
        "input_scaling": [None, StrOptions({s for s in INPUT_SCALINGS if s is not None})],
        "crop_frames": [None, Interval(Integral, 1, None, closed="left")],
        "crop_hop": [None, Interval(Integral, 1, None, closed="left")],
        "mixup_alpha": [Interval(Real, 0, None, closed="left")],
        "spec_augment": [Interval(Integral, 0, None, closed="left")],
        "lr_schedule": [StrOptions(set(LR_SCHEDULES))],
        "early_stopping": [None, Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
    }

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
            seg_num, _, n_mels = self.input_shape_
        except AttributeError:
            raise self._not_fitted_error() from None
        return {
            **self._network_kwargs(),
            "seg_num": int(seg_num),
            "n_outputs": int(self._n_module_outputs()),
            "n_mels": int(n_mels),
            "input_norm": self.input_scaling is not None,
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
