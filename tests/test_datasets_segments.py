"""Simple and full segment datasets (ADFF paper, section 3.1)."""

import math

import numpy as np
import pytest
from conftest import write_tone
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.model_selection import GroupKFold

from skmer.audio import ClipSpec
from skmer.datasets import (
    SegmentDataset,
    aggregate_segments,
    full_segment_offsets,
    full_segments,
    simple_segment_offset,
    simple_segments,
)

TOL = 1e-6
durations_st = st.floats(min_value=0.05, max_value=900.0, allow_nan=False, allow_infinity=False)
seg_lens_st = st.floats(min_value=0.1, max_value=60.0, allow_nan=False, allow_infinity=False)


def _away_from_boundaries(d, seg_len):
    """Keep hypothesis 10 us or more off the whole-window and drop/extend boundaries."""
    remainder = d - math.floor(d / seg_len) * seg_len
    assume(1e-5 < remainder < seg_len - 1e-5)
    assume(abs(remainder - seg_len / 2) > 1e-5)


# ----------------------------------------------------------------------------- full rule


@settings(max_examples=300, deadline=None)
@given(d=durations_st, seg_len=seg_lens_st)
def test_full_offsets_properties(d, seg_len):
    _away_from_boundaries(d, seg_len)
    offsets = full_segment_offsets(d, seg_len)
    assert offsets.ndim == 1 and offsets.size >= 1
    if d <= seg_len:
        np.testing.assert_array_equal(offsets, [0.0])
        return
    n_whole = math.floor(d / seg_len)
    remainder = d - n_whole * seg_len
    extended = remainder >= seg_len / 2
    # count: whole windows, plus one extended window when the remainder is long enough
    assert offsets.size == n_whole + int(extended)
    # bounds: every window of exactly seg_len lies inside the clip
    assert offsets[0] == 0.0
    assert np.all(offsets >= 0)
    assert np.all(offsets + seg_len <= d + TOL)
    assert np.all(np.diff(offsets) > 0)
    # whole windows are consecutive in time order
    np.testing.assert_allclose(offsets[:n_whole], seg_len * np.arange(n_whole), atol=TOL)
    # drop / extend rule
    if extended:
        assert offsets[-1] == pytest.approx(d - seg_len, abs=TOL)
        assert offsets[-1] > offsets[-2] if offsets.size > 1 else True
    # coverage: no gaps; what is left uncovered at the end is shorter than seg_len / 2
    ends = offsets + seg_len
    assert np.all(offsets[1:] <= ends[:-1] + TOL)
    uncovered = d - ends[-1]
    assert uncovered < seg_len / 2 + TOL
    assert uncovered == pytest.approx(0.0, abs=TOL) if extended else uncovered >= 0


@settings(max_examples=200, deadline=None)
@given(d=durations_st, seg_len=seg_lens_st, seed=st.integers(0, 2**32 - 1))
def test_simple_offset_properties(d, seg_len, seed):
    off = simple_segment_offset(d, seg_len, np.random.default_rng(seed))
    if d <= seg_len:
        assert off == 0.0
    else:
        assert 0.0 <= off <= d - seg_len + TOL
        assert off == pytest.approx(round(off, 3), abs=1e-9)  # whole milliseconds


@settings(max_examples=100, deadline=None)
@given(
    durations=st.lists(durations_st, min_size=1, max_size=12),
    seg_len=seg_lens_st,
    with_y=st.booleans(),
)
def test_full_segments_dataset_properties(durations, seg_len, with_y):
    paths = [f"clip{i}.wav" for i in range(len(durations))]
    y = np.arange(2 * len(durations), dtype=float).reshape(-1, 2) if with_y else None
    data = full_segments(paths, y, seg_len=seg_len, durations=durations)
    assert isinstance(data, SegmentDataset)
    expected = [full_segment_offsets(d, seg_len) for d in durations]
    assert len(data.X) == sum(len(o) for o in expected) == len(data.groups)
    # groups: clip index of every window, clips in input order
    counts = [len(o) for o in expected]
    np.testing.assert_array_equal(data.groups, np.repeat(np.arange(len(paths)), counts))
    assert np.all(np.diff(data.groups) >= 0)
    for spec, g in zip(data.X, data.groups):
        assert isinstance(spec, ClipSpec)
        assert spec.path == paths[g]
        assert spec.duration == seg_len  # always seg_len, even for short clips (zero-padded)
    np.testing.assert_allclose([s.offset for s in data.X], np.concatenate(expected))
    if with_y:
        np.testing.assert_array_equal(data.y, y[data.groups])
    else:
        assert data.y is None


