"""Tests of the DAMFF network and DAMFFRegressor: learning, alignment errors, API, persistence."""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
import scipy.sparse as sp
import torch
from conftest import XFAIL_STRICT
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GroupKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils.estimator_checks import parametrize_with_checks
from skorch.callbacks import Callback

# The 2-D -> spectrogram adapter of the ADFF estimator checks, reused (see the end).
from test_estimators_adff import _TabularAdapter

from skmer.datasets import make_music_emotion
from skmer.estimators import DAMFFRegressor
from skmer.features import LogMelTransformer, SlidingWindows
from skmer.metrics import ccc
from skmer.nn import CCCLoss, DAMFFNet, DualAttentionFusion, HybridConvBlock

TINY = dict(
    width=1 / 4,  # >= 4 channels per branch: oneDNN's 2-channel kernels are batch-size dependent
    lstm_hidden=4,
    lstm_layers=1,
    lr=1e-2,
    batch_size=4,
    max_epochs=2,
    random_state=0,
    verbose=0,
)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """One intra-op thread: faster than two competing threads on a shared 2-core box."""
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def windows(n=6, steps=4, frames=12, mels=8, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, steps, 1, frames, mels)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(n, steps, 2))
    return X, y


# --------------------------------------------------------------------------- learning


@pytest.fixture(scope="module")
def dynamic_data(tmp_path_factory):
    """80 generated 5 s clips with labels every 0.5 s, as 10 one-second windows each."""
    home = tmp_path_factory.mktemp("data")
    d = make_music_emotion(n_clips=80, duration=5.0, sr=8000, dynamic=True, random_state=0,
                           data_home=home)
    mel = LogMelTransformer(sr=8000, n_mels=32, window=0.064, hop=0.02, duration=5.0,
                            crop="start")
    return d, mel.fit_transform(d.paths)


def test_learns_dynamic_arousal(dynamic_data):
    d, S = dynamic_data
    W = SlidingWindows(window_duration=1.0, frame_hop=0.02).fit_transform(S)
    Y = d.target_dynamic
    assert W.shape == (80, 10, 1, 50, 32) and Y.shape == (80, 10, 2)
    reg = DAMFFRegressor(width=1 / 8, lstm_hidden=16, lstm_layers=1, dropout=0.1, lr=3e-3,
                         batch_size=8, max_epochs=20, random_state=0, verbose=0)
    reg.fit(W[:60], Y[:60])
    pred = reg.predict(W[60:])
    assert pred.shape == (20, 10, 2) and pred.dtype == np.float64
    valence, arousal = ccc(Y[60:], pred, multioutput="raw_values")
    assert arousal > 0.4, (valence, arousal)
    assert reg.score(W[60:], Y[60:]) == pytest.approx((valence + arousal) / 2)


def test_pipeline_cross_validate_group_kfold(dynamic_data):
    """Audio paths -> LogMel -> SlidingWindows -> DAMFF under grouped CV (clips as groups)."""
    d, _ = dynamic_data
    paths, Y = d.paths[:24], d.target_dynamic[:24]
    groups = np.arange(24) // 2  # pairs of clips share a group (e.g. a song)
    pipe = make_pipeline(
        LogMelTransformer(sr=8000, n_mels=16, window=0.064, hop=0.02, duration=5.0,
                          crop="start"),
        SlidingWindows(window_duration=1.0, frame_hop=0.02),
        DAMFFRegressor(**TINY),
    )
    res = cross_validate(pipe, paths, Y, groups=groups, cv=GroupKFold(3), error_score="raise",
                         return_estimator=True)
    assert np.isfinite(res["test_score"]).all() and len(res["test_score"]) == 3
    est = res["estimator"][0]
    assert est.predict(paths[:2]).shape == (2, 10, 2)
    assert est[-1].input_shape_ == (10, 1, 50, 16)


# --------------------------------------------------------------------------- network


