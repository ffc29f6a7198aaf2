"""Conveyor belt or highway? Time per training step of a tiny GRU and the tiny GPT as the text grows.

    python benchmarks/bench_rnn_vs_attention.py [--quick] [--repeat 3] [--batch 8] [--threads N] [--device cpu|cuda]

The two models of "Why transformers won" (``llmsite.recurrent.TinyGRU``, 2 layers of 174,
383,496 parameters, and ``llmsite.train.TinyGPT``, chapter 10's 2 blocks of 128, 382,464
parameters) each run one full training step (forward, loss, backward, AdamW step) on ``--batch``
windows of 32 … 1,024 characters. The GRU must go through the positions one after another; the
transformer handles all positions of a window in one pass per block. Best of ``--repeat`` runs
after a warm-up. Prints each time, the GRU's time divided by the transformer's (the baseline),
and how much each model's time grows when the window doubles. Writes
``docs/measurements/rnn-vs-attention.md`` (``-cuda`` on a GPU); ``--quick`` stops at 128
characters and writes nothing. No model download needed: both models are tiny and random.

On CPU, torch runs with ``--threads`` threads (default 1). On a small shared machine, two threads
made every small operation wait for the other core: the times jumped 3–40× between runs when we
tried, so one thread it is, and the time counted is the CPU time the step used (``time.process_time``),
which other jobs on the machine hardly change. That also means the CPU numbers show the cost of the *work*, not the
parallelism a GPU would give the transformer; ``--device cuda`` measures that.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from llmsite.recurrent import RecurrentConfig, TinyGRU  # noqa: E402  (imports llmsite: pins the kernels)
from llmsite.train import TinyConfig, TinyGPT, lm_loss  # noqa: E402

BENCH = "benchmarks/bench_rnn_vs_attention.py"
VOCAB = 103  # the characters of the Python docs (chapter 10); only the shape matters for speed


def step_time(model, batch: int, length: int, device: str, repeat: int) -> float:
    """Best time of one training step on random characters, after one warm-up step."""
    model = model.to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    gen = torch.Generator().manual_seed(length)
    x = torch.randint(0, VOCAB, (batch, length), generator=gen).to(device)
    y = torch.randint(0, VOCAB, (batch, length), generator=gen).to(device)
    best = float("inf")
    runs = repeat * max(1, 256 // length)  # short windows are quick and noisy: run them more often
    # On CPU we count the CPU time the process spends (time.process_time): with one thread, other
    # jobs on a shared machine then slow the wall clock but hardly the number. On a GPU, wall time.
    clock = time.perf_counter if device.startswith("cuda") else time.process_time
    with torch.enable_grad():
        for i in range(runs + 1):
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            t0 = clock()
            loss = lm_loss(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            if device.startswith("cuda"):
                torch.cuda.synchronize()
            if i:
                best = min(best, clock() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="up to 128 characters, write nothing")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args(argv)
    if args.device == "cpu":
        torch.set_num_threads(args.threads)
    lengths = [32, 64, 128] if args.quick else [32, 64, 128, 256, 512, 1024]
    rows, prev = [], None
    print(f"{'chars':>6} {'GRU (ms)':>9} {'GPT (ms)':>9} {'GRU ÷ GPT':>10} {'GRU ×/doubling':>15} {'GPT ×/doubling':>15}")
    for n in lengths:
        torch.manual_seed(0)
        gru = step_time(TinyGRU(RecurrentConfig(VOCAB, context=n)), args.batch, n, args.device, args.repeat)
        gpt = step_time(TinyGPT(TinyConfig(VOCAB, context=n)), args.batch, n, args.device, args.repeat)
        g2 = f"{gru / prev[0]:.2f}×" if prev else ""
        t2 = f"{gpt / prev[1]:.2f}×" if prev else ""
        prev = (gru, gpt)
        print(f"{n:6,} {gru * 1e3:9.1f} {gpt * 1e3:9.1f} {gru / gpt:9.2f}× {g2:>15} {t2:>15}")
        rows.append([f"{n:,}", f"{gru * 1e3:.1f}", f"{gpt * 1e3:.1f}", f"{gru / gpt:.2f}×", g2, t2])
    if args.quick:
        return 0
    from llmsite.site import measurements

    threads = f"{args.threads} CPU thread{'s' * (args.threads > 1)}" if args.device == "cpu" else "the GPU"
    path = measurements.write(
        "rnn-vs-attention",
        f"Time for one training step on {args.batch} windows: tiny GRU (383,496 parameters) "
        "vs tiny GPT (382,464), against the GPT",
        ["characters per window", "GRU step (ms)", "GPT step (ms)", "GRU ÷ GPT",
         "GRU: time ÷ time at half the length", "GPT: time ÷ time at half the length"],
        rows,
        benchmark=BENCH,
        notes=(f"One step = forward, loss, backward, AdamW update, on {threads}"
               f"{' (CPU time used by the step)' if args.device == 'cpu' else ''}; best of {args.repeat} runs "
               "or more after a warm-up. The GRU (torch.nn.GRU) reads the characters one after another; "
               "the GPT reads each window in one pass per block."),
        device=args.device,
    )
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
