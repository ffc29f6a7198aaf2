# requires: model
# Generation is a loop: score every token, pick one, append it, repeat.
import torch

from llmsite.model import load

model, tok = load()

ids = tok("The capital of France is", return_tensors="pt").input_ids.to(model.device)
for step in range(12):
    probs = model(ids).logits[0, -1].float().softmax(dim=-1)
    best = probs.argmax()  # "greedy": always take the single most likely token
    print(f"step {step:2d}: picked {tok.decode([int(best)])!r:12} with p={probs[best].item():.2f}")
    ids = torch.cat([ids, best.view(1, 1)], dim=1)  # append it and go round again

print("\n" + tok.decode(ids[0]))
