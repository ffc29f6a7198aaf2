"""How does the time to compute attention scores grow with the number of tokens?

    python benchmarks/bench_attention.py [--quick] [--repeat 3] [--device cpu|cuda]

For one layer of SmolLM2's shape (9 heads of 64 numbers) and random queries and keys, times
the score table ``softmax(q @ k.T / 8)`` with the causal mask (in place) at 256 … 4096 tokens, best of
``--repeat`` runs, and prints each time divided by the time at 1,024 tokens (the baseline:
below it the score table fits in the cores' fast cache, and short lengths do not follow the
square law), next to the ratio a square law predicts, the size of the score table, and each
time divided by the one at half the length (a square law predicts 4). Writes ``docs/measurements/attention-cost.md``
(``attention-cost-cuda.md`` on a GPU). ``--quick`` stops at 1024 tokens and writes nothing.
No model needed: only the shapes matter for speed.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HEADS, HEAD_DIM = 9, 64


def scores(q: torch.Tensor, k: torch.Tensor, out: torch.Tensor, future: torch.Tensor) -> torch.Tensor:
    """Causal softmax(q @ k.T / 8), written into ``out`` in place: we time the arithmetic,
    not the memory allocator (fresh multi-MB buffers cost page faults that swamp small sizes)."""
    torch.matmul(q, k.transpose(-2, -1), out=out)
    out.mul_(HEAD_DIM**-0.5).masked_fill_(future, float("-inf"))
    out.sub_(out.amax(dim=-1, keepdim=True)).exp_()  # softmax, step by step
    return out.div_(out.sum(dim=-1, keepdim=True))


def time_scores(n: int, device: str, repeat: int) -> float:
    gen = torch.Generator(device="cpu").manual_seed(n)
    q = torch.randn(HEADS, n, HEAD_DIM, generator=gen).to(device)
    k = torch.randn(HEADS, n, HEAD_DIM, generator=gen).to(device)
    out = torch.empty(HEADS, n, n, device=device)
    future = torch.ones(n, n, dtype=torch.bool, device=device).triu(1)
    best = float("inf")
    runs = repeat * max(1, 2048 // n)  # short lengths are quick and noisy: run them more often
    for _ in range(runs + 1):  # one warm-up run
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        t = time.perf_counter()
        scores(q, k, out, future)
        if device.startswith("cuda"):
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="up to 1024 tokens, write nothing")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = ap.parse_args(argv)
    lengths = [256, 512, 1024] if args.quick else [256, 512, 1024, 2048, 4096]
    BASE = 1024
    prev = None
    times = {}
    for n in lengths:
        times[n] = time_scores(n, args.device, args.repeat)
    rows = []
    print(f"{'tokens':>7} {'table MB':>9} {'time (ms)':>10} {'x vs 1024':>10} {'square law':>11} {'x vs half':>10}")
    for n in lengths:
        t = times[n]
        ratio, square = t / times[BASE], (n / BASE) ** 2
        table_mb = HEADS * n * n * 4 / 1e6  # float32 scores
        step = f"{t / prev:.1f}×" if prev else ""
        prev = t
        print(f"{n:7,} {table_mb:9.1f} {t * 1e3:10.2f} {ratio:10.2f} {square:11.4g} {step:>10}")
        rows.append([f"{n:,}", f"{table_mb:.1f}", f"{t * 1e3:.2f}", f"{ratio:.2g}×", f"{square:.4g}×", step])
    if args.quick:
        return 0
    from llmsite.site import measurements

    path = measurements.write(
        "attention-cost",
        "Time to compute one layer's attention scores (9 heads, causal softmax), against 1,024 tokens",
        ["tokens", "score table (MB)", "time (ms)", "time ÷ time at 1,024", "square law predicts",
         "time ÷ time at half the tokens (square law: 4×)"],
        rows,
        benchmark="benchmarks/bench_attention.py",
        device=args.device,
    )
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
