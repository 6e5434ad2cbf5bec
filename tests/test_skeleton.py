"""The estimator skeleton: ``__init__`` written from declared parameters (docs/architecture.rst)."""

import inspect
from numbers import Integral, Real

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.utils._param_validation import InvalidParameterError
from skorch import NeuralNetRegressor

from skmer._validation import Interval
from skmer.estimators import ADFFClassifier, ADFFRegressor, CNNTagger, DAMFFRegressor
from skmer.estimators._base import _NetMixin
from skmer.estimators._skeleton import TRAINING_PARAMETERS, declared_parameters


class TinyNet(torch.nn.Module):
    _parameter_constraints = {
        "n_outputs": [Interval(Integral, 1, None, closed="left")],
        "hidden": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, n_outputs=1, hidden=32, dropout=0.1):
        super().__init__()
        self.net = torch.nn.Sequential(
            torch.nn.LazyLinear(hidden), torch.nn.ReLU(), torch.nn.Dropout(dropout),
            torch.nn.Linear(hidden, n_outputs))

    def forward(self, x):
        return self.net(x)


@declared_parameters
class TinyRegressor(_NetMixin, NeuralNetRegressor):
    _network = TinyNet
    _network_parameters = ("hidden", "dropout")
    _estimator_parameters = {"target_clip": None}
    _training_defaults = {"max_epochs": 20, "criterion": torch.nn.MSELoss}
    _parameter_constraints = {
        **_NetMixin._parameter_constraints,
        "target_clip": [None, Interval(Real, 0, None, closed="neither")],
    }

    def _validate_X(self, X, reset):
        return np.asarray(X, dtype=np.float32)

    def _validate_y(self, y, n_samples, reset):
        y = np.asarray(y, dtype=np.float32).reshape(n_samples, -1)
        if reset:
            self.n_outputs_ = y.shape[1]
        return y

    def _module_kwargs(self):
        try:
            return {**self._network_kwargs(), "n_outputs": self.n_outputs_}
        except AttributeError:
            raise self._not_fitted_error() from None


def test_signature_is_declared_order_with_network_defaults():
    params = inspect.signature(TinyRegressor).parameters
    assert list(params)[:3] == ["hidden", "dropout", "target_clip"]
    hidden = params["hidden"]
    assert hidden.default == 32 and hidden.kind is hidden.POSITIONAL_OR_KEYWORD
    assert params["target_clip"].kind is params["target_clip"].KEYWORD_ONLY
    assert params["max_epochs"].default == 20
    assert params["lr"].default == TRAINING_PARAMETERS["lr"]
    assert params["module"].default is TinyNet
    assert list(params)[-1] == "kwargs"


def test_parameters_stored_cloned_and_passed_to_the_network():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(32, 3)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5])
    reg = TinyRegressor(16, max_epochs=60, lr=1e-2, verbose=0, random_state=0,
                        module__dropout=0.0)
    assert reg.hidden == 16 and reg.max_epochs == 60 and reg.target_clip is None
    assert clone(reg).get_params()["hidden"] == 16
    reg.fit(X, y)
    assert reg.module_.net[0].out_features == 16
    assert reg.module_.net[2].p == 0.0  # module__ arguments win, as in skorch
    assert np.mean((reg.predict(X).ravel() - y) ** 2) < 0.5 * np.var(y)


def test_network_constraints_are_checked_at_fit():
    declared = TinyRegressor._parameter_constraints
    assert declared["hidden"] == TinyNet._parameter_constraints["hidden"]
    with pytest.raises(InvalidParameterError, match="'hidden' parameter of TinyRegressor"):
        TinyRegressor(hidden=0, verbose=0).fit(np.zeros((4, 2)), np.zeros(4))


def test_unknown_arguments_are_rejected_like_skorch():
    with pytest.raises(TypeError):
        TinyRegressor(1, 0.1, 3)  # only the network parameters are positional
    with pytest.raises(ValueError, match="hiden"):
        TinyRegressor(hiden=3, verbose=0).fit(np.zeros((4, 2)), np.zeros(4))


def test_declarations_must_name_real_arguments():
    with pytest.raises(TypeError, match="no keyword arguments"):
        @declared_parameters
        class Bad(TinyRegressor):
            _network_parameters = ("width",)
    with pytest.raises(TypeError, match="no training parameter"):
        @declared_parameters
        class Bad2(TinyRegressor):
            _training_defaults = {"epochs": 3}


@pytest.mark.parametrize("cls", [ADFFRegressor, ADFFClassifier, DAMFFRegressor, CNNTagger])
def test_estimators_share_the_training_parameters(cls):
    params = inspect.signature(cls).parameters
    assert set(TRAINING_PARAMETERS) <= set(params)
    for name in cls._network_parameters:  # the network's own defaults
        assert params[name].default == inspect.signature(cls._network).parameters[name].default
        assert name in cls._parameter_constraints or name == "filters"
