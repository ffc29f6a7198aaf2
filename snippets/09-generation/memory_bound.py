# requires: model
# Why decoding is limited by memory, not arithmetic: bytes moved vs FLOPs, per new token.
from llmsite.model import load

model, _ = load()
cfg = model.config
params = sum(p.numel() for p in model.parameters())  # the tied embedding counted once
print(f"parameters: {params:,}")

# Each new token multiplies its vector by every weight matrix once: a multiply and an add
# per weight (the embedding table is used as the output layer, so it counts too).
flops = 2 * params
attention = 2 * 2 * cfg.num_hidden_layers * cfg.num_attention_heads * cfg.head_dim  # per earlier token
print(f"FLOPs per token: {flops / 1e6:.0f} million, + {attention:,} per earlier token for attention")

for name, nbytes in (("float32", 4), ("bfloat16", 2)):
    moved = params * nbytes  # every weight read from memory once per decode step
    print(f"{name:>8}: {moved / 1e6:.0f} MB of weights read per token -> {flops / moved:.1f} FLOP per byte")

# NVIDIA H100 SXM datasheet: 989 TFLOP/s dense bfloat16, 3.35 TB/s memory bandwidth.
print(f"\nH100 SXM can do {989e12 / 3.35e12:.0f} FLOP in the time it reads one byte")
print(f"reading the bfloat16 weights once: {params * 2 / 3.35e12 * 1e6:.0f} µs;"
      f" the arithmetic: {flops / 989e12 * 1e6:.2f} µs")
