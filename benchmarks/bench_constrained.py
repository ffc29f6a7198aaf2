"""What does a mask cost? Time per token with and without constrained decoding.

    python benchmarks/bench_constrained.py [--quick] [--tickets 6] [--repeat 2] [--threads 1]

Chapter 16's JSON mode puts a mask between the model's scores and the pick. This benchmark runs
our own loop (``llmsite.constrained.generate``: our transformer, a KV cache, greedy) on the
first tickets of the chapter's set, asking for JSON, with and without the mask, and reports:

* **per token**: the mean time of a decode step (forward pass, mask, pick), without and with the
  mask, and the part of it spent building the masked scores. Baseline: the loop without a mask.
* **once**: building the vocabulary's byte trie (49,152 tokens) and the index of allowed tokens
  for every state of the JSON answer and of the tool-call mask. An application does this once
  per schema and keeps it.

The prefill (first) step is left out of the per-token numbers. Best of ``--repeat`` runs per
ticket. Writes ``docs/measurements/constrained-cost.md``; ``--quick`` is a smoke run that writes
nothing. Needs the model cache.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from llmsite.site import measurements  # noqa: E402

BENCH = "benchmarks/bench_constrained.py"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 ticket, writes nothing")
    ap.add_argument("--tickets", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    from llmsite.constrained import Choice, Constraint, Vocab, generate, json_prompt, ticket_json_choices
    from llmsite.model import load
    from llmsite.prompting import load_tickets
    from llmsite.tools import call_constraint
    from llmsite.transformer import from_hf

    model, tok = load(device="cpu", dtype="float32")
    W = from_hf(model)
    t0 = time.perf_counter()
    vocab = Vocab.for_model()
    t_vocab = time.perf_counter() - t0
    t0 = time.perf_counter()
    rule = Constraint(Choice(ticket_json_choices()), vocab)
    t_json = time.perf_counter() - t0
    t0 = time.perf_counter()
    call_rule = call_constraint(vocab)
    t_call = time.perf_counter() - t0

    tickets = load_tickets()[: 1 if args.quick else args.tickets]
    per = {"no mask": [], "mask": []}
    mask_part = []
    for t in tickets:
        ids = tok(json_prompt(tok, t.text)).input_ids
        best = {}
        for _ in range(args.repeat):  # the two ways alternate, so that a busy moment hits both
            for name, c in [("no mask", None), ("mask", rule)]:
                out = generate(ids, W, c, max_new_tokens=14, decode=tok.decode)
                steps = out.steps[1:]  # decode steps only
                mean = statistics.mean(s.seconds for s in steps)
                if name not in best or mean < best[name][0]:
                    best[name] = (mean, statistics.mean(s.mask_seconds for s in steps))
        per["no mask"].append(best["no mask"][0])
        per["mask"].append(best["mask"][0])
        mask_part.append(best["mask"][1])
    plain, masked = statistics.mean(per["no mask"]), statistics.mean(per["mask"])
    masking = statistics.mean(mask_part)
    print(f"per decode step: no mask {plain * 1e3:.1f} ms, mask {masked * 1e3:.1f} ms ({masked / plain:.2f}x), "
          f"of which masking {masking * 1e3:.2f} ms")
    print(f"once: vocabulary trie {t_vocab:.2f} s, JSON index {len(rule.index)} states {t_json * 1e3:.0f} ms, "
          f"tool-call index {len(call_rule.index)} states {t_call:.2f} s")
    if args.quick:
        return
    rows = [
        ["decode step, no mask (baseline)", f"{plain * 1e3:.1f} ms", "1.00×"],
        ["decode step, with the mask", f"{masked * 1e3:.1f} ms", f"{masked / plain:.2f}×"],
        ["… of which building the masked scores", f"{masking * 1e3:.2f} ms", f"{masking / plain:.3f}×"],
        ["once: the vocabulary's byte trie (49,152 tokens)", f"{t_vocab * 1e3:,.0f} ms", ""],
        [f"once: JSON answer index ({len(rule.index)} states)", f"{t_json * 1e3:,.0f} ms", ""],
        [f"once: tool-call index ({len(call_rule.index)} states)", f"{t_call * 1e3:,.0f} ms", ""],
    ]
    path = measurements.write(
        "constrained-cost", "What the mask costs: our loop, SmolLM2-135M-Instruct, greedy",
        ["what", "time", "vs a plain step"], rows, BENCH,
        notes=(f"Mean over the decode steps (the prefill step left out) of {len(tickets)} tickets asked for JSON, "
               f"up to 14 new tokens, best of {args.repeat} runs each (the two ways alternating), {args.threads} torch "
               f"thread(s); load average {os.getloadavg()[0]:.1f} when it finished. On a busy machine the two step times "
               "wander with the load; the masking time is measured inside the same steps, so compare it with them. "
               "The one-time costs are paid once per schema, not per request."))
    print("wrote", path.relative_to(ROOT))


if __name__ == "__main__":
    main()
