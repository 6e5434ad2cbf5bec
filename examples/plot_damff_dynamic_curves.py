"""
Emotion over time with DAMFF
============================

Static models give one valence-arousal pair per clip, but the emotion of music changes
as it plays. *Dynamic* data sets (PMEmo, DEAM) label it every 0.5 s, and
:class:`~skmer.estimators.DAMFFRegressor` (dual attention-based multi-scale feature
fusion) predicts such curves:

1. :class:`~skmer.features.LogMelTransformer` computes the clip's log-Mel spectrogram
   from its start (``crop='start'``), so that frame times are clip times;
2. :class:`~skmer.features.SlidingWindows` cuts one window per label: window ``k`` holds
   the ``window`` seconds of audio *before* label ``k`` (labels at 0.5, 1.0, 1.5 ... s),
   shape ``(n_clips, n_steps, 1, frames_per_window, n_mels)``;
3. DAMFF embeds every window with a multi-scale CNN and runs a BiLSTM along the
   windows, predicting ``(n_clips, n_steps, 2)``: valence and arousal per step.

:func:`~skmer.datasets.make_music_emotion` with ``dynamic=True`` generates clips whose
musical factors drift (tempo ramps, crescendi, a change of mode half-way in some clips)
and labels them every 0.5 s.
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
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skmer.datasets import make_music_emotion
from skmer.estimators import DAMFFRegressor
from skmer.features import LogMelTransformer, SlidingWindows
from skmer.metrics import mer_report

# Sizes: clips, seconds per clip, epochs (SKMER_DOCS_TINY=1: a tiny run for the docs test).
TINY = os.environ.get("SKMER_DOCS_TINY") == "1"
N_CLIPS, DURATION, EPOCHS = (6, 3.0, 1) if TINY else (48, 6.0, 20)

torch.set_num_threads(1)
torch.manual_seed(0)
workdir = Path(tempfile.mkdtemp(prefix="skmer-damff-"))

data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, sr=16000, dynamic=True,
                          random_state=0, data_home=workdir)
print("dynamic labels:", data.target_dynamic.shape, "(clips, steps, [valence, arousal])")
print("label times (s):", data.frame_times[:4], "...", data.frame_times[-1])

# %%
# One window per label
# --------------------
# With 20 ms frames, a 1 s window is 50 frames. The defaults of ``SlidingWindows``
# (``hop=0.5``, first label at ``hop``) match the generator's labels; the first window
# starts before the clip and is padded by repeating the first frame (``pad='edge'``).
# For PMEmo or DEAM, whose labels start 15 s into the file,
# :func:`~skmer.features.align_dynamic_annotations` computes the audio windows and
# crops every clip's labels to a common length.
mel = LogMelTransformer(sr=16000, n_mels=32, hop=0.02, duration=DURATION, crop="start")
windows = SlidingWindows(window_duration=1.0, label_hop=0.5, frame_hop=0.02)
W = windows.fit_transform(mel.fit_transform(data.paths[:2]))
print("windows of two clips:", W.shape)
print("label time of each window (s):", windows.label_times_)

# %%
# Train and predict
# -----------------
# Clips, not windows, are split into training and test sets: the windows of a clip
# overlap and share its music, so splitting windows would leak test audio into
# training. The network is at CPU size: ``width=1/8`` and one BiLSTM layer of 16 units.
idx_train, idx_test = train_test_split(np.arange(N_CLIPS), test_size=0.25, random_state=0)
paths = np.asarray(data.paths)
y = data.target_dynamic

model = make_pipeline(
    mel,
    windows,
    DAMFFRegressor(width=1 / 8, lstm_hidden=16, lstm_layers=1, lr=3e-3, batch_size=8,
                   max_epochs=EPOCHS, random_state=0, verbose=0),
)
model.fit(paths[idx_train], y[idx_train])
y_pred = model.predict(paths[idx_test])
print("predicted curves:", y_pred.shape)

# %%
# Concordance of the curves
# -------------------------
# The concordance correlation coefficient (CCC) is the usual score of dynamic emotion
# recognition: unlike Pearson's correlation it also penalises bias and wrong scale, and
# equals 1 only for a perfect curve. Steps of all test clips are pooled.
report = mer_report(y[idx_test], y_pred)
for dim in ("valence", "arousal"):
    print(f"{dim:8s} CCC {report['ccc_' + dim]:+.2f}  PCC {report['pcc_' + dim]:+.2f}  "
          f"RMSE {report['rmse_' + dim]:.2f}")

# %%
# Predicted and true curves
# -------------------------
# Two held-out clips, one column each. Arousal, which follows tempo and loudness, is
# tracked better than valence, which depends on harmony only (mode and dissonance).
fig, axes = plt.subplots(2, 2, figsize=(10, 5.5), sharex=True, sharey=True)
for col, clip in enumerate(range(min(2, len(idx_test)))):
    for row, (dim, color) in enumerate((("valence", "tab:blue"), ("arousal", "tab:orange"))):
        ax = axes[row, col]
        ax.plot(data.frame_times, y[idx_test[clip], :, row], color=color, label="true")
        ax.plot(data.frame_times, y_pred[clip, :, row], color=color, ls="--",
                label="DAMFF")
        ax.set_ylim(-1.05, 1.05)
        ax.set_title(f"{data.ids[idx_test[clip]]}: {dim}", fontsize=10)
        ax.legend(fontsize=8, loc="lower right")
for ax in axes[1]:
    ax.set_xlabel("time (s)")
fig.tight_layout()

shutil.rmtree(workdir)