@settings(max_examples=100, deadline=None)
@given(
    durations=st.lists(durations_st, min_size=1, max_size=12),
    seg_len=seg_lens_st,
    seed=st.integers(0, 2**31),
)
def test_simple_segments_dataset_properties(durations, seg_len, seed):
    paths = [f"clip{i}.wav" for i in range(len(durations))]
    y = np.linspace(-1, 1, len(durations))
    data = simple_segments(paths, y, seg_len=seg_len, random_state=seed, durations=durations)
    assert len(data.X) == len(paths)
    np.testing.assert_array_equal(data.groups, np.arange(len(paths)))
    np.testing.assert_array_equal(data.y, y)
    for spec, d, p in zip(data.X, durations, paths):
        assert spec.path == p and spec.duration == seg_len
        assert 0.0 <= spec.offset <= max(0.0, d - seg_len) + TOL
    again = simple_segments(paths, y, seg_len=seg_len, random_state=seed, durations=durations)
    assert again.X == data.X


# ----------------------------------------------------------------------------- exact boundaries


@pytest.mark.parametrize(
    "d, seg_len, expected",
    [
        (60.0, 20.0, [0, 20, 40]),  # exact multiple: no extra window
        (50.0, 20.0, [0, 20, 30]),  # remainder == seg_len / 2: extended backwards
        (49.99, 20.0, [0, 20]),  # remainder just below seg_len / 2: dropped
        (45.1, 20.0, [0, 20]),  # PMEmo-like chorus, remainder 5.1 s dropped
        (59.0, 20.0, [0, 20, 39]),  # remainder 19 s extended: starts at 59 - 20
        (20.0, 20.0, [0]),  # exactly one window
        (12.5, 20.0, [0]),  # shorter: one zero-padded window
        (30.0, 20.0, [0, 10]),  # remainder 10 = seg_len / 2: extended, overlaps by half
        (0.3 * 3, 0.3, [0, 0.3, 0.6]),  # float round-off on an exact multiple
    ],
)
def test_full_offsets_examples(d, seg_len, expected):
    np.testing.assert_allclose(full_segment_offsets(d, seg_len), expected, atol=1e-9)


@pytest.mark.parametrize("bad", [0, -1.0, np.nan, np.inf, "20"])
def test_invalid_lengths_are_rejected(bad):
    with pytest.raises(ValueError, match="seg_len"):
        full_segment_offsets(30.0, bad)
    with pytest.raises(ValueError, match="duration"):
        full_segment_offsets(bad, 20.0)


def test_input_validation():
    with pytest.raises(ValueError, match="y has 1 rows for 2 paths"):
        full_segments(["a", "b"], [1.0], durations=[1, 2])
    with pytest.raises(ValueError, match="durations has 1 entries"):
        simple_segments(["a", "b"], durations=[1.0])
    with pytest.raises(ValueError, match="duration of b"):
        full_segments(["a", "b"], durations=[1.0, 0.0])
    with pytest.raises(TypeError, match="single string"):
        full_segments("a.wav", durations=[1.0])
    with pytest.raises(ValueError, match="empty"):
        simple_segments([], durations=[])


# ----------------------------------------------------------------------------- real files


