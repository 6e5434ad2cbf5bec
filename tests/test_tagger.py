"""Tests of TaggerCNN / CNNTagger and the tagging metrics: learning, validation, API."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import XFAIL_STRICT
from sklearn.base import clone
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.metrics import f1_score, get_scorer, precision_score, recall_score, roc_auc_score
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback

# The 2-D -> spectrogram adapter of the ADFF estimator checks, reused (see the end).
from test_estimators_adff import _TabularAdapter

from skmer.datasets import make_music_emotion
from skmer.estimators import CNNTagger, TagWarning
from skmer.features import LogMelTransformer
from skmer.metrics import tagging_report, tagging_scorers
from skmer.nn import TaggerCNN, tagger_channels

TINY = dict(width=1 / 8, n_blocks=2, lr=1e-2, batch_size=8, max_epochs=2, random_state=0,
            verbose=0)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def spectra(n=12, frames=24, mels=12, n_tags=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 1, frames, mels)).astype(np.float32)
    Y = rng.integers(0, 2, size=(n, n_tags))
    Y[0], Y[1] = 1, 0  # no constant column
    return X, Y


# --------------------------------------------------------------------------- learning


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    """100 generated 4 s clips with the generator's 6 emotion tags, as log-Mel (T=200, M=32)."""
    home = tmp_path_factory.mktemp("data")
    d = make_music_emotion(n_clips=100, duration=4.0, sr=8000, random_state=1, data_home=home)
    mel = LogMelTransformer(sr=8000, n_mels=32, window=0.064, hop=0.02, duration=4.0)
    return d, mel.fit_transform(d.paths)


def test_learns_generated_tags(tagged):
    d, S = tagged
    Y = d.tags
    tagger = CNNTagger(width=1 / 8, n_blocks=3, lr=3e-3, max_epochs=30, batch_size=16,
                       random_state=0, verbose=0, tag_names=d.tag_names)
    tagger.fit(S[:70], Y[:70])
    assert list(tagger.classes_) == d.tag_names
    auc = tagger.score(S[70:], Y[70:])
    assert auc > 0.65, auc  # chance: 0.5
    assert auc == pytest.approx(tagging_scorers()["roc_auc_macro"](tagger, S[70:], Y[70:]))
    assert get_scorer("roc_auc")(tagger, S[70:], Y[70:]) == pytest.approx(auc)
    proba = tagger.predict_proba(S[70:])
    assert proba.shape == (30, 6) and ((proba >= 0) & (proba <= 1)).all()
    pred = tagger.predict(S[70:])
    assert pred.dtype == np.int64
    np.testing.assert_array_equal(pred, (proba >= 0.5).astype(int))


def test_learns_single_label_classes(tagged):
    d, S = tagged
    y = np.where(d.target[:, 1] > 0, "aroused", "calm")
    clf = CNNTagger(width=1 / 8, n_blocks=3, lr=3e-3, max_epochs=15, batch_size=16,
                    random_state=0, verbose=0).fit(S[:70], y[:70])
    assert not clf.multilabel_ and list(clf.classes_) == ["aroused", "calm"]
    proba = clf.predict_proba(S[70:])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    pred = clf.predict(S[70:])
    assert set(pred) <= {"aroused", "calm"}
    assert clf.score(S[70:], y[70:]) == pytest.approx(np.mean(pred == y[70:]))
    assert clf.score(S[70:], y[70:]) > 0.7
    assert isinstance(clf.criterion_, torch.nn.CrossEntropyLoss)
    auc = tagging_scorers()["roc_auc_macro"](clf, S[70:], y[70:])
    assert auc == pytest.approx(roc_auc_score(y[70:] == "calm", proba[:, 1]))


def test_pipeline_grouped_cv_with_tagging_scorers(tagged):
    d, _ = tagged
    pipe = make_pipeline(
        LogMelTransformer(sr=8000, n_mels=16, window=0.064, hop=0.02, duration=4.0),
        CNNTagger(**TINY),
    )
    frame = pd.DataFrame(d.tags[:24], columns=d.tag_names)
    res = cross_validate(pipe, d.paths[:24], frame, groups=np.arange(24) // 3, cv=GroupKFold(2),
                         scoring=tagging_scorers(), error_score="raise", return_estimator=True)
    for key in ("roc_auc_macro", "f1_macro", "f1_micro", "precision_macro", "recall_macro",
                "f1_samples", "average_precision_macro"):
        assert np.isfinite(res[f"test_{key}"]).all(), key
    assert list(res["estimator"][0][-1].classes_) == d.tag_names


# --------------------------------------------------------------------------- network


