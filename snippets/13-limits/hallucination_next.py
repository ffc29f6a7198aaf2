# requires: model
# Ask about things that do not exist (or have not happened) and read the model's bets.
from llmsite.model import load
from llmsite.predict import top_next_tokens

model, tok = load()
prompts = [
    "The first person to walk on Mars was",
    "The population of the village of Little Bramwick in 1987 was",
    'The novel "The Glass Orchard of Tuvan" was written by',
]
for prompt in prompts:
    top, rest = top_next_tokens(model, tok, prompt, k=5)
    bets = "  ".join(f"{c.text!r} {c.prob:.0%}" for c in top)
    print(f"{prompt}\n   {bets}  (all others {rest:.0%})")
