# The training data, the objective, and how surprised a model is before it learns anything.
import math

import torch

from llmsite.train import TinyConfig, TinyGPT, get_batch, lm_loss, load_corpus

data = load_corpus()  # the Python docs shipped with CPython, one token per character
print(f"characters for training: {data.n_train:,}   held out: {data.val.numel():,}")
print(f"vocabulary: {data.tok.vocab_size} different characters")

# The objective: at every position, predict the next character. Targets = inputs shifted by one.
text = data.tok.decode(data.train[:24])
print(f"\ninput : {text[:-1]!r}")
print(f"target: {text[1:]!r}")

# An untrained model: random weights, so it spreads its bets evenly over 103 characters...
cfg = TinyConfig(vocab_size=data.tok.vocab_size)  # SmolLM2's design, shrunk
model = TinyGPT(cfg, seed=0)
print(f"\n{cfg}")
print(f"parameters of the tiny model: {model.n_params():,}")
x, y = get_batch(data.train, batch_size=64, context=64, gen=torch.Generator().manual_seed(0))
with torch.no_grad():
    loss = lm_loss(model(x), y).item()
# ...and its loss is close to the surprise of a fair 1-in-103 guess: ln(103).
print(f"loss of the untrained model: {loss:.2f}")
print(f"ln({data.tok.vocab_size}) = {math.log(data.tok.vocab_size):.2f}")
