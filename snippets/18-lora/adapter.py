# requires: model
# Rank-8 LoRA adapters beside the query and value weights of the last 4 of the 30 blocks.
import torch

from llmsite.lora import Adapter
from llmsite.model import load_tokenizer
from llmsite.transformer import forward, load_weights

W = load_weights(device="cpu", dtype="float32")  # the real model; its weights stay frozen
adapter = Adapter(W, layers=range(26, 30), targets=("q", "v"), r=8, alpha=16)  # blocks 27-30

for key in ("26_q", "26_v"):  # one block's two adapters
    lora = adapter.loras[key]
    print(f"block 27, {key[-1]}: W {tuple(lora.weight.shape)} frozen, {lora.weight.numel():,} numbers;"
          f" A {tuple(lora.A.shape)} + B {tuple(lora.B.shape)}: {lora.A.numel() + lora.B.numel():,} trained")

n, total = adapter.n_trainable(), W.n_params()
print(f"{len(adapter.loras)} adapters, trainable: {n:,} of {total:,} numbers = {n / total:.3%}")

# B starts at zero, so the adapted model starts out as the original, exactly.
ids = torch.tensor(load_tokenizer()("The capital of France is").input_ids)
difference = (forward(ids, adapter.weights()) - forward(ids, W)).abs().max().item()
print(f"largest change in any score before training: {difference}")
