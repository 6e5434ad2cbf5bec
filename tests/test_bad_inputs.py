"""Batches with bad inputs: structured failures, NaN rows, quiet decoder, warnings (issue 13)."""

import pickle
import sys
import warnings

import numpy as np
import pytest
import torch
from conftest import write_tone
from sklearn.pipeline import Pipeline

from skmer import (
    ADFFClassifier,
    ADFFRegressor,
    AudioLoadError,
    FeatureExtractionError,
    LogMelTransformer,
    SegmentStacker,
)
from skmer.audio import load_audio
from skmer.exceptions import FailedInput

TINY = dict(width=1 / 16, lstm_hidden=4, fc_sizes=(8,), lr=1e-2, batch_size=4, max_epochs=1,
            lr_milestones=None, random_state=0, verbose=0)
MEL = dict(sr=8000, n_mels=32, duration=1.0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tones")
    paths = []
    for i, freq in enumerate((220.0, 330.0, 440.0, 550.0)):
        write_tone(folder / f"t{i}.wav", sr=8000, seconds=1.0, freq=freq)
        paths.append(str(folder / f"t{i}.wav"))
    return paths


@pytest.fixture(scope="module")
def regressor(tones):
    y = np.array([[0.1, 0.2], [0.3, -0.1], [-0.5, 0.4], [0.2, 0.0]])
    return Pipeline([("mel", LogMelTransformer(**MEL, on_error="skip")),
                     ("stack", SegmentStacker(seg_num=2)),
                     ("adff", ADFFRegressor(**TINY))]).fit(tones, y)


def test_mp3_decoder_keeps_stderr_clean(tmp_path, capfd):
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"hello world" * 100)  # libmpg123 prints "Note: Illegal Audio-MPEG-Header"
    print("before", file=sys.stderr)
    with pytest.raises(AudioLoadError, match="bad.mp3"):
        load_audio(bad)
    print("after", file=sys.stderr)
    err = capfd.readouterr().err
    assert err == "before\nafter\n"


def test_failures_are_structured_data(tmp_path, tones):
    odd = tmp_path / "bad [demo].wav"
    odd.write_bytes(b"not audio")
    X = [tones[0], str(odd), (tones[1], 0.5, 5.0), str(tmp_path / "missing.wav")]
    with pytest.raises(FeatureExtractionError) as info:
        LogMelTransformer(**MEL).fit_transform(X)
    records = info.value.records
    assert [(r.index, r.path) for r in records] == [(1, str(odd)),
                                                   (3, str(tmp_path / "missing.wav"))]
    assert all(isinstance(r, FailedInput) and r.reason for r in records)
    assert info.value.failures == [(r.description, r.reason) for r in records]
    again = pickle.loads(pickle.dumps(info.value))
    assert again.records == records and str(again) == str(info.value)


def test_pipeline_predicts_nan_rows_for_failed_files(regressor, tones, tmp_path):
    X = [tones[0], str(tmp_path / "missing.wav"), tones[2]]
    with pytest.warns(UserWarning) as record:
        y_pred = regressor.predict(X)
    assert np.isnan(y_pred[1]).all() and np.isfinite(y_pred[[0, 2]]).all()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_allclose(y_pred[[0, 2]], regressor.predict([tones[0], tones[2]]),
                                   rtol=1e-5, atol=1e-6)
    # the warning points at this file (the user's call), not into sklearn
    assert record[0].filename == __file__
    message = str(record[0].message)
    assert message.startswith("1 of 3 input(s) could not be processed; their output rows are "
                              "filled with NaN:\n  - ")
    assert "missing.wav: " in message and ".." not in message


def test_partly_nan_rows_are_still_refused(regressor):
    X = np.zeros((2, 2, 50, 32), dtype=np.float32)
    X[0, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        regressor[-1].predict(X)


def test_classifier_labels_of_failed_rows(tones):
    Z = SegmentStacker(2).fit_transform(LogMelTransformer(**MEL).fit_transform(tones))
    clf = ADFFClassifier(**TINY).fit(Z, ["a", "b", "a", "b"])
    Z[1] = np.nan
    proba = clf.predict_proba(Z)
    assert np.isnan(proba[1]).all() and np.isfinite(proba[[0, 2, 3]]).all()
    with pytest.raises(ValueError, match=r"X rows \[1\] are entirely NaN.*predict_proba"):
        clf.predict(Z)


@pytest.mark.parametrize("word", ["skip", "warn"])
def test_one_on_error_vocabulary(word, tones, tmp_path):
    from skmer._validation import ON_ERROR, validate_arguments

    validate_arguments({"on_error": ON_ERROR}, {"on_error": word}, "load_pmemo")  # the loaders'
    with pytest.warns(UserWarning, match="could not be processed"):
        out = LogMelTransformer(**MEL, on_error=word).fit_transform(
            [tones[0], str(tmp_path / "missing.wav")])
    assert np.isnan(out[1]).all()
    with pytest.raises(ValueError, match=r"'on_error' parameter of LogMelTransformer must be a "
                                         r"str among \{.*'warn'.*\}\. Got 'ignore'"):
        LogMelTransformer(on_error="ignore").fit([tones[0]])
