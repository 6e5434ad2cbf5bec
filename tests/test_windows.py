"""Tests of SlidingWindows and align_dynamic_annotations: counts, alignment, padding, errors."""

import numpy as np
import pytest
import soundfile as sf
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone

from skmer.audio import ClipSpec
from skmer.datasets import make_music_emotion
from skmer.features import LogMelTransformer, SlidingWindows, align_dynamic_annotations


def ramp(n_clips, n_frames, n_mels=3, offset=0.0):
    """Spectrograms whose value at frame j is j (+ offset): windows show their frames."""
    S = np.arange(n_frames, dtype=np.float32)[None, None, :, None] + offset
    return np.ascontiguousarray(np.broadcast_to(S, (n_clips, 1, n_frames, n_mels)))


# --------------------------------------------------------------------------- properties

FRAME_HOPS = st.sampled_from([0.01, 0.02, 0.025, 0.032, 0.05])


@settings(max_examples=80, deadline=None)
@given(
    frame_hop=FRAME_HOPS,
    hop_frames=st.integers(1, 60),
    start_frames=st.integers(0, 200),
    window_frames=st.integers(1, 120),
    n_frames=st.integers(1, 600),
    pad=st.sampled_from(["edge", "min", "zero"]),
)
def test_counts_and_alignment_in_whole_frames(
    frame_hop, hop_frames, start_frames, window_frames, n_frames, pad
):
    """With times that are whole frames: n_steps = floor((T - s) / h) + 1 and window k
    holds exactly frames [s + k h - F, s + k h), padded before frame 0."""
    sw = SlidingWindows(
        window_duration=window_frames * frame_hop,
        label_hop=hop_frames * frame_hop,
        label_start=start_frames * frame_hop,
        frame_hop=frame_hop,
        pad=pad,
    )
    S = ramp(2, n_frames, offset=10.0)
    if start_frames > n_frames:
        with pytest.raises(ValueError, match="no window fits"):
            sw.fit(S)
        return
    W = sw.fit_transform(S)
    n_steps = (n_frames - start_frames) // hop_frames + 1
    assert W.shape == (2, n_steps, 1, window_frames, 3)
    assert sw.n_steps_ == n_steps and sw.frames_per_window_ == window_frames
    np.testing.assert_allclose(sw.label_times_, (start_frames + hop_frames * np.arange(n_steps))
                               * frame_hop)
    for k in range(n_steps):
        end = start_frames + k * hop_frames
        frames = np.arange(end - window_frames, end)
        expected = frames + 10.0
        if pad == "edge":
            expected = np.clip(frames, 0, None) + 10.0
        elif pad == "min":
            expected = np.where(frames < 0, 10.0, expected)
        else:
            expected = np.where(frames < 0, 0.0, expected)
        np.testing.assert_array_equal(W[0, k, 0, :, 0], expected)
        np.testing.assert_array_equal(W[1, k, 0], W[0, k, 0])
    # the window after the last one would not fit
    assert start_frames + n_steps * hop_frames > n_frames


@settings(max_examples=60, deadline=None)
@given(
    frame_hop=FRAME_HOPS,
    window=st.floats(0.05, 3.0),
    hop=st.floats(0.05, 2.0),
    start=st.floats(0.0, 5.0),
    n_frames=st.integers(1, 800),
)
def test_windows_end_at_label_times_in_seconds(frame_hop, window, hop, start, n_frames):
    """Arbitrary times: every window ends within half a frame of its label time, is
    round(window / frame_hop) frames long, ends inside the spectrogram, and the next
    label's window would not."""
    sw = SlidingWindows(window_duration=window, label_hop=hop, label_start=start,
                        frame_hop=frame_hop)
    S = ramp(1, n_frames)
    try:
        W = sw.fit_transform(S)
    except ValueError as exc:
        assert "no window fits" in str(exc) or "shorter than one frame" in str(exc)
        assert start > n_frames * frame_hop - frame_hop / 2 or window < frame_hop / 2 + 1e-9
        return
    ends = sw.window_ends_
    assert np.all(np.abs(ends * frame_hop - sw.label_times_) <= frame_hop / 2 + 1e-9)
    assert ends[-1] <= n_frames
    next_t = start + hop * len(ends)
    assert np.floor(next_t / frame_hop + 0.5 + 1e-6) > n_frames
    assert W.shape[3] == round(window / frame_hop) or abs(
        window / frame_hop - round(window / frame_hop) - 0.5
    ) < 1e-6
    # last frame of window k is frame e_k - 1 (edge padding only affects frames < 0)
    np.testing.assert_array_equal(W[0, :, 0, -1, 0], np.maximum(ends - 1, 0))


