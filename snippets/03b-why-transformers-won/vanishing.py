# How far back does a training signal reach? The error of the last prediction, traced back to
# the input of every earlier position, in the untrained GRU and the untrained GPT.
import dataclasses

import torch

from llmsite import transformer
from llmsite.recurrent import RecurrentConfig, TinyGRU
from llmsite.train import TinyConfig, TinyGPT, deterministic, load_corpus

data = load_corpus()
V = data.tok.vocab_size
ids = data.train[:257]  # 256 characters in, the 257th is the one to predict
target = ids[-1:]


def signal(model):
    """|d loss / d input vector| at each of the 256 positions (the loss: the last prediction only)."""
    x = model.embedding[ids[:-1]].detach().requires_grad_(True)  # the 256 input vectors
    if isinstance(model, TinyGRU):  # the conveyor belt: the error flows back step by step
        states, _ = model.gru(x[None])
        logits = transformer.rms_norm(states, model.final_norm, model.cfg.eps) @ model.embedding.T
    else:  # the GPT: attention gives every position a direct path to the last one
        W = dataclasses.replace(model.weights(), embedding=x)  # row t of the "table" is position t's vector
        logits = transformer.forward(torch.arange(len(x))[None], W)
    torch.nn.functional.cross_entropy(logits[0, -1:], target).backward()
    return x.grad.norm(dim=-1)


with deterministic("cpu"):
    gru = signal(TinyGRU(RecurrentConfig(vocab_size=V), seed=0))
    gpt = signal(TinyGPT(TinyConfig(vocab_size=V), seed=0))

one_back = len(gru) - 2  # the character just before the last one
print("characters back   GRU signal   GPT signal   (1 = the signal one character back)")
for back in (1, 2, 4, 8, 16, 32, 64, 128):
    t = len(gru) - 1 - back
    print(f"{back:15d}   {gru[t] / gru[one_back]:10.1e}   {gpt[t] / gpt[one_back]:10.1e}")
