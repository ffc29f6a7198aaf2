"""How fast is our generation loop? KV cache vs none, ours vs ``transformers``, prefill vs decode.

    python benchmarks/bench_generation.py [--quick] [--device cpu|cuda] [--dtype float32|bfloat16] [--repeat 3] [--stride 10] [--threads 1]

Same model (SmolLM2-135M-Instruct), dtype (float32 unless ``--dtype``), device and chat
prompt for everything; greedy; the stop token is switched off so every run makes exactly the
asked number of tokens. Three comparisons, each printed as a ratio against a named baseline:

1. **KV cache vs no cache** at 100 and 300 new tokens (baseline: our loop without a cache).
   Without a cache, step *i* re-runs the prompt plus *i* tokens, so a full run at 300 tokens
   costs minutes on 2 cores. By default we time every ``--stride``-th of those passes (on the
   exact token sequences the loop feeds in: the tokens are the same with and without a cache,
   a test checks that) and add up the per-pass times, interpolated linearly in between.
   ``--stride 1`` runs the whole no-cache loop instead.
2. **Our loop vs ``transformers`` ``generate``** (baseline: ``generate(do_sample=False)``):
   decode tokens per second, measured the same way for both as
   (N − 1) / (time for N tokens − time for 1 token), and end to end.
3. **Prefill vs decode** in our loop: seconds per token when the prompt goes through in one
   pass, vs one token per pass.

On CPU, torch runs with ``--threads`` threads (default 1, for ours and for ``transformers``
alike): on a small shared machine, two threads make every small operation wait for the
other core, which cost both implementations 2–4× per decode step when we tried. Section 2
is the best of ``--repeat`` runs; section 1 runs once (a no-cache run is long). Writes ``docs/measurements/09-kv-cache.md`` and
``docs/measurements/09-generation-speed.md`` (``-cuda`` suffix on a GPU, ``-cuda-bfloat16`` in bfloat16). ``--quick`` is a
smoke run (few tokens) that writes nothing. Needs the model cache (``python -m llmsite fetch-model``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from llmsite import generate as G  # noqa: E402
from llmsite.site import measurements  # noqa: E402
from llmsite import transformer as tf  # noqa: E402

BENCH = "benchmarks/bench_generation.py"
QUESTION = "Tell me a long story about a lighthouse keeper and a lost whale."


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def best(fn, repeat: int, device: str) -> float:
    times = []
    for _ in range(repeat):
        _sync(device)
        t0 = time.perf_counter()
        fn()
        _sync(device)
        times.append(time.perf_counter() - t0)
    return min(times)


def ours(ids, W, n, use_cache=True) -> G.Generation:
    return G.generate(ids, W, n, stop_ids=(), use_cache=use_cache)


def hf_generate(model, ids, n):
    from transformers import GenerationConfig

    cfg = GenerationConfig(max_new_tokens=n, do_sample=False, eos_token_id=None, pad_token_id=G.IM_END_ID)
    with torch.inference_mode():
        out = model.generate(torch.tensor([ids], device=model.device), generation_config=cfg)
    assert out.shape[1] == len(ids) + n, "transformers stopped early"
    return out[0, len(ids):].tolist()


def no_cache_seconds(ids, W, new_tokens, stride: int, device: str) -> tuple[float, int]:
    """Time of the no-cache loop for len(new_tokens) steps: pass i reads ids + new_tokens[:i]."""
    n = len(new_tokens)
    if stride <= 1:
        _sync(device)
        t0 = time.perf_counter()
        ours(ids, W, n, use_cache=False)
        _sync(device)
        return time.perf_counter() - t0, n
    steps = sorted(set(range(0, n, stride)) | {n - 1})
    seq = torch.tensor([ids + new_tokens], device=W.device)
    timed = {}
    with torch.inference_mode():
        for i in steps:
            x = seq[:, : len(ids) + i]
            _sync(device)
            t0 = time.perf_counter()
            logits = G.next_token_logits(x, W)
            int(logits[0].argmax())  # the loop reads the choice back: include that wait
            _sync(device)
            timed[i] = time.perf_counter() - t0
    total = 0.0
    for a, b in zip(steps, steps[1:]):  # linear between timed passes; each pass counted once
        total += sum(timed[a] + (timed[b] - timed[a]) * (i - a) / (b - a) for i in range(a, b))
    return total + timed[steps[-1]], len(steps)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: few tokens, nothing written")
    ap.add_argument("--device", default=None, help="cpu or cuda (default: llmsite.model.pick_device)")
    ap.add_argument("--dtype", default=None, help="float32 (default) or bfloat16")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--stride", type=int, default=10, help="time every n-th no-cache pass (1: all)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (0: torch's default)")
    ap.add_argument("--skip-kv", action="store_true", help="skip section 1 (and leave its fragment alone)")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)

    from llmsite.model import load, pick_device

    device = pick_device(args.device)
    model, tok = load(device=device, dtype=args.dtype)
    W = tf.from_hf(model)
    lengths = (10, 30) if args.quick else (100, 300)
    n_cmp = 10 if args.quick else 100
    repeat = 1 if args.quick else args.repeat
    ids = tok(G.chat_prompt(tok, QUESTION)).input_ids
    print(f"model SmolLM2-135M-Instruct, {W.dtype}, device {device}, torch threads {torch.get_num_threads()}")
    print(f"prompt: {len(ids)} tokens (chat template + {QUESTION!r}); greedy, stop token off\n")

    ours(ids, W, 3)  # warm up both implementations
    hf_generate(model, ids, 3)

    # 1. KV cache vs no cache ----------------------------------------------------------------
    print("1. KV cache vs no cache (baseline: our loop without a cache)")
    kv_rows, kv_runs = [], {}
    for n in () if args.skip_kv else lengths:
        run = None

        def cached():
            nonlocal run
            run = ours(ids, W, n)

        t_cache = best(cached, 1, device)
        t_none, n_timed = no_cache_seconds(ids, W, run.tokens, args.stride, device)
        kv_runs[n] = run
        how = "all passes timed" if n_timed == n else f"{n_timed} of {n} passes timed"
        print(f"   {n:4d} new tokens: no cache {t_none:7.2f} s ({how}), KV cache {t_cache:6.2f} s"
              f"  → KV cache {t_none / t_cache:5.1f}× faster")
        kv_rows.append([f"{n}", f"{t_none:.1f}", f"{t_cache:.1f}", f"{t_none / t_cache:.1f}×", how])

    # 2. our loop vs transformers.generate -------------------------------------------------
    print(f"\n2. our loop vs transformers generate (baseline: generate), {n_cmp} new tokens")
    ref = hf_generate(model, ids, n_cmp)
    same = ours(ids, W, n_cmp).tokens[:20] == ref[:20]
    if W.dtype == torch.float32:
        assert same, "not the same greedy tokens (float32: they must agree)"
    elif not same:  # bfloat16 rounds every product: the two implementations part at a near tie
        print("   (bfloat16: ours and generate pick different tokens within 20; timings still compare)")
    runs = {"hf_n": lambda: hf_generate(model, ids, n_cmp), "us_n": lambda: ours(ids, W, n_cmp),
            "hf_1": lambda: hf_generate(model, ids, 1), "us_1": lambda: ours(ids, W, 1)}
    t = {k: float("inf") for k in runs}
    for _ in range(repeat):  # interleaved, so that a change in machine load hits both alike
        for k, fn in runs.items():
            t[k] = min(t[k], best(fn, 1, device))
    t_hf_n, t_us_n, t_hf_1, t_us_1 = t["hf_n"], t["us_n"], t["hf_1"], t["us_1"]
    dec_hf = (n_cmp - 1) / (t_hf_n - t_hf_1)
    dec_us = (n_cmp - 1) / (t_us_n - t_us_1)
    print(f"   decode: ours {dec_us:6.1f} tokens/s, generate {dec_hf:6.1f} tokens/s → ours {dec_us / dec_hf:.2f}×")
    print(f"   end to end: ours {t_us_n:.2f} s, generate {t_hf_n:.2f} s → ours {t_hf_n / t_us_n:.2f}× as fast")

    # 3. prefill vs decode -------------------------------------------------------------------
    stats = (kv_runs[lengths[0]] if kv_runs else ours(ids, W, n_cmp)).stats  # a cached run of section 1
    pre = stats.prefill_seconds / stats.prefill_tokens
    dec = stats.decode_seconds / stats.decode_steps
    print(f"\n3. prefill vs decode (baseline: decode), our loop with the cache")
    print(f"   prefill {stats.prefill_tokens} tokens in one pass: {pre * 1e3:6.2f} ms per token")
    print(f"   decode, one token per pass:  {dec * 1e3:6.2f} ms per token → prefill {dec / pre:.1f}× cheaper per token")

    if args.quick:
        print("\n--quick: nothing written")
        return
    threads = f"{torch.get_num_threads()} torch thread(s)" if device == "cpu" else device
    dtype_name = str(W.dtype).removeprefix("torch.")
    if dtype_name != "float32":
        device = f"{device.split(':')[0]}-{dtype_name}"  # its own fragment: 09-kv-cache-cuda-bfloat16.md
        threads += f", {dtype_name}"
    note = (f"Greedy, same chat prompt ({len(ids)} tokens), stop token off, one run each, {threads}. "
            "Without a cache, every step re-runs the whole sequence; when not all passes are timed, "
            "the others are interpolated linearly between timed ones.")
    if kv_rows:
        measurements.write("09-kv-cache", "Generating with and without the KV cache (seconds)",
                           ["new tokens", "no cache", "KV cache", "speed-up", "how"], kv_rows,
                           benchmark=BENCH, notes=note, device=device)
    rows = [
        ["decode speed, tokens/s", f"{dec_us:.1f}", f"{dec_hf:.1f}", f"{dec_us / dec_hf:.2f}×"],
        [f"end to end, {n_cmp} tokens, s", f"{t_us_n:.2f}", f"{t_hf_n:.2f}", f"{t_hf_n / t_us_n:.2f}×"],
    ]
    measurements.write("09-generation-speed", "Our loop vs transformers generate (same model, dtype, device, prompt)",
                       ["", "our loop", "transformers generate", "ours vs generate"], rows,
                       benchmark=BENCH, device=device,
                       notes=(f"Prefill vs decode in our loop: {pre * 1e3:.1f} ms per prompt token "
                              f"({stats.prefill_tokens} tokens in one pass) vs {dec * 1e3:.1f} ms per "
                              f"decoded token: prefill is {dec / pre:.1f}× cheaper per token. Decode speed "
                              f"for both is (N − 1) / (time for N tokens − time for 1 token); best of "
                              f"{repeat} runs, {threads}."))
    print("\nwrote docs/measurements/" + ("09-kv-cache*.md and " if kv_rows else "") + "09-generation-speed*.md")


if __name__ == "__main__":
    main()
