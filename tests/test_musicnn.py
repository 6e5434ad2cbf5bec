"""skmer.pretrained: checkpoint reader, torch musicnn against the original TensorFlow outputs.

``tests/data/musicnn_reference.npz`` holds outputs of the original musicnn code
(TensorFlow 2.15 graph mode, see ``tests/data/make_musicnn_reference.py``).
The tests need the ``musicnn`` package (``pip install --no-deps musicnn``),
which ships the checkpoints; CI installs it.
"""

import importlib.util
import json
import shutil
from pathlib import Path

import conftest
import numpy as np
import pytest

from skmer.pretrained import (
    MUSICNN_MODELS,
    CheckpointError,
    MusicnnNotInstalledError,
    find_musicnn,
    load_musicnn,
    load_musicnn_weights,
    musicnn_labels,
    musicnn_mel,
    musicnn_patches,
    read_checkpoint,
)
from skmer.pretrained._checkpoint import _crc_scalar, crc32c, masked_crc32c, read_index

HAVE_MUSICNN = importlib.util.find_spec("musicnn") is not None
needs_musicnn = pytest.mark.skipif(
    not HAVE_MUSICNN, reason="musicnn is not installed (pip install --no-deps musicnn)"
)
FIXTURE = Path(__file__).parent / "data" / "musicnn_reference.npz"


@pytest.fixture(scope="module")
def reference():
    with np.load(FIXTURE, allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


@pytest.fixture(scope="module")
def data_home(tmp_path_factory):
    return str(tmp_path_factory.mktemp("skmer_data"))


def test_crc32c_known_values():
    assert crc32c(b"123456789") == 0xE3069283
    assert crc32c(b"") == 0
    rng = np.random.default_rng(0)
    for n in (1 << 14, 100_003, 1 << 20):  # chunked path against the byte-by-byte loop
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert crc32c(data) == _crc_scalar(0xFFFFFFFF, data) ^ 0xFFFFFFFF
    assert masked_crc32c(b"") == 0xA282EAD8


@needs_musicnn
def test_reader_on_real_checkpoints():
    folder = find_musicnn()
    w = read_checkpoint(f"{folder / 'MSD_musicnn'}/")
    assert w["conv2d/kernel"].shape == (7, 38, 1, 204)
    assert w["conv2d_1/kernel"].shape == (7, 67, 1, 204)
    assert w["conv2d_2/kernel"].shape == (128, 1, 1, 51)
    assert w["conv2d_5/kernel"].shape == (7, 561, 1, 64)
    assert w["batch_normalization_9/moving_variance"].shape == (1506,)
    assert w["dense/kernel"].shape == (1506, 200)
    assert w["dense_1/kernel"].shape == (200, 50)
    assert w["dense/kernel"].dtype == np.float32
    assert (w["batch_normalization_9/moving_variance"] > 0).all()
    _, entries = read_index(f"{folder / 'MTT_vgg'}/")
    assert entries["5CNN/kernel"]["shape"] == (3, 3, 128, 128)
    assert entries["dense/kernel"]["shape"] == (256, 50)
    assert all(e["crc32c"] is not None for e in entries.values())


@needs_musicnn
def test_corrupt_checkpoint_is_detected(tmp_path):
    src = find_musicnn() / "MTT_vgg"
    for name in (".index", ".data-00000-of-00001"):
        shutil.copy(src / name, tmp_path / name)
    prefix = f"{tmp_path}/"
    _, entries = read_index(prefix)
    e = entries["3CNN/kernel"]
    data = bytearray((tmp_path / ".data-00000-of-00001").read_bytes())
    data[e["offset"] + e["size"] // 2] ^= 0x40
    (tmp_path / ".data-00000-of-00001").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="crc32c mismatch for tensor '3CNN/kernel'"):
        read_checkpoint(prefix)
    assert read_checkpoint(prefix, names=["1CNN/kernel"])["1CNN/kernel"].shape == (3, 3, 1, 128)
    index = bytearray((tmp_path / ".index").read_bytes())
    index[20] ^= 0x01
    (tmp_path / ".index").write_bytes(bytes(index))
    with pytest.raises(CheckpointError, match="crc32c mismatch in a table block"):
        read_index(prefix)
    (tmp_path / ".index").write_bytes(b"not a checkpoint" * 4)
    with pytest.raises(CheckpointError, match="bad magic"):
        read_index(prefix)


def test_missing_musicnn_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "musicnn" else real(name, *a)
    )
    with pytest.raises(MusicnnNotInstalledError, match=r"pip install --no-deps musicnn"):
        find_musicnn()
    from skmer.pretrained import MusicnnEmbedding

    with pytest.raises(MusicnnNotInstalledError, match=r"pip install --no-deps musicnn"):
        MusicnnEmbedding().fit(np.zeros((2, 100), np.float32))
    from skmer.pretrained import MusicnnLevels

    with pytest.raises(MusicnnNotInstalledError, match=r"pip install --no-deps musicnn"):
        MusicnnLevels().fit(np.zeros((2, 100), np.float32))
    assert issubclass(MusicnnNotInstalledError, ImportError)