@pytest.mark.parametrize(
    "switches",
    [
        {},
        {"use_fusion": False},
        {"use_channel_attention": False},
        {"use_spatial_attention": False},
        {"use_channel_attention": False, "use_spatial_attention": False},
        {"filters": ("tf",)},
        {"filters": ("square",)},
        {"filters": ("time",)},
        {"filters": ("freq",)},
    ],
    ids=lambda s: ",".join(f"{k}={v}" for k, v in s.items()) or "full",
)
def test_network_variants_shapes(switches):
    net = DAMFFNet(n_outputs=3, width=1 / 8, lstm_hidden=4, lstm_layers=2, **switches)
    y = net(torch.randn(2, 5, 1, 13, 9))
    assert y.shape == (2, 5, 3) and y.dtype == torch.float32
    fusion = net.fusion
    assert (fusion.concat is not None) == (switches.get("use_fusion") is False)
    if switches.get("use_fusion", True):
        assert (fusion.channel is None) == (switches.get("use_channel_attention") is False)
        assert (fusion.spatial is None) == (switches.get("use_spatial_attention") is False)
    n_branches = len(switches.get("filters", ("tf", "square", "time", "freq")))
    assert net.level1.out_channels == 2 * n_branches and net.level2.out_channels == 4 * n_branches


@settings(max_examples=25, deadline=None)
@given(
    n=st.integers(1, 3),
    steps=st.integers(1, 4),
    frames=st.integers(1, 40),
    mels=st.integers(1, 40),
    train=st.booleans(),
)
def test_network_accepts_any_window_size(n, steps, frames, mels, train):
    torch.manual_seed(0)
    net = DAMFFNet(width=1 / 16, lstm_hidden=3, lstm_layers=1).train(train)
    y = net(torch.randn(n, steps, 1, frames, mels))
    assert y.shape == (n, steps, 2) and torch.isfinite(y).all()


def test_steps_are_a_sequence():
    """Outputs depend on neighbouring windows (BiLSTM), and the CNN is shared by steps."""
    torch.manual_seed(0)
    net = DAMFFNet(width=1 / 8, lstm_hidden=4, lstm_layers=1, dropout=0.0).eval()
    x = torch.randn(1, 4, 1, 12, 8)
    x2 = x.clone()
    x2[0, 3] += 1.0
    with torch.no_grad():
        e, e2 = net.embed(x), net.embed(x2)
        y, y2 = net(x), net(x2)
    torch.testing.assert_close(e[0, :3], e2[0, :3])  # per-window embedding
    assert not torch.allclose(y[0, 0], y2[0, 0])  # ... but step 0 sees step 3 (backward LSTM)


def test_dual_attention_fusion_formulas():
    torch.manual_seed(0)
    a, b = torch.randn(3, 8, 5, 4), torch.randn(3, 8, 5, 4)
    daff = DualAttentionFusion(8, reduction=2).eval()
    w = daff.attention(a + b)
    assert w.shape == (3, 8, 5, 1) and ((w > 0) & (w < 1)).all()
    torch.testing.assert_close(daff(a, b), w * a + (1 - w) * b)
    channel_only = DualAttentionFusion(8, use_spatial_attention=False).eval()
    assert channel_only.attention(a + b).shape == (3, 8, 1, 1)
    none = DualAttentionFusion(8, use_channel_attention=False, use_spatial_attention=False)
    torch.testing.assert_close(none(a, b), (a + b) / 2)
    concat = DualAttentionFusion(8, use_fusion=False)
    assert concat.channel is None and concat.spatial is None
    assert concat(a, b).shape == a.shape
    # one value per channel in training (a single 1x1 map) falls back to running stats
    DualAttentionFusion(8).train()(a[:1, :, :1, :1], b[:1, :, :1, :1])


def test_hybrid_block_kernels():
    block = HybridConvBlock(1, 3)
    shapes = {name: tuple(br[0].kernel_size) for name, br in block.branches.items()}
    assert shapes == {"tf": (5, 5), "square": (3, 3), "time": (7, 1), "freq": (1, 7)}
    assert block(torch.randn(2, 1, 9, 6)).shape == (2, 12, 9, 6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"filters": ()}, "non-empty"),
        ({"filters": "time"}, "non-empty sequence"),
        ({"filters": ("time", "time")}, "distinct"),
        ({"filters": ("wide",)}, "distinct names"),
        ({"kernels": {"square": (2, 2)}, "filters": ("square",)}, "odd"),
        ({"width": 0}, "width"),
        ({"dropout": 1.0}, "dropout"),
        ({"lstm_layers": 0}, "lstm_layers"),
        ({"n_outputs": 0}, "n_outputs"),
    ],
)
def test_network_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DAMFFNet(**kwargs)


