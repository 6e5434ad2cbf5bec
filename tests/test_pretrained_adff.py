"""ADFF on precomputed levels (``levels=``) and musicnn's pretrained levels (MusicnnLevels)."""

import importlib.util

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import accuracy_score

from skmer.estimators import ADFFClassifier, ADFFRegressor
from skmer.nn import ADFFNet

HAVE_MUSICNN = importlib.util.find_spec("musicnn") is not None
needs_musicnn = pytest.mark.skipif(
    not HAVE_MUSICNN, reason="musicnn is not installed (pip install --no-deps musicnn)"
)
LEVELS = (6, 4, 3)


def make_levels(n, n_steps=24, seed=0):
    """Class = which of two channels of level 1 carries a burst, somewhere in time."""
    rng = np.random.default_rng(seed)
    X = rng.normal(0, 1, (n, 1, n_steps, sum(LEVELS))).astype(np.float32)
    y = rng.integers(0, 2, n)
    for i in range(n):
        t = rng.integers(0, n_steps - 4)
        X[i, 0, t:t + 4, LEVELS[0] + y[i]] += 3.0  # level 1 starts at column 6
    return X, y


# ------------------------------------------------------------------------------- network
def test_network_on_levels_shapes_and_ablations():
    x = torch.randn(3, 1, 7, sum(LEVELS))
    net = ADFFNet(n_outputs=2, levels=LEVELS, lstm_hidden=5, fc_sizes=(8,))
    assert net.sflm is None and len(net.tflm) == 3 and net.fusion_features == 3 * 10
    assert net(x).shape == (3, 2)
    assert net(torch.randn(3, 1, 1, 13)).shape == (3, 2)  # any number of steps
    flat = ADFFNet(levels=LEVELS, use_tflm=False, fc_sizes=())
    assert flat.fusion_features == sum(LEVELS) and flat(x).shape == (3, 1)
    # the level maps are the column slices, one time axis
    maps = net._level_maps(x)
    assert [tuple(m.shape) for m in maps] == [(3, 6, 7, 1), (3, 4, 7, 1), (3, 3, 7, 1)]
    assert torch.equal(maps[1][:, :, :, 0], x[:, 0, :, 6:10].transpose(1, 2))


def test_network_on_levels_rejects_bad_shapes():
    net = ADFFNet(levels=LEVELS)
    with pytest.raises(ValueError,
                       match=r"levels of widths \(6, 4, 3\).*\(n_clips, 1, n_steps, 13\)"):
        net(torch.randn(2, 1, 5, 12))
    with pytest.raises(ValueError, match="seg_num=1"):
        ADFFNet(seg_num=2, levels=LEVELS)
    with pytest.raises(ValueError, match="levels must be None or a non-empty sequence"):
        ADFFNet(levels=())
    with pytest.raises(ValueError, match="n_mels must be sum"):
        ADFFNet(levels=LEVELS, input_norm=True, n_mels=12)


# ----------------------------------------------------------------------------- estimator
def test_classifier_learns_from_levels_with_crops():
    X, y = make_levels(240, seed=0)
    clf = ADFFClassifier(levels=LEVELS, lstm_hidden=8, fc_sizes=(16,), dropout=0.0,
                         input_scaling="band", crop_frames=12, crop_hop=6, lr=3e-3,
                         lr_schedule="onecycle", optimizer=torch.optim.AdamW, batch_size=16,
                         max_epochs=15, random_state=0, verbose=0)
    clf.fit(X[:160], y[:160])
    acc = accuracy_score(y[160:], clf.predict(X[160:]))
    assert acc > 0.85, acc  # chance 0.5; the burst is anywhere in time, crops included
    assert clf.module_.input_mean.shape == (13,)


def test_cpu_preset_head_learns_from_levels():
    # CPU_PRESET as make_adff_pipeline(preset='cpu') sets it: no TFLM, each
    # level averaged over time, then the fusion head
    from skmer.baselines import CPU_PRESET

    assert CPU_PRESET["use_tflm"] is False
    X, y = make_levels(240, seed=0)
    clf = ADFFClassifier(levels=LEVELS, **{**CPU_PRESET, "max_epochs": 15},
                         crop_frames=12, random_state=0, verbose=0)
    clf.fit(X[:160], y[:160])
    assert clf.module_.tflm is None
    acc = accuracy_score(y[160:], clf.predict(X[160:]))
    assert acc > 0.85, acc  # chance 0.5


