"""Prompt (prefix) caching: time to first token with and without a cached shared prefix.

    python benchmarks/bench_prefix_cache.py [--quick] [--device cpu|cuda] [--repeat 3] [--threads 1]

Every request starts with the same long system prompt (the chapter's fact cards as a handbook,
repeated as needed and cut to 250, 500, 1,000 and 2,000 tokens) and ends with a short question
(a chat turn of 16 tokens). Two servers answer it:

* **no cache**: the whole prompt (prefix + question) goes through the model, then the first
  token is picked; this is what every request costs without prompt caching;
* **prefix cache**: the prefix's KV cache was computed once before (``llmsite.prefix_cache``);
  the request forks it and runs only the question's tokens.

On a CPU the time is the process's CPU time (one torch thread): on a small machine shared with
other jobs the wall clock mostly measures the neighbours; it is printed beside it. Both use our
from-scratch forward pass (``llmsite.transformer``) and the same code path
(``next_token_logits``), so the difference is the prefix's tokens. Baseline: no cache at the
same length; the table prints the ratio. Best of ``--repeat`` runs. Writes
``docs/measurements/prefix-cache.md`` (``-cuda`` on a GPU); ``--quick`` writes nothing.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from llmsite.site import measurements  # noqa: E402
from llmsite.generate import DEFAULT_SYSTEM, next_token_logits  # noqa: E402
from llmsite.model import load, pick_device  # noqa: E402
from llmsite.prefix_cache import fork, prefill  # noqa: E402
from llmsite.retrieval import load_cards  # noqa: E402
from llmsite.transformer import from_hf  # noqa: E402

BENCH = "benchmarks/bench_prefix_cache.py"
QUESTION = "<|im_start|>user\nWhat is the capital of Canada?<|im_end|>\n<|im_start|>assistant\n"


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def prefix_ids(tok, n_tokens: int) -> list[int]:
    """A system turn of exactly n_tokens: the handbook (all cards), repeated as needed, cut."""
    head = tok(f"<|im_start|>system\n{DEFAULT_SYSTEM}. Answer from this handbook.\n\n",
               add_special_tokens=False).input_ids
    tail = tok("<|im_end|>\n", add_special_tokens=False).input_ids
    body = tok("\n".join(c.text for c in load_cards()) + "\n", add_special_tokens=False).input_ids
    need = n_tokens - len(head) - len(tail)
    return head + (body * (need // len(body) + 1))[:need] + tail


def timed(fn, device: str) -> tuple[float, float]:
    """(wall-clock seconds, CPU seconds of this process) for one call."""
    _sync(device)
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    _sync(device)
    return time.perf_counter() - t0, time.process_time() - c0


def best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return min(r[0] for r in runs), min(r[1] for r in runs)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, writes nothing")
    ap.add_argument("--device", default=None)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    device = pick_device(args.device)
    if device == "cpu":
        torch.set_num_threads(args.threads)
    model, tok = load(device=device, dtype="float32")
    W = from_hf(model)
    q = torch.tensor([tok(QUESTION, add_special_tokens=False).input_ids], device=device)
    lengths = [100, 200] if args.quick else [250, 500, 1000, 2000]
    repeat = 1 if args.quick else args.repeat

    with torch.inference_mode():
        next_token_logits(q, W)  # warm-up
        rows, results = [], []
        for n in lengths:
            p = torch.tensor([prefix_ids(tok, n)], device=device)
            full = torch.cat([p, q], dim=1)
            shared = prefill(p, W)
            cold_wall, cold = best([timed(lambda: next_token_logits(full, W), device) for _ in range(repeat)])
            warm_wall, warm = best([timed(lambda: next_token_logits(q, W, fork(shared)), device) for _ in range(repeat)])
            if device != "cpu":  # CPU time says nothing about a GPU's work: report the wall clock there
                cold, warm = cold_wall, warm_wall
            results.append((n, cold, warm))
            print(f"prefix {n:5d} + {q.shape[1]} tokens: no cache {cold * 1000:8.1f} ms, "
                  f"prefix cache {warm * 1000:7.1f} ms ({cold / warm:.1f}x faster); "
                  f"wall clock {cold_wall * 1000:,.0f} / {warm_wall * 1000:,.0f} ms")
            rows.append([f"{n:,}", f"{q.shape[1]}", f"{cold * 1000:,.0f}", f"{warm * 1000:,.0f}", f"{cold / warm:.1f}×",
                         f"{cold_wall * 1000:,.0f} / {warm_wall * 1000:,.0f}"])

    if args.quick:
        print("(quick run: nothing written)")
        return
    n_max, cold_max, warm_max = results[-1]
    clock = ("CPU time of the benchmark's process (one torch thread), which a busy shared machine disturbs "
             "far less than the wall clock; the wall clock of the same runs is in the last column"
             if device == "cpu" else "wall clock")
    notes = (f"Our forward pass (`llmsite.transformer`), float32, greedy first token, best of {repeat} runs, "
             f"timed by the {clock}. \"No cache\" runs the "
             f"whole prompt; \"prefix cache\" forks the shared prefix's KV cache (computed once, not timed) and "
             f"runs the question's {q.shape[1]} tokens. At {n_max:,} prefix tokens the first token came "
             f"{cold_max / warm_max:.0f}× sooner.")
    path = measurements.write(
        "prefix-cache", "Time to first token with and without a cached shared prefix (SmolLM2-135M-Instruct)",
        ["prefix tokens", "question tokens", "no cache (ms)", "prefix cache (ms)", "speed-up",
         "wall clock, no cache / cache (ms)"],
        rows, benchmark=BENCH, notes=notes, device=device)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
