# The causal mask: a token may look at itself and at earlier tokens, never at later ones.
import torch

tokens = ["the", "cat", "sat"]
scores = torch.tensor([[0.35, 0.00, 0.35],  # the toy's scores, rounded
                       [0.00, 2.83, 2.83],
                       [0.35, 2.83, 3.18]])

future = torch.triu(torch.ones(3, 3, dtype=torch.bool), diagonal=1)  # True above the diagonal
masked = scores.masked_fill(future, float("-inf"))  # exp(-inf) = 0: no weight at all
weights = torch.softmax(masked, dim=-1)

for t, row in zip(tokens, weights):
    print(f"{t:>4}", [round(w, 2) for w in row.tolist()])
