# requires: model
# Rules of thumb from the scaling papers, applied to our model.
from llmsite.model import load

model, _tok = load()
n_params = sum(p.numel() for p in model.parameters())  # the tied embedding counts once
print(f"SmolLM2-135M parameters:        {n_params:,}")

# Hoffmann et al. 2022 ("Chinchilla"): for a fixed compute budget, train on about
# 20 tokens per parameter.
chinchilla_tokens = 20 * n_params
print(f"compute-optimal data (20 tok/p): {chinchilla_tokens / 1e9:.1f} billion tokens")

# The SmolLM2 model card: "The 135M model was trained on 2 trillion tokens".
smollm2_tokens = 2e12
print(f"what SmolLM2-135M was trained on: {smollm2_tokens / 1e12:.0f} trillion tokens"
      f" = {smollm2_tokens / n_params:,.0f} tokens per parameter,"
      f" {smollm2_tokens / chinchilla_tokens:.0f}x the 20-to-1 rule")

# Training compute: about 6 floating-point operations per parameter per token
# (2 for the forward pass, 4 for the backward pass).
for name, tokens in [("at 20 tokens/parameter", chinchilla_tokens), ("as trained", smollm2_tokens)]:
    print(f"training compute {name:>22}: {6 * n_params * tokens:.1e} FLOPs")
