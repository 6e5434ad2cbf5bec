"""Every public estimator documents each of its parameters and declares constraints for them."""

import inspect
import re

import pytest

from skmer.estimators import ADFFClassifier, ADFFRegressor, CNNTagger, DAMFFRegressor
from skmer.features import (
    AudioFeatures,
    LogMelTransformer,
    SegmentStacker,
    SlidingWindows,
    SpectrogramStats,
)
from skmer.pretrained import MusicnnEmbedding, MusicnnLevels, MusicnnMel

ESTIMATORS = [ADFFRegressor, ADFFClassifier, DAMFFRegressor, CNNTagger, LogMelTransformer,
              AudioFeatures, SlidingWindows, MusicnnEmbedding, MusicnnMel, MusicnnLevels,
              SegmentStacker, SpectrogramStats]
# objects (classes, callables, free-form skorch arguments), not values to range-check
UNCONSTRAINED = {"optimizer", "criterion", "module", "train_split", "kwargs", "tag_names",
                 "threshold", "classes", "filters"}


def init_params(cls):
    return [p.name for p in inspect.signature(cls.__init__).parameters.values()
            if p.name != "self" and p.kind is not p.VAR_KEYWORD]


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_parameter_is_documented(cls):
    entries = re.findall(r"^    (\w+(?:, \w+)*)(?: : |$)", cls.__doc__, flags=re.M)
    documented = {name for entry in entries for name in entry.split(", ")}
    missing = [name for name in init_params(cls) if name not in documented]
    assert not missing, f"{cls.__name__} does not document {missing}"
    assert "%(" not in cls.__doc__  # every fragment was substituted


@pytest.mark.parametrize("cls", ESTIMATORS, ids=lambda c: c.__name__)
def test_every_value_parameter_has_a_constraint(cls):
    declared = cls._parameter_constraints
    missing = [n for n in init_params(cls) if n not in declared and n not in UNCONSTRAINED]
    assert not missing, f"{cls.__name__}._parameter_constraints lacks {missing}"
    unknown = [n for n in declared if n not in init_params(cls)]
    assert not unknown, f"{cls.__name__} constrains non-parameters {unknown}"


def test_bools_are_not_numbers():
    with pytest.raises(ValueError, match="'batch_size' parameter of CNNTagger must be an int"):
        CNNTagger(batch_size=True).fit(None, None)
    with pytest.raises(ValueError, match="'n_mels' parameter of LogMelTransformer"):
        LogMelTransformer(n_mels=True).fit([[0.0] * 100])


@pytest.mark.parametrize("cls", [c for c in ESTIMATORS if "random_state" in init_params(c)],
                         ids=lambda c: c.__name__)
def test_one_random_state_policy(cls):
    """None, an int, a numpy RandomState or Generator, everywhere."""
    from skmer._validation import RANDOM_STATE

    assert cls._parameter_constraints["random_state"] == RANDOM_STATE


def test_generators_seed_a_network_and_a_crop():
    import numpy as np

    from skmer._validation import seed_from

    rng = np.random.default_rng(0)
    assert seed_from(None) is None and seed_from(7) == 7
    assert seed_from(np.random.default_rng(3)) == seed_from(np.random.default_rng(3))
    assert 0 <= seed_from(np.random.RandomState(3)) < 2**31 - 1
    X = rng.normal(size=(6, 1, 40, 32)).astype(np.float32)
    y = rng.normal(size=6)
    fits = [ADFFRegressor(width=1 / 16, lstm_hidden=4, fc_sizes=(4,), max_epochs=1, lr=1e-3,
                          lr_milestones=None, verbose=0, random_state=np.random.default_rng(5))
            .fit(X, y).predict(X) for _ in range(2)]
    np.testing.assert_allclose(fits[0], fits[1])
    wave = rng.normal(0, 0.1, (2, 16000)).astype(np.float32)
    crops = [LogMelTransformer(sr=16000, duration=0.5, crop="random", n_mels=16,
                               random_state=np.random.default_rng(1)).fit_transform(wave)
             for _ in range(2)]
    np.testing.assert_array_equal(crops[0], crops[1])
