"""Decode + log-Mel throughput, cold start and cache speedup of LogMelTransformer.

Compares, in one run on the same files, skmer's front end with the plain librosa path
(``librosa.load`` + ``librosa.feature.melspectrogram`` + ``librosa.power_to_db``) at the
ADFF settings (44.1 kHz, 128 Mel bands, 60 ms window, 10 ms hop), and writes the figures
to the ``bench_features`` section of benchmarks/RESULTS.md (``bench_features (smoke)`` at
the smoke size). Every measured time is also appended to the timing history
``benchmarks/timings.jsonl`` (``python -m benchmarks history`` shows it per commit).

Sizes: the default (every audio file of ``--data``, best of 5, cold start median of 3,
musicnn embeddings when musicnn is installed; about a minute) and ``--smoke`` (the first
file only, one pass, one cold start each, no musicnn; seconds). Options set away from the
size's values are part of the size label the history compares runs by.

Usage::

    python -m benchmarks features [--data DIR_WITH_AUDIO] [--repeats 5]
    python benchmarks/bench_features.py --smoke --results /tmp/R.md
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import _report  # noqa: E402
import _suite as S  # noqa: E402
from _report import markdown_table  # noqa: E402

DEFAULT_DATA = Path(os.environ.get("SKMER_TEST_DATA", HERE.parent.parent / "shared" / "data"))
#: size -> (files, repeats, cold-start runs, musicnn row); None: every file
SIZES = {"default": (None, 5, 3, True), "smoke": (1, 1, 1, False)}

COLD_OURS = """
import time, sys
t0 = time.perf_counter()
from skmer import LogMelTransformer
t1 = time.perf_counter()
LogMelTransformer(duration=None).fit_transform([sys.argv[1]])
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""
COLD_LIBROSA = """
import time, sys
t0 = time.perf_counter()
import librosa
t1 = time.perf_counter()
y, sr = librosa.load(sys.argv[1], sr=44100)
librosa.power_to_db(librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2646, hop_length=441,
                                                   n_mels=128))
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def librosa_path(path):
    import librosa

    y, sr = librosa.load(path, sr=44100)
    S = librosa.feature.melspectrogram(y=y, sr=sr, n_fft=2646, hop_length=441, n_mels=128)
    return librosa.power_to_db(S)


def skmer_path(path, transformer):
    return transformer.fit_transform([path])


def best_time(fn, repeats):
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times), sorted(times)[len(times) // 2]


def cold_start(script, path, repeats=3):
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, "-c", script, path], capture_output=True,
                             text=True, check=True)
        runs.append(tuple(float(v) for v in out.stdout.split()))
    runs.sort(key=lambda r: r[0] + r[1])
    return runs[len(runs) // 2]


def torch_threads():
    import torch

    return torch.get_num_threads()


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_data = DEFAULT_DATA / "pmemo-sample" / "chorus"
    parser.add_argument("--data", type=Path, default=default_data,
                        help="folder of audio files (default: the PMEmo sample's MP3s)")
    parser.add_argument("--repeats", type=int, help="timed passes, best kept (5; smoke 1)")
    parser.add_argument("--smoke", dest="size", action="store_const", const="smoke",
                        default="default", help="first file, one pass, no musicnn: seconds")
    S.add_history_options(parser)
    args = parser.parse_args(argv)
    n_files, repeats, args.cold_runs, args.musicnn = SIZES[args.size]
    overrides = {}
    if args.repeats is None:
        args.repeats = repeats
    elif args.repeats != repeats:
        overrides["repeats"] = args.repeats
    if args.data.resolve() != default_data.resolve():
        overrides["data"] = args.data.name
    files = sorted(str(p) for p in args.data.iterdir() if p.suffix.lower() in
                   {".mp3", ".wav", ".flac", ".ogg"})
    if not files:
        sys.exit(f"no audio files in {args.data}")
    args.files = files[:n_files]
    args.label = S.size_label(args.size, overrides)
    return args


def main(argv=None):
    args = parse_args(argv)
    files = args.files

    import soundfile as sf

    from skmer import LogMelTransformer
    from skmer.audio import load_audio

    seconds = sum(load_audio(f)[0].size / 44100 for f in files)
    ours = LogMelTransformer(duration=None)

    # warm both paths (librosa JIT, our FFT plans) before timing
    for f in files:
        librosa_path(f)
        skmer_path(f, ours)

    def decode_only():
        for f in files:
            sf.read(f, dtype="float32")

    rows = []
    results = {}
    for name, fn in [
        ("soundfile decode only", decode_only),
        ("librosa load + melspectrogram + power_to_db",
         lambda: [librosa_path(f) for f in files]),
        ("skmer LogMelTransformer (no cache)", lambda: [skmer_path(f, ours) for f in files]),
    ]:
        best, median = best_time(fn, args.repeats)
        results[name] = best
        rows.append([name, f"{seconds / best:.0f}x", f"{seconds / median:.0f}x",
                     f"{best * 1000:.0f} ms"])
    speedup = results["librosa load + melspectrogram + power_to_db"] / results[
        "skmer LogMelTransformer (no cache)"]
    musicnn_line = ""
    if args.musicnn and importlib.util.find_spec("musicnn") is not None:
        from skmer.pretrained import MusicnnEmbedding

        embed = MusicnnEmbedding().fit(files)
        embed.transform(files[:1])  # weights converted / loaded once
        name = "skmer MusicnnEmbedding (no cache; decode, mel, network)"
        best, median = best_time(lambda: embed.transform(files), max(1, args.repeats // 2))
        results[name] = best
        rows.append([name, f"{seconds / best:.0f}x", f"{seconds / median:.0f}x",
                     f"{best * 1000:.0f} ms"])
        musicnn_line = (f"- musicnn embeddings (MSD_musicnn, 3 s patches, CPU, torch "
                        f"{torch_threads()} threads): **{best / seconds * 30:.2f} s per 30 s "
                        "clip**.\n")

    with tempfile.TemporaryDirectory() as cache:
        cached = LogMelTransformer(duration=None, memory=cache)
        t = time.perf_counter()
        for f in files:
            skmer_path(f, cached)
        first_pass = time.perf_counter() - t
        second_best, _ = best_time(lambda: [skmer_path(f, cached) for f in files], args.repeats)
    cache_speedup = first_pass / second_best

    cold_ours = cold_start(COLD_OURS, files[0], args.cold_runs)
    cold_librosa = cold_start(COLD_LIBROSA, files[0], args.cold_runs)

    table = markdown_table(["path", "throughput (best)", "throughput (median)", "wall (best)"],
                           rows)
    cold = markdown_table(
        ["path", "import", "first call (one file)"],
        [["skmer", f"{cold_ours[0]:.2f} s", f"{cold_ours[1]:.2f} s"],
         ["librosa", f"{cold_librosa[0]:.2f} s", f"{cold_librosa[1]:.2f} s"]],
    )
    body = f"""
{len(files)} files, {seconds:.1f} s of audio ({args.data.name}/), one process, warm, best of
{args.repeats}. Throughput is seconds of audio per wall-clock second.

