"""Shared fixtures: the real PMEmo sample and generated audio files."""

import os
from pathlib import Path

import numpy as np
import pytest
import sklearn
from sklearn.utils.fixes import parse_version

REPO = Path(__file__).resolve().parents[1]
PMEMO_IDS = ["108", "372", "634", "683"]
#: ``parametrize_with_checks(..., **XFAIL_STRICT)``: the keyword is new in scikit-learn 1.8
#: (setup.py allows 1.6, tested by ``make test-min-deps``); older ones let an expected
#: failure that passes go by as XPASS.
XFAIL_STRICT = (
    {"xfail_strict": True} if parse_version(sklearn.__version__) >= parse_version("1.8") else {}
)


def test_data_root():
    return Path(os.environ.get("SKMER_TEST_DATA", REPO.parent / "shared" / "data"))


def require_test_data(path):
    """Skip (or fail under SKMER_REQUIRE_TEST_DATA=1) when `path` is absent."""
    if Path(path).exists():
        return Path(path)
    msg = (
        f"test data not found at {path}; set SKMER_TEST_DATA to the folder that holds "
        f"{Path(path).name}/"
    )
    if os.environ.get("SKMER_REQUIRE_TEST_DATA") == "1":
        pytest.fail(msg + " (SKMER_REQUIRE_TEST_DATA=1: a missing fixture is a failure)")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def pmemo_root():
    """Root of the real 4-clip PMEmo excerpt (PMEmo2019 layout)."""
    return require_test_data(test_data_root() / "pmemo-sample")


@pytest.fixture(scope="session")
def pmemo_mp3s(pmemo_root):
    """Paths of the 4 real chorus MP3s (44.1 kHz stereo, 45-60 s)."""
    return [str(pmemo_root / "chorus" / f"{i}.mp3") for i in PMEMO_IDS]


def write_tone(path, sr=22050, seconds=1.0, channels=1, freq=440.0, fmt=None, subtype=None):
    """Write a short harmonic tone to `path` and return the mono float64 signal."""
    import soundfile as sf

    t = np.arange(int(round(sr * seconds))) / sr
    y = 0.3 * np.sin(2 * np.pi * freq * t) + 0.1 * np.sin(2 * np.pi * 2 * freq * t)
    data = np.stack([y * (0.5 + 0.5 * c / max(channels, 1)) for c in range(channels)], axis=1)
    sf.write(str(path), data, sr, format=fmt, subtype=subtype)
    return data.mean(axis=1)
