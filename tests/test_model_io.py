"""Safe model files: round trip, no code execution, clear errors."""

import json
import zipfile

import numpy as np
import pytest
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from skmer import ADFFClassifier, ADFFRegressor, SegmentStacker
from skmer.model_io import FORMAT_VERSION, ModelFileError, _digest, load_model, save_model

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


def rewrite_json(path, edit, rehash=True):
    """Edit model.json; with `rehash`, recompute the checksum as a deliberate author would."""
    with zipfile.ZipFile(path) as archive:
        document = json.loads(archive.read("model.json"))
        blob = archive.read("weights.pt")
    edit(document)
    if rehash:
        document["sha256"] = _digest(document, blob)
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
    with pytest.raises(ModelFileError, match="checksum does not match"):
        load_model(path)


def test_incompatible_version_names_both(fitted, tmp_path):
    path = save_model(fitted, tmp_path / "m.skmer")

    def future(document):
        document["format_version"] = FORMAT_VERSION + 1
        document["skmer_version"] = "9.0.0"

    rewrite_json(path, future)
    with pytest.raises(ModelFileError,
                       match=rf"skmer 9\.0\.0 in model format {FORMAT_VERSION + 1}.*reads format "
                             rf"{FORMAT_VERSION} only"):
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


# --------------------------------------------------------------------------- issue 13: security


@pytest.fixture(scope="module")
def audio_model(tmp_path_factory):
    """A fitted log-Mel -> segments -> ADFF pipeline on generated tones, and its clips."""
    from conftest import write_tone

    from skmer import LogMelTransformer

    folder = tmp_path_factory.mktemp("tones")
    paths = []
    for i, freq in enumerate((220.0, 330.0, 440.0, 550.0)):
        write_tone(folder / f"t{i}.wav", sr=8000, seconds=1.0, freq=freq)
        paths.append(str(folder / f"t{i}.wav"))
    y = np.array([[0.1, 0.2], [0.3, -0.1], [-0.5, 0.4], [0.2, 0.0]])
    cache = tmp_path_factory.mktemp("cache")
    model = Pipeline([
        ("mel", LogMelTransformer(sr=8000, n_mels=32, duration=1.0, memory=str(cache), n_jobs=2)),
        ("stack", SegmentStacker(seg_num=2)),
        ("adff", ADFFRegressor(**TINY)),
    ]).fit(paths, y)
    return model, paths


def test_cache_folder_and_n_jobs_never_come_from_the_file(audio_model, tmp_path):
    model, paths = audio_model
    path = save_model(model, tmp_path / "m.skmer")
    loaded = load_model(path, device="cpu")
    assert loaded.named_steps["mel"].memory is None
    assert loaded.named_steps["mel"].n_jobs is None

    # A planted cache folder: joblib would unpickle whatever it finds there at predict.
    planted = tmp_path / "planted"
    planted.mkdir()
    rewrite_json(path, lambda d: d["steps"][0]["params"].update(memory=str(planted)))
    with pytest.raises(ModelFileError, match=r"step 'mel'\.params\.memory = .*planted.*not allow"):
        load_model(path)
    assert not any(planted.iterdir())

    path = save_model(model, tmp_path / "jobs.skmer")
    rewrite_json(path, lambda d: d["steps"][0]["params"].update(n_jobs=-1))
    loaded = load_model(path, device="cpu")
    assert loaded.named_steps["mel"].n_jobs is None
    np.testing.assert_array_equal(loaded.predict(paths), model.predict(paths))


@pytest.mark.parametrize("key", ["__class__", "__dict__", "_private_", "_torch_rng_state",
                                 "module_", "history_", "predict", "cuda_dependent_attributes_",
                                 "n outputs_"])
def test_fitted_keys_must_be_public_learned_attributes(fitted, tmp_path, key):
    path = save_model(fitted, tmp_path / "m.skmer")
    rewrite_json(path, lambda d: d["steps"][1]["fitted"].update({key: 1}))
    with pytest.raises(ModelFileError, match=r"step 'adff'\.fitted: .* not a learned attribute"):
        load_model(path)


