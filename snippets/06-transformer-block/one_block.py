# requires: model
# One block by hand: normalise a copy, attend, add back; normalise a copy, FFN, add back.
import torch

from llmsite.model import load
from llmsite.transformer import attention, embed, from_hf, rms_norm, swiglu_ffn

model, tok = load()
W = from_hf(model)
ids = torch.tensor([tok("The capital of France is").input_ids])
pos = torch.arange(ids.shape[1])


def size(v):  # root-mean-square of the last token's 576 numbers
    return v[0, -1].pow(2).mean().sqrt().item()


with torch.no_grad():
    x = embed(ids, W)  # the residual stream starts as the embeddings
    print(f"embedding                size {size(x):.3f}")
    for layer in range(W.n_layers):
        lw = W.layers[layer]
        normed = rms_norm(x, lw.attn_norm, W.eps)  # RMSNorm: a rescaled copy
        x = x + attention(normed, layer, W, pos)  # residual: add, never replace
        x = x + swiglu_ffn(rms_norm(x, lw.ffn_norm, W.eps), layer, W)
        if layer + 1 in (1, 2, 5, 10, 15, 20, 25, 30):  # blocks counted from 1, as on the site
            print(f"after block {layer + 1:2d}           size {size(x):.3f}")
    print(f"after the final RMSNorm  size {size(rms_norm(x, torch.ones(W.hidden, device=W.device), W.eps)):.3f}")
    logits = rms_norm(x, W.final_norm, W.eps) @ W.embedding.T
print("prediction:", repr(tok.decode([int(logits[0, -1].argmax())])))
