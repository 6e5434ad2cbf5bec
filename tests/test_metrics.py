"""skmer.metrics: reference values, properties, shapes, errors and scorers."""

import pickle
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.stats import pearsonr
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.metrics import mean_squared_error, r2_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from skmer.metrics import (
    MER_SCORERS,
    ccc,
    dimension_scorer,
    mer_report,
    mer_scoring,
    pcc,
    r2,
    rmse,
)


def lin_ccc(t, p):
    """Lin (1989) with population moments, written out independently."""
    t, p = np.asarray(t, float), np.asarray(p, float)
    s_tp = np.mean((t - t.mean()) * (p - p.mean()))
    return 2 * s_tp / (np.var(t) + np.var(p) + (t.mean() - p.mean()) ** 2)


@pytest.fixture
def va():
    rng = np.random.default_rng(0)
    t = rng.uniform(-1, 1, size=(50, 2))
    p = 0.7 * t + rng.normal(0, 0.3, size=t.shape) + [0.1, -0.05]
    return t, p


# ------------------------------------------------------------------- reference formulas
def test_against_references(va):
    t, p = va
    for d in range(2):
        assert pcc(t[:, d], p[:, d]) == pytest.approx(pearsonr(t[:, d], p[:, d])[0], abs=1e-12)
        assert ccc(t[:, d], p[:, d]) == pytest.approx(lin_ccc(t[:, d], p[:, d]), abs=1e-12)
    np.testing.assert_allclose(r2(t, p, multioutput="raw_values"),
                               r2_score(t, p, multioutput="raw_values"), atol=1e-12)
    np.testing.assert_allclose(
        rmse(t, p, multioutput="raw_values"),
        np.sqrt(mean_squared_error(t, p, multioutput="raw_values")), atol=1e-12)
    assert r2(t, p) == pytest.approx(r2_score(t, p))


def test_known_values():
    assert ccc([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]) == pytest.approx(4 / 7)  # 2*(2/3)/(4/3+1)
    assert pcc([1.0, 2.0, 3.0], [2.0, 3.0, 4.0]) == pytest.approx(1.0)
    assert rmse([0.0, 0.0], [3.0, -4.0]) == pytest.approx(np.sqrt(12.5))
    assert ccc([1.0, 2.0, 3.0], [3.0, 2.0, 1.0]) == pytest.approx(-1.0)
    assert isinstance(ccc([1.0, 2.0], [1.0, 2.5]), float)


def test_multioutput_modes(va):
    t, p = va
    for fn in (r2, rmse, pcc, ccc):
        raw = fn(t, p, multioutput="raw_values")
        assert raw.shape == (2,)
        assert fn(t, p) == pytest.approx(raw.mean())
        assert fn(t, p, multioutput=[3, 1]) == pytest.approx(0.75 * raw[0] + 0.25 * raw[1])
        # one 1-D column gives the same as the column of a 2-D call
        assert fn(t[:, 1], p[:, 1]) == pytest.approx(raw[1])
        assert fn(t[:, :1], p[:, :1], multioutput="raw_values").shape == (1,)


def test_dynamic_curves_are_flattened(va):
    t, p = va  # 50 frames -> 5 clips x 10 steps
    t3, p3 = t.reshape(5, 10, 2), p.reshape(5, 10, 2)
    for fn in (r2, rmse, pcc, ccc):
        np.testing.assert_allclose(fn(t3, p3, multioutput="raw_values"),
                                   fn(t, p, multioutput="raw_values"))


def test_constant_cases():
    t = np.array([0.1, 0.4, -0.2, 0.7])
    const = np.full(4, 0.1)
    with pytest.warns(RuntimeWarning, match="undefined"):
        assert np.isnan(pcc(t, const))
    assert ccc(t, const) == pytest.approx(0.0, abs=1e-15)
    assert ccc(const, const) == 1.0
    assert r2(const, const) == 1.0
    # a constant column does not spoil the other one under raw_values
    with pytest.warns(RuntimeWarning):
        out = pcc(np.c_[t, t], np.c_[const, t], multioutput="raw_values")
    assert np.isnan(out[0]) and out[1] == pytest.approx(1.0)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("fn", [r2, rmse, pcc, ccc])
