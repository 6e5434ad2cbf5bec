"""CNNTagger(pretrained=...): fine-tuning musicnn on musicnn's log-mel (MusicnnMel)."""

import importlib.util

import numpy as np
import pytest

if importlib.util.find_spec("musicnn") is None:
    pytest.skip("musicnn is not installed (pip install --no-deps musicnn)",
                allow_module_level=True)

from sklearn.pipeline import make_pipeline

from skmer import CNNTagger
from skmer.pretrained import MusicnnMel, load_musicnn_weights


def toy_audio(n=16, seconds=3.0, sr=16000, seed=0):
    """Half tones (tag 'tonal'), half noise (tag 'noisy')."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(sr * seconds)) / sr
    X, y = [], []
    for i in range(n):
        if i % 2:
            X.append(0.3 * np.sin(2 * np.pi * rng.uniform(200, 800) * t))
            y.append([1, 0])
        else:
            X.append(0.1 * rng.normal(size=t.size))
            y.append([0, 1])
    return np.asarray(X, dtype=np.float32), np.asarray(y)


def test_pretrained_tagger_learns_and_starts_from_musicnn():
    X, y = toy_audio()
    model = make_pipeline(
        MusicnnMel(),
        CNNTagger(pretrained="MSD_musicnn", lr=1e-3, max_epochs=4, batch_size=8,
                  tag_names=["tonal", "noisy"], verbose=0, random_state=0),
    )
    model.fit(X, y)
    tagger = model[-1]
    losses = tagger.history_[:, "train_loss"]
    assert losses[-1] < losses[0]
    assert (model.predict(X) == y).mean() >= 0.9
    assert model.predict_proba(X).shape == (16, 2)
    w = load_musicnn_weights("MSD_musicnn")
    start = w["conv2d/kernel"].transpose(3, 2, 0, 1).ravel()
    now = tagger.module_.net.timbral[0].weight.detach().numpy().ravel()
    assert np.corrcoef(start, now)[0, 1] > 0.9  # fine-tuned from the pretrained weights
    # frozen batch-norm statistics
    np.testing.assert_allclose(tagger.module_.net.bn_dense.running_mean.numpy(),
                               w["batch_normalization_10/moving_mean"], rtol=1e-6)


def test_pretrained_tagger_input_errors():
    X, y = toy_audio(n=4, seconds=1.0)
    from skmer import LogMelTransformer

    wrong = make_pipeline(LogMelTransformer(sr=16000, duration=1.0),
                          CNNTagger(pretrained="MSD_musicnn", max_epochs=1, verbose=0))
    with pytest.raises(ValueError, match="MusicnnMel"):
        wrong.fit(X, y)
    with pytest.raises(ValueError, match=r"The 'pretrained' parameter of CNNTagger must be None "
                                         r"or a str among \{.*'MSD_musicnn'.*Got 'VGGish'"):
        CNNTagger(pretrained="VGGish", max_epochs=1, verbose=0).fit(
            MusicnnMel().fit_transform(X), y)
    with pytest.raises(ValueError, match=r"\(n, 1, 187, 96\)"):
        CNNTagger(pretrained="MTT_vgg", max_epochs=1, verbose=0).fit(
            MusicnnMel(n_frames=100).fit_transform(X), y)


def test_pretrained_tagger_head_lr_and_crops():
    """head_lr gives the new output layer its own rate; crops train on patches and
    prediction averages the logits of every patch."""
    import torch

    X, y = toy_audio(n=8, seconds=6.0)
    mel = MusicnnMel(n_frames=375).fit(X)
    M = mel.transform(X)
    tagger = CNNTagger(pretrained="MSD_musicnn", lr=1e-4, head_lr=1e-2, crop_frames=187,
                       max_epochs=1, batch_size=8, tag_names=["tonal", "noisy"], verbose=0,
                       random_state=0).fit(M, y)
    groups = tagger.optimizer_.param_groups
    head = {id(p) for p in tagger.module_.net.output.parameters()}
    assert sorted(g["lr"] for g in groups) == [1e-4, 1e-2]
    assert {id(p) for g in groups if g["lr"] == 1e-2 for p in g["params"]} == head
    # prediction = mean logits of the windows [0, 187), [187, 374), [188, 375)
    tagger.module_.eval()
    with torch.no_grad():
        logits = [tagger.module_(torch.from_numpy(M[:, :, s:s + 187])) for s in (0, 187, 188)]
    expected = torch.sigmoid(torch.stack(logits).mean(0)).numpy()
    np.testing.assert_allclose(tagger.predict_proba(M), expected, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="head_lr"):
        CNNTagger(pretrained="MSD_musicnn", head_lr=-1.0, max_epochs=1, verbose=0).fit(M, y)
