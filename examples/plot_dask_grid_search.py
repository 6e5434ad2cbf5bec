"""
Grid search on a Dask cluster
=============================

A grid search over ``seg_num`` trains one network per candidate and fold; a feature
extraction over a music collection decodes thousands of files. Both are loops of
independent jobs, and scikit-learn runs such loops through :mod:`joblib`. joblib's
**Dask backend** sends the jobs to the workers of a `Dask <https://www.dask.org>`_
cluster instead of local processes, with no change to the skmer code:

.. code-block:: python

    with joblib.parallel_backend("dask"):
        search.fit(paths, y)          # every (candidate, fold) fit runs on a worker

This example starts a :class:`distributed.LocalCluster` of two worker processes on this
machine as a stand-in for a real cluster (there, connect with
``Client("tcp://scheduler:8786")``), runs a seg_num grid search of an ADFF pipeline on it,
and checks that the scores equal those of a local run with the same seeds.

Things a cluster needs (more in the user guide's *Scaling out* page):

* every worker sees the audio files and the ``memory=`` cache folder **under the same
  path** (a shared file system);
* one thread per worker for torch, so that workers do not fight over cores, and one worker
  per GPU on GPU machines; :func:`skmer.parallel.dask_worker_config` sets the worker
  processes' environment for training (Dask's default ``MALLOC_TRIM_THRESHOLD_`` makes
  torch training about twice as slow in a worker);
* the same skmer, torch and scikit-learn versions on every worker.

Needs ``pip install skmer[dask]``. Dask starts its worker processes by re-importing the
script that created the cluster, so the work sits in functions called under
``if __name__ == "__main__":`` (the usual rule for Python multiprocessing).
"""

# %%
# Setup
# -----
import os
import shutil
import tempfile
import time
from pathlib import Path

import dask
import joblib
import matplotlib.pyplot as plt
import numpy as np
import torch
from distributed import Client, LocalCluster
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

from skmer.datasets import make_music_emotion
from skmer.estimators import ADFFRegressor
from skmer.features import LogMelTransformer, SegmentStacker
from skmer.parallel import dask_worker_config

# Sizes: clips, seconds per clip, epochs (SKMER_DOCS_TINY=1: a tiny run for the docs test).
TINY = os.environ.get("SKMER_DOCS_TINY") == "1"
N_CLIPS, DURATION, EPOCHS = (12, 2.0, 1) if TINY else (36, 4.0, 6)

# %%
# The pipeline and the grid
# -------------------------
# The log-Mel cache lives in ``workdir``, which the workers share with this process:
# each clip is decoded once, by whichever worker needs it first, and every later fit
# (other folds, other seg_num values) reads it from the cache.


def make_search(workdir, n_jobs):
    pipe = Pipeline([
        ("mel", LogMelTransformer(sr=16000, n_mels=64, duration=DURATION,
                                  memory=str(workdir / "cache"))),
        ("stack", SegmentStacker(seg_num=1)),
        ("adff", ADFFRegressor(width=1 / 16, lstm_hidden=16, fc_sizes=(32,), lr=1e-3,
                               batch_size=8, max_epochs=EPOCHS, lr_milestones=None,
                               random_state=0, verbose=0)),
    ])
    return GridSearchCV(pipe, {"stack__seg_num": [1, 2, 4]}, cv=KFold(3), n_jobs=n_jobs)


# %%
# Run it on the cluster
# ---------------------
# ``n_jobs=-1`` lets the backend decide: all worker threads of the cluster.


def search_on_cluster(workdir, data):
    with dask.config.set(dask_worker_config()), \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None, silence_logs=40) as cluster, \
            Client(cluster) as client:
        print(client)
        print("torch threads per worker:", client.run(torch.get_num_threads))
        start = time.perf_counter()
        with joblib.parallel_backend("dask"):
            search = make_search(workdir, n_jobs=-1).fit(data.paths, data.target)
        print(f"grid search on the cluster: {time.perf_counter() - start:.1f} s")
    return search


# %%
# Same seeds, same scores
# -----------------------
# The same search in this process, on one torch thread like a worker. Every estimator
# is seeded (``random_state=0``) and the parallel backend only decides *where* a fit
# runs, so the scores are identical, not merely close.


def search_locally(workdir, data):
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return make_search(workdir, n_jobs=1).fit(data.paths, data.target)
    finally:
        torch.set_num_threads(torch_threads)


# %%
# Score and fit time against seg_num
# ----------------------------------
# More segments mean shorter segments stacked as channels: a smaller network input
# and faster fits.


def plot_results(search):
    results = search.cv_results_
    seg_nums = results["param_stack__seg_num"].astype(int)
    fig, (ax_score, ax_time) = plt.subplots(1, 2, figsize=(8, 3.2))
    ax_score.errorbar(seg_nums, results["mean_test_score"], yerr=results["std_test_score"],
                      marker="o", capsize=3)
    ax_score.set(xlabel="seg_num", ylabel="mean R² over 3 folds", title="score")
    ax_time.plot(seg_nums, results["mean_fit_time"], marker="o")
    ax_time.set(xlabel="seg_num", ylabel="seconds per fit", title="fit time on a worker")
    fig.tight_layout()
    plt.show()


# %%
# Putting it together
# -------------------
if __name__ == "__main__":
    workdir = Path(tempfile.mkdtemp(prefix="skmer-dask-"))
    data = make_music_emotion(n_clips=N_CLIPS, duration=DURATION, sr=16000, random_state=0,
                              data_home=workdir)
    remote = search_on_cluster(workdir, data)
    local = search_locally(workdir, data)
    for key in ("mean_test_score", "std_test_score"):
        print(key, "cluster:", np.round(remote.cv_results_[key], 4),
              "local:", np.round(local.cv_results_[key], 4))
    print("identical:", np.array_equal(remote.cv_results_["mean_test_score"],
                                       local.cv_results_["mean_test_score"]))
    print("best:", remote.best_params_)
    plot_results(remote)
    shutil.rmtree(workdir)
