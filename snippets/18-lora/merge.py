# requires: model
# Merging: fold W + (alpha/r)·B·A into the weights. Same scores as the adapter, no extra work.
import torch

from llmsite.lora import Adapter
from llmsite.model import load_tokenizer
from llmsite.transformer import forward, load_weights

W = load_weights(device="cpu", dtype="float32")
adapter = Adapter(W, layers=range(26, 30), targets=("q", "v"), r=8, alpha=16)
gen = torch.Generator().manual_seed(0)
with torch.no_grad():  # stand-in for training: the algebra holds for any A and B
    for lora in adapter.loras.values():
        lora.B.copy_(torch.randn(lora.B.shape, generator=gen) * 0.02)

ids = torch.tensor(load_tokenizer()("The capital of France is").input_ids)
beside = forward(ids, adapter.weights())  # x @ W.T + 2 · (x @ A.T) @ B.T, in 8 places
merged = forward(ids, adapter.merged())  # x @ (W + 2 · B @ A).T: plain weights
original = forward(ids, W)
print(f"adapter vs original model: largest score change {(beside - original).abs().max():.3f}")
print(f"merged vs adapter:         largest score change {(merged - beside).abs().max():.1e}")

# Work per token in the 8 adapted projections (multiply-adds), and the size of the weights.
lora = list(adapter.loras.values())
base = sum(l.weight.numel() for l in lora)
extra = sum(l.A.numel() + l.B.numel() for l in lora)  # x @ A.T, then @ B.T
print(f"multiply-adds per token in the 8 projections: original {base:,}, adapter beside {base + extra:,},"
      f" merged {sum(t.numel() for t in (l.merged() for l in lora)):,}")
print(f"the adapter alone, to ship: {extra:,} numbers = {extra * 4 / 1e6:.2f} MB in float32"
      f" (the whole model: {W.n_params() * 4 / 1e6:.0f} MB)")
