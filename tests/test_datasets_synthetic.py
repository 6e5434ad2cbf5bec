"""make_music_emotion: determinism, caching, labels, audio content, speed, learnability."""

import os
import time

import numpy as np
import pytest
import soundfile as sf

from skmer.datasets import make_music_emotion
from skmer.datasets import synthetic as synth

SMALL = {"n_clips": 6, "duration": 3.0, "sr": 16000}


def z(x, lo, hi):
    return 2 * (np.asarray(x, dtype=float) - lo) / (hi - lo) - 1


def documented_emotion(f):
    """The formulas of DESCR, written out independently of the module."""
    arousal = np.tanh(
        2.0
        * (
            0.30 * z(f["tempo"], 60, 180)
            + 0.20 * z(f["density"], 0, 1)
            + 0.25 * z(f["loudness"], -32, -14)
            + 0.10 * z(f["brightness"], 0, 1)
            + 0.15 * z(f["percussiveness"], 0, 1)
        )
    )
    valence = np.tanh(
        1.5
        * (
            0.25 * (2 * np.asarray(f["mode"], dtype=float) - 1)
            - 0.45 * z(f["dissonance"], 0, 1)
            + 0.35 * z(f["register"], -1, 1)
        )
    )
    return valence, arousal


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    return make_music_emotion(random_state=0, data_home=home, **SMALL), home


# ----------------------------------------------------------------------------- the Bunch


def test_bunch_shapes_and_ranges(small):
    data, _ = small
    n = SMALL["n_clips"]
    assert len(data.paths) == n and all(os.path.isfile(p) for p in data.paths)
    assert data.target.shape == (n, 2) and np.all(np.abs(data.target) <= 1)
    assert data.target_names == ["valence", "arousal"]
    assert list(data.ids) == [f"clip_{i:05d}" for i in range(n)]
    assert data.tags.shape == (n, len(data.tag_names)) and set(np.unique(data.tags)) <= {0, 1}
    assert set(data.tag_names) >= {"happy", "sad", "tense", "calm", "energetic", "peaceful"}
    frame = data.frame
    assert len(frame) == n
    for col in ["id", "path", *data.feature_names, "valence", "arousal", "tags"]:
        assert col in frame.columns, col
    np.testing.assert_array_equal(frame[["valence", "arousal"]].to_numpy(), data.target)
    assert "valence = tanh" in data.DESCR
    assert not hasattr(data, "target_dynamic")
    for p in data.paths:
        info = sf.info(p)
        assert (info.samplerate, info.channels, info.subtype) == (16000, 1, "PCM_16")
        assert info.frames == 3 * 16000
    paths, target = make_music_emotion(random_state=0, data_home=small[1], return_X_y=True, **SMALL)
    assert paths == data.paths and np.array_equal(target, data.target)


def test_labels_follow_documented_factors(small, tmp_path):
    data, home = small
    valence, arousal = documented_emotion(data.frame)
    np.testing.assert_allclose(data.frame["valence_clean"], valence, atol=1e-12)
    np.testing.assert_allclose(data.frame["arousal_clean"], arousal, atol=1e-12)
    # noise=0: the targets are the noise-free values; noise changes labels, not files
    clean = make_music_emotion(random_state=0, data_home=home, noise=0.0, **SMALL)
    np.testing.assert_allclose(clean.target, np.c_[valence, arousal], atol=1e-12)
    assert clean.paths == data.paths
    noisy = make_music_emotion(random_state=0, data_home=home, noise=0.3, **SMALL)
    assert 0.05 < np.std(noisy.target - clean.target) < 0.6


