"""ADFF step time against seg_num: training / inference cost, fp32 vs bf16 + channels-last.

Reproduces the *shape* of the ADFF paper's Table 2 (time against the number of
segments a 20 s clip is cut into) on this machine: for each ``seg_num`` the
2000-frame x 128-mel input becomes ``(seg_num, 2000 // seg_num, 128)`` and the
script times

* one training step (forward, MSE loss on 2 outputs, backward, Adam step) on a
  batch of ``--batch`` clips, best of ``--steps`` steps after one warm-up
  step (medians are printed too), and the epoch-equivalent for PMEmo's 794
  choruses;
* inference per clip (eval mode, no grad, batches of ``--batch``);
* the FLOPs of a training step: convolutions and linear layers counted with
  :class:`torch.utils.flop_counter.FlopCounterMode` (forward + backward), the
  BiLSTMs analytically (FlopCounterMode does not see them; backward counted
  as 2x forward), and the achieved GFLOP/s against a large matmul and a 3x3
  convolution measured in the same run (fp32 and bf16).

fp32 and bf16 (autocast, fp32 master weights) + channels-last are measured
side by side. The table is printed and written to the ``## bench_seg_num_timing``
section of ``benchmarks/RESULTS.md`` (``## bench_seg_num_timing (smoke)`` at the
smoke size; other sections are left alone), and every measured time is appended
to the timing history ``benchmarks/timings.jsonl`` (``python -m benchmarks history``
shows it per commit). The accuracy side of the trade-off (the paper's Figure 3) is
``bench_seg_num_accuracy.py``.

Sizes: ``--smoke`` (seconds: width 1/16, 200 frames x 32 mels, seg_num 1 and 2, one
step) and the default (width 0.25, 20 s inputs, seg_num 1-16, about 3-4 minutes on
2 CPU cores). Options set away from the size's values are part of the size label
the history compares runs by.

Usage::

    python -m benchmarks seg_num_timing                       # width 0.25, batch 8
    python benchmarks/bench_seg_num_timing.py --smoke --results /tmp/R.md
    python benchmarks/bench_seg_num_timing.py --width 1.0 --seg-nums 6 --batch 4
    python benchmarks/bench_seg_num_timing.py --full-width-seg-nums 1,6   # width-1 check
    python benchmarks/bench_seg_num_timing.py --device cuda
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import _report  # noqa: E402
import _suite as S  # noqa: E402

from skmer.nn import ADFFNet  # noqa: E402

SCRIPT = "bench_seg_num_timing"
PMEMO_CLIPS = 794
CONFIGS = {"fp32": ("fp32", False), "bf16+cl": ("bf16", True)}
#: The sizes: the network, input and protocol of the timed steps, and of the references.
SIZES = {
    "smoke": dict(width=1 / 16, seg_nums="1,2", batch=2, steps=1, frames=200, mels=32,
                  lstm_hidden=8, full_width_seg_nums="", full_width_batch=2, matmul_n=512,
                  conv_channels=64, conv_maps=32, reps=1),
    "default": dict(width=0.25, seg_nums="1,2,4,6,8,12,16", batch=8, steps=5, frames=2000,
                    mels=128, lstm_hidden=64, full_width_seg_nums="6", full_width_batch=4,
                    matmul_n=2048, conv_channels=256, conv_maps=64, reps=5),
}
#: Options that only add or remove rows (figures): not part of the history's size label.
_ROWS_ONLY = ("seg_nums", "full_width_seg_nums", "precision")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    size = p.add_mutually_exclusive_group()
    size.add_argument("--smoke", dest="size", action="store_const", const="smoke",
                      help="seconds-long run for the test suite (numbers mean little)")
    size.add_argument("--size", choices=list(SIZES), dest="size",
                      help="one of the sizes of SIZES (default: default)")
    p.set_defaults(size="default")
    p.add_argument("--width", type=float, help="channel multiplier (1.0 = VGG16; 0.25)")
    p.add_argument("--seg-nums", help="comma-separated seg_num values (1,2,4,6,8,12,16)")
    p.add_argument("--batch", type=int, help="clips per batch (8)")
    p.add_argument("--steps", type=int, help="timed steps per setting, after warm-up (5)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto (default: cpu)")
    p.add_argument("--precision", default="both", choices=["fp32", "bf16", "both"],
                   help="fp32, bf16 (+ channels-last) or both side by side")
    p.add_argument("--frames", type=int, help="frames per clip (2000: 20 s at 10 ms hop)")
    p.add_argument("--mels", type=int, help="mel bands (128)")
    p.add_argument("--lstm-hidden", type=int, help="BiLSTM hidden size (64)")
    p.add_argument("--full-width-seg-nums",
                   help="also time a width=1.0 training step at these seg_nums "
                        "(6; '' to skip)")
    p.add_argument("--full-width-batch", type=int, help="batch of the width-1 steps (4)")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    S.add_history_options(p)
    args = p.parse_args(argv)
    overrides = {}
    for key, value in SIZES[args.size].items():
        given = getattr(args, key, None)
        if given is None:
            setattr(args, key, value)
        elif given != value and key not in _ROWS_ONLY:
            overrides[key] = format(given, "g") if isinstance(given, float) else given
    if args.device != "cpu":
        overrides["device"] = args.device
    if args.threads is not None:
        overrides["threads"] = args.threads
    args.label = S.size_label(args.size, overrides)
    return args


# ----------------------------------------------------------------------------- timing


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _best(fn, reps, device):
    fn()
    _sync(device)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return best


def matmul_gflops(dtype, device, n=2048, reps=5):
    """Best-of-``reps`` GFLOP/s of an n x n x n matmul."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    return 2 * n**3 / _best(lambda: a @ b, reps, device) / 1e9


