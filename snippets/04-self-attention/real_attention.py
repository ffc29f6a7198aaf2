# requires: model
# The real thing: the attention weights of all 30 layers x 9 heads of SmolLM2.
import torch

from llmsite.model import load
from llmsite.transformer import attention_maps, from_hf

model, tok = load()
W = from_hf(model)  # the model's weights as plain tensors, for our from-scratch code

text = "The animal didn't cross the street because it was too tired"
ids = tok(text).input_ids
tokens = [tok.decode([i]) for i in ids]
with torch.no_grad():
    maps = attention_maps(torch.tensor(ids), W).float().cpu()  # [layers, heads, T, T]

print("shape:", list(maps.shape), "= blocks, heads, looking token, looked-at token")
print("every row sums to 1:", bool(torch.allclose(maps.sum(-1), torch.ones(()), atol=1e-4)))
print("weight on future tokens:", maps.triu(diagonal=1).abs().max().item())

block, head = 14, 9  # counted from 1, as on this site; Python's indices start at 0
row = maps[block - 1, head - 1, tokens.index(" it")]
print(f"\nblock {block}, head {head}: where ' it' looks")
for t, w in zip(tokens, row.tolist()):
    if w >= 0.005:
        print(f"  {t!r:10} {w:.2f} " + "#" * round(40 * w))
