"""Safe model files with the pretrained musicnn steps (MusicnnMel, MusicnnEmbedding)."""

import importlib.util
import zipfile

import numpy as np
import pytest

if importlib.util.find_spec("musicnn") is None:
    pytest.skip("musicnn is not installed (pip install --no-deps musicnn)",
                allow_module_level=True)

from sklearn.pipeline import make_pipeline

from skmer import CNNTagger
from skmer.model_io import ModelFileError, load_model, save_model
from skmer.pretrained import MusicnnEmbedding, MusicnnMel


def audio(n=6, seconds=3.0, sr=16000, seed=0):
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    X = [0.3 * np.sin(2 * np.pi * rng.uniform(200, 800) * t) if i % 2
         else 0.1 * rng.normal(size=t.size) for i in range(n)]
    y = np.array([[i % 2, 1 - i % 2] for i in range(n)])
    return np.asarray(X, dtype=np.float32), y


def test_fine_tuned_musicnn_tagger_round_trip(tmp_path):
    X, y = audio()
    model = make_pipeline(
        MusicnnMel(),
        CNNTagger(pretrained="MSD_musicnn", lr=1e-4, max_epochs=1, batch_size=6,
                  tag_names=["tonal", "noisy"], verbose=0, random_state=0),
    ).fit(X, y)
    path = tmp_path / "tagger.skmer"
    save_model(model, path)
    loaded = load_model(path, device="cpu")
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X), atol=1e-6)
    assert list(loaded[-1].classes_) == ["tonal", "noisy"]
    assert loaded[-1].pretrained == "MSD_musicnn"


def test_musicnn_embedding_round_trip_ignores_file_paths(tmp_path):
    X, _ = audio(n=2)
    emb = MusicnnEmbedding(pooling="mean", data_home=str(tmp_path / "weights")).fit(X)
    path = tmp_path / "embedding.skmer"
    save_model(emb, path)
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if n.endswith(".json")]
        text = " ".join(z.read(n).decode() for n in names)
    assert str(tmp_path / "weights") not in text  # a machine-local folder is not stored
    loaded = load_model(path, device="cpu")
    assert loaded.data_home is None and loaded.device == "cpu"
    np.testing.assert_allclose(loaded.transform(X), emb.transform(X), atol=1e-6)


def test_musicnn_embedding_refuses_unknown_parameters(tmp_path):
    from test_model_io import rewrite_json

    X, _ = audio(n=1)
    path = save_model(MusicnnEmbedding(pooling="mean").fit(X), tmp_path / "embedding.skmer")

    def inject(document):
        document["steps"][0]["params"]["callback"] = "os.system"

    rewrite_json(path, inject)  # re-hashed, as a deliberate author would
    with pytest.raises(ModelFileError, match="callback"):
        load_model(path)