def test_network_shapes_and_channels():
    assert tagger_channels(4, 1.0) == (32, 64, 128, 256)
    assert tagger_channels(3, 1 / 64) == (1, 1, 2)
    net = TaggerCNN(n_outputs=5, in_channels=2, width=1 / 8, n_blocks=3)
    assert net(torch.randn(3, 2, 17, 9)).shape == (3, 5)
    assert net(torch.randn(1, 2, 1, 1)).shape == (1, 5)  # pools round up
    with pytest.raises(ValueError, match=r"\(n_clips, 2, n_frames, n_mels\)"):
        net(torch.randn(3, 1, 17, 9))
    for kwargs, match in [({"n_blocks": 0}, "n_blocks"), ({"width": 0}, "width"),
                          ({"dropout": -0.1}, "dropout"), ({"n_outputs": 0}, "n_outputs")]:
        with pytest.raises(ValueError, match=match):
            TaggerCNN(**kwargs)


# --------------------------------------------------------------------------- validation


class _TrainSpy(Callback):
    started = []

    def on_train_begin(self, net, **kwargs):
        _TrainSpy.started.append(True)


def _bad_cases():
    X, Y = spectra()
    soft = Y * 0.7
    nan = Y.astype(float)
    nan[3, 1] = np.nan
    return [
        ("non-binary", X, soft, {}, ValueError, r"non-binary values such as \[0\.7"),
        ("counts", X, Y * 2, {}, ValueError, r"non-binary values such as \[2\]"),
        ("nan", X, nan, {}, ValueError, r"y contains NaN \(first at clip 3, tag 1\)"),
        ("strings", X, np.where(Y, "y", "n"), {}, ValueError, "must hold 0/1 values"),
        ("3-d", X, Y[:, :, None], {}, ValueError, "indicator matrix"),
        ("names", X, Y, {"tag_names": ["a", "b"]}, ValueError, "tag_names must list 3"),
        ("dup-names", X, Y, {"tag_names": ["a", "a", "b"]}, ValueError, "distinct"),
        ("rows", X, Y[:5], {}, ValueError, "inconsistent numbers of samples"),
        ("X-3d", X[:, 0], Y, {}, ValueError, r"got a 3-D input"),
        ("X-nan", np.where(X > 2, np.nan, X), Y, {}, ValueError, "X contains NaN"),
        ("one-class", X, np.zeros(12), {}, ValueError, "at least 2 classes"),
        ("continuous", X, np.linspace(0, 1, 12), {}, ValueError, "Unknown label type"),
        ("class_weight", X, Y, {"class_weight": "auto"}, ValueError, "class_weight"),
        ("class_weight-key", X, Y, {"class_weight": {"joy": 2.0}}, ValueError,
         r"keys \['joy'\] that are not among the tags"),
        ("width", X, Y, {"width": -1}, ValueError, "width"),
    ]


@pytest.mark.parametrize(
    "X, y, params, exc, match", [c[1:] for c in _bad_cases()], ids=[c[0] for c in _bad_cases()]
)
def test_bad_input_rejected_before_training(X, y, params, exc, match):
    _TrainSpy.started.clear()
    tagger = CNNTagger(**{**TINY, **params}, callbacks=[("spy", _TrainSpy())])
    with pytest.raises(exc, match=match):
        tagger.fit(X, y)
    assert not _TrainSpy.started and not hasattr(tagger, "module_")


def test_constant_tags_warn():
    X, Y = spectra(n_tags=4)
    Y[:, 1], Y[:, 3] = 0, 1
    with pytest.warns(TagWarning, match=r"2 tag\(s\) are constant in y: 1 \(all 0\), 3 \(all 1\)"):
        tagger = CNNTagger(**TINY).fit(X, Y)
    np.testing.assert_allclose(tagger.tag_prevalence_[[1, 3]], [0.0, 1.0])
    # their ROC-AUC is left out of the macro average
    report = tagging_report(Y, tagger.predict(X), tagger.predict_proba(X))
    assert np.isnan(report.loc[1, "roc_auc"]) and np.isnan(report.loc[3, "roc_auc"])
    assert report.loc["macro", "roc_auc"] == pytest.approx(
        np.mean(report.loc[[0, 2], "roc_auc"]))


def test_dataframe_names_bool_and_single_column():
    X, Y = spectra()
    frame = pd.DataFrame(Y.astype(bool), columns=["happy", "sad", "calm"])
    tagger = CNNTagger(**TINY).fit(X, frame)
    assert tagger.multilabel_ and list(tagger.classes_) == ["happy", "sad", "calm"]
    assert CNNTagger(**TINY, tag_names=["x", "y", "z"]).fit(X, frame).classes_.tolist() == [
        "x", "y", "z"]
    np.testing.assert_array_equal(CNNTagger(**TINY).fit(X, Y).classes_, [0, 1, 2])
    with pytest.warns(DataConversionWarning):
        single = CNNTagger(**TINY).fit(X, Y[:, :1])
    assert not single.multilabel_ and single.predict(X).shape == (12,)
    with pytest.raises(ValueError, match="tag columns"):
        tagger.partial_fit(X, Y[:, :2])
    with pytest.raises(ValueError, match="was fitted on a tag matrix"):
        tagger.partial_fit(X, Y[:, 0])


