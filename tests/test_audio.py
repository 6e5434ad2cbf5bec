"""load_audio: formats, rates, channels, windows, and every kind of bad file."""

import pickle
import shutil

import numpy as np
import pytest
import soundfile as sf
from conftest import write_tone

from skmer.audio import AudioLoadError, audio_duration, load_audio


def dominant_frequency(y, sr):
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.size)))
    return np.fft.rfftfreq(y.size, 1 / sr)[np.argmax(spectrum)]


@pytest.mark.parametrize(
    "ext, fmt, subtype, sr, channels",
    [
        ("wav", "WAV", "PCM_16", 22050, 2),
        ("wav", "WAV", "FLOAT", 44100, 1),
        ("flac", "FLAC", "PCM_24", 48000, 1),
        ("ogg", "OGG", "VORBIS", 16000, 2),
        ("mp3", "MP3", "MPEG_LAYER_III", 32000, 2),
    ],
)
def test_formats_rates_and_channels(tmp_path, ext, fmt, subtype, sr, channels):
    path = tmp_path / f"tone.{ext}"
    write_tone(path, sr=sr, seconds=1.5, channels=channels, fmt=fmt, subtype=subtype)
    y, out_sr = load_audio(path)
    assert out_sr == 44100
    assert y.dtype == np.float32 and y.ndim == 1
    # MP3 encoders add up to a few frames of priming/padding
    assert abs(y.size - 1.5 * 44100) < 0.1 * 44100
    assert abs(dominant_frequency(y, 44100) - 440) < 5
    assert np.abs(y).max() < 1.0

    y_multi, native = load_audio(path, sr=None, mono=False)
    assert native == sr
    assert y_multi.shape[0] == channels and y_multi.dtype == np.float32


def test_window_is_a_slice_of_the_whole_file(tmp_path):
    path = tmp_path / "tone.wav"
    write_tone(path, sr=44100, seconds=3.0)
    full, _ = load_audio(path)
    part, _ = load_audio(path, offset=1.0, duration=0.5)
    np.testing.assert_array_equal(part, full[44100:44100 + 22050])
    tail, _ = load_audio(path, offset=2.5)
    np.testing.assert_array_equal(tail, full[int(2.5 * 44100):])


def test_real_pmemo_mp3_is_stereo_44k_mixed_to_mono(pmemo_mp3s):
    path = pmemo_mp3s[0]
    stereo, sr = load_audio(path, sr=None, mono=False, duration=2.0)
    assert sr == 44100 and stereo.shape == (2, 88200)
    mono, _ = load_audio(path, duration=2.0)
    np.testing.assert_allclose(mono, stereo.mean(axis=0), atol=1e-7)
    assert 45 < audio_duration(path) < 61


def test_resampling_matches_librosa(pmemo_mp3s):
    import librosa

    ours, sr = load_audio(pmemo_mp3s[1], sr=22050, offset=10.0, duration=3.0)
    theirs, _ = librosa.load(pmemo_mp3s[1], sr=22050, offset=10.0, duration=3.0)
    assert sr == 22050
    n = min(ours.size, theirs.size)
    assert abs(ours.size - theirs.size) <= 2
    np.testing.assert_allclose(ours[:n], theirs[:n], atol=1e-4)


def test_path_with_spaces_and_non_ascii(tmp_path):
    folder = tmp_path / "my música folder"
    folder.mkdir()
    path = folder / "canción ünïcödé 歌.flac"
    write_tone(path, sr=44100, seconds=0.5, fmt="FLAC")
    y, _ = load_audio(path)
    assert y.size == 22050
    y2, _ = load_audio(str(path))
    np.testing.assert_array_equal(y, y2)


def assert_load_error(path, fragment, **kwargs):
    with pytest.raises(AudioLoadError) as info:
        load_audio(path, **kwargs)
    message = str(info.value)
    assert str(path) in message and fragment in message, message
    assert isinstance(info.value, OSError)
    return info.value


def test_missing_file(tmp_path):
    assert_load_error(tmp_path / "nope.wav", "file not found")


def test_directory(tmp_path):
    assert_load_error(tmp_path, "directory")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.write_bytes(b"")
    assert_load_error(path, "empty file")


def test_random_bytes_named_mp3(tmp_path):
    path = tmp_path / "noise.mp3"
    path.write_bytes(np.random.default_rng(0).bytes(5000))
    assert_load_error(path, "not a readable audio file")


