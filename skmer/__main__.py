"""``python -m skmer``: the ``skmer`` command line (see :mod:`skmer.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
