"""AudioFeatures: descriptors that mean what they say, caching, errors."""

from unittest import mock

import numpy as np
import pytest
import soundfile as sf

import skmer.features.descriptors as descriptors_module
from skmer import AudioFeatures, FeatureExtractionError

SR = 22050


def chord(pitches_hz, seconds=3.0, sr=SR):
    t = np.arange(int(seconds * sr)) / sr
    y = sum(np.sin(2 * np.pi * f * k * t) / k for f in pitches_hz for k in (1, 2))
    return (0.2 * y / len(pitches_hz)).astype(np.float32)


def clicks(bpm, seconds=6.0, sr=SR):
    y = np.zeros(int(seconds * sr), dtype=np.float32)
    burst = np.random.default_rng(0).normal(size=400).astype(np.float32) * np.hanning(400)
    for start in np.arange(0, seconds - 0.05, 60.0 / bpm):
        i = int(start * sr)
        y[i:i + 400] += burst.astype(np.float32)
    return 0.3 * y


def column(features, names, name):
    return features[:, list(names).index(name)]


def test_real_clips_shape_names_finite(pmemo_mp3s):
    af = AudioFeatures(duration=10.0)
    F = af.fit_transform(pmemo_mp3s)
    names = af.get_feature_names_out()
    assert F.shape == (4, af.n_features_out_) == (4, len(names)) and F.dtype == np.float32
    assert np.isfinite(F).all()
    assert len(set(names)) == len(names)
    tempo = column(F, names, "tempo_bpm")
    assert np.all((tempo > 40) & (tempo < 250))


def progression(third):
    """I-IV-V-I (major third) or i-iv-v-i (minor third) in C, one second per chord."""
    semitone = 2 ** (1 / 12)
    roots = [261.63, 261.63 * semitone**5, 261.63 * semitone**7, 261.63]
    return np.concatenate([chord([r, r * semitone**third, r * semitone**7], seconds=1.0)
                           for r in roots])


def test_mode_feature_separates_major_from_minor():
    c_major, c_minor = progression(4), progression(3)
    af = AudioFeatures().fit(np.stack([c_major, c_minor]))
    F = af.transform(np.stack([c_major, c_minor]))
    mode = column(F, af.get_feature_names_out(), "mode_major_minus_minor")
    assert mode[0] > 0 > mode[1]


def test_tempo_and_onset_rate_follow_the_beat():
    slow, fast = clicks(70), clicks(140)
    af = AudioFeatures().fit(np.stack([slow, fast]))
    F = af.transform(np.stack([slow, fast]))
    names = af.get_feature_names_out()
    rate = column(F, names, "onset_rate_per_s")
    assert rate[1] > 1.6 * rate[0]
    assert abs(column(F, names, "tempo_bpm")[1] - 140) < 15


def test_duration_crops_like_the_waveform(tmp_path):
    y = chord([220.0, 277.18, 329.63], seconds=4.0)
    path = tmp_path / "c.wav"
    sf.write(path, y, SR, subtype="FLOAT")
    from_file = AudioFeatures(duration=2.0, crop="start").fit_transform([str(path)])
    from_wave = AudioFeatures().fit_transform(y[None, : 2 * SR])
    np.testing.assert_allclose(from_file, from_wave, rtol=1e-4, atol=1e-4)


def test_cache_and_errors(tmp_path):
    paths = []
    for i, f in enumerate([220.0, 330.0, 440.0]):
        p = tmp_path / f"{i}.wav"
        sf.write(p, chord([f], seconds=1.0), SR)
        paths.append(str(p))
    paths.append(str(tmp_path / "missing.wav"))
    memory = tmp_path / "cache"
    with pytest.raises(FeatureExtractionError, match="missing.wav"):
        AudioFeatures(memory=memory).fit_transform(paths)
    loads = mock.patch.object(descriptors_module, "load_audio", wraps=descriptors_module.load_audio)
    with loads as counted:
        F = AudioFeatures(memory=memory).fit_transform(paths[:3])
    assert counted.call_count == 0  # computed before the failure, kept in the cache
    with pytest.warns(UserWarning, match="missing.wav"):
        G = AudioFeatures(memory=memory, on_error="warn").fit_transform(paths)
    np.testing.assert_array_equal(G[:3], F)
    assert np.isnan(G[3]).all()


def test_parallel_equals_serial():
    X = np.stack([chord([f], seconds=1.0) for f in (200.0, 300.0, 400.0)])
    np.testing.assert_array_equal(AudioFeatures().fit_transform(X),
                                  AudioFeatures(n_jobs=2).fit_transform(X))


def test_too_short_is_an_error():
    with pytest.raises(FeatureExtractionError, match="shorter than min_duration"):
        AudioFeatures().fit_transform(np.zeros((1, 1000), dtype=np.float32))