def test_wav_with_zero_samples(tmp_path):
    path = tmp_path / "zero.wav"
    sf.write(path, np.zeros((0, 1)), 44100)
    assert_load_error(path, "no audio samples")


def test_truncated_real_mp3(pmemo_mp3s, tmp_path):
    data = open(pmemo_mp3s[0], "rb").read()
    # cut inside the header: nothing decodable
    head = tmp_path / "head.mp3"
    head.write_bytes(data[:300])
    assert_load_error(head, "not a readable audio file")
    # cut in the middle of the stream: the decodable part is returned, shorter than the original
    half = tmp_path / "half.mp3"
    half.write_bytes(data[: len(data) // 2])
    y, sr = load_audio(half)
    full_seconds = audio_duration(pmemo_mp3s[0])
    assert 0.3 * full_seconds < y.size / sr < 0.7 * full_seconds
    assert np.isfinite(y).all()


def test_offset_past_the_end(tmp_path):
    path = tmp_path / "short.wav"
    write_tone(path, sr=44100, seconds=1.0)
    err = assert_load_error(path, "past the end", offset=5.0)
    assert "1.00 s long" in str(err)


def test_bad_arguments(tmp_path):
    path = tmp_path / "a.wav"
    write_tone(path)
    with pytest.raises(ValueError, match="sr"):
        load_audio(path, sr=-1)
    with pytest.raises(ValueError, match="offset"):
        load_audio(path, offset=-1.0)
    with pytest.raises(ValueError, match="duration"):
        load_audio(path, duration=0)
    with pytest.raises(TypeError, match="path"):
        load_audio(123)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        (dict(sr=0), r"'sr' parameter of load_audio must be an int in the range \[1, inf\) or N"),
        (dict(sr=22050.5), "'sr' parameter"),
        (dict(sr=True), "'sr' parameter"),
        (dict(mono="yes"), "'mono' parameter of load_audio must be an instance of 'bool'"),
        (dict(offset=np.inf), r"'offset' parameter of load_audio must be a float in the range \[0"),
        (dict(offset=np.nan), "'offset' parameter"),
        (dict(offset="1"), "'offset' parameter"),
        (dict(duration=-2.0), r"'duration' parameter of load_audio .* or None"),
        (dict(duration=np.inf), "'duration' parameter"),
    ],
)
def test_arguments_are_declared_constraints(tmp_path, kwargs, expected):
    from skmer._validation import InvalidParameterError

    path = tmp_path / "a.wav"
    write_tone(path)
    with pytest.raises(InvalidParameterError, match=expected) as info:
        load_audio(path, **kwargs)
    assert f"Got {next(iter(kwargs.values()))!r} instead" in str(info.value)


@pytest.mark.parametrize("func", [load_audio, audio_duration])
def test_path_type_is_declared(func):
    from skmer._validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match=(
            f"'path' parameter of {func.__name__} must be an instance of 'str' or an instance "
            "of 'os.PathLike'. Got b'x.wav' instead")):
        func(b"x.wav")


def test_numpy_scalars_are_valid_arguments(tmp_path):
    path = tmp_path / "a.wav"
    write_tone(path, sr=22050, seconds=1.0)
    y, sr = load_audio(path, sr=np.int64(8000), mono=np.True_, offset=np.float32(0.25),
                       duration=np.float64(0.5))
    assert sr == 8000 and y.shape == (4000,)


def test_short_and_silent_clips_load(tmp_path):
    short = tmp_path / "short.wav"
    write_tone(short, sr=44100, seconds=0.1)
    y, _ = load_audio(short)
    assert y.size == 4410
    silent = tmp_path / "silent.wav"
    sf.write(silent, np.zeros(44100), 44100)
    y, _ = load_audio(silent)
    assert not y.any()


def test_error_pickles_for_worker_processes(tmp_path):
    err = AudioLoadError(tmp_path / "x.wav", "file not found")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.path == err.path and back.reason == err.reason


def test_copy_of_fixture_is_readable(pmemo_mp3s, tmp_path):
    target = tmp_path / "copy.mp3"
    shutil.copy(pmemo_mp3s[2], target)
    y, _ = load_audio(target, duration=1.0)
    assert y.size == 44100