def conv_gflops(dtype, device, channels=256, maps=64, reps=5):
    """Best-of-``reps`` GFLOP/s of a 3x3 convolution (`channels` -> `channels`,
    4 x `maps` x `maps`, channels-last): the kernel type that dominates ADFF."""
    x = torch.randn(4, channels, maps, maps, device=device, dtype=dtype)
    x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(channels, channels, 3, 3, device=device, dtype=dtype)
    w = w.contiguous(memory_format=torch.channels_last)
    flops = 2 * channels * channels * 9 * maps * maps * 4
    return flops / _best(lambda: torch.nn.functional.conv2d(x, w, padding=1), reps,
                         device) / 1e9


def lstm_flops(net, batch, n_frames, n_mels):
    """Analytic FLOPs of the BiLSTMs for one training step (forward x 3)."""
    if net.tflm is None:
        return 0
    total = 0
    for level, tflm in enumerate(net.tflm, start=1):
        steps = n_frames // 2**level
        lstm = tflm.lstm
        h = lstm.hidden_size
        for layer in range(lstm.num_layers):
            inp = lstm.input_size if layer == 0 else 2 * h
            # 4 gates, (input + hidden) MACs each, 2 directions
            total += 2 * 4 * h * (inp + h) * 2 * steps * batch
    return 3 * total


def counted_flops(net, x, y):
    """Conv + linear FLOPs of forward + backward seen by FlopCounterMode."""
    net.zero_grad(set_to_none=True)
    with FlopCounterMode(display=False) as fc:
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
    counts = fc.get_flop_counts().get("Global", {})
    conv = sum(v for k, v in counts.items() if "convolution" in str(k))
    return fc.get_total_flops(), conv


def time_training(net, x, y, steps, device):
    opt = torch.optim.Adam(net.parameters(), lr=1e-5, weight_decay=1e-5)
    net.train()
    times = []
    for i in range(steps + 1):
        _sync(device)
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.mse_loss(net(x), y)
        loss.backward()
        opt.step()
        _sync(device)
        if i > 0:  # the first step pays for one-off kernel set-up
            times.append(time.perf_counter() - t)
    return min(times), statistics.median(times)


def time_inference(net, x, steps, device):
    net.eval()
    times = []
    with torch.no_grad():
        for i in range(steps + 1):
            _sync(device)
            t = time.perf_counter()
            net(x)
            _sync(device)
            if i > 0:
                times.append(time.perf_counter() - t)
    return min(times) / x.shape[0], statistics.median(times) / x.shape[0]


def bench_one(seg_num, width, batch, steps, device, configs, frames, mels, lstm_hidden):
    seg_frames = frames // seg_num
    g = torch.Generator().manual_seed(seg_num)
    x = torch.randn(batch, seg_num, seg_frames, mels, generator=g).to(device)
    y = torch.randn(batch, 2, generator=g).to(device)
    row = {"seg_num": seg_num, "seg_frames": seg_frames}
    for name in configs:
        precision, channels_last = CONFIGS[name]
        torch.manual_seed(0)
        net = ADFFNet(seg_num=seg_num, n_outputs=2, width=width, lstm_hidden=lstm_hidden,
                      precision=precision, channels_last=channels_last).to(device)
        if "flops" not in row:
            total, conv = counted_flops(net, x, y)
            row["conv_flops"] = conv
            row["flops"] = total + lstm_flops(net, batch, seg_frames, mels)
        row[f"{name}_train"], row[f"{name}_train_median"] = time_training(net, x, y, steps, device)
        row[f"{name}_infer"], row[f"{name}_infer_median"] = time_inference(net, x, steps, device)
        del net
    return row