@settings(max_examples=40, deadline=None)
@given(half_seconds=st.integers(1, 120), frame_hop=st.sampled_from([0.01, 0.02, 0.025, 0.05]))
def test_defaults_match_the_generator_labels(half_seconds, frame_hop):
    """Defaults give one window per label of make_music_emotion(dynamic=True):
    n_steps = floor(duration / 0.5), t_k = 0.5 (k + 1), for LogMel(duration, crop='start')."""
    duration = 0.5 * half_seconds
    n_frames = int(round(duration / frame_hop))  # LogMelTransformer.n_frames_
    sw = SlidingWindows(frame_hop=frame_hop).fit(np.zeros((1, 1, n_frames, 2), np.float32))
    n_steps = int(np.floor(duration / 0.5 + 1e-9))
    assert sw.n_steps_ == n_steps
    np.testing.assert_allclose(sw.label_times_, 0.5 * (np.arange(n_steps) + 1))
    assert sw.window_ends_[-1] == n_frames


def test_generator_end_to_end(tmp_path):
    data = make_music_emotion(n_clips=2, duration=3.0, sr=8000, dynamic=True, random_state=0,
                              data_home=tmp_path)
    mel = LogMelTransformer(sr=8000, n_mels=16, window=0.064, hop=0.02, duration=3.0,
                            crop="start")
    sw = SlidingWindows(window_duration=1.0, frame_hop=0.02)
    W = sw.fit_transform(mel.fit_transform(data.paths))
    assert W.shape == (2, 6, 1, 50, 16)
    assert W.dtype == np.float32
    np.testing.assert_allclose(sw.label_times_, data.frame_times)
    assert data.target_dynamic.shape[:2] == W.shape[:2]


# --------------------------------------------------------------------------- options / errors


def test_n_steps_and_fixed_count():
    S = ramp(1, 500)
    W = SlidingWindows(n_steps=4).fit_transform(S)
    assert W.shape[1] == 4
    with pytest.raises(ValueError, match=r"n_steps=11 windows do not fit.*5\.5 s.*frame 550"
                                         r".*has 500 frames \(5 s.*only 10 window"):
        SlidingWindows(n_steps=11).fit(S)
    sw = SlidingWindows().fit(S)
    assert sw.transform(ramp(2, 300)).shape == (2, 6, 1, 100, 3)  # windows follow T
    np.testing.assert_allclose(sw.label_times(300), 0.5 * np.arange(1, 7))
    assert SlidingWindows(n_steps=4).fit(S).transform(ramp(1, 300)).shape[1] == 4


def test_pad_error_and_other_modes():
    S = ramp(1, 200, offset=-40.0)
    with pytest.raises(ValueError, match="first window needs 100 frames.*only 50 exist"):
        SlidingWindows(pad="error").fit(S)
    sw = SlidingWindows(pad="error", label_start=1.0).fit(S)
    W = sw.transform(S)
    np.testing.assert_array_equal(W[0, 0, 0, :, 0], np.arange(100) - 40.0)
    assert SlidingWindows(pad="zero").fit_transform(S)[0, 0, 0, 0, 0] == 0.0
    assert SlidingWindows(pad="min").fit_transform(S)[0, 0, 0, 0, 0] == -40.0
    assert SlidingWindows(pad="edge").fit_transform(S)[0, 0, 0, 0, 0] == -40.0


