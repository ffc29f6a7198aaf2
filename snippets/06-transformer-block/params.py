# requires: model
# Where do the 135 million parameters live?
from llmsite.model import load
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)

def count(*names):  # parameters in these tensors, summed over the 30 blocks
    return sum(getattr(lw, name).numel() for lw in W.layers for name in names)


parts = {
    "embedding table (shared with the output)": W.embedding.numel(),
    "attention: q, k, v, o": count("q", "k", "v", "o"),
    "feed-forward: gate, up, down": count("gate", "up", "down"),
    "RMSNorm gains": count("attn_norm", "ffn_norm") + W.final_norm.numel(),
}
total = sum(parts.values())
for name, n in parts.items():
    print(f"{name:42} {n:>12,}  {n / total:6.1%}")
print(f"{'total':42} {total:>12,}")
print("same as the model's own count:", total == model.num_parameters())
lw = W.layers[0]
print(f"\none block: attention {sum(t.numel() for t in (lw.q, lw.k, lw.v, lw.o)):,},"
      f" feed-forward {sum(t.numel() for t in (lw.gate, lw.up, lw.down)):,}")
c = model.config  # two numbers the formulas below use, read from the model's config
print(f"feed-forward width {c.intermediate_size} (gate weights {tuple(lw.gate.shape)}),"
      f" RMSNorm epsilon {c.rms_norm_eps:.0e}")