def test_errors(fn):
    t = np.zeros((4, 2)) + np.arange(4)[:, None]
    with pytest.raises(ValueError, match="different shapes"):
        fn(t, t[:, :1])
    with pytest.raises(ValueError, match="different shapes"):
        fn(t, t.T)
    bad = t.copy()
    bad[1, 0] = np.nan
    with pytest.raises(ValueError, match="y_pred contains 1 NaN"):
        fn(t, bad)
    with pytest.raises(ValueError, match="y_true contains 1 NaN or infinite"):
        fn(np.where(np.isnan(bad), np.inf, t), t)
    with pytest.raises(ValueError, match="must have shape"):
        fn(np.zeros((2, 2, 2, 2)), np.zeros((2, 2, 2, 2)))
    with pytest.raises(ValueError, match="multioutput"):
        fn(t, t, multioutput="variance_weighted")
    with pytest.raises(ValueError, match="weights must have shape"):
        fn(t, t, multioutput=[1, 2, 3])
    with pytest.raises(ValueError, match="numeric"):
        fn(["a", "b"], ["c", "d"])


@pytest.mark.parametrize("fn", [r2, pcc, ccc])
def test_one_sample_is_an_error(fn):
    with pytest.raises(ValueError, match="at least two samples"):
        fn([0.5], [0.2])


# ------------------------------------------------------------------ property tests
finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
pairs = st.integers(min_value=3, max_value=40).flatmap(
    lambda n: st.tuples(arrays(np.float64, n, elements=finite),
                        arrays(np.float64, n, elements=finite)))


def _spread(a):
    return np.std(a) > 1e-3


@settings(max_examples=200, deadline=None)
@given(pair=pairs)
def test_ccc_bounded_by_pcc_and_symmetric(pair):
    t, p = pair
    assume(_spread(t) and _spread(p))
    c, r = ccc(t, p), pcc(t, p)
    assert -1.0 <= c <= 1.0 and -1.0 <= r <= 1.0
    assert abs(c) <= abs(r) + 1e-9
    assert np.sign(c) == np.sign(r) or abs(c) < 1e-9
    assert ccc(p, t) == pytest.approx(c, abs=1e-12)
    assert pcc(p, t) == pytest.approx(r, abs=1e-12)
    assert rmse(p, t) == pytest.approx(rmse(t, p))


@settings(max_examples=100, deadline=None)
@given(t=arrays(np.float64, st.integers(2, 40), elements=finite))
def test_ccc_of_identical_series_is_one(t):
    assert ccc(t, t) == 1.0
    assert rmse(t, t) == 0.0


@settings(max_examples=200, deadline=None)
@given(pair=pairs, a=st.floats(0.1, 10.0), b=st.floats(-5.0, 5.0))
def test_pcc_invariant_to_positive_affine_maps(pair, a, b):
    t, p = pair
    assume(_spread(t) and _spread(p))
    assert pcc(t, a * p + b) == pytest.approx(pcc(t, p), abs=1e-9)
    assert pcc(t, -a * p + b) == pytest.approx(-pcc(t, p), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(t=arrays(np.float64, st.integers(3, 40), elements=finite),
       a=st.floats(0.1, 10.0), b=st.floats(-5.0, 5.0))
def test_ccc_not_invariant_to_affine_maps(t, a, b):
    assume(_spread(t))
    assume(abs(a - 1) > 1e-3 or abs(b) > 1e-3)
    # a biased or rescaled copy is perfectly correlated but not concordant
    assert pcc(t, a * t + b) == pytest.approx(1.0)
    assert ccc(t, a * t + b) < 1.0 - 1e-9
    assert ccc(t, a * t + b) == pytest.approx(lin_ccc(t, a * t + b), abs=1e-9)


# ------------------------------------------------------------------------- report
def test_mer_report(va):
    t, p = va
    rep = mer_report(t, p)
    assert set(rep) == {f"{m}{s}" for m in ("r2", "rmse", "pcc", "ccc")
                        for s in ("", "_valence", "_arousal")}
    assert rep["r2_valence"] == pytest.approx(r2_score(t[:, 0], p[:, 0]))
    assert rep["rmse"] > 0  # reported as is, not negated
    assert mer_report(t[:, 0], p[:, 0], target_names="valence", metrics=["ccc"]) == {
        "ccc_valence": pytest.approx(rep["ccc_valence"]), "ccc": pytest.approx(rep["ccc_valence"])}
    with pytest.raises(ValueError, match="target_names"):
        mer_report(t, p, target_names=("valence",))
    with pytest.raises(ValueError, match="unknown metric"):
        mer_report(t, p, metrics=["mae"])


# ------------------------------------------------------------------------- scorers
@pytest.fixture
def regression_data():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 4))
    y = np.c_[X[:, 0] - 0.5 * X[:, 1], X[:, 2]] + rng.normal(0, 0.3, size=(60, 2))
    return X, y


