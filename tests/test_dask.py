"""skmer on a Dask cluster through joblib's Dask backend gives the local results.

A real ``distributed.LocalCluster`` (2 worker processes, 1 thread each) runs a
seg_num grid search of an audio-path pipeline and the feature extraction; the
results must equal a local run with the same seeds, bit for bit.
"""

import joblib
import numpy as np
import pytest
import torch
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline

from skmer import ADFFRegressor, AudioFeatures, LogMelTransformer, SegmentStacker
from skmer.datasets import make_music_emotion
from skmer.exceptions import FeatureExtractionError
from skmer.parallel import dask_worker_config

distributed = pytest.importorskip(
    "distributed", reason="dask.distributed is not installed (pip install skmer[dask])"
)

MEL = dict(sr=8000, n_mels=32, window=0.064, hop=0.02, duration=2.0)


@pytest.fixture(scope="module")
def client():
    import dask

    with dask.config.set(dask_worker_config()), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                     dashboard_address=None, silence_logs=40) as cluster:
        with distributed.Client(cluster) as client:
            yield client


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return make_music_emotion(n_clips=16, duration=2.0, sr=8000, random_state=0,
                              data_home=tmp_path_factory.mktemp("data"))


@pytest.fixture
def one_torch_thread():
    """Local runs use one torch thread, like a Dask worker with one thread."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def adff_pipeline(cache):
    return Pipeline([
        ("mel", LogMelTransformer(**MEL, memory=cache)),
        ("stack", SegmentStacker(seg_num=1)),
        ("adff", ADFFRegressor(width=1 / 16, lstm_hidden=8, fc_sizes=(16,), lr=1e-3,
                               batch_size=8, max_epochs=2, lr_milestones=None, random_state=0,
                               verbose=0)),
    ])


def test_workers_run_torch_on_one_thread_without_a_malloc_trim_threshold(client):
    # the nanny sets OMP_NUM_THREADS=1 in worker processes; torch follows it
    assert set(client.run(torch.get_num_threads).values()) == {1}
    assert len(client.scheduler_info()["workers"]) == 2
    environ = client.run(lambda: dict(__import__("os").environ))
    for env in environ.values():
        assert env["OMP_NUM_THREADS"] == "1" and "MALLOC_TRIM_THRESHOLD_" not in env


@pytest.mark.parametrize("threads", [0, -1, 1.5, True, "2"])
def test_worker_config_rejects_bad_thread_counts(threads):
    with pytest.raises(ValueError,
                       match="'threads' parameter of dask_worker_environ must be an int"):
        dask_worker_config(threads)


def test_worker_config_keeps_one_thread_per_library():
    config = dask_worker_config(2)["distributed.nanny.pre-spawn-environ"]
    assert config == {"OMP_NUM_THREADS": 2, "MKL_NUM_THREADS": 2, "OPENBLAS_NUM_THREADS": 2}


def test_grid_search_on_the_cluster_equals_the_local_run(client, data, tmp_path,
                                                         one_torch_thread):
    grid = {"stack__seg_num": [1, 2]}
    local = GridSearchCV(adff_pipeline(str(tmp_path / "local")), grid, cv=KFold(2),
                         error_score="raise").fit(data.paths, data.target)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        remote = GridSearchCV(adff_pipeline(str(tmp_path / "shared")), grid, cv=KFold(2),
                              n_jobs=-1, error_score="raise").fit(data.paths, data.target)
    workers = {task["worker"] for task in tasks.data}
    assert len(workers) == 2, f"the 4 fits should be spread over both workers, ran on {workers}"
    # Each fit computes its features on its own worker, without fanning out again: the
    # only per-file tasks are those of the final refit, which runs in this process.
    per_file = [task for task in tasks.data if "_guarded" in str(task["key"])]
    assert len(per_file) == len(data.paths)
    for key in ("split0_test_score", "split1_test_score", "mean_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.best_params_ == local.best_params_
    np.testing.assert_array_equal(remote.predict(data.paths[:3]), local.predict(data.paths[:3]))
    # the workers filled the cache folder shared with this process
    assert any((tmp_path / "shared").rglob("*.pkl"))


@pytest.mark.parametrize("make", [
    lambda cache: LogMelTransformer(**MEL, memory=cache),
    lambda cache: AudioFeatures(sr=8000, duration=2.0, memory=cache),
], ids=["LogMelTransformer", "AudioFeatures"])
def test_feature_extraction_on_the_cluster_equals_the_local_run(client, data, tmp_path, make):
    expected = make(None).fit_transform(data.paths)
    with distributed.get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        first = make(str(tmp_path / "cache")).fit_transform(data.paths)
    assert len(tasks.data) > 0, "nothing ran on the cluster"
    np.testing.assert_array_equal(first, expected)
    # a second pass reads what the workers wrote to the shared cache
    again = make(str(tmp_path / "cache")).fit_transform(data.paths)
    np.testing.assert_array_equal(again, expected)


def test_a_bad_file_on_a_worker_is_reported_and_the_others_kept(client, data, tmp_path):
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF" + b"\0" * 100)
    paths = [data.paths[0], str(broken), data.paths[1]]
    with joblib.parallel_backend("dask"):
        with pytest.raises(FeatureExtractionError, match="broken.wav"):
            LogMelTransformer(**MEL).fit_transform(paths)
        with pytest.warns(UserWarning, match="broken.wav"):
            S = LogMelTransformer(**MEL, on_error="warn").fit_transform(paths)
    assert np.isnan(S[1]).all() and np.isfinite(S[[0, 2]]).all()