def test_network_bad_input_shape():
    net = DAMFFNet(width=1 / 16, lstm_hidden=2, lstm_layers=1)
    with pytest.raises(ValueError, match=r"\(n_clips, n_steps, 1, n_frames, n_mels\)"):
        net(torch.randn(2, 1, 10, 8))
    with pytest.raises(ValueError, match="got shape"):
        net(torch.randn(2, 3, 2, 10, 8))


def test_ccc_loss_matches_metric():
    torch.manual_seed(0)
    p, t = torch.randn(4, 6, 2), torch.randn(4, 6, 2)
    expected = 1 - ccc(t.numpy().astype(float), p.numpy().astype(float))
    assert CCCLoss()(p, t).item() == pytest.approx(expected, abs=1e-5)
    assert CCCLoss()(t, t).item() == pytest.approx(0.0, abs=1e-5)


# --------------------------------------------------------------------------- bad input


class _TrainSpy(Callback):
    started = []

    def on_train_begin(self, net, **kwargs):
        _TrainSpy.started.append(True)


def _bad_cases():
    X, y = windows()
    y_nan = y.copy()
    y_nan[2, 3, 1] = np.nan
    X_inf = X.copy()
    X_inf[1, 2, 0, 3, 4] = np.inf
    return [
        ("steps", X, y[:, :3], {}, ValueError,
         r"y has 3 steps per clip but X has 4 windows per clip; label k must belong to "
         r"window k: SlidingWindows puts label k at t_k = start \+ k \* hop"),
        ("y-nan", X, y_nan, {}, ValueError, r"y contains NaN \(first at clip 2, step 3\).*crop"),
        ("y-inf", X, np.where(np.isnan(y_nan), np.inf, y), {}, ValueError,
         "y contains infinity"),
        ("X-inf", X_inf, y, {}, ValueError, "X contains infinity"),
        ("X-logmel", X[:, :1, 0], y, {}, ValueError,
         r"one log-mel window per dynamic label; got a 4-D.*SlidingWindows"),
        ("X-2ch", np.concatenate([X, X], axis=2), y, {}, ValueError, "got a 5-D input"),
        ("X-sparse", sp.csr_matrix(X.reshape(6, -1)), y, {}, TypeError, "sparse"),
        ("y-static", X, y[:, 0, 0], {}, ValueError, r"\(n_clips, n_steps, n_dims\)"),
        ("y-none", X, None, {}, ValueError, "requires y"),
        ("rows", X, y[:5], {}, ValueError, "inconsistent numbers of samples"),
        ("filters", X, y, {"filters": ("dilated",)}, ValueError, "filters"),
        ("width", X, y, {"width": -1}, ValueError, "width"),
        ("milestones", X, y, {"lr_milestones": 3}, ValueError, "lr_milestones"),
        ("device", X, y, {"device": "tpu"}, ValueError, "device"),
    ]


@pytest.mark.parametrize(
    "X, y, params, exc, match", [c[1:] for c in _bad_cases()], ids=[c[0] for c in _bad_cases()]
)
def test_bad_input_rejected_before_training(X, y, params, exc, match):
    _TrainSpy.started.clear()
    reg = DAMFFRegressor(**{**TINY, **params}, callbacks=[("spy", _TrainSpy())])
    with pytest.raises(exc, match=match):
        reg.fit(X, y)
    assert not _TrainSpy.started
    assert not hasattr(reg, "module_")


# --------------------------------------------------------------------------- API


@pytest.fixture(scope="module")
def fitted():
    X, y = windows()
    return DAMFFRegressor(**TINY).fit(X, y), X, y


