# requires: model
# One prompt, several answers: the model is the same, only the random draws differ.
from llmsite.generate import chat_prompt, generate
from llmsite.model import load
from llmsite.transformer import from_hf

model, tok = load()
W = from_hf(model)
ids = tok(chat_prompt(tok, "Suggest a name for a black cat.")).input_ids


def reply(**settings):
    return repr(tok.decode(generate(ids, W, 14, **settings).tokens))


print("greedy (T=0)    ", reply(temperature=0))
print("greedy again    ", reply(temperature=0))
for seed in (1, 2, 3, 1):
    print(f"T=0.8, seed {seed}  ", reply(temperature=0.8, top_p=0.9, seed=seed))
print("T=2.0, seed 1   ", reply(temperature=2.0, seed=1))
