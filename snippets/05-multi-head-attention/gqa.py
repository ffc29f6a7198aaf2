# requires: model
# Grouped-query attention: 9 query heads, but only 3 key/value heads. What does it save?
from llmsite.model import load

model, tok = load()
c = model.config
head_dim = c.hidden_size // c.num_attention_heads
print(f"layers {c.num_hidden_layers}, query heads {c.num_attention_heads},"
      f" key/value heads {c.num_key_value_heads}, head size {head_dim}")


def cache_bytes_per_token(kv_heads, bytes_per_number=2):  # 2 bytes: bfloat16, as on a GPU
    return 2 * c.num_hidden_layers * kv_heads * head_dim * bytes_per_number  # 2 = keys and values


gqa = cache_bytes_per_token(c.num_key_value_heads)
full = cache_bytes_per_token(c.num_attention_heads)
print(f"memory per token, 3 K/V heads (what SmolLM2 does): {gqa:,} bytes")
print(f"memory per token, 9 K/V heads (one per query head): {full:,} bytes")
print(f"(in float32, 4 bytes a number, as our CPU runs it: {cache_bytes_per_token(c.num_key_value_heads, 4):,} bytes)")
for tokens in (2_048, 8_192):
    mib = 2**20
    print(f"for {tokens:,} tokens: {gqa * tokens / mib:,.0f} MiB instead of {full * tokens / mib:,.0f} MiB")
kv_weights = c.num_hidden_layers * 2 * c.hidden_size * head_dim
print(f"weights saved: {kv_weights * (c.num_attention_heads - c.num_key_value_heads):,} parameters")
