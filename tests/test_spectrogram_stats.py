"""SpectrogramStats: values, names, shapes."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skmer import SegmentStacker, SpectrogramStats


def test_values_match_definitions():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 1, 40, 5)).astype(np.float32)
    out = SpectrogramStats(stats=("mean", "std", "min", "max", "median", "delta_mean",
                                  "delta_std")).fit_transform(X)
    S = X[:, 0]
    d = np.diff(S, axis=1)
    expected = np.concatenate([S.mean(1), S.std(1), S.min(1), S.max(1), np.median(S, 1),
                               np.abs(d).mean(1), d.std(1)], axis=1)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-6)


def test_feature_names():
    stats = SpectrogramStats().fit(np.zeros((1, 1, 10, 3)))
    names = stats.get_feature_names_out()
    assert list(names[:4]) == ["mean_mel0", "mean_mel1", "mean_mel2", "std_mel0"]
    assert len(names) == stats.n_features_out_ == 12


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 3), t=st.integers(2, 30), m=st.integers(1, 6), seg=st.integers(1, 4))
def test_stacked_input_gives_stats_of_the_concatenated_segments(n, t, m, seg):
    rng = np.random.default_rng(n * 1000 + t * 10 + m)
    X = rng.normal(size=(n, 1, t * seg, m)).astype(np.float32)
    Z = SegmentStacker(seg_num=seg).fit_transform(X)
    np.testing.assert_allclose(SpectrogramStats().fit_transform(Z),
                               SpectrogramStats().fit_transform(X), rtol=1e-4, atol=1e-5)


def test_errors():
    with pytest.raises(ValueError, match="4-D"):
        SpectrogramStats().fit(np.zeros((3, 10)))
    with pytest.raises(ValueError, match=r"'stats' parameter of SpectrogramStats must be a "
                                         r"non-empty sequence of names among \['mean'.*'kurtosis'"):
        SpectrogramStats(stats=("mean", "kurtosis")).fit(np.zeros((1, 1, 10, 3)))
    with pytest.raises(ValueError, match="NaN"):
        SpectrogramStats().fit(np.full((1, 1, 10, 3), np.nan))
    fitted = SpectrogramStats().fit(np.zeros((1, 1, 10, 3)))
    with pytest.raises(ValueError, match="Mel bands"):
        fitted.transform(np.zeros((1, 1, 10, 4)))
