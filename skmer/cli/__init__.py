"""The ``skmer`` command line: predict, train, evaluate, demo.

Exit codes: 0 success; 1 some inputs could not be processed (the others'
results are still written); 2 bad usage, parameters, paths, data or model file
(one line, or a list of the problems, without a traceback); 130 interrupted
(Ctrl-C; ``train`` then writes no model).

The package is split by responsibility: ``_common`` (errors, exit codes, option
checks), ``_inputs`` (audio files, data sets), ``_output`` (predicting files, result
rows and their formats), ``_commands`` (the ``cmd_*`` functions, pipeline building),
``_quadrants`` (``train``/``evaluate`` on a 4Q folder) and ``_parser``
(:func:`make_parser`); this module has :func:`main` and re-exports the rest.
"""

from __future__ import annotations

import sys

from ._commands import (
    DYNAMIC_FRONT_END,
    build_dynamic_pipeline,
    build_pipeline,
    cmd_demo,
    cmd_evaluate,
    cmd_predict,
    cmd_tags,
    cmd_train,
)
from ._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    MAX_LISTED,
    CLIError,
    TrainingInterrupted,
    _listed,
)
from ._inputs import AUDIO_EXTENSIONS, collect_audio, load_dataset, load_dynamic_dataset
from ._output import format_rows, predict_files
from ._parser import make_parser

__all__ = [
    "AUDIO_EXTENSIONS", "DYNAMIC_FRONT_END", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PARTIAL",
    "EXIT_USAGE", "MAX_LISTED", "CLIError", "TrainingInterrupted", "build_dynamic_pipeline",
    "build_pipeline", "cmd_demo", "cmd_evaluate", "cmd_predict", "cmd_tags", "cmd_train",
    "collect_audio", "format_rows", "load_dataset", "load_dynamic_dataset", "main",
    "make_parser", "predict_files",
]


def main(argv=None):
    import warnings

    parser = make_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_USAGE

    def error(message):
        print(f"skmer {args.command}: error: {message}", file=sys.stderr)
        return EXIT_USAGE

    def show_warning(message, category, filename, lineno, file=None, line=None):
        print(f"skmer {args.command}: warning: {message}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.showwarning = show_warning  # no source lines of skmer's internals
        try:
            return args.func(args)
        except CLIError as exc:
            return error(exc)
        except (KeyboardInterrupt, TrainingInterrupted):
            done = "; no model written" if args.command == "train" else ""
            print(f"\nskmer {args.command}: interrupted{done}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:
            from ..datasets import DatasetError
            from ..exceptions import FeatureExtractionError, TrainingDivergedError
            from ..model_io import ModelFileError

            skip = " (use --on-error skip to leave them out)" if hasattr(args, "on_error") else ""
            if isinstance(exc, DatasetError):
                return error(f"{exc.dataset}: {len(exc.problems)} problem(s){skip}:\n"
                             + _listed(exc.problems))
            if isinstance(exc, FeatureExtractionError):
                return error(f"{len(exc.failures)} audio file(s) could not be read{skip}:\n"
                             + _listed(f"{d}: {reason}" for d, reason in exc.failures))
            from ..pretrained import MusicnnNotInstalledError

            if isinstance(exc, ModelFileError | FileNotFoundError | TrainingDivergedError
                          | MusicnnNotInstalledError):
                return error(exc)
            if isinstance(exc, ValueError | TypeError) and args.command in ("train", "evaluate"):
                # a hyper-parameter an estimator refuses: its message names it
                return error(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            raise