{table}

- skmer vs librosa path, warm: **{speedup:.2f}x** (goal >= 1.4x).
{musicnn_line}- Cached second pass (`memory=`) vs a cold first pass: **{cache_speedup:.0f}x**
  ({first_pass * 1000:.0f} ms -> {second_best * 1000:.0f} ms; goal >= 20x).

Cold start in a fresh process (median of {args.cold_runs}; numba cache already populated for
librosa):

{cold}

skmer's first call pays no JIT (goal < 0.3 s after import); its import time is mostly
scikit-learn and scipy.
"""
    print(body)
    if not args.no_write:
        _report.RESULTS = Path(args.results)
        _report.write_section("bench_features" if args.size == "default"
                              else f"bench_features ({args.size})", body)
    figures = [(f"wall {name}", wall, "s") for name, wall in results.items()]
    figures += [("wall skmer LogMelTransformer, cached first pass", first_pass, "s"),
                ("wall skmer LogMelTransformer, cached second pass", second_best, "s"),
                ("cold start skmer import", cold_ours[0], "s"),
                ("cold start skmer first call", cold_ours[1], "s"),
                ("cold start librosa import", cold_librosa[0], "s"),
                ("cold start librosa first call", cold_librosa[1], "s")]
    S.record_timings("bench_features", args.label, figures, args)
    return body


if __name__ == "__main__":
    main()
