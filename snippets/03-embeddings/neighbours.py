# requires: model
# Tokens used in similar ways end up with similar vectors. "Similar" = cosine similarity:
# 1 means pointing the same way, 0 means unrelated directions.
import torch

from llmsite.model import load

model, tok = load()
table = model.get_input_embeddings().weight.detach().float()
unit = torch.nn.functional.normalize(table, dim=-1)  # every row scaled to length 1


def neighbours(word, k=6):
    i = tok(word).input_ids[0]
    sims = unit @ unit[i]  # cosine similarity with all 49,152 tokens at once
    sims[i] = -1  # leave out the word itself
    best = sims.topk(k)
    pairs = zip(best.values.tolist(), best.indices.tolist())
    return ", ".join(f"{tok.decode([j])!r} {s:.2f}" for s, j in pairs)


for word in [" king", " Paris", " dog", " happy"]:
    print(f"{word!r:9} -> {neighbours(word)}")
