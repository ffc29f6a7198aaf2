# requires: model
# The famous test: king - man + woman = queen? We do it honestly, both ways.
import torch

from llmsite.model import load

model, tok = load()
table = model.get_input_embeddings().weight.detach().float()
unit = torch.nn.functional.normalize(table, dim=-1)


def vec(word):
    return unit[tok(word).input_ids[0]]


def similarities(target, exclude=()):
    sims = unit @ torch.nn.functional.normalize(target, dim=0)
    for word in exclude:
        sims[tok(word).input_ids[0]] = -1  # take it out of the race
    return sims


def nearest(target, exclude=(), k=5):
    best = similarities(target, exclude).topk(k)
    pairs = zip(best.values.tolist(), best.indices.tolist())
    return ", ".join(f"{tok.decode([j])!r} {s:.2f}" for s, j in pairs)


tests = [(" king", " man", " woman", " queen"), (" Paris", " France", " Italy", " Rome")]
for a, b, c, hoped in tests:
    target = vec(a) - vec(b) + vec(c)
    print(f"{a} -{b} +{c}")
    print("  all tokens:        ", nearest(target))
    print("  inputs left out:   ", nearest(target, exclude=(a, b, c)))
    print(f"  {a!r} alone, for comparison:", nearest(vec(a), exclude=(a,)))
    sims = similarities(target, exclude=(a, b, c))
    rank = int((sims > sims[tok(hoped).input_ids[0]]).sum()) + 1
    print(f"  rank of {hoped!r} among all 49,152 tokens (inputs left out): {rank}")
