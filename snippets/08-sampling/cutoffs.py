# requires: model
# How many of the 49,152 tokens survive each cut-off? It depends on how sure the model is.
from llmsite.model import load
from llmsite.predict import next_token_probs
from llmsite.sampling import filtered_probs

model, tok = load()
settings = {"top-k 50": dict(top_k=50), "top-p 0.9": dict(top_p=0.9),
            "top-p 0.5": dict(top_p=0.5), "min-p 0.1": dict(min_p=0.1)}
prompts = ["The chemical symbol for gold is", "The opposite of hot is", "My favourite food is"]

print(f"{'prompt':<32}" + "".join(f"{name:>11}" for name in settings))
for prompt in prompts:
    logits, _ = next_token_probs(model, tok, prompt)
    kept = [int((filtered_probs(logits, **kw) > 0).sum()) for kw in settings.values()]
    print(f"{prompt:<32}" + "".join(f"{k:>11,}" for k in kept))

# Temperature comes first: at 1.3 the gold prompt's distribution is flatter, so more survive.
logits, _ = next_token_probs(model, tok, prompts[0])
kept = [int((filtered_probs(logits, temperature=1.3, **kw) > 0).sum()) for kw in settings.values()]
print(f"{'(gold again, temperature 1.3)':<32}" + "".join(f"{k:>11,}" for k in kept))
