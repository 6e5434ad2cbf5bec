"""Safe model files: round trip, no code execution, clear errors."""

import json
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmer import ADFFClassifier, ADFFRegressor, SegmentStacker
from skmer.model_io import FORMAT_VERSION, ModelFileError, load_model, save_model

TINY = dict(width=1 / 16, lstm_hidden=8, fc_sizes=(16,), max_epochs=1, lr_milestones=None,
            verbose=0, random_state=0)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(10, 1, 64, 32)).astype(np.float32), rng.uniform(-1, 1, (10, 2))


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return Pipeline([("stack", SegmentStacker(seg_num=2)),
                     ("adff", ADFFRegressor(**TINY))]).fit(X, y)


def test_round_trip_gives_identical_predictions(fitted, data, tmp_path):
    path = save_model(fitted, tmp_path / "model.skmer", target_names=["valence", "arousal"])
    model, info = load_model(path, device="cpu", with_info=True)
    np.testing.assert_array_equal(model.predict(data[0]), fitted.predict(data[0]))
    assert info["target_names"] == ["valence", "arousal"] and info["skmer_version"]
    assert model.named_steps["stack"].seg_num == 2
    assert model.named_steps["adff"].get_params()["width"] == 1 / 16


def test_classifier_with_string_labels(data, tmp_path):
    X, _ = data
    labels = np.array(["calm", "tense"] * 5)
    clf = ADFFClassifier(**TINY).fit(SegmentStacker(2).fit_transform(X), labels)
    model = load_model(save_model(clf, tmp_path / "clf.skmer"))
    Z = SegmentStacker(2).fit_transform(X)
    np.testing.assert_array_equal(model.predict(Z), clf.predict(Z))
    np.testing.assert_allclose(model.predict_proba(Z), clf.predict_proba(Z))
    assert list(model.classes_) == ["calm", "tense"]


def test_weights_are_read_without_unpickling(fitted, tmp_path, monkeypatch):
    import torch

    calls = []
    original = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs.get("weights_only"))
        return original(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    load_model(save_model(fitted, tmp_path / "m.skmer"))
    assert calls == [True]


def rewrite_json(path, edit):
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("model.json"))
        blob = archive.read("weights.pt")
    edit(document)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", json.dumps(document))
        archive.writestr("weights.pt", blob)


def test_json_naming_an_arbitrary_callable_is_refused(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "evil.skmer")

    def inject(document):
        document["steps"][1]["params"]["optimizer"] = {"__class__": "os.system"}

    rewrite_json(path, inject)
    with pytest.raises(ModelFileError, match="os.system.*not an allowed class"):
        load_model(path)

    def replace_step(document):
        document["steps"][0]["class"] = "subprocess.Popen"

    path = save_model(fitted, tmp_path / "evil2.skmer")
    rewrite_json(path, replace_step)
    with pytest.raises(ModelFileError, match="not an allowed class"):
        load_model(path)


def test_truncated_file(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.skmer")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelFileError, match="truncated or corrupt"):
        load_model(path)


def test_tampered_weights(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.skmer")
    with zipfile.ZipFile(path) as archive:
        document = archive.read("model.json")
        blob = bytearray(archive.read("weights.pt"))
    blob[-100] ^= 0xFF
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("model.json", document)
        archive.writestr("weights.pt", bytes(blob))
    with pytest.raises(ModelFileError, match="tampered or corrupt"):
        load_model(path)


def test_incompatible_version_names_both(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.skmer")

    def future(document):
        document["format_version"] = FORMAT_VERSION + 1
        document["skmer_version"] = "9.0.0"

    rewrite_json(path, future)
    with pytest.raises(ModelFileError, match=r"skmer 9\.0\.0 in model format 2.*reads format 1"):
        load_model(path)


def test_unsupported_steps_are_refused_at_save(data, tmp_path):
    X, y = data
    flat = X.reshape(len(X), -1)
    with pytest.raises(ModelFileError, match="StandardScaler.*joblib"):
        save_model(Pipeline([("scale", StandardScaler())]).fit(flat, y), tmp_path / "x.skmer")


def test_missing_and_not_a_model(tmp_path):
    with pytest.raises(ModelFileError, match="not found"):
        load_model(tmp_path / "nope.skmer")
    other = tmp_path / "other.skmer"
    other.write_bytes(b"hello")
    with pytest.raises(ModelFileError, match="not a readable skmer model file"):
        load_model(other)
