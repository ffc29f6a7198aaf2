# requires: model
# The "N² forward passes" myth: count the passes and the tokens they process.
from llmsite.generate import generate
from llmsite.model import load
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)
ids = tok("The capital of France is").input_ids
P, N = len(ids), 8

print(f"prompt {P} tokens, {N} new tokens")
for use_cache in (False, True):
    s = generate(ids, W, N, stop_ids=(), use_cache=use_cache).stats
    print(f"  {'with' if use_cache else 'without'} cache: {s.forward_passes} forward passes,"
          f" {s.tokens_processed} tokens processed")


def processed(P, N, cache):
    """Tokens fed through the model: the prompt once, then 1 per step, or everything every step."""
    return P + (N - 1) if cache else sum(P + i for i in range(N))


assert processed(P, N, False) == 68 and processed(P, N, True) == 12  # what the runs above counted
print(f"\n{'new tokens':>10} {'passes':>7} {'tokens (no cache)':>18} {'tokens (cache)':>15}")
for N in (100, 300, 1000):
    print(f"{N:>10,} {N:>7,} {processed(44, N, False):>18,} {processed(44, N, True):>15,}   (44-token prompt)")
