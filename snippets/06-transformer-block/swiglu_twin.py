# requires: model
# The feed-forward network as llmsite/transformer.py writes it: the Python that the browser's
# engine (docs/assets/js/engine/transformer.js) mirrors. Checked against the library function.
import torch

from llmsite import transformer
from llmsite.model import load


# --8<-- [start:python]
def swiglu_ffn(x, layer, W):
    lw = W.layers[layer]
    gate = torch.nn.functional.silu(x @ lw.gate.T)  # silu(z) = z · sigmoid(z)
    up = x @ lw.up.T
    return (gate * up) @ lw.down.T
# --8<-- [end:python]


model, tok = load()
W = transformer.from_hf(model)
ids = torch.tensor([tok("The capital of France is").input_ids])
with torch.no_grad():
    x = transformer.rms_norm(transformer.embed(ids, W), W.layers[0].ffn_norm, W.eps)
    ours, library = swiglu_ffn(x, 0, W), transformer.swiglu_ffn(x, 0, W)
print("block 0's feed-forward output, shape", list(ours.shape))
print("identical to llmsite.transformer.swiglu_ffn:", torch.equal(ours, library))
print("first 4 numbers of the last token:", [round(v, 4) for v in ours[0, -1, :4].tolist()])
