"""LogMelTransformer: librosa equality, frame rule, crops, inputs, caching, batches."""

import os
import warnings
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import soundfile as sf
from conftest import write_tone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

import skmer.features.logmel as logmel_module
from skmer import ClipSpec, FeatureExtractionError, LogMelTransformer, SpectrogramStats
from skmer.features.melspec import mel_filterbank

# Tolerance of the librosa reference test: float32 FFTs in a different order differ by
# rounding only; dB values agree to 0.01 dB (measured max ~2e-4 dB on the PMEmo clips).
DB_ATOL = 0.01


def small(**kwargs):
    params = dict(sr=16000, n_mels=32, window=0.032, hop=0.016, duration=1.0, min_duration=0.1)
    params.update(kwargs)
    return LogMelTransformer(**params)


@pytest.fixture
def wav_files(tmp_path):
    paths = []
    for i in range(10):
        path = tmp_path / f"clip_{i}.wav"
        write_tone(path, sr=16000, seconds=1.5, freq=220.0 * (1 + i % 5))
        paths.append(str(path))
    return paths


def test_matches_librosa_on_real_recordings(pmemo_mp3s):
    import librosa

    for path in pmemo_mp3s:
        y, sr = librosa.load(path, sr=44100, offset=5.0, duration=20.0)
        ref = librosa.power_to_db(
            librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2646, hop_length=441, n_mels=128)
        ).T
        ours = LogMelTransformer().fit_transform([ClipSpec(path, 5.0, 20.0)])
        assert ours.shape == (1, 1, 2000, 128) and ours.dtype == np.float32
        # our first 2000 frames are librosa's first 2000 (librosa has 2001: one centred on the end)
        assert ref.shape[0] == 2001
        np.testing.assert_allclose(ours[0, 0], ref[:2000], atol=DB_ATOL, rtol=0)


def test_mel_filterbank_matches_librosa():
    import librosa

    configs = [(44100, 2646, 128, 0.0, None), (16000, 512, 40, 50, 7000)]
    for sr, n_fft, n_mels, fmin, fmax in configs:
        np.testing.assert_allclose(
            mel_filterbank(sr, n_fft, n_mels, fmin, fmax),
            librosa.filters.mel(sr=sr, n_fft=n_fft, n_mels=n_mels, fmin=fmin, fmax=fmax),
            atol=1e-7,
        )


@pytest.mark.parametrize("duration, hop, expected", [(20.0, 0.01, 2000), (5.0, 0.01, 500),
                                                      (1.0, 0.016, 62), (0.5, 0.02, 25)])
def test_frame_count_rule(duration, hop, expected):
    X = np.zeros((2, 8000), dtype=np.float32)
    mel = small(duration=duration, hop=hop, min_duration=0).fit(X)
    assert mel.n_frames_ == expected
    assert mel.transform(X).shape == (2, 1, expected, 32)


def test_short_audio_is_zero_padded_like_librosa_on_padded_audio(wav_files):
    import librosa

    out = small(duration=3.0).fit_transform(wav_files[:1])
    y, _ = librosa.load(wav_files[0], sr=16000)
    y = np.pad(y, (0, 3 * 16000 - y.size))
    ref = librosa.power_to_db(librosa.feature.melspectrogram(
        y=y, sr=16000, n_fft=512, hop_length=256, n_mels=32)).T[:188]
    assert out.shape == (1, 1, 188, 32)  # round(3.0 / 0.016)
    # away from the junction, padded frames are the top_db floor in both
    np.testing.assert_allclose(out[0, 0, 100:], ref[100:], atol=DB_ATOL)
    np.testing.assert_allclose(out[0, 0, :90], ref[:90], atol=DB_ATOL)


def test_crop_modes(wav_files):
    full = small(duration=None).fit_transform(wav_files[:1])[0, 0]
    n = small().fit(wav_files).n_frames_
    start = small(crop="start").fit_transform(wav_files[:1])[0, 0]
    center = small(crop="center").fit_transform(wav_files[:1])[0, 0]
    # tones are stationary: compare against full-file frames away from the edges only via dB
    # of the same analysis (crop happens on frames of one analysis, so windows match exactly
    # up to the per-output top_db clip, disabled here)
    full_nc = small(duration=None, top_db=None).fit_transform(wav_files[:1])[0, 0]
    start_nc = small(crop="start", top_db=None).fit_transform(wav_files[:1])[0, 0]
    center_nc = small(crop="center", top_db=None).fit_transform(wav_files[:1])[0, 0]
    np.testing.assert_array_equal(start_nc, full_nc[:n])
    offset = (full.shape[0] - n) // 2
    np.testing.assert_array_equal(center_nc, full_nc[offset:offset + n])
    assert start.shape == center.shape == (n, 32)


