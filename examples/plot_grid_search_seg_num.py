"""
Tuning ``seg_num`` with a grid search
=====================================

ADFF does not read a spectrogram as one long image: :class:`~skmer.features.SegmentStacker`
cuts it into ``seg_num`` consecutive segments and stacks them as the input channels of
the CNN. The ADFF paper shows this is a trade-off (its Figure 3 and Table 2):

* **time**: more segments give shorter images, so the convolutions cost less; the paper
  trains 9.8x faster with ``seg_num=6`` than with ``seg_num=1``;
* **accuracy**: a few segments help (the channels see several moments of the song at
  once), too many hurt (each segment is too short for the CNN).

Because ``seg_num`` is a parameter of a pipeline step, scikit-learn's
:class:`~sklearn.model_selection.GridSearchCV` tunes it like any other hyper-parameter,
as ``stack__seg_num``. The feature cache (``memory=``) of
:class:`~skmer.features.LogMelTransformer` makes this cheap: each audio file is decoded
once, not once per fold and candidate.
"""

# %%
# Setup
# -----
import os
import shutil
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

from skmer.datasets import make_music_emotion
from skmer.estimators import ADFFRegressor
from skmer.features import LogMelTransformer, SegmentStacker
from skmer.metrics import mer_scoring
from skmer.plotting import plot_seg_num_tradeoff

# Sizes: clips, seconds per clip, epochs (SKMER_DOCS_TINY=1: a tiny run for the docs test).
TINY = os.environ.get("SKMER_DOCS_TINY") == "1"
N_CLIPS, DURATION, EPOCHS = (6, 3.0, 1) if TINY else (40, 3.0, 10)

torch.set_num_threads(1)
torch.manual_seed(0)
workdir = Path(tempfile.mkdtemp(prefix="skmer-seg-num-"))
cache = workdir / "cache"

data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, sr=16000, random_state=0,
                          data_home=workdir)

# %%
# The cache at work
# -----------------
# 16 kHz audio and 64 Mel bands keep this example fast; a 3 s clip gives 300 frames of
# 10 ms. The first pass decodes the files and fills the cache; any later pass with the
# same analysis parameters (sampling rate, window, hop, Mel bands) reads it back.
mel = LogMelTransformer(sr=16000, n_mels=64, duration=DURATION, memory=cache)
for attempt in ("first pass (decode)", "second pass (cache)"):
    start = time.perf_counter()
    S = mel.fit_transform(data.paths)
    print(f"{attempt}: {time.perf_counter() - start:.2f} s for {S.shape[0]} clips, "
          f"spectrograms of shape {S.shape[1:]}")

# %%
# The search
# ----------
# Every candidate is cross-validated on the same three folds. The scorers of
# :func:`~skmer.metrics.mer_scoring` report R² for valence and arousal separately and
# their mean, ``'r2'``, which picks the best ``seg_num`` (``refit='r2'``).
model = Pipeline([
    ("mel", mel),
    ("stack", SegmentStacker()),
    ("adff", ADFFRegressor(width=1 / 8, lr=1e-3, batch_size=16, max_epochs=EPOCHS,
                           lr_milestones=None, random_state=0, verbose=0)),
])
seg_nums = [1, 2, 4, 8]  # 300 frames -> segments of 300, 150, 75 and 37 frames
search = GridSearchCV(
    model,
    {"stack__seg_num": seg_nums},
    cv=KFold(n_splits=3, shuffle=True, random_state=0),
    scoring=mer_scoring(metrics=("r2",)),
    refit="r2",
)
search.fit(data.paths, data.target)
print("best:", search.best_params_)

results = search.cv_results_
for i, seg_num in enumerate(seg_nums):
    print(f"seg_num {seg_num}: R² valence {results['mean_test_r2_valence'][i]:+.2f}, "
          f"arousal {results['mean_test_r2_arousal'][i]:+.2f}; "
          f"fit {results['mean_fit_time'][i]:.1f} s")

# %%
# Score and time against ``seg_num``
# ----------------------------------
# The fit time falls steeply with ``seg_num``: the network sees ``seg_num`` times
# shorter images. The scores of 40 short clips trained for 10 epochs are noisy; at
# this size a single run says little about accuracy (``benchmarks/RESULTS.md`` has a
# larger sweep, and the paper's Figure 3 the real-data curve).
ax = plot_seg_num_tradeoff(
    seg_nums,
    {"valence": results["mean_test_r2_valence"], "arousal": results["mean_test_r2_arousal"]},
    results["mean_fit_time"],
    score_label="mean R² over 3 folds",
    time_label="mean fit time per fold (s)",
)
ax.set_title("ADFF: R² and training time against seg_num")
plt.tight_layout()

speed_up = results["mean_fit_time"][0] / np.asarray(results["mean_fit_time"])
print("fit speed-up over seg_num=1:", ", ".join(f"{s:.1f}x" for s in speed_up))

shutil.rmtree(workdir)
