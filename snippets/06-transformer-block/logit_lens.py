# requires: model
# The logit lens: stop after block i, go straight to the output, and see what it would say.
import torch

from llmsite.model import load
from llmsite.transformer import from_hf, hidden_states_per_layer, unembed

model, tok = load()
W = from_hf(model)
ids = tok("The capital of France is").input_ids
paris = tok(" Paris").input_ids[0]
with torch.no_grad():
    # the last token's vector after each block: [31, 576] (row 0: the embedding)
    stream = hidden_states_per_layer(torch.tensor(ids), W)[:, -1]

print("after block   top guess (probability)  runners-up            rank of ' Paris'")
for layer in range(W.n_layers + 1):
    if layer % 3 and layer < 24:  # every third block early on, every block at the end
        continue
    with torch.no_grad():
        logits = unembed(stream[layer], W)  # final norm + output table, as after block 30
        probs = torch.softmax(logits.float(), dim=-1)
    top = probs.topk(3)
    words = [tok.decode([int(i)]) for i in top.indices]
    rank = int((probs > probs[paris]).sum()) + 1
    name = "embedding" if layer == 0 else f"{layer:9d}"
    runners_up = f"{words[1]!r:10} {words[2]!r:10}"
    print(f"{name:>11}   {words[0]!r:12} ({top.values[0]:.2f})   {runners_up} {rank:>8,}")
