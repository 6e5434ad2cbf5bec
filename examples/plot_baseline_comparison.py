"""
ADFF against classic baselines
==============================

A deep model is only worth its training time if it beats simple baselines on the same
data. :mod:`skmer.baselines` builds them as pipelines that take the same input as ADFF
(audio file paths) and the same ``[valence, arousal]`` targets, so one
:func:`~sklearn.model_selection.cross_validate` loop compares them all:

* **ADFF**: :func:`~skmer.baselines.make_adff_pipeline` with the ``'scratch'`` preset
  (the whole network trained from the log-Mel at CPU scale: ``width=1/8``, AdamW
  one-cycle), so that every model here sees the same log-Mel spectrograms. On real music
  use the ``'cpu'`` preset, ADFF's head on musicnn's pretrained levels (it needs
  ``pip install --no-deps musicnn``; see the README's table);
* **SVR** and **random forest** on per-band statistics of the *same* log-Mel
  spectrograms (:class:`~skmer.features.SpectrogramStats`: mean, standard deviation and
  frame-to-frame change of each Mel band);
* **Mean**: always predicts the mean of the training targets, R² of about 0 by
  construction. Every model must beat it.

All models share one feature cache, so each file is decoded once for all models and
folds, and all are scored on the same folds with :func:`~skmer.metrics.mer_scoring`.
"""

# %%
# Setup
# -----
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import KFold, cross_validate

from skmer.baselines import baseline_pipelines, make_adff_pipeline
from skmer.datasets import make_music_emotion
from skmer.metrics import mer_scoring

# Sizes: clips, seconds per clip, epochs (SKMER_DOCS_TINY=1: a tiny run for the docs test).
TINY = os.environ.get("SKMER_DOCS_TINY") == "1"
N_CLIPS, DURATION, EPOCHS = (9, 2.0, 1) if TINY else (60, 6.0, 15)

torch.set_num_threads(1)
torch.manual_seed(0)
workdir = Path(tempfile.mkdtemp(prefix="skmer-baselines-"))
cache = workdir / "cache"

data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, random_state=0,
                          data_home=workdir)

# %%
# The models
# ----------
# ``baseline_pipelines(features='spectrogram')`` builds the SVR, random-forest and mean
# baselines; ``features='audio'`` would use :class:`~skmer.features.AudioFeatures`
# (MFCC, chroma, tempo, ... 149 descriptors computed with librosa) instead, a stronger
# but slower front end. The files are at 22050 Hz, the ``'scratch'`` preset's rate.
models = {
    "ADFF": make_adff_pipeline(seg_num=2 if TINY else 4, duration=DURATION, preset="scratch",
                               memory=cache,
                               random_state=0, max_epochs=EPOCHS),
    **baseline_pipelines(features="spectrogram", duration=DURATION, sr=22050,
                         memory=cache, random_state=0),
}
for name, model in models.items():
    print(f"{name:25s} steps: {[step for step, _ in model.steps]}")

# %%
# Cross-validation
# ----------------
# Three folds, the same for every model. ``mer_scoring`` gives one scorer per metric and
# dimension (``'r2_valence'``, ``'ccc_arousal'``, ...); RMSE scorers are negated
# (``'neg_rmse_valence'``), as scikit-learn maximises scores. PCC is left out: it is
# undefined for the constant predictions of the mean baseline.
cv = KFold(n_splits=3, shuffle=True, random_state=0)
scoring = mer_scoring(metrics=("r2", "rmse", "ccc"))
results = {name: cross_validate(model, data.paths, data.target, cv=cv, scoring=scoring)
           for name, model in models.items()}

print(f"{'model':25s} {'R² valence':>11s} {'R² arousal':>11s} {'CCC valence':>12s} "
      f"{'CCC arousal':>12s} {'fit s/fold':>11s}")
for name, res in results.items():
    print(f"{name:25s} {res['test_r2_valence'].mean():+11.2f} "
          f"{res['test_r2_arousal'].mean():+11.2f} {res['test_ccc_valence'].mean():+12.2f} "
          f"{res['test_ccc_arousal'].mean():+12.2f} {res['fit_time'].mean():11.1f}")

# %%
# R² per model and dimension
# --------------------------
# Bars are the mean over the folds, whiskers one standard deviation. On this small
# synthetic data set the classic baselines are hard to beat: ADFF's strength (learned
# features) needs more data and training than a few CPU seconds. The benchmark
# ``benchmarks/bench_compare.py`` measures the same comparison with five folds.
names = list(results)
x = np.arange(len(names))
fig, ax = plt.subplots(figsize=(8, 4))
for offset, dim, color in ((-0.2, "valence", "tab:blue"), (0.2, "arousal", "tab:orange")):
    scores = np.array([results[n][f"test_r2_{dim}"] for n in names])
    ax.bar(x + offset, scores.mean(axis=1), width=0.4, yerr=scores.std(axis=1),
           capsize=3, color=color, label=dim)
ax.axhline(0.0, color="0.3", lw=0.8)
ax.set_xticks(x)
ax.set_xticklabels(names, rotation=15, ha="right")
ax.set_ylabel("R² (3-fold CV)")
ax.set_title("ADFF against baselines on the same folds")
ax.legend()
fig.tight_layout()

shutil.rmtree(workdir)