def test_regressor_on_levels_and_its_checks():
    X, y = make_levels(40, seed=1)
    reg = ADFFRegressor(levels=LEVELS, lstm_hidden=4, fc_sizes=(8,), max_epochs=2, lr=1e-3,
                        lr_milestones=None, target_scaling=True, random_state=0, verbose=0)
    pred = reg.fit(X, np.c_[y, -y].astype(float)).predict(X)
    assert pred.shape == (40, 2) and np.isfinite(pred).all()
    again = clone(reg).fit(X, np.c_[y, -y].astype(float)).predict(X)
    np.testing.assert_allclose(pred, again, rtol=1e-5)  # random_state
    with pytest.raises(ValueError, match=r"levels=\(6, 4, 3\)\) expects precomputed levels"):
        reg.fit(X[:, :, :, :12], y)
    with pytest.raises(ValueError, match="expects precomputed levels"):
        reg.fit(np.repeat(X, 2, axis=1), y)
    # short crops are fine on levels, not through the VGG16 levels
    ADFFRegressor(levels=LEVELS, crop_frames=4, max_epochs=1, lstm_hidden=4, fc_sizes=(4,),
                  lr_milestones=None, verbose=0).fit(X, y.astype(float))
    spec = np.zeros((4, 1, 40, 32), np.float32)
    with pytest.raises(ValueError, match="crop_frames must be at least 32 frames"):
        ADFFRegressor(crop_frames=16, max_epochs=1, verbose=0).fit(spec, np.zeros(4))


# ------------------------------------------------------------------------ MusicnnLevels
@needs_musicnn
def test_musicnn_levels_are_block_statistics_of_the_network(tmp_path):
    from skmer.pretrained import LEVEL_SIZES, MusicnnLevels, load_musicnn, musicnn_mel
    from skmer.pretrained.levels import LEVELS as NAMES

    rng = np.random.default_rng(0)
    X = rng.normal(0, 0.1, (2, 16000 * 7)).astype(np.float32)
    lev = MusicnnLevels(n_frames=2 * 187, block=31, data_home=str(tmp_path)).fit(X)
    Z = lev.transform(X)
    assert Z.shape == (2, 1, 12, 1506) == (2, 1, lev.n_steps_, sum(lev.level_sizes_))
    assert Z.dtype == np.float32 and lev.step_seconds_ == pytest.approx(0.496)
    # by hand: centre 374 frames, two patches, 6 blocks of 31 frames each
    S = musicnn_mel(X[0])
    start = (S.shape[0] - 374) // 2
    patches = torch.from_numpy(np.stack([S[start:start + 187], S[start + 187:start + 374]]))
    with torch.inference_mode():
        f = load_musicnn("MSD_musicnn", str(tmp_path)).features(patches)
    cnn2 = f[NAMES[3]][1, 31:62]  # patch 2, block 2
    col = sum(LEVEL_SIZES[:3])
    np.testing.assert_allclose(Z[0, 0, 7, col:col + 64], cnn2.mean(0).numpy(), atol=1e-5)
    np.testing.assert_allclose(Z[0, 0, 7, col + 64:col + 128], cnn2.amax(0).numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="n_frames must be a multiple of 187"):
        MusicnnLevels(n_frames=200).fit(X)
    with pytest.raises(ValueError, match="'model' parameter of MusicnnLevels"):
        MusicnnLevels(model="MSD_vgg").fit(X)


@needs_musicnn
def test_cpu_preset_pipeline_on_real_audio(tmp_path, pmemo_mp3s):
    from skmer.baselines import make_adff_pipeline
    from skmer.exceptions import FeatureExtractionError
    from skmer.model_io import load_model, save_model

    pipe = make_adff_pipeline(duration=12.0, preset="cpu", task="classification",
                              memory=str(tmp_path / "cache"), max_epochs=2, random_state=0)
    assert [name for name, _ in pipe.steps] == ["levels", "adff"]
    adff = pipe.named_steps["adff"]
    assert adff.crop_frames == 20 and adff.levels == (816, 306, 128, 128, 128)
    assert adff.use_tflm is False
    # use_tflm=True alone brings back the TFLM with its measured sizes
    tflm = make_adff_pipeline(duration=12.0, preset="cpu", use_tflm=True).named_steps["adff"]
    assert (tflm.use_tflm, tflm.lstm_hidden, tflm.lstm_summary) == (True, 32, "mean")
    y = ["Q1", "Q2", "Q1", "Q2"]
    proba = pipe.fit(pmemo_mp3s, y).predict_proba(pmemo_mp3s)
    assert proba.shape == (4, 2) and np.allclose(proba.sum(1), 1)
    path = tmp_path / "model.skmer"
    save_model(pipe, path)
    np.testing.assert_allclose(load_model(path).predict_proba(pmemo_mp3s), proba, atol=1e-6)
    with pytest.raises(FeatureExtractionError, match="missing.mp3"):
        pipe.predict([*pmemo_mp3s, str(tmp_path / "missing.mp3")])
    for front_end in ({"seg_num": 4}, {"sr": 22050}, {"hop": 0.01}, {"n_mels": 64}):
        with pytest.raises(ValueError, match="do not apply to preset='cpu'"):
            make_adff_pipeline(preset="cpu", **front_end)


def test_cpu_preset_without_musicnn_names_the_install_and_the_alternative(monkeypatch):
    import importlib.util

    from skmer.baselines import make_adff_pipeline
    from skmer.pretrained import MusicnnNotInstalledError

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "musicnn" else real(name, *a))
    with pytest.raises(MusicnnNotInstalledError,
                       match=r"(?s)pip install --no-deps musicnn.*preset='scratch'"):
        make_adff_pipeline(duration=30.0, preset="cpu")
    assert make_adff_pipeline(duration=30.0, preset="scratch").steps[0][0] == "mel"