def test_scorer_keys():
    assert set(MER_SCORERS) == {
        "r2", "r2_valence", "r2_arousal", "neg_rmse", "neg_rmse_valence", "neg_rmse_arousal",
        "pcc", "pcc_valence", "pcc_arousal", "ccc", "ccc_valence", "ccc_arousal"}
    assert set(mer_scoring(("v",), metrics=["r2"], average=False)) == {"r2_v"}
    with pytest.raises(ValueError, match="unique"):
        mer_scoring(("a", "a"))
    with pytest.raises(ValueError, match="unknown metric"):
        mer_scoring(metrics=["mae"])
    with pytest.raises(ValueError, match="dim"):
        dimension_scorer("r2", -1)


def test_scorers_match_metrics(regression_data):
    X, y = regression_data
    model = LinearRegression().fit(X, y)
    p = model.predict(X)
    for name, scorer in MER_SCORERS.items():
        metric, _, dim = name.removeprefix("neg_").partition("_")
        fn = {"r2": r2, "rmse": rmse, "pcc": pcc, "ccc": ccc}[metric]
        expected = fn(y, p) if not dim else fn(y[:, ("valence", "arousal").index(dim)],
                                               p[:, ("valence", "arousal").index(dim)])
        sign = -1 if name.startswith("neg_") else 1
        assert scorer(model, X, y) == pytest.approx(sign * expected), name


def test_cross_validate_and_pickle(regression_data):
    X, y = regression_data
    res = cross_validate(Ridge(), X, y, cv=KFold(3), scoring=MER_SCORERS)
    assert res["test_r2_valence"].shape == (3,)
    assert np.all(res["test_neg_rmse_arousal"] < 0)
    assert np.all(res["test_ccc_valence"] > 0.5)
    np.testing.assert_allclose(res["test_r2"], (res["test_r2_valence"] +
                                                res["test_r2_arousal"]) / 2)
    pickle.loads(pickle.dumps(MER_SCORERS))  # usable with n_jobs > 1


def test_constant_model_gives_nan_pcc_only(regression_data):
    X, y = regression_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = cross_validate(DummyRegressor(), X, y, cv=KFold(3), scoring=MER_SCORERS)
    assert np.all(np.isnan(res["test_pcc_valence"]))
    np.testing.assert_allclose(res["test_ccc_valence"], 0.0, atol=1e-12)
    assert np.all(res["test_r2_valence"] <= 0)


def test_grid_search_refit_on_one_dimension(regression_data):
    X, y = regression_data
    search = GridSearchCV(Ridge(), {"alpha": [0.01, 1e4]}, cv=KFold(3),
                          scoring=MER_SCORERS, refit="r2_valence").fit(X, y)
    assert search.best_params_ == {"alpha": 0.01}
    assert "mean_test_neg_rmse_valence" in search.cv_results_


def test_single_target_scoring(regression_data):
    X, y = regression_data
    scoring = mer_scoring(target_names=("valence",))
    res = cross_validate(Ridge(), X, y[:, 0], cv=KFold(3), scoring=scoring)
    np.testing.assert_allclose(res["test_r2_valence"], res["test_r2"])
    with pytest.raises(ValueError, match="dimension 1"):
        dimension_scorer("r2", 1)(Ridge().fit(X, y[:, 0]), X, y[:, 0])
    with pytest.raises(ValueError, match="dimension 2"):
        dimension_scorer("r2", 2)(Ridge().fit(X, y), X, y)