def test_tags_follow_documented_rules(tmp_path):
    data = make_music_emotion(n_clips=40, duration=1.0, sr=8000, random_state=1, data_home=tmp_path)
    v = data.frame["valence_clean"].to_numpy()
    a = data.frame["arousal_clean"].to_numpy()
    d = data.frame["dissonance"].to_numpy()
    tags = dict(zip(data.tag_names, data.tags.T))
    np.testing.assert_array_equal(tags["happy"], (v > 0.25) & (a > 0))
    np.testing.assert_array_equal(tags["sad"], (v < -0.25) & (a < 0))
    np.testing.assert_array_equal(tags["tense"], ((v < -0.25) & (a > 0.25)) | (d > 0.75))
    np.testing.assert_array_equal(tags["calm"], a < -0.25)
    np.testing.assert_array_equal(tags["energetic"], a > 0.25)
    np.testing.assert_array_equal(tags["peaceful"], (v > 0.25) & (a < 0) & (d < 0.4))
    assert data.tags.any(axis=0).sum() >= 5  # the tags are actually used
    for row, text in zip(data.tags, data.frame["tags"]):
        assert (text.split(";") if text else []) == [
            t for t, on in zip(data.tag_names, row) if on
        ]


# ----------------------------------------------------------------------------- files


def test_same_seed_gives_identical_bytes_and_targets(small, tmp_path):
    data, _ = small
    again = make_music_emotion(random_state=0, data_home=tmp_path, **SMALL)
    np.testing.assert_array_equal(again.target, data.target)
    for a, b in zip(again.paths, data.paths):
        assert a != b
        assert open(a, "rb").read() == open(b, "rb").read()
    other = make_music_emotion(random_state=1, data_home=tmp_path, **SMALL)
    assert os.path.dirname(other.paths[0]) != os.path.dirname(again.paths[0])
    assert not np.allclose(other.target, again.target)
    assert open(other.paths[0], "rb").read() != open(again.paths[0], "rb").read()


def test_files_are_reused_not_rewritten(tmp_path, monkeypatch):
    first = make_music_emotion(random_state=3, data_home=tmp_path, **SMALL)
    stamps = [os.stat(p).st_mtime_ns for p in first.paths]

    def fail(*args, **kwargs):
        raise AssertionError("a valid cached clip was synthesised again")

    monkeypatch.setattr(synth, "_synthesise", fail)
    second = make_music_emotion(random_state=3, data_home=tmp_path, **SMALL)
    assert second.paths == first.paths
    assert [os.stat(p).st_mtime_ns for p in second.paths] == stamps
    np.testing.assert_array_equal(second.target, first.target)
    # fewer clips: a prefix of the same clips, nothing rendered
    fewer = make_music_emotion(random_state=3, data_home=tmp_path, **{**SMALL, "n_clips": 3})
    assert fewer.paths == first.paths[:3]
    np.testing.assert_array_equal(fewer.target, first.target[:3])
    monkeypatch.undo()
    # a truncated file (interrupted run) is detected by its header and rewritten
    original = open(first.paths[2], "rb").read()
    with open(first.paths[2], "r+b") as f:
        f.truncate(1000)
    os.remove(first.paths[4])
    more = make_music_emotion(random_state=3, data_home=tmp_path, **{**SMALL, "n_clips": 8})
    assert more.paths[:6] == first.paths
    assert open(first.paths[2], "rb").read() == original
    assert os.path.isfile(first.paths[4])
    assert [os.stat(p).st_mtime_ns for p in first.paths[:2]] == stamps[:2]
    np.testing.assert_array_equal(more.target[:6], first.target)


def test_settings_never_share_a_folder(tmp_path):
    folders = set()
    for kwargs in [
        {},
        {"duration": 2.0},
        {"sr": 8000},
        {"dynamic": True},
        {"random_state": 5},
    ]:
        params = {"n_clips": 1, "duration": 3.0, "sr": 16000, "random_state": 4, **kwargs}
        folders.add(make_music_emotion(data_home=tmp_path, **params).data_dir)
    assert len(folders) == 5
    assert all(os.path.isfile(os.path.join(f, "params.json")) for f in folders)


def test_data_home_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SKMER_DATA", str(tmp_path / "cache"))
    data = make_music_emotion(n_clips=1, duration=1.0, sr=8000, random_state=0)
    assert data.paths[0].startswith(str(tmp_path / "cache" / "music_emotion"))


