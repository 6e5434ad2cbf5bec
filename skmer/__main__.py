"""Command line entry point: ``skmer`` / ``python -m skmer``."""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path

from ._version import __version__


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="skmer", description="Music emotion recognition with scikit-learn estimators."
    )
    parser.add_argument("--version", action="version", version=f"skmer {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="run the demo (examples/demo.py) on built-in data")
    args = parser.parse_args(argv)
    if args.command == "demo":
        demo = Path(__file__).resolve().parents[1] / "examples" / "demo.py"
        if not demo.exists():
            parser.error(f"the demo script is not installed alongside skmer ({demo})")
        runpy.run_path(str(demo), run_name="__main__")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
