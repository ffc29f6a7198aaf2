# Self-attention by hand: three tokens, vectors of two numbers, no model.
import torch

tokens = ["the", "cat", "sat"]
x = torch.tensor([[1.0, 0.0],  # "the"   (made-up embeddings, small enough to read)
                  [0.0, 1.0],  # "cat"
                  [1.0, 1.0]])  # "sat"

# Three small matrices (learned, in a real model) turn each vector into three roles:
Wq = torch.tensor([[1.0, 0.0], [0.0, 2.0]])  # query: what am I looking for?
Wk = torch.tensor([[0.5, 0.0], [0.0, 2.0]])  # key:   what do I offer?
Wv = torch.tensor([[1.0, 1.0], [0.0, 3.0]])  # value: what do I pass on?
q, k, v = x @ Wq, x @ Wk, x @ Wv

scores = q @ k.T / 2**0.5  # how well each query matches each key, scaled by sqrt(2)
weights = torch.softmax(scores, dim=-1)  # each row becomes percentages that add up to 1
out = weights @ v  # each token: a weighted average of the values

print("scores (row = the token that looks):")
for t, row in zip(tokens, scores):
    print(f"  {t:>4}", [round(s, 2) for s in row.tolist()])
print("weights:")
for t, row in zip(tokens, weights):
    print(f"  {t:>4}", [round(w, 2) for w in row.tolist()], " sum:", round(row.sum().item(), 2))
print("output for 'sat':", [round(o, 2) for o in out[2].tolist()])
