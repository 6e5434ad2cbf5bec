"""The Sphinx documentation builds warning-free, with every gallery example executed.

The build runs on copies of ``docs/`` and ``examples/`` in a temporary folder, because
sphinx-gallery and autosummary write generated sources next to the sources
(``docs/auto_examples``, ``docs/generated``); the repository is left untouched and every
run starts from a fresh doctree. ``SKMER_DOCS_TINY=1`` makes the examples run at a tiny
size (a few short clips, one epoch).
"""

import importlib
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
EXAMPLES = REPO / "examples"

# Sources that a build generates; never copied, so the test always starts from scratch.
GENERATED = shutil.ignore_patterns(
    "_build", "auto_examples", "generated", "sg_execution_times.rst", "__pycache__"
)


def _tail(text, n=6000):
    return text if len(text) <= n else "...\n" + text[-n:]


@pytest.mark.skipif(
    importlib.util.find_spec("sphinx") is None,
    reason="sphinx is not installed (pip install -e '.[docs]'); the docs build is not tested",
)
def test_docs_build_warning_free_with_gallery(tmp_path):
    shutil.copytree(DOCS, tmp_path / "docs", ignore=GENERATED)
    shutil.copytree(EXAMPLES, tmp_path / "examples", ignore=GENERATED)
    html = tmp_path / "html"
    env = {**os.environ, "SKMER_DOCS_TINY": "1", "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html",
         str(tmp_path / "docs"), str(html)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )
    output = f"--- stdout ---\n{_tail(proc.stdout)}\n--- stderr ---\n{_tail(proc.stderr)}"
    assert proc.returncode == 0, f"sphinx-build failed (exit {proc.returncode}):\n{output}"

    examples = sorted(p.stem for p in EXAMPLES.glob("plot_*.py"))
    assert examples, "no gallery examples (examples/plot_*.py) found"
    for name in examples:
        page = html / "auto_examples" / f"{name}.html"
        assert page.is_file(), f"gallery page {page.name} was not written:\n{output}"
        images = sorted((html / "_images").glob(f"sphx_glr_{name}_[0-9][0-9][0-9].png"))
        assert images, f"example {name}.py produced no figure:\n{output}"
    # examples/demo.py is a command-line demo: neither executed nor rendered
    assert not (html / "auto_examples" / "demo.html").exists()

    page = html / "generated" / "skmer.estimators.ADFFRegressor.html"
    assert page.is_file(), "API page of skmer.estimators.ADFFRegressor missing"
    text = page.read_text(encoding="utf-8")
    for method in ("fit", "partial_fit", "predict"):
        assert f'id="skmer.estimators.ADFFRegressor.{method}"' in text, method
    # skorch's own methods (non-numpydoc docstrings) are not documented on the page
    assert 'id="skmer.estimators.ADFFRegressor.initialize_module"' not in text
    for name in ("api", "install", "user_guide/index", "scaling"):
        assert (html / f"{name}.html").is_file(), name


def _api_entries():
    """``{module: set of names}`` listed under each ``.. module::`` of docs/api.rst."""
    entries, module = {}, None
    for line in (DOCS / "api.rst").read_text(encoding="utf-8").splitlines():
        match = re.match(r"\.\. module:: (\S+)", line)
        if match:
            module = match.group(1)
            entries[module] = set()
        elif module and re.match(r"   [A-Za-z_]\w*$", line):
            entries[module].add(line.strip())
    return entries


def test_api_reference_lists_every_public_name():
    entries = _api_entries()
    expected = ["skmer.audio", "skmer.features", "skmer.estimators", "skmer.nn",
                "skmer.datasets", "skmer.metrics", "skmer.baselines", "skmer.plotting",
                "skmer.model_io", "skmer.parallel", "skmer.exceptions", "skmer.pretrained"]
    assert sorted(entries) == sorted(expected)
    for module_name, listed in entries.items():
        public = set(importlib.import_module(module_name).__all__)
        assert listed == public, (
            f"docs/api.rst and {module_name}.__all__ differ: missing {sorted(public - listed)}, "
            f"not public {sorted(listed - public)}"
        )
