# requires: model
# The last step of the model: one 576-number vector in, 49,152 scores out.
import torch

from llmsite.model import load
from llmsite.transformer import from_hf, hidden_states_per_layer, rms_norm

model, tok = load()
W = from_hf(model)  # the same weights, as plain tensors

ids = tok("The opposite of hot is", return_tensors="pt").input_ids.to(model.device)
h = hidden_states_per_layer(ids[0], W)[-1, -1]  # residual stream after block 30, last token
print("last hidden vector:", tuple(h.shape))

E = W.embedding  # one row per token: the table the model *reads* tokens with
print("embedding table:   ", tuple(E.shape))
print("output matrix is the embedding table (tied):", W.unembedding is E)
print(f"that table holds {E.numel():,} numbers, {E.numel() / W.n_params():.0%} of all parameters")

logits = rms_norm(h, W.final_norm, W.eps) @ E.T  # a dot product with every token's row
print("logits:            ", tuple(logits.shape))

reference = model(ids).logits[0, -1]
print("same logits as transformers (to 0.001):", torch.allclose(logits, reference, atol=1e-3))

cold = tok(" cold").input_ids[0]
hn = rms_norm(h, W.final_norm, W.eps)
print(f"\nscore of ' cold' (id {cold}) = normalised vector · row {cold} of the table"
      f" = {torch.dot(hn, E[cold]).item():.2f}")
