"""SegmentStacker: shapes, order, round trip (hypothesis) and errors."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skmer import SegmentStacker

shapes = st.tuples(
    st.integers(1, 4), st.integers(1, 80), st.integers(1, 12), st.integers(1, 20)
).filter(lambda s: s[3] <= s[1])


@settings(max_examples=60, deadline=None)
@given(shape=shapes)
def test_shape_order_and_round_trip(shape):
    n, n_frames, n_mels, seg_num = shape
    X = np.arange(n * n_frames * n_mels, dtype=np.float32).reshape(n, 1, n_frames, n_mels)
    stacker = SegmentStacker(seg_num=seg_num).fit(X)
    Z = stacker.transform(X)
    length = n_frames // seg_num
    assert Z.shape == (n, seg_num, length, n_mels) and Z.dtype == X.dtype
    assert stacker.segment_frames_ == length
    for c in range(seg_num):  # channel c is the c-th consecutive time segment
        np.testing.assert_array_equal(Z[:, c], X[:, 0, c * length:(c + 1) * length])
    back = stacker.inverse_transform(Z)
    np.testing.assert_array_equal(back, X[:, :, : seg_num * length])  # leftover frames dropped
    assert n_frames - back.shape[2] == n_frames % seg_num < seg_num


def test_seg_num_one_is_identity():
    X = np.random.default_rng(0).normal(size=(3, 1, 50, 8)).astype(np.float32)
    np.testing.assert_array_equal(SegmentStacker(seg_num=1).fit_transform(X), X)


def test_paper_default_shape():
    X = np.zeros((2, 1, 2000, 128), dtype=np.float32)
    assert SegmentStacker(seg_num=6).fit_transform(X).shape == (2, 6, 333, 128)


DECLARED = r"'seg_num' parameter of SegmentStacker must be an int in the range \[1, inf\)"


@pytest.mark.parametrize("seg_num, match", [(0, DECLARED), (-2, DECLARED), (2.5, DECLARED),
                                            ("6", DECLARED), (True, DECLARED),
                                            (51, "larger than the number of frames")])
def test_bad_seg_num(seg_num, match):
    with pytest.raises(ValueError, match=match):
        SegmentStacker(seg_num=seg_num).fit(np.zeros((1, 1, 50, 8)))


@pytest.mark.parametrize("shape", [(4, 50), (2, 50, 8), (2, 3, 50, 8)])
def test_input_must_be_single_channel_4d(shape):
    with pytest.raises(ValueError, match=r"\(n_samples, 1, n_frames, n_mels\)"):
        SegmentStacker(seg_num=2).fit(np.zeros(shape))


def test_inverse_checks_channels():
    stacker = SegmentStacker(seg_num=4).fit(np.zeros((1, 1, 40, 8)))
    with pytest.raises(ValueError, match="4"):
        stacker.inverse_transform(np.zeros((1, 3, 10, 8)))