def test_random_state_objects(tmp_path):
    kw = {"n_clips": 2, "duration": 1.0, "sr": 8000, "data_home": tmp_path}
    a = make_music_emotion(random_state=np.random.default_rng(7), **kw)
    b = make_music_emotion(random_state=np.random.default_rng(7), **kw)
    np.testing.assert_array_equal(a.target, b.target)
    c = make_music_emotion(random_state=np.random.RandomState(7), **kw)
    assert c.target.shape == (2, 2)
    assert make_music_emotion(random_state=None, **kw).data_dir != a.data_dir


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_clips": 0}, "n_clips"),
        ({"n_clips": 2.5}, "n_clips"),
        ({"duration": 0.5}, "duration"),
        ({"sr": 100}, "sr"),
        ({"noise": -0.1}, "noise"),
        ({"random_state": -1}, "random_state"),
    ],
)
def test_invalid_parameters(kwargs, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        make_music_emotion(data_home=tmp_path, **kwargs)


# ----------------------------------------------------------------------------- audio content


def test_audio_is_music_like_not_a_sine(small):
    data, _ = small
    for path in data.paths:
        y, sr = sf.read(path)
        assert np.isfinite(y).all() and np.abs(y).max() < 1
        spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size))) ** 2
        # a sine puts nearly all its energy in a few bins; these clips spread it
        top = np.sort(spectrum)[::-1]
        assert top[:10].sum() / spectrum.sum() < 0.5
        # many distinct spectral peaks (partials of chords, melody and bass)
        db = 10 * np.log10(spectrum / spectrum.max() + 1e-20)
        peaks = (db[1:-1] > db[:-2]) & (db[1:-1] > db[2:]) & (db[1:-1] > -40)
        assert peaks.sum() > 30
        # energy above 2 kHz: harmonics / noise bursts, not bare low sine tones
        freqs = np.fft.rfftfreq(y.size, 1 / sr)
        assert spectrum[freqs > 2000].sum() / spectrum.sum() > 1e-4


def test_loudness_factor_sets_the_level(small):
    data, _ = small
    for path, loudness in zip(data.paths, data.frame["loudness"]):
        y, _ = sf.read(path)
        rms_db = 20 * np.log10(np.sqrt(np.mean(y**2)))
        assert rms_db == pytest.approx(loudness, abs=1.5)


def test_tempo_is_audible(tmp_path):
    """librosa's tempo estimate finds the tempo factor (up to octave errors)."""
    import librosa

    data = make_music_emotion(
        n_clips=16, duration=6.0, sr=16000, random_state=2, data_home=tmp_path
    )
    octave_errors = []
    for path, tempo in zip(data.paths, data.frame["tempo"]):
        y, sr = sf.read(path)
        envelope = librosa.onset.onset_strength(y=y, sr=sr)
        estimate = librosa.feature.tempo(onset_envelope=envelope, sr=sr)[0]
        ratio = np.log2(estimate / tempo)
        octave_errors.append(abs(ratio - np.round(ratio)))
    assert np.mean(np.array(octave_errors) < 0.07) >= 0.75


# ----------------------------------------------------------------------------- dynamic


def test_dynamic_labels(tmp_path):
    data = make_music_emotion(
        n_clips=12, duration=4.0, sr=8000, dynamic=True, noise=0.0, random_state=0,
        data_home=tmp_path,
    )
    assert data.target_dynamic.shape == (12, 8, 2)
    np.testing.assert_allclose(data.frame_times, 0.5 * np.arange(1, 9))
    assert np.all(np.abs(data.target_dynamic) <= 1)
    frame = data.frame
    for col in ["tempo_end", "loudness_end", "mode_end", "mode_switch_time"]:
        assert col in frame.columns
    assert (frame["tempo"] != frame["tempo_end"]).all()
    # noise-free static target = mean of the dynamic labels
    np.testing.assert_allclose(data.target, data.target_dynamic.mean(axis=1), atol=1e-12)
    # label k at t_k averages (t_k - 0.5, t_k]: the last label reflects the end values
    end = frame.rename(columns=lambda c: c[:-4] if c.endswith("_end") else c + "_start")
    v_end, a_end = documented_emotion(end)
    np.testing.assert_allclose(data.target_dynamic[:, -1, 1], a_end, atol=0.15)
    # a mode switch moves valence by the mode term, in the direction of the new mode
    switched = frame["mode_switch_time"].notna().to_numpy()
    assert switched.any() and (~switched).any()
    for i in np.flatnonzero(switched):
        t = frame.loc[i, "mode_switch_time"]
        before = data.target_dynamic[i, data.frame_times <= t - 0.5, 0]
        after = data.target_dynamic[i, data.frame_times >= t + 0.5, 0]
        step = after[0] - before[-1]
        assert np.sign(step) == np.sign(frame.loc[i, "mode_end"] - frame.loc[i, "mode"])
        assert abs(step) > 0.1
    noisy = make_music_emotion(
        n_clips=12, duration=4.0, sr=8000, dynamic=True, noise=0.2, random_state=0,
        data_home=tmp_path,
    )
    assert noisy.paths == data.paths
    resid = noisy.target_dynamic - data.target_dynamic
    assert 0.05 < resid.std() < 0.4
    # annotator noise is smooth in time (AR(1)), like real continuous ratings
    assert np.corrcoef(resid[:, :-1].ravel(), resid[:, 1:].ravel())[0, 1] > 0.5


