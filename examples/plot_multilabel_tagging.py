"""
Multi-label emotion tagging with a CNN
======================================

Instead of valence and arousal, many music data sets (CAL500, CAL500exp, MagnaTagATune)
describe emotion with **tags**: a clip can be *calm* and *peaceful* at once, or *tense*
and *energetic*. That is a multi-label problem: ``y`` is a binary indicator matrix of
shape ``(n_clips, n_tags)``, one column per tag.

:class:`~skmer.estimators.CNNTagger` is a VGG-style CNN on log-Mel spectrograms with one
sigmoid output per tag, trained with binary cross-entropy. Its
:meth:`~skmer.estimators.CNNTagger.predict_proba` gives a probability per tag and
:meth:`~skmer.estimators.CNNTagger.predict` the tags whose probability reaches
``threshold`` (0.5 by default).

The synthetic clips of :func:`~skmer.datasets.make_music_emotion` carry six tags derived
from their valence, arousal and dissonance (``data.tags``, ``data.tag_names``).
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
from skmer.estimators import CNNTagger
from skmer.features import LogMelTransformer
from skmer.metrics import tagging_report

# Sizes: clips, seconds per clip, epochs (SKMER_DOCS_TINY=1: a tiny run for the docs test).
TINY = os.environ.get("SKMER_DOCS_TINY") == "1"
N_CLIPS, DURATION, EPOCHS = (16, 2.0, 1) if TINY else (120, 4.0, 30)

torch.set_num_threads(1)
torch.manual_seed(0)
workdir = Path(tempfile.mkdtemp(prefix="skmer-tagging-"))

data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, sr=16000, random_state=0,
                          data_home=workdir)
print("tags:", data.tag_names)
print("fraction of clips with each tag:", data.tags.mean(axis=0).round(2))

paths_train, paths_test, tags_train, tags_test = train_test_split(
    data.paths, data.tags, test_size=0.25, random_state=0
)

# %%
# The tagger
# ----------
# A 4 s clip at 20 ms hops gives 200 frames of 32 Mel bands. Rare tags (a sixth of the
# clips or fewer) would rarely reach the 0.5 threshold, so ``class_weight='balanced'``
# weights each tag's positive clips by ``n_negative / n_positive`` in the loss.
model = make_pipeline(
    LogMelTransformer(sr=16000, n_mels=32, hop=0.02, duration=DURATION),
    CNNTagger(width=1 / 8, n_blocks=3, lr=3e-3, max_epochs=EPOCHS, class_weight="balanced",
              tag_names=data.tag_names, random_state=0, verbose=0),
)
model.fit(paths_train, tags_train)
proba = model.predict_proba(paths_test)
predicted = model.predict(paths_test)
print("probabilities:", proba.shape, " predicted tags:", predicted.shape)

# %%
# Per-tag scores
# --------------
# :func:`~skmer.metrics.tagging_report` gives precision, recall and F1 at the threshold,
# and the threshold-free ROC-AUC and average precision from the probabilities, per tag
# and averaged (``macro``: mean over tags; ``micro``: all decisions pooled). A ROC-AUC of
# 0.5 is chance. Tags absent from the test clips get no ROC-AUC (NaN).
report = tagging_report(tags_test, predicted, proba, tag_names=data.tag_names)
print(report.round(2).to_string())

# %%
# Tag probabilities of the test clips
# -----------------------------------
# Left: ROC-AUC per tag. Right: the predicted probability of every tag (columns) for
# every held-out clip (rows); black dots mark the true tags.
fig, (ax_auc, ax_map) = plt.subplots(1, 2, figsize=(11, 4.5),
                                     gridspec_kw={"width_ratios": [1, 1.3]})
auc = report.loc[data.tag_names, "roc_auc"].to_numpy(dtype=float)
ax_auc.bar(data.tag_names, np.nan_to_num(auc), color="tab:green")
ax_auc.axhline(0.5, color="0.3", ls="--", lw=0.8, label="chance")
ax_auc.set_ylim(0, 1)
ax_auc.set_ylabel("ROC-AUC (test clips)")
ax_auc.tick_params(axis="x", rotation=30)
ax_auc.legend(loc="upper left")

image = ax_map.imshow(proba, aspect="auto", cmap="viridis", vmin=0, vmax=1)
rows, cols = np.nonzero(tags_test)
ax_map.scatter(cols, rows, s=12, color="black", label="true tag")
ax_map.set_xticks(range(len(data.tag_names)))
ax_map.set_xticklabels(data.tag_names, rotation=30)
ax_map.set_ylabel("test clip")
ax_map.legend(loc="upper right", bbox_to_anchor=(1.0, 1.12), fontsize=8)
fig.colorbar(image, ax=ax_map, label="predicted probability")
fig.tight_layout()

shutil.rmtree(workdir)