@pytest.mark.parametrize("edit, match", [
    (lambda d: d.update(steps="x"), r"'steps' must be a non-empty list"),
    (lambda d: d.update(steps=[]), r"'steps' must be a non-empty list"),
    (lambda d: d.update(steps=["x"]), r"steps\[0\] must be an object"),
    (lambda d: d["steps"][0].update(name=3), r"steps\[0\]\.name must be a non-empty string"),
    (lambda d: d["steps"][0].update(params="x"), r"step 'stack'\.params must be an object"),
    (lambda d: d["steps"][0].update(fitted=[1]), r"step 'stack'\.fitted must be an object"),
    (lambda d: d["steps"][0]["params"].update(bogus=1),
     r"step 'stack'\.params: 'bogus' is not a parameter .* SegmentStacker"),
    (lambda d: d["steps"][0]["params"].update(seg_num="two"),
     r"step 'stack'\.params\.seg_num = 'two' is not allowed \(expected int\)"),
    (lambda d: d["steps"][0]["params"].update(seg_num={"__class__": "torch.optim.adam.Adam"}),
     r"step 'stack'\.params\.seg_num .* not allowed"),
    (lambda d: d["steps"][1]["params"].update(optimizer={"__class__": "skorch.dataset.Dataset"}),
     r"step 'adff'\.params\.optimizer .* not allowed \(expected class torch\.optim"),
    (lambda d: d["steps"][1]["params"].update(torch_load_kwargs={"__dict__": {}}),
     r"step 'adff'\.params\.torch_load_kwargs .* not allowed"),
    (lambda d: d["steps"][1]["params"].update(lstm_hidden=-3),
     r"step 'adff' \(ADFFRegressor\) cannot be rebuilt .*lstm_hidden"),
    (lambda d: d["steps"][1]["fitted"].update(
        input_shape_={"__array__": [1, 2], "dtype": "not-a-dtype"}),
     r"step 'adff'\.fitted\.input_shape_: invalid array dtype"),
    (lambda d: d["steps"][1]["fitted"].update(input_shape_={"__array__": [1], "dtype": "|O"}),
     r"step 'adff'\.fitted\.input_shape_: array dtype '\|O' is not allowed"),
    (lambda d: d["steps"][1]["fitted"].update(
        input_shape_={"__class__": "torch.optim.adam.Adam"}),
     r"step 'adff'\.fitted\.input_shape_: unknown encoded value"),
    (lambda d: d["steps"][1].update(has_weights=False), r"has_weights must be true"),
    (lambda d: d["steps"][0].update(**{"class": "sklearn.pipeline.Pipeline"}),
     r"sklearn\.pipeline\.Pipeline cannot be a step"),
    (lambda d: d.update(pipeline=False), r"'pipeline' must be true, or false with exactly one"),
    (lambda d: d["steps"][0].update(name="adff"), r"do not form a pipeline"),
])
def test_malformed_description_names_the_field(fitted, tmp_path, edit, match):
    path = save_model(fitted, tmp_path / "m.skmer")
    rewrite_json(path, edit)
    with pytest.raises(ModelFileError, match=match):
        load_model(path)


def test_allow_list_covers_every_parameter_of_every_step_class():
    """A new estimator parameter must be added to ALLOWED_PARAMS (with the kinds of value)."""
    import importlib

    from skmer.model_io import ALLOWED_CLASSES, ALLOWED_PARAMS

    for name, allowed in ALLOWED_PARAMS.items():
        assert name in ALLOWED_CLASSES
        module, _, attr = name.rpartition(".")
        params = getattr(importlib.import_module(module), attr)().get_params(deep=False)
        missing = sorted(set(params) - set(allowed))
        assert not missing, f"{name}: add {missing} to skmer.model_io.ALLOWED_PARAMS"
        for key, value in params.items():
            assert any(kind(value) for kind in allowed[key]), (name, key, value)


def test_checksum_covers_the_description(fitted, tmp_path):
    for edit in (lambda d: d["steps"][0]["params"].update(seg_num=1),
                 lambda d: d["info"]["__dict__"].update(target_names=["arousal", "valence"]),
                 lambda d: d.pop("sha256")):
        path = save_model(fitted, tmp_path / "m.skmer", target_names=["valence", "arousal"])
        rewrite_json(path, edit, rehash=False)
        with pytest.raises(ModelFileError, match="checksum does not match the file's contents"):
            load_model(path)