def test_threshold_and_class_weight():
    X, Y = spectra()
    tagger = CNNTagger(**TINY, class_weight="balanced").fit(X, Y)
    pos = Y.sum(axis=0)
    np.testing.assert_allclose(tagger.criterion_.pos_weight.numpy(), (12 - pos) / pos, rtol=1e-6)
    proba = tagger.predict_proba(X)
    for t in (0.0, 0.3, 1.0, [0.2, 0.5, 0.9]):
        tagger.set_params(threshold=t)
        np.testing.assert_array_equal(tagger.predict(X), (proba >= np.asarray(t)).astype(int))
    for bad in (1.5, [0.5, 0.5], np.nan, "high"):
        tagger.set_params(threshold=bad)
        with pytest.raises(ValueError, match="threshold must be"):
            tagger.predict(X)
    y = np.array(["a"] * 9 + ["b"] * 3)
    clf = CNNTagger(**TINY, class_weight="balanced").fit(X, y)
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), [12 / 18, 12 / 6])
    clf = CNNTagger(**TINY, class_weight={"b": 3.0}).fit(X, y)
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), [1.0, 3.0])
    tagger = CNNTagger(**TINY, class_weight={2: 5.0}).fit(X, Y)
    np.testing.assert_allclose(tagger.criterion_.pos_weight.numpy(), [1.0, 1.0, 5.0])
    assert isinstance(CNNTagger(**TINY).fit(X, Y).criterion_, torch.nn.BCEWithLogitsLoss)


def test_predict_input_checks_and_unfitted():
    X, Y = spectra()
    tagger = CNNTagger(**TINY).fit(X, Y)
    assert tagger.input_shape_ == (1, 24, 12) and tagger.module_.in_channels == 1
    assert tagger.predict(X[:, :, :10]).shape == (12, 3)  # any number of frames
    with pytest.raises(ValueError, match="fitted with 1 and 12"):
        tagger.predict(np.zeros((2, 1, 24, 10), np.float32))
    with pytest.raises(NotFittedError):
        CNNTagger(**TINY).predict(X)
    with pytest.raises(NotFittedError):
        CNNTagger(**TINY).score(X, Y)


# --------------------------------------------------------------------------- metrics


def test_tagging_scorers_match_sklearn():
    X, Y = spectra(n=20, n_tags=4)
    tagger = CNNTagger(**TINY).fit(X, Y)
    proba, pred = tagger.predict_proba(X), tagger.predict(X)
    sc = tagging_scorers()
    assert sc["roc_auc_macro"](tagger, X, Y) == pytest.approx(
        roc_auc_score(Y, proba, average="macro"))
    assert sc["f1_macro"](tagger, X, Y) == pytest.approx(
        f1_score(Y, pred, average="macro", zero_division=0))
    assert sc["recall_macro"](tagger, X, Y) == pytest.approx(
        recall_score(Y, pred, average="macro", zero_division=0))
    for name in ("f1_macro", "f1_micro", "precision_macro", "recall_macro", "f1_samples"):
        assert get_scorer(name)(tagger, X, Y) == pytest.approx(sc[name](tagger, X, Y)), name


def test_two_tags_scorers():
    """With two tags sklearn's 'roc_auc' string mistakes the problem for binary;
    tagging_scorers() handles it."""
    X, Y = spectra(n_tags=2)
    tagger = CNNTagger(**TINY, tag_names=["happy", "sad"]).fit(X, Y)
    auc = tagging_scorers()["roc_auc_macro"](tagger, X, Y)
    assert auc == pytest.approx(roc_auc_score(Y, tagger.predict_proba(X), average="macro"))
    with pytest.raises(ValueError):
        get_scorer("roc_auc")(tagger, X, Y)


def test_tagging_report():
    yt = np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1]])
    yp = np.array([[1, 0, 0], [0, 1, 1], [0, 1, 0], [0, 1, 1]])
    ys = np.array([[0.9, 0.1, 0.4], [0.2, 0.8, 0.7], [0.4, 0.6, 0.1], [0.3, 0.7, 0.9]])
    rep = tagging_report(pd.DataFrame(yt, columns=["a", "b", "c"]), yp, ys)
    assert list(rep.index) == ["a", "b", "c", "macro", "micro"]
    np.testing.assert_allclose(rep.loc[["a", "b", "c"], "f1"], f1_score(yt, yp, average=None))
    assert rep.loc["macro", "precision"] == pytest.approx(precision_score(yt, yp, average="macro"))
    assert rep.loc["micro", "f1"] == pytest.approx(f1_score(yt, yp, average="micro"))
    np.testing.assert_allclose(rep.loc[["a", "b", "c"], "roc_auc"],
                               roc_auc_score(yt, ys, average=None))
    assert rep.loc["a", "support"] == 2 and rep.loc["macro", "support"] == 7
    assert "roc_auc" not in tagging_report(yt, yp).columns
    with pytest.raises(ValueError, match="same shape"):
        tagging_report(yt, yp[:, :2])