# ----------------------------------------------------------------------------- report


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def format_table(rows, configs, batch):
    base = rows[0]
    head = ["seg_num", "frames/seg", "GFLOP/step"]
    for name in configs:
        head += [f"{name} s/step", f"{name} s/epoch*", f"{name} ms/clip infer",
                 f"{name} GFLOP/s", f"{name} speed-up vs seg_num={base['seg_num']}"]
    if len(configs) == 2:
        head.append("bf16+cl / fp32 (train)")
    body = []
    for r in rows:
        cells = [str(r["seg_num"]), str(r["seg_frames"]), _fmt(r["flops"] / 1e9, ".1f")]
        for name in configs:
            t = r[f"{name}_train"]
            cells += [_fmt(t, ".3f"), _fmt(t * PMEMO_CLIPS / batch, ".0f"),
                      _fmt(r[f"{name}_infer"] * 1e3, ".1f"), _fmt(r["flops"] / t / 1e9, ".0f"),
                      _fmt(base[f"{name}_train"] / t, ".1f") + "x"]
        if len(configs) == 2:
            cells.append(_fmt(r["fp32_train"] / r["bf16+cl_train"], ".2f") + "x")
        body.append(cells)
    return _report.markdown_table(head, body)


def paper_table():
    seg = list(S.PAPER_TABLE2)
    return _report.markdown_table(["seg_num", *map(str, seg)],
                                  [["time (h)", *(f"{S.PAPER_TABLE2[s]:.2f}" for s in seg)]])


def history_figures(rows, full_rows, configs, mm, cv):
    """(figure, value, unit[, better]) of every measured time, for S.record_timings."""
    figures = [(f"reference {kind} {dtype}", value, "GFLOP/s", "higher")
               for kind, ref in (("matmul", mm), ("conv3x3", cv)) for dtype, value in ref.items()]
    for suffix, rs, cs in (("", rows, configs), (", width 1", full_rows, ["fp32", "bf16+cl"])):
        for r in rs:
            for c in cs:
                figures.append((f"train step {c}, seg_num {r['seg_num']}{suffix}",
                                r[f"{c}_train"], "s"))
                figures.append((f"inference {c}, seg_num {r['seg_num']}{suffix}",
                                r[f"{c}_infer"] * 1e3, "ms/clip"))
    return figures


