"""Training never silently produces an unusable model (issue 13)."""

import numpy as np
import pytest
import torch

from skmer import ADFFRegressor, CNNTagger, DAMFFRegressor, TrainingDivergedError

TINY = dict(width=1 / 16, lstm_hidden=4, fc_sizes=(8,), lr=1e-2, batch_size=4, max_epochs=1,
            lr_milestones=None, random_state=0, verbose=0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 1, 32, 32)).astype(np.float32), rng.uniform(-1, 1, (8, 2))


@pytest.mark.parametrize("cls", [ADFFRegressor, DAMFFRegressor, CNNTagger])
@pytest.mark.parametrize("param, value", [
    ("max_epochs", 0), ("max_epochs", -3), ("max_epochs", 1.5), ("max_epochs", True),
    ("batch_size", 0), ("lr", -1.0), ("lr", float("nan")), ("lr", "1e-3"),
])
def test_training_parameters_are_checked_before_training(cls, param, value):
    est = cls(**{param: value})
    expected = (rf"The '{param}' parameter of {cls.__name__} must be (an int|a float) in the "
                r"range \[(1|0\.0), inf\)\. Got ")
    with pytest.raises(ValueError, match=expected):
        est.fit(None, None)  # refused before X, y are even looked at
    assert not hasattr(est, "module_")


def test_zero_epochs_is_not_a_fitted_model(data):
    X, y = data
    with pytest.raises(ValueError, match=r"The 'max_epochs' parameter of ADFFRegressor must be an "
                                         r"int in the range \[1, inf\)\. Got 0 instead"):
        ADFFRegressor(**dict(TINY, max_epochs=0)).fit(X, y)


def test_diverging_training_stops_with_a_clear_error(data):
    X, y = data
    est = ADFFRegressor(**dict(TINY, lr=1e6, max_epochs=10))
    with pytest.raises(TrainingDivergedError,
                       match=r"training diverged, the training loss is (nan|inf) at epoch \d+ "
                             r"\(batch \d+\).*lr=1000000\.0 is probably too high.*lower"):
        est.fit(X, y)
    assert len(est.history) < 10
