# requires: model
# 60 labelled tickets, two prompts (zero-shot, few-shot), three ways to read the answer.
from collections import Counter

from llmsite.model import load
from llmsite.prompting import (CONTENT_FREE, calibrate, classify_prompt, free_is_right, load_tickets,
                               rate_line, score_labels)

model, tok = load()
tickets = load_tickets("test")  # 60 to score
examples = load_tickets("example")[:5]  # 5 solved ones to show: one per label
for name, shots in [("zero-shot", ()), ("few-shot", examples)]:
    texts = [t.text for t in tickets] + [CONTENT_FREE]  # + a ticket that says nothing
    *scores, empty = score_labels(model, tok, [classify_prompt(tok, x, examples=shots) for x in texts])
    free = sum(free_is_right(s.free, t.label) for s, t in zip(scores, tickets))
    picked = sum(s.pick == t.label for s, t in zip(scores, tickets))
    fixed = sum(calibrate(s, empty).pick == t.label for s, t in zip(scores, tickets))
    print(rate_line(f"{name}, free", free, len(tickets)))
    print(rate_line(f"{name}, constrained", picked, len(tickets)))
    print(rate_line(f"{name}, calibrated", fixed, len(tickets)))
    print("  free first tokens:", ", ".join(f"{t!r} ×{n}" for t, n in Counter(s.free for s in scores).most_common(3)))
    print("  constrained picks:", ", ".join(f"{lab} ×{n}" for lab, n in Counter(s.pick for s in scores).most_common()))
    print(f"  '{CONTENT_FREE}' alone:", ", ".join(f"{lab} {p:.0%}" for lab, p in empty.probs.items()))
