# requires: model
# Nine heads, each 64 numbers wide, laid side by side (9 x 64 = 576) and mixed by one matrix.
import torch

from llmsite.model import load
from llmsite.transformer import apply_rope, attention, from_hf, rms_norm, rope_cos_sin

model, tok = load()
W = from_hf(model)
ids = torch.tensor([tok("The capital of France is").input_ids])
layer, T = 0, ids.shape[1]
lw = W.layers[layer]
x = rms_norm(W.embedding[ids], lw.attn_norm, W.eps)  # what layer 0's attention reads
pos = torch.arange(T)
cos, sin = rope_cos_sin(pos, W.head_dim, W.rope_theta)
future = torch.ones(T, T, dtype=torch.bool, device=W.device).triu(1)

with torch.no_grad():
    heads = []
    for h in range(W.n_heads):  # each head on its own, with its own slices of the weights
        kv = h // 3  # heads 0-2 share key/value head 0, 3-5 share 1, 6-8 share 2
        q = x @ lw.q[h * 64:(h + 1) * 64].T
        k = x @ lw.k[kv * 64:(kv + 1) * 64].T
        v = x @ lw.v[kv * 64:(kv + 1) * 64].T
        q, k = apply_rope(q[:, None], cos, sin)[:, 0], apply_rope(k[:, None], cos, sin)[:, 0]
        w = torch.softmax((q @ k.transpose(-1, -2) / 8).masked_fill(future, float("-inf")), dim=-1)
        heads.append(w @ v)  # [1, T, 64]: this head's answer for each token
    side_by_side = torch.cat(heads, dim=-1)  # [1, T, 576]
    mixed = side_by_side @ lw.o.T  # the output projection mixes the heads together
    reference = attention(x, layer, W, pos)  # llmsite's all-heads-at-once version

print("one head's output:", list(heads[0].shape), " side by side:", list(side_by_side.shape))
print("output projection:", list(lw.o.shape))
print("same as all heads at once:", bool(torch.allclose(mixed, reference, atol=1e-5)))
