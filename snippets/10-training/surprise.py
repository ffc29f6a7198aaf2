# requires: model
# Cross-entropy is "surprise": -ln(probability the model gave to what really came next).
import math

import torch

from llmsite.model import load

model, tok = load()

for text in ["The capital of France is Paris.", "The capital of France is Rome."]:
    ids = tok(text, return_tensors="pt").input_ids.to(model.device)
    with torch.no_grad():
        logits = model(ids).logits[0].float()
    probs = logits[:-1].softmax(dim=-1)  # position i predicts token i+1
    print(f"{text!r}")
    surprises = []
    for i, nxt in enumerate(ids[0, 1:].tolist()):
        p = probs[i, nxt].item()
        surprises.append(-math.log(p))
        print(f"  {tok.decode([nxt])!r:>10}  p={p:8.3%}  surprise={-math.log(p):5.2f}")
    # The training loss is the average surprise. transformers computes the same number:
    builtin = model(ids, labels=ids).loss.item()
    print(f"  average surprise (the loss) = {sum(surprises) / len(surprises):.2f}"
          f"  (transformers says {builtin:.2f})\n")