def test_random_crop_is_seeded_per_file(wav_files):
    mel = small(crop="random", random_state=3, top_db=None)
    a = mel.fit_transform(wav_files)
    b = mel.fit_transform(wav_files[::-1])[::-1]
    np.testing.assert_array_equal(a, b)  # same file, same crop, whatever the batch order
    full = small(duration=None, top_db=None).fit_transform(wav_files[:1])[0, 0]
    n = a.shape[2]
    matches = [k for k in range(full.shape[0] - n + 1)
               if np.array_equal(full[k:k + n], a[0, 0])]
    assert len(matches) >= 1
    others = {small(crop="random", random_state=s, top_db=None).fit_transform(
        [ClipSpec(wav_files[0], 0.0, None)])[0, 0, :, 0].tobytes() for s in range(8)}
    assert len(others) > 1  # different seeds pick different windows


def test_duration_none_requires_equal_lengths(tmp_path, wav_files):
    out = small(duration=None).fit_transform(wav_files[:3])
    assert out.shape == (3, 1, int(1.5 * 16000) // 256, 32)
    other = tmp_path / "longer.wav"
    write_tone(other, sr=16000, seconds=2.0)
    with pytest.raises(ValueError, match="duration=None needs inputs of equal length"):
        small(duration=None).fit_transform([wav_files[0], str(other)])


def test_input_kinds_agree(wav_files):
    mel = small(duration=1.0)
    from_paths = mel.fit_transform(wav_files[:2])
    from_specs = mel.fit_transform([ClipSpec(p, 0.0, None) for p in wav_files[:2]])
    from_tuples = mel.fit_transform([(p, 0.0, None) for p in wav_files[:2]])
    from_frame = mel.fit_transform(pd.DataFrame({"path": wav_files[:2]}))
    from_array = mel.fit_transform(np.asarray(wav_files[:2]))
    waves = np.stack([sf.read(p, dtype="float32")[0] for p in wav_files[:2]])
    from_waves = mel.fit_transform(waves)
    for other in (from_specs, from_tuples, from_frame, from_array):
        np.testing.assert_array_equal(from_paths, other)
    np.testing.assert_allclose(from_paths, from_waves, atol=1e-3)


def test_clip_spec_window(wav_files):
    mel = small(duration=0.5, crop="start", top_db=None)
    part = mel.fit_transform([ClipSpec(wav_files[0], 0.512, 0.5)])
    full = small(duration=None, top_db=None).fit_transform(wav_files[:1])
    # 0.512 s = 32 hops: interior frames of the window equal the full analysis
    np.testing.assert_allclose(part[0, 0, 2:-2], full[0, 0, 34:34 + 27], atol=1e-3)


def test_silence_gives_a_finite_floor():
    X = np.zeros((2, 16000), dtype=np.float32)
    out = small(top_db=None).fit_transform(X)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out, -100.0, atol=1e-4)  # 10 * log10(amin=1e-10)
    out = small().fit_transform(X)
    assert np.isfinite(out).all()


def test_bad_parameters_name_themselves(wav_files):
    for params, name in [({"crop": "middle"}, "crop"), ({"n_mels": 0}, "n_mels"),
                         ({"hop": -0.01}, "hop"), ({"on_error": "ignore"}, "on_error"),
                         ({"fmax": 1e6}, "fmax"), ({"duration": 0}, "duration"),
                         ({"memory": 3}, "memory")]:
        with pytest.raises((ValueError, TypeError), match=name):
            small(**params).fit(wav_files)


def test_bad_X_messages(wav_files):
    with pytest.raises(TypeError, match="not a single path"):
        small().fit(wav_files[0])
    with pytest.raises(ValueError, match="2-D array of mono waveforms"):
        small().fit(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="NaN"):
        small().fit(np.full((2, 100), np.nan))
    with pytest.raises(ValueError, match="empty"):
        small().fit([])
    with pytest.raises(TypeError, match=r"X\[1\]"):
        small().fit([wav_files[0], 3.5])
    with pytest.raises(ValueError, match="'path' column"):
        small().fit(pd.DataFrame({"file": wav_files}))


def test_too_short_clip_is_an_error_unless_allowed(tmp_path):
    short = tmp_path / "short.wav"
    write_tone(short, sr=16000, seconds=0.1)
    with pytest.raises(FeatureExtractionError, match=r"0\.10 s long, shorter than min_duration"):
        small(min_duration=0.5).fit_transform([str(short)])
    out = small(min_duration=0).fit_transform([str(short)])
    assert out.shape == (1, 1, 62, 32) and np.isfinite(out).all()


