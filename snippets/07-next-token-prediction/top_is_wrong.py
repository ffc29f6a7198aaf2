# requires: model
# The most likely token is not always the right one.
from llmsite.generate import generate
from llmsite.model import load
from llmsite.predict import top_next_tokens
from llmsite.transformer import from_hf

model, tok = load()
for prompt in ["The capital of Australia is", "My favourite food is"]:
    cands, _ = top_next_tokens(model, tok, prompt, k=5)
    print(prompt)
    for c in cands:
        print(f"   {c.text!r:>12} {c.prob:6.1%}")
    print()

# Greedy decoding takes the top token every time, so it writes the wrong answer with a straight face.
ids = tok("The capital of Australia is").input_ids
print("greedy:", repr(tok.decode(ids + generate(ids, from_hf(model), 6).tokens)))