@needs_musicnn
def test_converted_weights_are_cached_with_licence(data_home, monkeypatch):
    w = load_musicnn_weights("MSD_vgg", data_home=data_home)
    path = Path(data_home) / "pretrained"
    (npz,) = path.glob("musicnn-*/MSD_vgg.npz")
    with np.load(npz, allow_pickle=False) as z:
        meta = json.loads(str(z["__meta__"]))
        assert not any("Adam" in k for k in z.files)
    assert meta["license"] == "ISC" and "Permission to use" in meta["license_text"]
    assert "musicnn" in meta["source"]
    import skmer.pretrained._musicnn as mod

    def fail(*a, **k):
        raise AssertionError("the cache should have been used")

    monkeypatch.setattr(mod, "read_checkpoint", fail)
    w2 = load_musicnn_weights("MSD_vgg", data_home=data_home)
    assert w2.keys() == w.keys()
    np.testing.assert_array_equal(w2["5CNN/kernel"], w["5CNN/kernel"])


@needs_musicnn
def test_labels():
    assert musicnn_labels("MSD_musicnn")[:3] == ["rock", "pop", "alternative"]
    assert len(musicnn_labels("MTT_vgg")) == 50 and "guitar" in musicnn_labels("MTT_vgg")
    with pytest.raises(ValueError, match="model must be one of"):
        musicnn_labels("MSD_musicnn_big")


# measured max abs differences (torch vs TF, same input patches) are 2e-6-2e-5 for taggram,
# penultimate, mean_pool and pool5; max_pool (values up to ~10) differs by up to 5e-4 absolute
@needs_musicnn
@pytest.mark.parametrize("model", MUSICNN_MODELS)
def test_network_matches_tensorflow_on_the_same_patches(model, reference, data_home):
    import torch

    net = load_musicnn(model, data_home=data_home)
    clips = list(reference["clips"])
    x = np.concatenate([reference[f"{c}/patches"] for c in clips])
    with torch.inference_mode():
        out = net.features(torch.from_numpy(x))
    names = ["taggram", "pool5"] if "vgg" in model else ["taggram", "penultimate", "mean_pool",
                                                          "max_pool"]
    for name in names:
        ref = np.concatenate([reference[f"{c}/{model}/{name}/patches"] for c in clips])
        got = out[name].numpy().reshape(ref.shape)
        np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4, err_msg=f"{model} {name}")


@needs_musicnn
def test_audio_to_tags_matches_tensorflow(reference, data_home):
    """Full path (decode, resample, mel, patches, network) on the real clips."""
    from skmer.pretrained import MusicnnEmbedding

    root = conftest.test_data_root()
    clips = list(reference["clips"])
    paths = [str(conftest.require_test_data(root / c)) for c in clips]
    for layer, atol in (("taggram", 1e-4), ("penultimate", 2e-4)):
        emb = MusicnnEmbedding(layer=layer, data_home=data_home).fit(paths)
        for clip, got in zip(clips, emb.transform_patches(paths)):
            ref = reference[f"{clip}/MSD_musicnn/{layer}/clip"]
            assert got.shape == ref.shape
            np.testing.assert_allclose(got, ref, rtol=0, atol=atol, err_msg=f"{clip} {layer}")
    # the stored input patch equals skmer's front end up to float16 rounding of the mel power
    from skmer.audio import load_audio

    y, _ = load_audio(paths[0], sr=16000)
    P = musicnn_patches(musicnn_mel(y))
    k = int(reference[f"{clips[0]}/patch_index"][0])
    np.testing.assert_allclose(P[k], reference[f"{clips[0]}/patches"][0], atol=1e-3)