@pytest.mark.parametrize(
    "params, match",
    [
        ({"window_duration": 0}, r"'window_duration' parameter of SlidingWindows must be a "
                                 r"float in the range \(0\.0, inf\)\. Got 0 instead"),
        ({"label_hop": -0.5}, r"'label_hop' parameter of SlidingWindows must be a float in "
                              r"the range \(0"),
        ({"frame_hop": "x"}, r"'frame_hop' parameter of SlidingWindows must be a float"),
        ({"label_start": -1.0}, r"'label_start' parameter of SlidingWindows must be None or a "
                                r"float in the range \[0\.0, inf\)"),
        ({"n_steps": 2.5}, r"'n_steps' parameter of SlidingWindows must be None or an int"),
        ({"pad": "reflect"}, r"'pad' parameter of SlidingWindows must be a str among \{"),
        ({"window_duration": 0.001}, "shorter than one frame"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        SlidingWindows(**params).fit(ramp(1, 100))


def test_bad_input_and_unfitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(ValueError, match=r"\(n_clips, 1, n_frames, n_mels\).*\(2, 100, 3\)"):
        SlidingWindows().fit(np.zeros((2, 100, 3)))
    with pytest.raises(ValueError, match="got shape"):
        SlidingWindows().fit(np.zeros((2, 2, 100, 3)))
    with pytest.raises(ValueError, match="numeric"):
        SlidingWindows().fit(np.full((1, 1, 100, 3), "a"))
    with pytest.raises(NotFittedError):
        SlidingWindows().transform(ramp(1, 100))


def test_sklearn_api():
    sw = SlidingWindows(window_duration=2.0, label_hop=0.25, label_start=3.0, n_steps=3,
                        frame_hop=0.02, pad="min")
    c = clone(sw)
    assert c.get_params() == sw.get_params()
    assert sw.set_output(transform="pandas") is sw
    assert not sw.__sklearn_tags__().input_tags.two_d_array
    W = sw.fit_transform(ramp(1, 500).astype(np.float64))
    assert W.dtype == np.float64 and W.flags.c_contiguous


# --------------------------------------------------------------------------- ragged labels


def pmemo_like(lengths, first=15.5, dims=2):
    times = [first + 0.5 * np.arange(n) for n in lengths]
    labels = [np.full((n, dims), float(i)) + np.arange(n)[:, None] for i, n in enumerate(lengths)]
    return [f"clip{i}.mp3" for i in range(len(lengths))], times, labels


def test_align_crops_to_common_length():
    paths, times, labels = pmemo_like([60, 58, 70])
    d = align_dynamic_annotations(paths, times, labels, window_duration=2.0)
    assert d.n_steps == 58 and d.target.shape == (3, 58, 2)
    np.testing.assert_array_equal(d.target[1], labels[1])
    np.testing.assert_array_equal(d.target[2], labels[2][:58])
    assert d.clips[0] == ClipSpec("clip0.mp3", 13.5, 2.0 + 57 * 0.5)
    assert d.label_start == 2.0 and d.duration == pytest.approx(30.5)
    assert (d.window_duration, d.label_hop) == (2.0, 0.5)
    np.testing.assert_allclose(d.frame_times, 2.0 + 0.5 * np.arange(58))
    np.testing.assert_array_equal(d.index, [0, 1, 2])
    assert d.dropped.size == 0


def test_align_drops_short_and_empty_clips():
    paths, times, labels = pmemo_like([60, 0, 10, 60])
    d = align_dynamic_annotations(paths, times, labels, n_steps=40)
    np.testing.assert_array_equal(d.index, [0, 3])
    np.testing.assert_array_equal(d.dropped, [1, 2])
    d = align_dynamic_annotations(paths, times, labels)  # shortest non-empty: 10
    assert d.n_steps == 10 and len(d.clips) == 3
    with pytest.raises(ValueError, match="no clip has n_steps=100"):
        align_dynamic_annotations(paths, times, labels, n_steps=100)


def test_align_problems_are_listed():
    paths, times, labels = pmemo_like([10, 10, 10, 10])
    times[1] = times[1] * 1.1  # not evenly spaced by 0.5
    times[2] = times[2] - 15.0  # first label at 0.5 s < window
    labels[3] = labels[3].copy()
    labels[3][4, 1] = np.nan
    with pytest.raises(ValueError, match=r"3 problem\(s\)(?s:.*)clip 1.*evenly spaced"
                                         r"(?s:.*)clip 2.*earlier than window_duration"
                                         r"(?s:.*)clip 3.*NaN"):
        align_dynamic_annotations(paths, times, labels)
    with pytest.raises(ValueError, match="one entry per clip"):
        align_dynamic_annotations(paths[:2], times, labels)


def test_align_windows_match_audio(tmp_path):
    """A tone switched on at 17.0 s: windows of labels <= 17.0 s are silent, later ones not."""
    sr = 8000
    t = np.arange(int(22 * sr)) / sr
    y = np.where(t >= 17.0, 0.5 * np.sin(2 * np.pi * 440 * t), 0.0)
    path = tmp_path / "song.wav"
    sf.write(path, y, sr)
    times = [15.5 + 0.5 * np.arange(10)]  # 15.5 .. 20.0
    d = align_dynamic_annotations([str(path)], times, [np.zeros((10, 2))], window_duration=1.0)
    mel = LogMelTransformer(sr=sr, n_mels=16, window=0.032, hop=0.01, duration=d.duration,
                            crop="start", top_db=None)
    sw = SlidingWindows(window_duration=1.0, label_start=d.label_start, frame_hop=0.01)
    W = sw.fit_transform(mel.fit_transform(d.clips))
    assert W.shape == (1, 10, 1, 100, 16)
    level = W[0, :, 0].max(axis=(1, 2))  # loudest bin of each window
    label_times = 15.5 + 0.5 * np.arange(10)
    silent = label_times <= 17.0 - 0.02  # window [t - 1, t) ends before the onset
    assert level[silent].max() < -90 and level[~silent].min() > -40


def test_align_real_pmemo_sample(pmemo_root):
    """The 4 real PMEmo choruses: ragged series (60-90 labels from 15.5 s) -> one array."""
    from skmer.datasets import load_pmemo

    data = load_pmemo(pmemo_root)
    d = align_dynamic_annotations(data.paths, data.frame_times, data.target_dynamic,
                                  window_duration=1.0, n_steps=40)
    assert d.target.shape == (4, 40, 2) and d.clips[0].offset == pytest.approx(14.5)
    for i in range(4):
        np.testing.assert_array_equal(d.target[i], data.target_dynamic[i][:40])
    mel = LogMelTransformer(sr=16000, n_mels=32, duration=d.duration, crop="start")
    sw = SlidingWindows(window_duration=1.0, label_start=d.label_start)
    W = sw.fit_transform(mel.fit_transform(d.clips))
    assert W.shape == (4, 40, 1, 100, 32) and np.isfinite(W).all()
