"""Training / inference cost of ADFF against seg_num, fp32 vs bf16 + channels-last.

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
  as 2x forward), and the achieved GFLOP/s against a large matmul measured in
  the same run (fp32 and bf16).

fp32 and bf16 (autocast, fp32 master weights) + channels-last are measured
side by side. The table is printed and written to the ``## bench_seg_num``
section of ``benchmarks/RESULTS.md`` (other sections are left alone).

Usage::

    python benchmarks/bench_seg_num.py                      # width 0.25, batch 8
    python benchmarks/bench_seg_num.py --width 1.0 --seg-nums 6 --batch 4
    python benchmarks/bench_seg_num.py --full-width-seg-nums 1,6   # add a width-1 check

Accuracy part (the paper's Figure 3: R² and RMSE of valence and arousal against
seg_num on the simple dataset), a separate run with the options of the other
accuracy benchmarks (``benchmarks/_suite.py``: data, size, seed, device) that
writes its own ``## bench_seg_num accuracy (...)`` section and a PNG::

    python benchmarks/bench_seg_num.py --accuracy --quick            # synthetic
    python benchmarks/bench_seg_num.py --accuracy --seg-nums 1,6,12 --pmemo /data/PMEmo2019
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
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from _report import markdown_table, write_section  # noqa: E402

from skmer.nn import ADFFNet  # noqa: E402

SECTION = "bench_seg_num"
PMEMO_CLIPS = 794
# Paper Table 2: training time (hours) of the whole protocol per seg_num.
PAPER_TABLE2 = {1: 4.99, 2: 1.52, 4: 0.76, 6: 0.51, 8: 0.40, 10: 0.28, 12: 0.29, 14: 0.27, 16: 0.25}
CONFIGS = {"fp32": ("fp32", False), "bf16+cl": ("bf16", True)}


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--width", type=float, default=0.25, help="channel multiplier (1.0 = VGG16)")
    p.add_argument("--seg-nums", default="1,2,4,6,8,12,16", help="comma-separated seg_num values")
    p.add_argument("--batch", type=int, default=8, help="clips per batch")
    p.add_argument("--steps", type=int, default=5, help="timed steps per setting (after warm-up)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or auto")
    p.add_argument(
        "--precision",
        default="both",
        choices=["fp32", "bf16", "both"],
        help="fp32, bf16 (+ channels-last) or both side by side",
    )
    p.add_argument("--frames", type=int, default=2000, help="frames per clip (20 s at 10 ms hop)")
    p.add_argument("--mels", type=int, default=128, help="mel bands")
    p.add_argument("--lstm-hidden", type=int, default=64, help="BiLSTM hidden size")
    p.add_argument(
        "--full-width-seg-nums",
        default="6",
        help="also time a width=1.0 training step at these seg_nums ('' to skip)",
    )
    p.add_argument("--full-width-batch", type=int, default=4)
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads")
    p.add_argument("--no-write", action="store_true", help="do not update RESULTS.md")
    p.add_argument(
        "--accuracy",
        action="store_true",
        help="run the Figure-3 accuracy part instead (see --accuracy --help)",
    )
    return p.parse_args(argv)


# ----------------------------------------------------------------------------- timing


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_gflops(dtype, device, n=2048, reps=5):
    """Best-of-``reps`` GFLOP/s of an n x n x n matmul."""
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    _sync(device)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        a @ b
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def conv_gflops(dtype, device, reps=5):
    """Best-of-``reps`` GFLOP/s of a 3x3 convolution (256 -> 256 channels,
    4 x 64 x 64 maps, channels-last): the kernel type that dominates ADFF."""
    x = torch.randn(4, 256, 64, 64, device=device, dtype=dtype)
    x = x.contiguous(memory_format=torch.channels_last)
    w = torch.randn(256, 256, 3, 3, device=device, dtype=dtype)
    w = w.contiguous(memory_format=torch.channels_last)
    flops = 2 * 256 * 256 * 9 * 64 * 64 * 4
    torch.nn.functional.conv2d(x, w, padding=1)
    _sync(device)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        torch.nn.functional.conv2d(x, w, padding=1)
        _sync(device)
        best = min(best, time.perf_counter() - t)
    return flops / best / 1e9


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
        net = ADFFNet(
            seg_num=seg_num,
            n_outputs=2,
            width=width,
            lstm_hidden=lstm_hidden,
            precision=precision,
            channels_last=channels_last,
        ).to(device)
        if "flops" not in row:
            total, conv = counted_flops(net, x, y)
            row["conv_flops"] = conv
            row["flops"] = total + lstm_flops(net, batch, seg_frames, mels)
        row[f"{name}_train"], row[f"{name}_train_median"] = time_training(net, x, y, steps, device)
        row[f"{name}_infer"], row[f"{name}_infer_median"] = time_inference(net, x, steps, device)
        del net
    return row


# ----------------------------------------------------------------------------- report


def machine_info(device):
    """Details beyond _report.machine(): torch threads, load, GPU."""
    info = {"torch_threads": torch.get_num_threads()}
    try:
        info["load_avg"] = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        pass
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def _fmt(v, spec):
    return "-" if v is None else format(v, spec)


def format_table(rows, configs, batch):
    base = rows[0]
    head = ["seg_num", "frames/seg", "GFLOP/step"]
    for name in configs:
        head += [
            f"{name} s/step",
            f"{name} s/epoch*",
            f"{name} ms/clip infer",
            f"{name} GFLOP/s",
            f"{name} speed-up vs seg_num={base['seg_num']}",
        ]
    if len(configs) == 2:
        head.append("bf16+cl / fp32 (train)")
    body = []
    for r in rows:
        cells = [str(r["seg_num"]), str(r["seg_frames"]), _fmt(r["flops"] / 1e9, ".1f")]
        for name in configs:
            t = r[f"{name}_train"]
            cells += [
                _fmt(t, ".3f"),
                _fmt(t * PMEMO_CLIPS / batch, ".0f"),
                _fmt(r[f"{name}_infer"] * 1e3, ".1f"),
                _fmt(r["flops"] / t / 1e9, ".0f"),
                _fmt(base[f"{name}_train"] / t, ".1f") + "x",
            ]
        if len(configs) == 2:
            cells.append(_fmt(r["fp32_train"] / r["bf16+cl_train"], ".2f") + "x")
        body.append(cells)
    return markdown_table(head, body)


def paper_table():
    seg = list(PAPER_TABLE2)
    lines = [
        "| seg_num | " + " | ".join(map(str, seg)) + " |",
        "|---|" + "---|" * len(seg),
        "| time (h) | " + " | ".join(f"{PAPER_TABLE2[s]:.2f}" for s in seg) + " |",
    ]
    return "\n".join(lines)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--accuracy" in argv:
        argv.remove("--accuracy")
        return accuracy_main(argv)
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    if dev == "auto":
        dev = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(dev)
    configs = {"fp32": ["fp32"], "bf16": ["bf16+cl"], "both": ["fp32", "bf16+cl"]}[args.precision]
    seg_nums = [int(s) for s in args.seg_nums.split(",") if s]
    full_seg_nums = [int(s) for s in args.full_width_seg_nums.split(",") if s]
    info = machine_info(device)
    t_start = time.perf_counter()

    mm = {
        "fp32": matmul_gflops(torch.float32, device),
        "bf16": matmul_gflops(torch.bfloat16, device),
    }
    cv = {
        "fp32": conv_gflops(torch.float32, device),
        "bf16": conv_gflops(torch.bfloat16, device),
    }
    print(f"matmul 2048^3: fp32 {mm['fp32']:.0f} GFLOP/s, bf16 {mm['bf16']:.0f} GFLOP/s")
    print(f"conv3x3 256ch: fp32 {cv['fp32']:.0f} GFLOP/s, bf16 {cv['bf16']:.0f} GFLOP/s")

    rows = []
    for seg_num in seg_nums:
        row = bench_one(
            seg_num,
            args.width,
            args.batch,
            args.steps,
            device,
            configs,
            args.frames,
            args.mels,
            args.lstm_hidden,
        )
        rows.append(row)
        print(
            f"seg_num={seg_num:2d}: "
            + ", ".join(
                f"{c} {row[f'{c}_train']:.3f} s/step (median {row[f'{c}_train_median']:.3f})"
                for c in configs
            ),
            flush=True,
        )
    table = format_table(rows, configs, args.batch)

    full_rows = []
    for seg_num in full_seg_nums:
        row = bench_one(
            seg_num,
            1.0,
            args.full_width_batch,
            args.steps,
            device,
            ["fp32", "bf16+cl"],
            args.frames,
            args.mels,
            args.lstm_hidden,
        )
        full_rows.append(row)
        print(
            f"width=1.0 seg_num={seg_num}: fp32 {row['fp32_train']:.3f} s/step "
            f"(median {row['fp32_train_median']:.3f}), bf16+cl {row['bf16+cl_train']:.3f} "
            f"s/step (median {row['bf16+cl_train_median']:.3f})",
            flush=True,
        )
    full_table = (
        format_table(full_rows, ["fp32", "bf16+cl"], args.full_width_batch) if full_rows else ""
    )
    elapsed = time.perf_counter() - t_start

    goals = []
    for label, rs in (("width " + format(args.width, "g"), rows), ("width 1", full_rows)):
        by_seg = {r["seg_num"]: r for r in rs}
        if 1 in by_seg and 6 in by_seg:
            for c in configs if rs is rows else ["fp32", "bf16+cl"]:
                ratio = by_seg[1][f"{c}_train"] / by_seg[6][f"{c}_train"]
                goals.append(
                    f"- seg_num 1 -> 6 training speed-up, {label}, {c}: **{ratio:.1f}x** "
                    f"(goal >= 8x; paper 9.8x) - {'met' if ratio >= 8 else 'NOT met'}"
                )
    for r in full_rows:
        ratio = r["fp32_train"] / r["bf16+cl_train"]
        goals.append(
            f"- bf16+channels-last vs fp32 training step, width 1, seg_num {r['seg_num']}, "
            f"batch {args.full_width_batch}: **{ratio:.2f}x** (goal >= 2x) - "
            f"{'met' if ratio >= 2 else 'NOT met'}"
        )

    extra = []
    if "gpu" in info:
        extra.append(f"GPU {info['gpu']}")
    extra.append(f"{info['torch_threads']} torch intra-op threads")
    if "load_avg" in info:
        extra.append(f"load average at start {info['load_avg']} (shared machine)")
    out = [
        "Training/inference cost of the ADFF network against `seg_num` (paper Table 2),",
        "fp32 vs bf16 autocast + channels-last (`bf16+cl`).",
        "",
        f"- setting: {'; '.join(extra)}",
        f"- config: device {device}, width {args.width:g}, batch {args.batch}, input "
        f"{args.frames} frames x {args.mels} mels (20 s) cut into seg_num segments, "
        f"lstm_hidden {args.lstm_hidden}, 2 outputs, Adam; times are the best of {args.steps} "
        f"steps after 1 warm-up (the machine is shared: other processes inflate single "
        f"steps; medians are printed on the console); the whole run took {elapsed:.0f} s",
        f"- references measured in the same run: matmul 2048^3 (`torch.mm`) fp32 "
        f"{mm['fp32']:.0f} / bf16 {mm['bf16']:.0f} GFLOP/s; one 3x3 convolution "
        f"(256 -> 256 channels, 4 x 64 x 64, channels-last) fp32 {cv['fp32']:.0f} / bf16 "
        f"{cv['bf16']:.0f} GFLOP/s. The network is mostly 3x3 convolutions, so the conv "
        f"figures are the relevant ceiling (here fp32 `torch.mm` reaches "
        f"{mm['fp32'] / cv['fp32']:.0%} of the fp32 convolution's rate).",
        "- GFLOP/step: conv + linear forward+backward counted by FlopCounterMode plus the "
        "BiLSTMs analytically (3x forward); GFLOP/s = GFLOP/step / s/step.",
        f"- s/epoch*: s/step x {PMEMO_CLIPS} / batch, one pass over PMEmo's {PMEMO_CLIPS} "
        "choruses at this batch size (the paper trains 200 epochs at batch 32).",
        "",
        table,
        "",
    ]
    if full_table:
        out += [
            f"Full width (width=1.0, VGG16 channels), batch {args.full_width_batch}:",
            "",
            full_table,
            "",
        ]
    if goals:
        out += ["Goals (from the issue):", "", *goals, ""]
    out += [
        "Paper Table 2 for orientation (hours for their whole training run, hardware not "
        "stated; 9.8x from seg_num 1 to 6):",
        "",
        paper_table(),
        "",
    ]
    text = "\n".join(out)
    print()
    print(text)
    if not args.no_write:
        write_section(SECTION, text)


# ------------------------------------------------------------------ accuracy (Figure 3)

#: seg_num values of the accuracy part per benchmark size (paper: 1, 2, 4, ..., 16).
#: Training cost grows steeply towards seg_num 1 (on 2 CPU cores at the quick size one
#: epoch over 64 clips takes ~5.6 s at seg_num 1, 2.1 s at 2, 0.6 s at 6, 0.4 s at 12),
#: so the quick sweep keeps the paper's two best values (1, 6) and the extremes.
ACCURACY_SEG_NUMS = {
    "smoke": (1, 2),
    "quick": (1, 2, 6, 12),
    "medium": (1, 2, 4, 6, 8, 12, 16),
    "paper": (1, 2, 4, 6, 8, 10, 12, 14, 16),
}
MIN_SEGMENT_FRAMES = 32  # the network halves the time axis five times


def accuracy_main(argv=None):
    """Cross-validated R² / RMSE against seg_num (paper Figure 3) on the simple dataset."""
    import _suite as S

    from skmer.plotting import plot_seg_num_tradeoff

    p = S.parser("ADFF accuracy against seg_num (the ADFF paper's Figure 3).")
    p.add_argument("--seg-nums", help="comma-separated seg_num values (default: per size)")
    args = p.parse_args(argv)
    size = S.size_of(args)
    wanted = (
        [int(v) for v in args.seg_nums.split(",") if v]
        if args.seg_nums
        else list(ACCURACY_SEG_NUMS[args.size])
    )
    n_frames = int(round(size.seg_len / 0.01))  # LogMelTransformer's 10 ms hop
    seg_nums = [n for n in wanted if n_frames // n >= MIN_SEGMENT_FRAMES]
    skipped = sorted(set(wanted) - set(seg_nums))
    data = S.load_data(args, size)
    seg = S.windows(data, size.seg_len, "simple", args.seed)
    cv, cv_name = S.make_cv(seg.groups, size.folds, args.seed)

    # decode and cache the log-Mel spectrograms first, so that no seg_num's time includes them
    S.adff(size, args, size.seg_len, seg_num=seg_nums[0])[:-1].fit_transform(seg.X)
    results = {}
    for n in seg_nums:
        results[n] = S.evaluate_regression(
            S.adff(size, args, size.seg_len, seg_num=n), seg.X, seg.y, seg.groups, cv
        )
        r = results[n]
        print(
            f"seg_num {n:2d}: R² V {r['r2_valence'].mean():+.3f} A "
            f"{r['r2_arousal'].mean():+.3f}  ({r['seconds']:.0f} s)",
            flush=True,
        )

    first = seg_nums[0]
    rows = [
        [
            n,
            n_frames // n,
            *S.regression_cells(r),
            f"{r['seconds']:.0f} s",
            f"{results[first]['seconds'] / r['seconds']:.1f}x",
        ]
        for n, r in results.items()
    ]
    table = S.markdown_table(
        [
            "seg_num",
            "frames/segment",
            "A RMSE",
            "A R²",
            "V RMSE",
            "V R²",
            "CV time",
            f"speed-up vs seg_num {first}",
        ],
        rows,
    )
    best = {
        dim: sorted(results, key=lambda n: -results[n][f"r2_{dim}"].mean())[:2]
        for dim in ("valence", "arousal")
    }
    lines = [
        f"ADFF R² and RMSE against `seg_num` on the simple dataset ({len(seg.X)} windows of "
        f"{size.seg_len:g} s = {n_frames} frames), {size.folds}-fold {cv_name}, the same folds "
        "for every seg_num; mean ± std over folds. CV time is the wall-clock time of the "
        "whole cross-validation with the spectrograms already cached (training dominates; "
        "the first seg_num also pays torch's one-off start-up).",
        "",
        S.configuration(args, size, data),
        S.differs(size, data),
        "",
        table,
        "",
    ]
    if skipped:
        lines += [
            f"Skipped seg_num {skipped}: fewer than {MIN_SEGMENT_FRAMES} frames per segment.",
            "",
        ]
    lines += [
        *(
            f"- **{dim.capitalize()}:** best seg_num {b[0]}"
            + (f", second {b[1]}" if len(b) > 1 else "")
            + f" (R² {results[b[0]][f'r2_{dim}'].mean():.3f})."
            for dim, b in best.items()
        ),
        "",
        "The paper (Figure 3, PMEmo simple dataset of 20 s, seg_num 1-16; values only "
        "plotted): best and second-best seg_num 1 and 6 for valence, 6 and 1 for arousal; "
        "too many segments lower both. Its Table 2 (training time, hours) is quoted in the "
        "`bench_seg_num` timing section.",
    ]
    body = "\n".join(lines)
    path = S.figure_path(args, "bench_seg_num_accuracy")
    if path is not None:
        plt = S.pyplot()
        fig, axes = plt.subplots(1, 2, figsize=(11.0, 4.0))
        times = [results[n]["seconds"] for n in seg_nums]
        for ax, metric, label in ((axes[0], "r2", "R²"), (axes[1], "rmse", "RMSE")):
            plot_seg_num_tradeoff(
                seg_nums,
                {
                    dim: [results[n][f"{metric}_{dim}"].mean() for n in seg_nums]
                    for dim in ("valence", "arousal")
                },
                times,
                ax=ax,
                score_label=label,
                time_label="CV time (s)",
            )
        fig.suptitle(f"bench_seg_num accuracy ({data.name}, {args.size})", fontsize=10)
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        body += f"\n\n![R² and RMSE against seg_num]({S.relative(path, args)})\n"
    S.write(args, S.section_name("bench_seg_num accuracy", args, data), body)
    return results


if __name__ == "__main__":
    main()
