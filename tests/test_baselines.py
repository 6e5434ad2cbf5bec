"""skmer.baselines: every pipeline on tiny generated clips, and one comparison loop."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GroupKFold, KFold, cross_validate
from sklearn.svm import SVR
from sklearn.utils.estimator_checks import check_estimator

from skmer.baselines import (
    SCRATCH_PRESET,
    PerTargetRegressor,
    baseline_pipelines,
    make_adff_pipeline,
    make_mean_baseline,
    make_rf_baseline,
    make_svr_baseline,
)
from skmer.datasets import make_music_emotion, simple_segments
from skmer.estimators import ADFFClassifier, ADFFRegressor, va_to_quadrant
from skmer.metrics import mer_scoring

SR, DURATION, N_MELS = 8000, 2.0, 32
TINY_ADFF = dict(max_epochs=1, width=1 / 16, batch_size=8)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny nets train far faster on one thread when the cores are shared."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    return make_music_emotion(n_clips=12, duration=DURATION, sr=SR, random_state=0,
                              data_home=tmp_path_factory.mktemp("skmer_data"))


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("features"))


def _baselines(cache):
    return baseline_pipelines(duration=DURATION, sr=SR, n_mels=N_MELS, memory=cache,
                              random_state=0)


def test_baseline_names_and_steps(cache):
    models = _baselines(cache)
    assert list(models) == ["SVR (audio features)", "RF (audio features)",
                            "SVR (spectrogram stats)", "RF (spectrogram stats)", "Mean"]
    assert [s for s, _ in models["SVR (spectrogram stats)"].steps] == [
        "mel", "stats", "scale", "model"]
    assert [s for s, _ in models["RF (audio features)"].steps] == ["features", "scale", "model"]
    assert list(baseline_pipelines("audio", include_mean=False)) == [
        "SVR (audio features)", "RF (audio features)"]
    assert make_svr_baseline("spectrogram").named_steps["mel"].sr == 44100  # paper's rate
    assert make_svr_baseline("audio", sr=16000).named_steps["features"].sr == 16000


@pytest.mark.parametrize("name", ["SVR (audio features)", "RF (audio features)",
                                  "SVR (spectrogram stats)", "RF (spectrogram stats)", "Mean"])
def test_baselines_fit_predict_follow_y(clips, cache, name):
    model = _baselines(cache)[name]
    pred = clone(model).fit(clips.paths, clips.target).predict(clips.paths[:5])
    assert pred.shape == (5, 2) and np.all(np.isfinite(pred))
    pred1 = clone(model).fit(clips.paths, clips.target[:, 0]).predict(clips.paths[:5])
    assert pred1.shape == (5,)


def test_baselines_take_clip_windows(clips, cache):
    seg = simple_segments(clips.paths, clips.target, seg_len=1.0, random_state=0)
    model = make_rf_baseline("spectrogram", duration=1.0, sr=SR, n_mels=N_MELS, memory=cache,
                             n_estimators=10, random_state=0)
    assert model.fit(seg.X, seg.y).predict(seg.X[:3]).shape == (3, 2)


def test_mean_baseline_predicts_training_mean(clips):
    pred = make_mean_baseline().fit(clips.paths, clips.target).predict(clips.paths[:3])
    np.testing.assert_allclose(pred, np.tile(clips.target.mean(axis=0), (3, 1)))


def test_per_target_regressor():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = np.c_[X[:, 0], -X[:, 1]]
    model = PerTargetRegressor(SVR(C=10)).fit(X, y)
    assert len(model.estimators_) == 2 and model.n_outputs_ == 2
    np.testing.assert_allclose(model.predict(X)[:, 1],
                               SVR(C=10).fit(X, y[:, 1]).predict(X))
    assert model.score(X, y) > 0.8
    with pytest.raises(ValueError, match="shape"):
        PerTargetRegressor(SVR()).fit(X, np.zeros((40, 2, 2)))


def test_per_target_regressor_estimator_checks():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(PerTargetRegressor(SVR()))


def test_make_adff_pipeline_presets():
    scratch = make_adff_pipeline(seg_num=8, duration=10.0, preset="scratch", use_se=False,
                                 max_epochs=3, random_state=1)
    adff = scratch.named_steps["adff"]
    assert isinstance(adff, ADFFRegressor)
    assert adff.width == SCRATCH_PRESET["width"] and adff.lr == SCRATCH_PRESET["lr"]
    assert adff.max_epochs == 3 and adff.use_se is False and adff.random_state == 1
    assert scratch.named_steps["mel"].sr == 22050 and scratch.named_steps["mel"].duration == 10.0
    assert scratch.named_steps["stack"].seg_num == 8
    paper = make_adff_pipeline()
    ref = ADFFRegressor()
    for p in ("width", "lr", "max_epochs", "batch_size", "lr_milestones"):
        assert getattr(paper.named_steps["adff"], p) == getattr(ref, p)
    assert paper.named_steps["mel"].sr == 44100 and paper.named_steps["stack"].seg_num == 6
    clf = make_adff_pipeline(task="classification", preset="scratch")
    assert isinstance(clf.named_steps["adff"], ADFFClassifier)
    with pytest.raises(ValueError, match="preset"):
        make_adff_pipeline(preset="gpu")
    with pytest.raises(ValueError, match="task"):
        make_adff_pipeline(task="ranking")
    with pytest.raises(ValueError, match="features"):
        make_svr_baseline("mfcc")


def test_adff_classifier_pipeline_on_quadrants(clips, cache):
    model = make_adff_pipeline(seg_num=2, duration=DURATION, preset="scratch", sr=SR,
                               n_mels=N_MELS, memory=cache, task="classification",
                               random_state=0, **TINY_ADFF)
    y4 = va_to_quadrant(clips.target)
    pred = model.fit(clips.paths, y4).predict(clips.paths[:4])
    assert pred.shape == (4,) and set(pred) <= set(y4)


def test_one_cross_validate_loop_over_all_models(clips, cache):
    models = {"ADFF": make_adff_pipeline(seg_num=2, duration=DURATION, preset="scratch", sr=SR,
                                         n_mels=N_MELS, memory=cache, random_state=0,
                                         **TINY_ADFF),
              **_baselines(cache)}
    scoring = mer_scoring()
    for name, model in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # PCC of the constant baseline
            res = cross_validate(model, clips.paths, clips.target, cv=KFold(2),
                                 scoring=scoring, error_score="raise")
        assert res["test_r2_valence"].shape == (2,), name
        assert np.all(res["test_neg_rmse"] < 0), name
    # grouped windows, the full-dataset protocol
    seg = simple_segments(clips.paths, clips.target, seg_len=1.0, random_state=0)
    res = cross_validate(models["RF (spectrogram stats)"].set_params(mel__duration=1.0),
                         seg.X, seg.y, groups=seg.groups, cv=GroupKFold(2), scoring=scoring)
    assert np.all(np.isfinite(res["test_r2_arousal"]))
