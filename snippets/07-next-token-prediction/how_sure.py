# requires: model
# How sure is the model? Entropy, in bits, of the next-token distribution for a few prompts.
from llmsite.model import load
from llmsite.predict import next_token_probs
from llmsite.sampling import entropy_bits

model, tok = load()
prompts = [
    "The chemical symbol for gold is",
    "Once upon a time",
    "The opposite of hot is",
    "The capital of Australia is",
    "My favourite food is",
]
print(f"{'prompt':<33} {'top token':>11} {'p':>6} {'bits':>5} {'like choosing among':>20}")
for prompt in prompts:
    _, probs = next_token_probs(model, tok, prompt)
    p, i = probs.max(dim=-1)
    h = entropy_bits(probs).item()
    print(f"{prompt:<33} {tok.decode([int(i)])!r:>11} {p.item():6.1%} {h:5.2f} {2 ** h:13.1f} tokens")
