"""Order of the gallery examples (sphinx-gallery's ``within_subsection_order``).

Named in ``docs/conf.py`` by its import path (a string keeps the Sphinx configuration
picklable); ``docs/`` is put on ``sys.path`` there.
"""

import os

#: Examples shown first, in this order; any other example follows, by file name.
FIRST = (
    "plot_quickstart.py",
    "plot_grid_search_seg_num.py",
    "plot_baseline_comparison.py",
    "plot_damff_dynamic_curves.py",
    "plot_multilabel_tagging.py",
)


class ExampleOrder:
    """Sort key: the position in `FIRST`, then the file name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = os.path.basename(filename)
        return (FIRST.index(name) if name in FIRST else len(FIRST), name)

    def __repr__(self):
        return "ExampleOrder"