def test_dynamic_audio_changes_over_time(tmp_path):
    data = make_music_emotion(
        n_clips=10, duration=6.0, sr=8000, dynamic=True, random_state=4, data_home=tmp_path
    )
    frame = data.frame
    i = int(np.argmax(np.abs(frame["loudness_end"] - frame["loudness"])))
    y, sr = sf.read(data.paths[i])
    first, last = y[: sr], y[-sr:]
    change = 20 * np.log10(np.sqrt(np.mean(last**2)) / np.sqrt(np.mean(first**2)))
    expected = (frame.loc[i, "loudness_end"] - frame.loc[i, "loudness"]) * 5 / 6
    assert np.sign(change) == np.sign(expected)
    assert abs(change - expected) < 4.0


# ----------------------------------------------------------------------------- speed


def test_generation_speed(tmp_path):
    t0 = time.perf_counter()
    make_music_emotion(n_clips=20, duration=10.0, sr=22050, random_state=0, data_home=tmp_path)
    elapsed = time.perf_counter() - t0
    print(f"20 clips x 10 s at 22050 Hz: {elapsed:.2f} s ({elapsed / 20 * 1000:.0f} ms/clip)")
    # 200 such clips must take well under a minute: allow a shared, loaded machine
    assert elapsed < 20.0
    t0 = time.perf_counter()
    make_music_emotion(n_clips=20, duration=10.0, sr=22050, random_state=0, data_home=tmp_path)
    assert time.perf_counter() - t0 < 2.0  # cached


def test_parallel_and_progress_bar(tmp_path, capsys):
    kw = {"n_clips": 4, "duration": 2.0, "sr": 8000, "random_state": 9}
    par = make_music_emotion(data_home=tmp_path / "a", n_jobs=2, verbose=True, **kw)
    out = capsys.readouterr()
    assert "4 of 4 clips rendered" in out.out
    assert "make_music_emotion" in out.err  # tqdm bar
    seq = make_music_emotion(data_home=tmp_path / "b", **kw)
    for a, b in zip(par.paths, seq.paths):
        assert open(a, "rb").read() == open(b, "rb").read()


# ----------------------------------------------------------------------------- learnability


@pytest.mark.slow
def test_audio_features_svr_learns_both_dimensions(tmp_path):
    """As in real data: both dimensions learnable from audio, valence the harder one."""
    from sklearn.model_selection import KFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVR

    from skmer.features import AudioFeatures

    data = make_music_emotion(n_clips=200, random_state=0, data_home=tmp_path, n_jobs=2)
    X = AudioFeatures(n_jobs=2).fit_transform(data.paths)
    cv = KFold(5, shuffle=True, random_state=0)
    r2 = [
        cross_val_score(
            make_pipeline(StandardScaler(), SVR()), X, data.target[:, j], cv=cv, scoring="r2"
        ).mean()
        for j in range(2)
    ]
    print(f"cross-validated R2: valence {r2[0]:.3f}, arousal {r2[1]:.3f}")
    valence, arousal = r2
    assert arousal > 0.55
    assert valence > 0.25
    assert arousal > valence + 0.1