def test_durations_read_from_headers(tmp_path):
    paths = []
    for i, seconds in enumerate([2.5, 0.7, 4.0]):
        p = tmp_path / f"t{i}.wav"
        write_tone(p, sr=8000, seconds=seconds)
        paths.append(p)
    full = full_segments(paths, [1.0, 2.0, 3.0], seg_len=1.0)
    # 2.5 s -> 0, 1, 1.5 (0.5 = seg_len / 2 extended); 0.7 s -> 0 (padded); 4 s -> 0..3
    np.testing.assert_allclose([s.offset for s in full.X], [0, 1, 1.5, 0, 0, 1, 2, 3])
    np.testing.assert_array_equal(full.y, [1, 1, 1, 2, 3, 3, 3, 3])
    assert all(s.path == str(paths[g]) for s, g in zip(full.X, full.groups))
    simple = simple_segments(paths, seg_len=1.0, random_state=0)
    assert simple.X[1].offset == 0.0 and simple.y is None


def test_pmemo_full_segments(pmemo_mp3s):
    # header durations ~49.1, 60.2, 45.1, 45.1 s
    data = full_segments(pmemo_mp3s, np.zeros((4, 2)), seg_len=20.0)
    assert np.bincount(data.groups).tolist() == [2, 3, 2, 2]  # remainders 9.1, 0.2, 5.1 dropped
    data = full_segments(pmemo_mp3s, np.zeros((4, 2)), seg_len=25.0)
    assert np.bincount(data.groups).tolist() == [2, 2, 2, 2]
    # 49.1 s: remainder 24.1 >= 12.5 -> extended backwards to start at 49.1 - 25
    assert data.X[1].offset == pytest.approx(49.1 - 25.0, abs=0.1)
    assert data.X[3].offset == 25.0  # 60.2 s: remainder 10.2 < 12.5 dropped


def test_group_kfold_never_splits_a_clip():
    durations = np.random.default_rng(0).uniform(5, 70, 25)
    paths = [f"c{i}" for i in range(25)]
    data = full_segments(paths, np.arange(25.0), seg_len=10, durations=durations)
    for train, test in GroupKFold(n_splits=5).split(data.X, data.y, data.groups):
        assert not set(data.groups[train]) & set(data.groups[test])


# ----------------------------------------------------------------------------- aggregation


def test_aggregate_recovers_clip_labels():
    y = np.array([[0.1, 0.2], [-0.5, 0.9], [0.3, -0.3]])
    data = full_segments(["a", "b", "c"], y, seg_len=10, durations=[35, 8, 61])
    y_clip, clips = aggregate_segments(data.y, data.groups)
    np.testing.assert_allclose(y_clip, y[clips])
    np.testing.assert_array_equal(clips, [0, 1, 2])


def test_aggregate_how():
    pred = np.array([1.0, 2.0, 9.0, 5.0, 4.0])
    groups = np.array([3, 3, 3, 1, 1])
    y, g = aggregate_segments(pred, groups)
    np.testing.assert_allclose(y, [4.5, 4.0])
    np.testing.assert_array_equal(g, [1, 3])
    y, _ = aggregate_segments(pred, groups, how="median")
    np.testing.assert_allclose(y, [4.5, 2.0])
    y, _ = aggregate_segments(pred, groups, how=np.max)
    np.testing.assert_allclose(y, [5.0, 9.0])
    y, g = aggregate_segments(pred[:, None] * [1, -1], ["b", "b", "b", "a", "a"])
    np.testing.assert_allclose(y, [[4.5, -4.5], [4.0, -4.0]])
    assert list(g) == ["a", "b"]
    with pytest.raises(ValueError, match="same number of rows"):
        aggregate_segments(pred, groups[:-1])
    with pytest.raises(ValueError, match="how must be"):
        aggregate_segments(pred, groups, how="max")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.floats(-1, 1)), min_size=1, max_size=40))
def test_aggregate_mean_matches_loop(pairs):
    groups = np.array([g for g, _ in pairs])
    pred = np.array([v for _, v in pairs])
    y, g = aggregate_segments(pred, groups)
    for value, grp in zip(y, g):
        assert value == pytest.approx(pred[groups == grp].mean())
