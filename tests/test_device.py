"""The GPU path, checked without a GPU: device resolution, pinned batches, CPU fallback."""

import numpy as np
import pytest
import torch

from skmer import ADFFRegressor
from skmer.estimators import CNNTagger, DAMFFRegressor
from skmer.estimators._base import resolve_device
from skmer.model_io import load_model, save_model

TINY = dict(width=1 / 16, lstm_hidden=8, fc_sizes=(16,), max_epochs=1, lr_milestones=None,
            verbose=0, random_state=0)


def test_auto_resolves_to_cuda_only_when_available(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == "cuda"
    assert resolve_device("cpu") == "cpu"


@pytest.mark.parametrize("cls", [ADFFRegressor, DAMFFRegressor, CNNTagger])
def test_batches_are_pinned_on_cuda_only(cls, monkeypatch):
    for prefix in ("iterator_train", "iterator_valid"):
        assert "pin_memory" not in cls(device="cpu").get_params_for(prefix)
        assert cls(device="cuda").get_params_for(prefix)["pin_memory"] is True
        assert cls(device="cuda:1").get_params_for(prefix)["pin_memory"] is True
        user = cls(device="cuda", **{f"{prefix}__pin_memory": False})
        assert user.get_params_for(prefix)["pin_memory"] is False
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert cls(device="auto").get_params_for("iterator_train")["pin_memory"] is True
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert "pin_memory" not in cls(device="auto").get_params_for("iterator_train")


def test_cuda_without_a_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    X = np.zeros((4, 1, 32, 32), np.float32)
    with pytest.raises(ValueError, match="CUDA is not available; use device='cpu' or 'auto'"):
        ADFFRegressor(device="cuda", **TINY).fit(X, np.zeros((4, 2)))


def test_a_cuda_model_file_loads_on_a_cpu_machine(tmp_path, monkeypatch):
    """A file saved from a model configured for CUDA opens on a CPU-only machine.

    The weights are always written as CPU tensors and the saved ``device='cuda'`` is
    replaced by ``load_model``'s device ('auto' -> CPU here).
    """
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(6, 2, 32, 32)).astype(np.float32)
    model = ADFFRegressor(device="cpu", **TINY).fit(X, rng.normal(size=(6, 2)))
    model.set_params(device="cuda")  # as it would be after training on a GPU
    path = save_model(model, tmp_path / "gpu.skmer")
    loaded = load_model(path)
    assert loaded.device == "auto" and resolve_device(loaded.device) == "cpu"
    assert all(p.device.type == "cpu" for p in loaded.module_.parameters())
    model.set_params(device="cpu")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