# --------------------------------------------------------------------------- persistence


def test_pickle_clone_seed_and_device_auto():
    X, Y = spectra()
    tagger = CNNTagger(**TINY, tag_names=["a", "b", "c"]).fit(X, Y)
    expected = tagger.predict_proba(X)
    buf = io.BytesIO()
    joblib.dump(tagger, buf)
    buf.seek(0)
    for loaded in (pickle.loads(pickle.dumps(tagger)), joblib.load(buf)):
        np.testing.assert_array_equal(loaded.predict_proba(X), expected)
        assert list(loaded.classes_) == ["a", "b", "c"]
    c = clone(tagger)
    assert not hasattr(c, "module_") and not hasattr(c, "classes_")
    np.testing.assert_array_equal(CNNTagger(**TINY, tag_names=["a", "b", "c"]).fit(X, Y)
                                  .predict_proba(X), expected)
    auto = CNNTagger(**{**TINY, "max_epochs": 1}, device="auto").fit(X, Y)
    assert auto.get_params()["device"] == "auto"
    assert pickle.loads(pickle.dumps(auto)).device == "auto"


def test_batch_invariance_to_float_tolerance():
    X, Y = spectra()
    tagger = CNNTagger(**TINY).fit(X, Y)
    full = tagger.predict_proba(X)
    single = np.concatenate([tagger.predict_proba(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(single, full, rtol=1e-5, atol=1e-6)


def test_defaults_and_tags():
    p = CNNTagger().get_params()
    assert p["width"] == 1.0 and p["n_blocks"] == 4 and p["threshold"] == 0.5
    assert p["criterion"] is None and p["lr"] == 1e-3 and p["device"] == "cpu"
    tags = CNNTagger().__sklearn_tags__()
    assert tags.estimator_type == "classifier" and tags.classifier_tags.multi_label
    assert not tags.input_tags.two_d_array


# --------------------------------------------------------------------------- sklearn checks
#
# As for ADFF (whose adapter is reused), tabular (n, f) X becomes an (n, 1, 32, 32)
# spectrogram; validation, fitting and prediction are CNNTagger's own.


class TabularCNNTagger(_TabularAdapter, CNNTagger):
    def predict_proba(self, X):
        return super().predict_proba(self._adapt(X))


EXPECTED_FAILED_CHECKS = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and virtual_params_"
    ),
    "check_estimators_empty_data_messages": (
        "an (n, 0) matrix becomes an (n, 1, 1, 0) spectrogram, rejected with CNNTagger's own "
        "'empty axis' message instead of sklearn's '0 feature(s)'"
    ),
    "check_fit2d_predict1d": (
        "1-D X is rejected with CNNTagger's own message asking for (n_clips, n_channels, "
        "n_frames, n_mels) spectrograms instead of sklearn's 'Reshape your data'"
    ),
}

#: See tests/test_damff.py: float32 oneDNN/MKL kernels depend on the batch size at
#: the 1e-7 level; replaced by test_batch_invariance_to_float_tolerance.
FLOAT_TOLERANCE_CHECKS = ("check_methods_subset_invariance",
                          "check_methods_sample_order_invariance")


@parametrize_with_checks(
    [TabularCNNTagger(**{**TINY, "batch_size": 64})],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
    **XFAIL_STRICT,
)
def test_sklearn_compatible_via_adapter(estimator, check):
    if getattr(check, "func", check).__name__ in FLOAT_TOLERANCE_CHECKS:
        pytest.skip("batch-size dependent float32 rounding; see FLOAT_TOLERANCE_CHECKS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


@pytest.mark.parametrize(
    "check",
    [
        sk_checks.check_estimator_cloneable,
        sk_checks.check_estimator_repr,
        sk_checks.check_get_params_invariance,
        sk_checks.check_set_params,
        sk_checks.check_parameters_default_constructible,
        sk_checks.check_do_not_raise_errors_in_init_or_set_params,
        sk_checks.check_mixin_order,
        sk_checks.check_estimators_unfitted,
    ],
    ids=lambda c: c.__name__,
)
def test_sklearn_api_checks_on_real_estimator(check):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "TypeError occurred during set_params")
        warnings.filterwarnings("ignore", "Estimator's parameters changed after set_params")
        check("CNNTagger", CNNTagger(**TINY))