def main(argv=None):
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(S.device_of(args))
    configs = {"fp32": ["fp32"], "bf16": ["bf16+cl"], "both": ["fp32", "bf16+cl"]}[args.precision]
    seg_nums = [int(s) for s in args.seg_nums.split(",") if s]
    full_seg_nums = [int(s) for s in args.full_width_seg_nums.split(",") if s]
    t_start = time.perf_counter()

    mm = {name: matmul_gflops(dtype, device, args.matmul_n, args.reps)
          for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))}
    cv = {name: conv_gflops(dtype, device, args.conv_channels, args.conv_maps, args.reps)
          for name, dtype in (("fp32", torch.float32), ("bf16", torch.bfloat16))}
    conv_shape = (f"{args.conv_channels} -> {args.conv_channels} channels, 4 x {args.conv_maps}"
                  f" x {args.conv_maps}")
    print(f"matmul {args.matmul_n}^3: fp32 {mm['fp32']:.0f} GFLOP/s, "
          f"bf16 {mm['bf16']:.0f} GFLOP/s")
    print(f"conv3x3 {conv_shape}: fp32 {cv['fp32']:.0f} GFLOP/s, bf16 {cv['bf16']:.0f} GFLOP/s")

    def run(seg_num, width, batch, cs):
        row = bench_one(seg_num, width, batch, args.steps, device, cs, args.frames, args.mels,
                        args.lstm_hidden)
        print(f"width={width:g} seg_num={seg_num:2d}: " + ", ".join(
            f"{c} {row[f'{c}_train']:.3f} s/step (median {row[f'{c}_train_median']:.3f})"
            for c in cs), flush=True)
        return row

    rows = [run(n, args.width, args.batch, configs) for n in seg_nums]
    full_rows = [run(n, 1.0, args.full_width_batch, ["fp32", "bf16+cl"]) for n in full_seg_nums]
    elapsed = time.perf_counter() - t_start

    goals = []
    for label, rs, cs in ((f"width {args.width:g}", rows, configs),
                          ("width 1", full_rows, ["fp32", "bf16+cl"])):
        by_seg = {r["seg_num"]: r for r in rs}
        if 1 in by_seg and 6 in by_seg:
            for c in cs:
                ratio = by_seg[1][f"{c}_train"] / by_seg[6][f"{c}_train"]
                goals.append(f"- seg_num 1 -> 6 training speed-up, {label}, {c}: "
                             f"**{ratio:.1f}x** (goal >= 8x; paper 9.8x) - "
                             f"{'met' if ratio >= 8 else 'NOT met'}")
    for r in full_rows:
        ratio = r["fp32_train"] / r["bf16+cl_train"]
        goals.append(f"- bf16+channels-last vs fp32 training step, width 1, seg_num "
                     f"{r['seg_num']}, batch {args.full_width_batch}: **{ratio:.2f}x** "
                     f"(goal >= 2x) - {'met' if ratio >= 2 else 'NOT met'}")

    setting = ([f"GPU {torch.cuda.get_device_name(device)}"] if device.type == "cuda" else [])
    setting.append(f"{torch.get_num_threads()} torch intra-op threads")
    try:
        setting.append("load average at start "
                       f"{' '.join(f'{v:.2f}' for v in os.getloadavg())} (shared machine)")
    except OSError:  # pragma: no cover - no getloadavg
        pass
    secs = args.frames / 100
    out = [
        "Training/inference cost of the ADFF network against `seg_num` (paper Table 2),",
        "fp32 vs bf16 autocast + channels-last (`bf16+cl`).",
        "",
        f"- setting: {'; '.join(setting)}",
        f"- config: size `{args.label}`, device {device}, width {args.width:g}, batch "
        f"{args.batch}, input {args.frames} frames x {args.mels} mels ({secs:g} s) cut into "
        f"seg_num segments, lstm_hidden {args.lstm_hidden}, 2 outputs, Adam; times are the "
        f"best of {args.steps} steps after 1 warm-up (the machine is shared: other processes "
        "inflate single steps; medians are printed on the console); the whole run took "
        f"{elapsed:.0f} s",
        f"- references measured in the same run: matmul {args.matmul_n}^3 (`torch.mm`) fp32 "
        f"{mm['fp32']:.0f} / bf16 {mm['bf16']:.0f} GFLOP/s; one 3x3 convolution "
        f"({conv_shape}, channels-last) fp32 {cv['fp32']:.0f} / bf16 {cv['bf16']:.0f} GFLOP/s. "
        "The network is mostly 3x3 convolutions, so the conv figures are the relevant "
        f"ceiling (here fp32 `torch.mm` reaches {mm['fp32'] / cv['fp32']:.0%} of the fp32 "
        "convolution's rate).",
        "- GFLOP/step: conv + linear forward+backward counted by FlopCounterMode plus the "
        "BiLSTMs analytically (3x forward); GFLOP/s = GFLOP/step / s/step.",
        f"- s/epoch*: s/step x {PMEMO_CLIPS} / batch, one pass over PMEmo's {PMEMO_CLIPS} "
        "choruses at this batch size (the paper trains 200 epochs at batch 32).",
        "- Every time and reference is also appended to the timing history (by default "
        "`benchmarks/timings.jsonl`); "
        "`python -m benchmarks history --benchmark seg_num_timing` lists them per commit.",
        "",
        format_table(rows, configs, args.batch),
        "",
    ]
    if full_rows:
        out += [f"Full width (width=1.0, VGG16 channels), batch {args.full_width_batch}:", "",
                format_table(full_rows, ["fp32", "bf16+cl"], args.full_width_batch), ""]
    if goals:
        out += ["Goals (from the issue):", "", *goals, ""]
    out += ["Paper Table 2 for orientation (hours for their whole training run, hardware not "
            "stated; 9.8x from seg_num 1 to 6):", "", paper_table(), ""]
    text = "\n".join(out)
    print()
    print(text)
    if not args.no_write:
        _report.RESULTS = Path(args.results)
        _report.write_section(SCRIPT if args.size == "default" else f"{SCRIPT} ({args.size})",
                              text)
    S.record_timings(SCRIPT, args.label, history_figures(rows, full_rows, configs, mm, cv),
                     args)
    return {"rows": rows, "full_width_rows": full_rows, "matmul": mm, "conv": cv}


if __name__ == "__main__":
    main()
