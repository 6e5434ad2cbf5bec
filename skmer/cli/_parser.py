"""The ``skmer`` argument parser: :func:`make_parser` and its shared model options.

One sub-parser per command (``predict``, ``train``, ``evaluate``, ``demo``), each set to
call its ``cmd_*`` function; ``train`` and ``evaluate`` share the model options of
``_add_model_options``.
"""

from __future__ import annotations

import argparse

from .._version import __version__
from ._commands import cmd_demo, cmd_evaluate, cmd_predict, cmd_train
from ._common import _folds, _jobs, _positive_float, _positive_int


def _add_model_options(parser):
    g = parser.add_argument_group("model")
    g.add_argument("--layout", choices=["auto", "pmemo", "deam", "4q", "csv"], default="auto",
                   help="dataset layout (default: detected); 4q trains a quadrant classifier")
    g.add_argument("--preset", choices=["cpu", "scratch", "paper"], default="cpu",
                   help="ADFF recipe (skmer.baselines.make_adff_pipeline): cpu (default; ADFF "
                        "on musicnn's pretrained levels, best on real music, minutes on a "
                        "CPU; needs `pip install --no-deps musicnn`), scratch (the whole "
                        "network trained from the log-Mel, no extra package) or paper (the "
                        "paper's protocol, GPU work); the options below override it")
    g.add_argument("--seg-num", type=_positive_int, default=None,
                   help="segments stacked as channels (the preset's: 4 for scratch, 6 for "
                        "paper; not for cpu)")
    g.add_argument("--width", type=_positive_float, default=None,
                   help="channel multiplier of the VGG16 trunk; 1.0 is the paper (scratch "
                        "and DAMFF: 0.125; not for cpu, which has no trunk)")
    g.add_argument("--epochs", type=_positive_int, default=None,
                   help="training epochs (the preset's: 40 cpu, 30 scratch; DAMFF 20)")
    g.add_argument("--lr", type=_positive_float, default=None,
                   help="learning rate (the preset's: 1e-3 cpu and DAMFF, 3e-3 scratch)")
    g.add_argument("--batch-size", type=_positive_int, default=None,
                   help="the preset's (16; paper 32)")
    g.add_argument("--lr-decay", action="store_true",
                   help="decay the learning rate at the paper's epochs 20, 45, ..., 170 "
                        "(default: the preset's schedule)")
    g.add_argument("--duration", type=_positive_float, default=20.0,
                   help="seconds per clip (20; with --dynamic the annotated span is used)")
    g.add_argument("--sr", type=_positive_int, default=None,
                   help="sampling rate in Hz (the preset's: 22050 scratch, 44100 paper and "
                        "DAMFF; not for cpu)")
    g.add_argument("--n-mels", type=_positive_int, default=None,
                   help="Mel bands (128; not for cpu)")
    g.add_argument("--device", default="auto", help="cpu, cuda or auto (default)")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--cache", default=None, help="folder caching decoded log-Mel spectrograms")
    g.add_argument("--jobs", type=_jobs, default=None, help="parallel feature extraction")
    g.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                   help="clips whose audio is missing or unreadable or whose labels are "
                        "broken: stop with the list of problems (raise, default) or leave "
                        "them out with a note (skip)")
    g.add_argument("-q", "--quiet", action="store_true")


def make_parser():
    parser = argparse.ArgumentParser(
        prog="skmer",
        description="Music emotion recognition (valence/arousal) with scikit-learn estimators.",
        epilog="Exit codes: 0 ok, 1 some files failed (others' results kept), 2 usage, "
               "parameter, data or model-file error, 130 interrupted.",
    )
    parser.add_argument("--version", action="version", version=f"skmer {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("predict", help="predict valence/arousal of audio files or folders",
                       description="Predict the emotion of audio files (or every audio file "
                                   "in folders) with a saved model.")
    p.add_argument("model", help="model file written by `skmer train` or skmer.save_model")
    p.add_argument("audio", nargs="*", help="audio files or folders")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--tags", action="store_true",
                   help="print musicnn's own top tags of each file instead (pretrained musicnn; "
                        "no model file: every positional argument is audio; needs "
                        "`pip install --no-deps musicnn`)")
    p.add_argument("--tags-model", default="MSD_musicnn",
                   choices=["MSD_musicnn", "MTT_musicnn", "MSD_vgg", "MTT_vgg"],
                   help="musicnn model for --tags (MSD_musicnn)")
    p.add_argument("--top", type=int, default=5, help="tags per file for --tags (5)")
    p.add_argument("--curve", action="store_true",
                   help="valence/arousal curves over each whole file, one point per label hop "
                        "(0.5 s; dynamic DAMFF models)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("train", help="train an ADFF (or DAMFF) model on a dataset folder or CSV",
                       description="Train a CPU-sized ADFF pipeline (log-Mel -> segments -> "
                                   "ADFF), or with --dynamic a DAMFF pipeline (log-Mel -> "
                                   "windows -> DAMFF), and write a model file.")
    p.add_argument("dataset", help="PMEmo, DEAM or 4Q folder, or a CSV with path,valence,arousal")
    p.add_argument("-o", "--output", required=True, help="model file to write")
    p.add_argument("--dynamic", action="store_true",
                   help="train DAMFF on the per-0.5 s annotations (PMEmo or DEAM) instead of "
                        "ADFF on the static ones; predict its curves with `predict --curve`")
    p.add_argument("--window", type=_positive_float, default=1.0,
                   help="with --dynamic: seconds of audio before each label (1.0)")
    _add_model_options(p)
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("evaluate", help="cross-validate an ADFF configuration on a dataset")
    p.add_argument("dataset", help="PMEmo, DEAM or 4Q folder, or a CSV with path,valence,arousal")
    p.add_argument("--cv", type=_folds, default=5,
                   help="folds (5); each test fold needs at least 2 clips")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    _add_model_options(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("demo", help="run the demo on the built-in synthetic data")
    p.set_defaults(func=cmd_demo)
    return parser
