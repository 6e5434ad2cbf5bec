"""scikit-learn's estimator checks on MusicnnEmbedding and MusicnnLevels (16 kHz waveforms).

The checks' rows of a few "samples" are far shorter than one 3 s patch, so each row is
zero-padded to one patch; the network runs once per row.
"""

import importlib.util

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

if importlib.util.find_spec("musicnn") is None:
    pytest.skip("musicnn is not installed (pip install --no-deps musicnn)",
                allow_module_level=True)

from skmer.pretrained import MusicnnEmbedding, MusicnnLevels

# one configuration keeps the run short (the VGG variant shares all of the estimator code)
ESTIMATORS = [MusicnnEmbedding(layer="taggram", pooling="mean+std"),
              MusicnnLevels(n_frames=187, block=93)]


def expected_failed_checks(estimator):
    return {}  # none: every check passes


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
