"""Ready-made pipelines for comparisons: ADFF and the classic baselines.

Every pipeline here takes the same input -- audio file paths or
:class:`~skmer.audio.ClipSpec` windows (e.g. ``SegmentDataset.X``) -- and the
same targets, ``y`` of shape ``(n,)`` (one dimension) or ``(n, n_targets)``
(e.g. ``[valence, arousal]``), so one :func:`~sklearn.model_selection.cross_validate`
loop compares them all::

    from sklearn.model_selection import KFold, cross_validate
    from skmer.baselines import baseline_pipelines, make_adff_pipeline
    from skmer.metrics import mer_scoring

    models = {"ADFF": make_adff_pipeline(duration=10.0, preset="cpu"),
              **baseline_pipelines(duration=10.0)}
    for name, model in models.items():
        res = cross_validate(model, paths, y, cv=KFold(5), scoring=mer_scoring())

Baselines
---------
* **SVR** -- RBF support vector regression, one per target
  (:class:`PerTargetRegressor`), on standardised features;
* **Random forest** -- :class:`~sklearn.ensemble.RandomForestRegressor`
  (natively multi-output) on standardised features;
* **Mean** -- :class:`~sklearn.dummy.DummyRegressor`, the mean of the training
  targets: R² of about 0 by construction, the floor every model must beat.

Two feature sets are available for SVR and the forest:

* ``features='audio'``: :class:`~skmer.features.AudioFeatures`, 149 clip
  descriptors (MFCC, chroma, spectral shape, tempo ... mean and std);
* ``features='spectrogram'``: :class:`~skmer.features.LogMelTransformer`
  followed by :class:`~skmer.features.SpectrogramStats` -- summary statistics
  per Mel band of the same log-Mel input ADFF sees;
* ``features='musicnn'``: :class:`~skmer.pretrained.MusicnnEmbedding`, the
  pretrained MSD musicnn network's penultimate layer, mean and std over 3 s
  patches (400 values; needs ``pip install --no-deps musicnn``). It reads the
  whole input window (``duration`` does not apply).

:func:`make_musicnn_baseline` puts ridge, SVR, logistic regression or SVC on
any musicnn embedding.

Pass a ``memory`` folder to cache decoded audio across folds and models.

The deep models' factories -- :func:`make_adff_pipeline` (with its presets),
:func:`make_damff_pipeline` and :func:`make_tagger_pipeline` -- are written in
``skmer._deep_pipelines`` and public here, so that the benchmarks, the CLI and
the docs build every compared pipeline from one namespace.
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, RegressorMixin, clone
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVR
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from ._deep_pipelines import (
    CPU_PRESET,
    CPU_REGRESSION,
    DAMFF_CPU_PRESET,
    PRESET_FRONT_END,
    SCRATCH_PRESET,
    make_adff_pipeline,
    make_damff_pipeline,
    make_tagger_pipeline,
)
from ._validation import StrOptions, validate_arguments

__all__ = [
    "CLASSIFIERS",
    "CPU_PRESET",
    "CPU_REGRESSION",
    "DAMFF_CPU_PRESET",
    "PRESET_FRONT_END",
    "SCRATCH_PRESET",
    "PerTargetRegressor",
    "baseline_pipelines",
    "make_adff_pipeline",
    "make_classifier_baseline",
    "make_damff_pipeline",
    "make_mean_baseline",
    "make_musicnn_baseline",
    "make_rf_baseline",
    "make_svr_baseline",
    "make_tagger_pipeline",
]

_FEATURES = ("audio", "spectrogram")
_ALL_FEATURES = (*_FEATURES, "musicnn")  # musicnn needs the optional musicnn package

class PerTargetRegressor(MetaEstimatorMixin, RegressorMixin, BaseEstimator):
    """Fit one clone of a single-output regressor per target column.

    Like :class:`~sklearn.multioutput.MultiOutputRegressor`, but also accepts a
    1-D ``y`` (then it is a plain wrapper), so the same pipeline serves
    single-dimension (valence only) and multi-dimension targets.

    Parameters
    ----------
    estimator : regressor
        Single-output regressor, e.g. :class:`~sklearn.svm.SVR`.

    Attributes
    ----------
    estimators_ : list of regressors
        One fitted clone per target column (one in all for 1-D ``y``).
    n_outputs_ : int
        Number of target columns seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.svm import SVR
    >>> X = np.arange(10.0)[:, None]
    >>> PerTargetRegressor(SVR()).fit(X, np.c_[X, -X]).predict(X).shape
    (10, 2)
    >>> PerTargetRegressor(SVR()).fit(X, X.ravel()).predict(X).shape
    (10,)
    """

    def __init__(self, estimator):
        self.estimator = estimator

    def fit(self, X, y, **fit_params):
        """Fit one clone of ``estimator`` per column of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
        **fit_params : dict
            Passed to every clone's ``fit``.

        Returns
        -------
        self : PerTargetRegressor
        """
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None"
            )
        y = np.asarray(y)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be of shape (n,) or (n, n_targets), got shape {y.shape}")
        if y.ndim == 2 and y.shape[1] == 0:
            raise ValueError("y has no target columns")
        self._y_1d = y.ndim == 1
        columns = [y] if self._y_1d else [y[:, j] for j in range(y.shape[1])]
        self.estimators_ = [clone(self.estimator).fit(X, c, **fit_params) for c in columns]
        self.n_outputs_ = len(columns)
        first = self.estimators_[0]
        if hasattr(first, "n_features_in_"):
            self.n_features_in_ = first.n_features_in_
        return self

    def predict(self, X):
        """Predict every target.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
            1-D exactly when ``y`` was 1-D in ``fit``.
        """
        check_is_fitted(self, "estimators_")
        preds = [np.asarray(e.predict(X), dtype=np.float64) for e in self.estimators_]
        if self._y_1d:
            return preds[0]
        return np.column_stack(preds)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.input_tags.sparse = inner.input_tags.sparse
        tags.input_tags.allow_nan = inner.input_tags.allow_nan
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags


def _check_features(features, caller="skmer.baselines"):
    validate_arguments({"features": [StrOptions(set(_ALL_FEATURES))]}, {"features": features},
                       caller)


def _feature_steps(features, duration, sr, memory, n_jobs, n_mels):
    """Pipeline steps turning paths / ClipSpecs into a 2-D feature matrix."""
    from .features import AudioFeatures, LogMelTransformer, SpectrogramStats

    _check_features(features)
    if features == "audio":
        return [("features", AudioFeatures(sr=22050 if sr is None else sr, duration=duration,
                                           memory=memory, n_jobs=n_jobs))]
    if features == "musicnn":
        from .pretrained.embedding import MusicnnEmbedding

        return [("features", MusicnnEmbedding(memory=memory, n_jobs=n_jobs))]
    return [
        ("mel", LogMelTransformer(sr=44100 if sr is None else sr, n_mels=n_mels,
                                  duration=duration, memory=memory, n_jobs=n_jobs)),
        ("stats", SpectrogramStats()),
    ]


def make_svr_baseline(features="audio", *, duration=20.0, sr=None, memory=None, n_jobs=None,
                      n_mels=128, C=1.0, epsilon=0.1, gamma="scale"):
    """SVR baseline: features -> StandardScaler -> one RBF SVR per target.

    Parameters
    ----------
    features : {'audio', 'spectrogram', 'musicnn'}, default='audio'
        ``'audio'``: :class:`~skmer.features.AudioFeatures` (149 descriptors);
        ``'spectrogram'``: :class:`~skmer.features.LogMelTransformer` +
        :class:`~skmer.features.SpectrogramStats`; ``'musicnn'``:
        :class:`~skmer.pretrained.MusicnnEmbedding` (pretrained, 400 values).
    duration : float or None, default=20.0
        Seconds of audio per input (cropped or zero-padded), as for ADFF.
    sr : int or None, default=None
        Sampling rate in Hz; None: 22050 for ``'audio'``, 44100 (the paper's)
        for ``'spectrogram'``.
    memory : str, path or joblib.Memory, optional
        Feature cache shared across folds and models.
    n_jobs : int or None
        Parallel feature extraction (joblib semantics).
    n_mels : int, default=128
        Mel bands (``'spectrogram'`` only).
    C, epsilon, gamma
        :class:`~sklearn.svm.SVR` parameters (targets in [-1, 1]).

    Returns
    -------
    Pipeline
        Steps ``features`` (or ``mel``, ``stats``), ``scale``, ``model``; input
        paths or ClipSpecs, output of the shape of ``y``.
    """
    steps = _feature_steps(features, duration, sr, memory, n_jobs, n_mels)
    return Pipeline([*steps, ("scale", StandardScaler()),
                     ("model", PerTargetRegressor(SVR(C=C, epsilon=epsilon, gamma=gamma)))])


def make_rf_baseline(features="audio", *, duration=20.0, sr=None, memory=None, n_jobs=None,
                     n_mels=128, n_estimators=200, min_samples_leaf=1, random_state=None):
    """Random-forest baseline: features -> StandardScaler -> RandomForestRegressor.

    The forest is multi-output natively (one forest for all targets).

    Parameters
    ----------
    features, duration, sr, memory, n_mels
        As in :func:`make_svr_baseline`.
    n_jobs : int or None
        Used for feature extraction and for the forest.
    n_estimators, min_samples_leaf, random_state
        :class:`~sklearn.ensemble.RandomForestRegressor` parameters.

    Returns
    -------
    Pipeline
        Steps ``features`` (or ``mel``, ``stats``), ``scale``, ``model``.
    """
    steps = _feature_steps(features, duration, sr, memory, n_jobs, n_mels)
    forest = RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=min_samples_leaf,
                                   random_state=random_state, n_jobs=n_jobs)
    return Pipeline([*steps, ("scale", StandardScaler()), ("model", forest)])


#: Classifiers of :func:`make_classifier_baseline`.
CLASSIFIERS = ("svc", "logreg", "rf")


def make_classifier_baseline(model="svc", features="audio", *, duration=20.0, sr=None,
                             memory=None, n_jobs=None, n_mels=128, C=1.0, n_estimators=300,
                             class_weight=None, random_state=None):
    """Classification baseline: features -> StandardScaler -> SVC, logistic regression or RF.

    For emotion categories (e.g. the four V-A quadrants of
    :func:`~skmer.datasets.load_4q`, or binary valence / arousal), next to
    :class:`~skmer.estimators.ADFFClassifier`.

    Parameters
    ----------
    model : {'svc', 'logreg', 'rf'}, default='svc'
        :class:`~sklearn.svm.SVC` (RBF kernel, ``probability=False``),
        :class:`~sklearn.linear_model.LogisticRegression` (L2, ``max_iter=2000``)
        or :class:`~sklearn.ensemble.RandomForestClassifier`.
    features, duration, sr, memory, n_jobs, n_mels
        As in :func:`make_svr_baseline`.
    C : float, default=1.0
        Inverse regularisation strength of the SVC and the logistic regression.
    n_estimators : int, default=300
        Trees of the random forest.
    class_weight : None, 'balanced' or dict, default=None
        Passed to the classifier.
    random_state : int or None
        Seed of the forest (the SVC and logistic regression are deterministic).

    Returns
    -------
    Pipeline
        Steps ``features`` (or ``mel``, ``stats``), ``scale``, ``model``.
    """
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import SVC

    validate_arguments({"model": [StrOptions(set(CLASSIFIERS))]}, {"model": model},
                       "make_classifier_baseline")
    steps = _feature_steps(features, duration, sr, memory, n_jobs, n_mels)
    if model == "svc":
        clf = SVC(C=C, class_weight=class_weight)
    elif model == "logreg":
        clf = LogisticRegression(C=C, max_iter=2000, class_weight=class_weight)
    else:
        clf = RandomForestClassifier(n_estimators=n_estimators, class_weight=class_weight,
                                     random_state=random_state, n_jobs=n_jobs)
    return Pipeline([*steps, ("scale", StandardScaler()), ("model", clf)])


def make_mean_baseline():
    """Constant baseline: always predicts the mean of the training targets.

    Reads no audio (:class:`~sklearn.dummy.DummyRegressor` ignores ``X``), so
    it costs nothing; its R² on held-out data is about 0 (slightly negative).

    Returns
    -------
    Pipeline
        One step, ``model``.
    """
    return Pipeline([("model", DummyRegressor(strategy="mean"))])


def make_musicnn_baseline(estimator="ridge", *, model="MSD_musicnn", layer="penultimate",
                          pooling="mean+std", memory=None, n_jobs=None, device="cpu", C=1.0,
                          alpha=1.0):
    """A linear or kernel model on pretrained musicnn embeddings.

    Parameters
    ----------
    estimator : {'ridge', 'svr', 'logistic', 'svc'}, default='ridge'
        Regression (:class:`~sklearn.linear_model.Ridge`, multi-output; one
        RBF :class:`~sklearn.svm.SVR` per target) or classification
        (:class:`~sklearn.linear_model.LogisticRegression`, RBF
        :class:`~sklearn.svm.SVC`, e.g. for 4Q quadrants).
    model, layer, pooling : str
        :class:`~skmer.pretrained.MusicnnEmbedding` parameters.
    memory : str, path or joblib.Memory, optional
        Cache of the network outputs per file (any layer or pooling reuses it).
    n_jobs : int or None
        Parallel extraction.
    device : str, default='cpu'
        Torch device of the network.
    C : float, default=1.0
        Inverse regularisation of ``'svr'``, ``'logistic'`` and ``'svc'``.
    alpha : float, default=1.0
        Ridge penalty (``'ridge'``).

    Returns
    -------
    Pipeline
        Steps ``features``, ``scale``, ``model``; input paths or ClipSpecs.

    Examples
    --------
    >>> from skmer.baselines import make_musicnn_baseline
    >>> clf = make_musicnn_baseline("svc", memory="cache")  # doctest: +SKIP
    >>> clf.fit(paths, quadrants)  # doctest: +SKIP
    """
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.svm import SVC

    from .pretrained.embedding import MusicnnEmbedding

    heads = {
        "ridge": lambda: Ridge(alpha=alpha),
        "svr": lambda: PerTargetRegressor(SVR(C=C)),
        "logistic": lambda: LogisticRegression(C=C, max_iter=2000),
        "svc": lambda: SVC(C=C),
    }
    validate_arguments({"estimator": [StrOptions(set(heads))]}, {"estimator": estimator},
                       "make_musicnn_baseline")
    features = MusicnnEmbedding(model=model, layer=layer, pooling=pooling, memory=memory,
                                n_jobs=n_jobs, device=device)
    return Pipeline([("features", features), ("scale", StandardScaler()),
                     ("model", heads[estimator]())])


def baseline_pipelines(features=_FEATURES, *, duration=20.0, sr=None, memory=None, n_jobs=None,
                       n_mels=128, random_state=None, include_mean=True):
    """All baselines in a dict, ready for a comparison loop.

    Parameters
    ----------
    features : str or sequence of {'audio', 'spectrogram', 'musicnn'}, default=both
        Feature sets to build SVR and random-forest baselines on (default:
        ``'audio'`` and ``'spectrogram'``; ``'musicnn'`` needs the musicnn package).
    duration, sr, memory, n_jobs, n_mels
        As in :func:`make_svr_baseline`.
    random_state : int or None
        Seed of the forests.
    include_mean : bool, default=True
        Add the constant-mean baseline under ``'Mean'``.

    Returns
    -------
    dict of str -> Pipeline
        Keys ``'SVR (audio features)'``, ``'RF (audio features)'``,
        ``'SVR (spectrogram stats)'``, ``'RF (spectrogram stats)'``,
        ``'SVR (musicnn embeddings)'``, ``'RF (musicnn embeddings)'``, ``'Mean'``
        (those selected).
    """
    if isinstance(features, str):
        features = (features,)
    label = {"audio": "audio features", "spectrogram": "spectrogram stats",
             "musicnn": "musicnn embeddings"}
    common = dict(duration=duration, sr=sr, memory=memory, n_jobs=n_jobs, n_mels=n_mels)
    models = {}
    for f in features:
        _check_features(f)
        models[f"SVR ({label[f]})"] = make_svr_baseline(f, **common)
        models[f"RF ({label[f]})"] = make_rf_baseline(f, random_state=random_state, **common)
    if include_mean:
        models["Mean"] = make_mean_baseline()
    return models
