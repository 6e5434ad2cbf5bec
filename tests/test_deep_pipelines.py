"""make_damff_pipeline and make_tagger_pipeline: one setting for both steps."""

import numpy as np
import pytest

from skmer.baselines import DAMFF_CPU_PRESET, make_damff_pipeline, make_tagger_pipeline
from skmer.datasets import make_music_emotion
from skmer.features import align_dynamic_annotations


def test_damff_pipeline_shares_the_frame_hop_and_reads_from_the_start():
    pipe = make_damff_pipeline(duration=6.0, frame_hop=0.02, lstm_layers=1)
    mel, windows, damff = (pipe.named_steps[k] for k in ("mel", "windows", "damff"))
    assert mel.hop == windows.frame_hop == 0.02 and mel.crop == "start"
    assert mel.duration == 6.0 and windows.label_start is None
    assert damff.width == DAMFF_CPU_PRESET["width"] and damff.lstm_layers == 1
    assert make_damff_pipeline(preset="estimator").named_steps["damff"].width == 1.0


def test_damff_pipeline_from_aligned_pmemo_windows_end_at_the_labels(pmemo_root):
    from skmer.datasets import load_pmemo

    data = load_pmemo(pmemo_root)
    aligned = align_dynamic_annotations(data.paths, data.frame_times, data.target_dynamic,
                                        window_duration=1.5, n_steps=20)
    pipe = make_damff_pipeline(aligned, sr=16000, n_mels=32, frame_hop=0.02)
    mel, windows = pipe.named_steps["mel"], pipe.named_steps["windows"]
    assert mel.duration == pytest.approx(aligned.duration)
    assert (windows.window_duration, windows.label_hop, windows.label_start) == (1.5, 0.5, 1.5)
    W = windows.fit_transform(mel.fit_transform(aligned.clips))
    assert W.shape == (4, 20, 1, 75, 32)
    # label k of every clip (file time t_0 + k * 0.5) is the end of window k
    file_times = np.array([clip.offset for clip in aligned.clips])[:, None] + windows.label_times_
    np.testing.assert_allclose(file_times, np.stack([t[:20] for t in data.frame_times]))
    with pytest.raises(ValueError, match="label_hop=0.25 disagrees with aligned.label_hop"):
        make_damff_pipeline(aligned, label_hop=0.25)


def test_damff_pipeline_is_the_hand_built_one(tmp_path):
    """Same predictions as LogMel(crop='start') -> SlidingWindows -> DAMFF assembled by hand
    (learning itself is tested in test_damff.py)."""
    from sklearn.pipeline import make_pipeline

    from skmer.estimators import DAMFFRegressor
    from skmer.features import LogMelTransformer, SlidingWindows

    data = make_music_emotion(n_clips=8, duration=3.0, sr=8000, dynamic=True, random_state=0,
                              data_home=tmp_path)
    tiny = dict(width=1 / 8, lstm_hidden=4, lstm_layers=1, max_epochs=2, batch_size=4,
                random_state=0, verbose=0)
    factory = make_damff_pipeline(duration=3.0, sr=8000, n_mels=16, frame_hop=0.02, **tiny)
    by_hand = make_pipeline(
        LogMelTransformer(sr=8000, n_mels=16, hop=0.02, duration=3.0, crop="start"),
        SlidingWindows(frame_hop=0.02), DAMFFRegressor(lr=1e-3, **tiny))
    y = np.asarray(data.target_dynamic)
    pred = factory.fit(data.paths, y).predict(data.paths)
    assert pred.shape == (8, 6, 2)
    np.testing.assert_allclose(pred, by_hand.fit(data.paths, y).predict(data.paths), rtol=1e-5)


def test_tagger_pipeline_turns_crop_seconds_into_frames_of_its_front_end():
    scratch = make_tagger_pipeline(duration=10.0, crop=3.0, hop=0.02, width=1 / 8)
    assert scratch.named_steps["mel"].hop == 0.02
    assert scratch.named_steps["tagger"].crop_frames == 150
    assert make_tagger_pipeline(duration=10.0).named_steps["tagger"].crop_frames is None
    assert make_tagger_pipeline(duration=2.0, crop=3.0).named_steps["tagger"].crop_frames is None
    musicnn = make_tagger_pipeline(duration=30.0, pretrained="MSD_musicnn")
    mel, tagger = musicnn.named_steps["mel"], musicnn.named_steps["tagger"]
    assert mel.n_frames == 1875 and tagger.crop_frames == 187  # 3 s patches of 30 s
    assert (tagger.pretrained, tagger.lr, tagger.head_lr) == ("MSD_musicnn", 1e-4, 1e-3)
    vgg = make_tagger_pipeline(duration=30.0, pretrained="MSD_vgg").named_steps
    assert vgg["mel"].n_frames == 187 and vgg["tagger"].crop_frames is None
    with pytest.raises(ValueError, match="'crop' parameter of make_tagger_pipeline"):
        make_tagger_pipeline(crop=-1.0)


def test_tagger_pipeline_fits_paths_to_tags(tmp_path):
    data = make_music_emotion(n_clips=12, duration=2.0, sr=8000, random_state=0,
                              data_home=tmp_path)
    tags = np.c_[data.target[:, 0] > 0, data.target[:, 1] > 0, data.target.sum(1) > 0]
    pipe = make_tagger_pipeline(duration=2.0, crop=1.0, sr=8000, n_mels=32, width=1 / 8,
                                n_blocks=2, max_epochs=2, random_state=0)
    proba = pipe.fit(data.paths, tags.astype(int)).predict_proba(data.paths)
    assert proba.shape == (12, 3) and np.all((proba >= 0) & (proba <= 1))
