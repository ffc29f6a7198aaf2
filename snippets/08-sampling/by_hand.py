# requires: model
# Temperature, top-k and top-p in a few lines of torch, checked against llmsite.sampling.
import torch

from llmsite.model import load
from llmsite.predict import next_token_probs
from llmsite.sampling import filtered_probs

model, tok = load()
logits, _ = next_token_probs(model, tok, "My favourite food is")

temperature, top_k, top_p = 0.8, 50, 0.9
x = logits / temperature  # 1. temperature: divide every score

kth_best = x.topk(top_k).values[-1]  # 2. top-k: drop everything below the k-th best score
x = x.masked_fill(x < kth_best, float("-inf"))

probs = x.softmax(dim=-1)  # 3. top-p: walk down from the best token, adding up probability;
p_sorted, order = probs.sort(descending=True)  # stop once the tokens so far hold top_p
before = p_sorted.cumsum(0) - p_sorted  # probability held by the tokens ranked above each one
drop = torch.zeros_like(probs, dtype=torch.bool)
drop[order] = before >= top_p
x = x.masked_fill(drop, float("-inf"))

final = x.softmax(dim=-1)  # 4. softmax over the survivors
print("tokens left:", int((final > 0).sum()))
print("same as llmsite.sampling:",
      torch.allclose(final, filtered_probs(logits, temperature, top_k, top_p), atol=1e-6))