def count_loads():
    return mock.patch.object(logmel_module, "load_audio", wraps=logmel_module.load_audio)


def test_cache_computes_each_file_once_in_a_grid_search(wav_files, tmp_path):
    y = np.arange(len(wav_files), dtype=float)
    pipe = Pipeline([
        ("mel", small(memory=tmp_path / "cache")),
        ("stats", SpectrogramStats()),
        ("ridge", Ridge()),
    ])
    search = GridSearchCV(pipe, {"ridge__alpha": [0.1, 1.0, 10.0]}, cv=KFold(5), n_jobs=1)
    with count_loads() as loads:
        search.fit(wav_files, y)
    assert loads.call_count == len(wav_files)  # 5 folds x 3 candidates + refit: one decode each
    with count_loads() as loads:
        search.fit(wav_files, y)
    assert loads.call_count == 0


def test_cache_recomputes_changed_files_and_parameters(wav_files, tmp_path):
    memory = tmp_path / "cache"
    first = small(memory=memory).fit_transform(wav_files[:3])
    with count_loads() as loads:
        small(memory=memory, duration=0.5, crop="start").fit_transform(wav_files[:3])
    assert loads.call_count == 0  # output length and crop are applied after the cache
    with count_loads() as loads:
        small(memory=memory, n_mels=16).fit_transform(wav_files[:3])
    assert loads.call_count == 3  # an analysis parameter changed
    write_tone(wav_files[1], sr=16000, seconds=1.2, freq=1000.0)
    st = os.stat(wav_files[1])
    os.utime(wav_files[1], ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    with count_loads() as loads:
        second = small(memory=memory).fit_transform(wav_files[:3])
    assert loads.call_count == 1
    np.testing.assert_array_equal(first[[0, 2]], second[[0, 2]])
    assert not np.allclose(first[1], second[1])


def test_bad_files_are_all_reported_and_good_ones_kept(wav_files, tmp_path):
    bad_bytes = tmp_path / "bytes.mp3"
    bad_bytes.write_bytes(b"not audio at all" * 100)
    missing = str(tmp_path / "missing.wav")
    paths = [wav_files[0], str(bad_bytes), wav_files[1], missing, wav_files[2]]
    memory = tmp_path / "cache"
    with pytest.raises(FeatureExtractionError) as info:
        small(memory=memory).fit_transform(paths)
    failures = dict(info.value.failures)
    assert set(failures) == {str(bad_bytes), missing}
    assert "not a readable audio file" in failures[str(bad_bytes)]
    assert "file not found" in failures[missing]
    assert str(bad_bytes) in str(info.value) and missing in str(info.value)

    write_tone(bad_bytes.with_suffix(".wav"), sr=16000, seconds=1.5)
    os.replace(bad_bytes.with_suffix(".wav"), bad_bytes)
    write_tone(missing, sr=16000, seconds=1.5)
    with count_loads() as loads:
        out = small(memory=memory).fit_transform(paths)
    assert loads.call_count == 2  # only the two fixed files are decoded again
    assert np.isfinite(out).all()


def test_on_error_warn_fills_nan_rows(wav_files, tmp_path):
    paths = [wav_files[0], str(tmp_path / "gone.wav")]
    with pytest.warns(UserWarning, match="gone.wav"):
        out = small(on_error="warn").fit_transform(paths)
    assert np.isfinite(out[0]).all() and np.isnan(out[1]).all()


def test_parallel_equals_serial_and_shows_progress(wav_files, capsys):
    serial = small().fit_transform(wav_files)
    parallel = small(n_jobs=2, verbose=1).fit_transform(wav_files)
    np.testing.assert_array_equal(serial, parallel)
    assert "log-Mel" in capsys.readouterr().err


def test_parallel_errors_are_reported(wav_files, tmp_path):
    paths = wav_files[:3] + [str(tmp_path / "missing.wav")]
    with pytest.raises(FeatureExtractionError, match="missing.wav"):
        small(n_jobs=2).fit_transform(paths)


def test_resampled_input_matches_native_rate(tmp_path):
    a = tmp_path / "a_22k.wav"
    b = tmp_path / "b_16k.wav"
    write_tone(a, sr=22050, seconds=1.0, freq=330)
    write_tone(b, sr=16000, seconds=1.0, freq=330)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = small(top_db=None).fit_transform([str(a), str(b)])
    # the same tone at two file rates gives the same 16 kHz spectrogram wherever the signal is
    # above the 16-bit quantisation noise (up to resampling error)
    a_db, b_db = out[0, 0, 5:-5], out[1, 0, 5:-5]
    loud = b_db > b_db.max() - 50
    assert loud.sum() > 100
    np.testing.assert_allclose(a_db[loud], b_db[loud], atol=0.5)
