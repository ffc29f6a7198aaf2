# requires: model
# The whole course in one pass: what the data looks like at every stage.
import torch

from llmsite.model import load
from llmsite.transformer import embed, forward, from_hf

model, tok = load()
W = from_hf(model)  # the model's weights, for our from-scratch forward pass

text = "The animal didn't cross the street because it"
ids = tok(text).input_ids
print(f"text        {text!r}")
print(f"tokens      {[tok.decode([i]) for i in ids]}")
print(f"ids         {ids}")
print(f"embeddings  {list(embed(torch.tensor([ids]), W).shape[1:])}   (one row of {W.hidden} numbers per token)")
out = forward(torch.tensor([ids]), W, return_hidden=True)
print(f"blocks      {W.n_layers} of them, each adds to a stream of shape {list(out.hidden.shape[2:])}")
logits = out.logits[0, -1]
print(f"logits      {list(logits.shape)}   (one score per vocabulary token)")
probs = logits.softmax(dim=-1)
best = int(probs.argmax())
print(f"next token  {tok.decode([best])!r} with p = {probs[best].item():.2f}, then append it and repeat")
print(f"until       a stop token, or {model.config.max_position_embeddings:,} tokens: the context window")