def test_predict_follows_y_and_steps(fitted):
    reg, X, y = fitted
    assert reg.input_shape_ == (4, 1, 12, 8) and reg.n_outputs_ == 2 and reg.y_ndim_ == 3
    assert isinstance(reg.module_, DAMFFNet) and reg.module_.n_outputs == 2
    # other numbers of steps and frames per window are fine at prediction
    assert reg.predict(X[:, :2]).shape == (6, 2, 2)
    assert reg.predict(np.zeros((2, 7, 1, 20, 8), np.float32)).shape == (2, 7, 2)
    with pytest.raises(ValueError, match="fitted with 8"):
        reg.predict(np.zeros((2, 4, 1, 12, 9), np.float32))
    reg1 = DAMFFRegressor(**TINY).fit(X, y[..., 1])
    assert reg1.n_outputs_ == 1 and reg1.predict(X).shape == (6, 4)
    expected = ccc(y[..., 1].ravel(), reg1.predict(X).ravel())
    assert reg1.score(X, y[..., 1]) == pytest.approx(expected)
    with pytest.raises(ValueError, match="target dimensions"):
        reg1.partial_fit(X, y)
    with pytest.raises(NotFittedError):
        DAMFFRegressor(**TINY).predict(X)
    assert not hasattr(reg, "predict_proba")


def test_score_is_mean_ccc(fitted):
    reg, X, y = fitted
    pred = reg.predict(X)
    expected = np.mean([ccc(y[..., d].ravel(), pred[..., d].ravel()) for d in range(2)])
    assert reg.score(X, y) == pytest.approx(expected)
    with pytest.raises(ValueError, match="shape"):
        reg.score(X, y[:, :3])


def test_parameters_reach_module():
    X, y = windows()
    reg = DAMFFRegressor(**{**TINY, "lstm_layers": 2, "lstm_hidden": 3}, filters=["time", "freq"],
                         reduction=2, use_spatial_attention=False).fit(X, y)
    net = reg.module_
    assert net.filters == ("time", "freq") and net.lstm.num_layers == 2
    assert net.lstm.hidden_size == 3 and net.fusion.spatial is None
    assert net.fusion.channel is not None
    reg.set_params(use_fusion=False).fit(X, y)
    assert reg.module_.fusion.concat is not None
    reg.set_params(criterion=CCCLoss).fit(X, y)
    assert np.isfinite(reg.history[-1, "train_loss"])


def test_defaults():
    p = DAMFFRegressor().get_params()
    assert p["width"] == 1.0 and tuple(p["filters"]) == ("tf", "square", "time", "freq")
    assert p["use_fusion"] and p["use_channel_attention"] and p["use_spatial_attention"]
    assert p["lr"] == 1e-3 and p["max_epochs"] == 50 and p["batch_size"] == 8
    assert p["optimizer"] is torch.optim.Adam and p["train_split"] is None
    assert p["device"] == "cpu" and "_params_to_validate" not in p
    tags = DAMFFRegressor().__sklearn_tags__()
    assert not tags.input_tags.two_d_array and tags.target_tags.multi_output


def test_lr_schedule_and_verbose(capsys):
    X, y = windows()
    reg = DAMFFRegressor(**{**TINY, "max_epochs": 3, "lr_milestones": (1,), "verbose": 1})
    reg.fit(X, y)
    assert reg.history[:, "event_lr"] == pytest.approx([1e-2, 5e-3, 5e-3])
    assert "train_loss" in capsys.readouterr().out
    assert reg.optimizer_.param_groups[0]["weight_decay"] == 1e-5


def test_pickle_joblib_clone_and_seed(fitted):
    reg, X, y = fitted
    expected = reg.predict(X)
    buf = io.BytesIO()
    joblib.dump(reg, buf)
    buf.seek(0)
    for loaded in (pickle.loads(pickle.dumps(reg)), joblib.load(buf)):
        np.testing.assert_array_equal(loaded.predict(X), expected)
        assert loaded.input_shape_ == reg.input_shape_
    c = clone(reg)
    assert not hasattr(c, "module_") and c.get_params()["width"] == reg.width
    state = torch.get_rng_state()
    again = DAMFFRegressor(**TINY).fit(X, y)
    assert torch.equal(torch.get_rng_state(), state)
    np.testing.assert_array_equal(again.predict(X), expected)
    other = DAMFFRegressor(**{**TINY, "random_state": 1}).fit(X, y)
    assert not np.allclose(other.predict(X), expected)


