"""Sphinx configuration of the skmer documentation.

Build with ``make docs`` (or ``python -m sphinx -W --keep-going -b html docs
docs/_build/html``). Nothing here needs the network: no intersphinx, and the
gallery examples generate their own data. ``SKMER_DOCS_TINY=1`` makes every
gallery example run at a tiny size (used by ``tests/test_docs.py``).
"""

import importlib
import inspect
import os
import sys
import warnings

# Examples plot to files, never to a window; set before anything imports matplotlib.
os.environ["MPLBACKEND"] = "Agg"
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for _gallery_order

import skmer  # noqa: E402

# -- Project ------------------------------------------------------------------------------

project = "skmer"
author = "the skmer developers"
copyright = "the skmer developers, BSD-3-Clause"
version = release = skmer.__version__

# -- Extensions ---------------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",  # only emits a <script> tag; formulas render in the browser
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "**.ipynb_checkpoints", "auto_examples/*.ipynb"]
root_doc = "index"
default_role = "literal"  # `name` in docstrings renders as code, never as a broken reference

# -- autodoc / autosummary / numpydoc ------------------------------------------------------

autosummary_generate = True  # writes docs/generated/ (git-ignored)
autosummary_imported_members = False
autodoc_default_options = {"members": False, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc Parameters sections document the types
autoclass_content = "class"

numpydoc_show_class_members = False  # our class template lists the methods itself
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# Public methods documented on a class page: the scikit-learn / torch API that skmer's
# classes implement. skmer's estimators are skorch nets and torch modules, which inherit
# dozens of skorch / torch methods (with non-numpydoc docstrings); those are not listed.
_API_METHODS = (
    "fit",
    "partial_fit",
    "transform",
    "fit_transform",
    "inverse_transform",
    "predict",
    "predict_proba",
    "score",
    "get_feature_names_out",
    "label_times",
    "forward",
)
_DOCUMENTED_MODULES = (
    "skmer.audio",
    "skmer.features",
    "skmer.estimators",
    "skmer.nn",
    "skmer.datasets",
    "skmer.metrics",
    "skmer.baselines",
    "skmer.plotting",
    "skmer.model_io",
    "skmer.parallel",
    "skmer.exceptions",
)


def _defining_class(cls, name):
    for klass in cls.__mro__:
        if name in vars(klass):
            return klass
    return None


def _is_hidden(attr):
    """True for scikit-learn's ``available_if`` methods that are never available."""
    check = getattr(attr, "check", None)
    if check is None:
        return False
    try:
        return not check(None)
    except Exception:  # a real availability check that needs an instance
        return False


def _own_methods(cls):
    """API methods of `cls` that skmer implements (plus scikit-learn's ``fit_transform``).

    Methods inherited from skorch, torch or scikit-learn are left out (their docstrings
    refer to labels of their own documentation), except ``fit_transform``, which every
    skmer transformer gets from scikit-learn's ``TransformerMixin``.
    """
    methods = []
    for name in _API_METHODS:
        owner = _defining_class(cls, name)
        if owner is None:
            continue
        if not owner.__module__.startswith("skmer.") and not (
            name == "fit_transform" and owner.__module__.startswith("sklearn.")
        ):
            continue
        if _is_hidden(vars(owner)[name]):
            continue
        methods.append(name)
    return methods


def _public_objects():
    """``(full name, object)`` of every public name of the documented modules."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for module_name in _DOCUMENTED_MODULES:
            module = importlib.import_module(module_name)
            for name in module.__all__:
                yield f"{module_name}.{name}", getattr(module, name)


# Read by the templates in docs/_templates/autosummary/ (plain strings: picklable).
autosummary_context = {
    # class.rst: the methods to document on each class page
    "skmer_methods": {
        full_name: _own_methods(obj)
        for full_name, obj in _public_objects()
        if inspect.isclass(obj)
    },
    # data.rst: constants whose value is too long to show (e.g. a dict of scorers)
    "skmer_long_values": [
        full_name
        for full_name, obj in _public_objects()
        if not inspect.isclass(obj) and not callable(obj) and len(repr(obj)) > 300
    ],
}

# -- sphinx-gallery -----------------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",  # docs/auto_examples (git-ignored)
    # Execute (and render) the plot_*.py scripts; examples/demo.py is a command-line demo
    # that writes into the working directory: never executed, never rendered.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"^(__init__|demo)\.py$",  # matched against the file name
    "within_subsection_order": "_gallery_order.ExampleOrder",  # quick start first
    "image_scrapers": ("matplotlib",),
    "reset_modules": ("matplotlib",),
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": False,  # report every failing example, then fail the build
    "show_memory": False,
    "plot_gallery": "True",
    "min_reported_time": 0,
}

# -- HTML ---------------------------------------------------------------------------------

try:
    import pydata_sphinx_theme  # noqa: F401

    html_theme = "pydata_sphinx_theme"
    html_theme_options = {
        "navigation_with_keys": False,
        "show_toc_level": 2,
        "secondary_sidebar_items": ["page-toc"],
        "footer_start": ["copyright"],
        "footer_end": ["sphinx-version"],
    }
except ImportError:  # pragma: no cover - the docs extra installs the theme
    html_theme = "alabaster"
    html_theme_options = {}

html_title = f"skmer {release}"
html_static_path = []
html_show_sourcelink = False
