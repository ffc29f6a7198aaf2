# requires: model
# The model's whole job: give every token in its vocabulary a score for "comes next".
import torch

from llmsite.model import load

model, tok = load()  # SmolLM2-135M-Instruct; CUDA if you have it, else CPU

prompt = "The capital of France is"
ids = tok(prompt, return_tensors="pt").input_ids.to(model.device)
print("token ids:", ids[0].tolist())
print("tokens:   ", [tok.decode([i]) for i in ids[0]])

logits = model(ids).logits[0, -1]  # one score per vocabulary entry, for the last position
print(f"\none score for each of {logits.shape[0]:,} tokens")

probs = torch.softmax(logits.float(), dim=-1)  # scores -> probabilities that add up to 1
print(f"probabilities add up to {probs.sum().item():.4f}\n")

top = probs.topk(10)
print(f"{'token':>10}  {'score':>6}  probability")
for p, i in zip(top.values, top.indices):
    print(f"{tok.decode([int(i)])!r:>10}  {logits[i].item():6.2f}  {p.item():.2%}")
print(f"{'the rest':>10}  {'':>6}  {1 - top.values.sum().item():.2%}")
