# How far does counting get? Predict each held-out character from how often it followed the
# last few characters in the training text, with no neural network at all. The tiny model's
# held-out losses (train_tiny.out) can be read against these.
import math
from collections import Counter

from llmsite.train import load_corpus

data = load_corpus()
train, val, V = data.train.tolist(), data.val.tolist(), data.tok.vocab_size
MAX = 4  # the longest context we count
counts = [Counter() for _ in range(MAX + 1)]  # counts[n][(previous n chars..., next char)]
totals = [Counter() for _ in range(MAX + 1)]  # totals[n][(previous n chars)]
for i in range(len(train)):
    for n in range(min(i, MAX) + 1):
        ctx = tuple(train[i - n:i])
        counts[n][ctx + (train[i],)] += 1
        totals[n][ctx] += 1


def prob(history, c, n, weight=2.0):
    """P(c | the last n characters): counts, blended with the (n-1)-character estimate."""
    lower = 1 / V if n == 0 else prob(history, c, n - 1)
    ctx = tuple(history[len(history) - n:]) if n else ()
    return (counts[n][ctx + (c,)] + weight * lower) / (totals[n][ctx] + weight)


print("held-out loss of counting models (nats per character, lower is better)")
for n in range(MAX + 1):
    loss = -sum(math.log(prob(val[max(0, i - n):i], val[i], min(n, i))) for i in range(len(val))) / len(val)
    what = "how often each character occurs" if n == 0 else f"the last {n} character{'s' * (n > 1)}"
    print(f"  knows {what:<32} {loss:.2f}   as unsure as a choice among {math.exp(loss):4.1f}")
