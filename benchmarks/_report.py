"""Shared helpers for benchmark scripts: machine description and RESULTS.md sections."""

from __future__ import annotations

import os
import platform
import re
import shlex
import sys
from datetime import datetime, timezone
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADER = (
    "# Measured results\n\n"
    "Each section is written by the benchmark script it names; rerun the script to refresh "
    "it. Figures are measurements from the machine stated in the section, never targets.\n"
)


def cpu():
    """The CPU's model name (``/proc/cpuinfo``), else what :mod:`platform` knows."""
    name = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return name


def machine():
    """One line naming the CPU, core count, Python and key library versions."""
    versions = []
    for name in ("numpy", "scipy", "librosa", "soundfile", "torch", "sklearn"):
        module = sys.modules.get(name)
        if module is not None:
            versions.append(f"{name} {getattr(module, '__version__', '?')}")
    return f"{cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}; " + ", ".join(
        versions
    )


def command_line():
    return "python " + " ".join(shlex.quote(a) for a in [os.path.relpath(sys.argv[0])] +
                                sys.argv[1:])


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_section(name, body):
    """Replace (or append) the ``## name`` section of RESULTS.md with `body`."""
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    section = (
        f"## {name}\n\n_Command:_ `{command_line()}`  \n_Machine:_ {machine()}  \n"
        f"_Run:_ {stamp}\n\n{body.strip()}\n"
    )
    pattern = re.compile(rf"^## {re.escape(name)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text)
    else:
        text = text.rstrip() + "\n\n" + section
    RESULTS.write_text(text.rstrip() + "\n")
    print(f"wrote section '{name}' of {RESULTS}")
