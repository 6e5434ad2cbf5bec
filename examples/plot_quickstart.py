"""
Quick start: valence and arousal with ADFF
==========================================

This example trains the ADFF network (attention-based deep feature fusion) to predict the
emotion of music clips as two numbers: **valence** (unpleasant -1 ... +1 pleasant) and
**arousal** (calm -1 ... +1 energetic).

skmer's models are scikit-learn estimators that take **audio file paths** as input, so the
whole model is one :class:`~sklearn.pipeline.Pipeline`:

1. :class:`~skmer.features.LogMelTransformer` decodes every file and computes a log-Mel
   spectrogram of a fixed length, shape ``(n_clips, 1, n_frames, n_mels)``;
2. :class:`~skmer.features.SegmentStacker` cuts it into ``seg_num`` consecutive time
   segments stacked as channels, ``(n_clips, seg_num, n_frames // seg_num, n_mels)``;
3. :class:`~skmer.estimators.ADFFRegressor` trains the network on those stacks.

The data come from :func:`~skmer.datasets.make_music_emotion`, skmer's built-in
generator of music-like clips whose valence and arousal are known (nothing is
downloaded). The network is at "CPU size" (``width=1/8``, ``lr=1e-3``, a few epochs): the
paper's full-size protocol (``width=1``, ``lr=1e-5``, 200 epochs) is GPU work.
"""

# %%
# Setup
# -----
# Torch runs on one thread and every random step is seeded, so the example gives the
# same numbers at every run. All files go to a temporary folder.
import os
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from skmer.datasets import make_music_emotion
from skmer.estimators import ADFFRegressor
from skmer.features import LogMelTransformer, SegmentStacker
from skmer.metrics import mer_report
from skmer.plotting import plot_training_curves, plot_va_plane

# Sizes: clips, seconds per clip, epochs (SKMER_DOCS_TINY=1: a tiny run for the docs test).
TINY = os.environ.get("SKMER_DOCS_TINY") == "1"
N_CLIPS, DURATION, EPOCHS = (8, 2.0, 1) if TINY else (80, 6.0, 20)

torch.set_num_threads(1)
torch.manual_seed(0)
workdir = Path(tempfile.mkdtemp(prefix="skmer-quickstart-"))

# %%
# Synthetic clips with known emotion
# ----------------------------------
# Every clip is rendered from musical factors (tempo, loudness, mode, dissonance, ...);
# arousal follows tempo, density and loudness, valence follows mode, consonance and
# register. ``data.target`` holds ``[valence, arousal]`` in [-1, 1] per clip.
data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, random_state=0,
                          data_home=workdir)
print(f"{len(data.paths)} WAV files of {DURATION:g} s at 22050 Hz in {data.data_dir}")
print("first clip [valence, arousal]:", data.target[0].round(2))

paths_train, paths_test, y_train, y_test = train_test_split(
    data.paths, data.target, test_size=0.25, random_state=0
)

# %%
# The pipeline
# ------------
# ``LogMelTransformer`` takes its parameters in seconds: 60 ms windows and 10 ms hops
# (the paper's), so a 6 s clip becomes 600 frames of 128 Mel bands. ``memory=`` caches
# the decoded spectrograms: predicting the training files again, or fitting another
# model on them, does not decode them twice.
model = Pipeline([
    ("mel", LogMelTransformer(sr=22050, duration=DURATION, memory=workdir / "cache")),
    ("stack", SegmentStacker(seg_num=6)),  # 600 frames -> 6 channels of 100 frames
    ("adff", ADFFRegressor(width=1 / 8, lr=1e-3, batch_size=16, max_epochs=EPOCHS,
                           lr_milestones=None, random_state=0, verbose=0)),
])
model.fit(paths_train, y_train)

print("spectrograms:", model[:1].transform(paths_test[:2]).shape)
print("ADFF input:  ", model[:2].transform(paths_test[:2]).shape)

# %%
# Predict and score
# -----------------
# ``predict`` takes file paths and returns one ``[valence, arousal]`` row per file.
# :func:`~skmer.metrics.mer_report` gives R², RMSE, Pearson (PCC) and concordance (CCC)
# correlation per dimension. With this few clips and epochs, expect arousal to be
# learned first: it depends on tempo and loudness, which are easy to hear. Valence
# depends on harmony only and is usually not learned at this size (R² near or below 0).
y_pred = model.predict(paths_test)
report = mer_report(y_test, y_pred)
for dim in ("valence", "arousal"):
    print(f"{dim:8s} R² {report['r2_' + dim]:+.2f}  RMSE {report['rmse_' + dim]:.2f}  "
          f"CCC {report['ccc_' + dim]:+.2f}")

# %%
# The valence-arousal plane
# -------------------------
# Each held-out clip is a blue point (its true emotion) joined to its prediction.
# The four quadrants are those of Russell's circumplex model of affect.
fig, (ax_va, ax_loss) = plt.subplots(1, 2, figsize=(11, 5))
plot_va_plane(y_test, y_pred, ax=ax_va)
ax_va.set_title("held-out clips")
plot_training_curves(model, ax=ax_loss)
ax_loss.set_title("training loss (MSE) per epoch")
fig.tight_layout()

# %%
# Next steps
# ----------
# * :ref:`sphx_glr_auto_examples_plot_grid_search_seg_num.py` tunes ``seg_num``;
# * :ref:`sphx_glr_auto_examples_plot_baseline_comparison.py` compares ADFF with
#   classic baselines under cross-validation;
# * ``skmer.model_io.save_model(model, "model.skmer")`` writes the fitted pipeline to a
#   file that ``skmer predict model.skmer song.mp3`` reads.
#
# Finally, remove the temporary folder.
shutil.rmtree(workdir)