def test_file_from_another_skmer_version_warns(fitted, data, tmp_path):
    path = save_model(fitted, tmp_path / "m.skmer")
    rewrite_json(path, lambda d: d.update(skmer_version="0.0.1"))
    with pytest.warns(UserWarning, match=r"written by skmer 0\.0\.1, this is skmer .*same") as rec:
        model = load_model(path, device="cpu")
    assert rec[0].filename == __file__
    np.testing.assert_array_equal(model.predict(data[0]), fitted.predict(data[0]))


def test_a_directory_is_not_a_model_file(tmp_path):
    with pytest.raises(ModelFileError, match="is a directory, not a model file"):
        load_model(tmp_path)


def test_every_single_byte_flip_is_refused_or_harmless(tmp_path):
    """Fuzz: flip each byte of a small model file (the compressed weights at a spread)."""
    import torch

    tiny = dict(TINY, width=1 / 64, lstm_hidden=1, fc_sizes=(1,), se_reduction=1)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(4, 1, 32, 32)).astype(np.float32)
    model = Pipeline([("stack", SegmentStacker(seg_num=1)),
                      ("adff", ADFFRegressor(**tiny))]).fit(X, rng.uniform(-1, 1, (4, 2)))
    reference = model.predict(X)
    original = save_model(model, tmp_path / "small.skmer").read_bytes()
    assert len(original) < 40_000
    with zipfile.ZipFile(tmp_path / "small.skmer") as archive:
        weights = archive.getinfo("weights.pt")
    # Every byte of the zip headers, the JSON and the directory; one in 53 of the
    # deflated weights (a flip there is caught by zip's CRC, like its neighbours).
    data_start = weights.header_offset + 30 + len(weights.filename) + len(weights.extra)
    data_end = data_start + weights.compress_size
    positions = [i for i in range(len(original))
                 if not data_start <= i < data_end or (i - data_start) % 53 == 0]
    target = tmp_path / "flipped.skmer"
    outcomes = {"refused": 0, "same": 0}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # ~100 tiny predictions: thread start-up would dominate
    try:
        for position in positions:
            flipped = bytearray(original)
            flipped[position] ^= 0xFF
            target.write_bytes(bytes(flipped))
            try:
                loaded = load_model(target, device="cpu")
            except ModelFileError:
                outcomes["refused"] += 1
                continue
            np.testing.assert_array_equal(loaded.predict(X), reference,
                                          err_msg=f"byte {position}")
            outcomes["same"] += 1
    finally:
        torch.set_num_threads(threads)
    assert outcomes["refused"] > 0.9 * len(positions) and outcomes["same"] > 0


def test_files_with_the_old_sliding_windows_names_still_load(tmp_path):
    """SlidingWindows' window/hop/start became window_duration/label_hop/label_start."""
    from sklearn.pipeline import make_pipeline

    from skmer.estimators import DAMFFRegressor
    from skmer.features import SlidingWindows

    rng = np.random.default_rng(0)
    S = rng.normal(size=(4, 1, 60, 8)).astype(np.float32)
    y = rng.normal(size=(4, 5, 2))
    model = make_pipeline(
        SlidingWindows(window_duration=0.2, label_hop=0.1, label_start=0.2, n_steps=5,
                       frame_hop=0.01),
        DAMFFRegressor(width=1 / 8, lstm_hidden=4, lstm_layers=1, max_epochs=1, verbose=0,
                       random_state=0)).fit(S, y)
    path = save_model(model, tmp_path / "old.skmer")

    def old_names(document):
        params = document["steps"][0]["params"]
        for old, new in (("window", "window_duration"), ("hop", "label_hop"),
                         ("start", "label_start")):
            params[old] = params.pop(new)

    rewrite_json(path, old_names)
    loaded = load_model(path)
    windows = loaded.steps[0][1]
    assert (windows.window_duration, windows.label_hop, windows.label_start) == (0.2, 0.1, 0.2)
    np.testing.assert_allclose(loaded.predict(S), model.predict(S), rtol=1e-5)