def test_patches():
    S = np.arange(400 * 96, dtype=np.float32).reshape(400, 96)
    P = musicnn_patches(S)
    assert P.shape == (2, 187, 96)
    np.testing.assert_array_equal(P[1], S[187:374])
    assert musicnn_patches(S, hop=100).shape == (3, 187, 96)
    short = musicnn_patches(S[:50])
    assert short.shape == (1, 187, 96) and not short[0, 50:].any()
    with pytest.raises(ValueError, match="at least 187"):
        musicnn_patches(S[:50], pad=False)


@needs_musicnn
def test_embedding_params_and_names(data_home):
    from skmer.pretrained import MusicnnEmbedding

    X = np.random.default_rng(0).normal(0, 0.1, (2, 16000 * 4)).astype(np.float32)
    emb = MusicnnEmbedding(layer="taggram", pooling="mean+std", data_home=data_home).fit(X)
    Z = emb.transform(X)
    names = emb.get_feature_names_out()
    assert Z.shape == (2, 100) == (2, len(names)) and Z.dtype == np.float32
    assert names[0] == "taggram_rock_mean" and names[50] == "taggram_rock_std"
    assert ((Z[:, :50] >= 0) & (Z[:, :50] <= 1)).all()
    (P1, P2) = emb.transform_patches(X)
    assert P1.shape == (1, 50)
    emb2 = MusicnnEmbedding(patch_hop=62, pooling="max", data_home=data_home).fit(X)
    assert emb2.transform_patches(X)[0].shape == (2, 200)
    with pytest.raises(ValueError, match="layer 'pool5' is not available for MSD_musicnn"):
        MusicnnEmbedding(layer="pool5").fit(X)
    with pytest.raises(ValueError, match="layer 'penultimate' is not available for MTT_vgg"):
        MusicnnEmbedding(model="MTT_vgg").fit(X)
    with pytest.raises(ValueError, match=r"'pooling' parameter of MusicnnEmbedding must be a str "
                                         r"among \{.*'mean\+std'.*Got 'median'"):
        MusicnnEmbedding(pooling="median").fit(X)
    assert MusicnnEmbedding(model="MTT_vgg", layer="pool5", pooling="mean",
                            data_home=data_home).fit(X).transform(X).shape == (2, 256)


@needs_musicnn
def test_embedding_memory_and_errors(tmp_path, pmemo_mp3s, data_home):
    from skmer.exceptions import FeatureExtractionError
    from skmer.pretrained import MusicnnEmbedding

    clips = [(pmemo_mp3s[0], 10.0, 7.0), (pmemo_mp3s[1], 0.0, 3.5)]
    emb = MusicnnEmbedding(memory=str(tmp_path / "cache"), data_home=data_home).fit(clips)
    Z = emb.transform(clips)
    assert Z.shape == (2, 400) and np.isfinite(Z).all()
    # a different layer reuses the cached per-patch outputs
    emb.set_params(layer="taggram")
    assert emb.transform(clips).shape == (2, 100)
    bad = clips + [str(tmp_path / "missing.mp3")]
    with pytest.raises(FeatureExtractionError, match="missing.mp3"):
        emb.transform(bad)
    emb.set_params(on_error="warn")
    with pytest.warns(UserWarning, match="missing.mp3"):
        Z3 = emb.transform(bad)
    assert np.isnan(Z3[2]).all() and np.isfinite(Z3[:2]).all()


@needs_musicnn
def test_musicnn_tags(pmemo_mp3s, data_home):
    from skmer.pretrained import musicnn_tags

    tags = musicnn_tags((pmemo_mp3s[0], 0.0, 6.0), top=3, data_home=data_home)
    assert len(tags) == 3 and all(isinstance(t, str) for t, _ in tags)
    probs = [p for _, p in tags]
    assert probs == sorted(probs, reverse=True) and 0 <= probs[-1] <= probs[0] <= 1


@needs_musicnn
def test_cli_predict_tags(pmemo_mp3s, capsys):
    from skmer.cli import main

    assert main(["predict", "--tags", "--top", "2", "--format", "csv", pmemo_mp3s[0]]) in (0, None)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "file,tags" and out[1].startswith(pmemo_mp3s[0]) and out[1].count("(") == 2
