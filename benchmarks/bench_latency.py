"""How long does our model take to answer? Time to first token and tokens per second.

    python benchmarks/bench_latency.py [--quick] [--device cpu|cuda] [--repeat 2] [--threads 1]

The two numbers that decide how a model feels in an application:

* **time to first token** (TTFT): one pass over the whole prompt (prefill), then the first
  token; the reader waits this long before anything appears. Measured for prompts of about
  20, 200 and 1,000 tokens (English text: the Python docs' help topics, llmsite.corpus).
* **decode speed**: tokens per second after the first, each new token one pass through the
  model with the KV cache (``transformers``' ``past_key_values``), greedy.

Baseline: the shortest prompt; the table prints each prompt's TTFT as a multiple of it. It
also derives the time for a 100-token answer (TTFT + 99 tokens at the measured decode speed)
and, for the chapter's first task, how many short classifications (a ~100-token prompt and
3 answer tokens) one process gets through per hour. Best of ``--repeat`` runs. On CPU,
torch uses ``--threads`` threads (default 1, like ``bench_generation.py``: on a small shared
machine a second thread mostly waits). Writes ``docs/measurements/latency.md`` (``-cuda`` on
a GPU); ``--quick`` is a smoke run that writes nothing. Needs the model cache.
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
from llmsite.model import load, pick_device  # noqa: E402

BENCH = "benchmarks/bench_latency.py"


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def prompt_ids(tok, n_tokens: int, device: str) -> torch.Tensor:
    from llmsite.corpus import python_docs

    text = python_docs()
    ids = tok(text[: n_tokens * 8]).input_ids[:n_tokens]
    return torch.tensor([ids], device=device)


def run_once(model, ids: torch.Tensor, n_new: int, device: str) -> tuple[float, float]:
    """(seconds to the first token, seconds for the n_new - 1 tokens after it)."""
    with torch.inference_mode():
        _sync(device)
        t0 = time.perf_counter()
        out = model(ids, use_cache=True)
        nxt = out.logits[:, -1].argmax(dim=-1, keepdim=True)
        _sync(device)
        t1 = time.perf_counter()
        past = out.past_key_values
        for _ in range(n_new - 1):
            out = model(nxt, past_key_values=past, use_cache=True)
            past = out.past_key_values
            nxt = out.logits[:, -1].argmax(dim=-1, keepdim=True)
        _sync(device)
        t2 = time.perf_counter()
    return t1 - t0, t2 - t1


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: tiny sizes, writes nothing")
    ap.add_argument("--device", default=None)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)

    device = pick_device(args.device)
    if device == "cpu":
        torch.set_num_threads(args.threads)
    model, tok = load(device=device)
    lengths = [20, 60] if args.quick else [20, 200, 1000]
    n_new = 4 if args.quick else 32
    repeat = 1 if args.quick else args.repeat

    run_once(model, prompt_ids(tok, 8, device), 2, device)  # warm-up
    results = []
    for n in lengths:
        ids = prompt_ids(tok, n, device)
        runs = [run_once(model, ids, n_new, device) for _ in range(repeat)]
        ttft = min(r[0] for r in runs)
        decode = (n_new - 1) / min(r[1] for r in runs)  # tokens per second
        results.append((n, ttft, decode))
        print(f"prompt {n:5d} tokens: first token after {ttft * 1000:8.1f} ms, then {decode:6.1f} tokens/s")

    base_ttft = results[0][1]
    rows = []
    for n, ttft, decode in results:
        answer_100 = ttft + 99 / decode
        rows.append([f"{n:,}", f"{ttft * 1000:,.0f}", f"{ttft / base_ttft:.1f}×", f"{decode:.1f}", f"{answer_100:.1f}"])
        print(f"  TTFT {ttft / base_ttft:.1f}x the {results[0][0]}-token prompt; 100-token answer in {answer_100:.1f} s")

    # Task 1 of the chapter: a ~100-token classification prompt, 3 answer tokens, one at a time.
    cls_ids = prompt_ids(tok, 100, device)
    cls = min(sum(run_once(model, cls_ids, 3, device)) for _ in range(repeat))
    per_hour = 3600 / cls
    print(f"classification (100-token prompt, 3 tokens): {cls:.2f} s each, {per_hour:,.0f} per hour")

    if args.quick:
        print("(quick run: nothing written)")
        return
    notes = (f"Greedy, {n_new} new tokens per run with the KV cache, best of {repeat} runs, "
             f"{torch.get_num_threads() if device == 'cpu' else 'GPU'} torch thread(s). "
             f"TTFT is one pass over the prompt plus picking the first token; decode speed is the "
             f"{n_new - 1} tokens after it. A short classification (a 100-token prompt, 3 answer "
             f"tokens) took {cls:.2f} s: about {per_hour:,.0f} per hour for one process.")
    path = measurements.write(
        "latency", "Time to first token and decode speed of SmolLM2-135M-Instruct",
        ["prompt tokens", "time to first token (ms)", "vs 20 tokens", "decode, tokens/s",
         "100-token answer (s)"],
        rows, benchmark=BENCH, notes=notes, device=device)
    print(f"wrote {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