def test_device_auto():
    X, y = windows()
    reg = DAMFFRegressor(**{**TINY, "max_epochs": 1}, device="auto").fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(reg.module_.parameters()).device.type == expected
    assert reg.get_params()["device"] == "auto"
    loaded = pickle.loads(pickle.dumps(reg))
    assert loaded.device == "auto"
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))


def test_warm_start_and_partial_fit():
    X, y = windows()
    reg = DAMFFRegressor(**{**TINY, "max_epochs": 1})
    reg.partial_fit(X, y).partial_fit(X, y)
    assert len(reg.history) == 2
    reg.fit(X, y)
    assert len(reg.history) == 1


# --------------------------------------------------------------------------- sklearn checks
#
# The common checks use tabular X and 1-D/2-D y. As for ADFF (whose adapter is
# reused), an (n, f) matrix becomes an (n, 1, 32, 32) spectrogram; the adapter
# below makes that a one-window clip (n, 1 step, 1, 32, 32) and y of shape (n,)
# or (n, d) the labels of that single step, (n, 1) or (n, 1, d). Validation,
# fitting, prediction, cloning and pickling are DAMFF's own.


class _OneStepAdapter:
    @staticmethod
    def _clip(X):
        return X[:, None] if isinstance(X, np.ndarray) and X.ndim == 4 else X

    @staticmethod
    def _labels(y):
        y = np.asarray(y) if y is not None else y
        if y is None or y.ndim > 2:
            return y
        return y[:, None] if y.ndim == 1 else y[:, None, :]

    def fit(self, X, y, **fit_params):
        return super().fit(self._clip(X), self._labels(y), **fit_params)

    def partial_fit(self, X, y, **fit_params):
        return super().partial_fit(self._clip(X), self._labels(y), **fit_params)

    def predict(self, X):
        y = super().predict(self._clip(X))
        return y.reshape(y.shape[0], *y.shape[2:])

    def score(self, X, y, sample_weight=None):
        y = np.asarray(y, dtype=float)
        pred = self.predict(X)
        return float(ccc(y.reshape(len(y), -1), pred.reshape(len(pred), -1)))


class TabularDAMFFRegressor(_TabularAdapter, _OneStepAdapter, DAMFFRegressor):
    pass


EXPECTED_FAILED_CHECKS = {
    "check_no_attributes_set_in_init": (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and virtual_params_"
    ),
    "check_estimators_empty_data_messages": (
        "an (n, 0) matrix becomes an (n, 1, 1, 1, 0) window stack, rejected with DAMFF's own "
        "'empty axis' message instead of sklearn's '0 feature(s)'"
    ),
    "check_fit2d_predict1d": (
        "1-D X is rejected with DAMFF's own message asking for (n_clips, n_steps, 1, n_frames, "
        "n_mels) windows instead of sklearn's 'Reshape your data'"
    ),
}


#: Checks demanding predictions of a sample to agree to rtol=1e-7 whatever the
#: other samples of its batch. float32 oneDNN convolutions and MKL GEMMs pick
#: kernels by batch size, so a sample's outputs can move by ~1e-7 relative
#: between batch sizes (whether they do depends on the CPU). They are replaced
#: by test_batch_invariance_to_float_tolerance below.
FLOAT_TOLERANCE_CHECKS = ("check_methods_subset_invariance",
                          "check_methods_sample_order_invariance")


@parametrize_with_checks(
    [TabularDAMFFRegressor(**TINY)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
    **XFAIL_STRICT,
)
def test_sklearn_compatible_via_adapter(estimator, check):
    if getattr(check, "func", check).__name__ in FLOAT_TOLERANCE_CHECKS:
        pytest.skip("batch-size dependent float32 rounding; see FLOAT_TOLERANCE_CHECKS")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_batch_invariance_to_float_tolerance(fitted):
    """Predictions do not depend on the other clips of a batch or their order (to 1e-5)."""
    reg, X, _ = fitted
    full = reg.predict(X)
    single = np.concatenate([reg.predict(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(single, full, rtol=1e-5, atol=1e-6)
    order = np.random.default_rng(0).permutation(len(X))
    np.testing.assert_allclose(reg.predict(X[order]), full[order], rtol=1e-5, atol=1e-6)


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
        check("DAMFFRegressor", DAMFFRegressor(**TINY))
