# requires: model
# Our from-scratch forward pass (llmsite/transformer.py) against transformers' own model.
import torch

from llmsite.model import load
from llmsite.transformer import forward, from_hf

model, tok = load()
W = from_hf(model)  # the same weights, as plain tensors
ids = tok("The capital of France is", return_tensors="pt").input_ids.to(model.device)

with torch.no_grad():
    ours = forward(ids, W)  # 30 blocks, written out by hand
    theirs = model(ids).logits  # the library's implementation
diff = (ours - theirs).abs().max().item()
tolerance = 1e-4 if ours.dtype == torch.float32 else 0.5  # bfloat16 on a GPU is much coarser
print("logits shape:", list(ours.shape))
print(f"max |difference| < {tolerance:g}:", diff < tolerance)
print("top token, ours:  ", repr(tok.decode([int(ours[0, -1].argmax())])))
print("top token, theirs:", repr(tok.decode([int(theirs[0, -1].argmax())])))
