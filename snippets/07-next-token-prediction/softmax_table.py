# requires: model
# Scores -> probabilities, step by step, for a prompt with a fairly clear answer.
from llmsite.model import load
from llmsite.predict import next_token_probs

model, tok = load()
logits, probs = next_token_probs(model, tok, "The opposite of hot is")

shifted = logits - logits.max()  # subtract the best score: same probabilities, no overflow
weights = shifted.exp()  # e^score: the best token gets weight 1, the others less
total = weights.sum()
print(f"sum of e^(score - best) over all {logits.numel():,} tokens: {total.item():.3f}\n")

print(f"{'token':>9} {'score':>6} {'minus best':>10} {'e^that':>8} {'/ sum':>7}")
for i in probs.topk(8).indices:
    print(f"{tok.decode([int(i)])!r:>9} {logits[i].item():6.2f} {shifted[i].item():10.2f}"
          f" {weights[i].item():8.4f} {probs[i].item():7.2%}")

print(f"\nthe top 8 hold {probs.topk(8).values.sum().item():.1%}; "
      f"tokens above 1%: {int((probs > 0.01).sum())}; above 0.01%: {int((probs > 1e-4).sum()):,}")
