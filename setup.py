"""Installation script for skmer.

Install PyTorch first (``pip install torch==2.13.0`` gives the CPU build here),
then ``pip install -e .[test]``; ``pip install --no-deps musicnn`` adds the pretrained
musicnn weights (skmer.pretrained; never without --no-deps: it pins TensorFlow 1).
"""

import re
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = re.search(
    r'__version__ = "([^"]+)"', (HERE / "skmer" / "_version.py").read_text()
).group(1)

INSTALL_REQUIRES = [
    "numpy>=1.24",
    "scipy>=1.10",
    "scikit-learn>=1.6",  # ensure_all_finite, get_tags, __sklearn_tags__
    # EarlyStopping(load_best=True); partial_fit(_routing_method=...) (skmer.estimators._base)
    "skorch>=1.4",
    "torch>=2.1",
    "librosa>=0.10.2",  # 0.10.0 and 0.10.1 import pkg_resources, not in current setuptools
    "soundfile>=0.12.1",  # librosa 0.10 requires it
    "soxr>=0.3.2",  # librosa 0.10 requires it
    "joblib>=1.3",
    "threadpoolctl>=3.1",
    "tqdm>=4.60",
    "pandas>=1.5",
]

EXTRAS = {
    "plot": ["matplotlib>=3.6"],
    "test": [
        "pytest>=7",
        "pytest-xdist>=3",
        "hypothesis>=6.80",
        "matplotlib>=3.6",
        "ruff>=0.4",
    ],
    "docs": [
        "sphinx>=7",
        "numpydoc>=1.6",
        "sphinx-gallery>=0.15",
        "matplotlib>=3.6",
        "pydata-sphinx-theme",
    ],
    "dask": ["dask[distributed]>=2023.1"],
}

setup(
    name="skmer",
    version=VERSION,
    description="scikit-learn compatible music emotion recognition (ADFF, DAMFF, CNN tagger)",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="BSD-3-Clause",
    packages=find_packages(include=["skmer", "skmer.*"]),
    python_requires=">=3.10",
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["skmer=skmer.__main__:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Multimedia :: Sound/Audio :: Analysis",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)
