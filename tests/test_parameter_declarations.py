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
