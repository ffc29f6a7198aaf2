# requires: model
# What the KV cache costs: keys and values for every token, in every layer.
import torch

from llmsite.generate import generate
from llmsite.model import load
from llmsite.transformer import KVCache, from_hf, kv_bytes_per_token

model, tok = load()
cfg = model.config
per_token = kv_bytes_per_token(cfg)  # float32
print(f"2 (K and V) x {cfg.num_hidden_layers} layers x {cfg.num_key_value_heads} KV heads x "
      f"{cfg.head_dim} numbers x 4 bytes = {per_token:,} bytes per token")
print(f"with 9 KV heads (no sharing) it would be {per_token * 3:,}")
print(f"in bfloat16 (2 bytes a number, as chapter 5 counted) it is {kv_bytes_per_token(cfg, dtype=torch.bfloat16):,}")

weights = sum(p.numel() * p.element_size() for p in model.parameters())
for n in (1_000, cfg.max_position_embeddings):
    print(f"{n:>6,} tokens: {n * per_token / 1e6:6.1f} MB of cache"
          f" ({n * per_token / weights:.0%} of the {weights / 1e6:.0f} MB of weights)")

W = from_hf(model)
ids = tok("The capital of France is").input_ids
cache = KVCache.for_weights(W)
generate(ids, W, 10, stop_ids=(), cache=cache)
print(f"\nafter {len(ids)} prompt + 10 new tokens the cache holds {cache.length} tokens "
      f"({cache.nbytes():,} bytes = {cache.length} x {per_token:,})")
print("one layer's keys:", tuple(cache.keys[0].shape), "= [batch, KV heads, tokens, head size]")
