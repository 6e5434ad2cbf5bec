"""skmer.plotting with the Agg backend: files are written and the axes hold the data."""

import sys

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import FunctionTransformer  # noqa: E402
from skorch.dataset import ValidSplit  # noqa: E402

from skmer.estimators import ADFFRegressor, va_to_quadrant  # noqa: E402
from skmer.plotting import (  # noqa: E402
    QUADRANT_NAMES,
    plot_seg_num_tradeoff,
    plot_training_curves,
    plot_va_plane,
)


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    """Tiny nets train far faster on one thread when the cores are shared."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _saved(ax, path):
    ax.figure.savefig(path)
    assert path.stat().st_size > 1000
    return path


@pytest.fixture(scope="module")
def fitted_adff():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 1, 32, 32)).astype(np.float32)
    y = rng.uniform(-1, 1, size=(12, 2))
    net = ADFFRegressor(width=1 / 16, lr=1e-3, batch_size=4, max_epochs=3, lr_milestones=None,
                        train_split=ValidSplit(3), random_state=0, verbose=0)
    return net.fit(X, y), X, y


def test_va_plane(tmp_path):
    y = np.array([[0.5, 0.6], [-0.4, 0.3], [-0.2, -0.7], [0.8, -0.1]])
    pred = y * 0.5
    ax = plot_va_plane(y, pred, labels=["a", "b", "c", "d"])
    true_pts, pred_pts, lines = ax.collections
    np.testing.assert_allclose(true_pts.get_offsets(), y)
    np.testing.assert_allclose(pred_pts.get_offsets(), pred)
    segments = lines.get_segments()
    assert len(segments) == 4
    for seg, t, p in zip(segments, y, pred):
        np.testing.assert_allclose(seg, [t, p])
    texts = {t.get_text() for t in ax.texts}
    assert set(QUADRANT_NAMES.values()) <= texts and {"a", "d"} <= texts
    assert ax.get_xlim() == pytest.approx((-1.05, 1.05))
    _saved(ax, tmp_path / "va.png")


def test_quadrant_texts_follow_va_to_quadrant():
    ax = plot_va_plane(np.array([[0.1, 0.1], [-0.1, -0.1]]))
    assert len(ax.collections) == 1
    for text in ax.texts:
        q = int(text.get_text()[1])
        assert va_to_quadrant([text.get_position()])[0] == q


def test_va_plane_threshold_and_existing_axes():
    fig, axes = plt.subplots(1, 2)
    y = np.array([[0.2, 0.9], [0.7, 0.1]])
    ax = plot_va_plane(y, ax=axes[1], threshold=0.5)
    assert ax is axes[1] and ax.get_xlim() == pytest.approx((0.5 - 0.525, 0.5 + 0.525))
    assert ax.lines[0].get_ydata()[0] == 0.5  # the horizontal quadrant line


def test_va_plane_errors():
    y = np.zeros((3, 2))
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot_va_plane(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="different shapes"):
        plot_va_plane(y, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="NaN"):
        plot_va_plane(y, np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="labels"):
        plot_va_plane(y, labels=["a"])


def test_training_curves(fitted_adff, tmp_path):
    net, X, y = fitted_adff
    ax = plot_training_curves(net)
    lines = {line.get_label(): line for line in ax.lines}
    assert set(lines) == {"train loss", "valid loss"}
    np.testing.assert_allclose(lines["train loss"].get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(lines["train loss"].get_ydata(), net.history[:, "train_loss"])
    np.testing.assert_allclose(lines["valid loss"].get_ydata(), net.history[:, "valid_loss"])
    _saved(ax, tmp_path / "curves.png")


def test_training_curves_pipeline_and_search(fitted_adff):
    net, X, y = fitted_adff
    pipe = Pipeline([("id", FunctionTransformer()), ("adff", net.set_params(max_epochs=2))])
    pipe.fit(X, y)
    ax = plot_training_curves(pipe, log_y=True)
    assert ax.get_yscale() == "log"
    assert len(ax.lines[0].get_xdata()) == 2
    search = GridSearchCV(pipe, {"adff__max_epochs": [1]}, cv=2).fit(X, y)
    assert len(plot_training_curves(search).lines[0].get_xdata()) == 1


def test_training_curves_without_validation_split():
    class Fake:
        history_ = [{"epoch": 1, "train_loss": 0.5}, {"epoch": 2, "train_loss": 0.3}]

    ax = plot_training_curves(Fake())
    assert [line.get_label() for line in ax.lines] == ["train loss"]
    with pytest.raises(ValueError, match="no training history"):
        plot_training_curves(ADFFRegressor())
    with pytest.raises(ValueError, match="no training history"):
        plot_training_curves(object())


def test_seg_num_tradeoff(tmp_path):
    seg = [1, 2, 4, 6, 8]
    r2v = [0.45, 0.40, 0.42, 0.44, 0.38]
    r2a = [0.62, 0.61, 0.63, 0.64, 0.60]
    times = [4.99, 1.52, 0.76, 0.51, 0.40]
    ax = plot_seg_num_tradeoff(seg, {"valence": r2v, "arousal": r2a}, times)
    by_label = {line.get_label(): line for line in ax.lines}
    np.testing.assert_allclose(by_label["valence"].get_xdata(), seg)
    np.testing.assert_allclose(by_label["arousal"].get_ydata(), r2a)
    twins = [a for a in ax.figure.axes if a is not ax]
    assert len(twins) == 1
    np.testing.assert_allclose(twins[0].lines[0].get_ydata(), times)
    assert twins[0].get_ylabel() == "training time (s)"
    _saved(ax, tmp_path / "tradeoff.png")

    single = plot_seg_num_tradeoff(seg, r2v, times, score_label="RMSE")
    assert single.get_ylabel() == "RMSE" and single.lines[0].get_label() == "RMSE"


def test_seg_num_tradeoff_errors():
    with pytest.raises(ValueError, match="one value per seg_num"):
        plot_seg_num_tradeoff([1, 2], [0.1], [1.0, 2.0])
    with pytest.raises(ValueError, match="one value per seg_num"):
        plot_seg_num_tradeoff([1, 2], [0.1, 0.2], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        plot_seg_num_tradeoff([1, 2], [0.1, np.nan], [1.0, 2.0])


def test_missing_matplotlib_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_va_plane(np.zeros((2, 2)))
