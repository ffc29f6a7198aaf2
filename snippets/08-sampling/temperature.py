# requires: model
# Temperature reshapes the same distribution: below 1 sharper, above 1 flatter.
from llmsite.model import load
from llmsite.predict import next_token_probs
from llmsite.sampling import entropy_bits, filtered_probs

model, tok = load()
logits, _ = next_token_probs(model, tok, "My favourite food is")

print(f"{'T':>4} {'top token':>11} {'its p':>6} {'tokens for 90%':>15} {'bits':>5}")
for t in (0.1, 0.5, 1.0, 1.5, 3.0):
    probs = filtered_probs(logits, temperature=t)
    sorted_p = probs.sort(descending=True).values
    n90 = int((sorted_p.cumsum(0) < 0.9).sum()) + 1  # how many of the best tokens hold 90%
    p, i = probs.max(dim=-1)
    print(f"{t:4} {tok.decode([int(i)])!r:>11} {p.item():6.1%} {n90:15,} {entropy_bits(probs).item():5.2f}")
