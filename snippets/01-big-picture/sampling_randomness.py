# requires: model
# On one machine the model is deterministic. The randomness comes from *sampling* its probabilities.
import torch

from llmsite.model import load

model, tok = load()
ids = tok("My favourite thing about Paris is", return_tensors="pt").input_ids.to(model.device)

# 1. Same input, same scores: run the model twice and compare.
a, b = model(ids).logits, model(ids).logits
print("largest difference between two runs:", (a - b).abs().max().item())


# 2. Sampling: draw the next token at random, in proportion to its probability.
def sample_continuation(seed, n_tokens=10):
    gen = torch.Generator().manual_seed(seed)  # a CPU generator: the same draws on any machine
    out = ids
    for _ in range(n_tokens):
        probs = model(out).logits[0, -1].float().softmax(dim=-1).cpu()
        nxt = torch.multinomial(probs, num_samples=1, generator=gen)
        out = torch.cat([out, nxt.view(1, 1).to(out.device)], dim=1)
    return tok.decode(out[0, ids.shape[1]:])


print()
for seed in (1, 2, 1):
    print(f"seed {seed}: ...{sample_continuation(seed)!r}")
