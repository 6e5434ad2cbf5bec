"""End to end from audio paths: LogMelTransformer -> SegmentStacker -> ADFF in sklearn tools."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate
from sklearn.pipeline import Pipeline

from skmer import ADFFRegressor, LogMelTransformer, SegmentStacker
from skmer.datasets import full_segments, make_music_emotion


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    return make_music_emotion(n_clips=12, duration=3.0, sr=8000, random_state=0,
                              data_home=tmp_path_factory.mktemp("data"))


def tiny_pipeline(cache, seg_num=2):
    return Pipeline([
        ("mel", LogMelTransformer(sr=8000, n_mels=32, window=0.032, hop=0.01, duration=2.56,
                                  memory=cache)),
        ("stack", SegmentStacker(seg_num=seg_num)),
        ("adff", ADFFRegressor(width=1 / 16, lstm_hidden=8, fc_sizes=(16,), lr=1e-3,
                               batch_size=8, max_epochs=2, lr_milestones=None, random_state=0,
                               verbose=0)),
    ])


def test_grid_search_over_seg_num_reinfers_channels(synthetic, tmp_path):
    search = GridSearchCV(tiny_pipeline(str(tmp_path / "cache")),
                          {"stack__seg_num": [1, 2, 4]}, cv=2, error_score="raise")
    search.fit(synthetic.paths, synthetic.target)
    assert search.best_params_["stack__seg_num"] in (1, 2, 4)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    best = search.best_estimator_
    seg_num = search.best_params_["stack__seg_num"]
    assert best.named_steps["adff"].input_shape_ == (seg_num, 256 // seg_num, 32)
    first_conv = next(m for m in best.named_steps["adff"].module_.modules()
                      if hasattr(m, "in_channels"))
    assert first_conv.in_channels == seg_num
    assert best.predict(synthetic.paths[:3]).shape == (3, 2)


def test_group_cv_on_full_segments(synthetic, tmp_path):
    segments = full_segments(synthetic.paths, synthetic.target, seg_len=1.28)
    assert len(segments.X) > len(synthetic.paths)  # several windows per clip
    pipe = tiny_pipeline(str(tmp_path / "cache"))
    pipe.set_params(mel__duration=1.28)
    scores = cross_validate(pipe, segments.X, segments.y, groups=segments.groups,
                            cv=GroupKFold(n_splits=3), error_score="raise")
    assert np.isfinite(scores["test_score"]).all()
