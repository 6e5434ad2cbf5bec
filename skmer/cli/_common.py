"""What every part of the command line shares: errors, exit codes and option checks.

:class:`CLIError` (a user-facing error, exit code 2) and :class:`TrainingInterrupted`
(Ctrl-C during training), the exit codes, the context manager that makes Ctrl-C abort
``train``/``evaluate``, the ``argparse`` value types (``_positive_int``, ``_jobs``, ...),
the checks run before any work (``--device``, ``--output``) and ``_listed``, which
formats a list of problems for an error message.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
from pathlib import Path

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
MAX_LISTED = 20  # problems listed in an error message


class CLIError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""


class TrainingInterrupted(BaseException):
    """Ctrl-C during ``train``/``evaluate``.

    Not a ``KeyboardInterrupt``: skorch catches that, ends training early and
    returns the half-trained network, which ``train`` would then save.
    """


@contextlib.contextmanager
def _interrupt_aborts_training():
    """While training, make Ctrl-C abort the command instead of ending training early."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise TrainingInterrupted()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _number(kind, minimum, what):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        if not math.isfinite(value) or value < minimum or (minimum == 0 and value == 0):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    parse.__name__ = what  # argparse names the type in some messages
    return parse


_positive_int = _number(int, 1, "a positive integer")
_positive_float = _number(float, 0, "a positive number")
_folds = _number(int, 2, "an integer >= 2 (number of folds)")


def _jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value == 0:
        raise argparse.ArgumentTypeError("expected a positive integer, or -1 for all cores; got 0")
    return value


def _check_device(device):
    """``--device`` must name a device this machine has (checked before any work)."""
    import torch

    try:
        resolved = torch.device("cpu" if device == "auto" else device)
    except (RuntimeError, TypeError, ValueError):
        raise CLIError(f"--device {device!r}: expected cpu, cuda, cuda:N or auto") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise CLIError(f"--device {device}: CUDA is not available on this machine; use "
                       "--device cpu or --device auto")


def _check_output(path):
    """The model file can be written: checked before training, so no training is lost."""
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"--output {path} is a directory; give a file name, e.g. "
                       f"{path / 'model.skmer'}")
    folder = path.parent
    if not folder.is_dir():
        raise CLIError(f"--output {path}: the folder {folder} does not exist; create it first")
    if not os.access(folder, os.W_OK):
        raise CLIError(f"--output {path}: the folder {folder} is not writable")


def _listed(lines):
    lines = [str(line) for line in lines]
    shown = "\n".join(f"  - {line}" for line in lines[:MAX_LISTED])
    if len(lines) > MAX_LISTED:
        shown += f"\n  ... and {len(lines) - MAX_LISTED} more"
    return shown
